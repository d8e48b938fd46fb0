// The pure parts of `exray run`: smaps parsing and grouping, the
// classification of executable mappings, and the claims against a run.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "analysis/analyze.h"
#include "cli_run.h"
#include "report/run_report.h"
#include "support/escape.h"
#include "support/mapped_file.h"
#include "trace/sandbox.h"
#include "trace/smaps.h"
#include "trace/tracer.h"
#include "trace/verdict.h"
#include "trace/vmaquery.h"

namespace exray::trace {
namespace {

constexpr const char* kSmaps =
    "55d000000000-55d000001000 r--p 00000000 fd:01 100   /usr/bin/prog\n"
    "Size:                  4 kB\n"
    "Rss:                   4 kB\n"
    "Pss:                   2 kB\n"
    "VmFlags: rd mr mw me dw sd\n"
    "55d000001000-55d000003000 r-xp 00001000 fd:01 100   /usr/bin/prog\n"
    "Size:                  8 kB\n"
    "Rss:                   8 kB\n"
    "55d000003000-55d000004000 rw-p 00003000 fd:01 100   /usr/bin/prog\n"
    "Size:                  4 kB\n"
    "Rss:                   4 kB\n"
    "55d000004000-55d000005000 rw-p 00000000 00:00 0 \n"
    "Size:                  4 kB\n"
    "Rss:                   4 kB\n"
    "55d000100000-55d000121000 rw-p 00000000 00:00 0                          [heap]\n"
    "Size:                132 kB\n"
    "Rss:                  12 kB\n"
    "c000000000-c004000000 rw-p 00000000 00:00 0 \n"
    "Size:              65536 kB\n"
    "Rss:                 400 kB\n"
    "7f0000000000-7f0000800000 rw-p 00000000 00:00 0 \n"
    "Size:               8192 kB\n"
    "Rss:                   8 kB\n"
    "7f0000900000-7f0000901000 rwxp 00000000 00:00 0 \n"
    "Size:                  4 kB\n"
    "Rss:                   4 kB\n"
    "7f0001000000-7f0001100000 r-xp 00028000 fd:01 200   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "Size:               1024 kB\n"
    "Rss:                 800 kB\n"
    "7f0002000000-7f0002001000 r-xp 00000000 00:01 7     /memfd:jit (deleted)\n"
    "Size:                  4 kB\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
    "Size:                132 kB\n"
    "Rss:                  16 kB\n"
    "7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]\n"
    "Size:                  8 kB\n";

TEST(Smaps, ParsesHeadersAndFields) {
  auto v = ParseSmaps(kSmaps);
  ASSERT_EQ(v.size(), 12u);
  EXPECT_EQ(v[0].start, 0x55d000000000u);
  EXPECT_EQ(v[0].end, 0x55d000001000u);
  EXPECT_EQ(v[0].perms, "r--p");
  EXPECT_EQ(v[0].path, "/usr/bin/prog");
  EXPECT_EQ(v[0].rss_kb, 4u);
  EXPECT_EQ(v[0].pss_kb, 2u);
  EXPECT_EQ(v[1].offset, 0x1000u);
  EXPECT_EQ(v[3].path, "");
  EXPECT_EQ(v[4].path, "[heap]");
  EXPECT_EQ(v[9].path, "/memfd:jit (deleted)");
  EXPECT_EQ(v[9].size_kb, 4u);
}

TEST(Smaps, MapsFormatAndGarbage) {
  auto v = ParseSmaps("00400000-00401000 r-xp 00000000 08:01 5 /bin/x\nnot a line\n\nzz-yy r-xp 0 0:0 0\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].size_kb, 4u);  // from the range when there is no Size line
  EXPECT_TRUE(ParseSmaps("").empty());
  EXPECT_TRUE(ParseSmaps("Size: 4 kB\n").empty());  // a field before any header is skipped
}

const MemoryGroup& Group(const std::vector<MemoryGroup>& g, const std::string& kind) {
  for (const MemoryGroup& x : g)
    if (x.kind == kind) return x;
  static MemoryGroup none;
  return none;
}

TEST(Smaps, GroupsByKind) {
  GroupingInput in;
  in.program = "/usr/bin/prog";
  in.stack_pointers = {0x7f0000800000};  // a clone child_stack: the top of its VMA
  in.go = true;
  auto g = GroupMemory(ParseSmaps(kSmaps), in);
  ASSERT_EQ(g.size(), 9u);
  EXPECT_EQ(g[0].kind, "program-text");
  EXPECT_EQ(Group(g, "program-text").size_kb, 8u);
  EXPECT_EQ(Group(g, "program-data").vmas, 3u);  // r--, rw- and the bss after it
  EXPECT_EQ(Group(g, "heap").rss_kb, 12u);
  EXPECT_EQ(Group(g, "go-arenas").size_kb, 65536u);
  EXPECT_EQ(Group(g, "thread-stacks").vmas, 2u);  // [stack] and the clone stack
  EXPECT_EQ(Group(g, "anonymous").vmas, 1u);      // the rwx page
  EXPECT_EQ(Group(g, "libraries").rss_kb, 800u);
  EXPECT_EQ(Group(g, "shared-memory").vmas, 1u);  // the memfd
  EXPECT_EQ(Group(g, "other").vmas, 1u);          // [vdso]
}

// Shared memory escapes RLIMIT_DATA: it has a kind of its own, not "libraries".
TEST(Smaps, SharedMemoryKind) {
  auto g = GroupMemory(ParseSmaps("7f0000000000-7f0010000000 rw-s 00000000 00:01 5 /dev/zero (deleted)\n"
                                  "7f0010000000-7f0010100000 rw-s 00000000 00:01 6 /SYSV00000000 (deleted)\n"
                                  "7f0010100000-7f0010200000 rw-s 00000000 00:19 7 /dev/shm/exray-flood\n"
                                  "7f0010200000-7f0010300000 rw-s 00000000 fd:01 8 /srv/data.bin\n"
                                  "7f0010300000-7f0010400000 rw-p 00000000 00:05 9 /dev/zero\n"),
                       GroupingInput{});
  EXPECT_EQ(Group(g, "shared-memory").vmas, 3u);
  EXPECT_EQ(Group(g, "shared-memory").size_kb, (256u << 10) + 2048u);
  EXPECT_EQ(Group(g, "libraries").vmas, 2u);  // a shared file on disk, and a private map of /dev/zero
}

TEST(Smaps, NoGoArenasForOtherPrograms) {
  GroupingInput in;
  in.program = "/usr/bin/prog";
  auto g = GroupMemory(ParseSmaps(kSmaps), in);
  EXPECT_EQ(Group(g, "go-arenas").vmas, 0u);
  EXPECT_EQ(Group(g, "anonymous").vmas, 3u);  // the arena, the unclaimed stack-like VMA, the rwx page
}

Expected SampleExpected() {
  Expected e;
  e.program = "/usr/bin/prog";
  e.interpreter = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
  e.needed = {"/usr/lib/x86_64-linux-gnu/libc.so.6"};
  return e;
}

ExecMapping Map(std::string call, std::string path, uint32_t prot, std::string image = "/usr/bin/prog") {
  ExecMapping m;
  m.call = std::move(call);
  m.path = std::move(path);
  m.prot = prot;
  m.writable = prot & PROT_WRITE;
  m.image = std::move(image);
  m.adds_exec = true;
  return m;
}

TEST(Classify, BySource) {
  Expected e = SampleExpected();
  const uint32_t rx = PROT_READ | PROT_EXEC;
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", rx), e), MapSource::kNeeded);
  EXPECT_EQ(Classify(Map("mmap", "/usr/bin/prog", rx), e), MapSource::kProgram);
  EXPECT_EQ(Classify(Map("mmap", e.interpreter, rx), e), MapSource::kInterpreter);
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/x86_64-linux-gnu/libm.so.6", rx), e), MapSource::kRuntimeLoad);
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/x86_64-linux-gnu/libnss_files.so.2", rx), e), MapSource::kGlibc);
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so", rx), e), MapSource::kGlibc);
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1", rx), e), MapSource::kGlibc);
  EXPECT_EQ(Classify(Map("mmap", "", rx | PROT_WRITE), e), MapSource::kAnonymous);
  EXPECT_EQ(Classify(Map("mmap", "/memfd:doublemapper (deleted)", rx), e), MapSource::kMemfd);
  EXPECT_EQ(Classify(Map("mmap", "/dev/shm/x", rx), e), MapSource::kShared);
  ExecMapping tmp = Map("mmap", "/tmp/x.so", rx);
  tmp.tmpfs = true;
  EXPECT_EQ(Classify(tmp, e), MapSource::kShared);
  // A library mapped by a program the run exec'd is that program's business...
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/x86_64-linux-gnu/libm.so.6", rx, "/bin/true"), e), MapSource::kOtherImage);
  // ...but run-time code is run-time code whoever maps it.
  EXPECT_EQ(Classify(Map("mmap", "", rx, "/bin/true"), e), MapSource::kAnonymous);
}

// Code a process could change or did is run-time code, whatever file it
// came from: the path alone would call a written copy of libc "needed".
TEST(Classify, WrittenFileCode) {
  Expected e = SampleExpected();
  const uint32_t rx = PROT_READ | PROT_EXEC;
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  ExecMapping rwx = Map("mmap", libc, rx | PROT_WRITE);
  rwx.inode = 42;
  EXPECT_EQ(Classify(rwx, e), MapSource::kWritten);
  ExecMapping cow = Map("mprotect", libc, rx);
  cow.inode = 42;
  cow.written_pages = 1;
  EXPECT_EQ(Classify(cow, e), MapSource::kWritten);
  ExecMapping own = Map("mmap", "/usr/bin/prog", rx);
  own.written_pages = 3;
  EXPECT_EQ(Classify(own, e), MapSource::kWritten);
  ExecMapping dropped = Map("mmap", "/var/tmp/payload.so", rx);
  dropped.written_file = true;
  EXPECT_EQ(Classify(dropped, e), MapSource::kWritten);
  // MAP_SHARED|MAP_ANONYMOUS is shmem, shown as /dev/zero: anonymous memory.
  EXPECT_EQ(Classify(Map("mprotect", "/dev/zero (deleted)", rx), e), MapSource::kAnonymous);
  EXPECT_TRUE(IsJit(MapSource::kWritten));
  // Run-time code in a program the run exec'd still refutes "no JIT".
  Observation o;
  ExecMapping other = Map("mmap", "", rx | PROT_WRITE, "/usr/bin/helper");
  other.ok = true;
  other.source = MapSource::kAnonymous;
  o.exec_mappings.push_back(other);
  o.program_real = "/usr/bin/prog";
  Analysis a;
  a.format = "elf";
  a.execution = Execution{};
  a.execution->jit = "no";
  auto claims = CompareWithStatic(a, o);
  ASSERT_FALSE(claims.empty());
  EXPECT_EQ(claims[0].name, "jit");
  EXPECT_EQ(claims[0].status, "refuted");
}

// A VM launcher's engine comes from its installation at run time (java ->
// <home>/lib/server/libjvm.so); what libjvm needs is the engine's too.
TEST(Classify, VmLauncherEngine) {
  Expected e = SampleExpected();
  e.engine = "hotspot";
  e.engine_home = "/usr/lib/jvm/j17";
  const uint32_t rx = PROT_READ | PROT_EXEC;
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/jvm/j17/lib/server/libjvm.so", rx), e), MapSource::kEngine);
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/jvm/j17x/lib/libevil.so", rx), e), MapSource::kRuntimeLoad);
  EXPECT_EQ(Classify(Map("mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", rx), e), MapSource::kNeeded);
  // libm is in no file's closure here (the engine file does not exist): a run-time load.
  Observation obs;
  obs.exec_mappings = {Map("mmap", "/usr/lib/jvm/j17/lib/server/libjvm.so", rx),
                       Map("mmap", "/usr/lib/x86_64-linux-gnu/libm.so.6", rx)};
  ClassifyAll(&obs, e);
  EXPECT_EQ(obs.exec_mappings[0].source, MapSource::kEngine);
  EXPECT_EQ(obs.exec_mappings[1].source, MapSource::kRuntimeLoad);
}

Observation SampleRun() {
  Observation o;
  o.program_real = "/usr/bin/prog";
  o.started = o.exited = true;
  const uint32_t rx = PROT_READ | PROT_EXEC;
  o.exec_mappings = {Map("mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", rx),
                     Map("mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", rx)};
  return o;
}

Analysis SampleAnalysis(std::string jit, std::string linking = "dynamic") {
  Analysis a;
  a.format = "elf";
  a.linking = *Linking::Find(linking);
  a.execution = Execution{};
  a.execution->model = "native";
  a.execution->jit = *Jit::Find(jit);
  return a;
}

std::string Status(const std::vector<Claim>& cs, const std::string& name) {
  for (const Claim& c : cs)
    if (c.name == name) return c.status;
  return "";
}

TEST(Verdict, CleanRunConfirms) {
  Observation o = SampleRun();
  ClassifyAll(&o, SampleExpected());
  auto files = MappedFiles(o);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].mappings, 2u);
  EXPECT_TRUE(JitMappings(o).empty());
  auto cs = CompareWithStatic(SampleAnalysis("no"), o);
  EXPECT_EQ(Status(cs, "jit"), "confirmed");
  EXPECT_EQ(Status(cs, "runtime-loading"), "confirmed");
  EXPECT_EQ(Status(cs, "linking"), "confirmed");
  EXPECT_EQ(Status(cs, "threads"), "no static claim");
}

TEST(Verdict, JitAndDlopenRefute) {
  Observation o = SampleRun();
  ExecMapping rw_to_rx = Map("mprotect", "", PROT_READ | PROT_EXEC);
  rw_to_rx.prev_prot = "rw-p";
  o.exec_mappings.push_back(rw_to_rx);
  o.exec_mappings.push_back(Map("mmap", "/opt/plugin.so", PROT_READ | PROT_EXEC));
  ClassifyAll(&o, SampleExpected());
  EXPECT_EQ(JitMappings(o).size(), 1u);
  auto cs = CompareWithStatic(SampleAnalysis("no"), o);
  EXPECT_EQ(Status(cs, "jit"), "refuted");
  EXPECT_EQ(Status(cs, "runtime-loading"), "refuted");
}

TEST(Verdict, ExecKeepingMprotectIsNotJit) {
  Observation o = SampleRun();
  ExecMapping keep = Map("mprotect", "", PROT_READ | PROT_EXEC);
  keep.adds_exec = false;  // RX -> RX
  o.exec_mappings.push_back(keep);
  ExecMapping failed = Map("mmap", "", PROT_READ | PROT_WRITE | PROT_EXEC);
  failed.ok = false;  // refused by the kernel: nothing became executable
  o.exec_mappings.push_back(failed);
  ClassifyAll(&o, SampleExpected());
  EXPECT_TRUE(JitMappings(o).empty());
}

TEST(Verdict, JitEngineNotExercised) {
  Observation o = SampleRun();
  ClassifyAll(&o, SampleExpected());
  auto cs = CompareWithStatic(SampleAnalysis("yes"), o);
  EXPECT_EQ(Status(cs, "jit"), "not exercised on this run");
}

TEST(Verdict, GlibcLoadsDoNotRefute) {
  Observation o = SampleRun();
  o.exec_mappings.push_back(Map("mmap", "/usr/lib/x86_64-linux-gnu/libnss_files.so.2", PROT_READ | PROT_EXEC));
  ClassifyAll(&o, SampleExpected());
  auto cs = CompareWithStatic(SampleAnalysis("no"), o);
  EXPECT_EQ(Status(cs, "runtime-loading"), "confirmed");
}

TEST(Verdict, StaticRefutedByALibrary) {
  Observation o = SampleRun();
  ClassifyAll(&o, SampleExpected());
  auto cs = CompareWithStatic(SampleAnalysis("no", "static"), o);
  EXPECT_EQ(Status(cs, "linking"), "refuted");
  Observation bare;
  bare.program_real = "/usr/bin/prog";
  EXPECT_EQ(Status(CompareWithStatic(SampleAnalysis("no", "static"), bare), "linking"), "confirmed");
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The closure of a real system binary: /bin/ls needs libselinux, which needs libpcre2-8.
TEST(Expected, ClosureIsTransitive) {
  ReadBuffer buffer;
  auto f = MappedFile::Open("/bin/ls", &buffer);
  if (!f) GTEST_SKIP() << "no /bin/ls";
  AnalyzeOptions ao;
  ao.source = f->get();
  auto a = Analyze("/bin/ls", (*f)->view(), ao);
  ASSERT_TRUE(a.ok());
  if (!a->elf || a->elf->needed.empty()) GTEST_SKIP() << "/bin/ls is static here";
  Expected e = ComputeExpected(*a, "");
  EXPECT_FALSE(e.interpreter.empty());
  bool libc = false, pcre = false;
  for (const std::string& p : e.needed) {
    EXPECT_EQ(p[0], '/') << p;
    libc |= EndsWith(p, "/libc.so.6");
    pcre |= p.find("/libpcre2-8.so") != std::string::npos;
  }
  EXPECT_TRUE(libc);
  bool selinux = false;
  for (std::string_view n : a->elf->needed) selinux |= n == "libselinux.so.1";
  if (selinux) {
    EXPECT_TRUE(pcre) << "libselinux's own DT_NEEDED was not followed";
  }
  EXPECT_TRUE(e.unresolved.empty());
}

TEST(RunCli, UsageErrors) {
  auto bad_size = exray::testing::Cli({"run", "/bin/true", "--memory", "12X"});
  EXPECT_EQ(bad_size.rc, 2);
  EXPECT_NE(bad_size.err.find("not a size"), std::string::npos);
  auto zero = exray::testing::Cli({"run", "/bin/true", "--memory", "0"});
  EXPECT_EQ(zero.rc, 2);
  auto unset = exray::testing::Cli({"run", "/bin/true", "--env", "EXRAY_TEST_SURELY_UNSET_VARIABLE"});
  EXPECT_EQ(unset.rc, 2);
  EXPECT_NE(unset.err.find("not set in exray's environment"), std::string::npos);
  auto no_stdin = exray::testing::Cli({"run", "/bin/true", "--stdin", "/nonexistent/stdin"});
  EXPECT_EQ(no_stdin.rc, 2);
  // The program's arguments without --: say where they go.
  auto no_dashes = exray::testing::Cli({"run", "/bin/echo", "hi"});
  EXPECT_EQ(no_dashes.rc, 2);
  EXPECT_NE(no_dashes.err.find("go after --"), std::string::npos) << no_dashes.err;
}

// What the traced program names (paths, argv, its files) must not forge report
// lines or send escape sequences to the terminal.
TEST(RunReport, TextEscapesControlBytes) {
  Analysis a;
  a.path = "/tmp/p";
  Observation o;
  o.program = "/tmp/a\x1b[31m\nexit: status 0 FAKE";
  o.argv = {o.program, "arg\x07"};
  o.started = o.exited = true;
  ExecEvent e;
  e.path = o.program;
  e.argv0 = "\x1b]0;title\x07";
  e.ok = e.initial = true;
  o.execs.push_back(e);
  ExecMapping m = Map("mmap", "/tmp/lib\nFAKE.so", PROT_READ | PROT_EXEC);
  m.source = MapSource::kRuntimeLoad;
  o.exec_mappings.push_back(m);
  o.escapes.push_back({1, "proc-mem-write", "flagged", "/proc/1/mem\r\x1b[2J"});
  Expected ex;
  RunReport r;
  r.analysis = &a;
  r.obs = &o;
  r.expected = &ex;
  const std::string text = RunToText(r);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find("\nexit: status 0 FAKE"), std::string::npos);
  EXPECT_EQ(text.find("\nFAKE.so"), std::string::npos);
  EXPECT_NE(text.find("\\x1b[31m\\x0aexit: status 0 FAKE"), std::string::npos);
}

TEST(Environment, CleanAndExtra) {
  auto env = CleanEnvironment({"HOME=/home/x", "A=1=2", "=bad", "noequals"});
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/home/x", "A=1=2"}));
  EXPECT_EQ(CleanEnvironment().size(), 3u);
}

// The sandbox's root shows an allow-list of host directories and private
// /tmp, /run, /dev/shm: what the run names elsewhere is bound in.
TEST(Sandbox, HiddenPathsToExpose) {
  // The working directory counts too: make it one outside /tmp.
  char old_cwd[PATH_MAX];
  ASSERT_NE(getcwd(old_cwd, sizeof old_cwd), nullptr);
  ASSERT_EQ(chdir("/"), 0);
  char tmpl[] = "/tmp/exray-expose-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string prog = dir + "/prog", data = dir + "/sub/data.txt";
  ASSERT_EQ(mkdir((dir + "/sub").c_str(), 0755), 0);
  for (const std::string& f : {prog, data}) {
    FILE* fp = fopen(f.c_str(), "w");
    ASSERT_NE(fp, nullptr);
    fclose(fp);
  }
  // The program's directory covers the data file beneath it.
  EXPECT_EQ(HiddenPathsToExpose(prog, {data, "-v", "/etc/hostname"}), std::vector<std::string>{dir});
  // Outside /tmp: nothing to expose; a file argument beneath /tmp is bound alone.
  EXPECT_EQ(HiddenPathsToExpose("/bin/true", {data}), std::vector<std::string>{data});
  EXPECT_TRUE(HiddenPathsToExpose("/bin/true", {"/nonexistent", ""}).empty());
  // Shown by the root already, or the sandbox's own: never bound from the host.
  EXPECT_TRUE(HiddenPathsToExpose("/bin/true", {"/", "/etc/hostname", "/usr/share", "/dev/null", "/proc/self/status",
                                                "/tmp", "/home"})
                  .empty());
  // Outside the allow-list and outside /tmp: a directory under /var is bound too,
  // but not a socket (a channel to the host).
  char var_tmpl[] = "/var/tmp/exray-expose-XXXXXX";
  if (mkdtemp(var_tmpl)) {
    const std::string var_dir = var_tmpl, sock = var_dir + "/s";
    EXPECT_EQ(HiddenPathsToExpose("/bin/true", {var_dir}), std::vector<std::string>{var_dir});
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock.c_str());
    ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
    EXPECT_TRUE(HiddenPathsToExpose("/bin/true", {sock}).empty());
    close(s);
    unlink(sock.c_str());
    rmdir(var_dir.c_str());
  }
  // The program directly in a directory the sandbox makes: bound alone.
  const std::string lone = "/tmp/exray-expose-lone-" + std::to_string(getpid());
  FILE* fp = fopen(lone.c_str(), "w");
  ASSERT_NE(fp, nullptr);
  fclose(fp);
  EXPECT_EQ(HiddenPathsToExpose(lone, {}), std::vector<std::string>{lone});
  unlink(lone.c_str());
  unlink(prog.c_str());
  unlink(data.c_str());
  rmdir((dir + "/sub").c_str());
  rmdir(dir.c_str());
  ASSERT_EQ(chdir(old_cwd), 0);
}

}  // namespace
}  // namespace exray::trace

namespace exray {
namespace {

TEST(EscapeTerminal, ControlsBidiAndInvalidUtf8) {
  EXPECT_EQ(EscapeTerminal("plain text"), "plain text");
  EXPECT_EQ(EscapeTerminal("a\x1b[8mb"), "a\\x1b[8mb");
  EXPECT_EQ(EscapeTerminal("line\nnext\t", "\n\t"), "line\nnext\t");
  EXPECT_EQ(EscapeTerminal("line\n"), "line\\x0a");
  EXPECT_EQ(EscapeTerminal("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");  // é and a check mark pass
  EXPECT_EQ(EscapeTerminal("evil\xe2\x80\xaetxt.exe"), "evil\\xe2\\x80\\xaetxt.exe");  // U+202E
  EXPECT_EQ(EscapeTerminal("\xe2\x81\xa6x"), "\\xe2\\x81\\xa6x");                      // U+2066
  EXPECT_EQ(EscapeTerminal("\xc2\x9b"), "\\xc2\\x9b");                                    // C1 CSI
  EXPECT_EQ(EscapeTerminal("\xff\xc3"), "\\xff\\xc3");                                    // invalid, truncated
  EXPECT_EQ(EscapeTerminal("\xc0\xaf"), "\\xc0\\xaf");                                    // overlong
  EXPECT_EQ(EscapeTerminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");                        // a surrogate
}

TEST(EscapeTerminal, IncompleteTail) {
  EXPECT_EQ(IncompleteUtf8Tail("abc"), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("ab\xe2"), 1u);
  EXPECT_EQ(IncompleteUtf8Tail("ab\xe2\x80"), 2u);
  EXPECT_EQ(IncompleteUtf8Tail("ab\xe2\x80\xae"), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("\xf0\x9f\x98"), 3u);
  EXPECT_EQ(IncompleteUtf8Tail("\x80\x80\x80"), 0u);  // no lead: nothing to wait for
}

}  // namespace
}  // namespace exray

namespace exray::trace {
namespace {

// The kernel's answer by ioctl and the maps text must agree (the text is the
// fallback on kernels before 6.11), and a private file mapping's written
// pages must show in pagemap.
TEST(ProcessMaps, QueryAgreesWithMapsText) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  char path[] = "/tmp/exray-vmaquery-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string data(4 * page, 'x');
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  void* m = mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ASSERT_NE(m, MAP_FAILED);
  const uint64_t start = reinterpret_cast<uint64_t>(m);
  ProcessMaps maps(getpid());
  auto vmas = maps.Overlapping(start, start + 4 * page, 8);
  ASSERT_EQ(vmas.size(), 1u);
  EXPECT_EQ(vmas[0].start, start);
  EXPECT_EQ(vmas[0].end, start + 4 * page);
  EXPECT_EQ(vmas[0].Perms(), "rw-p");
  EXPECT_NE(vmas[0].inode, 0u);
  EXPECT_EQ(vmas[0].name, path);
  // Nothing written yet: every page is the file's.
  EXPECT_EQ(WrittenPrivatePages(getpid(), start, start + 4 * page, 1024).value_or(99), 0u);
  static_cast<char*>(m)[page] = 'y';  // one copy on write
  EXPECT_EQ(WrittenPrivatePages(getpid(), start, start + 4 * page, 1024).value_or(99), 1u);
  ASSERT_EQ(mprotect(m, 4 * page, PROT_READ | PROT_EXEC), 0);
  auto exec = maps.Executable(4096);
  bool found = false;
  for (const VmaInfo& v : exec) found |= v.start == start && v.exec && !v.write;
  EXPECT_TRUE(found);
  // The same VMAs as the maps text, address for address.
  std::string text;
  {
    FILE* f = fopen("/proc/self/maps", "r");
    ASSERT_NE(f, nullptr);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    fclose(f);
  }
  size_t text_exec = 0;
  // [vsyscall] is the kernel's gate page, not a VMA: the ioctl does not return it.
  for (const Vma& v : ParseSmaps(text)) text_exec += v.perms.size() > 2 && v.perms[2] == 'x' && v.path != "[vsyscall]";
  EXPECT_EQ(exec.size(), text_exec);
  munmap(m, 4 * page);
  close(fd);
  unlink(path);
}

}  // namespace
}  // namespace exray::trace
