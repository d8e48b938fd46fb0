// `exray go FILE --types [--type NAME] [--json]`: a Go binary's type
// descriptors and itabs (lang/go/types.h), as text and as JSON.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lang/go/moduledata.h"
#include "lang/go/types.h"

namespace exray {

struct GoTypesReport {
  std::string_view path;
  std::string version;      // "go1.19.8"; empty when unknown
  const go::TypeSet& set;
  go::TypeTables tables;    // where the descriptors came from
  std::string type_name;    // --type NAME: only this type, in detail
  std::vector<std::string> warnings;
};

/// Every descriptor whose reflect String() is name (several packages may use one).
std::vector<const go::GoType*> FindTypesByName(const go::TypeSet& set, std::string_view name);

/// The header, then the named types (kind, size, align, methods, name,
/// package) sorted by name and the itabs; with type_name, that type's
/// fields, methods and element types instead.
void GoTypesToText(const GoTypesReport& r, std::ostream& out);
/// {path, go, types: {source, complete, count, named, region, list}, itabs:
/// {count, list}, warnings}; with type_name the list holds that type in
/// detail (fields, methods, parameters).
void GoTypesToJson(const GoTypesReport& r, int indent, std::ostream& out);

}  // namespace exray
