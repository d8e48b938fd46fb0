#include "analysis/analyze.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nettle/sha2.h>

#include "analysis/elf_facts.h"
#include "analysis/macho.h"
#include "analysis/pe.h"
#include "formats/elf/address_space.h"
#include "formats/elf/parser.h"
#include "formats/elf/raw.h"
#include "formats/macho/parser.h"
#include "formats/pe/parser.h"

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
// A shared library a language's host loads, known by the entry point the
// host looks up (and, where the host has a C API of its own, the calls into
// it): it runs only inside that host, said with the symbols as evidence.
struct ExtensionHost {
  std::string_view init;      // a defined symbol with this prefix (or this name, when exact)
  bool exact;
  std::string_view imports;   // an imported symbol with this prefix, when the host has a C API ("" = none needed)
  std::string_view also;      // a second defined symbol both must have ("" = none)
  std::string_view library;   // a DT_NEEDED prefix that stands in for the imports ("" = none)
  std::string_view claim;
};
constexpr ExtensionHost kExtensionHosts[] = {
    // Ruby's encoding tables (enc/gb2312.so) call nothing but need libruby.
    {"Init_", false, "rb_", "", "libruby", "is a Ruby extension: it runs inside the Ruby interpreter (libruby)"},
    {"boot_", false, "Perl_", "", "", "is a Perl XS module: it runs inside the perl interpreter"},
    {"get_module", true, "zend_", "", "", "is a PHP extension: it runs inside the PHP engine (Zend)"},
    {"zend_extension_entry", true, "", "", "", "is a Zend extension (opcache): it runs inside the PHP engine"},
    {"luaopen_", false, "lua", "", "", "is a Lua module: it runs inside a Lua interpreter"},
    {"scm_init_", false, "scm_", "", "", "is a Guile extension: it runs inside Guile"},
    {"_cffi_pypyinit_", false, "", "", "", "is a PyPy cffi extension module: it runs inside PyPy"},
    {"JNI_OnLoad", true, "", "", "", "is a JNI library: native code a Java VM loads for its classes"},
    {"Java_", false, "", "", "", "is a JNI library: native code a Java VM loads for its classes"},
    {"Agent_OnLoad", true, "", "", "", "is a JVM TI agent: native code a Java VM loads to inspect itself"},
    {"Pg_magic_func", true, "", "", "", "is a PostgreSQL extension: it runs inside the database server"},
    {"dl_load", true, "", "plugin_is_GPL_compatible", "", "is a gawk extension: it runs inside gawk"},
    {"emacs_module_init", true, "", "plugin_is_GPL_compatible", "", "is an Emacs module: it runs inside Emacs"},
};

void DetectExtension(const elf::File& f, Analysis* a) {
  const elf::SymbolTable& t = f.dynsym;
  std::string py_init, node_init;
  uint64_t py_imports = 0, napi_imports = 0;
  constexpr size_t kHosts = std::size(kExtensionHosts);
  std::array<std::string, kHosts> init, also;
  std::array<uint64_t, kHosts> imports{};
  for (uint64_t i = 0; i < t.readable && i < kMaxIdentifySymbols; ++i) {
    std::string_view head = t.NameBytes(i, 2);
    if (head.size() < 2) continue;
    const bool py = head == "Py" || head == "_P" || head == "na" || head == "no";
    bool other = false;
    for (const ExtensionHost& h : kExtensionHosts)
      other = other || head == h.init.substr(0, 2) || (!h.imports.empty() && head == h.imports.substr(0, 2)) ||
              (!h.also.empty() && head == h.also.substr(0, 2));
    if (!py && !other) continue;
    const elf::Symbol s = t.At(i);
    if (py && (s.name.starts_with("Py") || s.name.starts_with("_Py") || s.name.starts_with("napi_") ||
               s.name.starts_with("node_register_module_v"))) {
      if (s.defined()) {
        if (py_init.empty() && s.name.starts_with("PyInit_")) py_init = std::string(s.name);
        if (node_init.empty() && (s.name == "napi_register_module_v1" || s.name.starts_with("node_register_module_v")))
          node_init = std::string(s.name);
      } else {
        py_imports += !s.name.starts_with("napi_");
        napi_imports += s.name.starts_with("napi_");
      }
    }
    for (size_t k = 0; k < kHosts; ++k) {
      const ExtensionHost& h = kExtensionHosts[k];
      if (s.defined()) {
        if (init[k].empty() && (h.exact ? s.name == h.init : s.name.starts_with(h.init) && s.name.size() > h.init.size()))
          init[k] = std::string(s.name);
        if (!h.also.empty() && s.name == h.also) also[k] = std::string(s.name);
      } else if (!h.imports.empty() && s.name.starts_with(h.imports)) {
        ++imports[k];
      }
    }
  }
  if (!node_init.empty() || (napi_imports && py_init.empty())) {
    a->kind = "extension-module";
    a->evidence.push_back({"kind.extension", "is a Node addon: it runs inside a host that implements Node-API (node, bun, deno)",
                           true, Strength::kSymbol, ".dynsym",
                           fmt::format("{}{}{}{} napi_* functions imported", node_init.empty() ? "" : "defines ",
                                       node_init, node_init.empty() ? "" : "; ", napi_imports)});
    return;
  }
  if (!py_init.empty()) {
    // CPython's own tag in the file name says which release's API it was built for.
    std::string api = "CPython's C API";
    const std::string_view name = std::string_view(a->path).substr(a->path.rfind('/') + 1);
    if (size_t at = name.find(".cpython-"); at != std::string_view::npos) {
      std::string_view tag = name.substr(at + 9, name.find('-', at + 9) - (at + 9));  // "311"
      if (tag.size() >= 2) api = fmt::format("CPython {}.{}'s C API", tag.substr(0, 1), tag.substr(1));
    } else if (name.find(".abi3.") != std::string_view::npos) {
      api = "CPython's stable ABI (abi3)";
    }
    a->kind = "extension-module";
    a->evidence.push_back({"kind.extension",
                           fmt::format("is a CPython extension module: it runs inside the interpreter, on {}", api),
                           true, Strength::kSymbol, ".dynsym",
                           fmt::format("defines {}; {} Py* functions imported", py_init, py_imports)});
    return;
  }
  for (size_t k = 0; k < kHosts; ++k) {
    const ExtensionHost& h = kExtensionHosts[k];
    std::string_view lib;
    if (!h.library.empty())
      for (std::string_view n : f.needed)
        if (n.starts_with(h.library)) lib = n;
    if (init[k].empty() || (!h.imports.empty() && !imports[k] && lib.empty()) || (!h.also.empty() && also[k].empty()))
      continue;
    a->kind = "extension-module";
    std::string detail = "defines " + init[k];
    if (!h.also.empty()) detail += " and " + also[k];
    if (!h.imports.empty() && imports[k]) detail += fmt::format("; {} {}* functions imported", imports[k], h.imports);
    else if (!lib.empty()) detail += fmt::format("; needs {}", lib);
    a->evidence.push_back({"kind.extension", std::string(h.claim), true, Strength::kSymbol, ".dynsym", detail});
    return;
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
      a.warnings = f.diag.warnings();
      for (const std::string& w : a.core->warnings)
        if (a.warnings.size() < Diagnostics::kMaxWarnings) a.warnings.push_back("core: " + w);
      a.evidence.push_back({"kind.core", "is a core dump of a process", true, Strength::kStructure, "e_type CORE",
                            a.core->program.empty() ? std::string("no NT_PRPSINFO note")
                                                    : fmt::format("NT_PRPSINFO: {} ({})", a.core->program, a.core->args)});
      return a;
    }
    if (a.kind == "kernel-module") {
      // Runs in the kernel: the kernel's facts (.modinfo), not user space's hardening or a verdict.
      a.module = elf::ReadModuleFacts(f);
      a.evidence.push_back({"kind.kernel_module", "is a Linux kernel module", true, Strength::kStructure, ".modinfo",
                            fmt::format("{}{}", a.module->name.empty() ? "" : "name " + a.module->name + ", ",
                                        a.module->vermagic.empty() ? "no vermagic" : "vermagic " + a.module->vermagic)});
      a.warnings = f.diag.warnings();
      return a;
    }
    if (a.kind == "shared-library") DetectExtension(f, &a);
    AnalyzeHardening(f, &a);
    a.warnings = f.diag.warnings();
    if (f.diag.dropped()) a.warnings.push_back(fmt::format("{} more warnings not shown", f.diag.dropped()));
    AnalyzeGo(f, &a);
    if (!a.go) AnalyzeRust(f, &a);
    if (opts.identify) Identify(&a);
    return a;
  }
  // Mach-O load commands point anywhere in the image: a file read on demand
  // is read whole (a mapped one is paged in as touched).
  if (macho::IsMacho(bytes) || macho::IsFat(bytes)) {
    if (opts.source) opts.source->EnsureFew(0, bytes.size());
    auto done = AnalyzeMacho(bytes, opts, &a);
    if (!done) return done.error();
    if (*done) return a;
  }
  // A native PE image; a .NET assembly (a CLI header) is a bytecode file.
  if (pe::IsPe(bytes)) {
    if (opts.source) opts.source->EnsureFew(0, bytes.size());
    if (auto f = pe::Parse(bytes); f && !f->Directory(pe::kDirClr)) {
      AnalyzePe(*f, opts, &a);
      return a;
    }
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
