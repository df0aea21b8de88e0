#pragma once

#include <span>
#include <string_view>

namespace backbeat::http::dashboard {

// One file of the dashboard (web/), compiled into the binary at build time by
// embed_assets.cmake. All views point into static storage.
struct Asset {
  std::string_view path;          // where it is served: "/index.html", "/assets/app.js"
  std::string_view content_type;  // from the file's extension
  std::string_view body;          // the file's bytes
  std::string_view etag;          // a strong ETag from the bytes' SHA-256, quoted
};

// Every embedded file, in the order the build listed them.
std::span<const Asset> Assets();

}  // namespace backbeat::http::dashboard
