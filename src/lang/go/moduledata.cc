// Finds Go moduledata by validating pointers to the pclntab.
#include "lang/go/moduledata.h"

#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

namespace exray::go {
namespace {

// Byte offsets in moduledata on 64-bit, Go 1.16-1.27 (reference §2.8), and
// before 1.16, when it began with pclntable, ftab and filetab (three slices)
// and findfunctab (runtime/symtab.go of Go 1.8-1.15).
struct HeadLayout {
  uint64_t minpc64, maxpc64, text64, etext64;
};
constexpr HeadLayout kHead116{160, 168, 176, 184};
constexpr HeadLayout kHead12{80, 88, 96, 104};

// The tail layouts of Go 1.18+, tried in release order; the first whose
// textsectmap validates wins. A wrong guess reads neighbouring words as
// {ptr, len, cap}: there len is an address or a count far above
// kMaxTextSections, so the check tells the layouts apart (reference §2.8).
// types and etypes, then typelinks and itablinks (slices), or for 1.27 the
// words of the one type region: types, typedesclen, etypes, itaboffset,
// itabsize (read from buf, a Go 1.27 binary: reference table in docs/go.md).
struct TailLayout {
  ModuledataLayout layout;
  uint64_t gofunc64, textsectmap64;
  uint64_t types64, etypes64, typelinks64, itablinks64;  // typelinks64 == 0: the 1.27 region words
};
// gofunc64 == 0: the layout has no gofunc (before Go 1.18); textsectmap64
// == 0: none either (before Go 1.9, one text section), so the type tables'
// words validate the layout instead (1.7's moduledata, read from go1.7.3's
// DWARF: types 200, etypes 208, typelinks 216, itablinks 240).
// Go 1.5 and 1.6 (go1.5.4's and go1.6.2's DWARF): typelinks, a []*_type, at 200; types64 == 0
// marks it.
constexpr TailLayout kTail18[] = {{ModuledataLayout::kGo18, 0, 216, 200, 208, 240, 264},
                                  {ModuledataLayout::kGo17, 0, 0, 200, 208, 216, 240},
                                  {ModuledataLayout::kGo16, 0, 0, 0, 0, 200, 0}};
constexpr TailLayout kTail116[] = {{ModuledataLayout::kGo116, 0, 296, 280, 288, 320, 344}};
constexpr TailLayout kTail118[] = {{ModuledataLayout::kGo118, 304, 312, 280, 288, 336, 360}};
constexpr TailLayout kTail120[] = {{ModuledataLayout::kGo120, 320, 328, 296, 304, 352, 376},
                                   {ModuledataLayout::kGo126, 320, 336, 296, 304, 360, 384},
                                   {ModuledataLayout::kGo127, 344, 360, 296, 312, 0, 0}};

uint64_t ReadWord(ByteView v, uint64_t off, uint64_t ps, Endian e, bool* ok) {
  uint64_t x = 0;
  *ok = v.ReadWord(off, ps, e, &x) && *ok;
  return x;
}

// Whether a segment (or, without segments, a section) holds addr; with
// exec, an executable one.
bool Mapped(const AddressSpace& as, uint64_t addr, bool exec = false) {
  const std::vector<MemRegion>& regions = as.Segments().empty() ? as.Sections() : as.Segments();
  for (const MemRegion& r : regions)
    if ((r.exec || !exec) && addr >= r.vaddr && addr - r.vaddr < r.size) return true;
  return false;
}

// The type region's words of a validated layout; left unset when they do
// not describe a mapped region (a PIE's unrelocated zeros, damage).
void ReadTypeTables(const AddressSpace& as, ByteView v, const TailLayout& t, Moduledata* m) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  const Endian e = as.endian();
  bool ok = true;
  TypeTables tt;
  tt.types = ReadWord(v, t.types64 * ps / 8, ps, e, &ok);
  tt.etypes = ReadWord(v, t.etypes64 * ps / 8, ps, e, &ok);
  if (t.typelinks64 != 0) {
    tt.typelinks = ReadWord(v, t.typelinks64 * ps / 8, ps, e, &ok);
    tt.ntypelinks = ReadWord(v, (t.typelinks64 + 8) * ps / 8, ps, e, &ok);
    tt.itablinks = ReadWord(v, t.itablinks64 * ps / 8, ps, e, &ok);
    tt.nitablinks = ReadWord(v, (t.itablinks64 + 8) * ps / 8, ps, e, &ok);
    if (tt.ntypelinks > kMaxGoTypes || tt.nitablinks > kMaxGoItabs) ok = false;
  } else {
    tt.typedesclen = ReadWord(v, (t.types64 + 8) * ps / 8, ps, e, &ok);
    tt.itaboffset = ReadWord(v, (t.etypes64 + 8) * ps / 8, ps, e, &ok);
    tt.itabsize = ReadWord(v, (t.etypes64 + 16) * ps / 8, ps, e, &ok);
    const uint64_t len = tt.etypes - tt.types;
    if (tt.etypes < tt.types || tt.typedesclen == 0 || tt.typedesclen > len || tt.itaboffset > len ||
        tt.itabsize > len - tt.itaboffset)
      ok = false;
  }
  if (!ok || tt.types == 0 || tt.etypes < tt.types || !Mapped(as, tt.types)) return;
  m->type_tables = tt;
}

// Before Go 1.9 (no textsectmap): the layout holds when types <= etypes lie
// in one mapped region and typelinks and itablinks are slices the linker
// wrote (len == cap, within limits, their data mapped, at least one type
// link); the one text section is [text, etext).
// The loadable segment holding addr, or null.
const MemRegion* SegmentOf(const AddressSpace& as, uint64_t addr) {
  for (const MemRegion& r : as.Segments())
    if (addr >= r.vaddr && addr - r.vaddr < r.size) return &r;
  return nullptr;
}

// Go 1.5 and 1.6: typelinks is a slice of descriptor addresses (len == cap, within
// limits, at least one); its first entry must point into a read-only,
// non-executable segment (.rodata), which then bounds every descriptor.
bool ReadTailGo16(const AddressSpace& as, const TailLayout& t, Moduledata* m) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  const Endian e = as.endian();
  ByteView v = as.Read(m->vaddr, (t.typelinks64 + 24) * ps / 8);
  bool ok = true;
  const uint64_t ptr = ReadWord(v, t.typelinks64 * ps / 8, ps, e, &ok);
  const uint64_t len = ReadWord(v, (t.typelinks64 + 8) * ps / 8, ps, e, &ok);
  const uint64_t cap = ReadWord(v, (t.typelinks64 + 16) * ps / 8, ps, e, &ok);
  if (!ok || len == 0 || len != cap || len > kMaxGoTypes || !Mapped(as, ptr)) return false;
  const uint64_t first = ReadWord(as.Read(ptr, ps), 0, ps, e, &ok);
  const MemRegion* seg = ok ? SegmentOf(as, first) : nullptr;
  if (!seg || seg->write || seg->exec) return false;
  TypeTables tt;
  tt.types = seg->vaddr, tt.etypes = seg->vaddr + seg->size;
  tt.typelinks = ptr, tt.ntypelinks = len;
  tt.pointer_links = true;
  m->type_tables = tt;
  m->layout = t.layout;
  m->textsects = {TextSection{0, m->etext - m->text, m->text}};
  return true;
}

bool ReadTailWithoutTextsects(const AddressSpace& as, const TailLayout& t, Moduledata* m) {
  if (t.types64 == 0) return ReadTailGo16(as, t, m);
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  const Endian e = as.endian();
  ByteView v = as.Read(m->vaddr, (t.itablinks64 + 24) * ps / 8);
  bool ok = true;
  auto slice_ok = [&](uint64_t off64, uint64_t max) {
    const uint64_t ptr = ReadWord(v, off64 * ps / 8, ps, e, &ok);
    const uint64_t len = ReadWord(v, (off64 + 8) * ps / 8, ps, e, &ok);
    const uint64_t cap = ReadWord(v, (off64 + 16) * ps / 8, ps, e, &ok);
    return ok && len == cap && len <= max && (len == 0 || Mapped(as, ptr));
  };
  const uint64_t types = ReadWord(v, t.types64 * ps / 8, ps, e, &ok);
  const uint64_t etypes = ReadWord(v, t.etypes64 * ps / 8, ps, e, &ok);
  if (!ok || types == 0 || etypes <= types || !Mapped(as, types) || !Mapped(as, etypes - 1)) return false;
  if (!slice_ok(t.typelinks64, kMaxGoTypes) || !slice_ok(t.itablinks64, kMaxGoItabs)) return false;
  if (ReadWord(v, (t.typelinks64 + 8) * ps / 8, ps, e, &ok) == 0) return false;
  ReadTypeTables(as, v, t, m);
  if (!m->type_tables) return false;
  m->layout = t.layout;
  m->textsects = {TextSection{0, m->etext - m->text, m->text}};
  return true;
}

// Reads textsectmap and gofunc for one candidate layout; false when the
// slice does not look like the linker's (runtime.textsectionmap).
bool ReadTail(const AddressSpace& as, const TailLayout& t, Moduledata* m) {
  if (t.textsectmap64 == 0) return ReadTailWithoutTextsects(as, t, m);
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  const Endian e = as.endian();
  ByteView v = as.Read(m->vaddr, (std::max(t.textsectmap64, t.itablinks64) + 24) * ps / 8);
  bool ok = true;
  const uint64_t gofunc = t.gofunc64 ? ReadWord(v, t.gofunc64 * ps / 8, ps, e, &ok) : 0;
  const uint64_t ptr = ReadWord(v, t.textsectmap64 * ps / 8, ps, e, &ok);
  const uint64_t len = ReadWord(v, (t.textsectmap64 + 8) * ps / 8, ps, e, &ok);
  const uint64_t cap = ReadWord(v, (t.textsectmap64 + 16) * ps / 8, ps, e, &ok);
  if (!ok || len == 0 || len > kMaxTextSections || len > cap) return false;
  ByteView sects = as.Read(ptr, len * 3 * ps);  // len <= kMaxTextSections: no overflow
  std::vector<TextSection> out;
  for (uint64_t i = 0; i < len; ++i) {
    TextSection s;
    s.vaddr = ReadWord(sects, (3 * i) * ps, ps, e, &ok);
    s.end = ReadWord(sects, (3 * i + 1) * ps, ps, e, &ok);
    s.baseaddr = ReadWord(sects, (3 * i + 2) * ps, ps, e, &ok);
    if (!ok || s.end < s.vaddr || (!out.empty() && s.vaddr < out.back().end)) return false;
    out.push_back(s);
  }
  if (out[0].vaddr != 0 || out[0].baseaddr != m->text) return false;
  m->layout = t.layout;
  m->textsects = std::move(out);
  // gofunc points into read-only data (rodata before 1.26, the pclntab since);
  // a value outside the file leaves the funcdata unreadable, not the moduledata.
  if (gofunc != 0 && Mapped(as, gofunc)) m->gofunc = gofunc;
  ReadTypeTables(as, v, t, m);
  return true;
}

}  // namespace

std::string_view ModuledataLayoutName(ModuledataLayout l) {
  switch (l) {
    case ModuledataLayout::kUnknown: return "";
    case ModuledataLayout::kGo16: return "1.5-1.6";
    case ModuledataLayout::kGo17: return "1.7";
    case ModuledataLayout::kGo18: return "1.8-1.15";
    case ModuledataLayout::kGo116: return "1.16-1.17";
    case ModuledataLayout::kGo118: return "1.18-1.19";
    case ModuledataLayout::kGo120: return "1.20-1.25";
    case ModuledataLayout::kGo126: return "1.26";
    case ModuledataLayout::kGo127: return "1.27+";
  }
  return "";
}

std::optional<int> FallbackMinor(ModuledataLayout l) {
  switch (l) {
    case ModuledataLayout::kUnknown: return std::nullopt;
    case ModuledataLayout::kGo16: return 6;
    case ModuledataLayout::kGo17: return 7;
    case ModuledataLayout::kGo18: return 14;
    case ModuledataLayout::kGo116: return 16;
    case ModuledataLayout::kGo118: return 18;
    case ModuledataLayout::kGo120: return 20;
    case ModuledataLayout::kGo126: return 26;
    case ModuledataLayout::kGo127: return 27;
  }
  return std::nullopt;
}

std::optional<Moduledata> FindModuledata(const AddressSpace& as, uint64_t pcln_vaddr, bool entries_are_text_offsets,
                                         uint64_t ftab0, std::optional<PclnVersion> version) {
  const uint64_t ps = static_cast<uint64_t>(as.ptr_size());
  if (ps != 4 && ps != 8) return std::nullopt;
  const Endian e = as.endian();
  const HeadLayout& head = version == PclnVersion::kGo12 ? kHead12 : kHead116;
  auto validate = [&](uint64_t md) -> std::optional<Moduledata> {
    ByteView v = as.Read(md, (head.etext64 + 8) * ps / 8);
    bool ok = true;
    Moduledata m;
    m.vaddr = md;
    const uint64_t first = ReadWord(v, 0, ps, e, &ok);
    m.minpc = ReadWord(v, head.minpc64 * ps / 8, ps, e, &ok);
    m.maxpc = ReadWord(v, head.maxpc64 * ps / 8, ps, e, &ok);
    m.text = ReadWord(v, head.text64 * ps / 8, ps, e, &ok);
    m.etext = ReadWord(v, head.etext64 * ps / 8, ps, e, &ok);
    if (!ok || first != pcln_vaddr || m.minpc > m.maxpc || m.text > m.etext) return std::nullopt;
    if (!Mapped(as, m.text, /*exec=*/true)) return std::nullopt;
    // ftab[0] == minpc (runtime.moduledataverify1).
    const uint64_t want = entries_are_text_offsets ? m.text + ftab0 : ftab0;
    if (m.minpc != want) return std::nullopt;
    if (version) {
      std::span<const TailLayout> tails;
      switch (*version) {
        case PclnVersion::kGo12: tails = kTail18; break;
        case PclnVersion::kGo116: tails = kTail116; break;
        case PclnVersion::kGo118: tails = kTail118; break;
        case PclnVersion::kGo120: tails = kTail120; break;
      }
      for (const TailLayout& t : tails)
        if (ReadTail(as, t, &m)) break;
    }
    return m;
  };
  for (std::string_view name : {".go.module", "__go_module"})
    if (const MemRegion* r = as.FindSection(name))
      if (auto m = validate(r->vaddr)) return m;
  // With symbols the linker's own name for it spares the scan.
  if (auto sym = as.Symbol("runtime.firstmoduledata"))
    if (auto m = validate(*sym)) return m;

  std::vector<const MemRegion*> regions;
  for (const MemRegion& r : as.Segments())
    if (r.write && !r.exec) regions.push_back(&r);
  if (regions.empty())
    for (const MemRegion& r : as.Sections())
      if (r.write && !r.exec) regions.push_back(&r);
  uint64_t scanned = 0, candidates = 0;
  for (const MemRegion* r : regions) {
    if (scanned >= kMaxModuledataScanBytes) break;
    const uint64_t len = std::min(r->size, kMaxModuledataScanBytes - scanned);
    ByteView v = as.Read(r->vaddr, len);
    scanned += len;
    // Pointer-aligned by address, not by offset in the region.
    for (uint64_t off = (ps - r->vaddr % ps) % ps; off + ps <= v.size(); off += ps) {
      bool ok = true;
      if (ReadWord(v, off, ps, e, &ok) != pcln_vaddr || !ok) continue;
      if (++candidates > kMaxModuledataCandidates) return std::nullopt;
      if (auto m = validate(r->vaddr + off)) return m;
    }
  }
  return std::nullopt;
}

}  // namespace exray::go
