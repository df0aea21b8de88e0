#include "backbeat/executors/executor_factory.hpp"

#include <utility>

#include "backbeat/executors/dry_run_executor.hpp"

namespace backbeat::executors {
namespace {

// Widens a Result<unique_ptr<Derived>> to a Result<unique_ptr<Executor>>.
template <typename T>
core::Result<std::unique_ptr<Executor>> Widen(core::Result<std::unique_ptr<T>> made) {
  if (!made.ok()) return made.status();
  return std::unique_ptr<Executor>(std::move(made).value());
}

}  // namespace

core::Result<std::unique_ptr<Executor>> MakeExecutor(const ExecutorConfig& config) {
  if (config.kind == "dry-run") {
    return std::unique_ptr<Executor>(std::make_unique<DryRunExecutor>(config.default_model));
  }
  if (config.kind == "openai") {
    OpenAiOptions options = config.openai;
    if (options.default_model.empty()) options.default_model = config.default_model;
    return Widen(OpenAiExecutor::Create(std::move(options)));
  }
  if (config.kind == "webhook") {
    WebhookOptions options = config.webhook;
    if (options.default_model.empty()) options.default_model = config.default_model;
    return Widen(WebhookExecutor::Create(std::move(options)));
  }
  if (config.kind == "command") {
    CommandOptions options = config.command;
    if (options.default_model.empty()) options.default_model = config.default_model;
    return Widen(CommandExecutor::Create(std::move(options)));
  }
  return core::InvalidArgument("executor.kind: unknown executor '" + config.kind +
                               "' (expected dry-run, openai, webhook or command)");
}

}  // namespace backbeat::executors
