#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/status.hpp"

namespace backbeat::executors {

// Transport settings shared by the HTTP executors. TLS peers are always verified (certificate
// and host name); only http and https are spoken, for the first request and for redirects.
struct HttpOptions {
  // Establishing the connection (DNS, TCP, TLS) must finish within this; it also counts
  // against the attempt's timeout.
  std::chrono::milliseconds connect_timeout{10'000};
  // nullopt: libcurl's environment (http_proxy, https_proxy, no_proxy); "": never a proxy;
  // otherwise the proxy URL.
  std::optional<std::string> proxy;
  // A PEM bundle of trusted CAs (a private CA); empty: the system store.
  std::string ca_file;
  // Redirects are not followed unless enabled, and then at most 5, to http(s) only.
  bool follow_redirects = false;
  std::string user_agent = "backbeat";
};

// InvalidArgument unless `url` is an absolute http:// or https:// URL with a host; the message
// names `what` ("openai.base_url"). Used at configuration time, so a bad URL fails start-up.
core::Status ValidateHttpUrl(std::string_view url, std::string_view what);

// One POST with a bounded response, a deadline and a cancel flag.
struct HttpPost {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{30'000};
  // The body is kept up to this size; a longer one stops the transfer there (truncated).
  size_t max_response_bytes = size_t{1024} * 1024;
  const std::atomic<bool>* cancel = nullptr;  // may be null
};

struct HttpReply {
  enum class Kind {
    kResponse,      // a status line arrived (any status)
    kTimedOut,      // the deadline passed first
    kCanceled,      // the cancel flag was seen set
    kNetworkError,  // DNS, connect, TLS, reset, protocol refused, ...
  };
  Kind kind = Kind::kNetworkError;
  int status = 0;
  std::string body;
  bool truncated = false;  // the body was cut at max_response_bytes
  std::string content_type;
  std::string error;  // what went wrong, for kNetworkError
};

// Sends `post` with libcurl and blocks until a reply, the deadline or cancellation (seen within
// 50 ms). Never throws. Thread-safe: each call uses its own handles.
HttpReply PostHttp(const HttpPost& post, const HttpOptions& options);

}  // namespace backbeat::executors
