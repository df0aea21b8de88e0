#pragma once

#include <string_view>

namespace backbeat::http {

// The OpenAPI 3.1 document of everything served (src/backbeat/http/api/openapi.json, compiled
// in at build time).
std::string_view OpenApiDocument();

}  // namespace backbeat::http
