// smaps parsing and grouping (proc_pid_smaps(5)).
#include "trace/smaps.h"

#include <algorithm>
#include <charconv>

namespace exray::trace {

namespace {

bool ParseHex(std::string_view s, uint64_t* v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string_view NextField(std::string_view* line) {
  size_t b = line->find_first_not_of(' ');
  if (b == std::string_view::npos) {
    *line = {};
    return {};
  }
  line->remove_prefix(b);
  size_t e = line->find(' ');
  std::string_view f = line->substr(0, e);
  line->remove_prefix(e == std::string_view::npos ? line->size() : e);
  return f;
}

// "7f..-7f.. r-xp 00000000 fd:01 1234   /usr/lib/x.so"
bool ParseHeader(std::string_view line, Vma* v) {
  std::string_view range = NextField(&line), perms = NextField(&line), off = NextField(&line),
                   dev = NextField(&line), inode = NextField(&line);
  size_t dash = range.find('-');
  if (dash == std::string_view::npos || perms.size() != 4 || dev.find(':') == std::string_view::npos) return false;
  if (!ParseHex(range.substr(0, dash), &v->start) || !ParseHex(range.substr(dash + 1), &v->end)) return false;
  if (!ParseHex(off, &v->offset)) return false;
  auto [p, ec] = std::from_chars(inode.data(), inode.data() + inode.size(), v->inode);
  if (ec != std::errc()) return false;
  size_t b = line.find_first_not_of(' ');
  v->perms = std::string(perms);
  v->path = b == std::string_view::npos ? "" : std::string(line.substr(b));
  return true;
}

bool IsAnonymous(const Vma& v) { return v.path.empty() || v.path.rfind("[anon", 0) == 0; }

// shmem-backed memory that a file system does not hold (mm/shmem.c names):
// MAP_SHARED|MAP_ANONYMOUS ("/dev/zero (deleted)"), SysV segments
// ("/SYSV0000abcd (deleted)"), memfd ("/memfd:NAME (deleted)") and POSIX
// shared memory (files under /dev/shm).
bool IsSharedMemory(const Vma& v) {
  const bool shared = v.perms.size() == 4 && v.perms[3] == 's';
  return (shared && v.path == "/dev/zero (deleted)") || v.path.rfind("/SYSV", 0) == 0 ||
         v.path.rfind("/memfd:", 0) == 0 || v.path.rfind("/dev/shm/", 0) == 0;
}

}  // namespace

std::vector<Vma> ParseSmaps(std::string_view text) {
  std::vector<Vma> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    size_t space = line.find(' ');
    // Field lines are "Name:   123 kB"; header lines start with a hex range.
    if (colon != std::string_view::npos && (space == std::string_view::npos || colon < space)) {
      if (out.empty()) continue;
      std::string_view key = line.substr(0, colon), rest = line.substr(colon + 1);
      std::string_view num = NextField(&rest);
      uint64_t n = 0;
      if (std::from_chars(num.data(), num.data() + num.size(), n).ec != std::errc()) continue;
      Vma& v = out.back();
      if (key == "Size") v.size_kb = n;
      else if (key == "Rss") v.rss_kb = n;
      else if (key == "Pss") v.pss_kb = n;
      else if (key == "Anonymous") v.anonymous_kb = n;
      else if (key == "Swap") v.swap_kb = n;
      continue;
    }
    Vma v;
    if (ParseHeader(line, &v)) {
      if (v.end > v.start) v.size_kb = (v.end - v.start) / 1024;  // maps has no Size line
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::vector<MemoryGroup> GroupMemory(const std::vector<Vma>& vmas, const GroupingInput& in) {
  static const char* const kKinds[] = {"program-text", "program-data",  "heap",      "go-arenas", "thread-stacks",
                                       "anonymous",    "shared-memory", "libraries", "other"};
  std::vector<MemoryGroup> groups;
  for (const char* k : kKinds) groups.push_back({k, 0, 0, 0});
  auto add = [&](size_t i, const Vma& v) {
    ++groups[i].vmas;
    groups[i].size_kb += v.size_kb;
    groups[i].rss_kb += v.rss_kb;
  };
  // Go reserves its heap arenas in 64 MiB-aligned chunks (heapArenaBytes on
  // 64-bit Linux) and commits them piece by piece: a run of adjacent
  // anonymous mappings that starts and ends on that alignment is arena space.
  // The base was 0xc0_0000_0000 until Go 1.25; Go 1.26 randomizes it.
  constexpr uint64_t kArenaAlign = uint64_t{64} << 20;
  std::vector<bool> in_arena_run(vmas.size(), false);
  if (in.go)
    for (size_t i = 0; i < vmas.size();) {
      size_t j = i;
      while (j + 1 < vmas.size() && IsAnonymous(vmas[j]) && IsAnonymous(vmas[j + 1]) && vmas[j].end == vmas[j + 1].start)
        ++j;
      if (IsAnonymous(vmas[i]) && vmas[i].start % kArenaAlign == 0 && vmas[j].end % kArenaAlign == 0)
        for (size_t k = i; k <= j; ++k) in_arena_run[k] = true;
      i = j + 1;
    }
  const Vma* prev = nullptr;
  bool prev_program = false;
  for (size_t vi = 0; vi < vmas.size(); ++vi) {
    const Vma& v = vmas[vi];
    const bool anon = IsAnonymous(v);
    const bool program = !in.program.empty() && v.path == in.program;
    size_t kind;
    if (program) {
      kind = v.perms.size() > 2 && v.perms[2] == 'x' ? 0 : 1;
    } else if (anon && prev_program && prev && prev->end == v.start && v.perms.rfind("rw", 0) == 0) {
      kind = 1;  // bss
    } else if (v.path == "[heap]") {
      kind = 2;
    } else if (anon && in.go && (((v.start >> 32) & 0xff) == 0xc0 || in_arena_run[vi])) {
      kind = 3;
    } else if (v.path == "[stack]" ||
               (anon && std::any_of(in.stack_pointers.begin(), in.stack_pointers.end(),
                                    [&](uint64_t sp) { return sp > v.start && sp <= v.end; }))) {
      kind = 4;  // sp == end: a fresh stack pointer passed to clone is the top of its VMA
    } else if (anon) {
      kind = 5;
    } else if (IsSharedMemory(v)) {
      kind = 6;
    } else if (!v.path.empty() && v.path[0] == '/') {
      kind = 7;
    } else {
      kind = 8;
    }
    add(kind, v);
    prev = &v;
    prev_program = program;
  }
  return groups;
}

}  // namespace exray::trace
