// AddressSpace: how toolchain-metadata readers (Go, Rust) and the code layer
// see a binary, by virtual address, without knowing its container format
// (ELF, PE, Mach-O). Here at the bottom so that each format can implement it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "support/byte_view.h"

namespace exray {

struct MemRegion {
  std::string_view name;  // section name; empty for a segment
  uint64_t vaddr = 0;
  uint64_t size = 0;      // bytes backed by the file (not the zero-filled tail)
  bool read = false, write = false, exec = false;
  uint64_t mem_size = 0;  // bytes in memory: size and the zero-filled tail (.bss); last, for aggregate inits
};

class AddressSpace {
 public:
  virtual ~AddressSpace() = default;
  virtual Endian endian() const = 0;
  /// 4 or 8.
  virtual int ptr_size() const = 0;
  /// The bytes at [vaddr, vaddr+len) backed by the file; shorter (possibly
  /// empty) where the range leaves the file-backed part of a region.
  /// Reading may fill the file's lazy cache: threads may share an address
  /// space only after one thread has read every segment (ReadEverySegment).
  virtual ByteView Read(uint64_t vaddr, uint64_t len) const = 0;
  /// As Read, for a caller that will look at a few of the bytes only: a
  /// large range of a mapped file is not brought in ahead (Read maps the
  /// pages of one of kPopulateMin bytes or more at once).
  virtual ByteView ReadFew(uint64_t vaddr, uint64_t len) const { return Read(vaddr, len); }
  /// Sections with an address (empty list for a file without section headers).
  virtual const std::vector<MemRegion>& Sections() const = 0;
  /// Loadable segments, with their permissions.
  virtual const std::vector<MemRegion>& Segments() const = 0;
  /// The address of a symbol by exact name, from any symbol table; nullopt when absent or stripped.
  virtual std::optional<uint64_t> Symbol(std::string_view name) const = 0;

  /// Reads every loadable segment once, so that later reads from any thread only look.
  void ReadEverySegment() const {
    for (const MemRegion& r : Segments()) Read(r.vaddr, r.size);
  }

  /// Whether [vaddr, vaddr+len) lies in a segment's zero-filled tail (past
  /// its file-backed bytes, within its memory size): what the program reads
  /// there before it writes is zeros.
  bool ZeroFilled(uint64_t vaddr, uint64_t len) const {
    for (const MemRegion& r : Segments())
      if (vaddr >= r.vaddr && vaddr - r.vaddr >= r.size && vaddr - r.vaddr <= r.mem_size &&
          len <= r.mem_size - (vaddr - r.vaddr))
        return true;
    return false;
  }

  const MemRegion* FindSection(std::string_view name) const {
    for (const MemRegion& r : Sections())
      if (r.name == name) return &r;
    return nullptr;
  }
};

}  // namespace exray
