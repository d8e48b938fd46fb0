// exray: the command-line entry; all work happens in RunCli.
#include <unistd.h>

#include <exception>
#include <iostream>

#include "cli/run.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  try {
    return exray::RunCli(argc, argv, std::cout, std::cerr, isatty(STDOUT_FILENO) != 0, /*self_sandbox=*/true);
  } catch (const std::exception& e) {
    std::cerr << "exray: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "exray: internal error\n";
  }
  return 1;
}
