#include "analysis/needles.h"

#include <hs_runtime.h>


namespace exray {
namespace {

// The serialised database: kNeedleDb, written by needle_db_gen at build time.
#include "needle_db.inc"

const hs_database_t* Database() {
  static hs_database_t* db = [] {
    hs_database_t* d = nullptr;
    // On a CPU below the library's baseline this fails (HS_ARCH_ERROR).
    if (hs_deserialize_database(reinterpret_cast<const char*>(kNeedleDb), sizeof(kNeedleDb), &d) != HS_SUCCESS)
      return static_cast<hs_database_t*>(nullptr);
    return d;
  }();
  return db;
}

// Scratch space is per thread: one scan at a time may use it.
struct Scratch {
  hs_scratch_t* s = nullptr;
  ~Scratch() {
    if (s) hs_free_scratch(s);
  }
};

struct Context {
  const std::function<void(size_t, size_t)>* hit;
  size_t from;
};

int OnMatch(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* c = static_cast<Context*>(ctx);
  const std::vector<std::string_view>& all = KnownNeedles();
  if (id < all.size() && to >= all[id].size()) (*c->hit)(id, c->from + static_cast<size_t>(to - all[id].size()));
  return 0;  // go on
}

}  // namespace

bool KnownNeedleScan::Available() { return Database() != nullptr; }

bool KnownNeedleScan::Scan(std::string_view t, size_t from, const std::function<void(size_t, size_t)>& hit) {
  const hs_database_t* db = Database();
  if (!db || from > t.size()) return db != nullptr;
  thread_local Scratch scratch;
  if (!scratch.s && hs_alloc_scratch(db, &scratch.s) != HS_SUCCESS) return false;
  Context c{&hit, from};
  // hs_scan takes an unsigned length: windows are far smaller (kRodataWindow).
  const std::string_view part = t.substr(from);
  if (part.size() > UINT32_MAX) return false;
  return hs_scan(db, part.data(), static_cast<unsigned>(part.size()), 0, scratch.s, OnMatch, &c) == HS_SUCCESS;
}

}  // namespace exray
