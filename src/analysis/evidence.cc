#include "analysis/evidence.h"

namespace exray {

const char* StrengthName(Strength s) {
  switch (s) {
    case Strength::kManifest: return "manifest";
    case Strength::kStructure: return "structure";
    case Strength::kProducer: return "producer";
    case Strength::kSymbol: return "symbol";
    case Strength::kString: return "string";
    case Strength::kPattern: return "pattern";
    case Strength::kObserved: return "observed";
  }
  return "structure";
}

}  // namespace exray
