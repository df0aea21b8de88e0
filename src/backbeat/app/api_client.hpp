#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "backbeat/core/status.hpp"

namespace backbeat::app {

// What the server answered: any HTTP status, with its body as sent.
struct ApiReply {
  int status = 0;
  std::string body;
};

// A small blocking client for one backbeat server's JSON API, used by `backbeat tasks`.
//
// Every request carries `x-api-key` and, when it has a body, `content-type: application/json`.
// Proxies follow libcurl's environment (http_proxy, no_proxy, ...); https peers are verified;
// redirects are not followed (the API never redirects, and a POST must not be replayed).
//
// Send() returns the reply whatever its status; it fails only when no reply arrived:
// kUnavailable (DNS, connect, reset, timeout, a reply larger than kMaxReplyBytes). Its message
// never contains the key. Not thread-safe (one instance per command); each Send() makes its
// own libcurl handle.
class ApiClient {
 public:
  static constexpr size_t kMaxReplyBytes = size_t{256} << 20;

  // `base_url` is the server's root (http://host:port, an optional path prefix, an optional
  // trailing slash). Validate it first with ValidateBaseUrl.
  ApiClient(std::string base_url, std::string key, std::chrono::milliseconds timeout);

  // InvalidArgument unless `url` is an absolute http:// or https:// URL with a host and no
  // query or fragment.
  static core::Status ValidateBaseUrl(std::string_view url);

  // `target` is the path and query ("/api/tasks?limit=5"); `body` is sent when not empty.
  core::Result<ApiReply> Send(std::string_view method, std::string_view target,
                              std::string_view body = {}) const;

  // Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
  static std::string EncodeQueryValue(std::string_view value);

 private:
  std::string base_url_;  // without a trailing slash
  std::string key_;
  std::chrono::milliseconds timeout_;
};

// `text` with every occurrence of `secret` replaced by "<redacted>" (defence in depth for
// messages that might quote a request).
std::string RedactSecret(std::string text, std::string_view secret);

}  // namespace backbeat::app
