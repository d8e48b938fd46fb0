// x86-64 and i386 through Zydis 4: the fast view decodes without operands
// (control flow and targets come from the raw immediate and displacement);
// the detailed view decodes every operand, hidden ones included.
#include <Zydis/Zydis.h>

#include "code/decoder.h"
#include "support/limits.h"

namespace exray::code {
namespace {

uint8_t Canon(ZydisMachineMode mode, ZydisRegister r) {
  if (r == ZYDIS_REGISTER_NONE) return kNoReg;
  const ZydisRegister big = ZydisRegisterGetLargestEnclosing(mode, r);
  switch (ZydisRegisterGetClass(big)) {
    case ZYDIS_REGCLASS_GPR64:
    case ZYDIS_REGCLASS_GPR32: {
      const ZyanI8 id = ZydisRegisterGetId(big);
      return id >= 0 && id < 16 ? static_cast<uint8_t>(id) : kNoReg;
    }
    default:
      return kNoReg;
  }
}

class X86Decoder final : public Decoder {
 public:
  explicit X86Decoder(Arch arch) : arch_(arch) {
    mode_ = arch == Arch::kX86_64 ? ZYDIS_MACHINE_MODE_LONG_64 : ZYDIS_MACHINE_MODE_LEGACY_32;
    ZydisDecoderInit(&decoder_, mode_, arch == Arch::kX86_64 ? ZYDIS_STACK_WIDTH_64 : ZYDIS_STACK_WIDTH_32);
    ZydisFormatterInit(&formatter_, ZYDIS_FORMATTER_STYLE_INTEL);
  }
  Arch arch() const override { return arch_; }
  int ptr_size() const override { return arch_ == Arch::kX86_64 ? 8 : 4; }
  uint8_t SyscallNumberReg() const override { return kX86Rax; }
  uint8_t SyscallArgReg(int i) const override {
    static constexpr uint8_t k64[6] = {kX86Rdi, kX86Rsi, kX86Rdx, kX86R10, kX86R8, kX86R9};
    static constexpr uint8_t k32[6] = {kX86Rbx, kX86Rcx, kX86Rdx, kX86Rsi, kX86Rdi, kX86Rbp};
    if (i < 0 || i > 5) return kNoReg;
    return arch_ == Arch::kX86_64 ? k64[i] : k32[i];
  }

  void Decode(ByteView bytes, uint64_t addr, Insn* out) const override {
    *out = Insn{};
    out->addr = addr;
    ZydisDecodedInstruction in;
    const uint64_t n = bytes.size() < kMaxInsnBytes ? bytes.size() : kMaxInsnBytes;
    if (n == 0 || ZYAN_FAILED(ZydisDecoderDecodeInstruction(&decoder_, nullptr, bytes.data(), n, &in))) {
      out->len = 1;
      out->flow = Flow::kInvalid;
      return;
    }
    out->len = in.length;
    out->mnemonic = static_cast<uint16_t>(in.mnemonic);
    const uint64_t next = addr + in.length;
    const bool rel = in.raw.imm[0].is_relative;
    const int64_t rel_off = in.raw.imm[0].value.s;
    // A memory operand without base or index (absolute or rip-relative): the
    // slot an indirect jump or call goes through.
    auto mem_addr = [&]() -> bool {
      if (!(in.attributes & ZYDIS_ATTRIB_HAS_MODRM) || in.raw.modrm.mod == 3) return false;
      if (in.raw.sib.offset != 0 && in.raw.modrm.rm == 4) {
        // SIB: absolute only when there is neither base (base 5 with mod 0) nor index (index 4).
        if (in.raw.modrm.mod == 0 && (in.raw.sib.base & 7) == 5 && (in.raw.sib.index & 7) == 4 &&
            !(in.raw.rex.X)) {
          out->target = static_cast<uint64_t>(in.raw.disp.value) & Mask();
          return true;
        }
        return false;
      }
      if (in.raw.modrm.mod == 0 && in.raw.modrm.rm == 5) {
        out->target = (arch_ == Arch::kX86_64 ? next + in.raw.disp.value : in.raw.disp.value) & Mask();
        return true;
      }
      return false;
    };
    switch (in.meta.category) {
      case ZYDIS_CATEGORY_CALL:
        if (rel) out->flow = Flow::kCall, out->target = (next + rel_off) & Mask();
        else out->flow = Flow::kIndirectCall, out->mem_target = mem_addr();
        break;
      case ZYDIS_CATEGORY_UNCOND_BR:
        if (rel) out->flow = Flow::kJump, out->target = (next + rel_off) & Mask();
        else out->flow = Flow::kIndirectJump, out->mem_target = mem_addr();
        break;
      case ZYDIS_CATEGORY_COND_BR:
        out->flow = Flow::kCondJump, out->target = (next + rel_off) & Mask();
        break;
      case ZYDIS_CATEGORY_RET:
        out->flow = Flow::kReturn;
        break;
      default:
        switch (in.mnemonic) {
          case ZYDIS_MNEMONIC_SYSCALL:
          case ZYDIS_MNEMONIC_SYSENTER:
            out->flow = Flow::kSyscall;
            break;
          case ZYDIS_MNEMONIC_INT:
            if (in.raw.imm[0].value.u == 0x80) out->flow = Flow::kSyscall;
            break;
          case ZYDIS_MNEMONIC_PUSH:
          case ZYDIS_MNEMONIC_POP:
          case ZYDIS_MNEMONIC_SUB:
          case ZYDIS_MNEMONIC_ADD:
          case ZYDIS_MNEMONIC_AND:
          case ZYDIS_MNEMONIC_LEAVE:
          case ZYDIS_MNEMONIC_ENTER:
          case ZYDIS_MNEMONIC_MOV:
          case ZYDIS_MNEMONIC_LEA:
          case ZYDIS_MNEMONIC_PUSHFQ:
          case ZYDIS_MNEMONIC_POPFQ:
            out->moves_sp = true;
            break;
          case ZYDIS_MNEMONIC_HLT:
          case ZYDIS_MNEMONIC_UD2:
          case ZYDIS_MNEMONIC_INT3:
            out->flow = Flow::kStop;
            break;
          default:
            break;
        }
    }
  }

  bool Describe(ByteView bytes, uint64_t addr, Detail* out) const override {
    *out = Detail{};
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    const uint64_t n = bytes.size() < kMaxInsnBytes ? bytes.size() : kMaxInsnBytes;
    if (n == 0 || ZYAN_FAILED(ZydisDecoderDecodeFull(&decoder_, bytes.data(), n, &in, ops))) return false;
    const uint64_t next = addr + in.length;
    int reg_ops = 0, imm_ops = 0, mem_ops = 0;
    uint8_t regs[2] = {kNoReg, kNoReg};
    bool same_regs = false;
    int64_t imm = 0;
    for (int i = 0; i < in.operand_count; ++i) {
      const ZydisDecodedOperand& op = ops[i];
      const bool rd = op.actions & ZYDIS_OPERAND_ACTION_MASK_READ;
      const bool wr = op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
      if (op.type == ZYDIS_OPERAND_TYPE_REGISTER) {
        const uint8_t r = Canon(mode_, op.reg.value);
        if (r != kNoReg && r != kX86Rsp) {
          if (rd) out->read |= 1u << r;
          // A write to a 32-bit register zero-extends: the whole register is written.
          if (wr) out->written |= 1u << r;
        }
        if (op.visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT && reg_ops < 2) regs[reg_ops++] = r;
      } else if (op.type == ZYDIS_OPERAND_TYPE_MEMORY) {
        const uint8_t b = Canon(mode_, op.mem.base), x = Canon(mode_, op.mem.index);
        if (b != kNoReg && b != kX86Rsp) out->read |= 1u << b;
        if (x != kNoReg && x != kX86Rsp) out->read |= 1u << x;
        if (op.visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT || op.mem.type == ZYDIS_MEMOP_TYPE_AGEN) {
          if (op.mem.type == ZYDIS_MEMOP_TYPE_AGEN) FillMem(op, next, &out->mem), out->has_mem = true;
          continue;
        }
        ++mem_ops;
        out->has_mem = true;
        FillMem(op, next, &out->mem);
      } else if (op.type == ZYDIS_OPERAND_TYPE_IMMEDIATE && op.visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT) {
        ++imm_ops;
        imm = op.imm.is_signed ? op.imm.value.s : static_cast<int64_t>(op.imm.value.u);
      }
    }
    bool sp_written = false;
    for (int i = 0; i < in.operand_count; ++i)
      if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER && (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
          Canon(mode_, ops[i].reg.value) == kX86Rsp)
        sp_written = true;
    same_regs = reg_ops == 2 && regs[0] == regs[1] && regs[0] != kNoReg;
    const bool dst_mem = mem_ops == 1 && in.operand_count_visible > 0 && ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY;
    switch (in.mnemonic) {
      case ZYDIS_MNEMONIC_MOV:
        if (reg_ops == 1 && imm_ops == 1) out->op = Op::kMovImm, out->dst = regs[0], out->imm = imm;
        else if (reg_ops == 2) out->op = Op::kMovReg, out->dst = regs[0], out->src = regs[1];
        else if (reg_ops == 1 && mem_ops == 1 && !dst_mem) out->op = Op::kLoad, out->dst = regs[0];
        else if (reg_ops == 1 && dst_mem) out->op = Op::kStore, out->src = regs[0];
        else if (imm_ops == 1 && dst_mem) out->op = Op::kStoreImm, out->imm = imm;
        break;
      case ZYDIS_MNEMONIC_MOVZX:
      case ZYDIS_MNEMONIC_MOVSX:
      case ZYDIS_MNEMONIC_MOVSXD:
        if (reg_ops == 1 && mem_ops == 1) out->op = Op::kLoad, out->dst = regs[0];
        else if (reg_ops == 2) out->op = Op::kMovReg, out->dst = regs[0], out->src = regs[1];
        break;
      case ZYDIS_MNEMONIC_LEA:
        out->op = Op::kLea, out->dst = regs[0];
        break;
      case ZYDIS_MNEMONIC_XOR:
      case ZYDIS_MNEMONIC_SUB:
        if (same_regs) {
          // xor eax, eax: a constant, whatever eax held.
          out->op = Op::kMovImm, out->dst = regs[0], out->imm = 0;
          out->read &= ~(1u << regs[0]);
        } else if (in.mnemonic == ZYDIS_MNEMONIC_SUB && reg_ops == 1 && imm_ops == 1 && mem_ops == 0) {
          out->op = Op::kAddImm, out->dst = regs[0], out->imm = -imm;
        }
        break;
      case ZYDIS_MNEMONIC_ADD:
        if (reg_ops == 1 && imm_ops == 1 && mem_ops == 0) out->op = Op::kAddImm, out->dst = regs[0], out->imm = imm;
        else if (reg_ops == 2) out->op = Op::kAddReg, out->dst = regs[0], out->src = regs[1];
        break;
      case ZYDIS_MNEMONIC_AND:
        if (reg_ops == 1 && imm_ops == 1 && mem_ops == 0) out->op = Op::kAndImm, out->dst = regs[0], out->imm = imm;
        break;
      case ZYDIS_MNEMONIC_SHR:
      case ZYDIS_MNEMONIC_SHL:
      case ZYDIS_MNEMONIC_SAR:
        if (reg_ops == 1 && imm_ops == 1) out->op = Op::kShiftImm, out->dst = regs[0], out->imm = imm;
        break;
      case ZYDIS_MNEMONIC_PUSH:
        if (reg_ops == 1) out->op = Op::kPush, out->src = regs[0];
        break;
      case ZYDIS_MNEMONIC_POP:
        if (reg_ops == 1) out->op = Op::kPop, out->dst = regs[0];
        break;
      case ZYDIS_MNEMONIC_CMP:
      case ZYDIS_MNEMONIC_TEST:
        out->op = Op::kCompare;
        break;
      default:
        break;
    }
    if (sp_written) {
      const int64_t width = arch_ == Arch::kX86_64 ? 8 : 4;
      switch (in.mnemonic) {
        case ZYDIS_MNEMONIC_PUSH:
        case ZYDIS_MNEMONIC_PUSHFQ:
        case ZYDIS_MNEMONIC_PUSHFD:
          out->sp_delta = -width;
          break;
        case ZYDIS_MNEMONIC_POP:
        case ZYDIS_MNEMONIC_POPFQ:
        case ZYDIS_MNEMONIC_POPFD:
          out->sp_delta = width;
          break;
        case ZYDIS_MNEMONIC_CALL:
        case ZYDIS_MNEMONIC_RET:
          break;  // balanced from the function's point of view
        default:
          if (out->op == Op::kAddImm && out->dst == kX86Rsp) out->sp_delta = out->imm;
          else out->sp_known = false;
      }
    }
    return true;
  }

  std::string Format(ByteView bytes, uint64_t addr) const override {
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    const uint64_t n = bytes.size() < kMaxInsnBytes ? bytes.size() : kMaxInsnBytes;
    if (n == 0 || ZYAN_FAILED(ZydisDecoderDecodeFull(&decoder_, bytes.data(), n, &in, ops))) return {};
    char buf[256];
    if (ZYAN_FAILED(ZydisFormatterFormatInstruction(&formatter_, &in, ops, in.operand_count_visible, buf,
                                                    sizeof buf, addr, nullptr)))
      return {};
    return buf;
  }

 private:
  uint64_t Mask() const { return arch_ == Arch::kX86_64 ? ~0ull : 0xffffffffull; }
  void FillMem(const ZydisDecodedOperand& op, uint64_t next, MemOperand* m) const {
    m->size = static_cast<uint8_t>(op.size / 8);
    m->disp = op.mem.disp.has_displacement ? op.mem.disp.value : 0;
    m->fs = op.mem.segment == ZYDIS_REGISTER_FS;
    m->gs = op.mem.segment == ZYDIS_REGISTER_GS;
    if (op.mem.base == ZYDIS_REGISTER_RIP || op.mem.base == ZYDIS_REGISTER_EIP) {
      m->rip = true;
      m->abs = (next + m->disp) & Mask();
    } else {
      m->base = Canon(mode_, op.mem.base);
      m->abs = static_cast<uint64_t>(m->disp) & Mask();
    }
    m->index = Canon(mode_, op.mem.index);
    m->scale = op.mem.scale;
  }

  Arch arch_;
  ZydisMachineMode mode_;
  ZydisDecoder decoder_;
  ZydisFormatter formatter_;
};

}  // namespace

std::unique_ptr<Decoder> MakeX86Decoder(Arch arch) { return std::make_unique<X86Decoder>(arch); }

}  // namespace exray::code
