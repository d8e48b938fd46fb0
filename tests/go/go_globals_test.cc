// The locator of the runtime's globals (analysis/go_globals.h) on hand-made
// x86-64 code: each rule takes exactly one candidate, refuses two, and never
// takes an address outside the writable range. tests/go/runtime_check.py
// holds the rules to `go tool nm` on real binaries of Go 1.19 to 1.27.
#include "analysis/go_globals.h"

#include <gtest/gtest.h>

#include "memory_address_space.h"

namespace exray {
namespace {

constexpr uint64_t kText = 0x401000, kLock2 = 0x400000;
constexpr uint64_t kDataLo = 0x500000, kDataHi = 0x600000;

// Assembles the few instruction shapes the rules read, with rip-relative
// operands resolved against where each instruction lands.
class Asm {
 public:
  explicit Asm(uint64_t at) : at_(at), start_(at) {}
  Asm& Load(uint64_t target) { return RipOp({0x48, 0x8b, 0x05}, target); }   // mov rax, [rip+d]
  Asm& Load32(uint64_t target) { return RipOp({0x8b, 0x05}, target); }        // mov eax, [rip+d]
  Asm& Cmp(uint64_t target) { return RipOp({0x48, 0x39, 0x05}, target); }     // cmp [rip+d], rax
  Asm& Lea(uint64_t target, uint8_t reg) {                                    // lea reg, [rip+d]
    return RipOp({0x48, 0x8d, static_cast<uint8_t>(0x05 | reg << 3)}, target);
  }
  Asm& XchgRdx() { return Raw({0x48, 0x87, 0x0a}); }  // xchg [rdx], rcx
  Asm& Call(uint64_t target) {
    const int64_t d = static_cast<int64_t>(target) - static_cast<int64_t>(at_ + 5);
    return Raw({0xe8, static_cast<uint8_t>(d), static_cast<uint8_t>(d >> 8), static_cast<uint8_t>(d >> 16),
                static_cast<uint8_t>(d >> 24)});
  }
  Asm& Ret() { return Raw({0xc3}); }
  go::Function Fn(std::string_view name) const { return {name, start_, at_}; }
  std::vector<uint8_t> bytes;

 private:
  Asm& RipOp(std::vector<uint8_t> op, uint64_t target) {
    const int64_t d = static_cast<int64_t>(target) - static_cast<int64_t>(at_ + op.size() + 4);
    for (int i = 0; i < 4; ++i) op.push_back(static_cast<uint8_t>(d >> (8 * i)));
    return Raw(op);
  }
  Asm& Raw(const std::vector<uint8_t>& b) {
    bytes.insert(bytes.end(), b.begin(), b.end());
    at_ += b.size();
    return *this;
  }
  uint64_t at_, start_;
};

struct Located {
  go::RuntimeLayout layout;
  const go::RuntimeGlobal* Get(std::string_view name) const {
    for (const go::RuntimeGlobal& g : layout.globals)
      if (g.name == name) return &g;
    return nullptr;
  }
  bool NoteHas(std::string_view s) const {
    for (const std::string& n : layout.notes)
      if (n.find(s) != std::string::npos) return true;
    return false;
  }
};

Located Locate(const std::vector<Asm>& fns) {
  Located r;
  r.layout = *go::LayoutFromTable(27, 8, "linux", "amd64");
  for (const std::string& n : go::RuntimeGlobalNames()) r.layout.globals.push_back({n, std::nullopt, std::nullopt, {}});
  testing::MemoryAddressSpace as(Endian::kLittle, 8);
  GlobalsCode gc;
  for (const Asm& a : fns) as.Map(a.Fn("").entry, a.bytes, ".text", false, true);
  const char* names[] = {"runtime.allgadd", "runtime.mcommoninit", "runtime.procresize"};
  for (size_t i = 0; i < fns.size() && i < 3; ++i) gc.functions.push_back(fns[i].Fn(names[i]));
  gc.name_at = [](uint64_t pc) { return pc == kLock2 ? std::string_view("runtime.lock2") : std::string_view(); };
  gc.writable.emplace_back(kDataLo, kDataHi);
  LocateRuntimeGlobals(as, gc, &r.layout);
  return r;
}

TEST(GoGlobals, AllgaddGivesTheSliceAndTheWordStoredButNotRead) {
  const uint64_t allgs = 0x510000, allgptr = 0x520000, allglen = 0x530000;
  Asm a(kText);
  a.Load(allgs + 16).Load(allgs + 8).Load(allgs).Cmp(allgptr).Lea(allgptr, 2).XchgRdx();
  a.Lea(allglen, 2).XchgRdx().Ret();
  Located r = Locate({a});
  ASSERT_TRUE(r.Get("runtime.allgs")->address);
  EXPECT_EQ(*r.Get("runtime.allgs")->address, allgs);
  EXPECT_EQ(*r.Get("runtime.allgs")->size, 24u);
  ASSERT_TRUE(r.Get("runtime.allglen")->address);
  EXPECT_EQ(*r.Get("runtime.allglen")->address, allglen);
  EXPECT_NE(r.Get("runtime.allglen")->how.find("runtime.allgadd+0x"), std::string::npos);
}

TEST(GoGlobals, TwoCandidatesAreRefusedWithANote) {
  Asm a(kText);
  for (uint64_t s : {0x510000u, 0x540000u}) a.Load(s).Load(s + 8).Load(s + 16);
  a.Lea(0x530000, 2).XchgRdx().Lea(0x550000, 2).XchgRdx().Ret();
  Located r = Locate({a});
  EXPECT_FALSE(r.Get("runtime.allgs")->address);
  EXPECT_FALSE(r.Get("runtime.allglen")->address);
  EXPECT_TRUE(r.NoteHas("runtime.allgs not located: runtime.allgadd works on 2 slices"));
  EXPECT_TRUE(r.NoteHas("runtime.allglen not located"));
}

TEST(GoGlobals, AnAddressOutsideTheWritableRangeIsNotTaken) {
  Asm a(kText);
  a.Load(0x700000).Load(0x700008).Load(0x700010).Lea(0x530000, 2).XchgRdx().Ret();
  Located r = Locate({a});
  EXPECT_FALSE(r.Get("runtime.allgs")->address);
  EXPECT_TRUE(r.NoteHas("outside the writable segments"));
  EXPECT_EQ(*r.Get("runtime.allglen")->address, 0x530000u);
}

TEST(GoGlobals, McommoninitGivesSchedByItsLockAndAllmByTheStoreItReads) {
  go::RuntimeLayout l = *go::LayoutFromTable(27, 8, "linux", "amd64");
  uint64_t lock_off = 0;
  for (const go::RuntimeStruct& s : l.structs)
    for (const go::RuntimeField& f : s.fields)
      if (s.name == "runtime.schedt" && f.name == "lock") lock_off = f.offset;
  ASSERT_GT(lock_off, 0u);
  const uint64_t sched = 0x560000, allm = 0x570000;
  Asm none(kText);  // no allgadd
  none.Ret();
  Asm m(kText + 0x100);
  m.Lea(sched + lock_off, 0).Call(kLock2).Load(allm).Lea(allm, 2).XchgRdx().Ret();
  Asm p(kText + 0x200);
  const uint64_t gomaxprocs = 0x580000, allp = 0x590000;
  p.Load32(gomaxprocs);
  for (int i = 0; i < 3; ++i) p.Load(allp).Load(allp + 8).Load(allp + 16);
  p.Load(0x5a0000).Load(0x5a0008).Load(0x5a0010).Ret();  // idlepMask: fewer accesses
  Located r = Locate({none, m, p});
  ASSERT_TRUE(r.Get("runtime.sched")->address);
  EXPECT_EQ(*r.Get("runtime.sched")->address, sched);
  ASSERT_TRUE(r.Get("runtime.allm")->address);
  EXPECT_EQ(*r.Get("runtime.allm")->address, allm);
  ASSERT_TRUE(r.Get("runtime.gomaxprocs")->address);
  EXPECT_EQ(*r.Get("runtime.gomaxprocs")->address, gomaxprocs);
  EXPECT_EQ(*r.Get("runtime.gomaxprocs")->size, 4u);
  ASSERT_TRUE(r.Get("runtime.allp")->address);
  EXPECT_EQ(*r.Get("runtime.allp")->address, allp);
  // Functions the pclntab does not have are said.
  EXPECT_TRUE(r.NoteHas("runtime.memstats not located: runtime.(*mheap).init is not in the pclntab"));
}

}  // namespace
}  // namespace exray
