// What the subcommands share: opening a file as `exray FILE` does, parsing
// their own options, and the messages they print for unreadable files.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "analysis/analyze.h"
#include "formats/elf/parser.h"
#include "support/address_space.h"
#include "support/mapped_file.h"

namespace exray {

inline constexpr std::string_view kChangedWhileRead = "the file changed while it was read (it became shorter)";

/// Why a file could not be opened, without the path MappedFile puts first.
std::string FileErrorReason(const std::string& path, const std::string& message);

/// Parses a subcommand's options: nullopt to go on, or the exit code when
/// parsing ended the command (0 after --help, 2 on a usage error, said on err).
std::optional<int> ParseOptions(CLI::App& app, int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// A file opened and analysed as `exray FILE` does; the mapping lives as
// long as the analysis, whose views point into it.
struct OpenedAnalysis {
  ReadBuffer buffer;
  std::unique_ptr<MappedFile> file;
  Analysis analysis;
};

/// Opens and analyses path; on failure prints why to err and returns null.
std::unique_ptr<OpenedAnalysis> OpenAndAnalyze(const std::string& path, std::ostream& err);

/// An ELF file opened for a subcommand that needs only its model (`exray go`,
/// `exray rust`, `exray code`): the mapping stays alive beside the views into it.
struct OpenedElf {
  std::unique_ptr<MappedFile> file;
  elf::File elf;
};

/// Opens and parses path as ELF; on failure prints why to err and returns nullopt.
std::optional<OpenedElf> OpenElf(const std::string& path, ReadBuffer* buffer, std::ostream& err);

/// A binary of any format the toolchain readers take (ELF, Mach-O), with
/// its address space. Each part lives on the heap, so the address space's
/// reference to its model survives a move.
struct OpenedBinary {
  std::unique_ptr<MappedFile> file;
  std::unique_ptr<elf::File> elf;      // set for ELF
  std::unique_ptr<macho::File> macho;  // set for Mach-O: the image, or a universal file's first slice
  std::unique_ptr<pe::File> pe;        // set for PE
  std::unique_ptr<AddressSpace> as;
  std::string goos, goarch;            // what the format implies for Go ("darwin", "arm64"); empty for ELF
};

/// Opens path as ELF, PE or Mach-O (a universal file: its first slice, with a
/// note to err); on failure prints why to err and returns nullopt.
std::optional<OpenedBinary> OpenBinary(const std::string& path, ReadBuffer* buffer, std::ostream& err);

}  // namespace exray
