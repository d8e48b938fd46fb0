// FUZZ_CHECK: the fuzz targets' invariant check. A failure prints what broke
// and aborts, so libFuzzer saves the input and the replay test fails on it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                          \
  do {                                                                  \
    if (!(cond)) {                                                      \
      std::fprintf(stderr, "invariant failed: %s (%s)\n", what, #cond); \
      std::abort();                                                     \
    }                                                                   \
  } while (0)
