// Compiles: every literal is a member of its set (the control for rejects.cc).
#include "analysis/analyze.h"

int main() {
  exray::Analysis a;
  a.linking = "static-pie";
  exray::Evidence e{"hardening.relro", "", true, exray::Strength::kStructure, "", ""};
  return a.linking == "dynamic" || e.id == "hardening.nx";
}
