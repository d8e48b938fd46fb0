// The closed sets (support/closed_name.h): names round-trip, the tables hold
// no name twice, and docs/json.md lists every evidence id.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "analysis/analyze.h"

namespace exray {
namespace {

template <typename Name>
void ExpectDistinctAndFound() {
  std::set<std::string_view> seen;
  for (std::string_view n : Name::All()) {
    EXPECT_TRUE(seen.insert(n).second) << n << " is in the table twice";
    auto found = Name::Find(n);
    ASSERT_TRUE(found.has_value()) << n;
    EXPECT_EQ(found->str(), n);
  }
  EXPECT_FALSE(Name::Find("not-a-member").has_value());
}

TEST(ClosedName, TablesHoldEachNameOnceAndFindEveryOne) {
  ExpectDistinctAndFound<Linking>();
  ExpectDistinctAndFound<ExecutionModel>();
  ExpectDistinctAndFound<Jit>();
  ExpectDistinctAndFound<EvidenceId>();
}

TEST(ClosedName, LiteralsCompareByMembership) {
  Linking l = "static-pie";
  EXPECT_TRUE(l == "static-pie");
  EXPECT_TRUE(l != "static");
  EXPECT_EQ(l.str(), "static-pie");
  Jit j = "capable";
  EXPECT_EQ(j, Jit::Find("capable"));
}

TEST(ClosedName, DocsListEveryEvidenceId) {
  std::ifstream in(std::string(EXRAY_SOURCE_DIR) + "/docs/json.md");
  ASSERT_TRUE(in) << "docs/json.md not found";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string docs = ss.str();
  for (std::string_view id : EvidenceId::All())
    EXPECT_NE(docs.find("`" + std::string(id) + "`"), std::string::npos) << id << " is not in docs/json.md";
}

}  // namespace
}  // namespace exray
