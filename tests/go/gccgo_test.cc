// Unit tests for gccgo recognition (lang/go/gccgo.h) on hand-built facts,
// modelled on Debian 12's gccgo 12.2.0 outputs (dynamic, -static-libgo,
// -static, each with and without -s) and on C programs that only look like them.
#include "lang/go/gccgo.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "memory_address_space.h"

namespace exray::go {
namespace {

constexpr std::string_view kComment = "GCC: (Debian 12.2.0-14+deb12u1) 12.2.0";
constexpr std::string_view kExport = "v3;\npackage main\npkgpath main\n";

template <size_t N>
std::string Lit(const char (&s)[N]) {
  return std::string(s, N - 1);
}

ByteView View(std::string_view s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

std::function<bool(std::string_view)> Symbols(std::set<std::string> names) {
  return [names = std::move(names)](std::string_view n) { return names.count(std::string(n)) > 0; };
}

bool HasEvidence(const GccgoInfo& g, GccgoEvidenceKind kind, bool decisive) {
  for (const GccgoEvidence& e : g.evidence)
    if (e.kind == kind && e.decisive == decisive) return true;
  return false;
}

TEST(DetectGccgo, DynamicLibgo) {
  GccgoFacts f;
  f.needed = {"libgo.so.21", "libgcc_s.so.1", "libc.so.6"};
  f.section_names = {".text", ".rodata", ".comment", ".go_export"};
  f.comments = {kComment};
  f.go_export = View(kExport);
  f.has_symbol = Symbols({"__go_init_main", "runtime..import", "__go_go", "main.main"});
  auto g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->libgo_soname, 21);
  EXPECT_EQ(g->gcc_version, "12.2.0");
  EXPECT_EQ(g->gcc_major, 12);
  EXPECT_EQ(g->go_version, "go1.18");
  EXPECT_EQ(g->go_version_from, "libgo.so.21 (GCC 12)");
  ASSERT_FALSE(g->evidence.empty());
  EXPECT_EQ(g->evidence[0].what, "NEEDED libgo.so.21");
  EXPECT_EQ(g->evidence[0].where, "dynamic section");
  EXPECT_TRUE(g->evidence[0].decisive);
  EXPECT_TRUE(HasEvidence(*g, GccgoEvidenceKind::kGoExport, true));
  EXPECT_TRUE(HasEvidence(*g, GccgoEvidenceKind::kSymbol, true));
  EXPECT_TRUE(HasEvidence(*g, GccgoEvidenceKind::kComment, false));
}

// -static-libgo -s: no libgo, no symbols; .go_export survives stripping.
TEST(DetectGccgo, StaticLibgoStripped) {
  GccgoFacts f;
  f.needed = {"libm.so.6", "libc.so.6"};
  f.section_names = {".text", ".comment", ".go_export", ".shstrtab"};
  f.comments = {kComment};
  f.go_export = View(kExport);
  auto g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->libgo_soname);
  EXPECT_EQ(g->go_version, "go1.18");
  EXPECT_EQ(g->go_version_from, "GCC 12 (.comment)");
  ASSERT_EQ(g->evidence.size(), 2u);
  EXPECT_EQ(g->evidence[0].what, "gccgo export data \"v3;\"");
  EXPECT_EQ(g->evidence[0].where, ".go_export section");
}

TEST(DetectGccgo, RuntimeVersionStringWins) {
  testing::MemoryAddressSpace as(Endian::kLittle, 8);
  std::string ro = Lit("xx\0go1.18 gccgo (Debian 12.2.0-14) 12.2.0\0");
  as.Map(0x400000, std::vector<uint8_t>(ro.begin(), ro.end()), ".rodata");
  GccgoFacts f;
  f.needed = {"libgo.so.19"};
  f.comments = {kComment};
  f.as = &as;
  auto g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->go_version, "go1.18");
  EXPECT_EQ(g->go_version_from, "runtime version string");
  EXPECT_TRUE(HasEvidence(*g, GccgoEvidenceKind::kVersionString, false));
  bool found = false;
  for (const GccgoEvidence& e : g->evidence)
    if (e.kind == GccgoEvidenceKind::kVersionString) {
      found = true;
      EXPECT_EQ(e.what, "runtime version \"go1.18 gccgo (Debian 12.2.0-14) 12.2.0\"");
      EXPECT_EQ(e.where, "vaddr 0x400003");
    }
  EXPECT_TRUE(found);
}

TEST(DetectGccgo, PlainCProgramIsNot) {
  GccgoFacts f;
  f.needed = {"libc.so.6"};
  f.section_names = {".text", ".rodata", ".comment"};
  f.comments = {kComment};
  f.has_symbol = Symbols({"main", "_start"});
  EXPECT_FALSE(DetectGccgo(f));
}

// A C program quoting gccgo's names in its strings, and one defining one of its symbols.
TEST(DetectGccgo, LookalikesAreNot) {
  testing::MemoryAddressSpace as(Endian::kLittle, 8);
  std::string ro = Lit("__go_init_main\0main..import\0libgo.so.21\0go1.18 gccgo (Debian 12.2.0-14) 12.2.0\0");
  as.Map(0x400000, std::vector<uint8_t>(ro.begin(), ro.end()), ".rodata");
  GccgoFacts f;
  f.needed = {"libc.so.6"};
  f.comments = {kComment};
  f.as = &as;
  f.has_symbol = Symbols({"main"});
  EXPECT_FALSE(DetectGccgo(f));
  f.has_symbol = Symbols({"main", "__go_init_main"});
  EXPECT_FALSE(DetectGccgo(f));
  f.has_symbol = Symbols({"main", "__go_init_main", "__go_go"});
  EXPECT_TRUE(DetectGccgo(f));
}

// A gc binary: Go symbols, but gc's names, and no libgo or .go_export.
TEST(DetectGccgo, GcBinaryIsNot) {
  GccgoFacts f;
  f.section_names = {".text", ".rodata", ".gopclntab", ".go.buildinfo", ".noptrdata", ".data"};
  f.has_symbol = Symbols({"main.main", "runtime.main", "main..inittask", "runtime.buildVersion", "go:buildinfo"});
  EXPECT_FALSE(DetectGccgo(f));
}

TEST(DetectGccgo, GoExportNeedsItsBytes) {
  GccgoFacts f;
  f.section_names = {".go_export"};
  auto none = DetectGccgo(f);
  EXPECT_FALSE(none);
  f.go_export = View("not export data");
  EXPECT_FALSE(DetectGccgo(f));
  f.go_export = View("v3;");  // truncated before the newline
  EXPECT_FALSE(DetectGccgo(f));
  f.go_export = View("v2;\npackage p\n");
  EXPECT_TRUE(DetectGccgo(f));
  // The bytes alone, without a section of that name, are not looked at.
  GccgoFacts g;
  g.go_export = View(kExport);
  EXPECT_FALSE(DetectGccgo(g));
}

TEST(DetectGccgo, LibgoSonames) {
  for (std::string_view bad : {"libgo.so.", "libgo.so.abc", "libgolang.so.1", "libgo.so.99999", "libgo.so",
                               "xlibgo.so.21", "libgo.so.21.0x"}) {
    GccgoFacts f;
    f.needed = {bad};
    EXPECT_FALSE(DetectGccgo(f)) << bad;
  }
  GccgoFacts f;
  f.needed = {"/usr/lib/x86_64-linux-gnu/libgo.so.19"};
  auto g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->libgo_soname, 19);
  EXPECT_EQ(g->go_version, "go1.16");
  EXPECT_EQ(g->go_version_from, "libgo.so.19 (GCC 11)");
  EXPECT_FALSE(g->gcc_version);
}

TEST(DetectGccgo, UnknownSonameFallsBackToComment) {
  GccgoFacts f;
  f.needed = {"libgo.so.99"};
  f.comments = {"GCC: (GNU) 11.3.0"};
  auto g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->libgo_soname, 99);
  EXPECT_EQ(g->go_version, "go1.16");
  EXPECT_EQ(g->go_version_from, "GCC 11 (.comment)");
}

TEST(DetectGccgo, Gcc4CommentNamesTheMinor) {
  GccgoFacts f;
  f.section_names = {".go_export"};
  f.go_export = View("v1;\npackage main\n");
  f.comments = {"GCC: (Debian 4.9.2-10) 4.9.2"};
  auto g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->go_version, "go1.2");
  EXPECT_EQ(g->go_version_from, "GCC 4.9 (.comment)");
}

TEST(DetectGccgo, SeveralGccProducers) {
  GccgoFacts f;
  f.needed = {"libgo.so.19"};
  f.comments = {"GCC: (GNU) 12.1.0", "GCC: (Debian 11.3.0-12) 11.3.0", "clang version 14.0.6"};
  auto g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->gcc_version, "11.3.0");  // the one libgo.so.19 belongs to
  f.needed = {"libgo.so.99"};
  g = DetectGccgo(f);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->gcc_version, "12.1.0");  // else the newest
}

TEST(DetectGccgo, CapsHugeFactLists) {
  GccgoFacts f;
  std::vector<std::string> names(kMaxGccgoFacts + 100, "libc.so.6");
  names.back() = "libgo.so.21";  // past the cap: not looked at
  for (const std::string& n : names) f.needed.push_back(n);
  EXPECT_FALSE(DetectGccgo(f));
}

TEST(GccVersionOf, Forms) {
  EXPECT_EQ(GccVersionOf("GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"), "12.2.0");
  EXPECT_EQ(GccVersionOf("GCC: (GNU) 4.8.5 20150623 (Red Hat 4.8.5-44)"), "4.8.5");
  EXPECT_EQ(GccVersionOf("GCC: 13.1.0"), "13.1.0");
  EXPECT_EQ(GccVersionOf("clang version 14.0.6"), std::nullopt);
  EXPECT_EQ(GccVersionOf("GCC: (GNU) "), std::nullopt);
  EXPECT_EQ(GccVersionOf("GCC: (unclosed 12.2.0"), std::nullopt);
  EXPECT_EQ(GccVersionOf(""), std::nullopt);
}

TEST(LibgoReleases, Table) {
  ASSERT_NE(LibgoBySoname(21), nullptr);
  EXPECT_EQ(LibgoBySoname(21)->gcc_major, 12);
  EXPECT_EQ(LibgoBySoname(21)->go_minor, 18);
  EXPECT_TRUE(LibgoBySoname(21)->verified);
  EXPECT_EQ(LibgoBySoname(19)->gcc_major, 11);
  ASSERT_NE(LibgoByGccVersion("8.3.0"), nullptr);
  EXPECT_EQ(LibgoByGccVersion("8.3.0")->go_minor, 10);
  ASSERT_NE(LibgoByGccVersion("4.9.2"), nullptr);
  EXPECT_EQ(LibgoByGccVersion("4.9.2")->go_minor, 2);
  EXPECT_EQ(LibgoByGccVersion("4"), nullptr);
  EXPECT_EQ(LibgoByGccVersion("4.6.3"), nullptr);
  EXPECT_EQ(LibgoByGccVersion("99.1.0"), nullptr);
  EXPECT_EQ(LibgoByGccVersion(""), nullptr);
  EXPECT_EQ(LibgoBySoname(1000), nullptr);
  int last_soname = 0, last_go = -1;
  for (const LibgoRelease& r : LibgoReleases()) {
    EXPECT_GT(r.soname, last_soname);
    EXPECT_GE(r.go_minor, last_go);
    last_soname = r.soname;
    last_go = r.go_minor;
  }
}

}  // namespace
}  // namespace exray::go
