// ReadFdeRanges and ReadImportSlots: against readelf on this machine's files,
// and on crafted unwind tables and relocations, damaged ones included.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "formats/elf/eh_frame.h"
#include "formats/elf/imports.h"
#include "formats/elf/parser.h"
#include "formats/elf/raw.h"
#include "support/mapped_file.h"

namespace exray::elf {
namespace {

// ---- reference tools -------------------------------------------------------

bool HaveReadelf() { return std::system("readelf --version >/dev/null 2>&1") == 0; }

std::string Output(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  return out;
}

std::vector<uint8_t> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;  // (begin, size)
using Slots = std::vector<std::pair<uint64_t, std::string>>;

Ranges ToPairs(const std::vector<FdeRange>& v) {
  Ranges r;
  for (const FdeRange& x : v) r.emplace_back(x.begin, x.size);
  return r;
}
Slots ToPairs(const std::vector<ImportSlot>& v) {
  Slots r;
  for (const ImportSlot& x : v) r.emplace_back(x.slot, std::string(x.name));
  return r;
}

// The FDEs of the file's own .eh_frame as readelf walks it
// ("00000048 00000024 0000001c FDE cie=00000030 pc=00004020..00004680"),
// normalised as ReadFdeRanges promises: sorted, no zero sizes, no duplicates.
// *zero_after counts FDEs listed after a ZERO terminator.
Ranges ReadelfFdes(const std::string& path, int* zero_after) {
  std::istringstream in(Output("readelf -wN --debug-dump=frames '" + path + "' 2>/dev/null"));
  Ranges r;
  bool in_eh = false, seen_zero = false;
  *zero_after = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Contents of the ", 0) == 0) {
      in_eh = line.rfind("Contents of the .eh_frame section", 0) == 0 && r.empty();
      continue;
    }
    if (!in_eh) continue;
    if (line.find("ZERO terminator") != std::string::npos) seen_zero = true;
    size_t fde = line.find(" FDE cie="), pc = line.find(" pc=");
    if (fde == std::string::npos || pc == std::string::npos) continue;
    size_t dots = line.find("..", pc);
    if (dots == std::string::npos) continue;
    uint64_t begin = std::stoull(line.substr(pc + 4, dots - pc - 4), nullptr, 16);
    uint64_t end = std::stoull(line.substr(dots + 2), nullptr, 16);
    if (seen_zero) ++*zero_after;
    if (end != begin) r.emplace_back(begin, end - begin);
  }
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

// JUMP_SLOT and GLOB_DAT relocations, and absolute pointer ones with addend 0,
// that name a symbol, from readelf -rW, versions stripped:
// "000000023f18  000100000007 R_X86_64_JUMP_SLOT  0000000000000000 free@GLIBC_2.2.5 + 0".
Slots ReadelfSlots(const std::string& path) {
  std::istringstream in(Output("readelf -rW '" + path + "' 2>/dev/null"));
  Slots r;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w((std::istream_iterator<std::string>(words)), std::istream_iterator<std::string>());
    if (w.size() < 5) continue;
    const std::string& type = w[2];
    bool slot = type.find("JUMP_SLOT") != std::string::npos || type.find("GLOB_DAT") != std::string::npos;
    bool abs = type == "R_X86_64_64" || type == "R_AARCH64_ABS64";
    if (!slot && !abs) continue;
    if (abs && !(w.size() >= 7 && w[5] == "+" && w[6] == "0")) continue;
    std::string name = w[4].substr(0, w[4].find('@'));
    if (name.empty() || name == "+") continue;
    r.emplace_back(std::stoull(w[0], nullptr, 16), name);
  }
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

// Clears e_shoff, e_shnum and e_shstrndx: the file as a loader sees it, with
// no section headers to find .eh_frame_hdr, .dynsym or the relocations by.
void DropSectionHeaders(std::vector<uint8_t>* b) {
  bool is64 = (*b)[4] == ELFCLASS64;
  size_t shoff = is64 ? 0x28 : 0x20, shnum = is64 ? 0x3c : 0x30;
  std::fill(b->begin() + shoff, b->begin() + shoff + (is64 ? 8 : 4), 0);
  std::fill(b->begin() + shnum, b->begin() + shnum + 4, 0);  // e_shnum, e_shstrndx
}

std::string Describe(const Ranges& want, const Ranges& got) {
  for (size_t i = 0; i < std::min(want.size(), got.size()); ++i)
    if (want[i] != got[i])
      return "first difference at " + std::to_string(i) + ": readelf " + std::to_string(want[i].first) + "+" +
             std::to_string(want[i].second) + ", read " + std::to_string(got[i].first) + "+" +
             std::to_string(got[i].second);
  return "one is a prefix of the other";
}

const char* kRealFiles[] = {
    "/usr/bin/ls",
    "/usr/bin/perl",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
    "/usr/lib32/libc.so.6",  // ELF32, REL relocations
};

TEST(EhFrameReal, FdeRangesMatchReadelf) {
  if (!HaveReadelf()) GTEST_SKIP() << "readelf is not installed";
  int compared = 0;
  for (const char* path : kRealFiles) {
    std::vector<uint8_t> bytes = Slurp(path);
    if (bytes.size() < 64) continue;
    int zero_after = 0;
    Ranges want = ReadelfFdes(path, &zero_after);
    auto f = Parse(ByteView(bytes.data(), bytes.size()));
    ASSERT_TRUE(f) << path;

    // Through .eh_frame_hdr, as found by section name.
    Diagnostics d;
    auto start = std::chrono::steady_clock::now();
    EhFrameRanges got = ReadFdeRanges(*f, &d);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(got.from, ".eh_frame_hdr") << path;
    EXPECT_EQ(ToPairs(got.fdes), want) << path << ": " << Describe(want, ToPairs(got.fdes));
    EXPECT_TRUE(d.warnings().empty()) << path << ": " << d.warnings()[0];

    // Walking .eh_frame, the header hidden.
    File walk = *f;
    for (Section& s : walk.sections)
      if (s.name == ".eh_frame_hdr") s.name = "hidden";
    std::erase_if(walk.segments, [](const Segment& p) { return p.type == PT_GNU_EH_FRAME; });
    Diagnostics dw;
    EhFrameRanges walked = ReadFdeRanges(walk, &dw);
    EXPECT_EQ(walked.from, ".eh_frame") << path;
    EXPECT_EQ(ToPairs(walked.fdes), want) << path << ": " << Describe(want, ToPairs(walked.fdes));
    EXPECT_TRUE(dw.warnings().empty()) << path << ": " << dw.warnings()[0];

    // Without section headers: PT_GNU_EH_FRAME leads to the header.
    std::vector<uint8_t> bare = bytes;
    DropSectionHeaders(&bare);
    auto fb = Parse(ByteView(bare.data(), bare.size()));
    ASSERT_TRUE(fb) << path;
    ASSERT_TRUE(fb->sections.empty());
    Diagnostics db;
    EhFrameRanges from_segment = ReadFdeRanges(*fb, &db);
    EXPECT_EQ(from_segment.from, ".eh_frame_hdr") << path;
    EXPECT_EQ(ToPairs(from_segment.fdes), want) << path;
    EXPECT_TRUE(db.warnings().empty()) << path << ": " << db.warnings()[0];

    std::printf("%s: %zu FDE ranges agree with readelf (%d after a zero terminator), %.2f ms\n", path,
                want.size(), zero_after, ms);
    ++compared;
  }
  if (compared == 0) GTEST_SKIP() << "none of the reference files is on this machine";
}

TEST(EhFrameReal, ImportSlotsMatchReadelf) {
  if (!HaveReadelf()) GTEST_SKIP() << "readelf is not installed";
  int compared = 0;
  for (const char* path : kRealFiles) {
    std::vector<uint8_t> bytes = Slurp(path);
    if (bytes.size() < 64) continue;
    Slots want = ReadelfSlots(path);
    auto f = Parse(ByteView(bytes.data(), bytes.size()));
    ASSERT_TRUE(f) << path;
    Diagnostics d;
    Slots got = ToPairs(ReadImportSlots(*f, &d));
    EXPECT_EQ(got, want) << path;
    EXPECT_TRUE(d.warnings().empty()) << path << ": " << d.warnings()[0];

    // Without section headers: tables from the dynamic section, names from DT_SYMTAB.
    std::vector<uint8_t> bare = bytes;
    DropSectionHeaders(&bare);
    auto fb = Parse(ByteView(bare.data(), bare.size()));
    ASSERT_TRUE(fb) << path;
    Diagnostics db;
    EXPECT_EQ(ToPairs(ReadImportSlots(*fb, &db)), want) << path;
    EXPECT_TRUE(db.warnings().empty()) << path << ": " << db.warnings()[0];

    // Through the sections alone, the dynamic section's relocation tags gone.
    File sec = *f;
    std::erase_if(sec.dynamic, [](const DynamicEntry& e) { return e.tag == 7 || e.tag == 17 || e.tag == 23; });
    Diagnostics ds;
    EXPECT_EQ(ToPairs(ReadImportSlots(sec, &ds)), want) << path;

    std::printf("%s: %zu import slots agree with readelf\n", path, want.size());
    ++compared;
  }
  if (compared == 0) GTEST_SKIP() << "none of the reference files is on this machine";
}

// Read on demand (MappedFile's sparse mode), every byte the readers use must
// have been brought in through File::Load: the rest of the buffer is poison.
TEST(EhFrameReal, SparseReadGivesTheSameAnswer) {
  ReadBuffer buffer;
  int compared = 0;
  for (const char* path : kRealFiles) {
    std::vector<uint8_t> bytes = Slurp(path);
    if (bytes.size() <= MappedFile::kWholeReadLimit || bytes.size() > MappedFile::kSparseReadLimit) continue;
    auto full = Parse(ByteView(bytes.data(), bytes.size()));
    ASSERT_TRUE(full) << path;
    std::memset(buffer.Reserve(bytes.size()), 0xa5, bytes.size());
    auto file = MappedFile::Open(path, &buffer);
    ASSERT_TRUE(file) << path;
    ASSERT_TRUE((*file)->sparse()) << path;
    (*file)->Ensure(0, 4);  // the magic, as Analyze brings it in before Parse
    ParseOptions opts;
    opts.source = file->get();
    auto sparse = Parse((*file)->view(), opts);
    ASSERT_TRUE(sparse) << path;
    EXPECT_EQ(ToPairs(ReadFdeRanges(*sparse, nullptr).fdes), ToPairs(ReadFdeRanges(*full, nullptr).fdes)) << path;
    EXPECT_EQ(ToPairs(ReadImportSlots(*sparse, nullptr)), ToPairs(ReadImportSlots(*full, nullptr))) << path;
    EXPECT_LT((*file)->bytes_read(), bytes.size()) << path;
    ++compared;
  }
  if (compared == 0) GTEST_SKIP() << "none of the reference files is of sparse-read size";
}

// Small shared libraries built here by clang and ld.lld for other targets:
// both byte orders and classes, as a real toolchain lays them out.
TEST(EhFrameReal, CrossTargetLibrariesMatchReadelf) {
  if (!HaveReadelf()) GTEST_SKIP() << "readelf is not installed";
  if (std::system("clang --version >/dev/null 2>&1 && ld.lld --version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "clang or ld.lld is not installed";
  std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / ("eh_frame_test." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "lib.c") << "extern int ext_var;\n"
                                  "int ext_fn(int);\n"
                                  "static int helper(int x) { return x > 3 ? ext_fn(x - 1) : x; }\n"
                                  "int api_one(int x) { return helper(x) * 3 + ext_var; }\n"
                                  "int api_two(int x) {\n"
                                  "  int (*volatile p)(int) = ext_fn;\n"
                                  "  return p(x) + helper(x + 1);\n"
                                  "}\n";
  struct Target {
    const char* triple;
    bool slots;  // a machine ReadImportSlots knows
  } targets[] = {{"x86_64-linux-gnu", true}, {"i386-linux-gnu", true}, {"aarch64-linux-gnu", true},
                 {"powerpc-linux-gnu", false}, {"powerpc64-linux-gnu", false}};
  int compared = 0;
  for (const Target& t : targets) {
    std::string out = (dir / (std::string(t.triple) + ".so")).string();
    std::string cmd = std::string("clang --target=") + t.triple +
                      " -O1 -fPIC -shared -nostdlib -fuse-ld=lld -fasynchronous-unwind-tables -o '" + out + "' '" +
                      (dir / "lib.c").string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) continue;  // a target this clang lacks
    std::vector<uint8_t> bytes = Slurp(out);
    auto f = Parse(ByteView(bytes.data(), bytes.size()));
    ASSERT_TRUE(f) << t.triple;
    int zero_after = 0;
    Ranges want = ReadelfFdes(out, &zero_after);
    Diagnostics d;
    EhFrameRanges got = ReadFdeRanges(*f, &d);
    EXPECT_EQ(got.from, ".eh_frame_hdr") << t.triple;
    EXPECT_EQ(ToPairs(got.fdes), want) << t.triple;
    EXPECT_FALSE(want.empty()) << t.triple;
    if (t.slots) {
      Slots want_slots = ReadelfSlots(out);
      EXPECT_EQ(ToPairs(ReadImportSlots(*f, &d)), want_slots) << t.triple;
      EXPECT_EQ(want_slots.size(), 3u) << t.triple;  // ext_fn twice (PLT and address taken), ext_var
    }
    EXPECT_TRUE(d.warnings().empty()) << t.triple << ": " << d.warnings()[0];
    std::printf("%s (%s, %s): %zu FDE ranges agree with readelf\n", t.triple, f->header.is64 ? "ELF64" : "ELF32",
                f->header.endian == Endian::kBig ? "big-endian" : "little-endian", want.size());
    ++compared;
  }
  std::filesystem::remove_all(dir);
  if (compared == 0) GTEST_SKIP() << "clang built none of the targets";
}

// ---- crafted tables ---------------------------------------------------------

// Writes integers into a growing buffer in one byte order.
struct Buf {
  std::vector<uint8_t> b;
  bool big = false;
  void Put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * (big ? n - 1 - i : i))));
  }
  void PutAt(size_t off, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * (big ? n - 1 - i : i)));
  }
  void Uleb(uint64_t v) {
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      b.push_back(byte | (v ? 0x80 : 0));
    } while (v);
  }
  void Sleb(int64_t v) {
    bool more = true;
    while (more) {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      more = !((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40)));
      b.push_back(byte | (more ? 0x80 : 0));
    }
  }
  size_t size() const { return b.size(); }
};

// An image: file offset o is at address kBase + o, in one PT_LOAD.
constexpr uint64_t kBase = 0x400000;
constexpr uint64_t kHdrOff = 0x100, kEhOff = 0x200;

// .eh_frame records written at kEhOff of an image buffer.
struct EhFrame {
  Buf* img;
  bool is64;
  uint64_t Addr(size_t off) const { return kBase + off; }

  // A CIE; aug "zR"-style strings get their data: R = fde_enc, P = 0x9b + sdata4 0, L = 0x1b.
  size_t Cie(std::string aug = "zR", uint8_t fde_enc = 0x1b, uint8_t version = 1) {
    size_t start = img->size();
    img->Put(0, 4);  // length, patched below
    img->Put(0, 4);  // CIE id
    img->b.push_back(version);
    img->b.insert(img->b.end(), aug.begin(), aug.end());
    img->b.push_back(0);
    img->Uleb(1);   // code alignment
    img->Sleb(-8);  // data alignment
    if (version == 1) img->b.push_back(16);
    else img->Uleb(16);
    if (!aug.empty() && aug[0] == 'z') {
      Buf data;
      data.big = img->big;
      for (char c : aug.substr(1)) {
        if (c == 'R') data.b.push_back(fde_enc);
        if (c == 'L') data.b.push_back(0x1b);
        if (c == 'P') { data.b.push_back(0x9b); data.Put(0, 4); }
      }
      img->Uleb(data.size());
      img->b.insert(img->b.end(), data.b.begin(), data.b.end());
    }
    Finish(start);
    return start;
  }

  // An FDE for [begin, begin+size) using the CIE at cie; enc must match the CIE's.
  size_t Fde(size_t cie, uint64_t begin, uint64_t size, uint8_t enc = 0x1b, bool z = true) {
    size_t start = img->size();
    img->Put(0, 4);
    img->Put(img->size() - cie, 4);  // CIE pointer: back from this field to the CIE
    size_t field = img->size();
    uint64_t v = begin;
    if ((enc & 0x70) == 0x10) v = begin - Addr(field);
    PutValue(enc, v);
    PutValue(enc & 0x0f, size);
    if (z) img->Uleb(0);  // augmentation data length
    Finish(start);
    return start;
  }
  void Terminator() { img->Put(0, 4); }

  void PutValue(uint8_t enc, uint64_t v) {
    switch (enc & 0x0f) {
      case 0x00: img->Put(v, is64 ? 8 : 4); break;
      case 0x01: img->Uleb(v); break;
      case 0x02: case 0x0a: img->Put(v, 2); break;
      case 0x03: case 0x0b: img->Put(v, 4); break;
      case 0x04: case 0x0c: img->Put(v, 8); break;
      case 0x09: img->Sleb(static_cast<int64_t>(v)); break;
    }
  }
  // Pads to 4 bytes with DW_CFA_nop and writes the length.
  void Finish(size_t start) {
    while ((img->size() - start) % 4) img->b.push_back(0);
    img->PutAt(start, img->size() - start - 4, 4);
  }
};

// .eh_frame_hdr at kHdrOff with a datarel|sdata4 table of (pc_begin, fde offset).
void WriteHeader(Buf* img, const std::vector<std::pair<uint64_t, size_t>>& entries, uint64_t count_claim,
                 uint64_t eh_size) {
  Buf& h = *img;
  size_t p = kHdrOff;
  uint64_t hdr = kBase + kHdrOff;
  auto put = [&](uint64_t v, int n) { h.PutAt(p, v, n); p += n; };
  put(1, 1);
  put(0x1b, 1);  // eh_frame_ptr: pcrel sdata4
  put(0x03, 1);  // fde_count: udata4
  put(0x3b, 1);  // table: datarel sdata4
  put(kBase + kEhOff - (hdr + 4), 4);
  put(count_claim, 4);
  auto sorted = entries;
  std::sort(sorted.begin(), sorted.end());
  for (auto [begin, off] : sorted) {
    put(begin - hdr, 4);
    put(kBase + off - hdr, 4);
  }
  (void)eh_size;
}

// A File over img as the parser would build it: one PT_LOAD over everything,
// sections .eh_frame_hdr and .eh_frame unless bare, PT_GNU_EH_FRAME always.
File MakeFile(const Buf& img, bool is64, uint64_t eh_size, bool with_hdr = true, bool bare = false) {
  File f;
  f.bytes = ByteView(img.b.data(), img.b.size());
  f.header.is64 = is64;
  f.header.endian = img.big ? Endian::kBig : Endian::kLittle;
  f.header.machine = 62;
  Segment load;
  load.type = PT_LOAD;
  load.vaddr = kBase;
  load.filesz = load.memsz = img.b.size();
  f.segments.push_back(load);
  if (with_hdr) {
    Segment eh;
    eh.type = PT_GNU_EH_FRAME;
    eh.offset = kHdrOff;
    eh.vaddr = kBase + kHdrOff;
    eh.filesz = kEhOff - kHdrOff;
    f.segments.push_back(eh);
  }
  if (bare) return f;
  auto add = [&](std::string_view name, uint64_t off, uint64_t size) {
    Section s;
    s.index = f.sections.size();
    s.name = name;
    s.type = SHT_PROGBITS;
    s.addr = kBase + off;
    s.offset = off;
    s.size = size;
    s.in_file = true;
    f.sections.push_back(s);
  };
  add("", 0, 0);
  if (with_hdr) add(".eh_frame_hdr", kHdrOff, kEhOff - kHdrOff);
  add(".eh_frame", kEhOff, eh_size);
  return f;
}

Buf NewImage(bool big) {
  Buf img;
  img.big = big;
  img.b.resize(kEhOff, 0);
  return img;
}

std::string Joined(const Diagnostics& d) {
  std::string s;
  for (const std::string& w : d.warnings()) s += w + "\n";
  return s;
}

TEST(EhFrameCrafted, EveryClassByteOrderAndRoute) {
  for (bool is64 : {false, true})
    for (bool big : {false, true}) {
      SCOPED_TRACE(std::string(is64 ? "ELF64" : "ELF32") + (big ? " big" : " little"));
      Buf img = NewImage(big);
      EhFrame eh{&img, is64};
      size_t cie = eh.Cie();
      std::vector<std::pair<uint64_t, size_t>> entries = {
          {kBase + 0x2000, eh.Fde(cie, kBase + 0x2000, 0x10)},
          {kBase + 0x1000, eh.Fde(cie, kBase + 0x1000, 0x20)},
          {kBase + 0x3000, eh.Fde(cie, kBase + 0x3000, 0)},     // zero size: dropped
          {kBase + 0x1000, eh.Fde(cie, kBase + 0x1000, 0x20)},  // duplicate: kept once
          {kBase + 0x1010, eh.Fde(cie, kBase + 0x1010, 0x40)},  // overlap: kept
      };
      eh.Terminator();
      uint64_t eh_size = img.size() - kEhOff;
      WriteHeader(&img, entries, entries.size(), eh_size);
      const Ranges want = {{kBase + 0x1000, 0x20}, {kBase + 0x1010, 0x40}, {kBase + 0x2000, 0x10}};

      struct Route {
        const char* what;
        File f;
        std::string_view from;
      } routes[] = {
          {"header by section", MakeFile(img, is64, eh_size), ".eh_frame_hdr"},
          {"walk", MakeFile(img, is64, eh_size, /*with_hdr=*/false), ".eh_frame"},
          {"header by segment", MakeFile(img, is64, eh_size, true, /*bare=*/true), ".eh_frame_hdr"},
      };
      for (const Route& r : routes) {
        Diagnostics d;
        EhFrameRanges got = ReadFdeRanges(r.f, &d);
        EXPECT_EQ(got.from, r.from) << r.what;
        EXPECT_EQ(ToPairs(got.fdes), want) << r.what;
        EXPECT_TRUE(d.warnings().empty()) << r.what << ": " << Joined(d);
      }

      // A header without a table (fde_count_enc omit) and no sections: walk
      // from eh_frame_ptr to the zero terminator.
      img.PutAt(kHdrOff + 2, 0xff, 1);
      Diagnostics d;
      EhFrameRanges got = ReadFdeRanges(MakeFile(img, is64, eh_size, true, /*bare=*/true), &d);
      EXPECT_EQ(got.from, ".eh_frame");
      EXPECT_EQ(ToPairs(got.fdes), want);
      EXPECT_TRUE(d.warnings().empty()) << Joined(d);
    }
}

TEST(EhFrameCrafted, PointerEncodingsAndAugmentations) {
  for (bool is64 : {false, true}) {
    SCOPED_TRACE(is64 ? "ELF64" : "ELF32");
    Buf img = NewImage(false);
    EhFrame eh{&img, is64};
    Ranges want;
    auto add = [&](size_t cie, uint64_t begin, uint64_t size, uint8_t enc, bool z = true) {
      eh.Fde(cie, begin, size, enc, z);
      want.emplace_back(begin, size);
    };
    size_t plain = eh.Cie("", 0);                 // no augmentation: absptr
    add(plain, 0x401000, 0x10, 0x00, /*z=*/false);
    size_t zplr = eh.Cie("zPLR", 0x1b);           // personality, LSDA, then R
    add(zplr, 0x402000, 0x20, 0x1b);
    size_t udata4 = eh.Cie("zR", 0x03, /*version=*/3);
    add(udata4, 0x403000, 0x30, 0x03);
    size_t uleb = eh.Cie("zRS", 0x01);
    add(uleb, 0x404000, 0x40, 0x01);
    size_t sdata8 = eh.Cie("zR", 0x0c);
    add(sdata8, 0x405000, 0x50, 0x0c);
    size_t udata2 = eh.Cie("zRB", 0x02);
    add(udata2, 0x6000, 0x60, 0x02);
    size_t sleb = eh.Cie("zR", 0x19);             // pcrel sleb128
    add(sleb, 0x407000, 0x70, 0x19);
    eh.Terminator();
    File f = MakeFile(img, is64, img.size() - kEhOff, /*with_hdr=*/false);
    Diagnostics d;
    EhFrameRanges got = ReadFdeRanges(f, &d);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(ToPairs(got.fdes), want);
    EXPECT_TRUE(d.warnings().empty()) << Joined(d);
  }
}

TEST(EhFrameCrafted, DatarelNeedsTheGot) {
  Buf img = NewImage(false);
  EhFrame eh{&img, true};
  size_t cie = eh.Cie("zR", 0x3b);  // datarel sdata4: relative to DT_PLTGOT in .eh_frame
  eh.Fde(cie, 0x100, 0x10, 0x03);   // written as a plain offset from the GOT
  eh.Terminator();
  File f = MakeFile(img, true, img.size() - kEhOff, false);
  Diagnostics d;
  EXPECT_TRUE(ReadFdeRanges(f, &d).fdes.empty());
  EXPECT_NE(Joined(d).find("encoding 0x3b is not supported"), std::string::npos) << Joined(d);
  f.dynamic.push_back(DynamicEntry{3, 0x600000});  // DT_PLTGOT
  Diagnostics d2;
  EXPECT_EQ(ToPairs(ReadFdeRanges(f, &d2).fdes), (Ranges{{0x600100, 0x10}}));
  EXPECT_TRUE(d2.warnings().empty()) << Joined(d2);
}

TEST(EhFrameCrafted, TruncatedEhFrameKeepsWhatWasRead) {
  for (bool with_hdr : {false, true}) {
    Buf img = NewImage(false);
    EhFrame eh{&img, true};
    size_t cie = eh.Cie();
    std::vector<std::pair<uint64_t, size_t>> entries = {{0x1000, eh.Fde(cie, 0x1000, 0x10)},
                                                        {0x2000, eh.Fde(cie, 0x2000, 0x10)}};
    size_t last = eh.Fde(cie, 0x3000, 0x10);
    entries.push_back({0x3000, last});
    WriteHeader(&img, entries, entries.size(), 0);
    uint64_t cut = last + 10 - kEhOff;  // in the middle of the third FDE
    for (uint64_t size : {cut, last + 2 - kEhOff}) {
      Diagnostics d;
      EhFrameRanges got = ReadFdeRanges(MakeFile(img, true, size, with_hdr), &d);
      EXPECT_EQ(ToPairs(got.fdes), (Ranges{{0x1000, 0x10}, {0x2000, 0x10}}));
      EXPECT_FALSE(d.warnings().empty());
    }
  }
}

TEST(EhFrameCrafted, LengthPastTheEndEndsTheWalk) {
  for (uint64_t bad : {uint64_t{0x7ffffff0}, uint64_t{0xffffffff}}) {
    Buf img = NewImage(true);
    EhFrame eh{&img, false};
    size_t cie = eh.Cie();
    eh.Fde(cie, 0x1000, 0x10);
    size_t broken = eh.Fde(cie, 0x2000, 0x10);
    img.PutAt(broken, bad, 4);  // 0xffffffff: a 64-bit length follows, read from the CIE pointer and more
    eh.Fde(cie, 0x3000, 0x10);
    eh.Terminator();
    Diagnostics d;
    EhFrameRanges got = ReadFdeRanges(MakeFile(img, false, img.size() - kEhOff, false), &d);
    EXPECT_EQ(ToPairs(got.fdes), (Ranges{{0x1000, 0x10}}));
    ASSERT_EQ(d.warnings().size(), 1u) << Joined(d);
    EXPECT_NE(d.warnings()[0].find("runs past the end"), std::string::npos) << d.warnings()[0];
  }
}

TEST(EhFrameCrafted, CiePointerAtItselfOrBeforeTheStart) {
  Buf img = NewImage(false);
  EhFrame eh{&img, true};
  size_t cie = eh.Cie();
  size_t first = eh.Fde(cie, 0x1000, 0x10);
  size_t self = eh.Fde(cie, 0x2000, 0x10);
  img.PutAt(self + 4, 4, 4);  // CIE pointer 4: back to this very record, which is no CIE
  size_t before = eh.Fde(cie, 0x3000, 0x10);
  img.PutAt(before + 4, 0x10000, 4);  // before the section's start
  size_t at_fde = eh.Fde(cie, 0x4000, 0x10);
  img.PutAt(at_fde + 4, at_fde + 4 - first, 4);  // at another FDE
  eh.Fde(cie, 0x5000, 0x10);
  eh.Terminator();
  Diagnostics d;
  EhFrameRanges got = ReadFdeRanges(MakeFile(img, true, img.size() - kEhOff, false), &d);
  EXPECT_EQ(ToPairs(got.fdes), (Ranges{{0x1000, 0x10}, {0x5000, 0x10}}));
  EXPECT_EQ(d.warnings().size(), 3u) << Joined(d);
  EXPECT_NE(Joined(d).find("holds no CIE"), std::string::npos) << Joined(d);
}

TEST(EhFrameCrafted, HeaderClaimingABillionEntriesIsBounded) {
  Buf img = NewImage(false);
  EhFrame eh{&img, true};
  size_t cie = eh.Cie();
  std::vector<std::pair<uint64_t, size_t>> entries = {{0x1000, eh.Fde(cie, 0x1000, 0x10)},
                                                      {0x2000, eh.Fde(cie, 0x2000, 0x10)}};
  eh.Terminator();
  uint64_t eh_size = img.size() - kEhOff;
  WriteHeader(&img, entries, 1'000'000'000, eh_size);
  auto start = std::chrono::steady_clock::now();
  Diagnostics d;
  EhFrameRanges got = ReadFdeRanges(MakeFile(img, true, eh_size), &d);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(got.from, ".eh_frame_hdr");
  // The table's room is (0x100 - 12) / 8 = 30 entries; the 28 past the real
  // two are zeros, which point at the header itself, outside .eh_frame.
  EXPECT_EQ(ToPairs(got.fdes), (Ranges{{0x1000, 0x10}, {0x2000, 0x10}}));
  ASSERT_FALSE(d.warnings().empty());
  EXPECT_NE(d.warnings()[0].find("fde_count 1000000000"), std::string::npos) << d.warnings()[0];
  EXPECT_LE(d.warnings().size(), kMaxDetailedWarnings + 1);
}

TEST(EhFrameCrafted, HeaderVersionOrPointerDamageFallsBackToTheWalk) {
  Buf img = NewImage(false);
  EhFrame eh{&img, true};
  size_t cie = eh.Cie();
  std::vector<std::pair<uint64_t, size_t>> entries = {{0x1000, eh.Fde(cie, 0x1000, 0x10)}};
  eh.Terminator();
  uint64_t eh_size = img.size() - kEhOff;
  WriteHeader(&img, entries, 1, eh_size);
  img.PutAt(kHdrOff, 2, 1);  // version 2
  Diagnostics d;
  EhFrameRanges got = ReadFdeRanges(MakeFile(img, true, eh_size), &d);
  EXPECT_EQ(got.from, ".eh_frame");
  EXPECT_EQ(ToPairs(got.fdes), (Ranges{{0x1000, 0x10}}));
  EXPECT_NE(Joined(d).find("version 2"), std::string::npos);
}

TEST(EhFrameCrafted, WalkOrderIsSortedByBeginThenSize) {
  // Enough ranges, out of order and sharing begins, for the radix sort.
  Buf img = NewImage(false);
  EhFrame eh{&img, true};
  size_t cie = eh.Cie();
  Ranges want;
  for (uint64_t i = 0; i < 3000; ++i) {
    uint64_t begin = 0x10000000 + ((i * 7919) % 3000) * 0x40, size = 0x10 + (i % 3) * 8;
    eh.Fde(cie, begin, size);
    want.emplace_back(begin, size);
    if (i % 10 == 0) {
      eh.Fde(cie, begin, size + 0x100);  // same begin, longer
      want.emplace_back(begin, size + 0x100);
    }
  }
  eh.Terminator();
  std::sort(want.begin(), want.end());
  Diagnostics d;
  EhFrameRanges got = ReadFdeRanges(MakeFile(img, true, img.size() - kEhOff, false), &d);
  EXPECT_EQ(ToPairs(got.fdes), want);
  EXPECT_TRUE(d.warnings().empty()) << Joined(d);
}

TEST(EhFrameCrafted, RelocatableObjectsGiveNothing) {
  Buf img = NewImage(false);
  EhFrame eh{&img, true};
  eh.Fde(eh.Cie(), 0x1000, 0x10);
  eh.Terminator();
  File f = MakeFile(img, true, img.size() - kEhOff, false);
  f.header.type = ET_REL;
  Diagnostics d;
  EhFrameRanges got = ReadFdeRanges(f, &d);
  EXPECT_TRUE(got.fdes.empty());
  EXPECT_TRUE(got.from.empty());
}

TEST(EhFrameCrafted, RandomBytesNeverCrash) {
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 2000; ++round) {
    Buf img = NewImage(round & 1);
    EhFrame eh{&img, (round & 2) != 0};
    size_t cie = eh.Cie(round % 3 ? "zPLR" : "zR");
    std::vector<std::pair<uint64_t, size_t>> entries;
    for (int i = 0; i < 8; ++i) entries.push_back({0x1000u * i, eh.Fde(cie, 0x1000u * i, 0x10)});
    eh.Terminator();
    uint64_t eh_size = img.size() - kEhOff;
    WriteHeader(&img, entries, entries.size(), eh_size);
    for (int flips = 0; flips < 1 + round % 8; ++flips) img.b[next() % img.size()] = static_cast<uint8_t>(next() >> 24);
    Diagnostics d;
    EhFrameRanges got = ReadFdeRanges(MakeFile(img, (round & 2) != 0, eh_size, round % 5 != 0, round % 7 == 0), &d);
    EXPECT_LE(got.fdes.size(), 64u);
    EXPECT_TRUE(std::is_sorted(got.fdes.begin(), got.fdes.end(),
                               [](const FdeRange& a, const FdeRange& b) { return a.begin < b.begin; }));
    for (const FdeRange& r : got.fdes) EXPECT_NE(r.size, 0u);
  }
}

// ---- crafted relocations ----------------------------------------------------

// A File with .dynsym (null, "puts", "environ") and the given relocation
// bytes at 0x400 named by DT_tag/DT_size_tag, one PT_LOAD at kBase.
struct RelocImage {
  Buf img;
  File f;
  RelocImage(bool is64, bool big, uint16_t machine) {
    img.big = big;
    img.b.resize(0x400, 0);
    // dynstr at 0x100, dynsym at 0x200.
    const char strs[] = "\0puts\0environ";
    std::copy(strs, strs + sizeof strs, img.b.begin() + 0x100);
    const uint64_t ent = is64 ? 24 : 16;
    for (uint64_t i = 1; i <= 2; ++i) img.PutAt(0x200 + i * ent, i == 1 ? 1 : 6, 4);  // st_name
    f.header.is64 = is64;
    f.header.endian = big ? Endian::kBig : Endian::kLittle;
    f.header.machine = machine;
    f.dynsym.present = true;
    f.dynsym.is64 = is64;
    f.dynsym.endian = f.header.endian;
    f.dynsym.readable = f.dynsym.count = 3;
  }
  // Appends one relocation: Rela when rela, else Rel.
  void Add(uint64_t offset, uint64_t sym, uint32_t type, bool rela, int64_t addend = 0) {
    bool is64 = f.header.is64;
    img.Put(offset, is64 ? 8 : 4);
    img.Put(is64 ? (sym << 32 | type) : (sym << 8 | (type & 0xff)), is64 ? 8 : 4);
    if (rela) img.Put(static_cast<uint64_t>(addend), is64 ? 8 : 4);
  }
  File& Finish(int64_t addr_tag, int64_t size_tag, uint64_t size_claim = 0) {
    f.bytes = ByteView(img.b.data(), img.b.size());
    f.dynsym.data = ByteView(img.b.data() + 0x200, (f.header.is64 ? 24 : 16) * 3);
    f.dynsym.strtab = ByteView(img.b.data() + 0x100, 14);  // "\0puts\0environ\0"
    Segment load;
    load.type = PT_LOAD;
    load.vaddr = kBase;
    load.filesz = load.memsz = img.b.size();
    f.segments = {load};
    f.dynamic = {{addr_tag, kBase + 0x400}, {size_tag, size_claim ? size_claim : img.b.size() - 0x400}};
    if (addr_tag == 23) f.dynamic.push_back({20, 7});  // DT_PLTREL = DT_RELA
    return f;
  }
};

TEST(ImportsCrafted, SlotsByMachineAndClass) {
  {  // x86-64, DT_JMPREL (Rela): JUMP_SLOT, GLOB_DAT, _64 with and without addend, RELATIVE
    RelocImage r(true, false, 62);
    r.Add(0x3018, 1, 7, true);
    r.Add(0x3008, 2, 6, true);
    r.Add(0x3020, 1, 1, true);
    r.Add(0x3028, 1, 1, true, 16);  // symbol + 16 is not the symbol's slot
    r.Add(0x3030, 0, 8, true, 0x1234);
    r.Add(0x3018, 1, 7, true);      // duplicate
    Diagnostics d;
    EXPECT_EQ(ToPairs(ReadImportSlots(r.Finish(23, 2), &d)),
              (Slots{{0x3008, "environ"}, {0x3018, "puts"}, {0x3020, "puts"}}));
    EXPECT_TRUE(d.warnings().empty()) << Joined(d);
  }
  {  // i386 big-endian-agnostic ELF32 Rel through DT_REL: 8-bit type, 24-bit symbol
    RelocImage r(false, true, 3);
    r.Add(0x3000, 1, 7, false);
    r.Add(0x3004, 2, 6, false);
    r.Add(0x3008, 2, 1, false);  // R_386_32: not a slot here
    Diagnostics d;
    EXPECT_EQ(ToPairs(ReadImportSlots(r.Finish(17, 18), &d)), (Slots{{0x3000, "puts"}, {0x3004, "environ"}}));
    EXPECT_TRUE(d.warnings().empty()) << Joined(d);
  }
  {  // AArch64
    RelocImage r(true, false, 183);
    r.Add(0x3000, 1, 1026, true);
    r.Add(0x3008, 2, 1025, true);
    r.Add(0x3010, 1, 257, true);
    Diagnostics d;
    EXPECT_EQ(ToPairs(ReadImportSlots(r.Finish(7, 8), &d)),
              (Slots{{0x3000, "puts"}, {0x3008, "environ"}, {0x3010, "puts"}}));
    EXPECT_TRUE(d.warnings().empty()) << Joined(d);
  }
  {  // another machine: nothing, no warning
    RelocImage r(true, false, 21);
    r.Add(0x3000, 1, 21, true);
    Diagnostics d;
    EXPECT_TRUE(ReadImportSlots(r.Finish(7, 8), &d).empty());
    EXPECT_TRUE(d.warnings().empty());
  }
}

TEST(ImportsCrafted, DamageIsAWarning) {
  {  // DT_RELASZ far past the file
    RelocImage r(true, false, 62);
    r.Add(0x3000, 1, 7, true);
    Diagnostics d;
    EXPECT_TRUE(ReadImportSlots(r.Finish(7, 8, uint64_t{1} << 40), &d).empty());
    EXPECT_NE(Joined(d).find("not in the file image"), std::string::npos) << Joined(d);
  }
  {  // symbol indices past .dynsym, one huge
    RelocImage r(true, false, 62);
    r.Add(0x3000, 3, 7, true);
    r.Add(0x3008, 0xffffffff, 6, true);
    r.Add(0x3010, 1, 7, true);
    Diagnostics d;
    EXPECT_EQ(ToPairs(ReadImportSlots(r.Finish(7, 8), &d)), (Slots{{0x3010, "puts"}}));
    EXPECT_NE(Joined(d).find("2 relocations name a symbol past the end"), std::string::npos) << Joined(d);
  }
  {  // DT_JMPREL without DT_PLTREL, and a wrong DT_RELAENT
    RelocImage r(true, false, 62);
    r.Add(0x3000, 1, 7, true);
    File& f = r.Finish(23, 2);
    f.dynamic.pop_back();  // DT_PLTREL
    f.dynamic.push_back({7, kBase + 0x400});
    f.dynamic.push_back({8, 24});
    f.dynamic.push_back({9, 16});
    Diagnostics d;
    EXPECT_TRUE(ReadImportSlots(f, &d).empty());
    EXPECT_EQ(d.warnings().size(), 2u) << Joined(d);
  }
}

}  // namespace
}  // namespace exray::elf
