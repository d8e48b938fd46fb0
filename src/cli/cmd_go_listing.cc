// `exray go FILE --listing LOG` (see cmd_go_listing.h).
#include "cli/cmd_go_listing.h"

#include <ostream>

#include "analysis/code.h"
#include "analysis/go_dive.h"
#include "analysis/go_listing.h"
#include "cli/common.h"
#include "code/decoder.h"
#include "formats/elf/address_space.h"
#include "lang/go/listing.h"
#include "report/go_listing.h"
#include "support/mapped_file.h"

namespace exray {

int RunGoListing(const std::string& path, const std::string& listing_path, bool json, std::ostream& out,
                 std::ostream& err) {
  // The listing first: a file that is not one fails before the binary is read.
  auto text_or = MappedFile::Open(listing_path);
  if (!text_or) {
    err << "exray: " << text_or.error().message << '\n';
    return 1;
  }
  const MappedFile& text = **text_or;
  text.Ensure(0, text.size());
  Diagnostics diag;
  auto listing_or = go::ParseListing(text.view(), diag);
  if (text.changed()) {
    err << "exray: " << listing_path << ": " << kChangedWhileRead << '\n';
    return 1;
  }
  if (!listing_or) {
    err << "exray: " << listing_path << ": " << listing_or.error().message << '\n';
    return 1;
  }

  ReadBuffer buffer;
  auto opened = OpenElf(path, &buffer, err);
  if (!opened) return 1;
  elf::ElfAddressSpace as(opened->elf);
  GoDiveOptions opts;
  opts.pclntab = true;
  const GoDive dive = DiveGo(&opened->elf, as, opts);
  const go::Pclntab* pclntab = dive.pclntab_ok();
  if (!pclntab) {
    err << "exray: " << path << ": no pclntab"
        << (dive.pclntab && !dive.pclntab->ok() ? " (" + dive.pclntab->error().message + ")" : std::string())
        << ": not a gc-compiled Go binary, the listing cannot be matched\n";
    return 1;
  }
  std::unique_ptr<code::Decoder> decoder;
  if (std::optional<code::Arch> arch = CodeArch(opened->elf)) decoder = code::MakeDecoder(*arch);
  const ListingComparison cmp = CompareListing(*listing_or, *pclntab, as, decoder.get(), dive.build_info_ok(), diag);

  std::vector<std::string> warnings = dive.warnings;
  for (const std::string& w : diag.warnings()) warnings.push_back(w);
  if (diag.dropped()) warnings.push_back(std::to_string(diag.dropped()) + " more warnings not shown");
  GoListingReport report{path, listing_path, &*listing_or, &cmp, &warnings};
  if (json) {
    GoListingToJson(report, 2, out);
  } else {
    for (const std::string& w : warnings) err << "exray: " << path << ": warning: " << w << '\n';
    GoListingToText(report, out);
  }
  return 0;
}

}  // namespace exray
