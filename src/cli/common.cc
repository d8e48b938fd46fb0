#include "cli/common.h"

#include <ostream>

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

}  // namespace exray
