#include "cli/go_live_setup.h"

#include <fmt/format.h>

#include <algorithm>

#include "support/limits.h"

namespace exray {

Result<std::unique_ptr<GoLiveSetup>> SetUpGoLive(const elf::File& elf, const elf::ElfAddressSpace& as,
                                                 std::string_view path) {
  auto s = std::make_unique<GoLiveSetup>();
  GoDiveOptions opts;
  opts.runtime = true;
  opts.pclntab = true;  // the goroutines' start functions: the runtime's own or the program's
  s->dive = DiveGo(&elf, as, opts);
  const GoDive& dive = s->dive;
  if (!dive.build_info_ok() && !dive.pclntab_ok())
    return Error{fmt::format("{}: not a Go process (no Go build info or pclntab in its executable)", path)};
  if (dive.build_info_ok()) s->version = dive.build_info_ok()->version;
  else if (dive.runtime_version) s->version = dive.runtime_version->version;
  const go::RuntimeLayout& layout = *dive.runtime;
  if (layout.source.empty())
    return Error{fmt::format("{}: no runtime layout for {} (the binary has no DWARF and exray has no table for it); "
                             "give an unstripped build of the same program as FILE",
                             path, s->version.empty() ? "this Go release" : s->version)};
  bool any_global = false;
  for (const go::RuntimeGlobal& g : layout.globals) any_global |= g.address.has_value();
  if (!any_global) {
    std::string why = "no symbol table";
    for (const std::string& n : layout.notes)
      if (n.find("not located") != std::string::npos || n.find("located from machine code") != std::string::npos) {
        why = n;
        break;
      }
    return Error{fmt::format("{}: the runtime's globals cannot be located ({}); give an unstripped build of the "
                             "same program as FILE",
                             path, why)};
  }
  trace::GoLiveInput& in = s->in;
  in.layout = &layout;
  for (const elf::Segment& seg : elf.segments)
    if (seg.type == 1 /* PT_LOAD */) in.loads.push_back({seg.vaddr, seg.offset, seg.filesz});
  in.pie = elf.header.type == 3;  // ET_DYN
  // The bytes the process must share with the file. Not the ELF header:
  // stripping a copy (objcopy) rewrites it and keeps everything the reader
  // needs where it was.
  for (const elf::Section& sec : elf.sections) {
    const bool note = sec.name == ".note.go.buildid" && sec.type == 7 /* SHT_NOTE */;
    if ((!note && sec.name != ".text") || !sec.in_file || sec.addr == 0 || sec.size == 0) continue;
    const uint64_t n = std::min<uint64_t>(sec.size, trace::kGoLiveSameBytes);
    ByteView b = elf.Load(sec.offset, n);
    if (b.size() == n)
      in.same.push_back({sec.addr, std::string(b.AsString()), note ? "Go build ID note" : ".text"});
  }
  if (in.same.empty())  // no section headers: the executable segment, past the headers it may start with
    for (const elf::Segment& seg : elf.segments)
      if (seg.type == 1 && (seg.flags & 1) && seg.filesz > trace::kGoLiveSameBytes + 4096) {
        const uint64_t skip = seg.offset == 0 ? 4096 : 0;
        ByteView b = elf.Load(seg.offset + skip, trace::kGoLiveSameBytes);
        if (b.size() == trace::kGoLiveSameBytes)
          in.same.push_back({seg.vaddr + skip, std::string(b.AsString()), "executable segment"});
        break;
      }
  in.minor = dive.minor.value_or(0);
  if (const go::Pclntab* t = dive.pclntab_ok())
    in.func_at = [t](uint64_t pc) -> std::optional<std::string> {
      const std::optional<go::Location> l = t->Lookup(pc);
      if (!l || !l->function) return std::nullopt;
      return std::string(l->function->name);
    };
  return s;
}

}  // namespace exray
