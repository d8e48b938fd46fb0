// Native PE images (EXE, DLL, drivers, EFI applications) in the main report.
#pragma once

#include "analysis/analyze.h"

namespace exray {

/// Fills a from a parsed PE image: format, arch, kind, the PE facts with
/// hardening and linking, the Go facts when it is a Go program, and the
/// verdicts when opts.identify. Every byte of the image must be readable.
void AnalyzePe(const pe::File& f, const AnalyzeOptions& opts, Analysis* a);

}  // namespace exray
