// Machine code as evidence (docs/code.md): function boundaries, calling
// conventions, direct syscall sites, executable-memory requests and bytecode
// dispatch loops, read from the code through a disassembler front end
// (code/decoder.h). Format-neutral: the caller hands in an AddressSpace, the
// function starts it knows (symbols, the Go pclntab, unwind tables) and the
// GOT slots of imported functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "code/decoder.h"
#include "support/address_space.h"
#include "support/diag.h"
#include "support/limits.h"

namespace exray::code {

/// Chunks of consecutive functions per thread, so that threads finish together.
inline constexpr uint64_t kChunksPerThread = 16;

// kGaps: code no other source covers (a static binary whose own code has no
// unwind tables), decoded from the end of the function before it.
enum class FuncSource : uint8_t { kSymbols, kPclntab, kEhFrame, kCallTargets, kEntry, kGaps, kMaxValue = kGaps };
std::string_view FuncSourceName(FuncSource s);

/// A function start the container or the toolchain's metadata knows.
struct Seed {
  uint64_t start = 0, end = 0;  // end 0: unknown (runs to the next start)
  std::string_view name;
  FuncSource source = FuncSource::kSymbols;
};

struct ImportSlot {
  uint64_t slot = 0;       // the GOT entry an import's address is written to
  std::string_view name;   // the imported function
};

struct Input {
  const AddressSpace* as = nullptr;
  Arch arch = Arch::kX86_64;
  std::vector<Seed> seeds;
  std::vector<ImportSlot> imports;  // sorted by slot
  uint64_t entry = 0;
  bool go = false;  // a gc-compiled Go binary: pclntab functions are Go code
  unsigned threads = 0;  // for the sweep; 0: one per CPU, at most kMaxThreads
  uint64_t parallel_min_bytes = kMinParallelBytes;  // less code: one thread (tests lower it)
};

enum class Convention : uint8_t { kUnknown, kSysV, kGoAbiInternal, kGoAbi0, kCgoBridge, kMaxValue = kCgoBridge };
/// "unknown", "sysv", "go-abiinternal", "go-abi0", "cgo-bridge".
std::string_view ConventionName(Convention c);

struct Function {
  uint64_t start = 0, end = 0;
  std::string_view name;  // empty: no name known (shown as sub_ADDR)
  FuncSource source = FuncSource::kSymbols;
  Convention convention = Convention::kUnknown;
  std::string convention_why;  // the deciding observation
  bool go_code = false;       // the pclntab lists it
  bool stack_check = false;   // a stack-growth check in the prologue
  int64_t frame = -1;         // bytes the prologue reserves; -1 unknown
  std::string_view import;    // an import stub: the imported name
  uint32_t instructions = 0;
  uint32_t arg_regs_read = 0; // registers read before written at entry
};

enum class ValueFrom : uint8_t { kConstant, kCaller, kUnknown, kMaxValue = kUnknown };
std::string_view ValueFromName(ValueFrom v);

struct SyscallSite {
  uint64_t addr = 0;
  uint32_t function = 0;  // index into functions
  std::string_view insn;  // syscall, sysenter, int 0x80, svc #0
  std::vector<int64_t> numbers;  // sorted, unique; constants that reach the number register
  ValueFrom from = ValueFrom::kUnknown;
  bool some_unknown = false;  // a caller passes a number we could not follow
};

struct ExecRequest {
  uint64_t addr = 0;       // the syscall or call instruction
  uint32_t function = 0;
  std::string via;         // "syscall mmap", "call mprotect", "call mprotect <- caller at 0x..."
  int64_t prot = 0;
};

enum class LoopShape : uint8_t { kSwitch, kThreaded, kCallThreaded, kMaxValue = kCallThreaded };
std::string_view LoopShapeName(LoopShape s);

struct DispatchLoop {
  uint32_t function = 0;
  uint64_t addr = 0;        // the dispatch jump (or call)
  LoopShape shape = LoopShape::kSwitch;
  uint32_t handlers = 0;    // distinct handler addresses (0 when the ops carry them)
  uint64_t table = 0;       // 0: none
  uint32_t jumps = 0;       // indirect jumps through the table
  std::string evidence;
};

struct Result {
  Arch arch = Arch::kX86_64;
  uint64_t text_bytes = 0, decoded_bytes = 0, instructions = 0, invalid = 0;
  std::vector<Function> functions;  // sorted by start
  uint64_t by_source[static_cast<int>(FuncSource::kMaxValue) + 1] = {};
  uint64_t bytes_by_source[static_cast<int>(FuncSource::kMaxValue) + 1] = {};
  uint64_t by_convention[static_cast<int>(Convention::kMaxValue) + 1] = {};
  std::vector<SyscallSite> syscall_sites;
  std::vector<ExecRequest> exec_requests;
  uint64_t exec_checked = 0;        // memory requests whose protection was resolved
  uint64_t exec_undetermined = 0;   // memory requests whose protection could not be followed
  std::vector<DispatchLoop> loops;
  Diagnostics diag;

  /// The index of the function holding addr; -1 when none.
  int64_t FunctionAt(uint64_t addr) const;
  /// A function's display name: its own, or sub_<hex start>.
  std::string NameOf(uint32_t i) const;
  /// How syscall sites are grouped: the Go package of a Go function, else the function's name.
  std::string SiteGroup(uint32_t fn) const;
};

/// Analyses the code. Never fails: what could not be read becomes a warning.
Result Analyze(const Input& in);

/// Direct calls to target in the executable sections, by their encoding
/// alone (x86 `call rel32`, arm64 `bl`), without decoding: cheap enough for
/// the main report. A false match needs 5 (x86) or 4 aligned (arm64) bytes
/// that happen to encode a call to exactly target.
uint64_t CountDirectCalls(const AddressSpace& as, Arch arch, uint64_t target);

/// The name of syscall nr on arch ("write"); empty when unknown.
std::string SyscallName(Arch arch, int64_t nr);

struct ListedInsn {
  uint64_t addr = 0;
  uint8_t len = 0;
  std::string text;  // empty when the bytes do not decode
};
/// The instructions of [start, end), linear, as the decoder prints them.
std::vector<ListedInsn> List(const Input& in, uint64_t start, uint64_t end);

}  // namespace exray::code
