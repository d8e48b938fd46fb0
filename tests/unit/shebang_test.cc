#include <gtest/gtest.h>

#include <string>

#include "formats/script/shebang.h"

namespace exray::script {
namespace {

std::optional<Shebang> P(const std::string& s) {
  return ParseShebang(ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

TEST(Shebang, PlainInterpreterWithArgument) {
  auto sb = P("#!/bin/sh -e\necho hi\n");
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->interpreter, "/bin/sh");
  EXPECT_EQ(sb->args, "-e");
  EXPECT_EQ(sb->command, "/bin/sh");
  EXPECT_FALSE(sb->via_env);
}

TEST(Shebang, EnvIsResolved) {
  auto sb = P("#!/usr/bin/env python3\nprint(1)\n");
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->interpreter, "/usr/bin/env");
  EXPECT_EQ(sb->command, "python3");
  EXPECT_TRUE(sb->via_env);
}

TEST(Shebang, EnvSplitStringAndAssignments) {
  auto sb = P("#! /usr/bin/env -S LANG=C node --max-old-space-size=100 \n");
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->command, "node");
  ASSERT_EQ(sb->command_args.size(), 1u);
  EXPECT_EQ(sb->command_args[0], "--max-old-space-size=100");
}

TEST(Shebang, NotAScript) {
  EXPECT_FALSE(P("\x7f" "ELF"));
  EXPECT_FALSE(P("#"));
  EXPECT_FALSE(P(""));
}

TEST(Shebang, NoNewlineAndOverlongLine) {
  auto sb = P("#!/bin/bash");
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->interpreter, "/bin/bash");
  auto long_line = P("#!/bin/" + std::string(400, 'x'));
  ASSERT_TRUE(long_line);
  EXPECT_TRUE(long_line->truncated);
  EXPECT_LE(long_line->interpreter.size(), kMaxShebangLine);
}

}  // namespace
}  // namespace exray::script
