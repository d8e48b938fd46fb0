// `exray run`: what the static Analysis expects a run to map, the
// classification of what the run mapped, and the claims side by side.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/limits.h"
#include "trace/model.h"

namespace exray {
struct Analysis;
}

namespace exray::trace {

/// The files a run of the program may map executable without loading
/// anything at run time: itself, its interpreter and its DT_NEEDED closure.
struct Expected {
  std::string program;      // canonical path
  std::string interpreter;  // canonical path, or empty
  std::set<std::string> needed;          // canonical paths of the closure
  std::vector<std::string> unresolved;   // needed names not found on this system
  bool go = false;                       // a Go program (memory grouping)
  // A VM launcher (java) loads its engine at run time from its installation:
  // files beneath engine_home, and the libraries those need, are expected.
  // Any program whose verdict names an engine (a VM, a script's
  // interpreter) may load that engine's extension modules at run time.
  std::string engine;       // "hotspot", "php"; empty for other programs
  std::string engine_home;  // "/usr/lib/jvm/java-17-openjdk-amd64"; empty unless the engine is loaded from there
};

/// For a script (no ELF model), the closure of program_real, the interpreter
/// that ran. Resolves the DT_NEEDED closure as ld.so would, in brief: DT_RPATH (when
/// there is no DT_RUNPATH), DT_RUNPATH ($ORIGIN expanded), the directories of
/// /etc/ld.so.conf.d/*.conf, then the default directories; each library found
/// is parsed for its own DT_NEEDED. Bounded by kMaxClosure libraries.
Expected ComputeExpected(const Analysis& a, const std::string& program_real);

/// The run-time code source of a mapping from what the kernel mapped alone
/// (anonymous, memfd, shared memory, written file code), or nullopt for a
/// file's own code, which Classify places against the static closure. Pure.
std::optional<MapSource> RunTimeSource(const ExecMapping& m);

/// Where one executable mapping came from. Pure.
MapSource Classify(const ExecMapping& m, const Expected& e);

/// Whether a file is one glibc loads on its own (NSS modules, gconv modules,
/// libgcc_s for pthread_cancel/pthread_exit, libidn2 for IDN lookups).
bool IsGlibcInternalLoad(const std::string& path);

/// Sets source on every mapping of obs. For a VM launcher, the files its
/// engine's libraries need (their DT_NEEDED closure) become kEngine too.
void ClassifyAll(Observation* obs, const Expected& e);

/// A distinct file (or kind of memory) mapped executable, in first-seen order.
struct MappedObject {
  std::string path;  // empty for anonymous memory
  MapSource source;
  uint64_t mappings = 0;
  uint64_t first_seq = 0;
  uint64_t first_us = 0;  // when it was first mapped, since the run began
};
/// File-backed executable mappings of FILE's own processes, one entry per
/// file; JIT mappings are not merged (see JitMappings).
std::vector<MappedObject> MappedFiles(const Observation& obs);
/// The successful mappings and protection changes that produced run-time
/// code (anonymous, memfd, shared memory), in any process of the run.
std::vector<const ExecMapping*> JitMappings(const Observation& obs);

/// Successful execs of generated files: a memfd, a deleted file, /dev/shm,
/// or a file the run wrote (fexecve of generated code, dropped payloads).
uint64_t FilelessExecs(const Observation& obs);

/// One static claim and what the run says about it.
struct Claim {
  std::string name;         // jit, runtime-loading, linking, threads
  std::string static_says;  // "no JIT engine"
  std::string observed;     // "no executable anonymous memory"
  std::string status;       // confirmed, refuted, not exercised, no static claim
};
/// `e` (optional) tells a VM launcher's engine loads from other run-time loads.
std::vector<Claim> CompareWithStatic(const Analysis& a, const Observation& obs, const Expected* e = nullptr);

}  // namespace exray::trace
