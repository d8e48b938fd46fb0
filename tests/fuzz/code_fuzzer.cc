// libFuzzer target for the machine-code analyses (code/code.h): the input is
// mapped as an executable section and again as read-only data (so jump
// tables and op fields resolve into it), and its first bytes also give
// function starts. Every architecture runs on it; the invariants are checked,
// not just survival.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "code/code.h"

#include "fuzz_check.h"

namespace {

constexpr uint64_t kText = 0x10000, kData = 0x400000;

class FuzzSpace final : public exray::AddressSpace {
 public:
  explicit FuzzSpace(exray::ByteView b) : b_(b) {
    sections_.push_back({".text", kText, b.size(), true, false, true});
    sections_.push_back({".rodata", kData, b.size(), true, false, false});
    segments_ = sections_;
  }
  exray::Endian endian() const override { return exray::Endian::kLittle; }
  int ptr_size() const override { return 8; }
  exray::ByteView Read(uint64_t vaddr, uint64_t len) const override {
    for (uint64_t base : {kText, kData})
      if (vaddr >= base && vaddr - base < b_.size()) {
        const uint64_t off = vaddr - base;
        return b_.Sub(off, std::min<uint64_t>(len, b_.size() - off));
      }
    return {};
  }
  const std::vector<exray::MemRegion>& Sections() const override { return sections_; }
  const std::vector<exray::MemRegion>& Segments() const override { return segments_; }
  std::optional<uint64_t> Symbol(std::string_view) const override { return std::nullopt; }

 private:
  exray::ByteView b_;
  std::vector<exray::MemRegion> sections_, segments_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exray::ByteView bytes(data, size);
  FuzzSpace as(bytes);
  for (exray::code::Arch arch : {exray::code::Arch::kX86_64, exray::code::Arch::kX86, exray::code::Arch::kArm64}) {
    exray::code::Input in;
    in.as = &as;
    in.arch = arch;
    in.entry = kText;
    in.go = size > 0 && (data[0] & 1);
    // Up to 16 seeds from the first bytes: starts (and some ends) anywhere in the text, overlapping or not.
    for (size_t i = 0; i + 2 <= size && i < 32; i += 2) {
      const uint64_t start = kText + (data[i] | (data[i + 1] << 8)) % (size + 1);
      in.seeds.push_back({start, (i & 2) ? start + data[i] : 0, {}, exray::code::FuncSource::kEhFrame});
    }
    in.imports.push_back({kData + 8, "mprotect"});
    const exray::code::Result r = exray::code::Analyze(in);
    FUZZ_CHECK(r.decoded_bytes <= r.text_bytes, "decoded more than the text");
    uint64_t prev_end = 0;
    for (const exray::code::Function& f : r.functions) {
      FUZZ_CHECK(f.start >= prev_end, "functions overlap or are unsorted");
      FUZZ_CHECK(f.end >= f.start, "a function ends before it starts");
      prev_end = f.end;
    }
    for (const exray::code::SyscallSite& s : r.syscall_sites) FUZZ_CHECK(s.function < r.functions.size(), "a syscall site names no function");
    for (const exray::code::DispatchLoop& l : r.loops) FUZZ_CHECK(l.function < r.functions.size(), "a loop names no function");
    for (const exray::code::ExecRequest& e : r.exec_requests) FUZZ_CHECK(e.function < r.functions.size(), "a request names no function");
    // The sweep on three threads, chunk by chunk, finds the same.
    exray::code::Input par = in;
    par.threads = 3;
    par.parallel_min_bytes = 0;
    const exray::code::Result p = exray::code::Analyze(par);
    FUZZ_CHECK(p.functions.size() == r.functions.size() && p.instructions == r.instructions &&
                   p.invalid == r.invalid && p.syscall_sites.size() == r.syscall_sites.size() &&
                   p.loops.size() == r.loops.size() && p.exec_requests.size() == r.exec_requests.size() &&
                   p.exec_checked == r.exec_checked && p.exec_undetermined == r.exec_undetermined,
               "three threads and one disagree");
    for (size_t i = 0; i < r.syscall_sites.size() && i < p.syscall_sites.size(); ++i)
      FUZZ_CHECK(p.syscall_sites[i].addr == r.syscall_sites[i].addr &&
                     p.syscall_sites[i].numbers == r.syscall_sites[i].numbers,
                 "three threads and one disagree on a syscall site");
    const auto listing = exray::code::List(in, kText, kText + size);
    uint64_t next = kText;
    for (const exray::code::ListedInsn& i : listing) {
      FUZZ_CHECK(i.addr == next, "the listing skips or overlaps bytes");
      next += i.len;
    }
  }
  return 0;
}
