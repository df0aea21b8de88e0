#include "backbeat/http/dashboard/dashboard.hpp"

#include "backbeat/http/dashboard/dashboard_assets.hpp"

namespace backbeat::http::dashboard {
namespace {

constexpr std::string_view kIndexPath = "/index.html";
constexpr std::string_view kAssetPrefix = "/assets/";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 section 13.1.2: If-None-Match compares weakly ("W/" ignored); "*" matches any.
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = Trim(header.substr(0, comma));
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

void AddPolicyHeaders(Response& response) {
  response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", "no-cache");
}

const Asset* Find(std::string_view path) {
  if (path == "/") path = kIndexPath;
  for (const Asset& asset : Assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace

bool Owns(std::string_view path) {
  return path == "/" || path == kIndexPath || path.starts_with(kAssetPrefix);
}

std::optional<Response> Serve(const Request& request, std::string_view path) {
  const Asset* asset = Find(path);
  if (asset == nullptr) return std::nullopt;
  Response response;
  AddPolicyHeaders(response);
  response.headers.emplace_back("ETag", std::string(asset->etag));
  const std::string* none_match = request.Header("if-none-match");
  if (none_match != nullptr && NoneMatchHits(*none_match, asset->etag)) {
    response.status = 304;
    response.content_type.clear();
    return response;
  }
  response.content_type = std::string(asset->content_type);
  response.body = std::string(asset->body);
  return response;
}

}  // namespace backbeat::http::dashboard
