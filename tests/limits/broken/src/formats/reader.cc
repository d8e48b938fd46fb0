// A cap defined outside limits.h.
#include "support/limits.h"
namespace exray {
constexpr int kMaxStrayEntries = 64;
}  // namespace exray
