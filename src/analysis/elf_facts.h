// Verdicts drawn from the ELF model: linking kind, PIE, symbols, hardening.
#pragma once

#include "analysis/analyze.h"
#include "support/address_space.h"

namespace exray {

/// Fills linking, pie, stripped, debug_info, glibc_min and their evidence.
void AnalyzeLinking(const elf::File& f, Analysis* a);
/// Fills the hardening block and its evidence.
void AnalyzeHardening(const elf::File& f, Analysis* a);
/// For files with a sign of the Go toolchain: build info, the pclntab, the
/// Go version and the runtime carried, with their evidence (analysis/go.cc).
void AnalyzeGo(const elf::File& f, Analysis* a);
/// The same for a file of any format, given as an address space (Mach-O;
/// PE next): build info, pclntab, version, moduledata, cgo, runtime size.
void AnalyzeGoIn(const AddressSpace& as, Analysis* a);
/// Go compiled by gccgo (no pclntab, no build info): sets a->go with compiler
/// "gccgo" and adds its evidence when the file is one.
void AnalyzeGccgo(const elf::File& f, Analysis* a);
/// For files with a sign of Rust: the rustc release and the crate list, from
/// .dep-v0, .comment and source paths in read-only data, with their evidence
/// (analysis/rust.cc). search_always skips the cheap gate (for `exray rust`).
void AnalyzeRust(const elf::File& f, Analysis* a, bool search_always = false);

}  // namespace exray
