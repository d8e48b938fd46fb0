// The shared .rodata pass (Vectorscan over the build-time database) against
// std::string_view::find on random text with the needles planted in it.
#include "analysis/needles.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace exray {
namespace {

// needle index -> first start at or after from, by plain search.
std::map<size_t, size_t> Naive(std::string_view t, size_t from) {
  std::map<size_t, size_t> first;
  const std::vector<std::string_view>& all = KnownNeedles();
  for (size_t j = 0; j < all.size(); ++j)
    if (size_t at = t.find(all[j], from); at != std::string_view::npos) first[j] = at;
  return first;
}

std::map<size_t, size_t> Scanned(std::string_view t, size_t from) {
  std::map<size_t, size_t> first;
  EXPECT_TRUE(KnownNeedleScan::Scan(t, from, [&](size_t j, size_t s) {
    auto [it, fresh] = first.emplace(j, s);
    if (!fresh) it->second = std::min(it->second, s);
  }));
  return first;
}

TEST(KnownNeedleScan, DatabaseLoads) { EXPECT_TRUE(KnownNeedleScan::Available()); }

TEST(KnownNeedleScan, EveryNeedleAtEveryEdge) {
  const std::vector<std::string_view>& all = KnownNeedles();
  for (size_t j = 0; j < all.size(); ++j) {
    const std::string n(all[j]);
    for (const std::string& t : {n, "x" + n, n + "y", std::string(100, '\0') + n + std::string(3, '\0')}) {
      auto got = Scanned(t, 0);
      ASSERT_EQ(got.count(j), 1u) << n;
      EXPECT_EQ(got[j], t.find(n)) << n;
    }
    // A needle cut short by the end of the text, or starting before from, is not there.
    EXPECT_EQ(Scanned(n.substr(0, n.size() - 1), 0).count(j), 0u) << n;
    EXPECT_EQ(Scanned("ab" + n, 3).count(j), 0u) << n;
  }
}

TEST(KnownNeedleScan, AgreesWithPlainSearchOnRandomText) {
  const std::vector<std::string_view>& all = KnownNeedles();
  std::mt19937_64 rng(20261207);
  for (int round = 0; round < 200; ++round) {
    // Text of letters, NULs and the needles' own bytes, with a few needles
    // (sometimes cut) planted, so near misses are common.
    std::string t(1 + rng() % 20000, '\0');
    for (char& c : t) c = "abcdefRUST_/.:@ \0"[rng() % 17];
    for (int k = rng() % 12; k > 0; --k) {
      std::string_view n = all[rng() % all.size()];
      if (rng() % 3 == 0) n = n.substr(0, n.size() - 1);
      const size_t at = rng() % t.size();
      t.replace(at, std::min(n.size(), t.size() - at), n.substr(0, t.size() - at));
    }
    const size_t from = rng() % 4 == 0 ? rng() % t.size() : 0;
    EXPECT_EQ(Scanned(t, from), Naive(t, from)) << "round " << round;
  }
}

}  // namespace
}  // namespace exray
