// Bytecode and archive files: each format built in memory, then damaged.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "analysis/analyze.h"
#include "formats/bytecode/model.h"
#include "report/report.h"
#include "support/mapped_file.h"

namespace exray {
namespace {

using namespace exray::bytecode;
using Bytes = std::string;

ByteView V(const Bytes& b) { return ByteView(reinterpret_cast<const uint8_t*>(b.data()), b.size()); }

void Le16(Bytes* b, uint16_t v) { b->push_back(char(v)), b->push_back(char(v >> 8)); }
void Le32(Bytes* b, uint32_t v) { Le16(b, uint16_t(v)), Le16(b, uint16_t(v >> 16)); }
void Be16(Bytes* b, uint16_t v) { b->push_back(char(v >> 8)), b->push_back(char(v)); }
void Be32(Bytes* b, uint32_t v) { Be16(b, uint16_t(v >> 16)), Be16(b, uint16_t(v)); }
void PutLe32(Bytes* b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[off + i] = char(v >> (8 * i));
}
void Leb(Bytes* b, uint64_t v) {
  do {
    uint8_t x = v & 0x7f;
    v >>= 7;
    b->push_back(char(v ? x | 0x80 : x));
  } while (v);
}
void WasmName(Bytes* b, const std::string& s) { Leb(b, s.size()), *b += s; }

Analysis AnalyzeBytes(const Bytes& b) {
  auto a = Analyze("t", V(b), {});
  EXPECT_TRUE(a.ok());
  return a.ok() ? std::move(*a) : Analysis{};
}

Bytes ClassFile(uint16_t major, uint16_t minor = 0) {
  Bytes b;
  Be32(&b, 0xCAFEBABE);
  Be16(&b, minor);
  Be16(&b, major);
  b += std::string(24, '\0');  // a constant pool count and more; not read
  return b;
}

Bytes Deflate(const Bytes& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = in.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

struct ZipEntry {
  std::string name, data;
  bool deflate = false;
};

/// A zip archive (APPNOTE 4.3): local headers, central directory, EOCD.
Bytes Zip(const std::vector<ZipEntry>& entries, const Bytes& prefix = "") {
  Bytes b = prefix, cd;
  for (const ZipEntry& e : entries) {
    Bytes data = e.deflate ? Deflate(e.data) : e.data;
    uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), e.data.size());
    uint32_t local = b.size() - prefix.size();
    Le32(&b, 0x04034b50), Le16(&b, 20), Le16(&b, 0), Le16(&b, e.deflate ? 8 : 0), Le32(&b, 0), Le32(&b, crc);
    Le32(&b, data.size()), Le32(&b, e.data.size()), Le16(&b, e.name.size()), Le16(&b, 0);
    b += e.name + data;
    Le32(&cd, 0x02014b50), Le16(&cd, 20), Le16(&cd, 20), Le16(&cd, 0), Le16(&cd, e.deflate ? 8 : 0), Le32(&cd, 0);
    Le32(&cd, crc), Le32(&cd, data.size()), Le32(&cd, e.data.size()), Le16(&cd, e.name.size()), Le16(&cd, 0);
    Le16(&cd, 0), Le16(&cd, 0), Le16(&cd, 0), Le32(&cd, 0), Le32(&cd, local);
    cd += e.name;
  }
  uint32_t cd_off = b.size() - prefix.size();
  b += cd;
  Le32(&b, 0x06054b50), Le16(&b, 0), Le16(&b, 0), Le16(&b, entries.size()), Le16(&b, entries.size());
  Le32(&b, cd.size()), Le32(&b, cd_off), Le16(&b, 0);
  return b;
}

Bytes Jar() {
  return Zip({{"META-INF/MANIFEST.MF",
               "Manifest-Version: 1.0\r\nCreated-By: 17.0.9 (Debian)\r\nMain-Class: org.example.Ma\r\n in\r\n\r\n"
               "Name: x\r\nMain-Class: not.This\r\n",
               true},
              {"org/example/Main.class", ClassFile(61), true},
              {"org/example/Other.class", ClassFile(52), false}});
}

Bytes Pyc(uint16_t magic) {
  Bytes b;
  Le16(&b, magic);
  b += "\r\n";
  b += std::string(12, '\0');
  b += "\xe3";  // a marshalled code object follows; not read
  return b;
}

Bytes Wasm(const std::vector<std::pair<std::string, std::string>>& producers) {
  Bytes b("\0asm\1\0\0\0", 8);
  // type section: one func type () -> ()
  b += '\x01', Leb(&b, 4), b += std::string("\x01\x60\x00\x00", 4);
  Bytes body;
  WasmName(&body, "producers");
  Leb(&body, producers.size());
  for (const auto& [field, name] : producers) {
    WasmName(&body, field);
    Leb(&body, 1);
    WasmName(&body, name);
    WasmName(&body, "1.0");
  }
  b += '\0', Leb(&b, body.size()), b += body;
  return b;
}

Bytes BeamChunk(const std::string& id, const Bytes& data) {
  Bytes b = id;
  Be32(&b, data.size());
  b += data;
  while (b.size() % 4) b += '\0';
  return b;
}

Bytes Beam() {
  Bytes atoms;
  Be32(&atoms, 2);
  atoms += "\x05lists\x03map";
  Bytes body = "BEAM" + BeamChunk("AtU8", atoms) + BeamChunk("Code", Bytes(20, '\x01'));
  Bytes b = "FOR1";
  Be32(&b, body.size());
  return b + body;
}

/// A PE32 file with one section (.text at RVA 0x2000, file 0x200) holding a
/// CLI header at cli_rva and a "BSJB" metadata root after it.
Bytes Pe(uint32_t cli_rva, uint32_t cli_flags = 1) {
  Bytes b(0x400, '\0');
  b[0] = 'M', b[1] = 'Z';
  PutLe32(&b, 0x3c, 0x40);
  Bytes h("PE\0\0", 4);
  Le16(&h, 0x14c), Le16(&h, 1), Le32(&h, 0), Le32(&h, 0), Le32(&h, 0), Le16(&h, 0xe0), Le16(&h, 0x102);
  Bytes opt(0xe0, '\0');
  opt[0] = 0x0b, opt[1] = 0x01;
  PutLe32(&opt, 92, 16);                // NumberOfRvaAndSizes
  PutLe32(&opt, 96 + 14 * 8, cli_rva);  // COM descriptor
  PutLe32(&opt, 96 + 14 * 8 + 4, cli_rva ? 72 : 0);
  Bytes sec(".text\0\0\0", 8);
  Le32(&sec, 0x1000), Le32(&sec, 0x2000), Le32(&sec, 0x200), Le32(&sec, 0x200), sec += Bytes(16, '\0');
  Bytes all = h + opt + sec;
  b.replace(0x40, all.size(), all);
  Bytes cli;
  Le32(&cli, 72), Le16(&cli, 2), Le16(&cli, 5), Le32(&cli, 0x2050), Le32(&cli, 0x100), Le32(&cli, cli_flags);
  b.replace(0x208, cli.size(), cli);
  Bytes md;
  Le32(&md, 0x424A5342), Le16(&md, 1), Le16(&md, 1), Le32(&md, 0), Le32(&md, 12);
  md += Bytes("v4.0.30319\0\0", 12);
  b.replace(0x250, md.size(), md);
  return b;
}

const Evidence* Find(const Analysis& a, const std::string& id) {
  for (const Evidence& e : a.evidence)
    if (e.id.str() == id) return &e;
  return nullptr;
}

TEST(Bytecode, JavaClassReleases) {
  EXPECT_EQ(ParseJavaClass(V(ClassFile(61)))->Release(), "17");
  EXPECT_EQ(ParseJavaClass(V(ClassFile(52)))->Release(), "8");
  EXPECT_EQ(ParseJavaClass(V(ClassFile(48)))->Release(), "1.4");
  EXPECT_EQ(ParseJavaClass(V(ClassFile(45, 3)))->Release(), "1.1");
  Analysis a = AnalyzeBytes(ClassFile(65, 0xffff));
  EXPECT_EQ(a.format, "java-class");
  ASSERT_TRUE(a.toolchain && a.execution);
  EXPECT_EQ(a.toolchain->language, "java");
  EXPECT_EQ(a.toolchain->version, "21");
  EXPECT_EQ(a.execution->model.str(), "bytecode");
  EXPECT_EQ(a.execution->engine, "");
  EXPECT_EQ(a.execution->jit.str(), "unknown");
}

TEST(Bytecode, FatMachOIsNotAClassFile) {
  Bytes fat;
  Be32(&fat, 0xCAFEBABE);
  Be32(&fat, 2);  // nfat_arch
  Be32(&fat, 0x01000007), Be32(&fat, 3), Be32(&fat, 0x1000), Be32(&fat, 0x1000), Be32(&fat, 12);
  EXPECT_TRUE(IsFatMachO(V(fat)));
  EXPECT_FALSE(ParseJavaClass(V(fat)));
  EXPECT_FALSE(IsFatMachO(V(ClassFile(61))));
  // A universal file whose slices lie outside it: a Mach-O file with a
  // warning per slice, and nothing to judge.
  Analysis a = AnalyzeBytes(fat);
  EXPECT_EQ(a.format, "macho");
  EXPECT_FALSE(a.execution);
  EXPECT_FALSE(a.warnings.empty());
}

TEST(Bytecode, JarWithManifestAndClasses) {
  auto z = ParseZip(V(Jar()));
  ASSERT_TRUE(z);
  EXPECT_TRUE(z->warnings.empty()) << z->warnings[0];
  EXPECT_EQ(z->entries, 3u);
  EXPECT_EQ(z->classes, 2u);
  EXPECT_TRUE(z->manifest);
  EXPECT_EQ(z->main_class, "org.example.Main");  // continuation line joined; later sections ignored
  EXPECT_EQ(z->created_by, "17.0.9 (Debian)");
  ASSERT_TRUE(z->first_class);
  EXPECT_EQ(z->first_class->major, 61);  // deflated entry inflated
  Analysis a = AnalyzeBytes(Jar());
  EXPECT_EQ(a.format, "jar");
  ASSERT_TRUE(a.toolchain && a.bytecode);
  EXPECT_EQ(a.toolchain->language, "java");
  EXPECT_EQ(a.toolchain->version, "17");
  EXPECT_EQ(a.bytecode->kind, "jar");
  EXPECT_TRUE(Find(a, "toolchain.build"));
}

TEST(Bytecode, ZipOffsetsShiftedByPrependedData) {
  // Offsets in the directory count from the archive's start, not the file's
  // (zip -A, self-extractors): the directory's end at the EOCD gives the shift.
  Bytes b = Zip({{"a/B.class", ClassFile(55)}}, Bytes("PK\3\4", 4) + Bytes(60, '\0'));
  auto z = ParseZip(V(b));
  ASSERT_TRUE(z);
  ASSERT_TRUE(z->first_class) << (z->warnings.empty() ? "" : z->warnings[0]);
  EXPECT_EQ(z->first_class->major, 55);
}

TEST(Bytecode, PlainZipIsNotAJar) {
  Bytes b = Zip({{"readme.txt", "hello"}, {"data/x.bin", Bytes(100, 'x'), true}});
  Analysis a = AnalyzeBytes(b);
  EXPECT_EQ(a.format, "zip");
  ASSERT_TRUE(a.bytecode);
  EXPECT_EQ(a.bytecode->zip->entries, 2u);
  EXPECT_FALSE(a.toolchain);
  EXPECT_FALSE(a.execution);
}

TEST(Bytecode, ZipWithBogusCentralDirectory) {
  Bytes b = Jar();
  const size_t eocd = b.size() - 22;
  Bytes bad_off = b;
  PutLe32(&bad_off, eocd + 16, 0xfffffff0);  // cd offset
  auto z = ParseZip(V(bad_off));
  ASSERT_TRUE(z);
  EXPECT_FALSE(z->warnings.empty());
  EXPECT_EQ(z->entries, 0u);
  Bytes bad_count = b;
  bad_count[eocd + 8] = bad_count[eocd + 10] = '\xff', bad_count[eocd + 9] = bad_count[eocd + 11] = '\xff';
  z = ParseZip(V(bad_count));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->declared_entries, 0xffffu);
  EXPECT_EQ(z->entries, 3u);  // bounded by the directory's size
  Bytes no_eocd = b.substr(0, eocd);
  z = ParseZip(V(no_eocd));
  ASSERT_TRUE(z);
  EXPECT_FALSE(z->warnings.empty());
  EXPECT_EQ(AnalyzeBytes(no_eocd).format, "zip");
}

TEST(Bytecode, PycVersions) {
  EXPECT_EQ(ParsePyc(V(Pyc(3495)))->version, "3.11");
  EXPECT_TRUE(ParsePyc(V(Pyc(3495)))->release);
  EXPECT_EQ(ParsePyc(V(Pyc(3531)))->version, "3.12");
  EXPECT_EQ(ParsePyc(V(Pyc(3571)))->version, "3.13");
  EXPECT_EQ(ParsePyc(V(Pyc(3379)))->version, "3.6");
  EXPECT_EQ(ParsePyc(V(Pyc(3627)))->version, "3.14");
  EXPECT_EQ(ParsePyc(V(Pyc(3510)))->version, "3.12");
  EXPECT_FALSE(ParsePyc(V(Pyc(3510)))->release);
  EXPECT_EQ(ParsePyc(V(Pyc(3720)))->version, "");  // a future release
  EXPECT_FALSE(ParsePyc(V(Bytes("ab\r\nsome text\r\n"))));  // a text file's short first line
  Analysis a = AnalyzeBytes(Pyc(3531));
  EXPECT_EQ(a.format, "pyc");
  ASSERT_TRUE(a.toolchain && a.execution);
  EXPECT_EQ(a.toolchain->language, "python");
  EXPECT_EQ(a.toolchain->version, "3.12");
  EXPECT_EQ(a.execution->engine, "cpython");
  EXPECT_EQ(a.execution->jit.str(), "no");
  EXPECT_EQ(Find(AnalyzeBytes(Pyc(3720)), "toolchain.language")->strength, Strength::kPattern);
}

TEST(Bytecode, WasmProducers) {
  Analysis a = AnalyzeBytes(Wasm({{"language", "Rust"}, {"processed-by", "rustc"}}));
  EXPECT_EQ(a.format, "wasm");
  ASSERT_TRUE(a.toolchain && a.execution && a.bytecode);
  EXPECT_EQ(a.toolchain->language, "rust");
  EXPECT_EQ(a.toolchain->compiler, "rustc");
  EXPECT_EQ(a.execution->model.str(), "bytecode");
  EXPECT_EQ(a.execution->engine, "");
  EXPECT_EQ(a.execution->jit.str(), "unknown");
  EXPECT_EQ(a.bytecode->wasm->sections, 2u);
  EXPECT_EQ(AnalyzeBytes(Wasm({{"language", "Go"}, {"processed-by", "Go cmd/compile"}})).toolchain->compiler, "gc");
  EXPECT_EQ(AnalyzeBytes(Wasm({{"language", "C11"}})).toolchain->language, "c");
  EXPECT_EQ(AnalyzeBytes(Wasm({})).toolchain->language, "unknown");
}

TEST(Bytecode, WasmSectionPastEofAndEndlessLeb) {
  Bytes past("\0asm\1\0\0\0", 8);
  past += '\x01', Leb(&past, 1000), past += "\x01\x60";
  auto m = ParseWasm(V(past));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->sections, 0u);
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_NE(m->warnings[0].find("past the end"), std::string::npos);
  Bytes endless("\0asm\1\0\0\0", 8);
  endless += '\x01' + Bytes(64, '\x80');
  m = ParseWasm(V(endless));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->sections, 0u);
  EXPECT_FALSE(m->warnings.empty());
  Bytes bad_producers("\0asm\1\0\0\0", 8);
  Bytes body;
  WasmName(&body, "producers");
  body += Bytes(8, '\xff');
  bad_producers += '\0', Leb(&bad_producers, body.size()), bad_producers += body;
  m = ParseWasm(V(bad_producers));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->producers.empty());
  EXPECT_FALSE(m->warnings.empty());
}

TEST(Bytecode, LuaAndLuaJit) {
  Analysis a = AnalyzeBytes(Bytes("\x1bLua\x54\x00\x19\x93\r\n\x1a\n", 12));
  EXPECT_EQ(a.format, "lua-bytecode");
  ASSERT_TRUE(a.execution && a.bytecode);
  EXPECT_EQ(a.bytecode->version, "5.4");
  EXPECT_EQ(a.execution->engine, "lua");
  EXPECT_EQ(a.execution->jit.str(), "no");
  Analysis j = AnalyzeBytes(Bytes("\x1bLJ\x02\x02", 5));
  ASSERT_TRUE(j.execution);
  EXPECT_EQ(j.bytecode->kind, "luajit");
  EXPECT_EQ(j.bytecode->version, "2");
  EXPECT_EQ(j.execution->engine, "luajit");
  EXPECT_EQ(j.execution->jit.str(), "yes");
}

TEST(Bytecode, BeamChunksAndModule) {
  auto m = ParseBeam(V(Beam()));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->warnings.empty());
  EXPECT_EQ(m->chunks, (std::vector<std::string>{"AtU8", "Code"}));
  EXPECT_EQ(m->module, "lists");
  Analysis a = AnalyzeBytes(Beam());
  ASSERT_TRUE(a.toolchain && a.execution);
  EXPECT_EQ(a.format, "beam");
  EXPECT_EQ(a.toolchain->language, "erlang");
  EXPECT_EQ(a.execution->engine, "beam");
  EXPECT_EQ(a.execution->jit.str(), "yes");
  Bytes big = Beam();
  big[16] = '\x7f';  // AtU8's size: 0x7f000010, past the form
  m = ParseBeam(V(big));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->chunks.empty());
  EXPECT_FALSE(m->warnings.empty());
}

TEST(Bytecode, DotNetAssembly) {
  auto pe = ParsePe(V(Pe(0x2008)));
  ASSERT_TRUE(pe);
  ASSERT_TRUE(pe->cli) << (pe->warnings.empty() ? "" : pe->warnings[0]);
  EXPECT_EQ(pe->cli->runtime_major, 2);
  EXPECT_EQ(pe->cli->runtime_minor, 5);
  EXPECT_EQ(pe->cli->metadata_version, "v4.0.30319");
  Analysis a = AnalyzeBytes(Pe(0x2008));
  EXPECT_EQ(a.format, "pe");
  ASSERT_TRUE(a.toolchain && a.execution && a.bytecode);
  EXPECT_EQ(a.toolchain->language, "csharp");
  EXPECT_EQ(a.execution->model.str(), "bytecode");
  EXPECT_EQ(a.execution->jit.str(), "unknown");
  EXPECT_EQ(a.bytecode->kind, "cli");
  EXPECT_NE(Find(a, "toolchain.language")->claim.find("CLI IL assembly"), std::string::npos);
}

TEST(Bytecode, PeCliDirectoryOutsideSectionsAndNativePe) {
  Analysis a = AnalyzeBytes(Pe(0x9000));
  EXPECT_EQ(a.format, "pe");
  EXPECT_FALSE(a.bytecode);
  EXPECT_FALSE(a.execution);
  ASSERT_FALSE(a.warnings.empty());
  EXPECT_NE(a.warnings[0].find("no section"), std::string::npos);
  // Without a CLI header: a native PE image, read by the PE parser
  // (analysis/pe.cc): nothing in it names a language.
  Analysis n = AnalyzeBytes(Pe(0));
  EXPECT_EQ(n.format, "pe");
  EXPECT_EQ(n.arch, "i386");
  EXPECT_FALSE(n.bytecode);
  ASSERT_TRUE(n.pe);
  ASSERT_TRUE(n.toolchain);
  EXPECT_EQ(n.toolchain->language, "unknown");
  EXPECT_EQ(n.linking.str(), "static");  // no import table
}

TEST(Bytecode, UnknownStaysUnknown) {
  Analysis a = AnalyzeBytes(Bytes(64, '\0'));
  EXPECT_EQ(a.format, "unknown");
  EXPECT_FALSE(a.bytecode);
  EXPECT_EQ(AnalyzeBytes(Bytes("MZ\x90\x00", 4)).format, "unknown");  // a DOS stub without PE header
}

// Files of sparse-read size (64 KiB .. 4 MiB) with their structure far from
// the start: every read must go through ByteSource::Ensure, or the poison
// left in the buffer changes the report.
TEST(Bytecode, SparseReadSameAsFull) {
  const Bytes pad(300 << 10, 'x');
  Bytes wasm("\0asm\1\0\0\0", 8), big_custom;
  WasmName(&big_custom, "padding");
  big_custom += pad;
  wasm += '\0', Leb(&wasm, big_custom.size()), wasm += big_custom;
  Bytes tail = Wasm({{"language", "Rust"}, {"processed-by", "rustc"}});
  wasm += tail.substr(8);
  Bytes beam_body = "BEAM" + BeamChunk("Dbgi", pad) + BeamChunk("AtU8", Bytes("\0\0\0\1\5lists", 10));
  Bytes beam = "FOR1";
  Be32(&beam, beam_body.size());
  beam += beam_body;
  // The class sits past the first chunk and before the last 64 KiB (read for the EOCD).
  const Bytes inputs[] = {Zip({{"pad1.bin", Bytes(40 << 10, 'y')}, {"a/B.class", ClassFile(61), true}, {"pad.bin", pad},
                               {"META-INF/MANIFEST.MF", "Main-Class: a.B\r\n\r\n"}}),
                          wasm, beam};
  const std::string path = (std::filesystem::temp_directory_path() / "exray-bytecode-sparse.bin").string();
  ReadBuffer buffer;
  for (const Bytes& b : inputs) {
    ASSERT_GT(b.size(), MappedFile::kWholeReadLimit);
    std::ofstream(path, std::ios::binary).write(b.data(), b.size());
    auto expected = Analyze(path, V(b), {});
    ASSERT_TRUE(expected);
    ASSERT_TRUE(expected->execution) << expected->format;
    std::memset(buffer.Reserve(b.size()), 0xa5, b.size());  // poison
    auto file = MappedFile::Open(path, &buffer);
    ASSERT_TRUE(file);
    ASSERT_TRUE((*file)->sparse());
    AnalyzeOptions opts;
    opts.source = file->get();
    auto got = Analyze(path, (*file)->view(), opts);
    ASSERT_TRUE(got);
    EXPECT_EQ(ToJson(*got, {}), ToJson(*expected, {})) << expected->format;
    EXPECT_LT((*file)->bytes_read(), b.size() / 2) << expected->format << ": most bytes are never read";
  }
  std::filesystem::remove(path);
}

// Every prefix of every sample: no crash, and either not the format or a model.
TEST(Bytecode, EveryPrefixIsSafe) {
  const Bytes samples[] = {ClassFile(61), Jar(), Pyc(3495), Wasm({{"language", "Rust"}}), Beam(), Pe(0x2008),
                           Bytes("\x1bLua\x54\x00", 6)};
  for (const Bytes& s : samples) {
    for (size_t n = 0; n <= s.size(); ++n) {
      Bytes p = s.substr(0, n);
      auto a = Analyze("p", V(p), {});
      ASSERT_TRUE(a.ok());
      if (a->bytecode) {
        EXPECT_FALSE(a->bytecode->kind.empty());
      }
      (void)ParseJavaClass(V(p)), (void)ParseZip(V(p)), (void)ParseWasm(V(p)), (void)ParseBeam(V(p)), (void)ParsePe(V(p));
    }
  }
}

}  // namespace
}  // namespace exray
