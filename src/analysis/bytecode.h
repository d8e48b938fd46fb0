// Bytecode and archive files (Java, Python, WebAssembly, Lua, BEAM, .NET):
// the format, the language and what runs it, from headers and structure.
#pragma once

#include <optional>
#include <string>

#include "formats/bytecode/model.h"
#include "support/byte_source.h"
#include "support/byte_view.h"

namespace exray {

struct Analysis;

/// What a bytecode or archive file is, as the JSON `bytecode` object shows it:
/// `kind` names the family, `version` its format's version when known, and the
/// parsed model of that family is set.
struct BytecodeFacts {
  std::string kind;     // java-class, jar, zip, pyc, wasm, lua, luajit, beam, cli
  std::string version;  // "17" (Java release), "3.11", "1", "5.4", "v4.0.30319"; empty when unknown
  std::optional<bytecode::JavaClass> java_class;
  std::optional<bytecode::ZipArchive> zip;
  std::optional<bytecode::Pyc> pyc;
  std::optional<bytecode::WasmModule> wasm;
  std::optional<bytecode::LuaChunk> lua;
  std::optional<bytecode::Beam> beam;
  std::optional<bytecode::PeFile> pe;
};

/// Recognises the bytecode and archive formats by their headers. When one
/// matches, sets a->format ("java-class", "jar", "zip", "pyc", "wasm",
/// "lua-bytecode", "beam", or "pe" for any PE file) and a->bytecode, and, with
/// identify, a->toolchain, a->execution and evidence (a plain zip and a PE
/// without a CLI header get no verdict). False, and nothing changed, when the
/// bytes are none of these. Reads only what src is asked for; runs nothing.
bool IdentifyBytecode(ByteView bytes, const ByteSource* src, bool identify, Analysis* a);

}  // namespace exray
