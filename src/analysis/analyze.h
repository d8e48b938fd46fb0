// One analysis of one file: the model every report is a view of.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/bytecode.h"
#include "analysis/evidence.h"
#include "analysis/identify.h"
#include "formats/elf/core.h"
#include "formats/elf/model.h"
#include "formats/macho/model.h"
#include "formats/pe/model.h"
#include "formats/script/shebang.h"
#include "lang/go/buildinfo.h"
#include "lang/go/codesize.h"
#include "support/byte_view.h"
#include "support/result.h"

namespace exray {

inline constexpr int kSchemaVersion = 1;

struct Hardening {
  std::string relro = "none";  // none, partial, full
  bool nx = false, canary = false, fortify = false, ibt = false, shstk = false;
  bool textrel = false, execstack = false, rpath = false, runpath = false;
  std::vector<std::string> fortify_functions;  // the __*_chk functions used
  std::vector<uint64_t> wx_segments;           // indices of PT_LOAD segments that are W and X
};

/// What the pclntab of a Go binary says, in brief.
struct GoPclntabSummary {
  uint32_t magic = 0;
  std::string layout;  // "1.20": the first release of the layout
  uint64_t vaddr = 0, functions = 0, files = 0;
  std::string found_by;
};

/// A Go binary: build info when it carries some, its pclntab, and the runtime
/// it carries, each with where it was found (evidence holds the chain).
struct GoFacts {
  std::string version;       // "go1.19.8"; empty when nothing records it
  std::string version_from;  // "build info", or how the runtime's version string was found
  std::string version_range;  // what the pclntab and moduledata layouts allow: "Go 1.20+"; empty when unread
  std::string compiler = "gc";
  std::optional<go::BuildInfo> build_info;
  std::optional<GoPclntabSummary> pclntab;
  std::string moduledata_layout;  // "1.26" etc.; empty when not read
  // The type tables moduledata points at (lang/go/types.h), counted without
  // reading the descriptors: `exray go --types` lists them.
  struct TypeTables {
    std::optional<uint64_t> typelinks;  // before Go 1.27
    uint64_t itabs = 0;
    std::optional<uint64_t> region_bytes;  // [types, etypes): descriptors and their names (none before Go 1.7)
  };
  std::optional<TypeTables> type_tables;
  bool cgo = false;               // runtime/cgo is linked in
  std::optional<go::CodeSizes> code;
};

/// A crate a Rust binary was built from.
struct RustCrate {
  std::string name, version;
  std::string source;  // dep-v0: "crates.io", "git", "local", "registry", ...; paths: also "debian-vendored"
  std::string kind;    // dep-v0: "build" or "runtime"; empty from paths
  std::string from;    // "dep-v0" or "path"
};

/// What cargo-auditable's .dep-v0 section held, or why it could not be read.
struct RustDepV0 {
  uint64_t bytes = 0;                // compressed, as in the file
  std::optional<uint64_t> packages;  // null when it could not be read
  uint32_t format = 0;
  std::string error;                 // empty when read
  std::string where;
};

/// A Rust binary: the rustc release and the crates it was built from (docs/rust.md).
struct RustFacts {
  std::string version;       // "1.63.0"; empty when unknown
  std::string version_from;  // "comment", "rustc commit", "debian rustc path"; empty when unknown
  std::string commit;        // rustc commit: 40 hex from paths, or 9 from .comment; empty when unseen
  std::vector<RustCrate> crates;  // sorted by name, version, source
  bool crates_capped = false;     // the paths named more crates than the cap
  bool paths_scanned = false;     // read-only data was searched for paths (exray rust; not the report)
  std::optional<RustDepV0> dep_v0;
};

/// What the report adds for a Mach-O image (one thin file, or one slice of a
/// universal file): the parsed image and the facts read from it.
struct MachoFacts {
  macho::File file;     // views into the file's bytes
  uint64_t offset = 0;  // where the image starts in the file (a slice's offset; 0 when thin)
  std::string platform;  // "macos", "ios", ...; empty when no build or minimum version command says
  std::string min_os, sdk;  // "11.0"; empty when not recorded
  std::optional<uint64_t> entry;  // LC_MAIN's entry as an address, or LC_UNIXTHREAD's pc
  uint64_t symbols = 0, imports = 0;  // symbol table entries; undefined external ones
  bool objc = false;  // uses the Objective-C runtime (libobjc or __objc_* sections)
  // STABS entries: where dsymutil finds the object files' DWARF (the DWARF
  // itself is not in the image; debug_info says when a __DWARF segment is).
  bool debug_map = false;
  bool hardening_read = false;  // programs, dylibs and bundles: not object files
  struct Hardening {
    bool pie = false, nx_heap = false, stack_exec = false, wx = false;
    bool canary = false, arc = false, restrict_segment = false, encrypted = false;
    std::string signature = "none";  // none, ad-hoc, linker-signed, signed (a CMS signature slot)
    std::optional<bool> hardened_runtime;  // CS_RUNTIME in the CodeDirectory; null without one
    std::string fixups = "none";           // chained, dyld-info, classic, none
  } hardening;
};

/// What the report adds for a native PE image (an EXE, DLL, driver or EFI
/// application): the parsed image and its hardening flags.
struct PeFacts {
  pe::File file;  // views into the file's bytes
  uint64_t import_functions = 0;
  struct Hardening {
    bool aslr = false, high_entropy_va = false, nx = false, cfg = false, gs = false, cet = false;
    std::optional<bool> safeseh;  // PE32 (x86) only; null elsewhere
    bool force_integrity = false;
    std::string signature = "none";  // none, authenticode (PKCS #7 in the certificate table), other
  } hardening;
};

/// A universal ("fat") Mach-O file: its slices, and which one the report is of.
struct UniversalFacts {
  bool is64 = false;  // fat_arch_64 records
  uint32_t nfat_arch = 0;
  std::vector<macho::FatArch> archs;
  uint64_t selected = 0;  // index into archs of the slice the report is of
};

/// How a program is linked: by the kernel alone (static, static-pie) or
/// through a loader (dynamic); none for files that are not programs.
struct LinkingKinds {
  static constexpr std::string_view kNames[] = {"none", "static", "static-pie", "dynamic"};
};
using Linking = ClosedName<LinkingKinds>;

struct Analysis {
  std::string path;
  uint64_t size = 0;
  std::optional<std::string> sha256;
  std::string format = "unknown";  // elf, macho, script, pe, java-class, jar, zip, pyc, wasm, lua-bytecode, beam, empty, unknown
  std::string arch;                // empty when not known
  // ELF only: executable, shared-library, relocatable, kernel-module, core,
  // other; empty for other formats. A core or a relocatable object gets no
  // hardening block and no verdict: neither is a program to run.
  std::string kind;
  std::optional<elf::CoreFacts> core;  // kind core: the process it came from
  std::optional<elf::ModuleFacts> module;  // kind kernel-module: its .modinfo
  std::optional<elf::File> elf;
  std::optional<MachoFacts> macho;
  std::optional<PeFacts> pe;  // a native PE image (a .NET assembly is a bytecode file)
  std::optional<UniversalFacts> universal;  // a universal file: the report is of archs[selected]
  std::vector<Analysis> slices;  // a universal file: the reports of its other slices, in file order
  std::optional<script::Shebang> script;
  std::optional<BytecodeFacts> bytecode;  // bytecode and archive files (analysis/bytecode.h)

  Linking linking = "none";
  bool pie = false, stripped = false, debug_info = false;
  std::optional<std::string> glibc_min;
  Hardening hardening;
  std::optional<GoFacts> go;  // for Go binaries
  std::optional<RustFacts> rust;  // for Rust binaries
  std::optional<Toolchain> toolchain;  // set by Identify (ELF, scripts) or IdentifyBytecode
  std::optional<Execution> execution;
  std::vector<Evidence> evidence;
  std::vector<std::string> warnings;
};

struct AnalyzeOptions {
  bool hash = false;
  bool symbol_list = false;  // decode every symbol for listing (--symbols)
  bool identify = true;      // the toolchain and execution verdicts (off only to measure their cost)
  const ByteSource* source = nullptr;  // reads ranges of the file on demand, if set
  std::string arch;  // a universal Mach-O file: the slice to report first ("arm64"); empty: the first
};

/// Analyses the bytes of one file. Fails only when nothing at all could be
/// read (an ELF file whose header is unreadable); unknown formats succeed with
/// format "unknown". Never executes the file.
Result<Analysis> Analyze(std::string path, ByteView bytes, const AnalyzeOptions& opts);

/// The lowercase hex SHA-256 of the bytes.
std::string Sha256Hex(ByteView bytes);

/// Compares two GLIBC version names ("GLIBC_2.34"): negative, zero or positive.
int CompareGlibcVersions(std::string_view a, std::string_view b);

}  // namespace exray
