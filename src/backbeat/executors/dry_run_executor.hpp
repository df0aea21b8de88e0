#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "backbeat/executors/executor.hpp"

namespace backbeat::executors {

// The embedded default: calls nothing and succeeds at once. Its output records exactly what an
// openai executor would send, so a new deployment can be checked end to end before any model is
// wired in:
//   {"executor":"dry-run","model","messages":[system, user],"artist_account_id",
//    "account":{"id","email"},"task":{"id","title"},"schedule","timezone","slot","run_id",
//    "attempt"}
// `model` is the task's, else the configured default, else null; `slot` is null for trigger-now
// runs. Cost is 0. A set cancel flag ends the attempt kCanceled.
//
// Thread-safety: immutable; Execute() may run on many threads at once.
class DryRunExecutor : public Executor {
 public:
  explicit DryRunExecutor(std::string default_model = {})
      : default_model_(std::move(default_model)) {}

  std::string_view name() const override { return "dry-run"; }
  ExecutionResult Execute(const ExecutionRequest& request) override;

 private:
  const std::string default_model_;
};

}  // namespace backbeat::executors
