#pragma once

#include <memory>
#include <string>

#include "backbeat/core/status.hpp"
#include "backbeat/executors/command_executor.hpp"
#include "backbeat/executors/executor.hpp"
#include "backbeat/executors/openai_executor.hpp"
#include "backbeat/executors/webhook_executor.hpp"

namespace backbeat::executors {

// Which executor runs the attempts, with the settings of each kind (only the chosen kind's are
// read). A plain value, filled from configuration by the app.
struct ExecutorConfig {
  std::string kind = "dry-run";  // "dry-run" | "openai" | "webhook" | "command"
  // The model of tasks that name none, for every kind (the openai settings' own default_model
  // wins when set there).
  std::string default_model;
  OpenAiOptions openai;
  WebhookOptions webhook;
  CommandOptions command;
};

// Builds the configured executor, validating its settings: InvalidArgument with a message naming
// the setting for an unknown kind, a URL that is not http(s), a missing secret or model, a
// program that is not an absolute path to an executable. Call once at start-up and fail fast.
core::Result<std::unique_ptr<Executor>> MakeExecutor(const ExecutorConfig& config);

}  // namespace backbeat::executors
