#include "formats/elf/core.h"

#include <fmt/format.h>

namespace exray::elf {
namespace {

constexpr uint32_t kNtPrstatus = 1, kNtPrpsinfo = 3, kNtFile = 0x46494c45;  // "FILE"

// A fixed-size char field: up to its first NUL.
std::string Field(ByteView d, uint64_t off, uint64_t len) {
  return std::string(d.Sub(off, len).CString(0));
}

}  // namespace

CoreFacts ReadCoreFacts(const File& f) {
  CoreFacts c;
  const bool is64 = f.header.is64;
  const Endian e = f.header.endian;
  const uint64_t word = is64 ? 8 : 4;
  bool seen_psinfo = false, seen_status = false, seen_file = false;
  for (const Note& n : f.notes) {
    if (n.owner != "CORE") continue;
    if (n.type == kNtPrpsinfo && !seen_psinfo) {
      seen_psinfo = true;
      // struct elf_prpsinfo: 4 chars, pr_flag (a long, 8-aligned on 64-bit
      // targets), uid and gid (32-bit on 64-bit targets, 16-bit on i386),
      // pid, ppid, pgrp, sid, then pr_fname[16] and pr_psargs[80].
      const uint64_t ids = is64 ? 24 : 12;
      const uint64_t fname = ids + 16;
      uint32_t pid = 0;
      if (n.desc.ReadInt(ids, e, &pid)) c.pid = pid;
      c.program = Field(n.desc, fname, 16);
      // The kernel writes the command line with spaces; gdb's gcore keeps its NULs.
      std::string_view psargs = n.desc.Sub(fname + 16, 80).AsString();
      psargs = psargs.substr(0, psargs.find_last_not_of('\0') + 1);
      c.args = std::string(psargs);
      for (char& ch : c.args)
        if (ch == '\0') ch = ' ';
      if (n.desc.size() < fname + 16 + 80) c.warnings.push_back("NT_PRPSINFO is shorter than its structure");
    } else if (n.type == kNtPrstatus && !seen_status) {
      seen_status = true;
      // struct elf_prstatus starts with elf_siginfo (three ints), then pr_cursig.
      uint16_t sig = 0;
      if (n.desc.ReadInt(12, e, &sig)) c.signal = sig;
    } else if (n.type == kNtFile && !seen_file) {
      seen_file = true;
      // count, page size, count (start, end, offset) triples, then count names.
      uint64_t count = 0, page = 0;
      if (!n.desc.ReadWord(0, word, e, &count) || !n.desc.ReadWord(word, word, e, &page)) {
        c.warnings.push_back("NT_FILE is too short for its header");
        continue;
      }
      c.file_count = count;
      const uint64_t triples = 2 * word;
      // A count the note cannot hold is the note's lie, not a size to allocate.
      if (count > (n.desc.size() - std::min<uint64_t>(n.desc.size(), triples)) / (3 * word)) {
        c.warnings.push_back(fmt::format("NT_FILE claims {} files, more than its {} bytes hold", count, n.desc.size()));
        continue;
      }
      uint64_t name_at = triples + count * 3 * word;
      for (uint64_t i = 0; i < count && i < kMaxCoreFiles; ++i) {
        CoreFile cf;
        const uint64_t at = triples + i * 3 * word;
        n.desc.ReadWord(at, word, e, &cf.start);
        n.desc.ReadWord(at + word, word, e, &cf.end);
        n.desc.ReadWord(at + 2 * word, word, e, &cf.offset);
        bool nul = false;
        std::string_view path = n.desc.CString(name_at, &nul);
        if (!nul) {
          c.warnings.push_back("NT_FILE's names end before its count");
          break;
        }
        cf.path = std::string(path);
        name_at += path.size() + 1;
        c.files.push_back(std::move(cf));
      }
      if (count > kMaxCoreFiles) c.warnings.push_back(fmt::format("NT_FILE lists {} files; the first {} are kept", count, kMaxCoreFiles));
    }
  }
  return c;
}

std::optional<ModuleFacts> ReadModuleFacts(const File& f) {
  const Section* s = f.FindSection(".modinfo");
  if (!s) return std::nullopt;
  ModuleFacts m;
  const ByteView all = f.SectionData(*s);
  uint64_t off = 0;
  for (uint64_t n = 0; off < all.size() && n < kMaxModinfoEntries; ++n) {
    std::string_view entry = all.CString(off);
    off += entry.size() + 1;
    if (entry.empty()) continue;  // padding between entries
    ++m.entries;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = entry.substr(0, eq), v = entry.substr(eq + 1);
    auto first = [&](std::string* field) {
      if (field->empty()) *field = std::string(v);
    };
    if (k == "name") first(&m.name);
    else if (k == "license") first(&m.license);
    else if (k == "vermagic") first(&m.vermagic);
    else if (k == "version") first(&m.version);
    else if (k == "srcversion") first(&m.srcversion);
    else if (k == "description") first(&m.description);
    else if (k == "retpoline") m.retpoline = v == "Y";
    else if (k == "intree") m.intree = v == "Y";
    else if (k == "depends")
      for (size_t at = 0; at < v.size() && m.depends.size() < kMaxModinfoEntries;) {
        const size_t comma = v.find(',', at);
        std::string_view d = v.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
        if (!d.empty()) m.depends.emplace_back(d);
        if (comma == std::string_view::npos) break;
        at = comma + 1;
      }
  }
  return m;
}

}  // namespace exray::elf
