#include "formats/script/shebang.h"

#include <algorithm>
#include <string_view>

namespace exray::script {

namespace {
std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view Basename(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}
}  // namespace

std::optional<Shebang> ParseShebang(ByteView bytes) {
  if (bytes.size() < 2 || bytes.At(0) != '#' || bytes.At(1) != '!') return std::nullopt;
  std::string_view all = bytes.Sub(0, std::min<uint64_t>(bytes.size(), kMaxShebangLine)).AsString();
  size_t nl = all.find('\n');
  Shebang sb;
  sb.truncated = nl == std::string_view::npos && bytes.size() > kMaxShebangLine;
  std::string_view line = all.substr(2, nl == std::string_view::npos ? std::string_view::npos : nl - 2);
  // The kernel strips trailing whitespace (and a CR is not whitespace to it, but
  // "python3\r" is the classic DOS-line-ending failure, so keep it visible).
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  size_t start = i;
  while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
  sb.interpreter = std::string(line.substr(start, i - start));
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  sb.args = std::string(line.substr(i));
  sb.command = sb.interpreter;
  if (Basename(sb.interpreter) == "env") {
    // env [-S] [-i] [-u NAME] [NAME=VALUE]... COMMAND [ARG]...; without -S
    // Linux hands env the whole rest as one word, which is why -S exists.
    std::vector<std::string> words = SplitWords(sb.args);
    size_t w = 0;
    for (; w < words.size(); ++w) {
      const std::string& word = words[w];
      if (word == "-S" || word == "--split-string" || word == "-i" || word == "--ignore-environment" || word == "-") continue;
      if (word.rfind("-S", 0) == 0 && word.size() > 2) {  // "-Spython3": glued operand
        words[w] = word.substr(2);
        break;
      }
      if ((word == "-u" || word == "--unset") && w + 1 < words.size()) { ++w; continue; }
      if (word.rfind("--unset=", 0) == 0 || (word[0] == '-' && word.size() > 1)) continue;
      if (word.find('=') != std::string::npos) continue;
      break;
    }
    if (w < words.size()) {
      sb.via_env = true;
      sb.command = words[w];
      sb.command_args.assign(words.begin() + static_cast<long>(w) + 1, words.end());
    }
  } else if (!sb.args.empty()) {
    sb.command_args.push_back(sb.args);
  }
  return sb;
}

}  // namespace exray::script
