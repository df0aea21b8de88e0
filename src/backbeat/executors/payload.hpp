#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/executors/executor.hpp"

namespace backbeat::executors {

// One chat message as OpenAI-compatible APIs take it.
struct ChatMessage {
  std::string role;  // "system" or "user"
  std::string content;
  friend bool operator==(const ChatMessage&, const ChatMessage&) = default;
};

// The model an attempt uses: the task's own, else `default_model` (empty when neither is set).
std::string EffectiveModel(const core::Task& task, std::string_view default_model);

// The schedule the run was created under (the run's copy; the task's for runs that carry none).
std::string_view EffectiveSchedule(const ExecutionRequest& request);
std::string_view EffectiveTimezone(const ExecutionRequest& request);

// The run's slot as the API writes it ("2026-03-27T09:00:00.000Z"); empty for trigger-now runs.
std::string SlotText(const core::Run& run);

// What a model is told: a system message with the context (artist, account, task, schedule,
// slot) and the task's prompt, verbatim, as the user message.
std::vector<ChatMessage> RenderMessages(const ExecutionRequest& request);

boost::json::array MessagesToJson(const std::vector<ChatMessage>& messages);

// The run payload that webhooks receive and commands read on stdin:
//   {"event":"run.attempt",
//    "run":{"id","attempt","slot","idempotency_key","is_test"},
//    "task":{"id","title","prompt","schedule","timezone","model"},
//    "account":{"id","email"}, "artist_account_id",
//    "model", "messages":[{"role","content"}...], "timeout_ms"}
// `slot`, `idempotency_key`, `email` and the models are null when absent.
boost::json::object BuildRunPayload(const ExecutionRequest& request,
                                    std::string_view default_model);

}  // namespace backbeat::executors
