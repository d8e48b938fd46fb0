// The runtime layout step (lang/go/runtime_layout.h): key fields picked from
// DWARF structs, g.stack's lo and hi through runtime.stack, notes for what a
// release lacks, and no table entry for releases and targets not read.
#include "lang/go/runtime_layout.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace exray::go {
namespace {

TEST(RuntimeLayout, TableCoversGo119AndGo121To127LinuxAmd64Only) {
  for (int minor : {19, 21, 22, 23, 24, 25, 26, 27}) {
    ASSERT_TRUE(LayoutFromTable(minor, 8, "linux", "amd64")) << minor;
    EXPECT_EQ(LayoutFromTable(minor, 8, "linux", "amd64")->table_range, fmt::format("go1.{} linux/amd64", minor));
  }
  EXPECT_FALSE(LayoutFromTable(23, 8, "linux", "arm64"));
  EXPECT_FALSE(LayoutFromTable(18, 8, "linux", "amd64"));
  EXPECT_FALSE(LayoutFromTable(20, 8, "linux", "amd64"));
  EXPECT_FALSE(LayoutFromTable(28, 8, "linux", "amd64"));
  EXPECT_FALSE(LayoutFromTable(19, 8, "linux", "arm64"));
  EXPECT_FALSE(LayoutFromTable(19, 4, "linux", "386"));
  EXPECT_FALSE(LayoutFromTable(19, 8, "", "amd64"));
  for (int minor : {19, 21, 22, 23, 24, 25, 26, 27}) {
    const RuntimeLayout t = *LayoutFromTable(minor, 8, "linux", "amd64");
    EXPECT_EQ(t.source, "table");
    ASSERT_EQ(t.structs.size(), 10u);
    for (const RuntimeStruct& s : t.structs)
      for (size_t i = 1; i < s.fields.size(); ++i) EXPECT_LT(s.fields[i - 1].offset, s.fields[i].offset) << s.name;
  }
}

TEST(RuntimeLayout, FromDwarfPicksKeyFieldsAndNotesWhatIsMissing) {
  std::vector<RuntimeStruct> all = {
      {"runtime.stack", 16, {{"lo", 0, 8, "uintptr"}, {"hi", 8, 8, "uintptr"}}},
      {"runtime.g",
       400,
       {{"stack", 0, 16, "runtime.stack"},
        {"goid", 152, 8, "uint64"},
        {"atomicstatus", 144, 4, "runtime/internal/atomic.Uint32"},
        {"other", 160, 8, "int"}}},
  };
  RuntimeLayout l = LayoutFromDwarf(all);
  EXPECT_EQ(l.source, "dwarf");
  ASSERT_EQ(l.structs.size(), 1u);
  const RuntimeStruct& g = l.structs[0];
  EXPECT_EQ(g.size, 400u);
  ASSERT_EQ(g.fields.size(), 4u);
  EXPECT_EQ(g.fields[0].name, "stack.lo");
  EXPECT_EQ(g.fields[1].name, "stack.hi");
  EXPECT_EQ(g.fields[1].offset, 8u);
  EXPECT_EQ(g.fields[2].name, "atomicstatus");
  EXPECT_EQ(g.fields[2].type, "runtime/internal/atomic.Uint32");  // what this release has
  EXPECT_EQ(g.fields[3].name, "goid");
  // stackguard0, m, sched, waitreason, startpc missing in g; nine structs missing.
  EXPECT_EQ(l.notes.size(), 5u + 9u);
}

// p.gFree's type has no name of its own: gFree.n is found through the name
// Go 1.19's compiler writes for it, and another release's gets a note.
TEST(RuntimeLayout, GFreeNThroughTheUnnamedStruct) {
  const std::string go119 = "struct { runtime.gList; runtime.n int32 }";
  std::vector<RuntimeStruct> all = {
      {go119, 16, {{"gList", 0, 8, "runtime.gList"}, {"n", 8, 4, "int32"}}},
      {"runtime.p", 8912, {{"id", 0, 4, "int32"}, {"gFree", 2464, 16, go119}}},
  };
  RuntimeLayout l = LayoutFromDwarf(all);
  ASSERT_EQ(l.structs.size(), 1u);
  ASSERT_EQ(l.structs[0].fields.size(), 2u);
  EXPECT_EQ(l.structs[0].fields[1].name, "gFree.n");
  EXPECT_EQ(l.structs[0].fields[1].offset, 2472u);
  EXPECT_EQ(l.structs[0].fields[1].type, "int32");

  all[1].fields[1].type = "struct { runtime.gList; runtime.n int64 }";  // not read: no such struct
  l = LayoutFromDwarf(all);
  ASSERT_EQ(l.structs.size(), 1u);
  EXPECT_EQ(l.structs[0].fields.size(), 1u);
  bool noted = false;
  for (const std::string& n : l.notes) noted |= n.find("runtime.p.gFree.n") != std::string::npos;
  EXPECT_TRUE(noted);
}

}  // namespace
}  // namespace exray::go
