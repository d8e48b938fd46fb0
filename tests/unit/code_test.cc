// The machine-code analyses (code/code.h) on hand-assembled x86-64: every
// fact exray code reports is checked on bytes whose answer is known by
// construction. Real binaries are checked in tests/code.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "code/code.h"

namespace exray::code {
namespace {

constexpr uint64_t kText = 0x10000, kData = 0x400000;

// One executable region of code and one read-only region of data.
class Space final : public AddressSpace {
 public:
  Space(std::vector<uint8_t> text, std::vector<uint8_t> data) : text_(std::move(text)), data_(std::move(data)) {
    sections_.push_back({".text", kText, text_.size(), true, false, true});
    sections_.push_back({".rodata", kData, data_.size(), true, false, false});
  }
  Endian endian() const override { return Endian::kLittle; }
  int ptr_size() const override { return 8; }
  ByteView Read(uint64_t vaddr, uint64_t len) const override {
    for (const auto& [base, v] : {std::pair{kText, &text_}, std::pair{kData, &data_}})
      if (vaddr >= base && vaddr - base < v->size()) {
        const uint64_t off = vaddr - base;
        return ByteView(v->data() + off, std::min<uint64_t>(len, v->size() - off));
      }
    return {};
  }
  const std::vector<MemRegion>& Sections() const override { return sections_; }
  const std::vector<MemRegion>& Segments() const override { return sections_; }
  std::optional<uint64_t> Symbol(std::string_view) const override { return std::nullopt; }

 private:
  std::vector<uint8_t> text_, data_;
  std::vector<MemRegion> sections_;
};

struct Built {
  std::unique_ptr<Space> space;
  Result result;
};

// Analyses text (at kText) with function starts at the given offsets.
Built Analyse(std::vector<uint8_t> text, std::vector<uint64_t> starts, std::vector<uint8_t> data = {}, bool go = false) {
  Built b;
  if (data.empty()) data.assign(8, 0);
  b.space = std::make_unique<Space>(std::move(text), std::move(data));
  Input in;
  in.as = b.space.get();
  in.go = go;
  for (uint64_t s : starts) in.seeds.push_back({kText + s, 0, {}, go ? FuncSource::kPclntab : FuncSource::kSymbols});
  b.result = Analyze(in);
  return b;
}

void Append(std::vector<uint8_t>* v, std::initializer_list<uint8_t> bytes) { v->insert(v->end(), bytes); }
void Append32(std::vector<uint8_t>* v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v->push_back(static_cast<uint8_t>(x >> (8 * i)));
}

TEST(Code, SyscallNumberFromAConstant) {
  // mov eax, 39; syscall; ret
  auto b = Analyse({0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3}, {0});
  ASSERT_EQ(b.result.syscall_sites.size(), 1u);
  const SyscallSite& s = b.result.syscall_sites[0];
  EXPECT_EQ(s.addr, kText + 5);
  EXPECT_EQ(s.insn, "syscall");
  EXPECT_EQ(s.from, ValueFrom::kConstant);
  ASSERT_EQ(s.numbers, std::vector<int64_t>{39});
  EXPECT_EQ(SyscallName(Arch::kX86_64, 39), "getpid");
  EXPECT_TRUE(b.result.exec_requests.empty());
}

TEST(Code, MmapWithProtExecIsARequest) {
  // mov edx, 7; mov eax, 9; syscall; ret  -- and mprotect(.., PROT_READ) beside it
  std::vector<uint8_t> t = {0xba, 7, 0, 0, 0, 0xb8, 9, 0, 0, 0, 0x0f, 0x05, 0xc3};
  Append(&t, {0xba, 1, 0, 0, 0, 0xb8, 10, 0, 0, 0, 0x0f, 0x05, 0xc3});
  auto b = Analyse(t, {0, 13});
  ASSERT_EQ(b.result.exec_requests.size(), 1u);
  EXPECT_EQ(b.result.exec_requests[0].prot, 7);
  EXPECT_EQ(b.result.exec_requests[0].via, "syscall mmap");
  EXPECT_EQ(b.result.exec_checked, 2u);  // both resolved; one without PROT_EXEC
}

TEST(Code, NumberFollowedThroughAWrapperToItsCaller) {
  // wrapper at 0: mov rax, rdi; syscall; ret   caller at 8: mov edi, 60; call wrapper; ret
  std::vector<uint8_t> t = {0x48, 0x89, 0xf8, 0x0f, 0x05, 0xc3, 0x90, 0x90};
  Append(&t, {0xbf, 60, 0, 0, 0, 0xe8});
  Append32(&t, static_cast<uint32_t>(0 - (8 + 10)));  // rel32 back to 0 from the end of the call (offset 18)
  Append(&t, {0xc3});
  auto b = Analyse(t, {0, 8});
  ASSERT_EQ(b.result.syscall_sites.size(), 1u);
  EXPECT_EQ(b.result.syscall_sites[0].from, ValueFrom::kCaller);
  EXPECT_EQ(b.result.syscall_sites[0].numbers, std::vector<int64_t>{60});
}

TEST(Code, GoProloguesTellTheConventions) {
  // ABIInternal: cmp rsp, [r14+0x10]; jbe +0; ret
  std::vector<uint8_t> t = {0x49, 0x3b, 0x66, 0x10, 0x76, 0x00, 0xc3, 0x90};
  // ABI0: mov rcx, fs:[-8]; cmp rsp, [rcx+0x10]; ret
  Append(&t, {0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff, 0x48, 0x3b, 0x61, 0x10, 0xc3});
  auto b = Analyse(t, {0, 8}, {}, /*go=*/true);
  ASSERT_EQ(b.result.functions.size(), 2u);
  EXPECT_EQ(b.result.functions[0].convention, Convention::kGoAbiInternal);
  EXPECT_TRUE(b.result.functions[0].stack_check);
  EXPECT_EQ(b.result.functions[1].convention, Convention::kGoAbi0);
}

TEST(Code, SysVReadsItsArgumentRegisters) {
  // lea eax, [rdi+rsi]; ret
  auto b = Analyse({0x8d, 0x04, 0x37, 0xc3}, {0});
  ASSERT_EQ(b.result.functions.size(), 1u);
  EXPECT_EQ(b.result.functions[0].convention, Convention::kSysV);
}

// n handlers, each: add rbx, 1; movzx eax, byte [rbx]; jmp [rax*8 + table].
std::vector<uint8_t> Threaded(int n, std::vector<uint8_t>* table) {
  std::vector<uint8_t> t;
  for (int i = 0; i < n; ++i) {
    const uint64_t at = kText + t.size();
    for (int k = 0; k < 8; ++k) table->push_back(static_cast<uint8_t>(at >> (8 * k)));
    Append(&t, {0x48, 0x83, 0xc3, 0x01, 0x0f, 0xb6, 0x03, 0xff, 0x24, 0xc5});
    Append32(&t, static_cast<uint32_t>(kData));
  }
  table->resize(table->size() + 8, 0);  // the table ends where an entry leaves the code
  return t;
}

TEST(Code, ThreadedDispatchThroughATable) {
  std::vector<uint8_t> table;
  auto t = Threaded(40, &table);
  auto b = Analyse(t, {0}, table);
  ASSERT_EQ(b.result.loops.size(), 1u);
  const DispatchLoop& l = b.result.loops[0];
  EXPECT_EQ(l.shape, LoopShape::kThreaded);
  EXPECT_EQ(l.handlers, 40u);
  EXPECT_EQ(l.jumps, 40u);
  EXPECT_EQ(l.table, kData);
}

TEST(Code, FewHandlersAreNoInterpreter) {
  std::vector<uint8_t> table;
  auto t = Threaded(12, &table);  // below kMinThreadedHandlers
  auto b = Analyse(t, {0}, table);
  EXPECT_TRUE(b.result.loops.empty());
}

// A switch loop of n handlers over a 4-byte relative table at kData. As an
// interpreter, the opcode is read at [rbx] and each handler steps rbx on its
// way back; as a worklist visitor (V8's marking loop), the byte is a field of
// an object just reached (rax = [rdx]; r14 = rax + 10) and the handlers step
// r14 for their own loops, which the next visit overwrites.
std::vector<uint8_t> SwitchLoop(int n, bool visitor, std::vector<uint8_t>* table) {
  std::vector<uint8_t> t;
  if (visitor) Append(&t, {0x48, 0x8b, 0x02, 0x4c, 0x8d, 0x70, 0x0a, 0x41, 0x0f, 0xb6, 0x06});
  else Append(&t, {0x0f, 0xb6, 0x03});  // movzx eax, byte [rbx]
  Append(&t, {0x3c, static_cast<uint8_t>(n - 1), 0x0f, 0x87});  // cmp al, n-1; ja end
  const size_t ja = t.size();
  Append32(&t, 0);
  Append(&t, {0x48, 0x8d, 0x3d});  // lea rdi, [rip+table]
  Append32(&t, static_cast<uint32_t>(kData - (kText + t.size() + 4)));
  Append(&t, {0x48, 0x63, 0x04, 0x87, 0x48, 0x01, 0xf8, 0xff, 0xe0});  // movsxd rax,[rdi+rax*4]; add rax,rdi; jmp rax
  for (int i = 0; i < n; ++i) {
    Append32(table, static_cast<uint32_t>(kText + t.size() - kData));
    if (visitor) Append(&t, {0x49, 0x83, 0xc6, 0x08});  // add r14, 8
    else Append(&t, {0x48, 0x83, 0xc3, 0x01});          // add rbx, 1
    Append(&t, {0xe9});                                  // jmp head
    Append32(&t, static_cast<uint32_t>(-static_cast<int64_t>(t.size() + 4)));
  }
  const uint32_t end = static_cast<uint32_t>(t.size() - (ja + 4));
  std::memcpy(t.data() + ja, &end, 4);
  Append(&t, {0xc3});
  return t;
}

TEST(Code, SwitchLoopSteppingItsOpPointer) {
  std::vector<uint8_t> table;
  auto t = SwitchLoop(64, false, &table);
  auto b = Analyse(t, {0}, table);
  ASSERT_EQ(b.result.loops.size(), 1u);
  EXPECT_EQ(b.result.loops[0].shape, LoopShape::kSwitch);
  EXPECT_EQ(b.result.loops[0].handlers, 64u);
  EXPECT_EQ(b.result.loops[0].table, kData);
}

TEST(Code, VisitorSwitchingOnAFieldIsNoInterpreter) {
  std::vector<uint8_t> table;
  auto t = SwitchLoop(64, true, &table);
  auto b = Analyse(t, {0}, table);
  EXPECT_TRUE(b.result.loops.empty());
}

TEST(Code, CallThreadedLoop) {
  // push rbx; mov rbx, rdi; mov rax, [rdi+8]; L: mov rdi, rbx; call [rax+0x10]; mov [rbx+8], rax;
  // test rax, rax; jne L; pop rbx; ret   (Perl's runops)
  std::vector<uint8_t> t = {0x53, 0x48, 0x89, 0xfb, 0x48, 0x8b, 0x47, 0x08};
  Append(&t, {0x48, 0x89, 0xdf, 0xff, 0x50, 0x10, 0x48, 0x89, 0x43, 0x08, 0x48, 0x85, 0xc0, 0x75});
  t.push_back(static_cast<uint8_t>(8 - static_cast<int>(t.size() + 1)));
  Append(&t, {0x5b, 0xc3});
  auto b = Analyse(t, {0});
  ASSERT_EQ(b.result.loops.size(), 1u);
  EXPECT_EQ(b.result.loops[0].shape, LoopShape::kCallThreaded);
  EXPECT_EQ(b.result.loops[0].addr, kText + 11);
}

TEST(Code, DataInTextAndACutInstructionAreBounded) {
  // Garbage, then a mov whose immediate is cut by the end of the section.
  std::vector<uint8_t> t(300);
  for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<uint8_t>(i * 37 + 11);
  Append(&t, {0x48, 0xb8, 1, 2});
  auto b = Analyse(t, {0, 17, 17, 400});  // a duplicate start and one outside the text
  EXPECT_LE(b.result.decoded_bytes, b.result.text_bytes);
  uint64_t end = 0;
  for (const Function& f : b.result.functions) {
    EXPECT_GE(f.start, end);
    end = f.end;
  }
  EXPECT_EQ(b.result.functions.size(), 2u);
  const auto listing = List(Input{b.space.get(), Arch::kX86_64, {}, {}, 0, false}, kText, kText + t.size());
  ASSERT_FALSE(listing.empty());
  EXPECT_LE(listing.back().addr + listing.back().len, kText + t.size());
}

TEST(Code, UncoveredCodeIsSplitAtTheCallsIntoIt) {
  // A seeded function [0, 6) calls 0x20; bytes [6, 0x20) are code no source names (a gap), and
  // [0x20, 0x28) is reached only by the call: a function from call targets.
  std::vector<uint8_t> t = {0xe8};
  Append32(&t, 0x20 - 5);                                    // call 0x20
  t.push_back(0xc3);                                         // ret
  while (t.size() < 0x20) Append(&t, {0x48, 0x89, 0xc3});   // mov rbx, rax ...
  t.resize(0x20, 0x90);
  Append(&t, {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3});      // mov eax, 39; syscall; ret
  Built b;
  b.space = std::make_unique<Space>(t, std::vector<uint8_t>(8, 0));
  Input in;
  in.as = b.space.get();
  in.seeds.push_back({kText, kText + 6, "seeded", FuncSource::kSymbols});
  b.result = Analyze(in);
  ASSERT_EQ(b.result.functions.size(), 3u);
  EXPECT_EQ(b.result.functions[1].source, FuncSource::kGaps);
  EXPECT_EQ(b.result.functions[2].source, FuncSource::kCallTargets);
  EXPECT_EQ(b.result.functions[2].start, kText + 0x20);
  EXPECT_EQ(b.result.decoded_bytes, t.size());
  ASSERT_EQ(b.result.syscall_sites.size(), 1u);
  EXPECT_EQ(b.result.syscall_sites[0].function, 2u);
}

}  // namespace
}  // namespace exray::code
