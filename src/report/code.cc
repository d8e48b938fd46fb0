#include "report/code.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/json_writer.h"
#include "report/safe.h"
#include "support/hex.h"
#include "support/limits.h"

namespace exray {
namespace {


struct Group {
  uint64_t sites = 0, from_caller = 0, unknown = 0;
  std::set<int64_t> numbers;
};

std::map<std::string, Group> GroupSites(const code::Result& r) {
  std::map<std::string, Group> groups;
  for (const code::SyscallSite& s : r.syscall_sites) {
    Group& g = groups[r.SiteGroup(s.function)];
    ++g.sites;
    g.numbers.insert(s.numbers.begin(), s.numbers.end());
    if (s.from == code::ValueFrom::kCaller) ++g.from_caller;
    if (s.from == code::ValueFrom::kUnknown || (s.numbers.empty() && s.from == code::ValueFrom::kCaller)) ++g.unknown;
  }
  return groups;
}

std::vector<std::string> Examples(const code::Result& r, code::Convention c) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < r.functions.size() && out.size() < kExamples; ++i)
    if (r.functions[i].convention == c && r.functions[i].import.empty() && !r.functions[i].name.empty())
      out.push_back(r.NameOf(i));
  for (uint32_t i = 0; i < r.functions.size() && out.size() < kExamples; ++i)
    if (r.functions[i].convention == c && r.functions[i].import.empty() && r.functions[i].name.empty())
      out.push_back(r.NameOf(i));
  return out;
}

void SiteJson(JsonWriter& w, const code::Result& r, const code::SyscallSite& s) {
  w.BeginObject();
  w.Field("addr", Hex(s.addr));
  w.Field("function", r.NameOf(s.function));
  w.Field("insn", s.insn);
  w.Key("numbers");
  w.BeginArray();
  for (int64_t n : s.numbers) w.Int(n);
  w.EndArray();
  w.Key("names");
  w.BeginArray();
  for (int64_t n : s.numbers) w.String(code::SyscallName(r.arch, n));
  w.EndArray();
  w.Field("nr_from", code::ValueFromName(s.from));
  w.Field("some_unknown", s.some_unknown);
  w.EndObject();
}

}  // namespace

void CodeToJson(std::string_view path, const code::Result& r, std::string_view fde_source, std::ostream& out) {
  JsonWriter w(2);
  w.SetSink(&out);
  w.BeginObject();
  w.Field("path", path);
  w.Key("code");
  w.BeginObject();
  w.Field("arch", code::ArchName(r.arch));
  w.Field("text_bytes", r.text_bytes);
  w.Field("decoded_bytes", r.decoded_bytes);
  w.Field("instructions", r.instructions);
  w.Field("invalid", r.invalid);
  w.Key("functions");
  w.BeginObject();
  w.Field("total", static_cast<uint64_t>(r.functions.size()));
  w.Key("by_source");
  w.BeginObject();
  for (int s = 0; s <= static_cast<int>(code::FuncSource::kMaxValue); ++s)
    w.Field(code::FuncSourceName(static_cast<code::FuncSource>(s)), r.by_source[s]);
  w.EndObject();
  w.Key("bytes_by_source");
  w.BeginObject();
  for (int s = 0; s <= static_cast<int>(code::FuncSource::kMaxValue); ++s)
    w.Field(code::FuncSourceName(static_cast<code::FuncSource>(s)), r.bytes_by_source[s]);
  w.EndObject();
  w.Field("unwind_table", fde_source);
  uint64_t imports = 0;
  for (const code::Function& f : r.functions) imports += !f.import.empty();
  w.Field("import_stubs", imports);
  w.EndObject();
  w.Key("conventions");
  w.BeginArray();
  for (int c = 0; c <= static_cast<int>(code::Convention::kMaxValue); ++c) {
    if (!r.by_convention[c]) continue;
    w.BeginObject();
    w.Field("name", code::ConventionName(static_cast<code::Convention>(c)));
    w.Field("functions", r.by_convention[c]);
    w.Field("examples", Examples(r, static_cast<code::Convention>(c)));
    w.EndObject();
  }
  w.EndArray();
  w.Key("syscalls");
  w.BeginObject();
  w.Field("sites", static_cast<uint64_t>(r.syscall_sites.size()));
  w.Key("groups");
  w.BeginArray();
  for (const auto& [where, g] : GroupSites(r)) {
    w.BeginObject();
    w.Field("where", where);
    w.Field("sites", g.sites);
    w.Field("from_caller", g.from_caller);
    w.Field("unknown", g.unknown);
    w.Key("numbers");
    w.BeginArray();
    for (int64_t n : g.numbers) {
      w.BeginObject();
      w.Field("nr", static_cast<uint64_t>(n));
      w.Field("name", code::SyscallName(r.arch, n));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.Key("syscall_sites");
  w.BeginArray();
  for (const code::SyscallSite& s : r.syscall_sites) SiteJson(w, r, s);
  w.EndArray();
  w.Key("exec_memory");
  w.BeginObject();
  w.Key("requests");
  w.BeginArray();
  for (const code::ExecRequest& e : r.exec_requests) {
    w.BeginObject();
    w.Field("addr", Hex(e.addr));
    w.Field("function", r.NameOf(e.function));
    w.Field("via", e.via);
    w.Field("prot", static_cast<uint64_t>(e.prot));
    w.EndObject();
  }
  w.EndArray();
  w.Field("resolved", r.exec_checked);
  w.Field("undetermined", r.exec_undetermined);
  w.EndObject();
  w.Key("dispatch_loops");
  w.BeginArray();
  for (const code::DispatchLoop& l : r.loops) {
    w.BeginObject();
    w.Field("function", r.NameOf(l.function));
    w.Field("addr", Hex(l.addr));
    w.Field("shape", code::LoopShapeName(l.shape));
    w.Field("handlers", l.handlers);
    w.Key("table");
    if (l.table) w.String(Hex(l.table));
    else w.Null();
    w.Field("jumps", l.jumps);
    w.Field("evidence", l.evidence);
    w.EndObject();
  }
  w.EndArray();
  w.Field("warnings", r.diag.warnings());
  w.EndObject();
  w.EndObject();
  w.Flush();
  out << '\n';
}

void CodeToText(std::string_view path, const code::Result& r, std::string_view fde_source, std::ostream& out) {
  out << Safe(path) << ": " << code::ArchName(r.arch) << " code, " << r.text_bytes << " bytes of executable sections\n";
  out << fmt::format("  decoded       {} bytes in {} instructions ({} invalid)\n", r.decoded_bytes, r.instructions,
                     r.invalid);
  out << fmt::format("  functions     {}:", r.functions.size());
  const char* sep = " ";
  for (int s = 0; s <= static_cast<int>(code::FuncSource::kMaxValue); ++s) {
    if (!r.by_source[s]) continue;
    std::string_view name = code::FuncSourceName(static_cast<code::FuncSource>(s));
    if (s == static_cast<int>(code::FuncSource::kEhFrame) && !fde_source.empty()) name = fde_source;
    out << sep << fmt::format("{} from {} ({} bytes)", r.by_source[s], name, r.bytes_by_source[s]);
    sep = ", ";
  }
  out << '\n';
  out << "  conventions\n";
  for (int c = 0; c <= static_cast<int>(code::Convention::kMaxValue); ++c) {
    if (!r.by_convention[c]) continue;
    std::string ex;
    for (const std::string& e : Examples(r, static_cast<code::Convention>(c))) ex += (ex.empty() ? "" : ", ") + Safe(e);
    out << fmt::format("    {:<16}{:>8}  e.g. {}\n", code::ConventionName(static_cast<code::Convention>(c)),
                       r.by_convention[c], ex);
  }
  if (r.syscall_sites.empty()) {
    out << "  syscalls      no instruction calls the kernel directly\n";
  } else {
    out << fmt::format("  syscalls      {} sites call the kernel directly\n", r.syscall_sites.size());
    for (const auto& [where, g] : GroupSites(r)) {
      std::string nums;
      for (int64_t n : g.numbers) {
        const std::string name = code::SyscallName(r.arch, n);
        nums += fmt::format("{}{}({})", nums.empty() ? "" : " ", name.empty() ? "?" : name, n);
      }
      out << fmt::format("    {:<24} {:>4} site{}  {}{}\n", Safe(where), g.sites, g.sites == 1 ? " " : "s",
                         nums.empty() ? "number not followed" : nums,
                         g.unknown ? fmt::format(" (+{} not followed)", g.unknown) : "");
    }
  }
  if (r.exec_requests.empty()) {
    out << fmt::format("  exec memory   no code asks for executable memory ({} requests resolved without "
                       "PROT_EXEC, {} undetermined)\n",
                       r.exec_checked, r.exec_undetermined);
  } else {
    out << fmt::format("  exec memory   {} requests for executable memory ({} undetermined)\n",
                       r.exec_requests.size(), r.exec_undetermined);
    for (size_t i = 0; i < r.exec_requests.size() && i < kTextListed; ++i) {
      const code::ExecRequest& e = r.exec_requests[i];
      out << fmt::format("    {:#x} in {}: {}, prot {:#x}\n", e.addr, Safe(r.NameOf(e.function)), Safe(e.via), e.prot);
    }
  }
  if (r.loops.empty()) {
    out << "  dispatch      no bytecode dispatch loop found\n";
  } else {
    out << fmt::format("  dispatch      {} bytecode dispatch loop{}\n", r.loops.size(), r.loops.size() == 1 ? "" : "s");
    for (size_t i = 0; i < r.loops.size() && i < kTextListed; ++i) {
      const code::DispatchLoop& l = r.loops[i];
      out << fmt::format("    {} at {:#x} in {}: {}{}\n", code::LoopShapeName(l.shape), l.addr,
                         Safe(r.NameOf(l.function)), l.evidence,
                         l.table ? fmt::format(" (table {:#x})", l.table) : "");
    }
  }
  for (const std::string& wmsg : r.diag.warnings()) out << "  warning: " << Safe(wmsg) << '\n';
}

void CodeFunctionToJson(std::string_view path, const CodeFunctionView& v, std::ostream& out) {
  const code::Result& r = *v.result;
  const code::Function& f = r.functions[v.index];
  JsonWriter w(2);
  w.SetSink(&out);
  w.BeginObject();
  w.Field("path", path);
  w.Key("function");
  w.BeginObject();
  w.Field("name", r.NameOf(v.index));
  w.Field("start", Hex(f.start));
  w.Field("end", Hex(f.end));
  w.Field("source", code::FuncSourceName(f.source));
  w.Field("go", f.go_code);
  w.Field("convention", code::ConventionName(f.convention));
  w.Field("convention_evidence", f.convention_why);
  w.Key("frame_size");
  if (f.frame >= 0) w.Int(f.frame);
  else w.Null();
  w.Field("stack_check", f.stack_check);
  w.Key("import");
  if (f.import.empty()) w.Null();
  else w.String(f.import);
  w.Key("syscalls");
  w.BeginArray();
  for (const code::SyscallSite& s : r.syscall_sites)
    if (s.function == v.index) SiteJson(w, r, s);
  w.EndArray();
  w.Key("instructions");
  w.BeginArray();
  for (const code::ListedInsn& i : v.listing) {
    w.BeginObject();
    w.Field("addr", Hex(i.addr));
    w.Field("len", static_cast<uint64_t>(i.len));
    w.Field("text", i.text);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  w.Flush();
  out << '\n';
}

void CodeFunctionToText(std::string_view path, const CodeFunctionView& v, std::ostream& out) {
  const code::Result& r = *v.result;
  const code::Function& f = r.functions[v.index];
  out << Safe(path) << ": " << Safe(r.NameOf(v.index)) << fmt::format(" [{:#x}, {:#x}) from {}\n", f.start, f.end,
                                                                         code::FuncSourceName(f.source));
  out << "  convention  " << code::ConventionName(f.convention)
      << (f.convention_why.empty() ? "" : " (" + f.convention_why + ")") << '\n';
  out << "  frame       " << (f.frame >= 0 ? fmt::format("{} bytes", f.frame) : std::string("unknown"))
      << (f.stack_check ? ", stack-growth check in the prologue" : "") << '\n';
  if (!f.import.empty()) out << "  import stub " << Safe(f.import) << '\n';
  for (const code::SyscallSite& s : r.syscall_sites) {
    if (s.function != v.index) continue;
    std::string nums;
    for (int64_t n : s.numbers) nums += fmt::format(" {}({})", code::SyscallName(r.arch, n), n);
    out << fmt::format("  syscall     {:#x} {}:{} ({})\n", s.addr, s.insn, nums, code::ValueFromName(s.from));
  }
  out << '\n';
  for (const code::ListedInsn& i : v.listing)
    out << fmt::format("  {:x}:\t{}\n", i.addr, i.text.empty() ? "(bad)" : i.text);
}

}  // namespace exray
