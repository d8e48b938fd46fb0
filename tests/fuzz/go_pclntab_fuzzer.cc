// libFuzzer target for the Go pclntab reader: the input is a read-only
// .gopclntab section of an in-memory AddressSpace (bytes in memory, no temp
// files); checks invariants, not just survival.
// Seeds in corpus/go_pclntab/: crafted-* (each layout, byte order and pointer
// size) are written by go_pclntab_tests --gtest_also_run_disabled_tests
// --gtest_filter='*WriteFuzzSeeds' with EXRAY_GO_PCLNTAB_CORPUS set;
// truncated-go1.19-* are the first 512 bytes of .gopclntab of
// tests/go/testdata/pclnfix built by Go 1.19.8 for amd64, 386 and arm64.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "../go/memory_address_space.h"
#include "lang/go/pclntab.h"

#include "fuzz_check.h"

namespace {

constexpr uint64_t kPclnVaddr = 0x500000;
constexpr uint64_t kTextVaddr = 0x401000;
constexpr size_t kMaxLookups = 256;  // functions whose positions are decoded per input

bool Inside(std::string_view s, const uint8_t* data, size_t size) {
  if (s.empty()) return true;
  auto p = reinterpret_cast<uintptr_t>(s.data());
  auto b = reinterpret_cast<uintptr_t>(data);
  return p >= b && s.size() <= size && p - b <= size - s.size();
}

void Check(const exray::go::Pclntab& t, const uint8_t* data, size_t size, const exray::AddressSpace* as = nullptr) {
  using namespace exray::go;
  const PclnHeader& h = t.header();
  FUZZ_CHECK(static_cast<int>(h.version) <= static_cast<int>(PclnVersion::kMaxValue), "version in range");
  FUZZ_CHECK(h.quantum == 1 || h.quantum == 2 || h.quantum == 4, "quantum");
  FUZZ_CHECK(h.ptr_size == 4 || h.ptr_size == 8, "pointer size");
  FUZZ_CHECK(t.functions().size() == h.nfunc, "one function per functab entry");
  FUZZ_CHECK(h.nfunc <= kMaxFunctions, "function cap");
  FUZZ_CHECK(h.nfunc * 2 * 4 <= size, "functab inside the input");
  const uint64_t n = std::min<uint64_t>(t.functions().size(), kMaxLookups);
  exray::Diagnostics diag;
  for (uint64_t i = 0; i < n; ++i) {
    const Function& f = t.functions()[i];
    FUZZ_CHECK(Inside(f.name, data, size), "name points into the input");
    FUZZ_CHECK(f.name.size() <= kMaxNameLength, "name length cap");
    Position p = t.EntryPosition(i, &diag);
    FUZZ_CHECK(Inside(p.file, data, size), "file name points into the input");
    FUZZ_CHECK(p.file.size() <= kMaxNameLength, "file name length cap");
    if (auto loc = t.Lookup(f.entry, &diag)) {
      FUZZ_CHECK(loc->function >= t.functions().data() &&
                     loc->function < t.functions().data() + t.functions().size(),
                 "lookup returns one of the functions");
      FUZZ_CHECK(loc->function->entry <= f.entry && f.entry < loc->function->end, "lookup result contains the pc");
      if (as) {
        std::vector<Frame> frames = t.Frames(*as, f.entry, &diag);
        FUZZ_CHECK(!frames.empty(), "a pc inside a function has frames");
        FUZZ_CHECK(frames.size() <= static_cast<size_t>(kMaxInlineDepth) + 1, "inline depth cap");
        FUZZ_CHECK(!frames.back().inlined && frames.back().function == loc->function->name,
                   "the last frame is the physical function");
      }
    }
  }
  FUZZ_CHECK(diag.warnings().size() <= exray::Diagnostics::kMaxWarnings, "warning cap");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray;
  std::vector<uint8_t> bytes(data, data + size);
  const Endian e = size > 0 && data[0] == 0xff ? Endian::kBig : Endian::kLittle;
  const int ps = size > 7 && data[7] == 4 ? 4 : 8;

  // 1. As a named section, with a runtime.text symbol.
  testing::MemoryAddressSpace as(e, ps);
  as.Map(kTextVaddr, std::vector<uint8_t>(64, 0xcc), ".text", false, true);
  as.Map(kPclnVaddr, bytes, ".gopclntab");
  as.AddSymbol("runtime.text", kTextVaddr);
  // funcdata offsets (inline trees) resolve into the input itself.
  as.AddSymbol("go:func.*", kPclnVaddr);
  Diagnostics diag;
  auto t_or = go::ReadPclntab(as, diag);
  const uint8_t* mapped = as.Read(kPclnVaddr, size).data();
  if (t_or) Check(*t_or, mapped, size, &as);

  // 2. The same bytes parsed directly agree with the section read.
  Diagnostics d2;
  auto p_or = go::Pclntab::Parse(ByteView(data, size), kPclnVaddr, kTextVaddr, d2);
  FUZZ_CHECK(p_or.has_value() == go::ParseHeader(ByteView(data, size)).has_value(), "Parse detects like ParseHeader");
  if (p_or && p_or->ok()) {
    Check(p_or->value(), data, size);
    FUZZ_CHECK(t_or.ok(), "a parsable section is read");
    FUZZ_CHECK(t_or->functions().size() == p_or->value().functions().size(), "same functions either way");
  }

  // 3. No sections or symbols: the scan, and moduledata over a writable copy.
  testing::MemoryAddressSpace bare(e, ps);
  bare.Map(kTextVaddr, std::vector<uint8_t>(64, 0xcc), "", false, true);
  bare.Map(kPclnVaddr, bytes);
  bare.Map(0x600000, bytes, "", true, false);
  Diagnostics d3;
  auto s_or = go::ReadPclntab(bare, d3);
  if (s_or) {
    FUZZ_CHECK(s_or->source() == go::PclnSource::kScan, "found by the scan");
    FUZZ_CHECK(s_or->vaddr() >= kPclnVaddr, "scan result inside a mapped region");
  }
  return 0;
}
