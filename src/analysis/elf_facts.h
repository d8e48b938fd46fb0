// Verdicts drawn from the ELF model: linking kind, PIE, symbols, hardening.
#pragma once

#include "analysis/analyze.h"

namespace exray {

/// Fills linking, pie, stripped, debug_info, glibc_min and their evidence.
void AnalyzeLinking(const elf::File& f, Analysis* a);
/// Fills the hardening block and its evidence.
void AnalyzeHardening(const elf::File& f, Analysis* a);

}  // namespace exray
