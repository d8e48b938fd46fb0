// Landlock's ABI as the kernel defines it, for the two sandboxes: the one
// `exray run` builds for the traced program and the one the analysis puts
// itself in. Debian 12's <linux/landlock.h> stops at ABI 3; the later rights
// and scopes are spelled out here with the ABI that brought them.
#pragma once

#include <cstdint>

namespace exray::landlock {

// Filesystem rights (LANDLOCK_ACCESS_FS_*).
inline constexpr uint64_t kExecute = 1ull << 0;
inline constexpr uint64_t kWriteFile = 1ull << 1;
inline constexpr uint64_t kReadFile = 1ull << 2;
inline constexpr uint64_t kReadDir = 1ull << 3;
inline constexpr uint64_t kAbi1 = (1ull << 13) - 1;  // ABI 1: execute .. make_sym
inline constexpr uint64_t kRefer = 1ull << 13;       // ABI 2
inline constexpr uint64_t kTruncate = 1ull << 14;    // ABI 3
inline constexpr uint64_t kIoctlDev = 1ull << 15;    // ABI 5
// Network rights (LANDLOCK_ACCESS_NET_*), ABI 4.
inline constexpr uint64_t kBindTcp = 1ull << 0;
inline constexpr uint64_t kConnectTcp = 1ull << 1;
// Scopes (LANDLOCK_SCOPE_*), ABI 6.
inline constexpr uint64_t kScopeAbstractUnix = 1ull << 0;
inline constexpr uint64_t kScopeSignal = 1ull << 1;

/// Every filesystem right the kernel of this ABI knows.
inline constexpr uint64_t AllFsRights(long abi) {
  uint64_t fs = kAbi1;
  if (abi >= 2) fs |= kRefer;
  if (abi >= 3) fs |= kTruncate;
  if (abi >= 5) fs |= kIoctlDev;
  return fs;
}

/// The ruleset attribute as ABI 6 knows it; older kernels get a prefix of it.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
/// How much of RulesetAttr a kernel of this ABI reads.
inline constexpr unsigned long RulesetAttrSize(long abi) {
  return abi >= 6 ? sizeof(RulesetAttr) : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
}

}  // namespace exray::landlock
