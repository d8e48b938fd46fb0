#include "formats/elf/parser.h"

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <map>
#include <set>

#include "formats/elf/raw.h"
#include "support/checked.h"
#include "support/hex.h"

namespace exray::elf {

namespace {

class Parser {
 public:
  Parser(ByteView bytes, const ParseOptions& opts) : opts_(opts) {
    f_.bytes = bytes;
    f_.source = opts.source;
  }

  Result<File> Run() {
    if (auto err = ParseHeader()) return *err;
    ParseSectionHeaders();
    ParseSegments();
    ParseInterpreter();
    ParseDynamic();
    ParseSymbolTables();
    ParseVersions();
    ParseNotes();
    ParseComment();
    return std::move(f_);
  }

 private:
  int C() const { return f_.header.is64 ? 1 : 0; }
  void Warn(std::string m) { f_.diag.Warn(std::move(m)); }

  std::optional<Error> ParseHeader() {
    // The larger header, or the whole file when shorter (whose size the messages below report).
    ByteView b = f_.Load(0, std::min<uint64_t>(f_.bytes.size(), kEhdrSize[1]));
    if (b.size() < 16) return MakeError(fmt::format("truncated ELF identification: {} of 16 bytes", b.size()));
    Header& h = f_.header;
    uint8_t cls = b.At(4), data = b.At(5);
    if (cls != ELFCLASS32 && cls != ELFCLASS64) return MakeError(fmt::format("unknown ELF class {}", cls));
    if (data != ELFDATA2LSB && data != ELFDATA2MSB) return MakeError(fmt::format("unknown ELF data encoding {}", data));
    h.is64 = cls == ELFCLASS64;
    h.endian = data == ELFDATA2LSB ? Endian::kLittle : Endian::kBig;
    h.version_ident = b.At(6);
    h.osabi = b.At(7);
    h.abiversion = b.At(8);
    if (b.size() < kEhdrSize[C()])
      return MakeError(fmt::format("truncated ELF header: {} of {} bytes", b.size(), kEhdrSize[C()]));
    Reader r(b, h.endian, 16);
    h.type = r.U16();
    h.machine = r.U16();
    h.version = r.U32();
    h.entry = r.Word(h.is64);
    h.phoff = r.Word(h.is64);
    h.shoff = r.Word(h.is64);
    h.flags = r.U32();
    h.ehsize = r.U16();
    h.phentsize = r.U16();
    h.raw_phnum = r.U16();
    h.shentsize = r.U16();
    h.raw_shnum = r.U16();
    h.raw_shstrndx = r.U16();
    h.phnum = h.raw_phnum;
    h.shnum = h.raw_shnum;
    h.shstrndx = h.raw_shstrndx;
    if (h.version != 1) Warn(fmt::format("e_version is {}, expected 1", h.version));
    return std::nullopt;
  }

  // Reads section header i of table, the headers from e_shoff on; false when it is outside.
  bool ReadShdr(ByteView table, uint64_t i, Section* s) {
    const Header& h = f_.header;
    Reader r(table, h.endian, i * h.shentsize);  // i < file size / shentsize: no overflow
    s->index = i;
    s->name_offset = r.U32();
    s->type = r.U32();
    s->flags = r.Word(h.is64);
    s->addr = r.Word(h.is64);
    s->offset = r.Word(h.is64);
    s->size = r.Word(h.is64);
    s->link = r.U32();
    s->info = r.U32();
    s->addralign = r.Word(h.is64);
    s->entsize = r.Word(h.is64);
    return r.ok();
  }

  void ParseSectionHeaders() {
    Header& h = f_.header;
    if (h.shoff == 0) {
      if (h.raw_shnum != 0) Warn(fmt::format("e_shoff is 0 but e_shnum is {}", h.raw_shnum));
      h.shnum = 0;
      return;
    }
    if (h.shentsize != kShdrSize[C()]) {
      Warn(fmt::format("e_shentsize is {}, expected {}: section headers ignored", h.shentsize, kShdrSize[C()]));
      h.shnum = 0;
      return;
    }
    Section s0;
    if (!ReadShdr(f_.Load(h.shoff, h.shentsize), 0, &s0)) {
      Warn(fmt::format("section header table at e_shoff {} is outside the file (size {})", Hex(h.shoff),
                       Hex(f_.bytes.size())));
      h.shnum = 0;
      return;
    }
    // Extended numbering: the real counts live in section 0 (gABI, "Sections").
    if (h.raw_shnum == 0) h.shnum = s0.size;
    if (h.raw_shstrndx == SHN_XINDEX) h.shstrndx = s0.link;
    if (h.raw_phnum == PN_XNUM) h.phnum = s0.info;
    uint64_t fits = (f_.bytes.size() - std::min<uint64_t>(h.shoff, f_.bytes.size())) / h.shentsize;
    if (h.shnum > fits) {
      Warn(fmt::format("e_shnum {} section headers at {} do not fit in the file: {} read", h.shnum, Hex(h.shoff),
                       fits));
      h.shnum = fits;
    }
    const ByteView table = f_.Load(h.shoff, h.shnum * h.shentsize);  // no overflow: shnum <= file size / shentsize
    f_.sections.reserve(h.shnum);
    for (uint64_t i = 0; i < h.shnum; ++i) {
      Section s;
      if (!ReadShdr(table, i, &s)) break;
      s.in_file = s.type != SHT_NOBITS && InBounds(s.offset, s.size, f_.bytes.size());
      if (s.type != SHT_NOBITS && s.type != SHT_NULL && !s.in_file)
        Warn(fmt::format("section {}: sh_offset {} + sh_size {} > file size {}", i, Hex(s.offset), Hex(s.size),
                         Hex(f_.bytes.size())));
      f_.sections.push_back(s);
    }
    // Names come from the string table named by e_shstrndx, validated once.
    if (h.shstrndx == SHN_UNDEF) return;
    if (h.shstrndx >= f_.sections.size()) {
      Warn(fmt::format("e_shstrndx {} is not a section (there are {})", h.shstrndx, f_.sections.size()));
      return;
    }
    const Section& strs = f_.sections[h.shstrndx];
    if (strs.type != SHT_STRTAB) Warn(fmt::format("e_shstrndx {} is not a string table", h.shstrndx));
    ByteView names = f_.SectionData(strs);
    if (names.empty()) return;
    if (names.At(names.size() - 1) != 0) Warn("section name string table does not end with NUL");
    for (Section& s : f_.sections) {
      if (s.name_offset >= names.size()) {
        if (s.name_offset != 0) Warn(fmt::format("section {}: sh_name {} is past the string table", s.index, Hex(s.name_offset)));
        continue;
      }
      s.name = names.CString(s.name_offset);
    }
  }

  void ParseSegments() {
    const Header& h = f_.header;
    if (h.phoff == 0 || h.phnum == 0) return;
    if (h.phentsize != kPhdrSize[C()]) {
      Warn(fmt::format("e_phentsize is {}, expected {}: program headers ignored", h.phentsize, kPhdrSize[C()]));
      return;
    }
    uint64_t fits = (f_.bytes.size() - std::min<uint64_t>(h.phoff, f_.bytes.size())) / h.phentsize;
    uint64_t n = h.phnum;
    if (n > fits) {
      Warn(fmt::format("e_phnum {} program headers at {} do not fit in the file: {} read", n, Hex(h.phoff), fits));
      n = fits;
    }
    const ByteView table = f_.Load(h.phoff, n * h.phentsize);
    f_.segments.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      Reader r(table, h.endian, i * h.phentsize);
      Segment p;
      p.type = r.U32();
      if (h.is64) {
        p.flags = r.U32();
        p.offset = r.U64();
        p.vaddr = r.U64();
        p.paddr = r.U64();
        p.filesz = r.U64();
        p.memsz = r.U64();
        p.align = r.U64();
      } else {
        p.offset = r.U32();
        p.vaddr = r.U32();
        p.paddr = r.U32();
        p.filesz = r.U32();
        p.memsz = r.U32();
        p.flags = r.U32();
        p.align = r.U32();
      }
      if (!r.ok()) break;
      if (p.type != PT_NULL && !InBounds(p.offset, p.filesz, f_.bytes.size()))
        Warn(fmt::format("segment {} ({}): p_offset {} + p_filesz {} > file size {}", i, SegmentTypeName(p.type, h.machine),
                         Hex(p.offset), Hex(p.filesz), Hex(f_.bytes.size())));
      f_.segments.push_back(p);
    }
  }

  void ParseInterpreter() {
    const Segment* p = f_.FindSegment(PT_INTERP);
    if (!p) return;
    ByteView v = f_.Load(p->offset, p->filesz);
    if (v.empty()) {
      Warn(p->filesz == 0 ? "PT_INTERP is empty (p_filesz 0)" : "PT_INTERP is outside the file");
      f_.interpreter = std::string_view();
      return;
    }
    bool nul = false;
    f_.interpreter = v.CString(0, &nul);
    if (!nul) Warn("PT_INTERP path is not NUL-terminated");
  }

  // The dynamic string table: DT_STRTAB mapped through PT_LOAD, else the
  // string table that the .dynamic section links to.
  ByteView DynamicStrings(uint64_t strtab, uint64_t strsz, bool have_strtab) {
    if (have_strtab) {
      if (auto off = f_.VaddrToOffset(strtab)) {
        uint64_t avail = f_.bytes.size() - *off;
        if (strsz > avail) {
          // UINT64_MAX is ParseDynamic's "no DT_STRSZ" (the gABI requires one beside DT_STRTAB).
          if (strsz == UINT64_MAX) Warn("DT_STRTAB without DT_STRSZ: strings are read up to the end of the file");
          else Warn(fmt::format("DT_STRSZ {} runs past the end of the file", Hex(strsz)));
          strsz = avail;
        }
        return f_.Load(*off, strsz);
      }
      Warn(fmt::format("DT_STRTAB {} is not in any PT_LOAD segment", Hex(strtab)));
    }
    for (const Section& s : f_.sections)
      if (s.type == SHT_DYNAMIC && s.link < f_.sections.size()) return f_.SectionData(f_.sections[s.link]);
    return {};
  }

  void ParseDynamic() {
    ByteView table;
    if (const Segment* p = f_.FindSegment(PT_DYNAMIC)) {
      table = f_.Load(p->offset, p->filesz);
      f_.dynamic_from = "PT_DYNAMIC";
      if (table.empty() && p->filesz) Warn("PT_DYNAMIC is outside the file");
    } else {
      for (const Section& s : f_.sections)
        if (s.type == SHT_DYNAMIC) {
          table = f_.SectionData(s);
          f_.dynamic_from = "section .dynamic";
          break;
        }
    }
    if (table.empty()) return;
    f_.has_dynamic = true;
    const uint64_t entsize = kDynSize[C()];
    uint64_t n = std::min<uint64_t>(table.size() / entsize, kMaxDynamicEntries);
    bool saw_null = false;
    Reader r(table, f_.header.endian);
    for (uint64_t i = 0; i < n; ++i) {
      DynamicEntry e;
      e.tag = f_.header.is64 ? static_cast<int64_t>(r.U64()) : static_cast<int32_t>(r.U32());
      e.value = r.Word(f_.header.is64);
      if (!r.ok()) break;
      f_.dynamic.push_back(e);
      if (e.tag == DT_NULL) { saw_null = true; break; }
    }
    if (!saw_null) Warn(fmt::format("dynamic table ({}) has no DT_NULL terminator", f_.dynamic_from));

    uint64_t strtab = 0, strsz = UINT64_MAX;
    bool have_strtab = false;
    for (const DynamicEntry& e : f_.dynamic) {
      if (e.tag == DT_STRTAB) { strtab = e.value; have_strtab = true; }
      if (e.tag == DT_STRSZ) strsz = e.value;
      if (e.tag == DT_FLAGS) f_.dt_flags = e.value;
      if (e.tag == DT_FLAGS_1) f_.dt_flags_1 = e.value;
      if (e.tag == DT_BIND_NOW) f_.bind_now = true;
      if (e.tag == DT_TEXTREL) f_.textrel = true;
    }
    if (f_.dt_flags & DF_BIND_NOW || f_.dt_flags_1 & DF_1_NOW) f_.bind_now = true;
    if (f_.dt_flags & DF_TEXTREL) f_.textrel = true;
    dynstr_ = DynamicStrings(strtab, strsz, have_strtab);
    auto str = [&](uint64_t off, int64_t tag) -> std::string_view {
      if (off >= dynstr_.size()) {
        Warn(fmt::format("{} string offset {} is outside the dynamic string table", DynamicTagName(tag), Hex(off)));
        return {};
      }
      return dynstr_.CString(off);
    };
    for (const DynamicEntry& e : f_.dynamic) {
      switch (e.tag) {
        case DT_NEEDED: f_.needed.push_back(str(e.value, e.tag)); break;
        case DT_SONAME: f_.soname = str(e.value, e.tag); break;
        case DT_RPATH: f_.rpath = str(e.value, e.tag); break;
        case DT_RUNPATH: f_.runpath = str(e.value, e.tag); break;
        default: break;
      }
    }
  }

  void ParseSymbolTable(uint32_t type, SymbolTable* t) {
    const Section* sec = nullptr;
    for (const Section& s : f_.sections)
      if (s.type == type) { sec = &s; break; }
    if (!sec) return;
    t->present = true;
    t->section_name = sec->name;
    t->section_index = sec->index;
    const uint64_t entsize = kSymSize[C()];
    if (sec->entsize != entsize) {
      Warn(fmt::format("section {} ({}): sh_entsize {} is not {}", sec->index, sec->name, sec->entsize, entsize));
      if (sec->entsize == 0) return;
    }
    t->count = sec->size / sec->entsize;
    ByteView data = f_.SectionData(*sec);
    ByteView strtab;
    if (sec->link < f_.sections.size()) strtab = f_.SectionData(f_.sections[sec->link]);
    else Warn(fmt::format("section {} ({}): sh_link {} is not a section", sec->index, sec->name, sec->link));
    // SHN_XINDEX symbols find their section index in the SYMTAB_SHNDX section linked to this table.
    ByteView xindex;
    for (const Section& s : f_.sections)
      if (s.type == SHT_SYMTAB_SHNDX && s.link == sec->index) xindex = f_.SectionData(s);
    t->data = data;
    t->strtab = strtab;
    t->xindex = xindex;
    t->endian = f_.header.endian;
    t->is64 = f_.header.is64;
    t->readable = data.size() / entsize;
    if (t->readable < t->count) Warn(fmt::format("{}: only {} of {} symbols are in the file", sec->name, t->readable, t->count));
    if (!opts_.symbol_list) return;
    uint64_t n = std::min<uint64_t>(t->readable, kMaxSymbols);
    if (t->readable > kMaxSymbols) Warn(fmt::format("{}: only the first {} symbols are listed", sec->name, kMaxSymbols));
    t->symbols.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      t->symbols.push_back(t->At(i));
      if (t->symbols.back().name.empty()) {
        uint32_t name = 0;
        data.ReadInt<uint32_t>(i * entsize, t->endian, &name);
        if (name >= strtab.size() && name != 0)
          Warn(fmt::format("{}: symbol {} name offset {} is outside its string table", sec->name, i, Hex(name)));
      }
    }
  }

  void ParseSymbolTables() {
    ParseSymbolTable(SHT_SYMTAB, &f_.symtab);
    ParseSymbolTable(SHT_DYNSYM, &f_.dynsym);
  }

  // Finds a versioning table by dynamic tag (mapped through PT_LOAD) or by section type.
  // Finds a versioning table: by section type (its size is known), else by
  // dynamic tag mapped through PT_LOAD (a file without section headers).
  ByteView VersionTable(int64_t tag, uint32_t sh_type, uint64_t* count, int64_t count_tag) {
    for (const DynamicEntry& e : f_.dynamic) {
      if (e.tag == count_tag && count) *count = e.value;
    }
    for (const Section& s : f_.sections) {
      if (s.type != sh_type) continue;
      if (count && *count == 0) *count = s.info;
      return f_.SectionData(s);
    }
    for (const DynamicEntry& e : f_.dynamic) {
      if (e.tag != tag) continue;
      if (auto off = f_.VaddrToOffset(e.value)) return f_.Load(*off, f_.bytes.size() - *off);
      Warn(fmt::format("{} {} is not in any PT_LOAD segment", DynamicTagName(tag), Hex(e.value)));
    }
    return {};
  }

  std::string_view DynStr(uint64_t off) { return off < dynstr_.size() ? dynstr_.CString(off) : std::string_view(); }

  void ParseVersions() {
    if (dynstr_.empty()) {
      // A file without a dynamic table may still carry version sections.
      for (const Section& s : f_.sections)
        if ((s.type == SHT_GNU_verneed || s.type == SHT_GNU_verdef) && s.link < f_.sections.size()) {
          dynstr_ = f_.SectionData(f_.sections[s.link]);
          break;
        }
    }
    std::map<uint16_t, std::string_view> names;  // version index -> name
    // Verneed: Elf_Verneed {vn_version, vn_cnt, vn_file, vn_aux, vn_next} + Elf_Vernaux chains.
    uint64_t count = 0;
    ByteView vn = VersionTable(DT_VERNEED, SHT_GNU_verneed, &count, DT_VERNEEDNUM);
    uint64_t off = 0, records = 0;
    std::set<uint64_t> seen;
    // Whether the walk of one chain stops at off: a record seen before (a
    // loop) or one past the shared cap, each said as what it is.
    auto stop = [&](std::set<uint64_t>* visited, uint64_t at, std::string_view chain) {
      if (!visited->insert(at).second) {
        Warn(fmt::format("{} chain loops", chain));
        return true;
      }
      if (++records > kMaxVersionRecords) {
        Warn(fmt::format("more than {} version records: the rest of the {} chain is ignored", kMaxVersionRecords, chain));
        return true;
      }
      return false;
    };
    for (uint64_t i = 0; i < count && !vn.empty(); ++i) {
      if (stop(&seen, off, "verneed")) break;
      Reader r(vn, f_.header.endian, off);
      r.U16();
      uint16_t cnt = r.U16();
      uint32_t file = r.U32(), aux = r.U32(), next = r.U32();
      if (!r.ok()) { Warn(fmt::format("verneed entry {} is truncated", i)); break; }
      VersionNeed need;
      need.file = DynStr(file);
      uint64_t aoff = off + aux;
      std::set<uint64_t> aseen;
      for (uint16_t j = 0; j < cnt; ++j) {
        if (stop(&aseen, aoff, "vernaux")) break;
        Reader a(vn, f_.header.endian, aoff);
        VersionNeedAux v;
        v.hash = a.U32(); v.flags = a.U16(); v.other = a.U16();
        uint32_t name = a.U32(), anext = a.U32();
        if (!a.ok()) { Warn(fmt::format("vernaux entry of {} is truncated", need.file)); break; }
        v.name = DynStr(name);
        names[v.other & VERSYM_VERSION] = v.name;
        need.versions.push_back(v);
        if (anext == 0) break;
        aoff += anext;
      }
      f_.verneed.push_back(std::move(need));
      if (next == 0) break;
      off += next;
    }
    // Verdef: Elf_Verdef {vd_version, vd_flags, vd_ndx, vd_cnt, vd_hash, vd_aux, vd_next} + Elf_Verdaux.
    count = 0;
    ByteView vd = VersionTable(DT_VERDEF, SHT_GNU_verdef, &count, DT_VERDEFNUM);
    off = 0;
    seen.clear();
    for (uint64_t i = 0; i < count && !vd.empty(); ++i) {
      if (stop(&seen, off, "verdef")) break;
      Reader r(vd, f_.header.endian, off);
      r.U16();
      VersionDef def;
      def.flags = r.U16(); def.index = r.U16();
      uint16_t cnt = r.U16();
      r.U32();
      uint32_t aux = r.U32(), next = r.U32();
      if (!r.ok()) { Warn(fmt::format("verdef entry {} is truncated", i)); break; }
      uint64_t aoff = off + aux;
      std::set<uint64_t> aseen;
      for (uint16_t j = 0; j < cnt; ++j) {
        if (stop(&aseen, aoff, "verdaux")) break;
        Reader a(vd, f_.header.endian, aoff);
        uint32_t name = a.U32(), anext = a.U32();
        if (!a.ok()) break;
        def.names.push_back(DynStr(name));
        if (anext == 0) break;
        aoff += anext;
      }
      if (!def.names.empty() && !(def.flags & VER_FLG_BASE)) names[def.index & VERSYM_VERSION] = def.names[0];
      f_.verdef.push_back(std::move(def));
      if (next == 0) break;
      off += next;
    }
    // Versym: one uint16 per .dynsym symbol.
    if (f_.dynsym.symbols.empty()) return;
    ByteView vs = VersionTable(DT_VERSYM, SHT_GNU_versym, nullptr, 0);
    for (size_t i = 0; i < f_.dynsym.symbols.size(); ++i) {
      uint16_t v = 0;
      if (!vs.ReadInt<uint16_t>(i * 2, f_.header.endian, &v)) break;
      uint16_t idx = v & VERSYM_VERSION;
      if (idx <= VER_NDX_GLOBAL) continue;
      auto it = names.find(idx);
      if (it == names.end()) continue;
      f_.dynsym.symbols[i].version = it->second;
      f_.dynsym.symbols[i].version_hidden = (v & VERSYM_HIDDEN) != 0;
    }
  }

  void ParseNoteRange(ByteView data, uint64_t align, std::string_view where) {
    if (align != 8) align = 4;  // gABI: 4; 8 for NT_GNU_PROPERTY_TYPE_0 in 64-bit files
    uint64_t off = 0;
    while (off + 12 <= data.size()) {
      if (f_.notes.size() >= kMaxNotes) { Warn("too many notes: the rest are ignored"); return; }
      Reader r(data, f_.header.endian, off);
      uint32_t namesz = r.U32(), descsz = r.U32(), type = r.U32();
      uint64_t name_off = off + 12;
      uint64_t desc_off = (name_off + namesz + align - 1) & ~(align - 1);
      if (!data.Contains(name_off, namesz) || !data.Contains(desc_off, descsz)) {
        Warn(fmt::format("{}: note at offset {} runs past the end", where, Hex(off)));
        return;
      }
      Note n;
      n.where = where;
      n.type = type;
      n.owner = data.Sub(name_off, namesz).CString(0);
      n.desc = data.Sub(desc_off, descsz);
      f_.notes.push_back(n);
      uint64_t next = (desc_off + descsz + align - 1) & ~(align - 1);
      if (next <= off) return;  // cannot happen (12-byte header), kept as a progress guard
      off = next;
    }
  }

  void ParseNotes() {
    for (const Section& s : f_.sections)
      if (s.type == SHT_NOTE) ParseNoteRange(f_.SectionData(s), s.addralign, s.name);
    // A PT_NOTE segment that overlaps no note section is read too: stripped
    // section headers, or a note added after linking (postject puts Node's
    // NODE_SEA_BLOB in a PT_NOTE of its own, with no section).
    for (const Segment& p : f_.segments) {
      if (p.type != PT_NOTE) continue;
      const bool covered = std::any_of(f_.sections.begin(), f_.sections.end(), [&](const Section& s) {
        return s.type == SHT_NOTE && s.offset < p.offset + p.filesz && p.offset < s.offset + s.size;
      });
      if (!covered) ParseNoteRange(f_.Load(p.offset, p.filesz), p.align, "PT_NOTE");
    }
    for (const Note& n : f_.notes) {
      if (n.owner == "GNU" && n.type == NT_GNU_BUILD_ID && !f_.build_id) {
        std::string hex;
        for (uint64_t i = 0; i < n.desc.size(); ++i) hex += fmt::format("{:02x}", n.desc.At(i));
        f_.build_id = hex;
      } else if (n.owner == "Go" && n.type == NT_GO_BUILDID && !f_.go_build_id) {
        f_.go_build_id = std::string(n.desc.AsString());
      } else if (n.owner == "GNU" && n.type == NT_GNU_ABI_TAG && n.desc.size() >= 16) {
        Reader r(n.desc, f_.header.endian);
        uint32_t os = r.U32(), a = r.U32(), b = r.U32(), c = r.U32();
        static const char* kOs[] = {"Linux", "Hurd", "Solaris", "FreeBSD"};
        f_.abi_tag = fmt::format("{} {}.{}.{}", os < 4 ? kOs[os] : "OS " + std::to_string(os), a, b, c);
      } else if (n.owner == "GNU" && n.type == NT_GNU_PROPERTY_TYPE_0) {
        ParseGnuProperties(n.desc);
      }
    }
  }

  void ParseGnuProperties(ByteView d) {
    GnuProperties& gp = f_.gnu_properties;
    gp.present = true;
    const uint64_t align = f_.header.is64 ? 8 : 4;
    uint64_t off = 0;
    for (int guard = 0; off + 8 <= d.size() && guard < 1024; ++guard) {
      Reader r(d, f_.header.endian, off);
      uint32_t type = r.U32(), size = r.U32();
      if (!d.Contains(off + 8, size)) { Warn("GNU property note is truncated"); return; }
      uint32_t v = 0;
      bool has_word = size >= 4 && d.ReadInt<uint32_t>(off + 8, f_.header.endian, &v);
      if (has_word) {
        if (type == GNU_PROPERTY_X86_FEATURE_1_AND && f_.header.machine != static_cast<uint16_t>(Machine::kAarch64))
          gp.x86_feature_1_and = v;
        else if (type == GNU_PROPERTY_AARCH64_FEATURE_1_AND && f_.header.machine == static_cast<uint16_t>(Machine::kAarch64))
          gp.aarch64_feature_1_and = v;
        else if (type == 0xc0008002) gp.x86_isa_needed = v;  // GNU_PROPERTY_X86_ISA_1_NEEDED
      }
      off = (off + 8 + size + align - 1) & ~(align - 1);
    }
  }

  void ParseComment() {
    const Section* s = f_.FindSection(".comment");
    if (!s) return;
    auto data = SectionContents(f_, *s);
    if (!data) { Warn(fmt::format("section .comment: {}", data.error().message)); return; }
    std::string_view all(*data);
    std::set<std::string_view> seen;
    size_t pos = 0;
    while (pos < all.size() && f_.comment.size() < kMaxCommentStrings) {
      size_t end = all.find('\0', pos);
      if (end == std::string_view::npos) end = all.size();
      std::string_view one = all.substr(pos, end - pos);
      if (!one.empty() && seen.insert(one).second) f_.comment.emplace_back(one);
      pos = end + 1;
    }
  }

  ParseOptions opts_;
  File f_;
  ByteView dynstr_;
};

// The output buffer is sized from the header before decompressing, so its
// claim is checked first: against the absolute cap and against the input.
std::optional<Error> CheckDecompressedSize(uint64_t size, uint64_t compressed) {
  if (size > kMaxDecompressedSize)
    return MakeError(fmt::format("decompressed size {:#x} is over the {:#x} limit", size, kMaxDecompressedSize));
  auto most = CheckedMul(compressed, kMaxCompressionRatio);
  if (most && size > *most)
    return MakeError(fmt::format("decompressed size {:#x} is over {} times the {:#x} compressed bytes", size,
                                 kMaxCompressionRatio, compressed));
  return std::nullopt;
}

std::string Decompress(uint32_t algo, ByteView in, uint64_t out_size, std::string* err) {
  std::string out;
  out.resize(out_size);
  if (algo == ELFCOMPRESS_ZLIB) {
    uLongf got = out_size;
    int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &got, in.data(), in.size());
    if (rc != Z_OK || got != out_size) { *err = fmt::format("zlib: {} ({} of {} bytes)", zError(rc), got, out_size); return {}; }
  } else {
    size_t got = ZSTD_decompress(out.data(), out_size, in.data(), in.size());
    if (ZSTD_isError(got) || got != out_size) {
      *err = ZSTD_isError(got) ? fmt::format("zstd: {}", ZSTD_getErrorName(got))
                               : fmt::format("zstd: {} of {} bytes", got, out_size);
      return {};
    }
  }
  return out;
}

}  // namespace

bool IsElf(ByteView b) {
  return b.size() >= 4 && b.At(0) == kElfMag[0] && b.At(1) == kElfMag[1] && b.At(2) == kElfMag[2] &&
         b.At(3) == kElfMag[3];
}

Result<File> Parse(ByteView bytes, const ParseOptions& opts) {
  // The identification and the header, read in first when reading on demand.
  if (opts.source) opts.source->Ensure(0, kEhdrSize[1]);
  if (!IsElf(bytes)) return MakeError("not an ELF file");
  return Parser(bytes, opts).Run();
}

Symbol SymbolTable::At(uint64_t i) const {
  Symbol sym;
  if (i >= readable) return sym;
  const uint64_t entsize = kSymSize[is64 ? 1 : 0];
  Reader r(data, endian, i * entsize);
  uint32_t name = r.U32();
  uint8_t info = 0, other = 0;
  uint16_t shndx = 0;
  if (is64) {
    info = r.U8(); other = r.U8(); shndx = r.U16(); sym.value = r.U64(); sym.size = r.U64();
  } else {
    sym.value = r.U32(); sym.size = r.U32(); info = r.U8(); other = r.U8(); shndx = r.U16();
  }
  if (!r.ok()) return Symbol();
  sym.type = info & 0xf;
  sym.bind = info >> 4;
  sym.visibility = other & 0x3;
  sym.shndx = shndx;
  // SHN_XINDEX: the real index is in the SYMTAB_SHNDX section linked to this table.
  if (shndx == SHN_XINDEX) {
    uint32_t x = 0;
    if (xindex.ReadInt<uint32_t>(i * 4, endian, &x)) sym.shndx = x;
  }
  if (name < strtab.size()) sym.name = strtab.CString(name);
  return sym;
}

bool SymbolTable::NameStartsWith(uint64_t i, std::string_view prefix) const {
  uint32_t name = 0;
  if (i >= readable || !data.ReadInt<uint32_t>(i * kSymSize[is64 ? 1 : 0], endian, &name)) return false;
  ByteView p = strtab.Sub(name, prefix.size());
  return p.size() == prefix.size() && p.AsString() == prefix;
}

std::string_view SymbolTable::NameBytes(uint64_t i, size_t max) const {
  uint32_t name = 0;
  if (i >= readable || !data.ReadInt<uint32_t>(i * kSymSize[is64 ? 1 : 0], endian, &name)) return {};
  if (name >= strtab.size()) return {};
  return strtab.Sub(name, std::min<uint64_t>(max, strtab.size() - name)).AsString();  // shorter at the end
}

void SymbolTable::PrefetchName(uint64_t i) const {
  uint32_t name = 0;
  if (i >= readable || !data.ReadInt<uint32_t>(i * kSymSize[is64 ? 1 : 0], endian, &name)) return;
  if (name < strtab.size()) __builtin_prefetch(strtab.data() + name);
}

bool SymbolTable::Defined(uint64_t i) const {
  // st_shndx: Elf64_Sym {name u32, info u8, other u8, shndx u16, ...};
  // Elf32_Sym {name u32, value u32, size u32, info u8, other u8, shndx u16}.
  uint16_t shndx = 0;
  if (i >= readable) return false;
  data.ReadInt<uint16_t>(i * kSymSize[is64 ? 1 : 0] + (is64 ? 6 : 14), endian, &shndx);
  return shndx != 0;
}

Result<std::string> SectionContents(const File& f, const Section& s) {
  if (s.type == SHT_NOBITS) return std::string();
  ByteView data = f.SectionData(s);
  if (!s.in_file) return MakeError("section data is outside the file");
  const bool is64 = f.header.is64;
  if (s.flags & SHF_COMPRESSED) {
    Reader r(data, f.header.endian);
    uint32_t type = r.U32();
    if (is64) r.U32();  // ch_reserved
    uint64_t size = r.Word(is64);
    r.Word(is64);  // ch_addralign
    if (!r.ok()) return MakeError("compression header is truncated");
    if (type != ELFCOMPRESS_ZLIB && type != ELFCOMPRESS_ZSTD) return MakeError(fmt::format("unknown compression type {}", type));
    if (auto err = CheckDecompressedSize(size, data.From(kChdrSize[is64 ? 1 : 0]).size())) return *err;
    std::string err;
    std::string out = Decompress(type, data.From(kChdrSize[is64 ? 1 : 0]), size, &err);
    if (!err.empty()) return MakeError(err);
    return out;
  }
  // Legacy GNU .zdebug_*: "ZLIB" then a big-endian 64-bit size, then a zlib stream.
  if (s.name.substr(0, 8) == ".zdebug_" && data.size() >= 12 && data.Sub(0, 4).AsString() == "ZLIB") {
    uint64_t size = 0;
    data.ReadInt<uint64_t>(4, Endian::kBig, &size);
    if (auto err = CheckDecompressedSize(size, data.From(12).size())) return *err;
    std::string err;
    std::string out = Decompress(ELFCOMPRESS_ZLIB, data.From(12), size, &err);
    if (!err.empty()) return MakeError(err);
    return out;
  }
  return std::string(data.AsString());
}

std::optional<uint64_t> File::VaddrToOffset(uint64_t vaddr, uint64_t len) const {
  for (const Segment& p : segments) {
    if (p.type != PT_LOAD) continue;
    if (vaddr < p.vaddr) continue;
    uint64_t delta = vaddr - p.vaddr;
    if (!InBounds(delta, len, p.filesz)) continue;
    auto off = CheckedAdd(p.offset, delta);
    if (off && InBounds(*off, len, bytes.size())) return off;
  }
  return std::nullopt;
}

ByteView File::SectionData(const Section& s) const {
  if (!s.in_file) return {};
  return Load(s.offset, s.size);
}

const Section* File::FindSection(std::string_view name) const {
  for (const Section& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

File::HashLookup File::LookupDynamic(std::string_view name) const {
  HashLookup r;
  std::optional<uint64_t> gnu, sysv;
  for (const DynamicEntry& e : dynamic) {
    if (e.tag == 0x6ffffef5 /* DT_GNU_HASH */ && !gnu) gnu = e.value;
    if (e.tag == 4 /* DT_HASH */ && !sysv) sysv = e.value;
  }
  if (!dynsym.present || dynsym.readable == 0) return r;
  // Reads size bytes at the table's offset base + x: each read brings in only
  // its own bytes, since a lookup touches a few words of a large table.
  auto word = [&](uint64_t base, uint64_t x, uint64_t size, bool* ok) {
    uint64_t v = 0;
    if (!Load(base + x, size).ReadWord(0, size, header.endian, &v)) *ok = false;
    return v;
  };
  auto named = [&](uint64_t i) { return i < dynsym.readable && dynsym.At(i).name == name; };
  if (gnu) {
    // nbuckets, symoffset, bloom words, bloom shift; the bloom filter; the
    // buckets; one hash per symbol from symoffset on, the low bit ending a chain.
    auto base = VaddrToOffset(*gnu, 16);
    if (!base) return r;
    bool ok = true;
    const uint64_t nbuckets = word(*base, 0, 4, &ok), symoffset = word(*base, 4, 4, &ok),
                   bloom_size = word(*base, 8, 4, &ok), bloom_shift = word(*base, 12, 4, &ok);
    const uint64_t wsize = header.is64 ? 8 : 4, bits = wsize * 8;
    if (!ok || nbuckets == 0 || bloom_size == 0 || bloom_shift >= bits) return r;
    uint32_t h = 5381;
    for (char c : name) h = h * 33 + static_cast<uint8_t>(c);
    const uint64_t bloom = word(*base, 16 + wsize * ((h / bits) % bloom_size), wsize, &ok);
    const uint64_t buckets = 16 + wsize * bloom_size, chains = buckets + 4 * nbuckets;
    const uint64_t first = word(*base, buckets + 4 * (h % nbuckets), 4, &ok);
    if (!ok) return r;
    r.usable = true;
    const uint64_t mask = (uint64_t{1} << (h % bits)) | (uint64_t{1} << ((h >> bloom_shift) % bits));
    if ((bloom & mask) != mask || first == 0 || first < symoffset) return r;  // not defined here
    for (uint64_t i = first, steps = 0; i < dynsym.readable && steps < kMaxHashChain; ++i, ++steps) {
      const uint64_t ch = word(*base, chains + 4 * (i - symoffset), 4, &ok);
      if (!ok) return r.usable = false, r;
      if ((ch | 1) == (h | 1) && named(i)) return r.index = i, r;
      if (ch & 1) break;
    }
    return r;
  }
  if (sysv) {
    // nbucket, nchain; the buckets; the chains, indexed by symbol.
    auto base = VaddrToOffset(*sysv, 8);
    if (!base) return r;
    bool ok = true;
    const uint64_t nbucket = word(*base, 0, 4, &ok), nchain = word(*base, 4, 4, &ok);
    if (!ok || nbucket == 0) return r;
    uint32_t h = 0;  // the System V ABI's ELF hash
    for (char c : name) {
      h = (h << 4) + static_cast<uint8_t>(c);
      const uint32_t g = h & 0xf0000000u;
      if (g) h ^= g >> 24;
      h &= ~g;
    }
    uint64_t i = word(*base, 8 + 4 * (h % nbucket), 4, &ok);
    if (!ok) return r;
    r.usable = true;
    for (uint64_t steps = 0; i != 0 && steps < kMaxHashChain; ++steps) {
      if (named(i)) return r.index = i, r;
      if (i >= nchain) break;
      i = word(*base, 8 + 4 * (nbucket + i), 4, &ok);
      if (!ok) return r.usable = false, r;
    }
  }
  return r;
}

const Segment* File::FindSegment(uint32_t type) const {
  for (const Segment& p : segments)
    if (p.type == type) return &p;
  return nullptr;
}

std::string MachineName(uint16_t m) {
  switch (m) {
#define X(value, id, name) \
  case value:              \
    return name;
#include "formats/elf/elf_machines.def"
#undef X
  }
  return fmt::format("machine-{}", m);
}

std::string TypeName(uint16_t t) {
  static const char* kNames[] = {"NONE", "REL", "EXEC", "DYN", "CORE"};
  if (t <= ET_CORE) return kNames[t];
  return Hex(t);
}

std::string SectionTypeName(uint32_t t, uint16_t machine) {
  switch (t) {
#define X(value, name) \
  case value:          \
    return name;
#include "formats/elf/elf_section_types.def"
#undef X
  }
#define X(value, name)
#define P(m, value, name) \
  if (machine == static_cast<uint16_t>(Machine::m) && t == (value)) return name;
#include "formats/elf/elf_section_types.def"
#undef X
  return Hex(t);
}

std::string SegmentTypeName(uint32_t t, uint16_t machine) {
  switch (t) {
#define X(value, name) \
  case value:          \
    return name;
#include "formats/elf/elf_segment_types.def"
#undef X
  }
#define X(value, name)
#define P(m, value, name) \
  if (machine == static_cast<uint16_t>(Machine::m) && t == (value)) return name;
#include "formats/elf/elf_segment_types.def"
#undef X
  return Hex(t);
}

std::string DynamicTagName(int64_t t) {
  switch (t) {
#define X(value, name) \
  case value:          \
    return "DT_" name;
#include "formats/elf/elf_dynamic_tags.def"
#undef X
  }
  return fmt::format("DT_{:#x}", static_cast<uint64_t>(t));
}

std::string SegmentFlags(uint32_t f) {
  std::string s;
  s += (f & PF_R) ? 'R' : ' ';
  s += (f & PF_W) ? 'W' : ' ';
  s += (f & PF_X) ? 'E' : ' ';
  return s;
}

std::string SectionFlags(uint64_t f) {
  static const struct { uint64_t bit; char c; } kKeys[] = {
      {SHF_WRITE, 'W'}, {SHF_ALLOC, 'A'}, {SHF_EXECINSTR, 'X'}, {SHF_MERGE, 'M'}, {SHF_STRINGS, 'S'},
      {SHF_INFO_LINK, 'I'}, {SHF_LINK_ORDER, 'L'}, {SHF_OS_NONCONFORMING, 'O'}, {SHF_GROUP, 'G'},
      {SHF_TLS, 'T'}, {SHF_COMPRESSED, 'C'}, {SHF_GNU_RETAIN, 'R'}, {SHF_EXCLUDE, 'E'}};
  std::string s;
  uint64_t known = 0;
  for (const auto& k : kKeys) {
    known |= k.bit;
    if (f & k.bit) s += k.c;
  }
  if (f & ~known) s += 'x';
  return s;
}

}  // namespace exray::elf
