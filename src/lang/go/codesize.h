// How much of a Go binary's machine code is the Go runtime, the standard
// library, the program's own packages and its dependencies, measured over the
// function ranges of the pclntab (docs/go.md, "Runtime size").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lang/go/buildinfo.h"
#include "lang/go/pclntab.h"

namespace exray::go {

/// Whose code a function is. kRuntime is the runtime the program carries: the
/// GC, the scheduler, the allocator and what they stand on (IsRuntimePackage),
/// plus the runtime's implementations of functions linknamed into other
/// standard packages (time.Sleep, sync.runtime_Semacquire, reflect.typedmemmove:
/// their source file lies in the runtime's directory).
enum class CodeOwner : uint8_t {
  kRuntime,
  kStdlib,      // other standard-library packages (no dot in the first path element)
  kProgram,     // the main module's packages, or package main
  kDependency,  // other modules
  kGenerated,   // compiler-generated: type:/go: (type. and go. before Go 1.20) names
  kOther,       // no Go package and no file under GOROOT: C and assembly linked in through cgo
  kMaxValue = kOther,
};
inline constexpr size_t kCodeOwners = static_cast<size_t>(CodeOwner::kMaxValue) + 1;
/// "runtime", "stdlib", "program", "dependencies", "generated", "other".
std::string_view CodeOwnerName(CodeOwner o);

/// The packages counted as the runtime: runtime and runtime/internal/*,
/// runtime/cgo, internal/runtime/* (Go 1.22+), and the packages below the
/// runtime that exist for it: internal/abi, internal/bytealg, internal/cpu,
/// internal/goarch, internal/goos, internal/chacha8rand, internal/stringslite.
/// runtime/debug, runtime/pprof, runtime/trace, runtime/metrics and
/// runtime/coverage are libraries over the runtime, so standard library.
bool IsRuntimePackage(std::string_view pkg);

struct CodeShare {
  uint64_t bytes = 0, functions = 0;
};

struct PackageSize {
  std::string_view package;  // points into the binary
  CodeOwner owner = CodeOwner::kOther;
  CodeShare share;
};

struct CodeSizes {
  std::array<CodeShare, kCodeOwners> by_owner{};
  uint64_t total_bytes = 0;
  std::string main_module;  // from build info; empty when unknown
  // How program and dependency code were told apart.
  std::string rule;
  bool gc = false, scheduler = false;     // runtime.gcStart/mallocgc, runtime.schedule/newproc present
  std::string gc_function, scheduler_function;  // the names found
  // Package runtime's functions by the source file of their entry: the
  // collector (kGcFiles) and the scheduler (kSchedulerFiles), compiled code
  // of a size the pclntab states.
  CodeShare gc_code, scheduler_code;
  std::vector<PackageSize> packages;      // by bytes, largest first
  const CodeShare& operator[](CodeOwner o) const { return by_owner[static_cast<size_t>(o)]; }
};

/// Attributes every function's [entry, end) to an owner. With build info the
/// main module and the dependencies come from its module paths; without it
/// (stripped of build info, like esbuild) a non-standard package whose source
/// file lies in the module cache (a path with "@v") or a vendor directory is a
/// dependency, and any other one the program's. One file:line lookup per package.
/// Functions without a package (assembly routines such as cmpbody, the
/// runtime's C files) go by the directory of their file under GOROOT/src,
/// located through runtime.main's file; elsewhere they are kOther.
CodeSizes MeasureCode(const Pclntab& t, const BuildInfo* bi);

/// The runtime's source files that make up the garbage collector (mgc*.go:
/// marking, sweeping, pacing, scavenging, work buffers; mbarrier.go,
/// mbitmap.go and mwbbuf.go: the write barrier and heap bitmap; mfinal.go:
/// finalizers) and the scheduler (proc.go: Gs, Ms and Ps, schedule, newproc,
/// sysmon; preempt.go), as they are named from Go 1.5 to 1.27.
bool IsGcFile(std::string_view base);
bool IsSchedulerFile(std::string_view base);

}  // namespace exray::go
