// An in-memory AddressSpace for tests and fuzzers: regions of bytes at
// addresses, each listed as a segment and, when named, as a section.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/address_space.h"

namespace exray::testing {

class MemoryAddressSpace final : public AddressSpace {
 public:
  MemoryAddressSpace(Endian e, int ptr_size) : endian_(e), ptr_size_(ptr_size) {}

  /// Maps bytes at vaddr; a non-empty name also lists it as a section.
  void Map(uint64_t vaddr, std::vector<uint8_t> bytes, std::string name = "", bool write = false, bool exec = false) {
    const std::vector<uint8_t>& b = blobs_.emplace_back(std::move(bytes));
    MemRegion r;
    r.vaddr = vaddr;
    r.size = b.size();
    r.mem_size = b.size();
    r.read = true;
    r.write = write;
    r.exec = exec;
    segments_.push_back(r);
    data_.push_back(ByteView(b.data(), b.size()));
    if (!name.empty()) {
      r.name = names_.emplace_back(std::move(name));
      sections_.push_back(r);
    }
  }
  /// Gives the last mapped region a zero-filled tail of n bytes (.bss).
  void ZeroFillAfterLast(uint64_t n) {
    segments_.back().mem_size = segments_.back().size + n;
    if (!sections_.empty() && sections_.back().vaddr == segments_.back().vaddr) sections_.back().mem_size += n;
  }
  void AddSymbol(std::string name, uint64_t value) { symbols_[std::move(name)] = value; }

  Endian endian() const override { return endian_; }
  int ptr_size() const override { return ptr_size_; }
  ByteView Read(uint64_t vaddr, uint64_t len) const override {
    for (size_t i = 0; i < segments_.size(); ++i) {
      const MemRegion& r = segments_[i];
      if (vaddr < r.vaddr || vaddr - r.vaddr >= r.size) continue;
      uint64_t delta = vaddr - r.vaddr;
      return data_[i].Sub(delta, std::min(len, r.size - delta));
    }
    return {};
  }
  const std::vector<MemRegion>& Sections() const override { return sections_; }
  const std::vector<MemRegion>& Segments() const override { return segments_; }
  std::optional<uint64_t> Symbol(std::string_view name) const override {
    auto it = symbols_.find(std::string(name));
    if (it == symbols_.end()) return std::nullopt;
    return it->second;
  }

 private:
  Endian endian_;
  int ptr_size_;
  std::deque<std::vector<uint8_t>> blobs_;
  std::deque<std::string> names_;
  std::vector<ByteView> data_;
  std::vector<MemRegion> sections_, segments_;
  std::map<std::string, uint64_t> symbols_;
};

}  // namespace exray::testing
