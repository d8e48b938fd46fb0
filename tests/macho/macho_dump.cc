// macho_dump: prints a Mach-O image, or every slice of a universal file, as
// exray's parser reads it, as one JSON document (the exray side of
// readobj_diff.py): per slice the header, segments, sections, needed dylibs,
// minimum-version commands and warnings.
//
// Usage: macho_dump FILE
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/macho/parser.h"

namespace {

using exray::ByteView;
using nlohmann::json;
namespace macho = exray::macho;

json Image(ByteView b) {
  auto f = macho::Parse(b);
  if (!f) return json{{"error", f.error().message}};
  const macho::Header& h = f->header;
  json j{{"cputype", h.cputype},  {"cpusubtype", h.cpusubtype}, {"filetype", h.filetype},
         {"ncmds", h.ncmds},      {"sizeofcmds", h.sizeofcmds}, {"flags", h.flags},
         {"arch", macho::CpuTypeName(h.cputype, h.cpusubtype)}};
  j["segments"] = json::array();
  for (const macho::Segment& s : f->segments)
    j["segments"].push_back({{"name", s.name},         {"vmaddr", s.vmaddr},     {"vmsize", s.vmsize},
                             {"fileoff", s.fileoff},   {"filesize", s.filesize}, {"maxprot", s.maxprot},
                             {"initprot", s.initprot}, {"nsects", s.nsects},     {"flags", s.flags}});
  j["sections"] = json::array();
  for (const macho::Section& s : f->sections)
    j["sections"].push_back({{"name", s.sectname},   {"segment", s.segname},     {"addr", s.addr},
                             {"size", s.size},       {"offset", s.offset},       {"align", s.align},
                             {"reloff", s.reloff},   {"nreloc", s.nreloc},       {"flags", s.flags},
                             {"reserved1", s.reserved1}, {"reserved2", s.reserved2}, {"reserved3", s.reserved3}});
  j["needed"] = json::array();
  for (const macho::Dylib& d : f->dylibs)
    if (d.kind != macho::DylibKind::kId) j["needed"].push_back(d.name);
  j["min_versions"] = json::array();
  for (const macho::BuildVersion& v : f->build_versions)
    j["min_versions"].push_back({{"cmd", macho::LoadCommandName(v.cmd)},
                                 {"platform", macho::PlatformName(v.platform)},
                                 {"version", macho::VersionString(v.minos)},
                                 {"sdk", macho::VersionString(v.sdk)}});
  j["warnings"] = f->diag.warnings();
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: macho_dump FILE\n");
    return 2;
  }
  // The whole file: a test tool reads what it parses plainly.
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "macho_dump: cannot open %s\n", argv[1]);
    return 1;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const ByteView b(bytes.data(), bytes.size());
  json out{{"slices", json::array()}, {"warnings", json::array()}};
  if (macho::IsFat(b)) {
    auto fat = macho::ParseFat(b);
    if (!fat) {
      std::fprintf(stderr, "macho_dump: %s\n", fat.error().message.c_str());
      return 1;
    }
    out["warnings"] = fat->diag.warnings();
    for (const macho::FatArch& a : fat->archs) {
      auto s = macho::Slice(b, a);
      out["slices"].push_back(s ? Image(*s) : json{{"error", s.error().message}});
    }
  } else {
    out["slices"].push_back(Image(b));
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
