#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backbeat/core/status.hpp"
#include "backbeat/executors/executor.hpp"
#include "backbeat/executors/http_transport.hpp"

namespace backbeat::executors {

struct OpenAiOptions {
  // The API root, e.g. "https://api.openai.com/v1", "http://localhost:8000/v1" (vLLM),
  // "http://localhost:11434/v1" (Ollama); "/chat/completions" is appended. http(s) only.
  std::string base_url;
  // Sent as "Authorization: Bearer <key>" when not empty.
  std::string api_key;
  // The model of tasks that name none. Required: a task without a model must still run.
  std::string default_model;
  // Prices in cents per million tokens, for the run's costInCents.
  double input_cents_per_million_tokens = 0;
  double output_cents_per_million_tokens = 0;
  // Sent as max_tokens when set.
  std::optional<int> max_tokens;
  // A larger response fails the attempt (ResponseTooLargeError).
  size_t max_response_bytes = size_t{1024} * 1024;
  HttpOptions http;
};

// Runs the task's prompt through an OpenAI-compatible chat completions endpoint (OpenAI, vLLM,
// llama.cpp server, Ollama): POST <base_url>/chat/completions with
//   {"model", "messages":[system context (artist, account, task, schedule, slot), user prompt]}
// and on 2xx answers the run's output
//   {"text", "model", "finish_reason", "usage":{"prompt_tokens","completion_tokens",
//    "total_tokens"}}
// (text null when the model returned none) with cost = tokens x configured prices.
//
// Failures: 429 RateLimitError and 408/5xx UpstreamError (retryable); connection problems
// ConnectionError (retryable); 401/403 AuthenticationError and other statuses
// InvalidRequestError (not retryable); a 2xx that is not a chat completion InvalidResponseError
// and one over max_response_bytes ResponseTooLargeError (not retryable: they would repeat);
// the attempt's timeout TimeoutError (kTimedOut); the cancel flag kCanceled. Error messages quote
// the upstream's own error message when it gives one.
//
// Thread-safety: immutable after Create(); Execute() may run on many threads at once.
class OpenAiExecutor : public Executor {
 public:
  // InvalidArgument for a base URL that is not http(s), a missing default model, negative
  // prices, a zero response bound.
  static core::Result<std::unique_ptr<OpenAiExecutor>> Create(OpenAiOptions options);

  std::string_view name() const override { return "openai"; }
  ExecutionResult Execute(const ExecutionRequest& request) override;

  // The endpoint requests go to.
  const std::string& url() const { return url_; }

 private:
  explicit OpenAiExecutor(OpenAiOptions options);

  const OpenAiOptions options_;
  const std::string url_;
};

}  // namespace backbeat::executors
