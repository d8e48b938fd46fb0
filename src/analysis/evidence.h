// The evidence model: every verdict names the facts it rests on.
#pragma once

#include <string>
#include <vector>

namespace exray {

/// How much a piece of evidence weighs, strongest first. A weak kind (a string,
/// a byte pattern) never outvotes a strong one (a manifest, a header).
enum class Strength { kManifest, kStructure, kProducer, kSymbol, kString, kPattern, kObserved, kMaxValue = kObserved };

const char* StrengthName(Strength s);

struct Evidence {
  std::string id;      // stable, dotted: "hardening.relro"
  std::string claim;   // what the fact says, as a sentence fragment
  bool holds = false;  // whether the claim is true of this file
  Strength strength = Strength::kStructure;
  std::string where;   // section, segment, dynamic tag, symbol, note, offset
  std::string detail;  // the value seen
};

}  // namespace exray
