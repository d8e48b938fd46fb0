// WebAssembly modules: the section walk and the producers custom section.
#include <fmt/format.h>

#include <algorithm>

#include "formats/bytecode/model.h"
#include "support/limits.h"

namespace exray::bytecode {

namespace {

/// A u32 LEB128 (core spec §5.2.2: at most 5 bytes, no bits above 32); 0 and
/// a sticky failure when bad.
uint64_t U32Leb(Reader& r) {
  uint64_t v = 0;
  r.Uleb128(&v, 32);
  return v;
}

/// A name (vec(byte)), cut to kMaxWasmString bytes.
std::string_view Name(Reader& r) {
  uint64_t len = U32Leb(r);
  return r.Bytes(len).AsString().substr(0, kMaxWasmString);
}

/// tool-conventions ProducersSection.md: vec(field: name, vec({name, version})).
void ReadProducers(ByteView body, WasmModule* m) {
  Reader c(body, Endian::kLittle);
  uint64_t fields = U32Leb(c);
  for (uint64_t f = 0; c.ok() && f < fields && f < kMaxWasmProducers; ++f) {
    std::string field(Name(c));
    uint64_t values = U32Leb(c);
    for (uint64_t i = 0; c.ok() && i < values && m->producers.size() < kMaxWasmProducers; ++i) {
      std::string name(Name(c)), version(Name(c));
      if (c.ok()) m->producers.push_back({field, std::move(name), std::move(version)});
    }
  }
  if (!c.ok()) m->warnings.push_back("producers section: truncated or malformed");
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
  Reader c(b, Endian::kLittle, 8);
  while (c.offset() < b.size()) {  // each section consumes at least 2 bytes
    if (m.sections >= kMaxWasmSections) {
      m.warnings.push_back(fmt::format("more than {} sections: the rest not read", kMaxWasmSections));
      break;
    }
    const uint64_t at = c.offset();
    Need(src, at, 16);
    uint8_t id = c.U8();
    uint64_t size = U32Leb(c);
    if (!c.ok() || !b.Contains(c.offset(), size)) {
      m.warnings.push_back(c.ok() ? fmt::format("section {} (id {}) at {:#x}: size {:#x} past the end of the file", m.sections, id, at, size)
                                  : fmt::format("section {} (id {}) at {:#x}: bad size", m.sections, id, at));
      break;
    }
    ++m.sections;
    const uint64_t body_off = c.offset();
    ByteView body = c.Bytes(size);
    if (id == 0) {
      Need(src, body_off, std::min<uint64_t>(size, kMaxCustomRead));
      Reader cc(body.Sub(0, std::min<uint64_t>(size, kMaxCustomRead)), Endian::kLittle);
      std::string name(Name(cc));
      if (!cc.ok()) {
        m.warnings.push_back(fmt::format("custom section at {:#x}: bad name", at));
        continue;
      }
      if (m.custom_sections.size() < kMaxWasmCustomNames) m.custom_sections.push_back(name);
      ByteView rest = body.Sub(cc.offset(), std::min(size, kMaxCustomRead) - cc.offset());
      if (name == "producers" && m.producers.empty()) ReadProducers(rest, &m);
      else if (name == "go:buildid" && m.go_buildid.empty()) m.go_buildid = rest.AsString().substr(0, kMaxWasmBuildId);
    } else if (id == 2 || id == 3 || id == 7) {
      Need(src, body_off, kMaxLeb32Bytes);
      Reader vc(body, Endian::kLittle);
      uint64_t n = U32Leb(vc);
      if (vc.ok()) (id == 2 ? m.imports : id == 3 ? m.functions : m.exports) = n;
    }
  }
  return m;
}

}  // namespace exray::bytecode
