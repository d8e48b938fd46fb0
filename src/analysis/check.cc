#include "analysis/check.h"

#include <fmt/format.h>

namespace exray {
namespace {

const Evidence* Find(const Analysis& a, EvidenceId id) {
  for (const Evidence& e : a.evidence)
    if (e.id == id) return &e;
  return nullptr;
}

std::string Where(const Evidence* e) {
  if (!e) return "no evidence";
  return e->detail.empty() ? e->where : e->where + ": " + e->detail;
}

}  // namespace

Result<std::vector<CheckOutcome>> CheckRequirements(const Analysis& a, const std::vector<std::string>& reqs) {
  std::vector<CheckOutcome> out;
  for (const std::string& r : reqs) {
    CheckOutcome o;
    o.requirement = r;
    if (r == "static") {
      o.holds = a.linking == "static" || a.linking == "static-pie";
      o.why = "linking is " + std::string(a.linking.str());
      o.where = Where(Find(a, a.linking == "dynamic" ? EvidenceId("linking.interp") : EvidenceId("linking.dynamic")));
    } else if (r == "no-interpreter") {
      // Neither a program interpreter (PT_INTERP), nor a language engine the
      // identification found (its core, its strings: a static interpreter
      // whose dispatch loop has a shape the code pass misses), nor a bytecode
      // interpreter in the code.
      const bool interp = a.elf && a.elf->interpreter;
      const Evidence* loop = Find(a, "code.dispatch");
      const bool bytecode = loop && loop->holds;
      const bool engine = a.execution && !a.execution->engine.empty() &&
                          (a.execution->model == "vm" || a.execution->model == "embedded");
      o.holds = a.elf && !interp && !bytecode && !engine;
      o.why = interp     ? "PT_INTERP names " + std::string(*a.elf->interpreter)
              : bytecode ? "the code contains a bytecode dispatch loop"
              : engine   ? fmt::format("it {} the {} engine", a.execution->model == "vm" ? "is" : "carries a program for",
                                       a.execution->engine)
                         : (a.elf ? "no PT_INTERP" : "not an ELF file");
      const Evidence* eng = Find(a, a.execution && a.execution->model == "embedded" ? EvidenceId("execution.embedded")
                                                                                   : EvidenceId("execution.engine"));
      o.where = Where(interp ? Find(a, "linking.interp") : bytecode ? loop : engine && eng ? eng : Find(a, "linking.interp"));
    } else if (r == "no-vm") {
      const std::string model(a.execution ? a.execution->model.str() : "unknown");
      o.holds = model == "native";
      o.why = "execution model is " + model + (a.execution && !a.execution->engine.empty()
                                                   ? " (engine " + a.execution->engine + ")"
                                                   : "");
      const Evidence* loop = Find(a, "code.dispatch");
      const Evidence* e = loop && loop->holds ? loop : Find(a, "execution.engine");
      o.where = Where(e ? e : Find(a, "execution.native"));
    } else if (r == "no-jit") {
      const std::string jit(a.execution ? a.execution->jit.str() : "unknown");
      o.holds = jit == "no";
      o.why = "JIT is " + jit;
      const Evidence* asks = Find(a, "code.exec_memory");
      const Evidence* e = asks && asks->holds ? asks : Find(a, "execution.jit");
      o.where = Where(e ? e : Find(a, "execution.native"));
    } else if (r == "pie") {
      o.holds = a.pie;
      o.why = a.pie ? "position-independent" : "not position-independent";
      o.where = Where(Find(a, "linking.pie"));
    } else if (r == "relro=full") {
      o.holds = a.hardening.relro == "full";
      o.why = "RELRO is " + a.hardening.relro;
      o.where = Where(Find(a, "hardening.relro"));
    } else if (r == "nx") {
      o.holds = a.hardening.nx;
      o.why = a.hardening.nx ? "the stack is not executable" : "the stack is executable";
      o.where = Where(Find(a, "hardening.nx"));
    } else if (r == "canary") {
      o.holds = a.hardening.canary;
      o.why = a.hardening.canary ? "uses stack canaries" : "no stack canary";
      o.where = Where(Find(a, "hardening.canary"));
    } else if (r.starts_with("glibc<=")) {
      const std::string want = r.substr(7);
      if (want.empty() || want.find_first_not_of("0123456789.") != std::string::npos)
        return Error{"requirement " + r + ": expected glibc<=X.Y"};
      // No glibc symbol versions needed at all passes (static, musl, Go).
      o.holds = !a.glibc_min || CompareGlibcVersions(*a.glibc_min, "GLIBC_" + want) <= 0;
      o.why = a.glibc_min ? "needs " + *a.glibc_min : std::string("needs no glibc version");
      o.where = Where(Find(a, "needs.glibc"));
    } else if (r.starts_with("language=")) {
      const std::string want = r.substr(9);
      if (want.empty()) return Error{"requirement " + r + ": expected language=NAME"};
      const std::string lang = a.toolchain ? a.toolchain->language : "unknown";
      o.holds = lang == want;
      o.why = "language is " + lang;
      o.where = Where(Find(a, "toolchain.language"));
    } else {
      std::string known;
      for (std::string_view k : kRequirements) known += (known.empty() ? "" : ", ") + std::string(k);
      return Error{"unknown requirement '" + r + "' (known: " + known + ")"};
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace exray
