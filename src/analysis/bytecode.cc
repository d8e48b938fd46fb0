#include "analysis/bytecode.h"

#include <fmt/format.h>


#include "analysis/analyze.h"

namespace exray {

namespace {

using bytecode::WasmProducer;

/// The engine that runs a format, or none for formats several engines run
/// (a JVM, a wasm runtime, Mono or CoreCLR: JIT unknown).
constexpr std::string_view kAnyEngine;

void Verdict(Analysis* a, std::string language, std::string compiler, std::string version, std::string_view engine) {
  Toolchain t;
  t.language = std::move(language), t.compiler = std::move(compiler), t.version = std::move(version);
  a->toolchain = t;
  Execution x;
  x.model = "bytecode", x.engine = std::string(engine), x.jit = EngineJitByDefault(engine);
  a->execution = x;
}

void Add(Analysis* a, EvidenceId id, std::string claim, Strength s, std::string where, std::string detail) {
  a->evidence.push_back({id, std::move(claim), true, s, std::move(where), std::move(detail)});
}

void AddWarnings(Analysis* a, const std::vector<std::string>& ws) {
  for (const std::string& w : ws) a->warnings.push_back(w);
}

/// The producers section's language name as exray's language id (tool-conventions
/// ProducersSection.md lists "wat", "C", "C++", "Rust", "JavaScript"; Go writes "Go");
/// other names give "unknown", the evidence keeps the name.
std::string WasmLanguage(std::string_view name) {
  if (name == "Rust") return "rust";
  if (name == "Go") return "go";
  if (name == "C" || name == "C89" || name == "C99" || name == "C11" || name == "C17" || name == "C23") return "c";
  if (name.starts_with("C++") || name.starts_with("C_plus_plus")) return "c++";
  if (name == "JavaScript") return "javascript";
  if (name == "Zig") return "zig";
  return "unknown";
}

void IdentifyWasm(const bytecode::WasmModule& m, Analysis* a) {
  Add(a, "format.magic", "is a WebAssembly module", Strength::kStructure, "offset 0",
      fmt::format("\\0asm version {}, {} sections", m.version, m.sections));
  std::string language = "unknown", compiler, version;
  const WasmProducer *lang = nullptr, *tool = nullptr;
  for (const WasmProducer& p : m.producers) {
    if (p.field == "language" && !lang) lang = &p;
    if (p.field == "processed-by" && !tool) tool = &p;
  }
  if (lang) {
    language = WasmLanguage(lang->name);
    Add(a, "toolchain.language", "written in " + lang->name, Strength::kManifest, "custom section \"producers\"",
        fmt::format("language {}{}", lang->name, lang->version.empty() ? "" : " " + lang->version));
  } else if (!m.go_buildid.empty()) {
    language = "go";
    Add(a, "toolchain.language", "written in Go", Strength::kStructure, "custom section \"go:buildid\"", m.go_buildid);
  }
  if (tool) {
    // The first processor is the compiler; later ones (wasm-bindgen, wasm-opt) rewrote the module.
    // Go's cmd/compile is gc; vendors prefix clang's name ("Debian clang", "Apple clang").
    compiler = tool->name == "Go cmd/compile" ? "gc" : tool->name.ends_with("clang") ? "clang" : tool->name;
    version = tool->version.substr(0, tool->version.find(' '));
    Add(a, "toolchain.compiler", "compiled by " + compiler, Strength::kManifest, "custom section \"producers\"",
        fmt::format("processed-by {} {}", tool->name, tool->version));
  }
  Verdict(a, language, compiler, version, kAnyEngine);
  Add(a, "execution.bytecode", "is WebAssembly: any wasm runtime runs it, with or without a JIT", Strength::kStructure,
      "offset 0", "\\0asm");
}

void IdentifyZip(const bytecode::ZipArchive& z, Analysis* a) {
  Add(a, "format.magic", z.IsJar() ? "is a jar (a zip archive of class files)" : "is a zip archive", Strength::kStructure,
      "local header at offset 0, central directory",
      fmt::format("{} entries, {} .class, {}", z.entries, z.classes, z.manifest ? "META-INF/MANIFEST.MF" : "no manifest"));
  if (!z.IsJar()) return;  // a plain zip: no verdict
  std::string language = z.kotlin ? "kotlin" : "java";
  std::string version = z.first_class ? z.first_class->Release() : "";
  Add(a, "toolchain.language", z.kotlin ? "written in Kotlin" : "written in Java (or another JVM language)",
      z.kotlin ? Strength::kManifest : Strength::kStructure, z.kotlin ? "META-INF/*.kotlin_module" : "central directory",
      z.classes ? fmt::format("{} .class entries", z.classes) : "META-INF/MANIFEST.MF");
  if (z.first_class)
    Add(a, "toolchain.version", "targets Java " + version, Strength::kStructure, z.first_class_name,
        fmt::format("class file major {} minor {}", z.first_class->major, z.first_class->minor));
  if (!z.created_by.empty() || !z.build_jdk.empty())
    Add(a, "toolchain.build", "built with a JDK", Strength::kManifest, "META-INF/MANIFEST.MF",
        fmt::format("{}{}{}", z.created_by.empty() ? "" : "Created-By: " + z.created_by,
                    !z.created_by.empty() && !z.build_jdk.empty() ? ", " : "",
                    z.build_jdk.empty() ? "" : "Build-Jdk: " + z.build_jdk));
  Verdict(a, language, "", version, kAnyEngine);
  Add(a, "execution.bytecode", "is JVM bytecode: any JVM runs it (HotSpot JITs by default)", Strength::kStructure,
      "central directory", z.main_class.empty() ? "no Main-Class" : "Main-Class: " + z.main_class);
}

void IdentifyCli(const bytecode::PeFile& pe, Analysis* a) {
  const bytecode::CliHeader& h = *pe.cli;
  const bool il_only = h.flags & bytecode::CliHeader::kIlOnly;
  Add(a, "format.magic", "is a PE file with a CLI header (.NET assembly)", Strength::kStructure,
      "data directory 14 (COM descriptor)",
      fmt::format("{}, CLI runtime {}.{}, metadata {}", pe.pe32plus ? "PE32+" : "PE32", h.runtime_major, h.runtime_minor,
                  h.metadata_version.empty() ? "unread" : h.metadata_version));
  // IL comes from C#, F# or VB.NET alike; nothing in the headers tells them
  // apart, and C# is by far the usual source. Without ILONLY the assembly
  // also holds native code (C++/CLI mixed mode).
  Add(a, "toolchain.language", "CLI IL assembly: written in a .NET language (C# is the usual one)", Strength::kStructure,
      "CLI header", fmt::format("flags {:#x}{}", h.flags, il_only ? " (ILONLY)" : " (not ILONLY: mixed-mode, native code too)"));
  Verdict(a, "csharp", "", "", kAnyEngine);
  Add(a, "execution.bytecode", "is CLI IL bytecode: Mono or CoreCLR runs it", Strength::kStructure, "CLI header",
      h.metadata_version.empty() ? "" : "metadata version " + h.metadata_version);
}

std::string PeArch(uint16_t machine) {
  switch (machine) {  // PE/COFF IMAGE_FILE_MACHINE_*
    case 0x14c: return "i386";
    case 0x8664: return "x86_64";
    case 0xaa64: return "aarch64";
    case 0x1c0: case 0x1c4: return "arm";
    default: return "";
  }
}

}  // namespace

bool IdentifyBytecode(ByteView bytes, const ByteSource* src, bool identify, Analysis* a) {
  BytecodeFacts f;
  if (auto c = bytecode::ParseJavaClass(bytes)) {
    a->format = "java-class";
    f.kind = "java-class";
    f.version = c->Release();
    f.java_class = c;
    if (identify) {
      Add(a, "format.magic", "is a Java class file", Strength::kStructure, "offset 0",
          fmt::format("0xCAFEBABE, major {} minor {}", c->major, c->minor));
      Add(a, "toolchain.language", "written in Java (or another JVM language)", Strength::kStructure, "class header", "");
      if (!f.version.empty())
        Add(a, "toolchain.version", "targets Java " + f.version, Strength::kStructure, "class header, offset 6",
            fmt::format("major {}", c->major));
      Verdict(a, "java", "", f.version, kAnyEngine);
      Add(a, "execution.bytecode", "is JVM bytecode: any JVM runs it (HotSpot JITs by default)", Strength::kStructure,
          "offset 0", "0xCAFEBABE");
    }
  } else if (auto z = bytecode::ParseZip(bytes, src)) {
    a->format = z->IsJar() ? "jar" : "zip";
    f.kind = a->format;
    if (z->first_class) f.version = z->first_class->Release();
    AddWarnings(a, z->warnings);
    if (identify) IdentifyZip(*z, a);
    f.zip = std::move(z);
  } else if (auto p = bytecode::ParsePyc(bytes)) {
    a->format = "pyc";
    f.kind = "pyc";
    f.version = p->version;
    if (identify) {
      // The magic table is CPython's; a magic outside it is only a weak sign (see ParsePyc).
      Add(a, "format.magic", "is a Python bytecode (.pyc) file", p->version.empty() ? Strength::kPattern : Strength::kStructure,
          "offset 0", fmt::format("magic {} + \\r\\n{}", p->magic, p->version.empty() ? " (not a known release's)" : ""));
      Add(a, "toolchain.language", "written in Python", p->version.empty() ? Strength::kPattern : Strength::kStructure,
          "offset 0", p->version.empty() ? "unknown magic" : "CPython " + p->version + (p->release ? "" : " (pre-release)"));
      Verdict(a, "python", "cpython", p->version, "cpython");
      Add(a, "execution.bytecode", "is CPython bytecode: CPython of the same minor version runs it", Strength::kStructure,
          "offset 0", fmt::format("magic {}", p->magic));
    }
    f.pyc = p;
  } else if (auto w = bytecode::ParseWasm(bytes, src)) {
    a->format = "wasm";
    f.kind = "wasm";
    f.version = fmt::format("{}", w->version);
    AddWarnings(a, w->warnings);
    if (identify) IdentifyWasm(*w, a);
    f.wasm = std::move(w);
  } else if (auto l = bytecode::ParseLuaChunk(bytes)) {
    a->format = "lua-bytecode";
    f.kind = l->luajit ? "luajit" : "lua";
    f.version = l->Release();
    if (identify) {
      Add(a, "format.magic", l->luajit ? "is a LuaJIT bytecode dump" : "is a precompiled Lua chunk", Strength::kStructure,
          "offset 0", fmt::format("{} version byte {:#x}", l->luajit ? "\\x1bLJ" : "\\x1bLua", l->version));
      Add(a, "toolchain.language", "written in Lua", Strength::kStructure, "offset 0", f.version);
      Verdict(a, "lua", l->luajit ? "luajit" : "luac", l->luajit ? "" : f.version, l->luajit ? "luajit" : "lua");
      Add(a, "execution.bytecode", l->luajit ? "is LuaJIT bytecode: only LuaJIT runs it (JIT by default)"
                                             : "is Lua bytecode: only the Lua release that wrote it runs it (no JIT)",
          Strength::kStructure, "offset 0", f.version);
    }
    f.lua = l;
  } else if (auto b = bytecode::ParseBeam(bytes, src)) {
    a->format = "beam";
    f.kind = "beam";
    AddWarnings(a, b->warnings);
    if (identify) {
      std::string chunks;
      for (const std::string& c : b->chunks) chunks += (chunks.empty() ? "" : ", ") + c;
      Add(a, "format.magic", "is an Erlang BEAM file", Strength::kStructure, "offset 0",
          fmt::format("FOR1 ... BEAM, chunks {}", chunks));
      // Elixir compiles to the same format; its modules are atoms named "Elixir.*".
      const bool elixir = b->module.starts_with("Elixir.");
      Add(a, "toolchain.language", elixir ? "written in Elixir" : "written in Erlang (or another BEAM language)",
          Strength::kStructure, "first atom of the atom chunk", b->module.empty() ? "unread" : "module " + b->module);
      Verdict(a, elixir ? "elixir" : "erlang", "", "", "beam");
      Add(a, "execution.bytecode", "is BEAM bytecode: the BEAM runs it (BeamAsm JIT on x86-64 and arm64 since OTP 24)",
          Strength::kStructure, "offset 0", "");
    }
    f.beam = std::move(b);
  } else if (auto pe = bytecode::ParsePe(bytes, src)) {
    a->format = "pe";
    AddWarnings(a, pe->warnings);
    if (!pe->cli) {
      // A native PE: exray does not analyse it yet; only its machine is named.
      a->arch = PeArch(pe->machine);
      return true;
    }
    f.kind = "cli";
    f.version = pe->cli->metadata_version;
    if (identify) IdentifyCli(*pe, a);
    f.pe = std::move(pe);
  } else {
    return false;
  }
  a->bytecode = std::move(f);
  return true;
}

}  // namespace exray
