// Bytecode and archive files that are not native code: Java class files and
// jars, Python .pyc, WebAssembly, Lua/LuaJIT chunks, Erlang BEAM and .NET
// (CLI) assemblies. Each parser reads headers and structure only, through
// ByteView, and returns nullopt when the bytes are not its format; damage
// past the magic gives a partial model with warnings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/byte_source.h"
#include "support/byte_view.h"
#include "support/limits.h"

namespace exray::bytecode {

/// Asks the source (if any) for [off, off+len) before it is read.
inline void Need(const ByteSource* src, uint64_t off, uint64_t len) {
  if (src) src->Ensure(off, len);
}

// ---- Java ---------------------------------------------------------------

/// JVMS §4.1: u4 magic 0xCAFEBABE, u2 minor_version, u2 major_version.
struct JavaClass {
  uint16_t minor = 0, major = 0;
  /// "1.4", "8", "17"; empty when the major is beyond the table.
  std::string Release() const;
};

/// A class file's header, or nullopt (also for a Mach-O universal binary,
/// which shares the magic; see IsFatMachO).
std::optional<JavaClass> ParseJavaClass(ByteView b);

/// Whether the bytes are a Mach-O universal ("fat") binary: magic 0xCAFEBABE
/// followed by a small big-endian architecture count.
bool IsFatMachO(ByteView b);

/// A zip archive's central directory, in brief; a jar when it carries a
/// manifest or class files.
struct ZipArchive {
  uint64_t declared_entries = 0;  // EOCD total entries
  uint64_t entries = 0;           // central directory entries walked
  uint64_t classes = 0;           // entries named *.class
  bool manifest = false;          // META-INF/MANIFEST.MF
  bool kotlin = false;            // META-INF/*.kotlin_module: the Kotlin compiler's module map
  std::string main_class, created_by, build_jdk;  // MANIFEST.MF main attributes, when read
  std::optional<JavaClass> first_class;           // the header of the first *.class entry, when read
  std::string first_class_name;
  std::vector<std::string> warnings;
  bool IsJar() const { return manifest || classes > 0; }
};

/// nullopt unless the bytes start with a local file header "PK\3\4".
std::optional<ZipArchive> ParseZip(ByteView b, const ByteSource* src = nullptr);

// ---- Python -------------------------------------------------------------

/// PEP 3147/552 .pyc: u16 little-endian magic, "\r\n", u32 flags, ...
struct Pyc {
  uint16_t magic = 0;
  std::string version;  // "3.11"; empty when the magic is not in the table
  bool release = false; // the magic is the final one of that version (not a pre-release's)
  uint32_t flags = 0;   // PEP 552: bit 0 hash-based, bit 1 check_source (3.7+)
};

std::optional<Pyc> ParsePyc(ByteView b);

// ---- Lua ----------------------------------------------------------------

struct LuaChunk {
  bool luajit = false;
  uint8_t version = 0;  // Lua: 0x51..0x54; LuaJIT: 1 or 2
  std::string Release() const;  // Lua "5.4"; LuaJIT "2" (its dump format's version)
};

/// "\x1bLua" + version byte, or LuaJIT's "\x1bLJ" + version byte.
std::optional<LuaChunk> ParseLuaChunk(ByteView b);

// ---- Erlang BEAM ---------------------------------------------------------

struct Beam {
  uint32_t form_size = 0;
  std::vector<std::string> chunks;  // chunk ids in file order: AtU8, Code, ...
  std::string module;               // the first atom, when an atom chunk was read
  std::vector<std::string> warnings;
};

/// "FOR1" <u32 BE size> "BEAM", then IFF chunks.
std::optional<Beam> ParseBeam(ByteView b, const ByteSource* src = nullptr);

// ---- WebAssembly ----------------------------------------------------------

struct WasmProducer {
  std::string field, name, version;  // "language", "Rust", "" ...
};

struct WasmModule {
  uint32_t version = 0;
  uint64_t sections = 0;
  std::optional<uint64_t> imports, exports, functions;  // vector counts of sections 2, 7, 3
  std::vector<std::string> custom_sections;             // names, in order, capped
  std::vector<WasmProducer> producers;
  std::string go_buildid;  // the "go:buildid" custom section (Go's cmd/link)
  std::vector<std::string> warnings;
};

/// "\0asm" + u32 LE version; sections walked with bounded LEB128s.
std::optional<WasmModule> ParseWasm(ByteView b, const ByteSource* src = nullptr);

// ---- .NET / CLI (ECMA-335 §II.25) -------------------------------------------

struct CliHeader {
  uint32_t cb = 0;
  uint16_t runtime_major = 0, runtime_minor = 0;
  uint32_t metadata_rva = 0, metadata_size = 0, flags = 0;
  std::string metadata_version;  // "v4.0.30319", from the "BSJB" metadata root
  static constexpr uint32_t kIlOnly = 0x1, k32BitRequired = 0x2, kStrongNameSigned = 0x8, k32BitPreferred = 0x20000;
};

struct PeFile {
  uint16_t machine = 0;
  bool pe32plus = false;
  uint16_t sections = 0;
  std::optional<CliHeader> cli;  // set when data directory 14 (COM descriptor) is non-zero and readable
  bool cli_directory = false;    // data directory 14 is non-zero (even if unreadable)
  std::vector<std::string> warnings;
};

/// "MZ", e_lfanew, "PE\0\0", COFF and optional headers; nullopt when not a PE.
std::optional<PeFile> ParsePe(ByteView b, const ByteSource* src = nullptr);

}  // namespace exray::bytecode
