#include "analysis/analyze.h"

#include <fmt/format.h>

#include <algorithm>
#include <nettle/sha2.h>

#include "analysis/elf_facts.h"
#include "formats/elf/address_space.h"
#include "formats/elf/parser.h"
#include "formats/elf/raw.h"

namespace exray {

std::string Sha256Hex(ByteView bytes) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  // nettle takes a size_t length; feed in chunks so any 64-bit size works.
  constexpr uint64_t kChunk = uint64_t{1} << 30;
  for (uint64_t off = 0; off < bytes.size(); off += kChunk) {
    ByteView part = bytes.Sub(off, std::min(kChunk, bytes.size() - off));
    sha256_update(&ctx, part.size(), part.data());
  }
  uint8_t md[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof md, md);
  std::string hex;
  for (uint8_t b : md) hex += fmt::format("{:02x}", b);
  return hex;
}

namespace {
// What an ELF file is for: e_type, and for ET_DYN whether it is a PIE
// (DF_1_PIE, or PT_INTERP without a SONAME) or a static-pie executable, or a
// shared library (glibc's libc.so.6 has PT_INTERP too, and a SONAME).
std::string ElfKind(const elf::File& f, const Analysis& a) {
  switch (f.header.type) {
    case 1: return f.FindSection(".modinfo") ? "kernel-module" : "relocatable";
    case 2: return "executable";
    case 3: return a.pie || a.linking == "static-pie" ? "executable" : "shared-library";
    case 4: return "core";
    default: return "other";
  }
}
}  // namespace

Result<Analysis> Analyze(std::string path, ByteView bytes, const AnalyzeOptions& opts) {
  Analysis a;
  a.path = std::move(path);
  a.size = bytes.size();
  // Format detection reads at most the #! line the kernel would read.
  if (opts.source) opts.source->Ensure(0, script::kMaxShebangLine);
  if (opts.hash) {
    if (opts.source) opts.source->Ensure(0, bytes.size());
    a.sha256 = Sha256Hex(bytes);
  }
  if (bytes.empty()) {
    a.format = "empty";  // not an unknown format: there is nothing to read
    return a;
  }

  if (elf::IsElf(bytes)) {
    elf::ParseOptions po;
    po.symbol_list = opts.symbol_list;
    po.source = opts.source;
    auto file_or = elf::Parse(bytes, po);
    if (!file_or) return file_or.error();
    a.format = "elf";
    a.elf = std::move(*file_or);
    const elf::File& f = *a.elf;
    a.arch = elf::MachineName(f.header.machine);
    if (a.arch == "riscv") a.arch = f.header.is64 ? "riscv64" : "riscv32";
    if (a.arch == "ppc64" && f.header.endian == Endian::kLittle) a.arch = "ppc64le";
    if (a.arch == "s390x" && !f.header.is64) a.arch = "s390";
    if (a.arch == "arm" && f.header.is64) a.arch = "arm";  // EM_ARM is 32-bit only
    AnalyzeLinking(f, &a);
    a.kind = ElfKind(f, a);
    if (a.kind == "core") {
      a.core = elf::ReadCoreFacts(f);
      for (const std::string& w : a.core->warnings) a.warnings.push_back("core: " + w);
      a.evidence.push_back({"kind.core", "is a core dump of a process", true, Strength::kStructure, "e_type CORE",
                            a.core->program.empty() ? std::string("no NT_PRPSINFO note")
                                                    : fmt::format("NT_PRPSINFO: {} ({})", a.core->program, a.core->args)});
      for (const std::string& w : f.diag.warnings()) a.warnings.push_back(w);
      return a;
    }
    AnalyzeHardening(f, &a);
    a.warnings = f.diag.warnings();
    if (f.diag.dropped()) a.warnings.push_back(fmt::format("{} more warnings not shown", f.diag.dropped()));
    AnalyzeGo(f, &a);
    if (!a.go) AnalyzeRust(f, &a);
    if (opts.identify) Identify(&a);
    return a;
  }
  if (IdentifyBytecode(bytes, opts.source, opts.identify, &a)) return a;
  if (auto sb = script::ParseShebang(bytes)) {
    a.format = "script";
    a.script = std::move(*sb);
    a.evidence.push_back({"format.shebang", "is a script run by an interpreter", true, Strength::kStructure,
                          "#! line at offset 0",
                          a.script->interpreter + (a.script->args.empty() ? "" : " " + a.script->args)});
    if (a.script->truncated)
      a.warnings.push_back(fmt::format("#! line is longer than the {} bytes the kernel reads", script::kMaxShebangLine));
    if (opts.identify) Identify(&a);
    return a;
  }
  return a;
}

}  // namespace exray
