#include "backbeat/executors/executor.hpp"

#include <utility>

namespace backbeat::executors {

std::string_view OutcomeName(ExecutionResult::Outcome outcome) {
  switch (outcome) {
    case ExecutionResult::Outcome::kSucceeded:
      return "succeeded";
    case ExecutionResult::Outcome::kFailed:
      return "failed";
    case ExecutionResult::Outcome::kTimedOut:
      return "timed_out";
    case ExecutionResult::Outcome::kCanceled:
      return "canceled";
  }
  return "unknown";
}

ExecutionResult Succeeded(std::string output_json, double cost_in_cents) {
  ExecutionResult result;
  result.outcome = ExecutionResult::Outcome::kSucceeded;
  result.output_json = std::move(output_json);
  result.cost_in_cents = cost_in_cents;
  return result;
}

ExecutionResult Failed(std::string name, std::string message, bool retryable) {
  ExecutionResult result;
  result.outcome = ExecutionResult::Outcome::kFailed;
  result.error =
      core::RunError{.message = std::move(message), .name = std::move(name), .stack_trace = {}};
  result.retryable = retryable;
  return result;
}

ExecutionResult TimedOut(std::chrono::milliseconds timeout) {
  ExecutionResult result;
  result.outcome = ExecutionResult::Outcome::kTimedOut;
  result.error = core::RunError{
      .message = "Attempt exceeded its timeout of " + std::to_string(timeout.count()) + " ms",
      .name = "TimeoutError",
      .stack_trace = {}};
  result.retryable = true;
  return result;
}

ExecutionResult Canceled() {
  ExecutionResult result;
  result.outcome = ExecutionResult::Outcome::kCanceled;
  result.error =
      core::RunError{.message = "Run was canceled", .name = "CanceledError", .stack_trace = {}};
  return result;
}

}  // namespace backbeat::executors
