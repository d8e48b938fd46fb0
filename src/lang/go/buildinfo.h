// Go build info: the Go version and module information the Go linker writes
// into every Go 1.13+ binary (the ".go.buildinfo" blob read by `go version -m`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "support/address_space.h"
#include "lang/go/modinfo.h"
#include "support/diag.h"
#include "support/limits.h"
#include "support/result.h"

namespace exray::go {

/// "\xff Go buildinf:", 16-byte aligned (debug/buildinfo buildInfoMagic).
inline constexpr std::string_view kBuildInfoMagic{"\xff Go buildinf:", 14};
inline constexpr uint64_t kBuildInfoAlign = 16;
inline constexpr uint64_t kBuildInfoHeaderSize = 32;
/// The writable segment is searched in chunks of this size, up to kMaxScan bytes
/// (Go 1.19 searched 64 KiB, current Go the whole area in 1 MiB chunks).
inline constexpr uint64_t kScanChunk = uint64_t{1} << 20;

struct BuildInfo {
  std::string version;          // "go1.19.8"
  ModInfo mod;                  // empty for a GOPATH build
  std::string compiler = "gc";  // gccgo writes no buildinfo blob
  bool inline_strings = false;  // Go >= 1.18 layout; else pointer mode (1.13-1.17)
  std::string where;            // ".go.buildinfo section at 0x..." or "writable segment at 0x..."
};

/// Finds and decodes the build info. nullopt when there is none (no section and
/// no magic in the first writable, non-executable segment): not a Go binary, or
/// one older than Go 1.13. An Error when the blob is there but cannot be read
/// (truncated, a length past kMaxStringLen, a dangling pointer, an empty
/// version). Damaged modinfo lines become warnings in diag.
std::optional<Result<BuildInfo>> ReadBuildInfo(const AddressSpace& as, Diagnostics* diag);

}  // namespace exray::go
