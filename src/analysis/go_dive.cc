#include "analysis/go_dive.h"

#include "analysis/elf_facts.h"

namespace exray {

GoDive DiveGo(const elf::File& f, const AddressSpace& as, const GoDiveOptions& opts) {
  GoDive d;
  Diagnostics diag;
  d.build_info = go::ReadBuildInfo(as, &diag);
  if (d.build_info && !d.build_info->ok()) diag.Warn(d.build_info->error().message);
  const bool have_bi = d.build_info_ok() != nullptr;
  if (opts.pclntab || opts.sizes || !have_bi) d.pclntab = go::ReadPclntab(as, diag);
  if (!have_bi && !d.pclntab_ok()) {
    // gccgo writes neither table: its own marks say whether the file is its.
    Analysis ga;
    AnalyzeGccgo(f, &ga);
    if (ga.go) d.gccgo = std::move(ga);
  } else if (!have_bi) {
    // Without build info, the version the runtime keeps, checked against the layout.
    d.runtime_version =
        go::FindRuntimeVersion(as, go::LayoutHints(as, go::PclnMagic(d.pclntab_ok()->header().version)), diag);
  }
  if (opts.sizes && d.pclntab_ok()) d.sizes = go::MeasureCode(*d.pclntab_ok(), d.build_info_ok());
  d.warnings = diag.warnings();
  return d;
}

}  // namespace exray
