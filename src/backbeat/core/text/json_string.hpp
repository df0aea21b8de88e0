#pragma once

#include <string>
#include <string_view>

namespace backbeat::core {

// Appends `text` to `out` as a JSON string literal, quotes included: `"` and `\` escaped, `\n`
// `\r` `\t` by name, other control characters as `\u00xx`; every other byte as is. For the
// places that write small JSON by hand (log lines, list parameters bound to SQL); HTTP bodies use
// http::dto::JsonWriter, which matches Boost.JSON's serializer byte for byte.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace backbeat::core
