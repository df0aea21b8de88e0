#include "backbeat/executors/dry_run_executor.hpp"

#include <boost/json.hpp>

#include "backbeat/executors/payload.hpp"

namespace backbeat::executors {

namespace json = boost::json;

ExecutionResult DryRunExecutor::Execute(const ExecutionRequest& request) {
  if (request.cancel != nullptr && request.cancel->load()) return Canceled();
  const core::Task& task = request.task;
  const std::string model = EffectiveModel(task, default_model_);
  const std::string slot = SlotText(request.run);
  json::object output{
      {"executor", "dry-run"},
      {"model", model.empty() ? json::value(nullptr) : json::value(model)},
      {"messages", MessagesToJson(RenderMessages(request))},
      {"artist_account_id", task.artist_account_id},
      {"account",
       json::object{{"id", task.account_id},
                    {"email", request.account_email.empty() ? json::value(nullptr)
                                                            : json::value(request.account_email)}}},
      {"task", json::object{{"id", task.id}, {"title", task.title}}},
      {"schedule", EffectiveSchedule(request)},
      {"timezone", EffectiveTimezone(request)},
      {"slot", slot.empty() ? json::value(nullptr) : json::value(slot)},
      {"run_id", request.run.id},
      {"attempt", request.attempt},
  };
  return Succeeded(json::serialize(output));
}

}  // namespace backbeat::executors
