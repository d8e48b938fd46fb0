// Must not compile: "dynmic" is not a linking kind. The build of this file
// failing is the test (tests/closed_name/CMakeLists.txt).
#include "analysis/analyze.h"

int main() {
  exray::Analysis a;
  a.linking = "dynmic";
  return 0;
}
