#include "trace/traced_run.h"

#include "trace/smaps.h"

namespace exray::trace {

Result<TracedRun> TraceAndCompare(const Analysis& a, const TraceOptions& opts) {
  auto obs_or = Trace(opts);
  if (!obs_or) return obs_or.error();
  TracedRun r;
  r.obs = std::move(*obs_or);
  r.expected = ComputeExpected(a, r.obs.program_real);
  ClassifyAll(&r.obs, r.expected);
  if (r.obs.memory_snapshot) {
    GroupingInput gi;
    gi.program = r.obs.program_real;
    gi.stack_pointers = r.obs.thread_stack_pointers;
    gi.go = r.expected.go;
    r.obs.memory = GroupMemory(r.obs.vmas, gi);
  }
  r.claims = CompareWithStatic(a, r.obs, &r.expected);
  return r;
}

}  // namespace exray::trace
