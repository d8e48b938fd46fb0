// The analyser's own sandbox: once exray knows what it will read, it gives
// up every way to change anything outside itself. Files a user points it at
// may be hostile; a parser bug must not become a write, a connection or an
// exec. The traced program of `exray run` has a sandbox of its own (trace/).
#pragma once

#include <string>

namespace exray {

struct SelfSandbox {
  bool seccomp = false;   // the system-call allow-list is in force
  long landlock_abi = 0;  // 0: Landlock is not enforced (see detail)
  std::string detail;     // what holds, and why a part is missing
};

/// Puts this process, and the threads it starts afterwards, where it can
/// open files for reading, read them, map them without execute permission,
/// write to the descriptors it already has, start threads and exit, and
/// nothing else: no open for writing, no socket, no exec or fork, no
/// ptrace, no executable memory (seccomp-BPF allow-list through libseccomp,
/// and Landlock where the kernel has it). Refused calls fail with EPERM
/// rather than kill, so a library's harmless probe degrades, never crashes.
/// Irreversible: call once, in the process that will only analyse.
SelfSandbox EnterSelfSandbox();

/// For the test of the sandbox: tries to open a file for writing, create a
/// socket and connect, fork and exec, ptrace and map executable memory, and
/// returns one line per attempt ("open-for-writing: refused (...)" or
/// "...: allowed"). Exec is tried in place only when `sandboxed` (else it
/// would replace this process).
std::string ProbeSelfSandbox(bool sandboxed);

}  // namespace exray
