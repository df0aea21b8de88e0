#pragma once

#include <optional>
#include <string_view>

#include "backbeat/http/message.hpp"

namespace backbeat::http::dashboard {

// The Content-Security-Policy every dashboard response carries: everything from this origin
// only, no inline script or style, no plugins, no framing.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// Whether `path` (without query or trailing slash) is the dashboard's: "/", "/index.html" or
// anything under "/assets/". The router sends these here after checking the method.
bool Owns(std::string_view path);

// The answer to a GET or HEAD of a path Owns: the file compiled into the binary (web/), or 304
// when If-None-Match names its ETag; nullopt when there is no such file (the router's 404).
// Every answer carries the CSP and `Cache-Control: no-cache` (revalidate each use: the files
// change with the binary under the same names). Pure and thread-safe: no I/O, no locks.
std::optional<Response> Serve(const Request& request, std::string_view path);

}  // namespace backbeat::http::dashboard
