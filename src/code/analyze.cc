// The code analyses over one linear sweep per function (docs/code.md):
// boundaries from the best source, then per function its convention, its
// syscall sites, its memory-protection requests and its dispatch loops. Values
// (a syscall number, a prot argument, a jump table's base) are followed back
// through the function's own instructions, and through callers when the
// function only passes on what it was given.
#include <seccomp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "code/code.h"
#include "lang/go/pclntab.h"

namespace exray::code {

std::string_view FuncSourceName(FuncSource s) {
  switch (s) {
    case FuncSource::kSymbols: return "symbols";
    case FuncSource::kPclntab: return "pclntab";
    case FuncSource::kEhFrame: return "eh_frame";
    case FuncSource::kCallTargets: return "call_targets";
    case FuncSource::kEntry: return "entry";
    case FuncSource::kGaps: return "gaps";
  }
  return "unknown";
}

std::string_view ConventionName(Convention c) {
  switch (c) {
    case Convention::kUnknown: return "unknown";
    case Convention::kSysV: return "sysv";
    case Convention::kGoAbiInternal: return "go-abiinternal";
    case Convention::kGoAbi0: return "go-abi0";
    case Convention::kCgoBridge: return "cgo-bridge";
  }
  return "unknown";
}

std::string_view ValueFromName(ValueFrom v) {
  switch (v) {
    case ValueFrom::kConstant: return "constant";
    case ValueFrom::kCaller: return "caller";
    case ValueFrom::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view LoopShapeName(LoopShape s) {
  switch (s) {
    case LoopShape::kSwitch: return "switch";
    case LoopShape::kThreaded: return "threaded";
    case LoopShape::kCallThreaded: return "call-threaded";
  }
  return "unknown";
}

std::string SyscallName(Arch arch, int64_t nr) {
  if (nr < 0 || nr > 0xffff) return {};
  const uint32_t token = arch == Arch::kX86_64 ? SCMP_ARCH_X86_64 : arch == Arch::kX86 ? SCMP_ARCH_X86 : SCMP_ARCH_AARCH64;
  char* name = seccomp_syscall_resolve_num_arch(token, static_cast<int>(nr));
  if (!name) return {};
  std::string s = name;
  std::free(name);
  return s;
}

int64_t Result::FunctionAt(uint64_t addr) const {
  auto it = std::upper_bound(functions.begin(), functions.end(), addr,
                             [](uint64_t a, const Function& f) { return a < f.start; });
  if (it == functions.begin()) return -1;
  --it;
  return addr < it->end ? it - functions.begin() : -1;
}

std::string Result::NameOf(uint32_t i) const {
  if (i >= functions.size()) return "?";
  const Function& f = functions[i];
  if (!f.name.empty()) return std::string(f.name);
  return fmt::format("sub_{:x}", f.start);
}

std::string Result::SiteGroup(uint32_t fn) const {
  if (fn >= functions.size()) return "?";
  const Function& f = functions[fn];
  if (f.go_code && !f.name.empty()) {
    std::string_view p = go::PackageOf(f.name);
    if (!p.empty()) return std::string(p);
  }
  return NameOf(fn);
}

namespace {

constexpr int64_t kProtExec = 4;  // PROT_EXEC on Linux, every architecture

// Where a value comes from at a point of a function.
struct Value {
  enum Kind : uint8_t { kUnknown, kConst, kArgReg, kArgStack } kind = kUnknown;
  int64_t v = 0;  // the constant, the register, or the entry-relative stack offset
  bool operator<(const Value& o) const { return kind != o.kind ? kind < o.kind : v < o.v; }
};

struct Region {
  uint64_t start = 0, end = 0;
  std::string_view name;
};

// A direct call; the caller is the function holding site.
struct CallEdge {
  uint64_t target = 0, site = 0;
};

// A value the kernel or an import receives, still to be followed up through callers.
constexpr uint32_t kNoSite = UINT32_MAX;  // a request from an import call: no syscall site

struct Pending {
  uint32_t fn = 0;      // the function that received it as an argument
  Value arg;
  bool prot = false;    // a prot argument (else a syscall number)
  uint32_t site = 0;    // the syscall site (numbers) or the request's origin
  int depth = 0;
  uint64_t origin = 0;  // the instruction that asked (prot)
  std::string via;
  // For a syscall number: where the prot argument comes from in fn, should
  // the number turn out to be mmap's or mprotect's.
  Value prot_src;
  bool operator<(const Pending& o) const {
    return std::tie(fn, arg, prot, site) < std::tie(o.fn, o.arg, o.prot, o.site);
  }
};

// The mask bit of canonical register r; none for kNoReg (or any id past the mask).
constexpr uint32_t Bit(unsigned r) { return r < 32 ? 1u << r : 0; }

bool IsCalleeSaved(Arch a, bool go, uint8_t r) {
  if (go) return false;  // Go's ABIInternal saves nothing across a call (but R14/R15, fixed)
  if (a == Arch::kArm64) return r >= 19 && r <= 28;
  return r == kX86Rbx || r == kX86Rbp || (r >= 12 && r <= 15) || (a == Arch::kX86 && (r == kX86Rsi || r == kX86Rdi));
}

bool IsMemoryProtectSyscall(std::string_view name) {
  return name == "mmap" || name == "mmap2" || name == "mprotect" || name == "pkey_mprotect";
}
bool IsMemoryProtectImport(std::string_view name) {
  return name == "mmap" || name == "mmap64" || name == "__mmap" || name == "mprotect" || name == "__mprotect" ||
         name == "pkey_mprotect";
}

bool IsCgoBridge(std::string_view n) {
  // The C side of cgo (_cgo_*_Cfunc_*, x_cgo_*) is ordinary System V code.
  return n == "crosscall2" || n.starts_with("runtime.asmcgocall") || n.starts_with("runtime.cgocallback") ||
         n == "runtime.cgocall" || n.starts_with("_cgoexp_");
}

class Analyzer {
 public:
  Analyzer(const Input& in, const Decoder& dec, Result* r)
      : in_(in), dec_(dec), r_(*r), fns_(r->functions), ptr_(dec.ptr_size()) {}
  // A worker of parent's sweep: its own decoder and caches, its outputs to
  // *shard, the functions and their index shared with the parent.
  Analyzer(const Analyzer& parent, const Decoder& dec, Result* shard)
      : in_(parent.in_), dec_(dec), r_(*shard), fns_(parent.fns_), ptr_(dec.ptr_size()),
        regs_(&parent.regions_), spans_view_(&parent.spans_) {}

  void Run() {
    FindRegions();
    BuildFunctions();
    // Decode every function once: first those a source names, then the gaps,
    // split at the calls the first ones make into them; call targets in
    // bytes still uncovered become functions for the next round.
    IndexSpans();
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < fns_.size(); ++i)
      if (fns_[i].source != FuncSource::kGaps) order.push_back(i);
    Sweep(order);
    const size_t named = fns_.size();
    SplitGaps();
    IndexSpans();
    order.clear();
    for (uint32_t i = 0; i < fns_.size(); ++i)
      if (fns_[i].source == FuncSource::kGaps || i >= named) order.push_back(i);
    Sweep(order);
    size_t done = fns_.size();
    for (int round = 1; round <= kMaxCallTargetRounds; ++round) {
      if (!AddCallTargetFunctions()) break;
      IndexSpans();
      order.clear();
      for (size_t i = done; i < fns_.size(); ++i) order.push_back(static_cast<uint32_t>(i));
      Sweep(order);
      done = fns_.size();
    }
    Reorder();
    FollowCallers();
    Finish();
  }

 private:
  // ---- regions and boundaries -------------------------------------------------
  void FindRegions() {
    for (const MemRegion& s : in_.as->Sections())
      if (s.exec && s.size && !s.name.empty()) regions_.push_back({s.vaddr, s.vaddr + s.size, s.name});
    if (regions_.empty())
      for (const MemRegion& s : in_.as->Segments())
        if (s.exec && s.size) regions_.push_back({s.vaddr, s.vaddr + s.size, s.name});
    std::sort(regions_.begin(), regions_.end(), [](const Region& a, const Region& b) { return a.start < b.start; });
    for (const Region& g : regions_) r_.text_bytes += g.end - g.start;
  }

  const Region* RegionAt(uint64_t a) const {
    auto it = std::upper_bound(regs_->begin(), regs_->end(), a, [](uint64_t x, const Region& g) { return x < g.start; });
    if (it == regs_->begin()) return nullptr;
    --it;
    return a < it->end ? &*it : nullptr;
  }

  void BuildFunctions() {
    std::vector<Seed> seeds;
    seeds.reserve(in_.seeds.size() + regions_.size() + 1);
    for (const Seed& s : in_.seeds)
      if (RegionAt(s.start)) seeds.push_back(s);
    if (in_.entry && RegionAt(in_.entry)) seeds.push_back({in_.entry, 0, {}, FuncSource::kEntry});
    // PLT sections hold one stub per import, 16 bytes each (8 in x86's
    // .plt.got without IBT): each is a function, named after its GOT slot.
    for (const Region& g : regions_) {
      if (g.name != ".plt" && g.name != ".plt.sec" && g.name != ".plt.got") continue;
      const uint64_t step = g.name == ".plt.got" && dec_.arch() != Arch::kArm64 ? 8 : 16;
      for (uint64_t a = g.start; a < g.end && a - g.start < kMaxPltBytes; a += step)
        seeds.push_back({a, a + step, {}, FuncSource::kEntry});
    }
    // A region no seed starts in is decoded from its start.
    for (const Region& g : regions_) {
      bool any = false;
      for (const Seed& s : seeds) any = any || (s.start >= g.start && s.start < g.end);
      if (!any) seeds.push_back({g.start, 0, {}, FuncSource::kEntry});
    }
    // At one start the best source names the function: the pclntab (the Go
    // toolchain's own table) over symbols, symbols over unwind tables.
    auto rank = [](FuncSource s) { return s == FuncSource::kPclntab ? -1 : static_cast<int>(s); };
    std::sort(seeds.begin(), seeds.end(), [&](const Seed& a, const Seed& b) {
      return a.start != b.start ? a.start < b.start : rank(a.source) < rank(b.source);
    });
    if (seeds.size() > kMaxFunctions) {
      r_.diag.Warn(fmt::format("{} function starts; the first {} are analysed", seeds.size(), kMaxFunctions));
      seeds.resize(kMaxFunctions);
    }
    std::vector<Function>& fs = fns_;
    fs.reserve(seeds.size());
    for (const Seed& s : seeds) {
      if (!fs.empty() && fs.back().start == s.start) {
        Function& f = fs.back();
        if (f.name.empty()) f.name = s.name;
        if (!f.end && s.end) f.end = s.end;
        f.go_code = f.go_code || s.source == FuncSource::kPclntab;
        continue;
      }
      Function f;
      f.start = s.start, f.end = s.end, f.name = s.name, f.source = s.source;
      f.go_code = s.source == FuncSource::kPclntab;
      fs.push_back(f);
    }
    SetEnds();
    AddGaps();
  }

  // Text between functions (or before the first) that is more than padding:
  // split at the direct calls that land in it, from a first linear pass over
  // the gaps themselves, and kept as functions (source call_targets for a
  // piece that starts at a call target, gaps otherwise).
  void AddGaps() {
    struct Gap {
      uint64_t start, end;
    };
    std::vector<Gap> gaps;
    std::vector<Function>& fs = fns_;
    for (const Region& g : regions_) {
      uint64_t at = g.start;
      auto it = std::lower_bound(fs.begin(), fs.end(), g.start, [](const Function& f, uint64_t a) { return f.start < a; });
      for (;; ++it) {
        const uint64_t next = it != fs.end() && it->start < g.end ? it->start : g.end;
        if (next > at && next - at > kMinGapBytes && !AllPadding(at, next)) gaps.push_back({at, next});
        if (it == fs.end() || it->start >= g.end) break;
        at = std::max(at, it->end);
      }
    }
    if (gaps.empty()) return;
    // Call targets inside the gaps, from the gaps' own code.
    std::vector<uint64_t> cuts;
    Insn insn;
    for (const Gap& g : gaps) {
      ByteView b = in_.as->Read(g.start, g.end - g.start);
      for (uint64_t off = 0; off < b.size();) {
        dec_.Decode(b.From(off), g.start + off, &insn);
        if (insn.flow == Flow::kCall && insn.target > g.start) cuts.push_back(insn.target);
        off += insn.len ? insn.len : 1;
      }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    uint64_t added = 0;
    for (const Gap& g : gaps) {
      auto c = std::lower_bound(cuts.begin(), cuts.end(), g.start + 1);
      uint64_t at = g.start;
      FuncSource src = FuncSource::kGaps;
      for (;; ++c) {
        const uint64_t next = c != cuts.end() && *c < g.end ? *c : g.end;
        if (next > at && fs.size() + added < kMaxFunctions && (src == FuncSource::kCallTargets || !AllPadding(at, next))) {
          Function f;
          f.start = at, f.end = std::min(next, at + kMaxFunctionBytes), f.source = src;
          fs.push_back(f);
          ++added;
        }
        if (c == cuts.end() || *c >= g.end) break;
        at = *c;
        src = FuncSource::kCallTargets;
      }
    }
    std::sort(fs.begin(), fs.end(), [](const Function& a, const Function& b) { return a.start < b.start; });
  }

  bool AllPadding(uint64_t start, uint64_t end) const {
    ByteView b = in_.as->Read(start, end - start);
    for (uint64_t i = 0; i < b.size(); ++i) {
      const uint8_t c = b.At(i);
      if (c != 0x90 && c != 0xcc && c != 0x00) return false;
    }
    return true;
  }

  // Ends: the function's own size where known, never past the next start or its region.
  void SetEnds() {
    std::vector<Function>& fs = fns_;
    bool capped = false;
    for (size_t i = 0; i < fs.size(); ++i) {
      const Region* g = RegionAt(fs[i].start);
      uint64_t limit = g ? g->end : fs[i].start;
      if (i + 1 < fs.size()) limit = std::min(limit, fs[i + 1].start);
      uint64_t end = fs[i].end > fs[i].start ? std::min(fs[i].end, limit) : limit;
      if (end - fs[i].start > kMaxFunctionBytes) end = fs[i].start + kMaxFunctionBytes, capped = true;
      fs[i].end = end;
    }
    if (capped) r_.diag.Warn(fmt::format("a function longer than {} bytes was cut there", kMaxFunctionBytes));
  }

  // The functions so far, sorted by start (fns_ is sorted only after
  // the sweep: call-target functions are appended round by round).
  struct Span {
    uint64_t start = 0, end = 0;
    uint32_t index = 0;
  };
  void IndexSpans() {
    spans_.clear();
    spans_.reserve(fns_.size());
    for (uint32_t i = 0; i < fns_.size(); ++i) spans_.push_back({fns_[i].start, fns_[i].end, i});
    std::sort(spans_.begin(), spans_.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  }
  // The function holding addr; null when none.
  const Span* SpanAt(uint64_t addr) const {
    auto it = std::upper_bound(spans_view_->begin(), spans_view_->end(), addr,
                               [](uint64_t a, const Span& s) { return a < s.start; });
    if (it == spans_view_->begin()) return nullptr;
    --it;
    return addr < it->end ? &*it : nullptr;
  }

  // Cuts the gap functions (not decoded yet) at the call targets that land
  // inside them: each piece from a target on is a function of its own.
  void SplitGaps() {
    std::sort(call_targets_.begin(), call_targets_.end());
    call_targets_.erase(std::unique(call_targets_.begin(), call_targets_.end()), call_targets_.end());
    std::vector<uint64_t> rest;
    std::unordered_map<uint32_t, uint32_t> last_piece;  // gap -> the piece its next target falls in
    for (uint64_t t : call_targets_) {
      const Span* sp = SpanAt(t);
      if (!sp) {
        rest.push_back(t);
        continue;
      }
      if (fns_[sp->index].source != FuncSource::kGaps) continue;
      // Targets are sorted: a later one in the same gap cuts the last piece made from it.
      auto lp = last_piece.find(sp->index);
      const uint32_t cur = lp == last_piece.end() ? sp->index : lp->second;
      Function& c = fns_[cur];
      if (t <= c.start || t >= c.end || fns_.size() >= kMaxFunctions) continue;
      Function piece;
      piece.start = t, piece.end = c.end, piece.source = FuncSource::kCallTargets;
      c.end = t;
      fns_.push_back(piece);
      last_piece[sp->index] = static_cast<uint32_t>(fns_.size() - 1);
    }
    call_targets_ = std::move(rest);
  }

  bool AddCallTargetFunctions() {
    std::vector<uint64_t> fresh;
    std::sort(call_targets_.begin(), call_targets_.end());
    call_targets_.erase(std::unique(call_targets_.begin(), call_targets_.end()), call_targets_.end());
    for (uint64_t t : call_targets_)
      if (RegionAt(t) && !SpanAt(t)) fresh.push_back(t);
    call_targets_.clear();
    if (fresh.empty() || fns_.size() + fresh.size() > kMaxFunctions) return false;
    // New functions go after the existing ones (they are decoded next); Reorder sorts them all.
    for (uint64_t t : fresh) {
      Function f;
      f.start = t, f.source = FuncSource::kCallTargets;
      // Up to the next function (known or new) or the region's end.
      uint64_t end = RegionAt(t)->end;
      auto it = std::upper_bound(spans_.begin(), spans_.end(), t, [](uint64_t a, const Span& s) { return a < s.start; });
      if (it != spans_.end()) end = std::min(end, it->start);
      auto nt = std::upper_bound(fresh.begin(), fresh.end(), t);
      if (nt != fresh.end()) end = std::min(end, *nt);
      f.end = std::min(end, t + kMaxFunctionBytes);
      fns_.push_back(f);
    }
    return true;
  }

  // ---- the sweep ----------------------------------------------------------------
  // Decodes and analyses the functions order lists (indices into fns_). With
  // enough code, on several threads, each taking the next chunk of consecutive
  // functions with a worker of its own; the chunks' findings are merged in
  // chunk order, so the result is the one a single thread gives.
  void Sweep(const std::vector<uint32_t>& order) {
    MarkImportStubs(order);
    uint64_t bytes = 0;
    for (uint32_t i : order) bytes += fns_[i].end - fns_[i].start;
    const unsigned threads =
        in_.threads ? in_.threads : std::clamp(std::thread::hardware_concurrency(), 1u, kMaxThreads);
    if (threads <= 1 || bytes < in_.parallel_min_bytes) {
      for (uint32_t i : order) Decode(i), AnalyzeFunction(i);
      return;
    }
    struct Chunk {
      size_t begin = 0, end = 0;  // positions in order
      Result shard;
      std::set<Pending> pending;
      std::vector<CallEdge> edges;
      std::vector<uint64_t> call_targets;
      bool edges_capped = false;
    };
    in_.as->ReadEverySegment();  // workers then share it read-only
    std::vector<Chunk> chunks;
    const uint64_t per = std::max<uint64_t>(bytes / (uint64_t{threads} * kChunksPerThread), 1);
    uint64_t acc = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      if (chunks.empty() || acc >= per) chunks.emplace_back().begin = k, acc = 0;
      chunks.back().end = k + 1;
      acc += fns_[order[k]].end - fns_[order[k]].start;
    }
    std::atomic<size_t> next{0};
    auto work = [&](const Decoder& dec) {
      for (size_t c; (c = next.fetch_add(1)) < chunks.size();) {
        Chunk& ch = chunks[c];
        Analyzer w(*this, dec, &ch.shard);
        for (size_t k = ch.begin; k < ch.end; ++k) w.Decode(order[k]), w.AnalyzeFunction(order[k]);
        ch.pending = std::move(w.pending_);
        ch.edges = std::move(w.edges_);
        ch.call_targets = std::move(w.call_targets_);
        ch.edges_capped = w.edges_capped_;
      }
    };
    std::vector<std::unique_ptr<Decoder>> decoders;
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) {
      decoders.push_back(MakeDecoder(in_.arch));
      if (decoders.back()) pool.emplace_back(work, std::cref(*decoders.back()));
    }
    work(dec_);
    for (std::thread& t : pool) t.join();
    for (Chunk& ch : chunks) Merge(&ch.shard, &ch.pending, &ch.edges, &ch.call_targets, ch.edges_capped);
  }

  // Adds a worker's findings to this one's, after those of the chunks before.
  void Merge(Result* s, std::set<Pending>* pending, std::vector<CallEdge>* edges, std::vector<uint64_t>* targets,
             bool edges_capped) {
    r_.invalid += s->invalid;
    r_.instructions += s->instructions;
    r_.decoded_bytes += s->decoded_bytes;
    r_.exec_checked += s->exec_checked;
    r_.exec_undetermined += s->exec_undetermined;
    const size_t base = r_.syscall_sites.size();
    const size_t kept = std::min(s->syscall_sites.size(), kMaxListed - base);
    std::move(s->syscall_sites.begin(), s->syscall_sites.begin() + kept, std::back_inserter(r_.syscall_sites));
    for (auto it = pending->begin(); it != pending->end();) {
      auto node = pending->extract(it++);
      Pending& p = node.value();
      if (p.site != kNoSite) {
        if (!p.prot && p.site >= kept) continue;  // a site past the listing's limit
        p.site += static_cast<uint32_t>(base);
      }
      pending_.insert(std::move(node));
    }
    for (ExecRequest& e : s->exec_requests)
      if (r_.exec_requests.size() < kMaxListed) r_.exec_requests.push_back(std::move(e));
    for (DispatchLoop& l : s->loops) AddLoop(std::move(l));
    const size_t room = kMaxCallEdges - std::min<size_t>(edges_.size(), kMaxCallEdges);
    if (edges->size() > room || edges_capped) edges_capped_ = true;
    edges_.insert(edges_.end(), edges->begin(), edges->begin() + std::min(room, edges->size()));
    call_targets_.insert(call_targets_.end(), targets->begin(), targets->end());
  }

  // Import stubs are named before the sweep (a stub jumps through an import's
  // GOT slot first thing, or sits in a PLT section), so that every call into
  // one is seen as a call of the import, whichever thread decodes the caller.
  void MarkImportStubs(const std::vector<uint32_t>& order) {
    if (in_.imports.empty()) return;
    Insn insn;
    for (uint32_t fi : order) {
      Function& f = fns_[fi];
      const Region* g = RegionAt(f.start);
      const bool plt = g && g->name.starts_with(".plt");
      ByteView b = in_.as->Read(f.start, std::min<uint64_t>(f.end - f.start, plt ? kMaxStubBytes : 2 * kMaxInsnBytes));
      uint64_t off = 0;
      for (int k = 0; off < b.size() && (plt || k <= 1); ++k) {
        dec_.Decode(b.From(off), f.start + off, &insn);
        if (off + insn.len > b.size() || insn.flow == Flow::kInvalid) break;
        if (insn.flow == Flow::kIndirectJump && insn.mem_target)
          if (std::string_view name = Import(insn.target); !name.empty()) f.import = name;
        off += insn.len;
      }
    }
  }

  // count: add to the totals (false when a caller is decoded again to follow an argument).
  void Decode(uint32_t fi, bool count = true) {
    cur_ = fi;
    jump_sources_fn_ = const_cache_fn_ = UINT32_MAX;  // per-function caches start over
    insns_.clear();
    details_.clear();
    deltas_.clear();
    targets_.clear();
    Function& f = fns_[fi];
    bytes_ = in_.as->Read(f.start, f.end - f.start);
    const uint64_t n = bytes_.size();
    uint64_t off = 0;
    Insn insn;
    while (off < n) {
      dec_.Decode(bytes_.From(off), f.start + off, &insn);
      if (off + insn.len > n) break;  // cut by the end: padding or the next function's bytes
      insns_.push_back(insn);
      if (insn.flow == Flow::kInvalid) ++r_.invalid;
      off += insn.len;
    }
    if (n < f.end - f.start) f.end = f.start + n;  // the range leaves the file
    if (count) {
      f.instructions = static_cast<uint32_t>(insns_.size());
      r_.instructions += insns_.size();
      r_.decoded_bytes += off;
    }
    for (const Insn& i : insns_)
      if ((i.flow == Flow::kJump || i.flow == Flow::kCondJump) && i.target >= f.start && i.target < f.end)
        targets_.insert(i.target);
  }

  ByteView BytesAt(size_t k) const {
    const uint64_t off = insns_[k].addr - fns_[cur_].start;
    return bytes_.From(off);
  }
  const Detail& D(size_t k) {
    if (details_.empty()) details_.resize(insns_.size()), described_.assign(insns_.size(), false);
    if (!described_[k]) {
      if (!dec_.Describe(BytesAt(k), insns_[k].addr, &details_[k])) details_[k] = Detail{}, details_[k].sp_known = false;
      described_[k] = true;
    }
    return details_[k];
  }
  // The stack pointer before instruction k, relative to its value at entry; nullopt when lost.
  std::optional<int64_t> Delta(size_t k) {
    if (deltas_.empty()) {
      deltas_.resize(insns_.size() + 1);
      int64_t d = 0;
      bool known = true;
      for (size_t j = 0; j < insns_.size(); ++j) {
        deltas_[j] = known ? std::optional<int64_t>(d) : std::nullopt;
        if (!known) continue;
        if (!insns_[j].moves_sp) continue;
        const Detail& dj = D(j);
        if (!dj.sp_known) known = false;
        else d += dj.sp_delta;
      }
      deltas_[insns_.size()] = known ? std::optional<int64_t>(d) : std::nullopt;
    }
    return deltas_[k];
  }
  size_t IndexOf(uint64_t addr) const {
    auto it = std::lower_bound(insns_.begin(), insns_.end(), addr, [](const Insn& i, uint64_t a) { return i.addr < a; });
    return it == insns_.end() || it->addr != addr ? SIZE_MAX : it - insns_.begin();
  }

  // Where the value of register reg (or of the stack slot at entry-relative
  // offset slot, when reg is kNoReg) before instruction k comes from.
  Value ValueOf(uint8_t reg, int64_t slot, size_t k, bool stop_at_joins = true) {
    Walk w;
    w.joins = stop_at_joins;
    w.budget = stop_at_joins ? kMaxBacktrack * kMaxJoinPaths : kMaxBacktrack;
    bool cycled = false;
    const Value v = WalkBack(reg, slot, k, &w, 0, false, &cycled);
    return cycled ? Value{} : v;
  }

  // One backward search: instructions left to examine, and the joins being
  // evaluated (a way back into one of them is a loop: it adds no value).
  struct Walk {
    bool joins = true;  // false: walk linearly, ignoring other ways in
    int budget = 0;
    std::vector<size_t> open;
  };

  // The value before instruction k. At a point other code jumps to (when
  // w->joins), every way in must give the same value: the fall-through and
  // each jump there, followed back in turn. *cycled: the only ways back ran
  // into a join already open (a loop).
  Value WalkBack(uint8_t reg, int64_t slot, size_t k, Walk* w, int depth, bool skip_join, bool* cycled) {
    *cycled = false;
    const Function& f = fns_[cur_];
    const uint8_t sp = SpReg();
    for (;;) {
      if (--w->budget < 0) return {};
      if (w->joins && !skip_join && k < insns_.size() && targets_.count(insns_[k].addr))
        return AtJoin(reg, slot, k, w, depth, cycled);
      skip_join = false;
      if (k == 0) break;
      const size_t j = k - 1;
      const Insn& ij = insns_[j];
      if (ij.flow == Flow::kJump || ij.flow == Flow::kReturn || ij.flow == Flow::kIndirectJump ||
          ij.flow == Flow::kStop || ij.flow == Flow::kInvalid)
        return {};  // k is reached only by a branch (handled at joins)
      if (ij.flow == Flow::kCall || ij.flow == Flow::kIndirectCall) {
        if (reg != kNoReg && !IsCalleeSaved(dec_.arch(), f.go_code, reg)) return {};
        k = j;
        continue;
      }
      const Detail& d = D(j);
      if (reg != kNoReg) {
        if (d.written & Bit(reg)) {
          if (d.op == Op::kMovImm && d.dst == reg) return {Value::kConst, d.imm};
          if (d.op == Op::kMovReg && d.dst == reg && d.src != kNoReg) {
            reg = d.src;
            k = j;
            continue;
          }
          if (d.op == Op::kLea && d.dst == reg && d.mem.rip) return {Value::kConst, static_cast<int64_t>(d.mem.abs)};
          if (d.op == Op::kLoad && d.dst == reg && d.mem.base == sp && d.mem.index == kNoReg) {
            auto dl = Delta(j);
            if (!dl) return {};
            slot = d.mem.disp + *dl;
            reg = kNoReg;
            k = j;
            continue;
          }
          if (d.op == Op::kPop && d.dst == reg) {
            auto dl = Delta(j);
            if (!dl) return {};
            slot = *dl;
            reg = kNoReg;
            k = j;
            continue;
          }
          return {};
        }
      } else {
        if ((d.op == Op::kStore || d.op == Op::kStoreImm) && d.mem.base == sp && d.mem.index == kNoReg) {
          auto dl = Delta(j);
          if (!dl) return {};
          if (d.mem.disp + *dl == slot) {
            if (d.op == Op::kStoreImm) return {Value::kConst, d.imm};
            reg = d.src;
            k = j;
            continue;
          }
        } else if (d.op == Op::kPush) {
          auto dl = Delta(j);
          if (!dl) return {};
          if (*dl - ptr_ == slot) {
            reg = d.src;
            k = j;
            continue;
          }
        }
      }
      k = j;
    }
    if (reg != kNoReg) return {Value::kArgReg, reg};
    if (slot >= ptr_) return {Value::kArgStack, slot};
    return {};
  }

  Value AtJoin(uint8_t reg, int64_t slot, size_t k, Walk* w, int depth, bool* cycled) {
    if (std::find(w->open.begin(), w->open.end(), k) != w->open.end()) {
      *cycled = true;
      return {};
    }
    if (depth >= kMaxJoinDepth) return {};
    if (jump_sources_fn_ != cur_) IndexJumpSources();
    w->open.push_back(k);
    std::optional<Value> agreed;
    bool failed = false;
    int paths = 0;
    auto merge = [&](const Value& v, bool cyc) {
      if (cyc) return;  // a loop back to an open join adds nothing
      if (!agreed) agreed = v;
      else if (agreed->kind != v.kind || agreed->v != v.v) failed = true;
      if (v.kind == Value::kUnknown) failed = true;
    };
    // The fall-through into k, when the instruction before k can fall through.
    if (k > 0) {
      const Flow fl = insns_[k - 1].flow;
      if (fl != Flow::kJump && fl != Flow::kReturn && fl != Flow::kIndirectJump && fl != Flow::kStop &&
          fl != Flow::kInvalid) {
        bool cyc = false;
        merge(WalkBack(reg, slot, k, w, depth + 1, /*skip_join=*/true, &cyc), cyc);
        ++paths;
      }
    } else {
      bool cyc = false;
      merge(WalkBack(reg, slot, k, w, depth + 1, /*skip_join=*/true, &cyc), cyc);
      ++paths;
    }
    auto range = jump_sources_.equal_range(insns_[k].addr);
    for (auto it = range.first; it != range.second && !failed; ++it) {
      if (++paths > kMaxJoinPaths) {
        failed = true;
        break;
      }
      bool cyc = false;
      // The value at the jump is the value before it: a jump writes no register.
      merge(WalkBack(reg, slot, it->second, w, depth + 1, false, &cyc), cyc);
    }
    w->open.pop_back();
    if (failed) return {};
    if (!agreed) {
      *cycled = true;
      return {};
    }
    return *agreed;
  }

  // The value a callee receives as arg, seen at call instruction k of the current function.
  Value ArgumentAt(const Value& arg, size_t k) {
    if (arg.kind == Value::kArgReg) return ValueOf(static_cast<uint8_t>(arg.v), 0, k);
    if (arg.kind == Value::kArgStack) {
      auto dl = Delta(k);
      if (!dl) return {};
      // x86: at the callee's entry the return address sits where the
      // caller's stack pointer was; arm64 keeps it in x30 and sp is unchanged.
      return ValueOf(kNoReg, arg.v - (dec_.arch() == Arch::kArm64 ? 0 : ptr_) + *dl, k);
    }
    return {};
  }

  // ---- per function -------------------------------------------------------------
  void AnalyzeFunction(uint32_t fi) {
    Function& f = fns_[fi];
    const Region* g = RegionAt(f.start);
    const bool plt = g && g->name.starts_with(".plt");
    bool has_indirect_jump = false;
    for (size_t k = 0; k < insns_.size(); ++k) {
      const Insn& i = insns_[k];
      switch (i.flow) {
        case Flow::kCall:
          if (const Span* sp = SpanAt(i.target); sp && sp->start == i.target && !fns_[sp->index].import.empty())
            ImportCall(k, fns_[sp->index].import);  // call mprotect@plt
          if (edges_.size() < kMaxCallEdges) edges_.push_back({i.target, i.addr});
          else edges_capped_ = true;
          if (const Span* sp = SpanAt(i.target);
              !sp || (sp->start != i.target && fns_[sp->index].source == FuncSource::kGaps))
            call_targets_.push_back(i.target);
          break;
        case Flow::kIndirectCall:
          if (i.mem_target) ImportCall(k, Import(i.target));
          break;
        case Flow::kIndirectJump:
          if (i.mem_target) {
            if (std::string_view name = Import(i.target); !name.empty()) {
              // A stub (endbr64; bnd jmp [rip+slot]) was named by MarkImportStubs.
              if (k > 1 && !plt) ImportCall(k, name);  // a tail call through the GOT
              break;
            }
          }
          has_indirect_jump = true;
          break;
        case Flow::kSyscall:
          SyscallAt(k);
          break;
        default:
          break;
      }
    }
    if (!f.import.empty()) return;
    InferConvention(fi);
    if (has_indirect_jump) FindTableLoops(fi);
    FindCallLoops(fi);
  }

  uint8_t SpReg() const { return dec_.arch() == Arch::kArm64 ? kArm64Sp : kX86Rsp; }

  std::string_view Import(uint64_t slot) const {
    auto it = std::lower_bound(in_.imports.begin(), in_.imports.end(), slot,
                               [](const ImportSlot& s, uint64_t a) { return s.slot < a; });
    return it != in_.imports.end() && it->slot == slot ? it->name : std::string_view();
  }

  // The C convention's third argument (prot) of mmap/mprotect at a call.
  Value ProtArgOfImport() const {
    if (dec_.arch() == Arch::kX86) return {Value::kArgStack, 12};  // cdecl: after the return address and two args
    return {Value::kArgReg, dec_.arch() == Arch::kArm64 ? 2 : kX86Rdx};
  }

  void ImportCall(size_t k, std::string_view name) {
    if (!IsMemoryProtectImport(name)) return;
    Value v = ArgumentAt(ProtArgOfImport(), k);
    NoteProt(v, insns_[k].addr, cur_, fmt::format("call {}", name), kNoSite, 0);
  }

  void NoteProt(const Value& v, uint64_t origin, uint32_t fn, std::string via, uint32_t site, int depth) {
    if (v.kind == Value::kConst) {
      ++r_.exec_checked;
      if ((v.v & kProtExec) && r_.exec_requests.size() < kMaxListed)
        r_.exec_requests.push_back({origin, fn, std::move(via), v.v});
    } else if (v.kind == Value::kUnknown) {
      ++r_.exec_undetermined;
    } else {
      pending_.insert({fn, v, true, site, depth, origin, std::move(via), {}});
    }
  }

  void SyscallAt(size_t k) {
    const Insn& i = insns_[k];
    SyscallSite s;
    s.addr = i.addr;
    s.function = cur_;
    s.insn = dec_.arch() == Arch::kArm64 ? "svc #0" : BytesAt(k).At(0) == 0xcd ? "int 0x80"
             : BytesAt(k).At(1) == 0x34                                      ? "sysenter"
                                                                              : "syscall";
    const Value v = ValueOf(dec_.SyscallNumberReg(), 0, k);
    if (r_.syscall_sites.size() >= kMaxListed) return;  // counted nowhere: the listing is full
    const uint32_t idx = static_cast<uint32_t>(r_.syscall_sites.size());
    if (v.kind == Value::kConst) {
      s.numbers.push_back(v.v);
      s.from = ValueFrom::kConstant;
    } else if (v.kind == Value::kUnknown) {
      s.from = ValueFrom::kUnknown;
    } else {
      s.from = ValueFrom::kCaller;
      // The prot beside the number, should callers make this an mmap or mprotect.
      pending_.insert({cur_, v, false, idx, 0, i.addr, {}, ValueOf(dec_.SyscallArgReg(2), 0, k)});
    }
    r_.syscall_sites.push_back(std::move(s));
    // A memory request: its prot, here or from callers; when the number comes
    // from callers, the prot is followed once the number is known (FollowCallers).
    if (v.kind == Value::kConst && IsMemoryProtectSyscall(SyscallName(dec_.arch(), v.v))) {
      NoteProt(ValueOf(dec_.SyscallArgReg(2), 0, k), i.addr, cur_,
               fmt::format("syscall {}", SyscallName(dec_.arch(), v.v)), idx, 0);
    }
  }

  // ---- conventions --------------------------------------------------------------
  void InferConvention(uint32_t fi) {
    Function& f = fns_[fi];
    const bool x86 = dec_.arch() != Arch::kArm64;
    uint32_t written = 0, read_first = 0;
    bool go_check = false, tls_g = false, stack_arg = false;
    const uint8_t g_reg = x86 ? kX86R14 : 28;
    const size_t n = std::min<size_t>(insns_.size(), kConventionWindow);
    for (size_t k = 0; k < n; ++k) {
      const Insn& i = insns_[k];
      if (i.flow == Flow::kCall || i.flow == Flow::kIndirectCall || i.flow == Flow::kReturn ||
          i.flow == Flow::kIndirectJump || i.flow == Flow::kSyscall || i.flow == Flow::kJump ||
          i.flow == Flow::kInvalid)
        break;
      const Detail& d = D(k);
      uint32_t reads = d.read & ~written;
      if (d.op == Op::kPush) reads &= ~Bit(d.src);  // a save, not a use
      read_first |= reads;
      if (d.has_mem && d.mem.base == g_reg && (d.mem.disp == 0x10 || d.mem.disp == 0x18) && (reads & Bit(g_reg)))
        go_check = true;
      if (x86 && d.op == Op::kLoad && d.mem.fs && d.mem.base == kNoReg && d.mem.index == kNoReg && d.mem.disp < 0 &&
          d.mem.disp >= -16)
        tls_g = true;
      if (d.op == Op::kLoad && d.mem.base == SpReg() && d.mem.index == kNoReg) {
        auto dl = Delta(k);
        if (dl && d.mem.disp + *dl >= ptr_) stack_arg = true;
      }
      if (f.frame < 0 && d.op == Op::kAddImm && d.dst == SpReg() && d.imm < 0) f.frame = -d.imm;
      // arm64: Go saves the link register as it moves sp (str x30, [sp, #-N]!).
      if (!x86 && f.frame < 0 && i.moves_sp && d.sp_known && d.sp_delta < 0) f.frame = -d.sp_delta;
      written |= d.written;
    }
    f.arg_regs_read = read_first;
    f.stack_check = go_check || tls_g;
    auto has = [&](std::initializer_list<uint8_t> regs) {
      for (uint8_t r : regs)
        if (read_first & Bit(r)) return true;
      return false;
    };
    Convention c = Convention::kUnknown;
    std::string why;
    if (f.name.ends_with(".abi0")) {
      c = Convention::kGoAbi0, why = "named .abi0";
    } else if (IsCgoBridge(f.name)) {
      c = Convention::kCgoBridge, why = "cgo bridge by name";
    } else if (go_check && !(!x86 && f.go_code && stack_arg && (read_first & 0xffff) == 0)) {
      // arm64 keeps g in R28 in both of Go's conventions: there an ABI0
      // function is told by its arguments, read from the caller's frame.
      c = Convention::kGoAbiInternal, why = x86 ? "stack check through g in R14" : "stack check through g in R28";
    } else if (tls_g && (f.go_code || in_.go)) {
      c = Convention::kGoAbi0, why = "g loaded from TLS";
    } else if (f.go_code) {
      if (x86 ? has({kX86Rax, kX86Rbx, kX86Rcx, kX86Rdi, kX86Rsi, kX86R8, kX86R9, kX86R10, kX86R11})
              : (read_first & 0xffff) != 0) {
        c = Convention::kGoAbiInternal, why = "reads argument registers before writing them";
      } else if (stack_arg) {
        c = Convention::kGoAbi0, why = "reads arguments from the caller's frame";
      }
    } else if (x86 ? has({kX86Rdi, kX86Rsi, kX86Rdx, kX86Rcx, kX86R8, kX86R9}) : (read_first & 0xff) != 0) {
      if (dec_.arch() != Arch::kX86) c = Convention::kSysV, why = "reads argument registers before writing them";
    } else if (dec_.arch() == Arch::kX86 && stack_arg) {
      c = Convention::kSysV, why = "reads arguments from the caller's frame (cdecl)";
    }
    f.convention = c;
    f.convention_why = std::move(why);
  }

  // ---- dispatch loops -------------------------------------------------------------
  struct TableUse {
    uint64_t table = 0;
    uint32_t jumps = 0;
    uint64_t first_jump = 0;
    bool index_from_memory = false;
    uint8_t fetch_base = kNoReg;    // the op pointer the index was fetched through (most ways in)
    std::vector<uint8_t> fetch_bases;  // every name it has on the ways in
    uint64_t entries = 0;           // entries read from the table
    std::vector<uint64_t> targets;  // distinct, in-function
  };

  // The instruction that last wrote reg before k, following register copies; SIZE_MAX when none is found.
  // With stop_at_joins, stops where other code jumps in: used to name a
  // loop-carried register by the name it has at the loop's head.
  size_t DefOf(uint8_t* reg, size_t k, bool stop_at_joins = false) {
    for (int steps = 0; steps < kMaxBacktrack && k > 0; ++steps) {
      if (stop_at_joins && targets_.count(insns_[k].addr)) return SIZE_MAX;
      const size_t j = k - 1;
      const Insn& ij = insns_[j];
      if (ij.flow == Flow::kJump || ij.flow == Flow::kReturn || ij.flow == Flow::kIndirectJump ||
          ij.flow == Flow::kCall || ij.flow == Flow::kIndirectCall || ij.flow == Flow::kInvalid)
        return SIZE_MAX;
      const Detail& d = D(j);
      if (d.written & Bit(*reg)) {
        if (d.op == Op::kMovReg && d.dst == *reg && d.src != kNoReg && d.src != *reg) {
          *reg = d.src;
          k = j;
          continue;
        }
        return j;
      }
      k = j;
    }
    return SIZE_MAX;
  }

  // Whether the index register's value was fetched through a pointer (an
  // opcode read at the program counter, perhaps masked or shifted). A load
  // indexed by another value is a table lookup (a parser's state table, a
  // regex program indexed by position) and a load from the stack frame is a
  // state variable: neither is a fetch.
  bool IndexFromMemory(uint8_t reg, size_t k, uint8_t* fetch_base, std::vector<uint8_t>* all_bases = nullptr) {
    // Along the straight line back from k, else (when a join is met first)
    // along every way into it: compilers copy the fetch into each handler's
    // tail (gawk: mov rbx, [rbx]; movsxd r14, [rbx+0x24]; jmp head). The op
    // pointer most ways in fetch through decides.
    std::map<uint8_t, uint32_t> votes;
    uint32_t ways = 0;
    std::vector<size_t> open;
    Vote(reg, k, 0, &votes, &ways, &open);
    // The pointer moves between registers from one handler to the next
    // (Lua: rbx on one way in, r13 on another): every name counts.
    uint8_t best = kNoReg;
    uint32_t most = 0, fetching = 0;
    for (const auto& [b, n] : votes) {
      fetching += n;
      if (n > most) best = b, most = n;
      if (all_bases) all_bases->push_back(b);
    }
    if (best == kNoReg || fetching * 2 < ways) return false;
    *fetch_base = best;
    return true;
  }

  // Adds to votes the op pointer the value of reg before k was fetched
  // through, on each way back (kNoReg for a way with no fetch).
  void Vote(uint8_t reg, size_t k, int depth, std::map<uint8_t, uint32_t>* votes, uint32_t* ways,
            std::vector<size_t>* open) {
    if (*ways >= kMaxFetchVotes) return;
    const size_t limit = k > static_cast<size_t>(kMaxBacktrack) ? k - kMaxBacktrack : 0;
    for (size_t x = k; x > limit; --x) {
      if (x != k && targets_.count(insns_[x].addr)) {
        // A join: vote along every way in.
        if (depth >= kMaxJoinDepth || std::find(open->begin(), open->end(), x) != open->end()) return;
        open->push_back(x);
        if (jump_sources_fn_ != cur_) IndexJumpSources();
        auto range = jump_sources_.equal_range(insns_[x].addr);
        for (auto it = range.first; it != range.second; ++it) Vote(reg, it->second, depth + 1, votes, ways, open);
        const Flow fl = insns_[x - 1].flow;
        if (fl != Flow::kJump && fl != Flow::kReturn && fl != Flow::kIndirectJump && fl != Flow::kStop &&
            fl != Flow::kInvalid)
          Vote(reg, x, depth + 1, votes, ways, open);  // the fall-through (x itself is not re-judged)
        open->pop_back();
        return;
      }
      const Flow fl = insns_[x - 1].flow;
      if (fl == Flow::kJump || fl == Flow::kReturn || fl == Flow::kIndirectJump || fl == Flow::kCall ||
          fl == Flow::kIndirectCall || fl == Flow::kStop || fl == Flow::kInvalid)
        break;
      const Detail& d = D(x - 1);
      if (!(d.written & Bit(reg))) continue;
      if (d.op == Op::kMovReg && d.dst == reg && d.src != kNoReg) {
        reg = d.src;
        continue;
      }
      if (d.op == Op::kAndImm || d.op == Op::kShiftImm || d.op == Op::kAddImm) continue;  // masked or shifted in place
      ++*ways;
      if (d.op == Op::kLoad && IsFetch(d.mem)) {
        uint8_t base = d.mem.base;
        DefOf(&base, x - 1, /*stop_at_joins=*/true);
        ++(*votes)[base];
      }
      return;
    }
    ++*ways;  // nothing found on this way
  }
  void IndexJumpSources() {
    jump_sources_.clear();
    jump_sources_fn_ = cur_;
    for (size_t i = 0; i < insns_.size(); ++i)
      if (insns_[i].flow == Flow::kJump || insns_[i].flow == Flow::kCondJump) jump_sources_.emplace(insns_[i].target, i);
  }

  bool IsFetch(const MemOperand& m) const {
    const uint8_t sp = dec_.arch() == Arch::kArm64 ? kArm64Sp : kX86Rsp;
    return m.base != kNoReg && m.base != sp && m.index == kNoReg && !m.rip && !m.fs && !m.gs;
  }

  // How an unresolved indirect jump computes its target, as a key: jumps of
  // one function with the same key go through the same field of the current
  // op (PHP's handler pointer, Ruby's direct-threaded iseq) or add a fetched
  // offset to one base (OCaml's threaded code). 0 when no fetch is seen.
  //
  // Jumps through the op (kinds 1-3) are grouped by kind alone: the op
  // pointer moves between registers and the handler field's offset varies
  // with the op's length (Ruby's jmp [reg+8*len], SWI-Prolog's jmp [rax],
  // [rbx], [rdx+8]). *base is the op pointer of this jump, named after any
  // copies (OCaml: mov rax, r15; lea r15, [r15+4]; movsxd rax, [rax]).
  uint64_t FetchKey(size_t k, uint8_t* op_base) {
    const Detail& d = D(k);
    auto key = [&](int kind, const MemOperand& m, size_t at) {
      uint8_t base = m.base;
      DefOf(&base, at, /*stop_at_joins=*/true);
      *op_base = base;
      if (kind != 4) return (uint64_t{1} << 62) | (uint64_t(kind) << 56);
      // A table in a register: the op pointer is what the opcode was fetched through.
      uint8_t fetched_from = kNoReg;
      *op_base = IndexFromMemory(m.index, at, &fetched_from) ? fetched_from : kNoReg;
      return (uint64_t{1} << 62) | (uint64_t(kind) << 56) | (uint64_t(base) << 48) | (uint64_t(m.disp) & 0xffffffffffff);
    };
    // A table whose address is kept in a register (LuaJIT's DISPATCH): jmp [base+op*8+disp].
    auto in_register = [&](const MemOperand& m) {
      return m.base != kNoReg && m.index != kNoReg && m.scale == ptr_ && !m.rip;
    };
    if (d.has_mem) return IsFetch(d.mem) ? key(1, d.mem, k) : in_register(d.mem) ? key(4, d.mem, k) | 1 : 0;
    uint8_t r = kNoReg;
    for (uint8_t b = 0; b < 32; ++b)
      if (d.read & Bit(b)) r = b;
    if (r == kNoReg) return 0;
    const size_t j = DefOf(&r, k);
    if (j == SIZE_MAX) return 0;
    const Detail& dj = D(j);
    if (dj.op == Op::kLoad) return IsFetch(dj.mem) ? key(2, dj.mem, j) : in_register(dj.mem) ? key(4, dj.mem, j) | 1 : 0;
    if (dj.op == Op::kAddReg) {
      for (int side = 0; side < 2; ++side) {
        uint8_t e = side ? dj.src : dj.dst;
        const size_t je = DefOf(&e, j);
        if (je == SIZE_MAX) continue;
        const Detail& de = D(je);
        if (de.op == Op::kLoad && IsFetch(de.mem)) return key(3, de.mem, je);
      }
    }
    return 0;
  }

  // Whether the op pointer reg is stepped forward by a constant in the
  // straight-line code before the jump at k (the "pc += n" of a handler's
  // end): what tells threaded code from tail calls through a vtable.
  bool Advances(uint8_t reg, size_t k) {
    if (reg == kNoReg) return false;
    for (size_t steps = 0; steps < 12 && k > 0; ++steps) {
      const size_t j = --k;
      if (insns_[j].flow != Flow::kNext) return false;
      const Detail& d = D(j);
      // pc += n, or the next pc computed beside this one (SWI-Prolog: lea rbx, [rax+8]; jmp [rax]).
      if (IsStep(d, reg, /*any_dst=*/true)) return true;
      if (d.written & Bit(reg)) return false;
    }
    return false;
  }

  bool IsStep(const Detail& d, uint8_t reg, bool any_dst) const {
    if (d.op == Op::kAddImm && d.dst == reg && d.imm > 0) return true;
    if (d.op == Op::kLea && (any_dst || d.dst == reg) && d.mem.base == reg && d.mem.index == kNoReg && d.mem.disp > 0)
      return true;
    return false;
  }
  // Whether reg is stepped forward (into itself or another register) within kDispatchWindow bytes before the jump.
  bool SteppedNear(uint8_t reg, uint64_t jump) {
    if (reg == kNoReg) return false;
    for (size_t k = IndexOf(jump); k != SIZE_MAX && k > 0;) {
      --k;
      if (insns_[k].addr + kDispatchWindow < jump) break;
      if (IsStep(D(k), reg, true)) return true;
    }
    return false;
  }
  // Whether reg is set, right before the jump, from another pointer (lea
  // reg, [other+k], or a load through other): a field of an object just
  // reached (V8's marking visitor reads the type at map+10), so the ways the
  // function steps reg elsewhere do not reach this fetch. Copies, reloads
  // from the stack and steps of reg itself keep the op pointer.
  bool DerivedAtDispatch(uint8_t reg, uint64_t jump) {
    if (reg == kNoReg) return false;
    for (size_t k = IndexOf(jump); k != SIZE_MAX && k > 0;) {
      --k;
      if (insns_[k].addr + kDispatchWindow < jump) break;
      if (insns_[k].flow == Flow::kCondJump) continue;  // the way on falls through
      if (insns_[k].flow != Flow::kNext) break;
      const Detail& d = D(k);
      if (!(d.written & Bit(reg))) continue;  // on the way that falls through into the dispatch
      if (d.op == Op::kMovReg && d.dst == reg && d.src != kNoReg) {
        reg = d.src;
        continue;
      }
      const bool other = d.mem.base != reg && d.mem.base != kX86Rsp && d.mem.base != kX86Rbp && !d.mem.rip;
      return (d.op == Op::kLea || d.op == Op::kLoad) && d.dst == reg && other && dec_.arch() != Arch::kArm64;
    }
    return false;
  }
  // The most instructions of the function that step reg the same way: by
  // one constant, or by reloading it from one field of what it points at
  // (pc = pc->next). A register reused for unrelated values moves in many
  // different ways; an op pointer moves in one or two.
  uint32_t PointerSteps(uint8_t reg) {
    if (reg == kNoReg) return 0;
    std::map<std::pair<int, int64_t>, uint32_t> ways;
    for (size_t k = 0; k < insns_.size(); ++k) {
      if (insns_[k].flow != Flow::kNext || !insns_[k].moves_sp) continue;  // add, lea and mov only
      const Detail& d = D(k);
      if (d.op == Op::kAddImm && d.dst == reg && d.imm > 0) ++ways[{0, d.imm}];
      else if (d.op == Op::kLea && d.dst == reg && d.mem.base == reg && d.mem.index == kNoReg && d.mem.disp > 0)
        ++ways[{0, d.mem.disp}];
      else if (d.op == Op::kLoad && d.dst == reg && d.mem.base == reg && d.mem.index == kNoReg)
        ++ways[{1, d.mem.disp}];
    }
    uint32_t best = 0;
    for (const auto& [w, n] : ways) best = std::max(best, n);
    return best;
  }

  uint64_t ConstBase(uint8_t reg, size_t k) {
    if (reg == kNoReg) return 0;
    const Value v = ValueOf(reg, 0, k, /*stop_at_joins=*/false);
    if (v.kind == Value::kConst) return static_cast<uint64_t>(v.v);
    return FunctionConst(reg);
  }

  // The one constant reg holds wherever it is read in the function: every
  // write of it in the function sets the same address (lea reg, [rip+X] or
  // mov reg, X), or reloads it from a stack slot that only ever receives
  // reg itself (a spill). A compiler keeps a jump table's base so, set once
  // before the interpreter's loop. UINT64_MAX when there is no such constant.
  uint64_t FunctionConst(uint8_t reg) {
    if (reg >= 32) return UINT64_MAX;
    if (const_cache_fn_ != cur_) const_cache_.clear(), const_cache_fn_ = cur_;
    if (auto it = const_cache_.find(reg); it != const_cache_.end()) return it->second;
    uint64_t value = UINT64_MAX;
    bool ok = true;
    std::set<int64_t> reloads;  // entry-relative stack slots reg is reloaded from
    std::set<int64_t> spills;   // slots reg is stored to
    std::map<int64_t, bool> slot_others;  // slots written by anything else
    const bool x86 = dec_.arch() != Arch::kArm64;
    for (size_t k = 0; k < insns_.size() && ok && k < kMaxConstScan; ++k) {
      const Detail& d = D(k);
      if (x86 && (d.op == Op::kStore || d.op == Op::kStoreImm) && d.mem.base == kX86Rsp && d.mem.index == kNoReg) {
        auto dl = Delta(k);
        if (!dl) continue;
        const int64_t slot = d.mem.disp + *dl;
        if (d.op == Op::kStore && d.src == reg) spills.insert(slot);
        else slot_others[slot] = true;
      }
      if (!(d.written & Bit(reg))) continue;
      uint64_t v = UINT64_MAX;
      if (d.op == Op::kLea && d.dst == reg && (d.mem.rip || (d.mem.base == kNoReg && d.mem.index == kNoReg)))
        v = d.mem.abs;
      else if (d.op == Op::kMovImm && d.dst == reg && d.imm != 0)
        v = static_cast<uint64_t>(d.imm);
      else if (x86 && d.op == Op::kLoad && d.dst == reg && d.mem.base == kX86Rsp && d.mem.index == kNoReg) {
        auto dl = Delta(k);
        if (!dl) ok = false;
        else reloads.insert(d.mem.disp + *dl);
        continue;
      } else {
        ok = false;
        break;
      }
      if (value == UINT64_MAX) value = v;
      else if (value != v) ok = false;
    }
    for (int64_t slot : reloads) ok = ok && spills.count(slot) && !slot_others.count(slot);
    if (insns_.size() > kMaxConstScan) ok = false;
    const uint64_t out = ok ? value : UINT64_MAX;
    const_cache_[reg] = out;
    return out;
  }

  // Resolves the table of the indirect jump at k: its address, how its
  // entries give targets, and the index register. False when no table.
  bool ResolveTable(size_t k, uint64_t* table, bool* relative, uint8_t* index, size_t* at) {
    const Detail& d = D(k);
    auto from_mem = [&](const MemOperand& m, size_t where) -> bool {
      if (m.index == kNoReg || m.rip) return false;
      if (m.scale == ptr_) {
        const uint64_t base = ConstBase(m.base, where);
        if (base == UINT64_MAX) return false;
        *table = base + m.disp, *relative = false, *index = m.index, *at = where;
        return true;
      }
      return false;
    };
    if (d.has_mem) return from_mem(d.mem, k);
    // jmp reg: a loaded pointer, or a 32-bit offset added to the table's base.
    uint8_t r = kNoReg;
    for (uint8_t b = 0; b < 32; ++b)
      if (d.read & Bit(b)) r = b;
    if (r == kNoReg) return false;
    const size_t j = DefOf(&r, k);
    if (j == SIZE_MAX) return false;
    const Detail& dj = D(j);
    if (dj.op == Op::kLoad) return from_mem(dj.mem, j);
    if (dj.op == Op::kAddReg) {
      // Either operand may hold the entry; the other the base.
      for (int side = 0; side < 2; ++side) {
        uint8_t e = side ? dj.src : dj.dst;
        const uint8_t other = side ? dj.dst : dj.src;
        const size_t je = DefOf(&e, j);
        if (je == SIZE_MAX) continue;
        const Detail& de = D(je);
        if (de.op != Op::kLoad || de.mem.index == kNoReg || de.mem.scale != 4 || de.mem.size != 4) continue;
        const uint64_t base = ConstBase(de.mem.base, je);
        if (base == UINT64_MAX || base == 0) continue;
        const uint64_t other_v = ConstBase(other, j);
        if (other_v != base) continue;
        *table = base + de.mem.disp, *relative = true, *index = de.mem.index, *at = je;
        return true;
      }
    }
    return false;
  }

  // The distinct targets of a table; *entries: how many entries were read.
  std::vector<uint64_t> TableTargets(uint64_t table, bool relative, const Function& f, uint64_t* entries) {
    std::vector<uint64_t> out;
    const int w = relative ? 4 : ptr_;
    for (uint64_t i = 0; i < kMaxTableEntries; ++i) {
      ByteView b = in_.as->Read(table + i * w, w);
      if (b.size() != static_cast<uint64_t>(w)) break;
      uint64_t t = 0;
      if (relative) {
        uint32_t v = 0;
        b.ReadInt(0, in_.as->endian(), &v);
        t = table + static_cast<int64_t>(static_cast<int32_t>(v));
      } else if (w == 8) {
        b.ReadInt(0, in_.as->endian(), &t);
      } else {
        uint32_t v = 0;
        b.ReadInt(0, in_.as->endian(), &v);
        t = v;
      }
      // Absolute entries may point at split-off cold parts of the function
      // (gcc's .cold); relative ones, read from a guess of the table's
      // length, must stay inside the function.
      if (relative ? (t < f.start || t >= f.end) : !RegionAt(t)) break;
      out.push_back(t);
    }
    *entries = out.size();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  // Whether code from handler t flows back to the dispatch at jump (within kDispatchWindow before it).
  bool FlowsBack(uint64_t t, uint64_t jump, const std::unordered_set<uint64_t>& same_table) {
    std::vector<size_t> work;
    std::unordered_set<size_t> seen;
    size_t k = IndexOf(t);
    if (k == SIZE_MAX) return false;
    work.push_back(k);
    int steps = 0;
    while (!work.empty() && steps < kMaxFlowSteps) {
      k = work.back();
      work.pop_back();
      while (k < insns_.size() && steps++ < kMaxFlowSteps) {
        if (!seen.insert(k).second) break;
        const Insn& i = insns_[k];
        if (i.addr <= jump && i.addr + kDispatchWindow >= jump && i.addr != t) return true;
        if (i.flow == Flow::kIndirectJump) {
          if (same_table.count(i.addr)) return true;
          break;
        }
        if (i.flow == Flow::kReturn || i.flow == Flow::kStop || i.flow == Flow::kInvalid) break;
        if (i.flow == Flow::kJump || i.flow == Flow::kCondJump) {
          const size_t tk = IndexOf(i.target);
          if (i.flow == Flow::kJump) {
            k = tk;
            if (k == SIZE_MAX) break;
            continue;
          }
          if (tk != SIZE_MAX) work.push_back(tk);
        }
        ++k;
      }
    }
    return false;
  }

  void FindTableLoops(uint32_t fi) {
    const Function& f = fns_[fi];
    std::map<uint64_t, TableUse> uses;
    std::map<uint64_t, std::vector<uint64_t>> jumps_of;
    struct Fetched {
      uint32_t jumps = 0, advancing = 0;
      uint64_t first = 0;
    };
    std::map<uint64_t, Fetched> fetched;  // by FetchKey
    for (size_t k = 0; k < insns_.size(); ++k) {
      if (insns_[k].flow != Flow::kIndirectJump) continue;
      uint64_t table = 0;
      bool relative = false;
      uint8_t index = kNoReg;
      size_t at = 0;
      if (!ResolveTable(k, &table, &relative, &index, &at)) {
        uint8_t op_base = kNoReg;
        if (uint64_t key = FetchKey(k, &op_base)) {
          Fetched& e = fetched[key];
          if (e.jumps++ == 0) e.first = insns_[k].addr;
          e.advancing += Advances(op_base, k);
        }
        continue;
      }
      TableUse& u = uses[table];
      if (u.jumps == 0) {
        u.table = table;
        u.first_jump = insns_[k].addr;
        u.targets = TableTargets(table, relative, f, &u.entries);
      }
      ++u.jumps;
      jumps_of[table].push_back(insns_[k].addr);
      if (!u.index_from_memory) u.index_from_memory = IndexFromMemory(index, at, &u.fetch_base, &u.fetch_bases);
    }
    for (const auto& [key, e] : fetched) {
      if (((key >> 56) & 0x3f) == 4) {
        // Through a table in a register, indexed by an opcode fetched through a pointer that steps forward.
        if (e.jumps < kMinThreadedHandlers || e.advancing < kMinAdvancingJumps || e.advancing * 16 < e.jumps) continue;
        AddLoop({fi, e.first, LoopShape::kThreaded, e.jumps, 0, e.jumps,
                 fmt::format("{} indirect jumps through one table addressed by a register, indexed by the opcode",
                             e.jumps)});
        break;
      }
      if (e.jumps < kMinFetchedJumps || e.advancing < kMinAdvancingJumps || e.advancing * 16 < e.jumps) continue;
      AddLoop({fi, e.first, LoopShape::kThreaded, e.jumps, 0, e.jumps,
               fmt::format("{} indirect jumps to a target fetched through one op pointer, {} of them right after "
                           "advancing it",
                           e.jumps, e.advancing)});
      break;
    }
    for (auto& [table, u] : uses) {
      const uint32_t handlers = static_cast<uint32_t>(u.targets.size());
      uint32_t inside = 0;
      for (uint64_t t : u.targets) inside += t >= f.start && t < f.end;
      if (inside * 2 < handlers) continue;  // a table of other functions' code (a vtable, a list of callbacks)
      // One jump per handler (compilers merge some), and a handler per
      // opcode: a byte lexer's table of 256 entries has a few dozen distinct
      // targets, a switch duplicated into a few of its cases a few jumps.
      if (u.jumps >= kMinThreadedJumps && handlers >= kMinThreadedHandlers && u.jumps * 3 >= handlers &&
          handlers * 3 >= u.entries) {
        AddLoop({fi, u.first_jump, LoopShape::kThreaded, handlers, table, u.jumps,
                 fmt::format("{} indirect jumps through one table of {} handlers ({} entries) in the function", u.jumps,
                             handlers, u.entries)});
        continue;
      }
      if (handlers < kMinSwitchHandlers || !u.index_from_memory) continue;
      // The op pointer moves: stepped by a constant near the dispatch (Lua:
      // lea r13, [rbx+4] beside the fetch) or, in many places, stepped or
      // reloaded from the op itself (gawk: pc = pc->nexti). A worklist
      // visitor's object pointer does neither.
      bool moves = false;
      for (uint8_t b : u.fetch_bases)
        moves = moves || SteppedNear(b, u.first_jump) ||
                (!DerivedAtDispatch(b, u.first_jump) &&
                 PointerSteps(b) >= std::max<uint32_t>(kMinPointerSteps, handlers / 4));
      if (!moves) continue;
      const std::vector<uint64_t>& js = jumps_of[table];
      std::unordered_set<uint64_t> same(js.begin(), js.end());
      uint32_t back = 0;
      for (uint64_t t : u.targets) back += FlowsBack(t, u.first_jump, same);
      if (back >= kMinFlowBackShare * handlers) {
        AddLoop({fi, u.first_jump, LoopShape::kSwitch, handlers, table, u.jumps,
                 fmt::format("jump table of {} handlers indexed by a value loaded from memory; {} of them lead back "
                             "to the dispatch",
                             handlers, back)});
      }
    }
  }

  // Perl's shape: a short loop around one indirect call through the pointer the previous call returned.
  void FindCallLoops(uint32_t fi) {
    const uint8_t ret = dec_.arch() == Arch::kArm64 ? 0 : kX86Rax;
    for (size_t k = 0; k < insns_.size(); ++k) {
      const Insn& b = insns_[k];
      if (b.flow != Flow::kCondJump && b.flow != Flow::kJump) continue;
      if (b.target > b.addr || b.addr - b.target > kMaxCallLoopBytes) continue;
      const size_t a = IndexOf(b.target);
      if (a == SIZE_MAX) continue;
      // Straight-line from the head to the back edge: nothing leaves the loop
      // but its end, and the one call in it is indirect.
      size_t call = SIZE_MAX;
      int calls = 0;
      bool straight = true;
      for (size_t j = a; j < k; ++j) {
        const Flow fl = insns_[j].flow;
        if (fl == Flow::kIndirectCall) call = j, ++calls;
        else if (fl == Flow::kCall) ++calls;
        else if (fl != Flow::kNext) straight = false;
      }
      if (!straight || calls != 1 || call == SIZE_MAX) continue;
      const Detail& dc = D(call);
      uint8_t base = kNoReg;
      if (dc.has_mem && dc.mem.index == kNoReg && !dc.mem.rip) {
        base = dc.mem.base;
      } else {
        uint8_t r = kNoReg;
        for (uint8_t x = 0; x < 32; ++x)
          if (dc.read & Bit(x)) r = x;
        if (r == kNoReg) continue;
        size_t j = DefOf(&r, call);
        if (j == SIZE_MAX || j < a) continue;
        const Detail& dj = D(j);
        if (dj.op != Op::kLoad || dj.mem.index != kNoReg) continue;
        base = dj.mem.base;
        // The base must not be written between the loop head and the load.
        bool w = false;
        for (size_t x = a; x < j; ++x) w = w || (D(x).written & Bit(base));
        if (w) continue;
      }
      if (base != ret) continue;
      // The pointer must be the one the call returned: untouched from the
      // loop head to the call and from the call to the back edge.
      bool written = false;
      for (size_t x = a; x <= k; ++x)
        if (x != call) written = written || (D(x).written & Bit(ret));
      if (written) continue;
      AddLoop({fi, insns_[call].addr, LoopShape::kCallThreaded, 0, 0, 1,
               fmt::format("a {}-byte loop calls through the pointer the previous call returned", b.end() - b.target)});
      return;
    }
  }

  void AddLoop(DispatchLoop l) {
    if (r_.loops.size() < kMaxListed) r_.loops.push_back(std::move(l));
  }

  // ---- following arguments up through callers --------------------------------------
  void FollowCallers() {
    if (edges_capped_) r_.diag.Warn(fmt::format("over {} calls; the rest are not followed for arguments", kMaxCallEdges));
    std::sort(edges_.begin(), edges_.end(),
              [](const CallEdge& a, const CallEdge& b) { return a.target != b.target ? a.target < b.target : a.site < b.site; });
    std::set<Pending> done;
    uint64_t calls = 0;
    while (!pending_.empty()) {
      Pending p = *pending_.begin();
      pending_.erase(pending_.begin());
      if (!done.insert(p).second) continue;
      const uint64_t callee = fns_[p.fn].start;
      auto lo = std::lower_bound(edges_.begin(), edges_.end(), callee,
                                 [](const CallEdge& e, uint64_t t) { return e.target < t; });
      bool any = false;
      for (auto it = lo; it != edges_.end() && it->target == callee; ++it) {
        if (++calls > kMaxWrapperCalls) {
          r_.diag.Warn(fmt::format("over {} calls followed for syscall numbers and prot arguments; the rest are "
                                   "counted as unknown",
                                   kMaxWrapperCalls));
          pending_.clear();
          break;
        }
        const int64_t caller = r_.FunctionAt(it->site);
        if (caller < 0) continue;
        any = true;
        if (cur_ != caller) Decode(static_cast<uint32_t>(caller), /*count=*/false);
        const size_t k = IndexOf(it->site);
        if (k == SIZE_MAX) continue;
        const Value v = ArgumentAt(p.arg, k);
        const bool prot_arg = p.prot_src.kind == Value::kArgReg || p.prot_src.kind == Value::kArgStack;
        const Value vp = prot_arg ? ArgumentAt(p.prot_src, k) : p.prot_src;
        Resolve(p, v, vp, static_cast<uint32_t>(caller), it->site);
      }
      if (!any) Resolve(p, Value{}, Value{}, p.fn, 0);
    }
  }

  // What a call passes on: v (the followed value) and vp (the prot beside a syscall number).
  void Resolve(const Pending& p, const Value& v, const Value& vp, uint32_t caller, uint64_t call_site) {
    const bool arg = v.kind == Value::kArgReg || v.kind == Value::kArgStack;
    if (p.prot) {
      if (arg) {
        if (p.depth + 1 < kMaxWrapperDepth) pending_.insert({caller, v, true, p.site, p.depth + 1, p.origin, p.via, {}});
        else ++r_.exec_undetermined;
        return;
      }
      const int64_t origin_fn = r_.FunctionAt(p.origin);
      NoteProt(v, p.origin, origin_fn >= 0 ? static_cast<uint32_t>(origin_fn) : caller,
               v.kind == Value::kConst
                   ? fmt::format("{}, prot from the call at {:#x} in {}", p.via, call_site, r_.NameOf(caller))
                   : p.via,
               p.site, p.depth);
      return;
    }
    SyscallSite& s = r_.syscall_sites[p.site];
    if (arg) {
      if (p.depth + 1 < kMaxWrapperDepth) pending_.insert({caller, v, false, p.site, p.depth + 1, s.addr, {}, vp});
      else s.some_unknown = true;
      return;
    }
    if (v.kind != Value::kConst) {
      s.some_unknown = true;
      return;
    }
    if (std::find(s.numbers.begin(), s.numbers.end(), v.v) == s.numbers.end()) s.numbers.push_back(v.v);
    const std::string name = SyscallName(dec_.arch(), v.v);
    if (!IsMemoryProtectSyscall(name)) return;
    // A memory request whose number came from this caller: its prot, here or further up.
    const std::string via = fmt::format("syscall {} (number from the call at {:#x} in {})", name, call_site, r_.NameOf(caller));
    if (vp.kind == Value::kArgReg || vp.kind == Value::kArgStack) {
      if (p.depth + 1 < kMaxWrapperDepth) pending_.insert({caller, vp, true, p.site, p.depth + 1, s.addr, via, {}});
      else ++r_.exec_undetermined;
    } else {
      NoteProt(vp, s.addr, s.function, via, p.site, p.depth);
    }
  }

  // Functions sorted by start (call-target functions were appended); indices follow.
  void Reorder() {
    std::vector<uint32_t> order(fns_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return fns_[a].start < fns_[b].start; });
    std::vector<uint32_t> where(order.size());
    std::vector<Function> sorted;
    sorted.reserve(order.size());
    for (uint32_t i = 0; i < order.size(); ++i) where[order[i]] = i, sorted.push_back(std::move(fns_[order[i]]));
    fns_ = std::move(sorted);
    for (SyscallSite& s : r_.syscall_sites) s.function = where[s.function];
    for (ExecRequest& e : r_.exec_requests) e.function = where[e.function];
    for (DispatchLoop& l : r_.loops) l.function = where[l.function];
    std::set<Pending> moved;
    for (Pending p : pending_) p.fn = where[p.fn], moved.insert(std::move(p));
    pending_ = std::move(moved);
    cur_ = UINT32_MAX;
  }

  void Finish() {
    for (SyscallSite& s : r_.syscall_sites) std::sort(s.numbers.begin(), s.numbers.end());
    for (const Function& f : fns_) {
      const int s = static_cast<int>(f.source);
      ++r_.by_source[s];
      r_.bytes_by_source[s] += f.end - f.start;
      if (f.import.empty()) ++r_.by_convention[static_cast<int>(f.convention)];
    }
  }

  const Input& in_;
  const Decoder& dec_;
  Result& r_;
  std::vector<Function>& fns_;  // the parent's r_.functions in a worker
  const int ptr_;
  std::vector<Region> regions_;
  std::vector<Span> spans_;  // the functions of this round, by start
  const std::vector<Region>* regs_ = &regions_;       // the parent's in a worker
  const std::vector<Span>* spans_view_ = &spans_;     // the parent's in a worker
  std::vector<uint64_t> call_targets_;  // call targets that are not known starts
  std::vector<CallEdge> edges_;
  std::set<Pending> pending_;
  bool edges_capped_ = false;
  // The function being looked at.
  uint32_t cur_ = UINT32_MAX;
  ByteView bytes_;
  std::vector<Insn> insns_;
  std::vector<Detail> details_;
  std::vector<bool> described_;
  std::vector<std::optional<int64_t>> deltas_;
  std::unordered_set<uint64_t> targets_;
  std::map<uint8_t, uint64_t> const_cache_;  // FunctionConst of the current function
  std::unordered_multimap<uint64_t, size_t> jump_sources_;  // target -> jump, in the current function
  uint32_t jump_sources_fn_ = UINT32_MAX;
  uint32_t const_cache_fn_ = UINT32_MAX;
};

}  // namespace

Result Analyze(const Input& in) {
  Result r;
  r.arch = in.arch;
  std::unique_ptr<Decoder> dec = MakeDecoder(in.arch);
  if (!dec || !in.as) {
    r.diag.Warn(fmt::format("no decoder for {}", ArchName(in.arch)));
    return r;
  }
  Analyzer(in, *dec, &r).Run();
  return r;
}

uint64_t CountDirectCalls(const AddressSpace& as, Arch arch, uint64_t target) {
  uint64_t n = 0;
  for (const MemRegion& s : as.Sections()) {
    if (!s.exec || !s.size) continue;
    ByteView b = as.Read(s.vaddr, s.size);
    if (arch == Arch::kArm64) {
      for (uint64_t i = (4 - (s.vaddr & 3)) & 3; i + 4 <= b.size(); i += 4) {
        uint32_t w = 0;
        if (!b.ReadInt(i, Endian::kLittle, &w) || (w & 0xFC000000u) != 0x94000000u) continue;
        const int64_t off = static_cast<int64_t>(static_cast<int32_t>(w << 6) >> 6) * 4;  // imm26, sign-extended
        n += s.vaddr + i + off == target;
      }
      continue;
    }
    for (uint64_t i = 0; i + 5 <= b.size(); ++i) {
      if (b.At(i) != 0xe8) continue;
      uint32_t rel = 0;
      if (!b.ReadInt(i + 1, Endian::kLittle, &rel)) continue;
      uint64_t to = s.vaddr + i + 5 + static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(rel)));
      if (arch == Arch::kX86) to &= 0xffffffffu;
      n += to == target;
    }
  }
  return n;
}

std::vector<ListedInsn> List(const Input& in, uint64_t start, uint64_t end) {
  std::vector<ListedInsn> out;
  std::unique_ptr<Decoder> dec = MakeDecoder(in.arch);
  if (!dec || !in.as || end <= start || end - start > kMaxFunctionBytes) return out;
  ByteView b = in.as->Read(start, end - start);
  uint64_t off = 0;
  Insn insn;
  while (off < b.size()) {
    dec->Decode(b.From(off), start + off, &insn);
    if (off + insn.len > b.size()) break;
    out.push_back({start + off, insn.len, insn.flow == Flow::kInvalid ? std::string() : dec->Format(b.From(off), start + off)});
    off += insn.len;
  }
  return out;
}

}  // namespace exray::code
