// Each rule reads one runtime function that every Go program links (the
// scheduler's start-up and the allocator's) and picks out one global by what
// the source does with it, not by where the linker put it: allgadd appends to
// allgs and atomically stores its length in allglen; mcommoninit takes
// sched.lock and atomically pushes onto allm, which it reads first;
// procresize reads gomaxprocs first and works on allp more than on any other
// slice; mheap.init hands four of memstats' *_sys counters to its
// allocators; mheap.allocSpan updates four of gcController's heap counters.
// tests/go/runtime_check.py holds every rule to `go tool nm` on Go 1.19 and
// 1.21 to 1.27.
#include "analysis/go_globals.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "code/decoder.h"
#include "support/limits.h"

namespace exray {

namespace {

// One memory operand whose address is known: rip-relative, or through a
// register a rip-relative lea set.
struct Ref {
  uint64_t at = 0, target = 0;
  code::Op op = code::Op::kOther;
  uint8_t size = 0;
  bool xchg = false;  // an atomic store (xchg with memory)
};

struct Call {
  uint64_t at = 0;
  std::string_view callee;
  std::optional<uint64_t> ax;  // the first argument, when a lea set it
};

struct FunctionCode {
  const go::Function* fn = nullptr;
  std::vector<Ref> refs;
  std::vector<Call> calls;
};

FunctionCode Scan(const code::Decoder& d, const AddressSpace& as, const GlobalsCode& gc, const go::Function& fn) {
  FunctionCode c;
  c.fn = &fn;
  if (fn.end <= fn.entry) return c;
  const ByteView bytes = as.Read(fn.entry, std::min<uint64_t>(fn.end - fn.entry, go::kMaxGlobalScanBytes));
  std::array<std::optional<uint64_t>, 16> lea{};  // what a rip-relative lea left in each register
  uint64_t off = 0;
  for (uint64_t n = 0; n < go::kMaxGlobalScanBytes && off < bytes.size(); ++n) {
    const ByteView at = bytes.From(off);
    const uint64_t addr = fn.entry + off;
    code::Insn in;
    d.Decode(at, addr, &in);
    off += in.len ? in.len : 1;
    if (in.flow == code::Flow::kInvalid) {
      lea.fill(std::nullopt);
      continue;
    }
    if (in.flow == code::Flow::kCall) {
      Call call{addr, gc.name_at ? gc.name_at(in.target) : std::string_view(), lea[code::kX86Rax]};
      c.calls.push_back(call);
      lea.fill(std::nullopt);  // the register ABI saves no register across a call
      continue;
    }
    code::Detail det;
    if (!d.Describe(at, addr, &det)) continue;
    if (det.has_mem && !det.mem.fs && !det.mem.gs) {
      std::optional<uint64_t> target;
      if (det.mem.rip) target = det.mem.abs;
      else if (det.mem.base < lea.size() && det.mem.index == code::kNoReg && lea[det.mem.base])
        target = *lea[det.mem.base] + static_cast<uint64_t>(det.mem.disp);
      if (target) {
        Ref r{addr, *target, det.op, det.mem.size, false};
        r.xchg = det.op == code::Op::kOther && d.Format(at, addr).starts_with("xchg");
        c.refs.push_back(r);
      }
    }
    for (uint8_t reg = 0; reg < lea.size(); ++reg)
      if ((det.written >> reg) & 1) lea[reg] = std::nullopt;
    if (det.op == code::Op::kLea && det.mem.rip && det.dst < lea.size()) lea[det.dst] = det.mem.abs;
  }
  return c;
}

std::optional<uint64_t> FieldOffset(const go::RuntimeLayout& l, std::string_view st, std::string_view name) {
  for (const go::RuntimeStruct& s : l.structs)
    if (s.name == st)
      for (const go::RuntimeField& f : s.fields)
        if (f.name == name) return f.offset;
  return std::nullopt;
}

std::optional<uint64_t> StructSize(const go::RuntimeLayout& l, std::string_view st) {
  for (const go::RuntimeStruct& s : l.structs)
    if (s.name == st) return s.size;
  return std::nullopt;
}

bool Reads(code::Op op) { return op == code::Op::kLoad || op == code::Op::kCompare; }

std::string At(const FunctionCode& c, uint64_t addr) { return fmt::format("{}+{:#x}", c.fn->name, addr - c.fn->entry); }

// Slice headers the function reads or writes: bases with 8-byte accesses at
// +0, +8 and +16, each with its number of accesses.
std::map<uint64_t, uint64_t> SliceHeaders(const FunctionCode& c) {
  std::map<uint64_t, uint64_t> words;
  for (const Ref& r : c.refs)
    if (r.size == 8 && r.op != code::Op::kLea) ++words[r.target];
  std::map<uint64_t, uint64_t> out;
  for (const auto& [a, n] : words)
    if (words.count(a + 8) && words.count(a + 16)) out[a] = n + words[a + 8] + words[a + 16];
  return out;
}

// The base B for which B+offset is referenced for every offset of the struct's
// fields named: every candidate, so that the caller can require exactly one.
std::vector<uint64_t> FieldSetBases(const FunctionCode& c, const std::vector<uint64_t>& offsets) {
  std::set<uint64_t> targets;
  for (const Ref& r : c.refs) targets.insert(r.target);
  std::vector<uint64_t> out;
  if (offsets.empty()) return out;
  for (uint64_t t : targets) {
    if (t < offsets[0]) continue;
    const uint64_t base = t - offsets[0];
    if (std::all_of(offsets.begin(), offsets.end(), [&](uint64_t o) { return targets.count(base + o) != 0; }))
      out.push_back(base);
  }
  return out;
}

class Locator {
 public:
  Locator(const std::vector<std::pair<uint64_t, uint64_t>>& writable, go::RuntimeLayout* l)
      : writable_(writable), l_(*l) {}

  go::RuntimeGlobal* Unfound(std::string_view name) {
    for (go::RuntimeGlobal& g : l_.globals)
      if (g.name == name && !g.address) return &g;
    return nullptr;
  }

  void Set(std::string_view name, uint64_t addr, uint64_t size, std::string how) {
    go::RuntimeGlobal* g = Unfound(name);
    if (!g) return;
    if (!Writable(addr, size)) {
      l_.notes.push_back(fmt::format("{}: the code points at {:#x}, outside the writable segments: not taken", name, addr));
      return;
    }
    g->address = addr;
    g->size = size;
    g->how = std::move(how);
  }

  void Miss(std::string_view name, std::string why) {
    if (Unfound(name)) l_.notes.push_back(fmt::format("{} not located: {}", name, why));
  }

 private:
  bool Writable(uint64_t addr, uint64_t size) const {
    for (const auto& [lo, hi] : writable_)
      if (addr >= lo && addr <= hi && size <= hi - addr) return true;
    return false;
  }
  const std::vector<std::pair<uint64_t, uint64_t>>& writable_;
  go::RuntimeLayout& l_;
};

void FromAllgadd(const FunctionCode& c, Locator& loc) {
  const std::map<uint64_t, uint64_t> slices = SliceHeaders(c);
  if (slices.size() == 1) loc.Set("runtime.allgs", slices.begin()->first, 24, fmt::format("{}: the slice it appends to", c.fn->name));
  else loc.Miss("runtime.allgs", fmt::format("{} works on {} slices, not one", c.fn->name, slices.size()));
  // allglen: stored atomically and never read here (allgptr, the other
  // atomic store, is compared first).
  std::set<uint64_t> read;
  for (const Ref& r : c.refs)
    if (Reads(r.op)) read.insert(r.target);
  std::vector<const Ref*> stores;
  for (const Ref& r : c.refs)
    if (r.xchg && r.size == 8 && !read.count(r.target)) stores.push_back(&r);
  if (stores.size() == 1)
    loc.Set("runtime.allglen", stores[0]->target, 8, fmt::format("{}: atomic store of len(allgs)", At(c, stores[0]->at)));
  else loc.Miss("runtime.allglen", fmt::format("{} has {} atomic stores to a word it does not read, not one", c.fn->name, stores.size()));
}

void FromMcommoninit(const FunctionCode& c, const go::RuntimeLayout& l, Locator& loc) {
  const std::optional<uint64_t> lock_off = FieldOffset(l, "runtime.schedt", "lock");
  const Call* lock = nullptr;
  for (const Call& call : c.calls)
    if (call.callee == "runtime.lock2") {
      lock = &call;
      break;
    }
  if (!lock_off) loc.Miss("runtime.sched", "the layout has no schedt.lock");
  else if (!lock || !lock->ax || *lock->ax < *lock_off) loc.Miss("runtime.sched", fmt::format("{} takes no lock at a known address", c.fn->name));
  else
    loc.Set("runtime.sched", *lock->ax - *lock_off, StructSize(l, "runtime.schedt").value_or(0),
            fmt::format("{}: lock(&sched.lock), schedt.lock at +{}", At(c, lock->at), *lock_off));
  // allm: the list head it reads (mp.alllink = allm), then stores atomically.
  std::set<uint64_t> loaded, found;
  const Ref* store = nullptr;
  for (const Ref& r : c.refs)
    if (r.op == code::Op::kLoad && r.size == 8) loaded.insert(r.target);
  for (const Ref& r : c.refs)
    if (r.xchg && r.size == 8 && loaded.count(r.target) && found.insert(r.target).second) store = &r;
  if (found.size() == 1)
    loc.Set("runtime.allm", store->target, 8, fmt::format("{}: atomic store of the list head it reads", At(c, store->at)));
  else loc.Miss("runtime.allm", fmt::format("{} has {} atomic stores to a word it reads, not one", c.fn->name, found.size()));
}

void FromProcresize(const FunctionCode& c, Locator& loc) {
  // gomaxprocs: its first 4-byte load (old := gomaxprocs).
  const Ref* first = nullptr;
  for (const Ref& r : c.refs)
    if (r.op == code::Op::kLoad && r.size == 4) {
      first = &r;
      break;
    }
  if (first) loc.Set("runtime.gomaxprocs", first->target, 4, fmt::format("{}: its first 4-byte load", At(c, first->at)));
  else loc.Miss("runtime.gomaxprocs", fmt::format("{} loads no 4-byte global", c.fn->name));
  // allp: the slice it accesses most (idlepMask and timerpMask follow far behind).
  const std::map<uint64_t, uint64_t> slices = SliceHeaders(c);
  uint64_t best = 0, best_n = 0, second_n = 0;
  for (const auto& [a, n] : slices) {
    if (n > best_n) {
      second_n = best_n;
      best = a;
      best_n = n;
    } else if (n > second_n) {
      second_n = n;
    }
  }
  if (best_n > second_n)
    loc.Set("runtime.allp", best, 24, fmt::format("{}: the slice it accesses most ({} times, next {})", c.fn->name, best_n, second_n));
  else loc.Miss("runtime.allp", fmt::format("no slice stands out in {}", c.fn->name));
}

void ByFieldSet(const FunctionCode& c, const go::RuntimeLayout& l, std::string_view global, std::string_view st,
                const std::vector<std::string_view>& fields, Locator& loc) {
  std::vector<uint64_t> offsets;
  for (std::string_view f : fields) {
    auto o = FieldOffset(l, st, f);
    if (!o) return loc.Miss(global, fmt::format("the layout has no {}.{}", st, f));
    offsets.push_back(*o);
  }
  const std::vector<uint64_t> bases = FieldSetBases(c, offsets);
  if (bases.size() != 1)
    return loc.Miss(global, fmt::format("{} references {}'s {} fields at {} places, not one", c.fn->name, st,
                                        fields.size(), bases.size()));
  std::string names;
  for (std::string_view f : fields) names += fmt::format("{}{}", names.empty() ? "" : ", ", f);
  loc.Set(global, bases[0], StructSize(l, st).value_or(0), fmt::format("{}: uses {} at their offsets", c.fn->name, names));
}

}  // namespace

const std::vector<std::string_view>& GlobalsFunctionNames() {
  static const std::vector<std::string_view> names = {"runtime.allgadd", "runtime.mcommoninit", "runtime.procresize",
                                                      "runtime.(*mheap).init", "runtime.(*mheap).allocSpan"};
  return names;
}

void LocateRuntimeGlobals(const AddressSpace& as, const GlobalsCode& gc, go::RuntimeLayout* layout) {
  if (layout->source.empty()) return;
  const std::unique_ptr<code::Decoder> d = code::MakeDecoder(code::Arch::kX86_64);
  if (!d) return;
  Locator loc(gc.writable, layout);
  auto code = [&](std::string_view name, std::initializer_list<std::string_view> globals) -> std::optional<FunctionCode> {
    for (const go::Function& fn : gc.functions)
      if (fn.name == name) return Scan(*d, as, gc, fn);
    for (std::string_view g : globals) loc.Miss(g, fmt::format("{} is not in the pclntab", name));
    return std::nullopt;
  };
  if (loc.Unfound("runtime.allgs") || loc.Unfound("runtime.allglen"))
    if (auto c = code("runtime.allgadd", {"runtime.allgs", "runtime.allglen"})) FromAllgadd(*c, loc);
  if (loc.Unfound("runtime.sched") || loc.Unfound("runtime.allm"))
    if (auto c = code("runtime.mcommoninit", {"runtime.sched", "runtime.allm"})) FromMcommoninit(*c, *layout, loc);
  if (loc.Unfound("runtime.gomaxprocs") || loc.Unfound("runtime.allp"))
    if (auto c = code("runtime.procresize", {"runtime.gomaxprocs", "runtime.allp"})) FromProcresize(*c, loc);
  if (loc.Unfound("runtime.memstats"))
    if (auto c = code("runtime.(*mheap).init", {"runtime.memstats"}))
      ByFieldSet(*c, *layout, "runtime.memstats", "runtime.mstats", {"mspan_sys", "mcache_sys", "gcMiscSys", "other_sys"}, loc);
  if (loc.Unfound("runtime.gcController"))
    if (auto c = code("runtime.(*mheap).allocSpan", {"runtime.gcController"}))
      ByFieldSet(*c, *layout, "runtime.gcController", "runtime.gcControllerState",
                 {"heapInUse", "heapReleased", "heapFree", "mappedReady"}, loc);
}

void LocateRuntimeGlobals(const elf::File& f, const AddressSpace& as, const go::Pclntab& pclntab, int minor,
                          go::RuntimeLayout* layout) {
  if (layout->source.empty()) return;
  if (f.header.machine != 62 /* EM_X86_64 */ || as.ptr_size() != 8 || minor < 17) {
    layout->notes.push_back("the runtime's globals are located from machine code on amd64 from Go 1.17 only");
    return;
  }
  GlobalsCode gc;
  const std::vector<std::string_view>& names = GlobalsFunctionNames();
  for (const go::Function& fn : pclntab.functions())
    if (std::find(names.begin(), names.end(), fn.name) != names.end() &&
        std::none_of(gc.functions.begin(), gc.functions.end(), [&](const go::Function& g) { return g.name == fn.name; }))
      gc.functions.push_back(fn);
  gc.name_at = [&pclntab](uint64_t pc) -> std::string_view {
    auto l = pclntab.Lookup(pc);
    return l && l->function ? l->function->name : std::string_view();
  };
  for (const elf::Segment& s : f.segments)
    if (s.type == 1 /* PT_LOAD */ && (s.flags & 2) /* PF_W */ && s.memsz <= UINT64_MAX - s.vaddr)
      gc.writable.emplace_back(s.vaddr, s.vaddr + s.memsz);
  LocateRuntimeGlobals(as, gc, layout);
}

}  // namespace exray
