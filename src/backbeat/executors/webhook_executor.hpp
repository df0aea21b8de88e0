#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "backbeat/core/status.hpp"
#include "backbeat/executors/executor.hpp"
#include "backbeat/executors/http_transport.hpp"

namespace backbeat::executors {

struct WebhookOptions {
  std::string url;  // http(s) only
  // The HMAC-SHA256 key of X-Backbeat-Signature. Required: receivers must be able to tell
  // backbeat's calls from anyone else's.
  std::string secret;
  // Put in the payload's `model` for tasks that name none (may be empty: null).
  std::string default_model;
  // The response body kept in the output; a longer one is cut here (and marked truncated).
  size_t max_response_bytes = size_t{64} * 1024;
  HttpOptions http;
  // The wall clock of X-Backbeat-Timestamp; null: the system clock. Injected for tests.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Hands the run to someone else's HTTP endpoint: POSTs the run payload (BuildRunPayload in
// payload.hpp, plus "timestamp", the Unix seconds also sent as X-Backbeat-Timestamp, so the
// signed body authenticates the time too) with
//   Content-Type: application/json
//   X-Backbeat-Signature: sha256=<lowercase hex HMAC-SHA256 of the exact body under secret>
//   X-Backbeat-Timestamp: <Unix seconds>
//   X-Backbeat-Run-Id, X-Backbeat-Attempt (a receiver may deduplicate on the pair)
// A 2xx completes the attempt with output {"status", "body", "truncated"} where body is the
// response parsed as JSON when it is JSON, else the text (null when empty), cut at
// max_response_bytes (then always text). Other statuses fail it: 429 RateLimitError and
// 408/5xx UpstreamError (retryable), others WebhookError (not retryable, redirects included);
// connection problems ConnectionError (retryable); the timeout TimeoutError (kTimedOut).
//
// Thread-safety: immutable after Create(); Execute() may run on many threads at once (the
// injected clock must be thread-safe).
class WebhookExecutor : public Executor {
 public:
  // InvalidArgument for a URL that is not http(s), an empty secret or a zero response bound.
  static core::Result<std::unique_ptr<WebhookExecutor>> Create(WebhookOptions options);

  std::string_view name() const override { return "webhook"; }
  ExecutionResult Execute(const ExecutionRequest& request) override;

 private:
  explicit WebhookExecutor(WebhookOptions options) : options_(std::move(options)) {}

  const WebhookOptions options_;
};

// Lowercase hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

}  // namespace backbeat::executors
