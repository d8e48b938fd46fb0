// The loader's hash tables (DT_GNU_HASH, DT_HASH) against a walk of .dynsym:
// every name a file defines is found where the walk finds it, and names it
// does not define are not.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "formats/elf/parser.h"
#include "support/mapped_file.h"

namespace exray {
namespace {

struct Checked {
  int defined = 0, absent = 0;
};

// Looks up every defined .dynsym name, every imported one and a few made-up
// ones in path's hash table. The counts say how many were checked.
Checked CheckFile(const std::string& path) {
  Checked c;
  auto file = MappedFile::Open(path);
  if (!file) return c;
  auto f = elf::Parse((*file)->view(), {.source = file->get()});
  if (!f) return c;
  std::set<std::string_view> defined;
  for (uint64_t i = 1; i < f->dynsym.readable; ++i)
    if (f->dynsym.Defined(i)) defined.insert(f->dynsym.At(i).name);
  for (uint64_t i = 1; i < f->dynsym.readable; ++i) {
    const elf::Symbol s = f->dynsym.At(i);
    if (s.name.empty()) continue;
    const elf::File::HashLookup look = f->LookupDynamic(s.name);
    EXPECT_TRUE(look.usable) << path;
    if (defined.count(s.name)) {
      // Several versions of one name (memcpy@GLIBC_2.2.5, memcpy@@GLIBC_2.14):
      // any defined entry of that name will do, as for the loader.
      EXPECT_TRUE(look.index.has_value()) << path << ": " << s.name;
      if (!look.index) continue;
      EXPECT_EQ(f->dynsym.At(*look.index).name, s.name) << path;
      EXPECT_TRUE(f->dynsym.Defined(*look.index)) << path << ": " << s.name;
      ++c.defined;
    } else {
      EXPECT_FALSE(look.index && f->dynsym.Defined(*look.index)) << path << ": " << s.name << " is only imported";
      ++c.absent;
    }
  }
  for (const char* junk : {"", "exray_not_a_symbol", "__stack_chk_fail_not", "m"}) {
    if (defined.count(junk)) continue;
    const elf::File::HashLookup look = f->LookupDynamic(junk);
    EXPECT_FALSE(look.index && f->dynsym.Defined(*look.index)) << path << ": " << junk;
    ++c.absent;
  }
  return c;
}

TEST(HashLookup, GnuHashAgreesWithTheSymbolTable) {
  Checked total;
  for (const char* p : {"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/bin/ls",
                        "/usr/lib/x86_64-linux-gnu/libz.so.1"}) {
    if (!std::filesystem::exists(p)) continue;
    Checked c = CheckFile(p);
    total.defined += c.defined, total.absent += c.absent;
  }
  EXPECT_GT(total.defined, 5000);  // libc and libstdc++ define thousands
  EXPECT_GT(total.absent, 100);
}

// The System V table, as a linker writes it on request.
TEST(HashLookup, SysvHashAgreesWithTheSymbolTable) {
  if (std::system("command -v cc >/dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler";
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("exray-hash-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string src = (dir / "h.c").string(), lib = (dir / "libh.so").string();
  {
    FILE* o = std::fopen(src.c_str(), "w");
    ASSERT_NE(o, nullptr);
    std::fputs("#include <stdio.h>\n", o);
    for (int i = 0; i < 300; ++i) std::fprintf(o, "int exported_%d(void) { return puts(\"%d\"); }\n", i, i);
    std::fclose(o);
  }
  const std::string cmd = "cc -shared -fPIC -Wl,--hash-style=sysv -o " + lib + " " + src;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto file = MappedFile::Open(lib);
  ASSERT_TRUE(file);
  auto f = elf::Parse((*file)->view(), {.source = file->get()});
  ASSERT_TRUE(f);
  bool gnu = false, sysv = false;
  for (const elf::DynamicEntry& e : f->dynamic) gnu |= e.tag == 0x6ffffef5, sysv |= e.tag == 4;
  EXPECT_TRUE(sysv && !gnu);
  Checked c = CheckFile(lib);
  EXPECT_GE(c.defined, 300);
  EXPECT_GE(c.absent, 2);  // puts, and the made-up names
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace exray
