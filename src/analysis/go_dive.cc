#include "analysis/go_dive.h"

#include "analysis/elf_facts.h"
#include "lang/go/version.h"

#include <fmt/format.h>

namespace exray {

namespace {

// The release the type layouts follow: the version found, else the first
// release of the moduledata layout (with a warning: 1.18 and 1.19 encode
// struct fields differently, 1.24 changed maps).
int TypeMinor(const GoDive& d, Diagnostics& diag) {
  if (d.minor) return *d.minor;
  int minor = 18;
  switch (d.moduledata ? d.moduledata->layout : go::ModuledataLayout::kUnknown) {
    case go::ModuledataLayout::kGo120: minor = 20; break;
    case go::ModuledataLayout::kGo126: minor = 26; break;
    case go::ModuledataLayout::kGo127: minor = 27; break;
    default: break;
  }
  diag.Warn(fmt::format("Go version unknown: type layouts read as Go 1.{}'s, the first release of the moduledata layout",
                        minor));
  return minor;
}

Result<go::TypeSet> ReadGoTypes(const AddressSpace& as, const GoDive& d, Diagnostics& diag) {
  if (!d.moduledata) return Error{"no moduledata found (it holds the type tables)"};
  return go::ReadTypes(as, *d.moduledata, TypeMinor(d, diag), diag);
}

}  // namespace

GoDive DiveGo(const elf::File& f, const AddressSpace& as, const GoDiveOptions& opts) {
  GoDive d;
  Diagnostics diag;
  d.build_info = go::ReadBuildInfo(as, &diag);
  if (d.build_info && !d.build_info->ok()) diag.Warn(d.build_info->error().message);
  const bool have_bi = d.build_info_ok() != nullptr;
  std::optional<std::string> md_error;
  if (opts.pclntab || opts.sizes || !have_bi) {
    d.pclntab = go::ReadPclntab(as, diag, &d.moduledata);
  } else if (opts.types) {
    // The type tables need moduledata only: the functions are not parsed.
    Result<go::Moduledata> md = go::ReadModuledata(as, diag);
    if (md) d.moduledata = std::move(md.value());
    else md_error = md.error().message;
  }
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
  if (have_bi) d.minor = go::GoMinorOf(d.build_info_ok()->version);
  else if (d.runtime_version) d.minor = d.runtime_version->minor;
  if (opts.types && (d.moduledata || md_error || d.pclntab_ok())) {
    d.types = md_error ? Result<go::TypeSet>(Error{*md_error}) : ReadGoTypes(as, d, diag);
    if (d.types->ok() && !opts.type_name.empty())
      for (go::GoType& t : d.types->value().types)
        if (t.name == opts.type_name)
          if (auto full = go::ReadTypeDetail(as, *d.moduledata, TypeMinor(d, diag), t.addr)) t = std::move(*full);
  }
  d.warnings = diag.warnings();
  return d;
}

}  // namespace exray
