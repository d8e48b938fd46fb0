// Rust metadata: .dep-v0 decoding (built and zlib-compressed here), source
// path scanning, the release table and the producer line.
#include <gtest/gtest.h>
#include <zlib.h>

#include <set>
#include <string>

#include "cli_run.h"
#include "lang/rust/auditable.h"
#include "lang/rust/paths.h"
#include "lang/rust/version.h"

namespace exray::rust {
namespace {

std::string Deflate(std::string_view in) {
  uLongf n = compressBound(in.size());
  std::string out(n, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(in.data()), in.size(),
                      9),
            Z_OK);
  out.resize(n);
  return out;
}

ByteView View(const std::string& s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

// What cargo-auditable 0.6 writes for a small program (shape from auditable-serde's docs).
constexpr std::string_view kRealLooking =
    R"({"packages":[{"name":"adler","version":"1.0.2","source":"crates.io"},)"
    R"({"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},)"
    R"({"name":"hello","version":"0.1.0","source":"local","dependencies":[0,1,3],"root":true},)"
    R"({"name":"wasi","version":"0.11.0+wasi-snapshot-preview1","source":"crates.io"}],"format":1})";

TEST(RustDepV0, ParsesRealLookingJson) {
  std::string z = Deflate(kRealLooking);
  auto info = ParseDepV0(View(z));
  ASSERT_TRUE(info.ok()) << info.error().message;
  ASSERT_EQ(info->packages.size(), 4u);
  EXPECT_EQ(info->format, 1u);
  EXPECT_EQ(info->json_bytes, kRealLooking.size());
  EXPECT_EQ(info->packages[0].name, "adler");
  EXPECT_EQ(info->packages[0].kind, "runtime");  // the default
  EXPECT_EQ(info->packages[1].kind, "build");
  EXPECT_EQ(info->packages[2].source, "local");
  EXPECT_TRUE(info->packages[2].root);
  EXPECT_EQ(info->packages[2].dependencies, (std::vector<uint64_t>{0, 1, 3}));
  EXPECT_EQ(info->packages[3].version, "0.11.0+wasi-snapshot-preview1");
}

TEST(RustDepV0, FormatIsOptionalAndUnknownFieldsIgnored) {
  auto info =
      ParseDepV0(View(Deflate(R"({"packages":[{"name":"a","version":"1.0.0","source":"git","features":["x"]}]})")));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->format, 0u);
  EXPECT_EQ(info->packages[0].source, "git");
}

TEST(RustDepV0, BadZlibIsAnError) {
  std::string junk = "not zlib at all, just text";
  auto info = ParseDepV0(View(junk));
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("zlib"), std::string::npos) << info.error().message;
  EXPECT_FALSE(ParseDepV0(ByteView()).ok());
}

TEST(RustDepV0, TruncatedStreamIsAnError) {
  std::string z = Deflate(kRealLooking);
  for (size_t cut : {size_t{1}, size_t{2}, z.size() / 2, z.size() - 1}) {
    auto info = ParseDepV0(View(z).Sub(0, cut));
    EXPECT_FALSE(info.ok()) << "cut at " << cut;
  }
}

TEST(RustDepV0, DecompressionBombIsRefused) {
  // 9 MiB of spaces compresses to ~9 KiB and inflates past the 8 MiB cap.
  std::string big = std::string(R"({"packages":[)") + std::string(9u << 20, ' ') + "]}";
  std::string z = Deflate(big);
  ASSERT_LT(z.size(), 64u << 10);
  auto info = ParseDepV0(View(z));
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("8 MiB"), std::string::npos) << info.error().message;
  // Just under the cap is fine.
  std::string ok = std::string(R"({"packages":[)") + std::string((8u << 20) - 100, ' ') + "]}";
  EXPECT_TRUE(ParseDepV0(View(Deflate(ok))).ok());
}

TEST(RustDepV0, DeepNestingIsRefusedBeforeParsing) {
  // 1 MiB of '[' would recurse a million frames deep in nlohmann::json.
  std::string deep = R"({"packages":)" + std::string(1u << 20, '[') + std::string(1u << 20, ']') + "}";
  auto info = ParseDepV0(View(Deflate(deep)));
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("deeper"), std::string::npos) << info.error().message;
  // Brackets inside strings do not count.
  std::string in_string = R"({"packages":[{"name":")" + std::string(1000, '[') +
                          R"(","version":"1.0.0","source":"crates.io"}]})";
  EXPECT_TRUE(ParseDepV0(View(Deflate(in_string))).ok());
  EXPECT_FALSE(JsonNestsDeeperThan(R"(["\"[[[["])", 1));
  EXPECT_TRUE(JsonNestsDeeperThan("[[", 1));
}

TEST(RustDepV0, BadDependencyIndexIsAnError) {
  for (std::string_view deps : {"[4]", "[-1]", "[1.5]", R"(["0"])", "[18446744073709551615]"}) {
    std::string j = R"({"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":)" +
                    std::string(deps) + R"(},{"name":"b","version":"1.0.0","source":"crates.io"}]})";
    auto info = ParseDepV0(View(Deflate(j)));
    ASSERT_FALSE(info.ok()) << deps;
    EXPECT_NE(info.error().message.find("dependency"), std::string::npos) << info.error().message;
  }
}

TEST(RustDepV0, SchemaViolationsAreErrors) {
  for (std::string_view j : {
           R"([])", R"({"packages":{}})", R"({"packages":[1]})", R"({"packages":[{"name":"a","version":"1"}]})",
           R"({"packages":[{"name":5,"version":"1.0.0","source":"x"}]})",
           R"({"packages":[{"name":"a","version":"1.0.0","source":"x","kind":"dev"}]})",
           R"({"packages":[{"name":"a","version":"1.0.0","source":"x","root":true},)"
           R"({"name":"b","version":"1.0.0","source":"x","root":true}]})",
           R"({"packages":[],"format":-1})", R"({"packages":[)"}) {
    EXPECT_FALSE(ParseDepV0(View(Deflate(j))).ok()) << j;
  }
}

TEST(RustPaths, SplitsCrateAndVersion) {
  auto s = SplitCrateVersion("foo-bar-1.2.3-alpha.1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, "foo-bar");
  EXPECT_EQ(s->second, "1.2.3-alpha.1");
  s = SplitCrateVersion("windows_x86_64_gnu-0.52.6");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, "windows_x86_64_gnu");
  s = SplitCrateVersion("wasi-0.11.0+wasi-snapshot-preview1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->second, "0.11.0+wasi-snapshot-preview1");
  s = SplitCrateVersion("foo-1.0.0-rc-2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, "foo");
  EXPECT_EQ(s->second, "1.0.0-rc-2");
  s = SplitCrateVersion("x25519-dalek-2.0.0");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, "x25519-dalek");
  EXPECT_FALSE(SplitCrateVersion("serde"));
  EXPECT_FALSE(SplitCrateVersion("serde-1.0"));
  EXPECT_FALSE(SplitCrateVersion("serde-01.0.0"));
  EXPECT_FALSE(SplitCrateVersion("-1.0.0"));
  EXPECT_FALSE(SplitCrateVersion("a-1.0.0-"));
  EXPECT_FALSE(SplitCrateVersion("a-1.0.0-01"));
}

PathScan Scan(const std::string& s) {
  return ScanRustPaths({ScanRegion{View(s), 0x1000, ".rodata"}});
}

TEST(RustPaths, FindsCratesCommitAndDebianRelease) {
  // Strings as rustc lays them out: back to back, no NUL between them.
  std::string ro =
      "called `Option::unwrap()` on a `None` value"
      "/rustc/07dca489ac2d933c78d3c5158e3f43beefeb02ce/library/core/src/fmt/mod.rs"
      "/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/regex-automata-0.4.3/src/meta/strategy.rs"
      "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/serde_json-1.0.108/src/de.rs"
      "/home/u/.cargo/registry/src/github.com-1ecc6299db9ec823/memchr-2.5.0/src/memchr/x86/mod.rs"
      "/usr/local/cargo/registry/src/my.registry.example-0123456789abcdef/private-crate-0.1.0-beta.2/src/lib.rs"
      "/home/u/.cargo/git/checkouts/tokio-4a5e90f3eb8bd1a4/9b3b4c2/tokio/src/runtime/mod.rs"
      "/usr/share/cargo/registry/clap_builder-4.4.7/src/builder/command.rs"
      "/usr/src/rustc-1.63.0/library/std/src/io/mod.rs"
      "/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/regex-automata-0.4.3/src/util/pool.rs";
  PathScan p = Scan(ro);
  ASSERT_EQ(p.commits.size(), 1u);
  EXPECT_EQ(p.commits[0], "07dca489ac2d933c78d3c5158e3f43beefeb02ce");
  EXPECT_EQ(p.commit_offset, 0x1000 + ro.find("/rustc/"));
  ASSERT_TRUE(p.debian_rustc);
  EXPECT_EQ(*p.debian_rustc, "1.63.0");
  ASSERT_EQ(p.crates.size(), 6u);  // regex-automata once
  auto at = [&](size_t i) { return p.crates[i].name + " " + p.crates[i].version + " " + p.crates[i].source; };
  EXPECT_EQ(at(0), "clap_builder 4.4.7 debian-vendored");
  EXPECT_EQ(at(1), "memchr 2.5.0 crates.io");
  EXPECT_EQ(at(2), "private-crate 0.1.0-beta.2 registry");
  EXPECT_EQ(p.crates[2].registry, "my.registry.example-0123456789abcdef");
  EXPECT_EQ(at(3), "regex-automata 0.4.3 crates.io");
  EXPECT_EQ(at(4), "serde_json 1.0.108 crates.io");
  EXPECT_EQ(at(5), "tokio 9b3b4c2 git");
}

// The Rust project's own tools (rustup's cargo: 155 crates) vendor theirs under /rust/deps.
TEST(RustPaths, RustProjectVendoredDeps) {
  std::string ro =
      "/rust/deps/aho-corasick-1.1.4/src/nfa/noncontiguous.rs"
      "/rust/deps/im-rc-15.1.0/src/ord/map.rs"
      "/rust/deps/aho-corasick-1.1.4/src/util/prefilter/mod.rs"
      "/rust/deps/not a crate/x.rs";
  PathScan p = Scan(ro);
  ASSERT_EQ(p.crates.size(), 2u);
  EXPECT_EQ(p.crates[0].name + " " + p.crates[0].version + " " + p.crates[0].source, "aho-corasick 1.1.4 vendored");
  EXPECT_EQ(p.crates[1].name + " " + p.crates[1].version + " " + p.crates[1].source, "im-rc 15.1.0 vendored");
}

TEST(RustPaths, PathCutAtTheEndOfTheBufferIsSkipped) {
  // "serde-1.0.1" may be the start of "serde-1.0.193": no '/' after it, no crate.
  PathScan p = Scan("/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.1");
  EXPECT_TRUE(p.crates.empty());
  p = Scan("/rustc/07dca489ac2d933c78d3c5158e3f43beefeb02ce");
  EXPECT_TRUE(p.commits.empty());
  p = Scan("/usr/src/rustc-1.6");
  EXPECT_FALSE(p.debian_rustc);
}

TEST(RustPaths, GarbageYieldsNothing) {
  std::string g;
  uint32_t x = 12345;
  for (int i = 0; i < 1 << 16; ++i) {
    x = x * 1103515245 + 12345;
    g += static_cast<char>(x >> 24);
  }
  g += "/rustc/zz7dca489ac2d933c78d3c5158e3f43beefeb02ce/"  // not hex
       "/registry/src/index.crates.io-6f17d22bba15001/serde-1.0.0/"  // 15-digit hash
       "/registry/src/index.crates.io-6f17d22bba15001f/serde/"       // no version
       "/registry/src/index.crates.io-6f17d22bba15001f/ser de-1.0.0/"
       "/git/checkouts/tokio-4a5e90f3eb8bd1a4/main/"                 // not a rev
       "/usr/share/cargo/registry//"
       "/usr/src/rustc-/";
  PathScan p = Scan(g);
  EXPECT_TRUE(p.commits.empty());
  EXPECT_TRUE(p.crates.empty());
  EXPECT_FALSE(p.debian_rustc);
}

TEST(RustPaths, CratesAreCappedAndSaidSo) {
  std::string ro;
  for (size_t i = 0; i < kMaxPathCrates + 10; ++i)
    ro += "/registry/src/index.crates.io-6f17d22bba15001f/c" + std::to_string(i) + "-1.0.0/src/lib.rs";
  PathScan p = Scan(ro);
  EXPECT_EQ(p.crates.size(), kMaxPathCrates);
  EXPECT_TRUE(p.crates_capped);
}

TEST(RustVersion, ReleaseTableAndProducer) {
  auto r = ReleaseForCommit("07dca489ac2d933c78d3c5158e3f43beefeb02ce");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "1.76.0");
  EXPECT_EQ(ReleaseForCommit("4b91a6ea7")->version, "1.63.0");
  EXPECT_FALSE(ReleaseForCommit("0000000000000000000000000000000000000000"));
  EXPECT_FALSE(ReleaseForCommit("07dca48"));  // too short to tell
  // Every row: a distinct 9-hex commit and a distinct version.
  std::set<std::string_view> commits, versions;
  for (const RustcRelease& x : Releases()) {
    EXPECT_EQ(x.commit9.size(), 9u);
    EXPECT_TRUE(commits.insert(x.commit9).second) << x.commit9;
    EXPECT_TRUE(versions.insert(x.version).second) << x.version;
  }
  auto p = ParseRustcProducer("rustc version 1.73.0 (cc66ad468 2023-10-03)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "1.73.0");
  EXPECT_EQ(p->commit9, "cc66ad468");
  EXPECT_EQ(p->date, "2023-10-03");
  p = ParseRustcProducer("rustc version 1.75.0-nightly (187b8131d 2023-10-03)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version, "1.75.0-nightly");
  p = ParseRustcProducer("rustc version 1.80.1 (built from a source tarball)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->commit9, "");
  EXPECT_FALSE(ParseRustcProducer("rustc version x"));
  EXPECT_FALSE(ParseRustcProducer("GCC: (Debian 12.2.0-14) 12.2.0"));
}

TEST(RustCli, NotRustIsExitOneAndUsageIsTwo) {
  testing::CliRun r = testing::Cli({"rust", "/bin/ls"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("not a Rust binary"), std::string::npos) << r.err;
  EXPECT_EQ(testing::Cli({"rust"}).rc, 2);
  EXPECT_EQ(testing::Cli({"rust", "/nonexistent/file"}).rc, 1);
}

}  // namespace
}  // namespace exray::rust
