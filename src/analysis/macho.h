// Mach-O files in the main report: thin images and universal files.
#pragma once

#include "analysis/analyze.h"

namespace exray {

/// Fills a from one Mach-O image that starts at offset in the file:
/// format, arch, kind, the Mach-O facts with hardening and linking, the Go
/// facts when it is a Go program, and the verdicts when opts.identify.
/// A header that cannot be read leaves a warning and format unchanged.
void AnalyzeMachoImage(ByteView image, uint64_t offset, const AnalyzeOptions& opts, Analysis* a);

/// A thin image or a universal file: false when the bytes are neither. A
/// universal file's report is of the slice opts.arch names (the first when
/// empty), with the others' reports in a->slices; a universal header with
/// nothing to read is a Mach-O file with a warning; an --arch the file does
/// not have is the only Error. Every byte must be readable (see macho::Parse).
Result<bool> AnalyzeMacho(ByteView bytes, const AnalyzeOptions& opts, Analysis* a);

}  // namespace exray
