// A file that shrinks while exray reads it must not crash exray (a mapped
// file raises SIGBUS on a read past its new end): the bytes gone read as
// zeros and MappedFile::changed() says the file changed, in all three ways
// of reading (whole, on demand, mapped).
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "analysis/analyze.h"
#include "support/mapped_file.h"

namespace exray {
namespace {

std::string TempFile(const std::string& name, const std::string& bytes) {
  std::string path = (std::filesystem::temp_directory_path() / ("exray-trunc-" + std::to_string(getpid()) + "-" + name)).string();
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Opens a file of `size` bytes of 'x', truncates it to `keep`, then reads
// the byte at `at` through the view (after Ensure, as parsers do).
void ShrinkAndRead(uint64_t size, uint64_t keep, uint64_t at, const char* way) {
  const std::string path = TempFile(way, std::string(size, 'x'));
  auto f = MappedFile::Open(path);
  ASSERT_TRUE(f) << way;
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(keep)), 0);
  (*f)->Ensure(at, 1);
  const ByteView v = (*f)->view();
  ASSERT_EQ(v.size(), size);
  if (std::string(way) == "whole") {
    EXPECT_EQ(v.At(at), 'x') << way << ": read whole before the truncation";
    EXPECT_FALSE((*f)->changed()) << way;
  } else {
    EXPECT_EQ(v.At(at), 0) << way << ": the bytes gone read as zeros";
    EXPECT_TRUE((*f)->changed()) << way;
  }
  (*f)->Ensure(0, 1);
  EXPECT_EQ(v.At(0), 'x') << way;  // what is still there reads as before
  std::remove(path.c_str());
}

TEST(Truncation, EachWayOfReading) {
  ShrinkAndRead(MappedFile::kWholeReadLimit / 2, 100, 1000, "whole");
  ShrinkAndRead(MappedFile::kSparseReadLimit / 2, 100, MappedFile::kSparseReadLimit / 4, "sparse");
  ShrinkAndRead(MappedFile::kSparseReadLimit * 3, 100, MappedFile::kSparseReadLimit * 2, "mapped");
}

TEST(Truncation, MappedFileGivesItsGuardBack) {
  // More files than there are guard slots, one after the other: each open
  // maps (with a guard) and every close gives the guard back.
  const std::string path = TempFile("many", std::string(MappedFile::kSparseReadLimit * 2, 'y'));
  for (int i = 0; i < 200; ++i) {
    auto f = MappedFile::Open(path);
    ASSERT_TRUE(f);
    EXPECT_TRUE((*f)->mapped()) << "open " << i << " fell back to reading: a guard was not given back";
  }
  std::remove(path.c_str());
}

TEST(Truncation, ShrinkingUnderAnAnalysis) {
  // A real ELF file larger than the mapping threshold (exray itself is), copied,
  // analysed while another thread cuts it down again and again.
  std::string self;
  for (const char* p : {"/proc/self/exe"}) {
    std::ifstream in(p, std::ios::binary);
    self.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(self.size(), MappedFile::kSparseReadLimit) << "the test binary is expected to be mapped";
  const std::string path = TempFile("elf", self);
  int changed = 0;
  for (int round = 0; round < 8; ++round) {
    {
      std::ofstream(path, std::ios::binary | std::ios::trunc).write(self.data(), static_cast<std::streamsize>(self.size()));
    }
    auto f = MappedFile::Open(path);
    ASSERT_TRUE(f);
    std::atomic<bool> go{false};
    std::thread cutter([&] {
      while (!go.load()) std::this_thread::yield();
      // Shrink from the end in steps, ending at a few pages.
      for (uint64_t keep = self.size(); keep > 16384; keep = keep * 3 / 4)
        if (truncate(path.c_str(), static_cast<off_t>(keep)) != 0) break;
    });
    AnalyzeOptions opts;
    opts.source = f->get();
    // Even rounds: cut before the analysis starts, then hash (which reads every
    // byte), so the change is certain. Odd rounds: cut while it runs; it may
    // finish before the cuts reach what it reads. Neither may crash.
    const bool before = round % 2 == 0;
    opts.hash = before;
    if (before) {
      go.store(true);
      cutter.join();
    }
    go.store(true);
    auto a = Analyze(path, (*f)->view(), opts);
    if (!before) cutter.join();
    if (before) {
      EXPECT_TRUE((*f)->changed()) << "round " << round << ": the hash read past the new end";
    }
    changed += (*f)->changed();
  }
  EXPECT_GT(changed, 0);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace exray
