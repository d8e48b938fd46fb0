// libFuzzer target for the bytecode and archive parsers (src/formats/bytecode)
// and their identification: bytes in memory, invariants checked.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/analyze.h"
#include "formats/bytecode/model.h"
#include "report/report.h"

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exray::bytecode;
  const exray::ByteView v(data, size);
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  if (auto c = ParseJavaClass(v)) {
    FUZZ_CHECK(c->major >= 45 && !IsFatMachO(v), "a class file is never a fat Mach-O");
    FUZZ_CHECK(!c->Release().empty(), "every accepted major has a release");
  }
  if (auto z = ParseZip(v)) {
    FUZZ_CHECK(s.starts_with("PK\x03\x04"), "zip only after its magic");
    FUZZ_CHECK(z->entries <= kMaxZipEntries && z->entries * 46 <= size, "entries bounded by the file and the cap");
    FUZZ_CHECK(z->classes <= z->entries, "classes are entries");
    FUZZ_CHECK(z->main_class.size() <= 256 && z->created_by.size() <= 256, "manifest values capped");
    FUZZ_CHECK(z->warnings.size() <= 8, "few warnings");
  }
  if (auto w = ParseWasm(v)) {
    FUZZ_CHECK(w->sections <= kMaxWasmSections && w->sections * 2 <= size, "sections bounded");
    FUZZ_CHECK(w->producers.size() <= kMaxWasmProducers, "producers capped");
    FUZZ_CHECK(w->custom_sections.size() <= kMaxWasmCustomNames, "custom names capped");
    FUZZ_CHECK(w->version == 1 || w->sections == 0, "sections only for version 1");
  }
  if (auto b = ParseBeam(v)) {
    FUZZ_CHECK(b->chunks.size() <= kMaxBeamChunks && b->chunks.size() * 8 <= size, "chunks bounded");
    FUZZ_CHECK(b->module.size() <= 255, "module name bounded");
  }
  if (auto p = ParsePe(v)) {
    FUZZ_CHECK(!p->cli || p->cli_directory, "a CLI header only through data directory 14");
    if (p->cli) FUZZ_CHECK(p->cli->metadata_version.size() <= 255, "metadata version bounded");
  }
  if (auto p = ParsePyc(v)) FUZZ_CHECK(size >= 4 && s[2] == '\r' && s[3] == '\n', "pyc only after \\r\\n");

  auto a = exray::Analyze("fuzz", v, {});
  FUZZ_CHECK(a.ok() || s.starts_with("\x7f" "ELF"), "only ELF files fail outright");
  if (!a.ok()) return 0;
  if (a->bytecode) {
    FUZZ_CHECK(a->format != "unknown" && a->format != "elf" && a->format != "script", "bytecode facts have a format");
    FUZZ_CHECK(!a->bytecode->kind.empty(), "a kind");
    if (a->execution) FUZZ_CHECK(a->execution->model == "bytecode", "bytecode model");
  }
  // The JSON document parses and round-trips.
  std::string j = exray::ToJson(*a, {});
  auto doc = nlohmann::json::parse(j, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded(), "JSON parses");
  FUZZ_CHECK(doc["format"] == a->format, "format in JSON");
  FUZZ_CHECK(doc.contains("bytecode") == a->bytecode.has_value(), "bytecode object exactly for bytecode files");
  (void)exray::ToText(*a, {});
  return 0;
}
