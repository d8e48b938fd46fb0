#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "analysis/analyze.h"
#include "cli/run.h"
#include "cli/commands.h"
#include "cli_run.h"

namespace exray {
namespace {

using testing::Cli;
using testing::CliRun;

std::string TempFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(Cli, JsonForARealBinary) {
  CliRun r = Cli({"/bin/sh", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], kSchemaVersion);
  EXPECT_EQ(j["format"], "elf");
  EXPECT_EQ(j["sha256"], nullptr);
  EXPECT_TRUE(j["elf"]["sections"].is_array());
  EXPECT_TRUE(j["evidence"].is_array());
}

TEST(Cli, SeveralFilesGiveOneJsonObjectPerLine) {
  CliRun r = Cli({"/bin/sh", "/bin/ls", "--json"});
  ASSERT_EQ(r.rc, 0);
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST(Cli, OutputIsDeterministic) {
  EXPECT_EQ(Cli({"/bin/ls", "--json", "--sections", "--symbols"}).out, Cli({"/bin/ls", "--json", "--sections", "--symbols"}).out);
}

TEST(Cli, UnreadableInputsExitOneWithAReason) {
  CliRun dir = Cli({"/"});
  EXPECT_EQ(dir.rc, 1);
  EXPECT_NE(dir.err.find("a directory"), std::string::npos);
  CliRun missing = Cli({"/nonexistent/file"});
  EXPECT_EQ(missing.rc, 1);
  std::string trunc = TempFile("trunc.elf", std::string("\x7f" "ELF\x02\x01\x01", 7));
  CliRun t = Cli({trunc.c_str()});
  EXPECT_EQ(t.rc, 1);
  EXPECT_NE(t.err.find("truncated"), std::string::npos);
  EXPECT_EQ(std::count(t.err.begin(), t.err.end(), '\n'), 1);
}

TEST(Cli, UnreadableInputsGetAnErrorRecordInJson) {
  // Every path asked for has a record, in order: a consumer can match them up.
  CliRun r = Cli({"/", "/bin/ls", "/nonexistent/file", "--json"});
  EXPECT_EQ(r.rc, 1);
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> docs;
  for (std::string line; std::getline(lines, line);) docs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(docs.size(), 3u) << r.out;
  EXPECT_EQ(docs[0]["path"], "/");
  EXPECT_EQ(docs[0]["error"], "a directory");
  EXPECT_EQ(docs[0].size(), 3u);  // schema_version, path, error
  EXPECT_EQ(docs[1]["format"], "elf");
  EXPECT_EQ(docs[2]["path"], "/nonexistent/file");
  EXPECT_TRUE(docs[2]["error"].is_string());
  // One file: the record alone, pretty-printed like a report.
  CliRun one = Cli({"/", "--json"});
  EXPECT_EQ(one.rc, 1);
  EXPECT_EQ(nlohmann::json::parse(one.out)["error"], "a directory");
}

TEST(Cli, JsonLinesForOneFileToo) {
  CliRun r = Cli({"/bin/ls", "--jsonl"});
  ASSERT_EQ(r.rc, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_EQ(nlohmann::json::parse(r.out)["format"], "elf");
}

TEST(Cli, AnEmptyFileIsEmptyNotUnknown) {
  std::string p = TempFile("empty.bin", "");
  CliRun r = Cli({p.c_str(), "--json"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["format"], "empty");
  CliRun t = Cli({p.c_str()});
  EXPECT_NE(t.out.find("empty file, 0 B"), std::string::npos) << t.out;
}

// The C library itself: written in C, is that libc, and its canary use is
// read from its own calls to the __stack_chk_fail it defines (glibc 2.36: 870).
TEST(Cli, TheCLibraryItself) {
  struct Lib {
    const char* path;
    const char* libc;
  };
  int seen = 0;
  for (const Lib& lib : {Lib{"/usr/lib/x86_64-linux-gnu/libc.so.6", "glibc"},
                         Lib{"/usr/lib/x86_64-linux-musl/libc.so", "musl"}}) {
    if (!std::ifstream(lib.path)) continue;
    ++seen;
    CliRun r = Cli({lib.path, "--json"});
    ASSERT_EQ(r.rc, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["toolchain"]["language"], "c") << lib.path;
    EXPECT_EQ(j["toolchain"]["libc"]["name"], lib.libc) << lib.path;
    EXPECT_EQ(j["hardening"]["canary"], true) << lib.path;
    for (const auto& e : j["evidence"]) {
      if (e["id"] == "hardening.canary") {
        EXPECT_NE(e["detail"].get<std::string>().find("direct calls"), std::string::npos) << e;
      }
    }
  }
  if (seen == 0) GTEST_SKIP() << "no glibc or musl libc.so here";
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Cli({}).rc, 2);
  EXPECT_EQ(Cli({"/bin/ls", "--no-such-flag"}).rc, 2);
}

// The subcommand table (cli/commands.cc) is what dispatch and help use: each
// row answers --help as itself, the main help lists its synopsis, and a
// usage error in it exits 2.
TEST(Cli, EverySubcommandOfTheTableDispatchesAndIsListed) {
  const CliRun main_help = Cli({"--help"});
  ASSERT_EQ(main_help.rc, 0);
  ASSERT_FALSE(Commands().empty());
  for (const Command& c : Commands()) {
    const std::string name(c.name);
    const CliRun help = Cli({name.c_str(), "--help"});
    EXPECT_EQ(help.rc, 0) << name;
    // Its own help starts "exray NAME:"; the main one (which lists every row) starts "exray:".
    EXPECT_EQ(help.out.rfind("exray " + name + ":", 0), 0u) << name << ": its own help, not the main one";
    EXPECT_NE(main_help.out.find(std::string(c.usage)), std::string::npos) << name << " is missing from the main help";
    EXPECT_EQ(Cli({name.c_str(), "--no-such-flag"}).rc, 2) << name;
    EXPECT_EQ(FindCommand(c.name), &c);
  }
  EXPECT_EQ(FindCommand("no-such-command"), nullptr);
}

TEST(Cli, ScriptIsReportedWithItsInterpreter) {
  std::string p = TempFile("script.py", "#!/usr/bin/env python3\nprint('hi')\n");
  CliRun r = Cli({p.c_str(), "--json"});
  ASSERT_EQ(r.rc, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "script");
  EXPECT_EQ(j["script"]["interpreter"], "/usr/bin/env");
  EXPECT_EQ(j["script"]["command"], "python3");
  EXPECT_EQ(j["execution"]["model"], "script");
}

TEST(Cli, ScriptLanguagesFromTheInterpreter) {
  std::string ex = TempFile("hello.exs", "#!/usr/bin/env elixir\nIO.puts 1\n");
  auto j = nlohmann::json::parse(Cli({ex.c_str(), "--json"}).out);
  EXPECT_EQ(j["toolchain"]["language"], "elixir");
  EXPECT_EQ(j["execution"]["engine"], "beam");
  // An interpreter exray does not know: no "written in unknown".
  std::string odd = TempFile("odd.sh", "#!/usr/bin/env frobnicate\n");
  CliRun r = Cli({odd.c_str()});
  EXPECT_EQ(r.out.find("written in unknown"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not in exray's table"), std::string::npos) << r.out;
}

TEST(Cli, UnknownDataIsNotAnError) {
  std::string p = TempFile("data.bin", std::string(100, 'x'));
  CliRun r = Cli({p.c_str(), "--json"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out)["format"], "unknown");
}

TEST(Cli, HashIsComputedOnlyWhenAsked) {
  std::string p = TempFile("abc.txt", "abc");
  auto j = nlohmann::json::parse(Cli({p.c_str(), "--json", "--hash"}).out);
  EXPECT_EQ(j["sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Cli, NoColorWhenNotATerminal) {
  CliRun r = Cli({"/bin/ls"});
  EXPECT_EQ(r.out.find('\033'), std::string::npos);
}

}  // namespace
}  // namespace exray

namespace exray {
namespace {

TEST(Cli, ColourOnATerminalUnlessNoColor) {
  auto run_tty = [] {
    const char* args[] = {"exray", "/bin/ls"};
    std::ostringstream out, err;
    RunCli(2, args, out, err, /*out_is_tty=*/true);
    return out.str();
  };
  unsetenv("NO_COLOR");
  const std::string painted = run_tty();
  // The exact bytes: the verdict bold, nothing escaped a second time (a
  // literal "\x1b[1m" is what a Field that escapes painted text prints).
  EXPECT_NE(painted.find("  verdict     \033[1mnative"), std::string::npos) << painted;
  EXPECT_EQ(painted.find("\\x1b"), std::string::npos) << painted;
  EXPECT_NE(painted.find("\033[0m\n"), std::string::npos);
  // The path is bold, and a dimmed source follows its field.
  EXPECT_EQ(painted.rfind("\033[1m/bin/ls\033[0m  ELF 64-bit", 0), 0u) << painted;
  EXPECT_NE(painted.find("  \033[2m["), std::string::npos) << painted;
  setenv("NO_COLOR", "1", 1);
  EXPECT_EQ(run_tty().find('\033'), std::string::npos);
  unsetenv("NO_COLOR");
}

// exray check: 0 when all hold, 3 with one line per failed requirement naming
// its evidence, 2 for a requirement it does not know.
TEST(Cli, CheckRequirements) {
  CliRun ok = Cli({"check", "/bin/ls", "--require", "no-vm,no-jit,nx,language=c"});
  EXPECT_EQ(ok.rc, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("4 requirements hold"), std::string::npos);
  CliRun one = Cli({"check", "/bin/ls", "--require", "nx"});
  EXPECT_NE(one.out.find("/bin/ls: the requirement holds"), std::string::npos) << one.out;

  CliRun bad = Cli({"check", "/bin/ls", "--require", "static,no-interpreter", "--require", "language=go"});
  EXPECT_EQ(bad.rc, 3);
  EXPECT_NE(bad.out.find("static fails: linking is dynamic [PT_INTERP"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("no-interpreter fails: PT_INTERP names "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("language=go fails: language is c ["), std::string::npos) << bad.out;
  EXPECT_EQ(std::count(bad.out.begin(), bad.out.end(), '\n'), 3);

  EXPECT_EQ(Cli({"check", "/bin/ls", "--require", "glibc<=99.0"}).rc, 0);
  EXPECT_EQ(Cli({"check", "/bin/ls", "--require", "glibc<=2.0"}).rc, 3);
  EXPECT_EQ(Cli({"check", "/bin/ls", "--require", "bogus"}).rc, 2);
  EXPECT_EQ(Cli({"check", "/bin/ls", "--require", "glibc<=x"}).rc, 2);
  EXPECT_EQ(Cli({"check", "/bin/ls"}).rc, 2);  // --require is required
  EXPECT_EQ(Cli({"check", "/no/such/file", "--require", "nx"}).rc, 1);
}

}  // namespace
}  // namespace exray
