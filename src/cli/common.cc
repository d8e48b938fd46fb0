#include "cli/common.h"

#include <ostream>

#include "formats/elf/address_space.h"
#include "formats/macho/address_space.h"
#include "formats/macho/parser.h"
#include "formats/pe/address_space.h"
#include "formats/pe/parser.h"

namespace exray {

std::string FileErrorReason(const std::string& path, const std::string& message) {
  const std::string prefix = path + ": ";
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

std::optional<int> ParseOptions(CLI::App& app, int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);  // prints help, version or the error
    return code == 0 ? 0 : 2;
  }
  return std::nullopt;
}

std::unique_ptr<OpenedAnalysis> OpenAndAnalyze(const std::string& path, std::ostream& err) {
  auto o = std::make_unique<OpenedAnalysis>();
  auto file_or = MappedFile::Open(path, &o->buffer);
  if (!file_or) {
    err << "exray: " << file_or.error().message << '\n';
    return nullptr;
  }
  o->file = std::move(*file_or);
  AnalyzeOptions ao;
  ao.source = o->file.get();
  auto a_or = Analyze(path, o->file->view(), ao);
  if (!a_or) {
    err << "exray: " << path << ": " << a_or.error().message << '\n';
    return nullptr;
  }
  if (o->file->changed()) {
    err << "exray: " << path << ": " << kChangedWhileRead << '\n';
    return nullptr;
  }
  o->analysis = std::move(*a_or);
  return o;
}

std::optional<OpenedElf> OpenElf(const std::string& path, ReadBuffer* buffer, std::ostream& err) {
  auto file_or = MappedFile::Open(path, buffer);
  if (!file_or) {
    err << "exray: " << file_or.error().message << '\n';
    return std::nullopt;
  }
  const MappedFile& mf = **file_or;
  mf.Ensure(0, 64);  // enough for the ELF identification
  if (!elf::IsElf(mf.view())) {
    err << "exray: " << path << ": format not supported yet\n";
    return std::nullopt;
  }
  elf::ParseOptions po;
  po.source = &mf;
  auto elf_or = elf::Parse(mf.view(), po);
  if (!elf_or) {
    err << "exray: " << path << ": " << elf_or.error().message << '\n';
    return std::nullopt;
  }
  return OpenedElf{std::move(*file_or), std::move(*elf_or)};
}

std::optional<OpenedBinary> OpenBinary(const std::string& path, ReadBuffer* buffer, std::ostream& err) {
  auto file_or = MappedFile::Open(path, buffer);
  if (!file_or) {
    err << "exray: " << file_or.error().message << '\n';
    return std::nullopt;
  }
  OpenedBinary o;
  o.file = std::move(*file_or);
  const MappedFile& mf = *o.file;
  mf.Ensure(0, 64);  // enough for either magic
  const ByteView bytes = mf.view();
  if (elf::IsElf(bytes)) {
    elf::ParseOptions po;
    po.source = &mf;
    auto elf_or = elf::Parse(bytes, po);
    if (!elf_or) {
      err << "exray: " << path << ": " << elf_or.error().message << '\n';
      return std::nullopt;
    }
    o.elf = std::make_unique<elf::File>(std::move(*elf_or));
    o.as = std::make_unique<elf::ElfAddressSpace>(*o.elf);
    return o;
  }
  if (pe::IsPe(bytes)) {
    mf.EnsureFew(0, bytes.size());  // directories point anywhere in the image
    auto pe_or = pe::Parse(bytes);
    if (!pe_or) {
      err << "exray: " << path << ": " << pe_or.error().message << '\n';
      return std::nullopt;
    }
    o.pe = std::make_unique<pe::File>(std::move(*pe_or));
    o.as = std::make_unique<pe::PeAddressSpace>(*o.pe);
    o.goos = "windows";
    switch (o.pe->header.machine) {
      case pe::kMachineAmd64: o.goarch = "amd64"; break;
      case pe::kMachineI386: o.goarch = "386"; break;
      case pe::kMachineArm64: o.goarch = "arm64"; break;
      default: break;
    }
    return o;
  }
  if (!macho::IsMacho(bytes) && !macho::IsFat(bytes)) {
    err << "exray: " << path << ": format not supported yet\n";
    return std::nullopt;
  }
  mf.EnsureFew(0, bytes.size());  // load commands point anywhere in the image
  ByteView image = bytes;
  if (macho::IsFat(bytes)) {
    auto fat_or = macho::ParseFat(bytes);
    Result<ByteView> slice = fat_or ? (fat_or->archs.empty() ? Result<ByteView>(Error{"a universal file with no slices"})
                                                             : macho::Slice(bytes, fat_or->archs.front()))
                                    : Result<ByteView>(fat_or.error());
    if (!slice) {
      err << "exray: " << path << ": " << slice.error().message << '\n';
      return std::nullopt;
    }
    if (fat_or->archs.size() > 1)
      err << "exray: " << path << ": a universal file: reading its first slice ("
          << macho::CpuTypeName(fat_or->archs.front().cputype, fat_or->archs.front().cpusubtype) << ")\n";
    image = *slice;
  }
  auto m_or = macho::Parse(image);
  if (!m_or) {
    err << "exray: " << path << ": " << m_or.error().message << '\n';
    return std::nullopt;
  }
  o.macho = std::make_unique<macho::File>(std::move(*m_or));
  o.as = std::make_unique<macho::MachoAddressSpace>(*o.macho);
  o.goos = "darwin";
  switch (o.macho->header.cputype) {
    case macho::kCpuArm64: o.goarch = "arm64"; break;
    case macho::kCpuX8664: o.goarch = "amd64"; break;
    case macho::kCpuX86: o.goarch = "386"; break;
    case macho::kCpuArm: o.goarch = "arm"; break;
    default: break;
  }
  return o;
}

}  // namespace exray
