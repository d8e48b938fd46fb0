// Classification of a run's executable mappings and the static claims beside them.
#include "trace/verdict.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>

#include "analysis/analyze.h"
#include "analysis/identify.h"
#include "formats/elf/parser.h"
#include "support/mapped_file.h"

namespace exray::trace {

const char* ToString(MapSource s) {
  switch (s) {
    case MapSource::kProgram: return "program";
    case MapSource::kInterpreter: return "interpreter";
    case MapSource::kNeeded: return "needed";
    case MapSource::kGlibc: return "glibc-internal";
    case MapSource::kEngine: return "engine";
    case MapSource::kRuntimeLoad: return "runtime-load";
    case MapSource::kExtension: return "extension";
    case MapSource::kAnonymous: return "anonymous";
    case MapSource::kMemfd: return "memfd";
    case MapSource::kShared: return "shared-memory";
    case MapSource::kOtherImage: return "other-program";
    case MapSource::kWritten: return "written-file";
  }
  return "unknown";
}

namespace {

std::string Canonical(const std::string& p) {
  char buf[PATH_MAX];
  if (realpath(p.c_str(), buf)) return buf;
  return "";
}

std::string Dirname(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? "." : s == 0 ? "/" : p.substr(0, s);
}

std::string Basename(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::vector<std::string> SplitPath(std::string_view list, const std::string& origin) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b <= list.size()) {
    size_t e = list.find(':', b);
    if (e == std::string_view::npos) e = list.size();
    std::string d(list.substr(b, e - b));
    for (const char* tok : {"$ORIGIN", "${ORIGIN}"}) {
      size_t at;
      while ((at = d.find(tok)) != std::string::npos) d.replace(at, strlen(tok), origin);
    }
    if (!d.empty()) out.push_back(d);
    b = e + 1;
  }
  return out;
}

std::vector<std::string> LdSoConfDirs() {
  std::vector<std::string> dirs;
  DIR* d = opendir("/etc/ld.so.conf.d");
  if (!d) return dirs;
  std::vector<std::string> files;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".conf") == 0) files.push_back("/etc/ld.so.conf.d/" + n);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::string line;
    for (int i = 0; i < 256 && std::getline(in, line); ++i)
      if (!line.empty() && line[0] == '/') dirs.push_back(line.substr(0, line.find_first_of(" \t#")));
  }
  return dirs;
}

struct Dyn {
  std::vector<std::string> needed;
  std::string rpath, runpath, interpreter;
};

std::optional<Dyn> ReadDyn(const std::string& path) {
  ReadBuffer buffer;
  auto f = MappedFile::Open(path, &buffer);
  if (!f) return std::nullopt;
  (*f)->Ensure(0, 64);
  if (!elf::IsElf((*f)->view())) return std::nullopt;
  elf::ParseOptions po;
  po.source = f->get();
  auto e = elf::Parse((*f)->view(), po);
  if (!e) return std::nullopt;
  Dyn d;
  for (std::string_view n : e->needed) d.needed.emplace_back(n);
  if (e->rpath) d.rpath = std::string(*e->rpath);
  if (e->runpath) d.runpath = std::string(*e->runpath);
  if (e->interpreter) d.interpreter = std::string(*e->interpreter);
  return d;
}

struct Root {
  std::string path;
  Dyn dyn;
};

/// The canonical paths of the DT_NEEDED closure of `roots` (not the roots
/// themselves), as ld.so would resolve them; names not found go to unresolved.
std::set<std::string> NeededClosure(const std::vector<Root>& roots, std::vector<std::string>* unresolved) {
  std::set<std::string> out;
  const std::vector<std::string> conf = LdSoConfDirs();
  static const char* const kDefault[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                                         "/usr/lib64", "/lib", "/usr/lib"};
  std::set<std::string> seen_names;
  // (name, the object that needs it): its RPATH/RUNPATH and $ORIGIN apply.
  struct Want {
    std::string name, from_path;
    std::string rpath, runpath;
  };
  std::deque<Want> queue;
  for (const Root& r : roots)
    for (const std::string& n : r.dyn.needed) queue.push_back({n, r.path, r.dyn.rpath, r.dyn.runpath});
  while (!queue.empty() && out.size() < kMaxClosure) {
    Want w = std::move(queue.front());
    queue.pop_front();
    if (!seen_names.insert(w.name).second) continue;
    std::vector<std::string> dirs;
    const std::string origin = Dirname(w.from_path);
    if (w.name.find('/') != std::string::npos) {
      dirs.push_back("");
    } else {
      if (w.runpath.empty()) for (auto& d : SplitPath(w.rpath, origin)) dirs.push_back(d);
      for (auto& d : SplitPath(w.runpath, origin)) dirs.push_back(d);
      dirs.insert(dirs.end(), conf.begin(), conf.end());
      dirs.insert(dirs.end(), std::begin(kDefault), std::end(kDefault));
    }
    std::string found;
    for (const std::string& d : dirs) {
      std::string c = Canonical(d.empty() ? w.name : d + "/" + w.name);
      if (!c.empty()) {
        found = c;
        break;
      }
    }
    if (found.empty()) {
      if (unresolved) unresolved->push_back(w.name);
      continue;
    }
    if (!out.insert(found).second) continue;
    if (auto d = ReadDyn(found)) {
      for (const std::string& n : d->needed) queue.push_back({n, found, d->rpath, d->runpath});
    }
  }
  return out;
}

// Run-time loads in the DT_NEEDED closure of the files of source `of` become
// that source too: they came with those files.
void AdoptNeeded(Observation* obs, MapSource of) {
  std::vector<Root> roots;
  std::set<std::string> seen;
  for (const ExecMapping& m : obs->exec_mappings)
    if (m.source == of && seen.insert(m.path).second && roots.size() < kMaxClosure)
      if (auto d = ReadDyn(m.path)) roots.push_back({m.path, std::move(*d)});
  if (roots.empty()) return;
  const std::set<std::string> closure = NeededClosure(roots, nullptr);
  for (ExecMapping& m : obs->exec_mappings)
    if (m.source == MapSource::kRuntimeLoad && closure.count(m.path)) m.source = of;
}

bool IsExtensionModule(const std::string& path) {
  ReadBuffer buffer;
  auto f = MappedFile::Open(path, &buffer);
  if (!f) return false;
  (*f)->Ensure(0, 64);
  if (!elf::IsElf((*f)->view())) return false;
  AnalyzeOptions opts;
  opts.identify = false;  // the kind is all that is asked
  opts.source = f->get();
  auto a = Analyze(path, (*f)->view(), opts);
  return a && a->kind == "extension-module";
}

}  // namespace

bool IsGlibcInternalLoad(const std::string& path) {
  std::string b = Basename(path);
  return b.rfind("libnss_", 0) == 0 || b.rfind("libgcc_s.so", 0) == 0 || b.rfind("libidn2.so", 0) == 0 ||
         path.find("/gconv/") != std::string::npos;
}

Expected ComputeExpected(const Analysis& a, const std::string& program_real) {
  Expected ex;
  ex.program = program_real.empty() ? Canonical(a.path) : program_real;
  ex.go = a.go.has_value();
  Dyn top;
  if (a.elf) {
    for (std::string_view n : a.elf->needed) top.needed.emplace_back(n);
    if (a.elf->rpath) top.rpath = std::string(*a.elf->rpath);
    if (a.elf->runpath) top.runpath = std::string(*a.elf->runpath);
    if (a.elf->interpreter) top.interpreter = std::string(*a.elf->interpreter);
  } else if (auto d = program_real.empty() ? std::nullopt : ReadDyn(program_real)) {
    top = std::move(*d);  // a script: what is expected is what its interpreter (the file that ran) needs
  } else {
    return ex;
  }
  if (!top.interpreter.empty()) ex.interpreter = Canonical(top.interpreter);
  std::vector<Root> roots;
  roots.push_back({ex.program, std::move(top)});
  ex.needed = NeededClosure(roots, &ex.unresolved);
  if (a.execution && !a.execution->engine.empty()) ex.engine = a.execution->engine;
  // A launcher loads its engine from its installation at run time (java and
  // libjvm.so). Not when the engine is in the file (bun) or in what the file
  // needs (guile and libguile).
  const bool engine_linked =
      a.execution && (a.execution->engine_in_file ||
                      std::any_of(ex.needed.begin(), ex.needed.end(), [&](const std::string& p) {
                        return IsEngineLibrary(Basename(p), a.execution->engine);
                      }));
  if (a.execution && a.execution->model == "vm" && !a.execution->engine.empty() && !engine_linked) {
    // <home>/bin/java -> <home>; never a directory shared by the whole system.
    std::string home = Dirname(ex.program);
    if (home.size() > 4 && home.compare(home.size() - 4, 4, "/bin") == 0) home = Dirname(home);
    static const std::set<std::string> kShared = {"", "/", "/usr", "/usr/local", "/opt", "/usr/lib", "/usr/share",
                                                   "/usr/lib64", "/snap", "/bin", "/usr/bin", "/usr/local/bin"};
    if (!kShared.count(home)) ex.engine_home = home;
  }
  return ex;
}

std::optional<MapSource> RunTimeSource(const ExecMapping& m) {
  std::string_view path = m.path;
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() && path.substr(path.size() - kDeleted.size()) == kDeleted)
    path.remove_suffix(kDeleted.size());
  if (path.empty() || path == "/dev/zero") return MapSource::kAnonymous;  // shared anonymous memory is /dev/zero
  if (path.rfind("/memfd:", 0) == 0) return MapSource::kMemfd;
  if (path.rfind("/SYSV", 0) == 0 || path.rfind("SYSV shm", 0) == 0) return MapSource::kShared;
  // A file's code that the process could change or did: a private RWX
  // mapping, pages copied on write, or a file the run wrote itself.
  if (m.written_pages > 0 || m.written_file || (m.writable && m.call != "shmat")) return MapSource::kWritten;
  if (m.tmpfs || path.rfind("/dev/shm/", 0) == 0) return MapSource::kShared;
  return std::nullopt;
}

MapSource Classify(const ExecMapping& m, const Expected& e) {
  // Run-time code first, from what the kernel mapped, in any program of the run.
  if (auto jit = RunTimeSource(m)) return *jit;
  std::string path = m.path;
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
    path.resize(path.size() - deleted.size());
  if (!m.image.empty() && !e.program.empty() && m.image != e.program) return MapSource::kOtherImage;
  if (path == e.program) return MapSource::kProgram;
  if (!e.interpreter.empty() && path == e.interpreter) return MapSource::kInterpreter;
  if (e.needed.count(path)) return MapSource::kNeeded;
  if (IsGlibcInternalLoad(path)) return MapSource::kGlibc;
  if (!e.engine_home.empty() && path.rfind(e.engine_home + "/", 0) == 0) return MapSource::kEngine;
  return MapSource::kRuntimeLoad;
}

void ClassifyAll(Observation* obs, const Expected& e) {
  for (ExecMapping& m : obs->exec_mappings) m.source = Classify(m, e);
  // A file loaded at run time that is an extension module (it defines the
  // entry point a host looks up: PyInit_*, get_module, Init_*) is its
  // engine's extension when the program runs an engine. Read statically.
  if (!e.engine.empty()) {
    std::map<std::string, bool> is_ext;
    for (ExecMapping& m : obs->exec_mappings) {
      if (m.source != MapSource::kRuntimeLoad) continue;
      auto it = is_ext.find(m.path);
      if (it == is_ext.end()) {
        if (is_ext.size() >= kMaxClosure) continue;
        it = is_ext.emplace(m.path, IsExtensionModule(m.path)).first;
      }
      if (it->second) m.source = MapSource::kExtension;
    }
    // What the extensions need (the ssl module: libssl, libcrypto) comes with them.
    AdoptNeeded(obs, MapSource::kExtension);
  }
  // What the engine's own files need (libjvm.so: libstdc++, libm) is the engine's too.
  if (!e.engine_home.empty()) AdoptNeeded(obs, MapSource::kEngine);
}

std::vector<MappedObject> MappedFiles(const Observation& obs) {
  std::vector<MappedObject> out;
  std::map<std::string, size_t> index;
  for (const ExecMapping& m : obs.exec_mappings) {
    if (!m.ok || IsJit(m.source) || m.source == MapSource::kOtherImage) continue;
    if (m.call != "mmap" && !m.adds_exec) continue;
    auto [it, fresh] = index.emplace(m.path, out.size());
    if (fresh) out.push_back({m.path, m.source, 0, m.seq, m.t_us});
    ++out[it->second].mappings;
  }
  return out;
}

std::vector<const ExecMapping*> JitMappings(const Observation& obs) {
  std::vector<const ExecMapping*> out;
  for (const ExecMapping& m : obs.exec_mappings) {
    if (!m.ok || !IsJit(m.source)) continue;
    // mprotect keeping exec (RX -> RX) makes no new code executable.
    if ((m.call == "mprotect" || m.call == "pkey_mprotect") && !m.adds_exec && !m.writable) continue;
    out.push_back(&m);
  }
  return out;
}

uint64_t FilelessExecs(const Observation& obs) {
  uint64_t n = 0;
  for (const ExecEvent& e : obs.execs) n += e.ok && !e.initial && e.generated;
  return n;
}

std::vector<Claim> CompareWithStatic(const Analysis& a, const Observation& obs, const Expected* e) {
  std::vector<Claim> claims;
  const std::string& prog = obs.program_real;
  uint64_t jit_own = 0, jit_other = 0;
  std::set<std::string> jit_programs;  // the exec'd programs that made run-time code
  for (const ExecMapping* m : JitMappings(obs)) {
    const bool own = m->image == prog || prog.empty();
    (own ? jit_own : jit_other)++;
    if (!own && jit_programs.size() < 3) jit_programs.insert(Basename(m->image));
  }
  bool read_implies_exec = false;
  for (const EscapeAttempt& e : obs.escapes) read_implies_exec |= e.what == "personality-exec";
  uint64_t fileless = FilelessExecs(obs);
  // JIT.
  {
    Claim c{"jit", "no static claim", "", "no static claim"};
    std::string jit(a.execution ? a.execution->jit.str() : "unknown");
    std::string engine = a.execution && !a.execution->engine.empty() ? " (" + a.execution->engine + ")" : "";
    // Run-time code in a program FILE exec'd is still code the run made: the
    // claim is about what running FILE does, and a helper can carry the JIT.
    const bool seen = jit_own > 0 || jit_other > 0 || read_implies_exec || fileless > 0;
    std::vector<std::string> parts;
    if (jit_own)
      parts.push_back(fmt::format("{} mapping(s) of run-time code (anonymous, memfd or shared memory made executable)",
                                  jit_own));
    if (jit_other) {
      std::string names;
      for (const std::string& n : jit_programs) names += (names.empty() ? "" : ", ") + n;
      parts.push_back(fmt::format("{} by programs it exec'd ({})", jit_other, names));
    }
    if (read_implies_exec) parts.push_back("personality(READ_IMPLIES_EXEC)");
    if (fileless) parts.push_back(fmt::format("{} exec(s) of a memfd or shared-memory file (fileless)", fileless));
    if (parts.empty()) parts.push_back("no run-time code mapped executable");
    for (size_t i = 0; i < parts.size(); ++i) c.observed += (i ? "; " : "") + parts[i];
    if (jit == "no") {
      // A script's verdict is its interpreter's: what the script execs is
      // not known before it runs (erl execs beam.smp).
      c.static_says = a.script ? fmt::format("no JIT engine in its interpreter ({}); the programs it execs are not "
                                             "known statically",
                                             Basename(a.script->interpreter))
                               : "no JIT engine";
      c.status = seen ? "refuted" : "confirmed";
    } else if (jit == "yes") {
      c.static_says = "JIT engine" + engine;
      c.status = seen ? "confirmed" : "not exercised on this run";
    } else if (jit == "capable") {
      c.static_says = "JIT capable, off by default" + engine;
      c.status = seen ? "refuted" : "confirmed";
    }
    claims.push_back(c);
  }
  std::vector<MappedObject> files = MappedFiles(obs);
  uint64_t runtime = 0, glibc = 0, libs = 0, engine = 0, extensions = 0;
  std::string runtime_names, glibc_names, engine_names, extension_names;
  for (const MappedObject& f : files) {
    if (f.source == MapSource::kExtension && extensions++ < 3)
      extension_names += (extension_names.empty() ? "" : ", ") + f.path.substr(f.path.rfind('/') + 1);
    if (f.source == MapSource::kEngine && engine++ < 3)
      engine_names += (engine_names.empty() ? "" : ", ") + f.path.substr(f.path.rfind('/') + 1);
    if (f.source == MapSource::kRuntimeLoad) {
      if (runtime++ < 3) runtime_names += (runtime_names.empty() ? "" : ", ") + f.path;
    }
    if (f.source == MapSource::kGlibc) {
      if (glibc++ < 3) glibc_names += (glibc_names.empty() ? "" : ", ") + f.path;
    }
    if (f.source != MapSource::kProgram) ++libs;
  }
  // Run-time loading.
  if (a.format == "elf") {
    Claim c{"runtime-loading", "", "", ""};
    c.static_says = a.elf && !a.elf->needed.empty()
                        ? fmt::format("its needed libraries only ({} direct)", a.elf->needed.size())
                        : "no shared libraries";
    const bool launcher = e && !e->engine_home.empty();
    if (launcher)
      c.static_says = fmt::format("its needed libraries ({} direct), then its engine ({}) from {} at run time",
                                  a.elf ? a.elf->needed.size() : 0, e->engine, e->engine_home);
    const bool runs_engine = e && !e->engine.empty();
    if (runs_engine && !launcher && a.elf && !a.elf->needed.empty())
      c.static_says = fmt::format("its needed libraries ({} direct)", a.elf->needed.size());
    if (runs_engine) c.static_says += fmt::format(", and extension modules of {} as its programs ask", e->engine);
    if (runtime) c.observed = fmt::format("{} other file(s) mapped executable: {}{}", runtime, runtime_names,
                                          runtime > 3 ? ", ..." : "");
    else if (!launcher && !extensions) c.observed = "no file outside the DT_NEEDED closure mapped executable";
    if (launcher)
      c.observed += fmt::format("{}{} engine file(s) loaded at run time{}{}{}", runtime ? "; " : "", engine,
                                engine ? ": " : "", engine_names, engine > 3 ? ", ..." : "");
    if (extensions)
      c.observed += fmt::format("{}{} file(s) of {}'s extension modules (the modules and what they need) loaded at "
                                "run time: {}{}",
                                c.observed.empty() ? "" : "; ", extensions, e ? e->engine : "", extension_names,
                                extensions > 3 ? ", ..." : "");
    if (glibc) c.observed += fmt::format("; glibc loaded {} on its own: {}{}", glibc, glibc_names, glibc > 3 ? ", ..." : "");
    c.status = runtime ? "refuted" : launcher && !engine ? "not exercised on this run" : "confirmed";
    claims.push_back(c);
  }
  // Linking.
  if (a.format == "elf" && a.linking != "none") {
    Claim c{"linking", std::string(a.linking.str()), "", ""};
    if (a.linking == "static" || a.linking == "static-pie") {
      c.observed = libs ? fmt::format("{} shared object(s) mapped executable", libs) : "no shared object mapped";
      c.status = libs ? "refuted" : "confirmed";
    } else {
      uint64_t needed = 0;
      for (const MappedObject& f : files) needed += f.source == MapSource::kNeeded;
      c.observed = fmt::format("{} library file(s) of the DT_NEEDED closure mapped by the loader", needed);
      c.status = needed || (a.elf && a.elf->needed.empty()) ? "confirmed" : "refuted";
    }
    claims.push_back(c);
  }
  // Threads.
  {
    Claim c{"threads", "no static claim", "", "no static claim"};
    c.observed = fmt::format("{} thread(s) started, at most {} at once in one process", obs.threads_started,
                             obs.peak_threads);
    if (a.go && a.go->compiler == "gc") {
      c.static_says = "Go runtime: scheduler and GC threads";
      c.status = obs.threads_started ? "confirmed" : "not exercised on this run";
    }
    claims.push_back(c);
  }
  return claims;
}

}  // namespace exray::trace
