// Reading on demand must give the same analysis as reading every byte: any
// read that skips ByteSource::Ensure would see the poison left in the buffer.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "analysis/analyze.h"
#include "report/report.h"
#include "support/mapped_file.h"

namespace exray {
namespace {

std::vector<std::string> SparseSizedElfFiles(size_t max) {
  std::vector<std::string> out;
  for (const char* dir : {"/usr/bin", "/usr/lib/x86_64-linux-gnu"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (out.size() >= max) return out;
      if (!e.is_regular_file(ec) || e.is_symlink(ec)) continue;
      auto size = e.file_size(ec);
      if (ec || size <= MappedFile::kWholeReadLimit || size > MappedFile::kSparseReadLimit) continue;
      char magic[4] = {};
      std::ifstream(e.path(), std::ios::binary).read(magic, 4);
      if (std::memcmp(magic, "\x7f" "ELF", 4) == 0) out.push_back(e.path());
    }
  }
  return out;
}

TEST(SparseRead, SameReportAsReadingEveryByte) {
  std::vector<std::string> files = SparseSizedElfFiles(120);
  ASSERT_GE(files.size(), 20u) << "too few ELF files of sparse-read size on this machine";
  ReportOptions ro;
  ro.sections = ro.segments = ro.symbols = ro.dynamic = ro.notes = true;
  AnalyzeOptions full_opts;
  full_opts.symbol_list = true;
  ReadBuffer buffer;
  uint64_t total = 0, read = 0;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ByteView all(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    auto expected = Analyze(path, all, full_opts);
    ASSERT_TRUE(expected) << path;

    std::memset(buffer.Reserve(bytes.size()), 0xa5, bytes.size());  // poison
    auto file = MappedFile::Open(path, &buffer);
    ASSERT_TRUE(file) << path;
    ASSERT_TRUE((*file)->sparse()) << path;
    AnalyzeOptions sparse_opts = full_opts;
    sparse_opts.source = file->get();
    auto got = Analyze(path, (*file)->view(), sparse_opts);
    ASSERT_TRUE(got) << path;
    EXPECT_EQ(ToJson(*got, ro), ToJson(*expected, ro)) << path;
    total += bytes.size();
    read += (*file)->bytes_read();
  }
  // The point of reading on demand: most of each file is never read.
  EXPECT_LT(read, total / 2) << read << " of " << total << " bytes read";
  std::printf("sparse read: %zu files, %llu of %llu bytes read\n", files.size(),
              static_cast<unsigned long long>(read), static_cast<unsigned long long>(total));
}

// One buffer serves file after file: what a file has not read yet is zeros,
// never the bytes of the file before it, so a parser that forgets Ensure
// reads nothing of another file into this one's report.
TEST(SparseRead, AFileNeverSeesTheBytesOfTheFileBefore) {
  std::vector<std::string> files = SparseSizedElfFiles(8);
  ASSERT_GE(files.size(), 2u);
  ReadBuffer buffer;
  uint64_t checked = 0, unread = 0;
  for (size_t k = 0; k + 1 < files.size(); ++k) {
    {
      auto before = MappedFile::Open(files[k], &buffer);
      ASSERT_TRUE(before) << files[k];
      (*before)->Ensure(0, (*before)->size());  // every byte of it in the buffer
    }
    std::ifstream in(files[k + 1], std::ios::binary);
    std::string real((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto file = MappedFile::Open(files[k + 1], &buffer);
    ASSERT_TRUE(file) << files[k + 1];
    AnalyzeOptions opts;
    opts.source = file->get();
    ASSERT_TRUE(Analyze(files[k + 1], (*file)->view(), opts)) << files[k + 1];
    // The raw buffer, without Ensure: the file's own bytes where read, zeros elsewhere.
    const ByteView raw = (*file)->view();
    uint64_t wrong = 0;
    for (uint64_t i = 0; i < raw.size(); ++i) {
      const uint8_t b = raw.At(i);
      wrong += b != 0 && b != static_cast<uint8_t>(real[i]);
      unread += b == 0 && real[i] != 0;
    }
    EXPECT_EQ(wrong, 0u) << files[k + 1] << " shows bytes of " << files[k];
    checked += raw.size();
  }
  EXPECT_GT(unread, checked / 4) << "the files were read whole, so the test shows nothing";
}

TEST(SparseRead, HashReadsEverything) {
  std::vector<std::string> files = SparseSizedElfFiles(1);
  ASSERT_FALSE(files.empty());
  std::ifstream in(files[0], std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ReadBuffer buffer;
  std::memset(buffer.Reserve(bytes.size()), 0, bytes.size());
  auto file = MappedFile::Open(files[0], &buffer);
  ASSERT_TRUE(file);
  AnalyzeOptions opts;
  opts.hash = true;
  opts.source = file->get();
  auto a = Analyze(files[0], (*file)->view(), opts);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a->sha256, Sha256Hex(ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
}

}  // namespace
}  // namespace exray
