#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"

namespace backbeat::executors {

// One attempt of one run, as the executor pool hands it to an Executor. A view: the task, the
// run and the cancel flag belong to the caller and must outlive the Execute() call.
struct ExecutionRequest {
  const core::Task& task;
  const core::Run& run;
  int attempt = 1;  // 1-based
  // The owner's primary email, empty when unknown. Shown to the model as context only.
  std::string account_email;
  // The bound of this attempt: when it passes, the attempt ends kTimedOut.
  std::chrono::milliseconds timeout{std::chrono::seconds(core::kDefaultTimeoutSeconds)};
  // Set (by any thread) to ask the attempt to stop; may be null. Executors poll it at least
  // every 100 ms while they wait on the outside world.
  const std::atomic<bool>* cancel = nullptr;
};

// How an attempt ended. A plain value; the pool records it on the run.
struct ExecutionResult {
  enum class Outcome { kSucceeded, kFailed, kTimedOut, kCanceled };

  Outcome outcome = Outcome::kSucceeded;
  // The run's `output` document (JSON text) on success; nullopt otherwise.
  std::optional<std::string> output_json;
  // Set unless the attempt succeeded. Names: "TimeoutError", "CanceledError", "RateLimitError",
  // "UpstreamError", "ConnectionError", ... (each executor documents its own).
  std::optional<core::RunError> error;
  // Whether another attempt of the same run may succeed (a 429, a 5xx, a dropped connection, a
  // timeout). False for success, cancellation and failures that would only repeat themselves
  // (a 400, a bad API key, a non-zero exit code). The pool decides; this is advice.
  bool retryable = false;
  double cost_in_cents = 0;
  int64_t duration_ms = 0;
};

std::string_view OutcomeName(ExecutionResult::Outcome outcome);  // "succeeded", "failed", ...

// Results in their usual shapes (duration_ms is left for the executor to fill).
ExecutionResult Succeeded(std::string output_json, double cost_in_cents = 0);
ExecutionResult Failed(std::string name, std::string message, bool retryable);
// "TimeoutError", retryable.
ExecutionResult TimedOut(std::chrono::milliseconds timeout);
// "CanceledError", not retryable.
ExecutionResult Canceled();

// Runs one attempt of a run somewhere: nowhere (dry-run), an OpenAI-compatible chat endpoint, a
// webhook, a local program. Execute() blocks until the attempt has ended, bounded by
// request.timeout (plus a small grace for clean-up) and by request.cancel; it never throws and
// reports every failure in the result.
//
// Thread-safety: implementations are immutable after construction, so Execute() may run on
// many threads at once.
class Executor {
 public:
  virtual ~Executor() = default;
  // The configuration name of the kind: "dry-run", "openai", "webhook", "command".
  virtual std::string_view name() const = 0;
  virtual ExecutionResult Execute(const ExecutionRequest& request) = 0;
};

}  // namespace backbeat::executors
