// WebAssembly modules: the section walk and the producers custom section.
#include <fmt/format.h>

#include <algorithm>

#include "formats/bytecode/model.h"
#include "support/limits.h"

namespace exray::bytecode {

namespace {

/// A byte cursor over a view for LEB128s and names; sticky failure like Reader.
struct Cursor {
  ByteView v;
  uint64_t off = 0;
  bool ok = true;

  uint64_t Leb32() {
    uint64_t value = 0;
    for (int i = 0; ok && i < kMaxLeb32Bytes; ++i) {
      if (off >= v.size()) break;
      uint8_t byte = v.At(off++);
      value |= uint64_t{byte & 0x7fu} << (7 * i);
      if (!(byte & 0x80)) return value;
    }
    ok = false;  // past the end, or a 6th continuation byte
    return 0;
  }
  std::string_view Name() {
    uint64_t len = Leb32();
    if (!ok || !v.Contains(off, len)) {
      ok = false;
      return {};
    }
    std::string_view s = v.Sub(off, len).AsString();
    off += len;
    return s.substr(0, kMaxWasmString);
  }
};

/// tool-conventions ProducersSection.md: vec(field: name, vec({name, version})).
void ReadProducers(ByteView body, WasmModule* m) {
  Cursor c{body};
  uint64_t fields = c.Leb32();
  for (uint64_t f = 0; c.ok && f < fields && f < kMaxWasmProducers; ++f) {
    std::string field(c.Name());
    uint64_t values = c.Leb32();
    for (uint64_t i = 0; c.ok && i < values && m->producers.size() < kMaxWasmProducers; ++i) {
      std::string name(c.Name()), version(c.Name());
      if (c.ok) m->producers.push_back({field, std::move(name), std::move(version)});
    }
  }
  if (!c.ok) m->warnings.push_back("producers section: truncated or malformed");
}

}  // namespace

std::optional<WasmModule> ParseWasm(ByteView b, const ByteSource* src) {
  static constexpr uint8_t kMagic[4] = {0, 'a', 's', 'm'};
  uint8_t magic[4];
  if (!b.Copy(0, magic, 4) || !std::equal(magic, magic + 4, kMagic)) return std::nullopt;
  WasmModule m;
  if (!b.ReadInt(4, Endian::kLittle, &m.version)) {
    m.warnings.push_back("no version after \\0asm");
    return m;
  }
  if (m.version != 1) {
    // 0x1000d and up: the component model's layer 1, a different section layout.
    m.warnings.push_back(fmt::format("version {:#x}: sections not read (only version 1, core modules)", m.version));
    return m;
  }
  Cursor c{b, 8};
  while (c.off < b.size()) {  // each section consumes at least 2 bytes
    if (m.sections >= kMaxWasmSections) {
      m.warnings.push_back(fmt::format("more than {} sections: the rest not read", kMaxWasmSections));
      break;
    }
    const uint64_t at = c.off;
    Need(src, at, 16);
    uint8_t id = b.At(c.off++);
    uint64_t size = c.Leb32();
    if (!c.ok || !b.Contains(c.off, size)) {
      m.warnings.push_back(c.ok ? fmt::format("section {} (id {}) at {:#x}: size {:#x} past the end of the file", m.sections, id, at, size)
                                : fmt::format("section {} (id {}) at {:#x}: bad size", m.sections, id, at));
      break;
    }
    ++m.sections;
    const uint64_t body_off = c.off;
    ByteView body = b.Sub(body_off, size);
    c.off += size;
    if (id == 0) {
      Need(src, body_off, std::min<uint64_t>(size, kMaxCustomRead));
      Cursor cc{body.Sub(0, std::min<uint64_t>(size, kMaxCustomRead))};
      std::string name(cc.Name());
      if (!cc.ok) {
        m.warnings.push_back(fmt::format("custom section at {:#x}: bad name", at));
        continue;
      }
      if (m.custom_sections.size() < kMaxWasmCustomNames) m.custom_sections.push_back(name);
      ByteView rest = body.Sub(cc.off, std::min(size, kMaxCustomRead) - cc.off);
      if (name == "producers" && m.producers.empty()) ReadProducers(rest, &m);
      else if (name == "go:buildid" && m.go_buildid.empty()) m.go_buildid = rest.AsString().substr(0, 256);
    } else if (id == 2 || id == 3 || id == 7) {
      Need(src, body_off, kMaxLeb32Bytes);
      Cursor vc{body};
      uint64_t n = vc.Leb32();
      if (vc.ok) (id == 2 ? m.imports : id == 3 ? m.functions : m.exports) = n;
    }
  }
  return m;
}

}  // namespace exray::bytecode
