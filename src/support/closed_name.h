// A name from a closed set (a linking kind, an execution model, an evidence
// id), checked where it is written: a literal that is not in the set does
// not compile, so a misspelt "dynmic" cannot reach a report or a comparison.
// Stored as its index into the set's table; reports turn it into text with
// str(), and the text is what JSON and the docs show.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace exray {

/// Set is a type with `static constexpr std::string_view kNames[]`.
template <typename Set>
class ClosedName {
 public:
  /// From a literal: evaluated at compile time, and an error there when the
  /// literal is not one of Set::kNames.
  consteval ClosedName(const char* s) : i_(IndexOf(s)) {}
  constexpr std::string_view str() const { return Set::kNames[i_]; }
  constexpr size_t index() const { return i_; }
  friend constexpr bool operator==(ClosedName a, ClosedName b) { return a.i_ == b.i_; }

  /// The name s when it is one of the set (for text read at run time).
  static constexpr std::optional<ClosedName> Find(std::string_view s) {
    for (size_t k = 0; k < std::size(Set::kNames); ++k)
      if (Set::kNames[k] == s) return ClosedName(FromIndex{}, static_cast<uint16_t>(k));
    return std::nullopt;
  }
  /// Every name of the set, in table order.
  static constexpr const auto& All() { return Set::kNames; }

 private:
  struct FromIndex {};
  constexpr ClosedName(FromIndex, uint16_t i) : i_(i) {}
  static consteval uint16_t IndexOf(std::string_view s) {
    static_assert(std::size(Set::kNames) <= UINT16_MAX);
    for (size_t k = 0; k < std::size(Set::kNames); ++k)
      if (Set::kNames[k] == s) return static_cast<uint16_t>(k);
    throw "not a name of this closed set";  // reached only at compile time: the build fails here
  }
  uint16_t i_;
};

}  // namespace exray
