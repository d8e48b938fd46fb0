#include "trace/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "support/escape.h"

namespace exray::trace {
namespace {

constexpr size_t kChunk = 65536;

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  for (int tries = 0; off < s.size() && tries < 1000; ++tries) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the reader went away: the output is lost, the run goes on
    off += static_cast<size_t>(n);
  }
}

}  // namespace

OutputRelay::OutputRelay(int from, int to, uint64_t cap) : from_(from), to_(to), cap_(cap) {
  if (pipe2(stop_, O_CLOEXEC) != 0) stop_[0] = stop_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

OutputRelay::~OutputRelay() {
  Finish(0);
  if (from_ >= 0) close(from_);
  for (int f : stop_)
    if (f >= 0) close(f);
}

void OutputRelay::Run() {
  // The tracer's timer signal must interrupt the tracer's wait, not this thread.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::string carry;  // an incomplete UTF-8 sequence from the last read
  uint64_t shown = 0;
  bool said_cut = false;
  char buf[kChunk];
  int deadline_ms = -1;  // after the stop request: the grace left
  auto stop_at = std::chrono::steady_clock::time_point::max();
  for (;;) {
    pollfd p[2] = {{from_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (deadline_ms >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop_at - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      deadline_ms = static_cast<int>(left.count());
    }
    int r = poll(p, deadline_ms >= 0 ? 1 : 2, deadline_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    if (deadline_ms < 0 && (p[1].revents & (POLLIN | POLLHUP))) {
      char g[4] = {};
      ssize_t n = read(stop_[0], g, sizeof g);
      int grace = n > 0 ? static_cast<unsigned char>(g[0]) * 10 : 0;
      stop_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace);
      deadline_ms = grace;
      continue;
    }
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = read(from_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // every writer has ended
    bytes_ += static_cast<uint64_t>(n);
    if (shown >= cap_) {
      if (!said_cut) {
        WriteAll(to_, "\n[exray: the program's further output is not shown]\n");
        said_cut = true;
      }
      continue;
    }
    carry.append(buf, static_cast<size_t>(n));
    const size_t keep = IncompleteUtf8Tail(carry);
    std::string text = EscapeTerminal(std::string_view(carry).substr(0, carry.size() - keep), "\n\t");
    carry.erase(0, carry.size() - keep);
    shown += static_cast<uint64_t>(n);
    WriteAll(to_, text);
  }
  if (!carry.empty() && shown < cap_) WriteAll(to_, EscapeTerminal(carry, "\n\t"));
}

uint64_t OutputRelay::Finish(int grace_ms) {
  if (thread_.joinable()) {
    const unsigned char tens = static_cast<unsigned char>(std::min(grace_ms / 10, 255));
    if (stop_[1] >= 0) {
      ssize_t unused = write(stop_[1], &tens, 1);
      (void)unused;
    }
    thread_.join();
  }
  return bytes_;
}

}  // namespace exray::trace
