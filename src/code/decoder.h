// The disassembler front end: one interface over Zydis (x86-64, i386) and
// Capstone (arm64) that hands the analyses two views of an instruction. The
// fast view (Insn) is all a linear sweep needs: length, control flow and
// target. The detailed view (Detail) adds register reads and writes and the
// one operation the data-flow questions ask about; it is decoded again on
// demand, for the few instructions a question reaches (a syscall's number, a
// jump table's base), so the sweep stays as fast as the library's decoder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "support/byte_view.h"

namespace exray::code {

enum class Arch : uint8_t { kX86_64, kX86, kArm64, kMaxValue = kArm64 };
std::string_view ArchName(Arch a);

enum class Flow : uint8_t {
  kNext,          // falls through
  kCall,          // direct call; target set
  kJump,          // direct unconditional jump; target set
  kCondJump,      // direct conditional branch; target set, falls through too
  kReturn,
  kIndirectJump,  // jmp reg / jmp [mem]; target = the memory operand's address when absolute or rip-relative
  kIndirectCall,
  kSyscall,       // syscall, sysenter, int 0x80, svc #0
  kStop,          // hlt, ud2, int3: execution does not continue here
  kInvalid,       // bytes that do not decode
};

/// The fast view of one instruction: 24 bytes.
struct Insn {
  uint64_t addr = 0;
  uint64_t target = 0;     // direct branch target, or the referenced address of a rip-relative/absolute memory operand
  uint16_t mnemonic = 0;   // the library's id
  uint8_t len = 0;
  Flow flow = Flow::kNext;
  bool mem_target = false; // target is a memory operand's address (indirect jump/call through memory)
  bool moves_sp = false;   // may change the stack pointer (push, pop, sub, add, leave): Describe it for stack offsets
  uint64_t end() const { return addr + len; }
};

/// Canonical general-purpose registers. x86: 0 rax, 1 rcx, 2 rdx, 3 rbx,
/// 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8-15 r8-r15 (32-bit parts map to the same
/// number). arm64: 0-30 x0-x30 (w parts too), 31 sp.
inline constexpr uint8_t kNoReg = 0xff;
inline constexpr uint8_t kX86Rax = 0, kX86Rcx = 1, kX86Rdx = 2, kX86Rbx = 3, kX86Rsp = 4, kX86Rbp = 5,
                         kX86Rsi = 6, kX86Rdi = 7, kX86R8 = 8, kX86R9 = 9, kX86R10 = 10, kX86R11 = 11,
                         kX86R14 = 14;
inline constexpr uint8_t kArm64Sp = 31;

struct MemOperand {
  uint8_t base = kNoReg, index = kNoReg, scale = 0, size = 0;  // size in bytes of the access
  int64_t disp = 0;
  bool rip = false;        // x86 rip-relative: disp already resolved into abs
  bool fs = false, gs = false;
  uint64_t abs = 0;        // rip + disp when rip, else disp
};

/// The operation of an instruction, for the few shapes data flow follows.
enum class Op : uint8_t {
  kOther,
  kMovImm,     // dst = imm (mov reg, imm; xor reg, reg is imm 0; arm64 mov/movz)
  kMovReg,     // dst = src
  kLea,        // dst = address of mem (x86 lea; arm64 adr/adrp(+add) gives kMovImm)
  kLoad,       // dst = [mem], zero- or sign-extended (mov, movzx, movsx, movsxd; arm64 ldr*)
  kStore,      // [mem] = src
  kStoreImm,   // [mem] = imm
  kAddReg,     // dst += src
  kAddImm,     // dst += imm (sub is a negative imm)
  kAndImm,     // dst &= imm
  kShiftImm,   // dst shifted by imm
  kPush,       // src pushed
  kPop,        // dst popped
  kCompare,    // cmp/test: reads only
};

struct Detail {
  Op op = Op::kOther;
  uint8_t dst = kNoReg, src = kNoReg;
  int64_t imm = 0;
  bool has_mem = false;
  MemOperand mem;
  uint32_t read = 0, written = 0;  // bit r = canonical register r (stack pointer and flags left out)
  // How the instruction moves the stack pointer, seen from the function (a
  // call and its return balance out): known and by how much.
  bool sp_known = true;
  int64_t sp_delta = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual Arch arch() const = 0;
  /// Decodes one instruction at addr from bytes (which start at addr and may
  /// run past it). Never reads outside bytes; an undecodable start gives
  /// kInvalid with len 1 (x86) or 4 (arm64).
  virtual void Decode(ByteView bytes, uint64_t addr, Insn* out) const = 0;
  /// The detailed view; false when the bytes do not decode.
  virtual bool Describe(ByteView bytes, uint64_t addr, Detail* out) const = 0;
  /// The instruction in the library's Intel (x86) or ARM syntax, as objdump
  /// would print its mnemonic and operands; empty when it does not decode.
  virtual std::string Format(ByteView bytes, uint64_t addr) const = 0;
  /// The syscall number register (rax/eax, x8) and the first six argument
  /// registers of the kernel's convention for this architecture.
  virtual uint8_t SyscallNumberReg() const = 0;
  virtual uint8_t SyscallArgReg(int i) const = 0;
  /// The width of the architecture's pointers, in bytes.
  virtual int ptr_size() const = 0;
};

/// A decoder for arch; null when the architecture is not supported.
std::unique_ptr<Decoder> MakeDecoder(Arch arch);

}  // namespace exray::code
