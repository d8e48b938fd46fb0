// `exray go FILE [--json]` and the `go` parts of the main report, through RunCli.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/run.h"
#include "../unit/cli_run.h"
#include "report/report.h"

namespace exray {
namespace {

using testing::Cli;
using testing::CliRun;

constexpr const char* kGofmt = "/usr/lib/go-1.19/bin/gofmt";

TEST(GoCli, UsageErrorsExitTwo) {
  EXPECT_EQ(Cli({"go"}).rc, 2);
  EXPECT_EQ(Cli({"go", "/bin/ls", "--no-such-flag"}).rc, 2);
  EXPECT_EQ(Cli({"go", "/bin/ls", "/bin/sh", "--functions"}).rc, 2);  // listings take one file
}

TEST(GoCli, NotAGoBinaryIsOneLineAndExitOne) {
  CliRun r = Cli({"go", "/bin/ls"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "exray: /bin/ls: not a Go binary (no build info or pclntab found)\n");
  EXPECT_TRUE(r.out.empty());
  std::string p = ::testing::TempDir() + "notelf.txt";
  std::ofstream(p) << "hello\n";
  CliRun t = Cli({"go", p.c_str()});
  EXPECT_EQ(t.rc, 1);
  EXPECT_EQ(t.err, "exray: " + p + ": format not supported yet\n");
  EXPECT_EQ(Cli({"go", "/nonexistent/file"}).rc, 1);
}

TEST(GoCli, RuntimeGoesAloneOnOneFile) {
  EXPECT_EQ(Cli({"go", "/bin/ls", "/bin/sh", "--runtime"}).rc, 2);
  EXPECT_EQ(Cli({"go", "/bin/ls", "--runtime", "--types"}).rc, 2);
  EXPECT_EQ(Cli({"go", "/bin/ls", "--runtime", "--functions"}).rc, 2);
  EXPECT_EQ(Cli({"go", "/bin/ls", "--runtime"}).rc, 1);  // not a Go binary
}

// --pid: an integer, at most one file, only --json beside it; a pid above
// any pid_max (2^22) is no process.
TEST(GoCli, PidUsage) {
  EXPECT_EQ(Cli({"go"}).rc, 2);
  EXPECT_EQ(Cli({"go", "--pid", "abc"}).rc, 2);
  EXPECT_EQ(Cli({"go", "--pid", "0"}).rc, 2);
  EXPECT_EQ(Cli({"go", "--pid", "1", "--runtime"}).rc, 2);
  EXPECT_EQ(Cli({"go", "/bin/ls", "/bin/sh", "--pid", "1"}).rc, 2);
  CliRun r = Cli({"go", "--pid", "2147483000"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("no such process"), std::string::npos) << r.err;
}

// Debian's gofmt is Go 1.19 for linux/amd64, stripped: the table, and no globals.
TEST(GoCli, RuntimeOfAStrippedGo119BinaryComesFromTheTable) {
  if (!std::filesystem::exists(kGofmt)) GTEST_SKIP() << kGofmt << " is missing";
  CliRun r = Cli({"go", kGofmt, "--runtime", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out)["runtime"];
  EXPECT_EQ(j["source"], "table");
  EXPECT_EQ(j["table_range"], "go1.19 linux/amd64");
  ASSERT_EQ(j["structs"].size(), 10u);
  EXPECT_EQ(j["structs"][0]["name"], "runtime.g");
  EXPECT_EQ(j["structs"][0]["size"], 392);
  // gofmt has no symbols: eight globals come from the runtime's code, the
  // two no rule looks for stay unfound.
  ASSERT_EQ(j["globals"].size(), 10u);
  for (const auto& g : j["globals"]) {
    const std::string name = g.value("name", "");
    if (name == "runtime.mheap_" || name == "runtime.ncpu") {
      EXPECT_FALSE(g.value("found", true)) << g.dump();
    } else {
      EXPECT_TRUE(g.contains("address")) << g.dump();
      EXPECT_TRUE(g.value("how", "").starts_with("runtime.")) << g.dump();
    }
  }
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_EQ(j["notes"][0].get<std::string>(),
            "no symbol table: the runtime's globals are located through the runtime code that uses them");
}

TEST(GoCli, AFileNamedGoIsReportedAsDotSlashGo) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "gocli";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "go") << "#!/bin/sh\n";
  auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  CliRun r = Cli({"./go", "--json"});
  std::filesystem::current_path(old);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["format"], "script");
}

TEST(GoCli, NoGoFieldForOtherBinaries) {
  CliRun r = Cli({"/bin/ls", "--json"});
  ASSERT_EQ(r.rc, 0);
  EXPECT_FALSE(nlohmann::json::parse(r.out).contains("go"));
}

TEST(GoCli, GoBinaryInBothCommands) {
  if (!std::filesystem::exists(kGofmt)) GTEST_SKIP() << kGofmt << " is missing";
  CliRun r = Cli({"go", kGofmt, "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["path"], kGofmt);
  EXPECT_EQ(j["go"]["path"], "cmd/gofmt");
  EXPECT_EQ(j["go"]["compiler"], "gc");
  EXPECT_EQ(j["go"]["version"].get<std::string>().rfind("go1.19", 0), 0u);
  EXPECT_EQ(j["go"]["settings"]["GOOS"], "linux");
  CliRun text = Cli({"go", kGofmt});
  EXPECT_EQ(text.out.rfind(std::string(kGofmt) + ": go1.19", 0), 0u);
  EXPECT_NE(text.out.find("\n\tpath\tcmd/gofmt\n"), std::string::npos);

  // The report's go object holds the same build info, and what the pclntab says.
  auto report = nlohmann::json::parse(Cli({kGofmt, "--json"}).out);
  for (auto& [k, v] : j["go"].items()) EXPECT_EQ(report["go"][k], v) << k;
  EXPECT_EQ(report["go"]["version_from"], "build info");
  EXPECT_EQ(report["go"]["pclntab"]["layout"], "1.18");
  EXPECT_EQ(report["go"]["moduledata_layout"], "1.18-1.19");
  EXPECT_EQ(report["go"]["cgo"], false);
  // The runtime it carries: every byte of code has one owner.
  const auto& rtj = report["execution"]["runtime"];
  EXPECT_EQ(rtj["name"], "go");
  EXPECT_EQ(rtj["gc"], true);
  EXPECT_EQ(rtj["scheduler"], true);
  uint64_t sum = 0, fsum = 0;
  for (const char* k : {"runtime", "stdlib", "program", "dependencies", "generated", "other"}) {
    sum += rtj["code_bytes"][k].get<uint64_t>();
    fsum += rtj["functions"][k].get<uint64_t>();
  }
  EXPECT_EQ(sum, rtj["code_bytes"]["total"].get<uint64_t>());
  EXPECT_EQ(fsum, report["go"]["pclntab"]["functions"].get<uint64_t>());
  EXPECT_GT(rtj["code_bytes"]["runtime"].get<uint64_t>(), 100'000u);  // the Go 1.19 runtime is ~390 KB of code
  EXPECT_GT(rtj["code_bytes"]["program"].get<uint64_t>(), 0u);        // package main
  CliRun rt = Cli({kGofmt});
  EXPECT_NE(rt.out.find("\n  go          go1.19"), std::string::npos) << rt.out;
  EXPECT_NE(rt.out.find("no cgo"), std::string::npos);
  EXPECT_NE(rt.out.find("\n  runtime     Go (GC, scheduler)"), std::string::npos) << rt.out;
}

TEST(GoJson, SettingsKeepFileOrderEscapeKeysAndKeepTheLastDuplicate) {
  go::BuildInfo bi;
  bi.version = "go1.21";
  bi.mod.settings = {{"b", "1"}, {"a \"key\"\n", "x"}, {"b", "2"}, {"c", ""}};
  bi.mod.deps.push_back({{"d", "v1", "h1:s"}, go::Module{"./d", "", ""}});
  std::string out = GoToJson("f", bi);
  ASSERT_TRUE(nlohmann::json::accept(out)) << out;
  auto j = nlohmann::ordered_json::parse(out);
  std::vector<std::string> keys;
  for (auto& [k, v] : j["go"]["settings"].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "a \"key\"\n", "c"}));
  EXPECT_EQ(j["go"]["settings"]["b"], "2");
  EXPECT_EQ(j["go"]["main"], nullptr);
  EXPECT_EQ(j["go"]["deps"][0]["replace"]["path"], "./d");
  // The text form: the => line follows its dep, an empty version prints as
  // (devel), and a key with a quote or a line break is quoted as Go quotes it.
  EXPECT_EQ(GoToText("f", bi), "f: go1.21\n\tdep\td\tv1\n\t=>\t./d\t(devel)\t\n\tbuild\tb=1\n"
                               "\tbuild\t\"a \\\"key\\\"\\n\"=x\n\tbuild\tb=2\n\tbuild\tc=\n");
}

}  // namespace
}  // namespace exray

namespace exray {
namespace {

TEST(GoCli, FunctionsFilesAndPcsFromPclntab) {
  if (!std::filesystem::exists(kGofmt)) GTEST_SKIP() << kGofmt << " is missing";
  CliRun r = Cli({"go", kGofmt, "--functions", "--lines", "--files", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["go"]["path"], "cmd/gofmt");
  EXPECT_EQ(j["pclntab"]["layout"], "1.18");
  ASSERT_GT(j["functions"].size(), 1000u);
  EXPECT_EQ(j["pclntab"]["functions"], j["functions"].size());
  const nlohmann::json* main_fn = nullptr;
  for (const auto& f : j["functions"])
    if (f["name"] == "main.main") main_fn = &f;
  ASSERT_NE(main_fn, nullptr);
  EXPECT_EQ((*main_fn)["package"], "main");
  EXPECT_LT((*main_fn)["entry"].get<uint64_t>(), (*main_fn)["end"].get<uint64_t>());
  EXPECT_NE((*main_fn)["file"].get<std::string>().find("cmd/gofmt/gofmt.go"), std::string::npos);
  bool has_file = false;
  for (const auto& f : j["files"]) has_file |= f.get<std::string>().find("cmd/gofmt/gofmt.go") != std::string::npos;
  EXPECT_TRUE(has_file);

  // An address inside main.main resolves to it; one outside every function does not.
  uint64_t pc = (*main_fn)["entry"].get<uint64_t>() + 1;
  std::string pc_arg = std::to_string(pc);
  CliRun p = Cli({"go", kGofmt, "--pc", pc_arg.c_str(), "--pc", "0x10", "--json"});
  ASSERT_EQ(p.rc, 0) << p.err;
  auto pj = nlohmann::json::parse(p.out);
  ASSERT_EQ(pj["pcs"].size(), 2u);
  EXPECT_EQ(pj["pcs"][0]["function"], "main.main");
  EXPECT_GT(pj["pcs"][0]["line"].get<int64_t>(), 0);
  EXPECT_TRUE(pj["pcs"][1]["function"].is_null());
  EXPECT_EQ(Cli({"go", kGofmt, "--pc", "nonsense"}).rc, 2);
  // Without --lines the function list leaves out the line tables.
  auto nolines = nlohmann::json::parse(Cli({"go", kGofmt, "--functions", "--json"}).out);
  EXPECT_FALSE(nolines["functions"][0].contains("line"));
}

}  // namespace
}  // namespace exray

namespace exray {
namespace {

// Several files: build info for each, like `go version -m`; JSON one object per line.
TEST(GoCli, SeveralFiles) {
  CliRun r = Cli({"go", kGofmt, "/bin/ls", "/usr/lib/go-1.19/bin/go", "--json"});
  EXPECT_EQ(r.rc, 1);  // /bin/ls is not a Go binary; the others are still printed
  EXPECT_NE(r.err.find("/bin/ls: not a Go binary"), std::string::npos);
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["go"]["version"].get<std::string>().rfind("go1.19", 0), 0u);
    ++n;
  }
  EXPECT_EQ(n, 2);
}

// --packages: owners add up to the total, and runtime is the runtime's.
TEST(GoCli, PackagesAddUp) {
  CliRun r = Cli({"go", kGofmt, "--packages", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& code = j["code"];
  uint64_t sum = 0, pkg_sum = 0;
  for (auto& [k, v] : code["owners"].items()) sum += v["bytes"].get<uint64_t>();
  EXPECT_EQ(sum, code["total_bytes"].get<uint64_t>());
  bool runtime = false;
  for (const auto& p : code["packages"]) {
    pkg_sum += p["bytes"].get<uint64_t>();
    if (p["package"] == "runtime") runtime = p["owner"] == "runtime";
  }
  EXPECT_TRUE(runtime);
  EXPECT_LE(pkg_sum, sum);  // package-less functions (type:.eq.*, assembly) are in the owners only
  EXPECT_EQ(code["owners"]["other"]["bytes"], 0u);  // pure Go: no C code
  CliRun t = Cli({"go", kGofmt, "--packages"});
  EXPECT_NE(t.out.find("\npackages:\n"), std::string::npos);
}

}  // namespace
}  // namespace exray
