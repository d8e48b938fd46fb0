// The program's stdout and stderr under `exray run`: a pipe that exray
// reads and copies to its own stderr, escaped, so the program never holds
// exray's descriptors (a file it could truncate, a terminal it could
// reconfigure) and cannot write escape sequences that would hide or forge
// the report.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace exray::trace {

class OutputRelay {
 public:
  /// Starts copying from `from` (the pipe's read end, owned from now on) to
  /// `to`, at most `cap` bytes of the program's output shown.
  OutputRelay(int from, int to, uint64_t cap);
  ~OutputRelay();
  OutputRelay(const OutputRelay&) = delete;
  OutputRelay& operator=(const OutputRelay&) = delete;

  /// Stops once what the pipe holds is copied (every writer has ended) or
  /// after `grace_ms`; returns the bytes the program wrote.
  uint64_t Finish(int grace_ms);

 private:
  void Run();

  int from_, to_;
  uint64_t cap_;
  int stop_[2] = {-1, -1};
  std::atomic<uint64_t> bytes_{0};
  std::thread thread_;
};

}  // namespace exray::trace
