#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "report/json_writer.h"

namespace exray {
namespace {

TEST(JsonWriter, CompactAndPrettyParseTheSame) {
  for (int indent : {-1, 2}) {
    JsonWriter w(indent);
    w.BeginObject();
    w.Field("a", 1);
    w.Field("empty", std::vector<std::string>{});
    w.Key("o");
    w.BeginObject();
    w.EndObject();
    w.Field("list", std::vector<uint64_t>{1, 2, UINT64_MAX});
    w.Field("n", nullptr);
    w.Field("t", true);
    w.EndObject();
    auto j = nlohmann::json::parse(w.Take());
    EXPECT_EQ(j["a"], 1);
    EXPECT_TRUE(j["empty"].empty());
    EXPECT_TRUE(j["o"].is_object());
    EXPECT_EQ(j["list"][2].get<uint64_t>(), UINT64_MAX);
    EXPECT_TRUE(j["n"].is_null());
  }
}

TEST(JsonWriter, MatchesNlohmannPrettyLayout) {
  JsonWriter w(2);
  w.BeginObject();
  w.Field("a", std::vector<int>{});
  w.Field("b", std::vector<std::string>{"x"});
  w.EndObject();
  nlohmann::ordered_json j;
  j["a"] = nlohmann::json::array();
  j["b"] = {"x"};
  EXPECT_EQ(w.Take(), j.dump(2));
}

TEST(JsonWriter, EscapesControlsQuotesAndBadUtf8) {
  JsonWriter w;
  static const char kInput[] = "q\"b\\\n\x01 \xc3\xa9 \xff \xed\xa0\x80 \xf0\x9f\x98\x80";
  w.String(std::string_view(kInput, sizeof kInput - 1));
  std::string s = w.Take();
  auto j = nlohmann::json::parse(s);
  std::string v = j.get<std::string>();
  EXPECT_EQ(v.substr(0, 6), "q\"b\\\n\x01");
  EXPECT_NE(v.find("\xc3\xa9"), std::string::npos);          // valid 2-byte kept
  EXPECT_NE(v.find("\xf0\x9f\x98\x80"), std::string::npos);  // valid 4-byte kept
  EXPECT_NE(v.find("\xef\xbf\xbd"), std::string::npos);      // 0xff and the surrogate replaced
  EXPECT_EQ(v.find("\xed\xa0"), std::string::npos);
}

// Plain runs are found eight bytes at a time: every byte that needs
// escaping (or is not ASCII) is caught at every position of a word.
TEST(JsonWriter, EscapesAtEveryPositionOfAWord) {
  for (std::string_view special : {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", " ", "~"})
    for (size_t pos = 0; pos <= 17; ++pos) {
      std::string in(17, 'a');
      in.insert(pos, special);
      JsonWriter w;
      w.String(in);
      EXPECT_EQ(nlohmann::json::parse(w.Take()).get<std::string>(), in) << pos;
    }
  for (size_t pos = 0; pos <= 17; ++pos) {
    std::string in(17, 'a');
    in.insert(pos, "\x80");
    JsonWriter w;
    w.String(in);
    std::string want(17, 'a');
    want.insert(pos, "\xef\xbf\xbd");
    EXPECT_EQ(nlohmann::json::parse(w.Take()).get<std::string>(), want) << pos;
  }
}

// A default string_view has no bytes and may have a null data pointer, which
// memcpy must never be given (UBSan flagged the empty names of a cut file).
TEST(JsonWriter, EmptyViewsWithoutBytes) {
  JsonWriter w(-1);
  w.BeginObject();
  w.Field("a", std::string_view());
  w.InputKey(std::string_view());
  w.String(std::string_view());
  w.Key("b");
  w.BeginArray();
  w.String(std::string_view());
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.Take(), R"({"a":"","":"","b":[""]})");
}

}  // namespace
}  // namespace exray

// A streamed document is the same bytes as one built whole, across flushes.
TEST(JsonWriter, StreamedEqualsWhole) {
  using exray::JsonWriter;
  auto write = [](JsonWriter& w) {
    w.BeginObject();
    w.Key("items");
    w.BeginArray();
    for (int i = 0; i < 20000; ++i) {
      w.BeginObject();
      w.Field("name", "function\xff\n" + std::to_string(i));
      w.Field("entry", uint64_t(0x401000) + i);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  };
  JsonWriter whole(-1);
  write(whole);
  std::ostringstream out;
  JsonWriter streamed(-1);
  streamed.SetSink(&out);
  write(streamed);
  streamed.Flush();
  const std::string w = whole.Take();
  EXPECT_GT(w.size(), 2 * JsonWriter::kFlushBytes);
  EXPECT_EQ(out.str(), w);
}
