// arm64: control flow from the fixed 32-bit encodings (the sweep needs only
// the branch classes, and every instruction is 4 bytes), operands and text
// through Capstone.
#include <capstone/capstone.h>

#include <mutex>

#include "code/decoder.h"

namespace exray::code {
namespace {

uint8_t Canon(arm64_reg r) {
  if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28) return static_cast<uint8_t>(r - ARM64_REG_X0);
  if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30) return static_cast<uint8_t>(r - ARM64_REG_W0);
  if (r == ARM64_REG_X29) return 29;
  if (r == ARM64_REG_X30) return 30;
  if (r == ARM64_REG_SP || r == ARM64_REG_WSP) return kArm64Sp;
  return kNoReg;
}

int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t m = 1ull << (bits - 1);
  v &= (1ull << bits) - 1;
  return static_cast<int64_t>((v ^ m) - m);
}

class Arm64Decoder final : public Decoder {
 public:
  Arm64Decoder() {
    ok_ = cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &cs_) == CS_ERR_OK;
    if (ok_) cs_option(cs_, CS_OPT_DETAIL, CS_OPT_ON), insn_ = cs_malloc(cs_);
  }
  ~Arm64Decoder() override {
    if (insn_) cs_free(insn_, 1);
    if (ok_) cs_close(&cs_);
  }
  Arch arch() const override { return Arch::kArm64; }
  int ptr_size() const override { return 8; }
  uint8_t SyscallNumberReg() const override { return 8; }
  uint8_t SyscallArgReg(int i) const override { return i >= 0 && i < 6 ? static_cast<uint8_t>(i) : kNoReg; }

  void Decode(ByteView bytes, uint64_t addr, Insn* out) const override {
    *out = Insn{};
    out->addr = addr;
    out->len = 4;
    uint32_t w = 0;
    if (!bytes.ReadInt(0, Endian::kLittle, &w) || (addr & 3)) {
      out->flow = Flow::kInvalid;
      return;
    }
    out->mnemonic = static_cast<uint16_t>(w >> 21);
    if ((w & 0xFC000000u) == 0x14000000u) {
      out->flow = Flow::kJump, out->target = addr + SignExtend(w, 26) * 4;
    } else if ((w & 0xFC000000u) == 0x94000000u) {
      out->flow = Flow::kCall, out->target = addr + SignExtend(w, 26) * 4;
    } else if ((w & 0xFF000010u) == 0x54000000u || (w & 0x7E000000u) == 0x34000000u) {
      out->flow = Flow::kCondJump, out->target = addr + SignExtend(w >> 5, 19) * 4;
    } else if ((w & 0x7E000000u) == 0x36000000u) {
      out->flow = Flow::kCondJump, out->target = addr + SignExtend(w >> 5, 14) * 4;
    } else if ((w & 0xFFFFFC1Fu) == 0xD61F0000u) {
      out->flow = Flow::kIndirectJump;
    } else if ((w & 0xFFFFFC1Fu) == 0xD63F0000u) {
      out->flow = Flow::kIndirectCall;
    } else if ((w & 0xFFFFFC1Fu) == 0xD65F0000u) {
      out->flow = Flow::kReturn;
    } else if ((w & 0xFFE0001Fu) == 0xD4000001u) {
      out->flow = Flow::kSyscall;
    } else if ((w & 0xFFE0001Fu) == 0xD4200000u || (w >> 16) == 0) {
      out->flow = Flow::kStop;  // brk, udf
    }
    // What moves the stack pointer: add/sub (immediate) into sp (Rd 31 with
    // S clear; mov sp, xN is add sp, xN, #0), and a load or store, single or
    // pair, that writes its base sp back (pre- or post-indexed).
    const bool rn_sp = ((w >> 5) & 31) == 31;
    out->moves_sp = ((w & 0x1F800000u) == 0x11000000u && !(w & 0x20000000u) && (w & 31) == 31) ||
                    ((w & 0x3B200400u) == 0x38000400u && rn_sp) || ((w & 0x3A800000u) == 0x28800000u && rn_sp);
  }

  bool Describe(ByteView bytes, uint64_t addr, Detail* out) const override {
    *out = Detail{};
    std::lock_guard<std::mutex> lock(mu_);
    if (!Disasm(bytes, addr)) return false;
    const cs_arm64& a = insn_->detail->arm64;
    cs_regs rd, wr;
    uint8_t nrd = 0, nwr = 0;
    if (cs_regs_access(cs_, insn_, rd, &nrd, wr, &nwr) == CS_ERR_OK) {
      for (int i = 0; i < nrd; ++i)
        if (uint8_t r = Canon(static_cast<arm64_reg>(rd[i])); r < 31) out->read |= 1u << r;
      for (int i = 0; i < nwr; ++i)
        if (uint8_t r = Canon(static_cast<arm64_reg>(wr[i])); r < 31) out->written |= 1u << r;
    }
    auto reg = [&](int i) { return i < a.op_count && a.operands[i].type == ARM64_OP_REG ? Canon(a.operands[i].reg) : kNoReg; };
    auto is_imm = [&](int i) { return i < a.op_count && a.operands[i].type == ARM64_OP_IMM; };
    for (int i = 0; i < a.op_count; ++i) {
      if (a.operands[i].type != ARM64_OP_MEM) continue;
      out->has_mem = true;
      out->mem.base = Canon(a.operands[i].mem.base);
      out->mem.index = Canon(a.operands[i].mem.index);
      out->mem.disp = a.operands[i].mem.disp;
      out->mem.abs = static_cast<uint64_t>(out->mem.disp);
    }
    auto is_zero_reg = [&](int i) {
      return i < a.op_count && a.operands[i].type == ARM64_OP_REG &&
             (a.operands[i].reg == ARM64_REG_XZR || a.operands[i].reg == ARM64_REG_WZR);
    };
    switch (insn_->id) {
      case ARM64_INS_MOV:
      case ARM64_INS_MOVZ:
        if (a.op_count == 2 && is_imm(1)) {
          out->op = Op::kMovImm, out->dst = reg(0);
          out->imm = a.operands[1].imm << (a.operands[1].shift.type == ARM64_SFT_LSL ? a.operands[1].shift.value : 0);
        } else if (a.op_count == 2 && reg(1) != kNoReg) {
          out->op = Op::kMovReg, out->dst = reg(0), out->src = reg(1);
        } else if (a.op_count == 2 && a.operands[1].type == ARM64_OP_REG &&
                   (a.operands[1].reg == ARM64_REG_XZR || a.operands[1].reg == ARM64_REG_WZR)) {
          out->op = Op::kMovImm, out->dst = reg(0), out->imm = 0;
        }
        break;
      case ARM64_INS_MOVN:
        // Capstone 4 lists movn's destination as read too: it is only written.
        if (a.op_count == 2 && is_imm(1) && reg(0) != kNoReg) {
          const int shift = a.operands[1].shift.type == ARM64_SFT_LSL ? a.operands[1].shift.value : 0;
          uint64_t v = ~(static_cast<uint64_t>(a.operands[1].imm) << shift);
          if (a.operands[0].reg >= ARM64_REG_W0 && a.operands[0].reg <= ARM64_REG_W30) v &= 0xffffffffu;
          out->op = Op::kMovImm, out->dst = reg(0), out->imm = static_cast<int64_t>(v);
          out->read &= ~(1u << reg(0));
        }
        break;
      case ARM64_INS_ORR:
        // mov xN, #bitmask is orr xN, xzr, #imm (Go: orr x8, xzr, #0x38 for openat).
        if (a.op_count == 3 && is_zero_reg(1) && is_imm(2)) out->op = Op::kMovImm, out->dst = reg(0), out->imm = a.operands[2].imm;
        break;
      case ARM64_INS_SVC:
        out->written &= ~(1u << 30);  // Capstone 4 has svc write x30; the kernel keeps it
        break;
      case ARM64_INS_ADR:
      case ARM64_INS_ADRP:
        if (is_imm(1)) out->op = Op::kMovImm, out->dst = reg(0), out->imm = a.operands[1].imm;
        break;
      case ARM64_INS_ADD:
      case ARM64_INS_SUB:
        if (a.op_count == 3 && is_imm(2)) {
          const int64_t imm = a.operands[2].imm << (a.operands[2].shift.type == ARM64_SFT_LSL ? a.operands[2].shift.value : 0);
          out->op = Op::kAddImm, out->dst = reg(0), out->src = reg(1);
          out->imm = insn_->id == ARM64_INS_SUB ? -imm : imm;
        } else if (a.op_count == 3 && reg(2) != kNoReg && insn_->id == ARM64_INS_ADD) {
          out->op = Op::kAddReg, out->dst = reg(0), out->src = reg(2);
        }
        break;
      case ARM64_INS_LDR:
      case ARM64_INS_LDUR:
      case ARM64_INS_LDRB:
      case ARM64_INS_LDRH:
      case ARM64_INS_LDRSW:
        if (out->has_mem) out->op = Op::kLoad, out->dst = reg(0);
        break;
      case ARM64_INS_STR:
      case ARM64_INS_STUR:
        if (out->has_mem) {
          if (is_zero_reg(0)) out->op = Op::kStoreImm, out->imm = 0;
          else out->op = Op::kStore, out->src = reg(0);
          out->mem.size = insn_->detail->arm64.operands[0].reg >= ARM64_REG_W0 &&
                                  insn_->detail->arm64.operands[0].reg <= ARM64_REG_W30
                              ? 4
                              : 8;
        }
        break;
      case ARM64_INS_CMP:
      case ARM64_INS_TST:
        out->op = Op::kCompare;
        break;
      default:
        break;
    }
    // How sp moves: by a constant (add/sub sp, sp, #imm; a pre-indexed
    // access by its offset, a post-indexed one by the immediate after the
    // address), or to a value the function alone knows (mov sp, x29).
    if (a.writeback && out->has_mem && out->mem.base == kArm64Sp) {
      int64_t step = out->mem.disp;
      if (a.op_count > 0 && a.operands[a.op_count - 1].type == ARM64_OP_IMM) step = a.operands[a.op_count - 1].imm;
      out->sp_delta = step;
    } else if (reg(0) == kArm64Sp && (insn_->id == ARM64_INS_ADD || insn_->id == ARM64_INS_SUB ||
                                      insn_->id == ARM64_INS_MOV)) {
      if (out->op == Op::kAddImm && out->src == kArm64Sp) out->sp_delta = out->imm;
      else out->sp_known = false;
    }
    return true;
  }

  std::string Format(ByteView bytes, uint64_t addr) const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!Disasm(bytes, addr)) return {};
    std::string s = insn_->mnemonic;
    if (insn_->op_str[0]) s += ' ', s += insn_->op_str;
    return s;
  }

 private:
  bool Disasm(ByteView bytes, uint64_t addr) const {
    if (!ok_ || !insn_ || bytes.size() < 4) return false;
    const uint8_t* p = bytes.data();
    size_t n = 4;
    uint64_t a = addr;
    return cs_disasm_iter(cs_, &p, &n, &a, insn_);
  }

  bool ok_ = false;
  csh cs_ = 0;
  cs_insn* insn_ = nullptr;
  mutable std::mutex mu_;  // Capstone's handle and scratch instruction are shared
};

}  // namespace

std::unique_ptr<Decoder> MakeArm64Decoder() { return std::make_unique<Arm64Decoder>(); }

std::unique_ptr<Decoder> MakeX86Decoder(Arch arch);

std::unique_ptr<Decoder> MakeDecoder(Arch arch) {
  switch (arch) {
    case Arch::kX86_64:
    case Arch::kX86:
      return MakeX86Decoder(arch);
    case Arch::kArm64:
      return MakeArm64Decoder();
  }
  return nullptr;
}

std::string_view ArchName(Arch a) {
  switch (a) {
    case Arch::kX86_64: return "x86-64";
    case Arch::kX86: return "i386";
    case Arch::kArm64: return "arm64";
  }
  return "unknown";
}

}  // namespace exray::code
