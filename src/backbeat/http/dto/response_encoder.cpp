#include "backbeat/http/dto/response_encoder.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/http/dto/json_writer.hpp"
#include "backbeat/http/dto/request_decoder.hpp"

#ifndef BACKBEAT_VERSION
#define BACKBEAT_VERSION "0.0.0"
#endif

namespace backbeat::http::dto {
namespace {

namespace json = boost::json;

// Bodies are written straight to text with JsonWriter, in the exact bytes Boost.JSON's
// serializer gave for the DOM this file used to build (tests/unit/http/response_encoder_test.cpp
// holds it to that): building and serialising the DOM cost most of the encoding time of a GET.

core::Millis ToMillis(core::Instant t) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

void OptionalTimestamp(JsonWriter& w, const std::optional<core::Millis>& t) {
  if (t) {
    w.Timestamp(*t);
  } else {
    w.Null();
  }
}

void OptionalString(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    w.String(*s);
  } else {
    w.Null();
  }
}

// "<prefix><value>" as one string, without concatenating first.
void Prefixed(JsonWriter& w, std::string_view prefix, std::string_view value) {
  w.BeginString();
  w.StringPiece(prefix);
  w.StringPiece(value);
  w.EndString();
}

// Whole numbers print as integers: Boost.JSON writes every double in exponent form ("0E0").
void Number(JsonWriter& w, double d) {
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) <= kMaxExact) {
    w.Int(static_cast<int64_t>(d));
  } else {
    w.Double(d);  // null when not finite: JSON has no infinity
  }
}

// Stored JSON documents (payload, output), re-serialised so that their whitespace and number
// forms are normalised; null if the text is not JSON, which would be a bug upstream but must not
// break the response. Detail form only, so the DOM's cost does not matter here.
void Stored(JsonWriter& w, std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) {
    w.Null();
  } else {
    w.Raw(json::serialize(value));
  }
}

void Error(JsonWriter& w, const std::optional<core::RunError>& error) {
  if (!error) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Key("message");
  w.String(error->message);
  w.Key("name");
  w.String(error->name);
  w.Key("stackTrace");
  w.String(error->stack_trace);
  w.EndObject();
}

// The English description of a stored schedule (the expression itself if it no longer parses).
// Stored expressions were validated when written; seconds are allowed here so that a server
// that has since disabled them can still describe old tasks and runs.
std::string DescribeSchedule(const std::string& expression) {
  auto parsed = core::cron::CronExpression::Parse(expression,
                                                  core::cron::ParseOptions{.allow_seconds = true});
  return parsed.ok() ? parsed->Describe() : expression;
}

// Memoised DescribeSchedule: every task in a response shows its description, and parsing the
// expression each time cost more than the rest of the task. The description is a pure function
// of the text, so the cache cannot change an answer, only save the work. Bounded by emptying it
// when full (tasks share few distinct expressions; a full cache means an unusual mix, for which
// starting over is as good as any eviction). Thread-safe: encoders run on every worker thread.
class DescriptionCache {
 public:
  // Writes the description of `expression` as one string value.
  void Write(JsonWriter& w, const std::string& expression) {
    // Longer texts never parse (the engine's limit); they would only take room from real ones.
    if (expression.size() > core::cron::CronExpression::kMaxLength) {
      w.String(DescribeSchedule(expression));
      return;
    }
    {
      std::shared_lock lock(mutex_);
      auto found = descriptions_.find(expression);
      if (found != descriptions_.end()) {
        w.String(found->second);
        return;
      }
    }
    std::string description = DescribeSchedule(expression);  // outside the lock: the slow part
    w.String(description);
    std::unique_lock lock(mutex_);
    if (descriptions_.size() >= kMaxEntries) descriptions_.clear();
    descriptions_.emplace(expression, std::move(description));
  }

 private:
  static constexpr size_t kMaxEntries = 4096;

  std::shared_mutex mutex_;
  std::unordered_map<std::string, std::string> descriptions_;  // guarded by mutex_
};

DescriptionCache& Descriptions() {
  // Never destroyed: a worker thread may still encode a response while statics are torn down at
  // exit.
  static DescriptionCache* const cache = new DescriptionCache;
  return *cache;
}

// The members of the list form, without the braces, so that the detail form can add its own.
void RunListMembers(JsonWriter& w, const core::Run& run) {
  w.Key("id");
  w.String(run.id);
  w.Key("status");
  w.String(core::RunStatusName(run.status));
  w.Key("taskIdentifier");
  w.String(kTaskIdentifier);
  w.Key("idempotencyKey");
  if (run.idempotency_key) {
    w.String(*run.idempotency_key);
  } else if (run.slot) {
    // SlotIdempotencyKey, written without building the string.
    w.BeginString();
    w.StringPiece(run.task_id);
    w.StringPiece(":");
    w.TimestampPiece(ToMillis(*run.slot));
    w.EndString();
  } else {
    w.Null();
  }
  w.Key("version");
  w.String(BACKBEAT_VERSION);
  w.Key("isTest");
  w.Bool(run.is_test);
  w.Key("createdAt");
  w.Timestamp(run.created_at);
  w.Key("updatedAt");
  w.Timestamp(run.updated_at);
  w.Key("startedAt");
  OptionalTimestamp(w, run.started_at);
  w.Key("finishedAt");
  OptionalTimestamp(w, run.finished_at);
  w.Key("delayedUntil");
  OptionalTimestamp(w, run.delayed_until);
  // Trigger.dev's duration syntax ("3600s"), as its SDK accepts and shows it.
  w.Key("ttl");
  if (run.ttl_seconds) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *run.ttl_seconds);
    (void)ec;  // 24 characters always suffice for an int64
    w.BeginString();
    w.StringPiece(std::string_view(digits, static_cast<size_t>(end - digits)));
    w.StringPiece("s");
    w.EndString();
  } else {
    w.Null();
  }
  w.Key("expiredAt");
  OptionalTimestamp(w, run.expired_at);
  w.Key("tags");
  w.BeginArray();
  Prefixed(w, "account:", run.account_id);
  Prefixed(w, "task:", run.task_id);
  Prefixed(w, "artist:", run.artist_account_id);
  w.EndArray();
  w.Key("metadata");
  w.BeginObject();
  w.EndObject();
  w.Key("costInCents");
  Number(w, run.cost_in_cents);
  w.Key("baseCostInCents");
  Number(w, run.base_cost_in_cents);
  w.Key("durationMs");
  w.Int(run.duration_ms);
  w.Key("env");
  w.BeginObject();
  w.Key("id");
  w.String(kEnvId);
  w.Key("name");
  w.String(kEnvName);
  w.Key("user");
  w.Null();
  w.EndObject();
  w.Key("depth");
  w.Int(0);
  w.Key("batchId");
  w.Null();
  w.Key("triggerFunction");
  w.String("trigger");
}

void RunList(JsonWriter& w, const core::Run& run) {
  w.BeginObject();
  RunListMembers(w, run);
  w.EndObject();
}

// Only scheduled runs have a schedule; trigger-now runs show null, as Trigger.dev does for
// runs not started by a schedule.
void Schedule(JsonWriter& w, const core::Run& run) {
  if (!run.slot || run.schedule_expression.empty()) {
    w.Null();
    return;
  }
  core::Task owner;
  owner.id = run.task_id;
  owner.enabled = true;
  w.BeginObject();
  w.Key("id");
  w.String(core::TriggerScheduleId(owner).value_or(""));
  w.Key("generator");
  w.BeginObject();
  w.Key("type");
  w.String("CRON");
  w.Key("expression");
  w.String(run.schedule_expression);
  w.Key("description");
  Descriptions().Write(w, run.schedule_expression);
  w.EndObject();
  w.EndObject();
}

void RunDetail(JsonWriter& w, const core::Run& run) {
  w.BeginObject();
  RunListMembers(w, run);
  w.Key("payload");
  Stored(w, run.payload_json);
  w.Key("output");
  if (run.output_json) {
    Stored(w, *run.output_json);
  } else {
    w.Null();
  }
  w.Key("error");
  Error(w, run.error);
  w.Key("attempts");
  w.BeginArray();
  for (const core::RunAttempt& a : run.attempts) {
    w.BeginObject();
    w.Key("id");
    w.String(a.id);
    w.Key("status");
    w.String(a.status);
    w.Key("createdAt");
    w.Timestamp(a.created_at);
    w.Key("updatedAt");
    w.Timestamp(a.updated_at);
    w.Key("startedAt");
    OptionalTimestamp(w, a.started_at);
    w.Key("completedAt");
    OptionalTimestamp(w, a.completed_at);
    w.Key("error");
    Error(w, a.error);
    w.EndObject();
  }
  w.EndArray();
  w.Key("schedule");
  Schedule(w, run);
  w.Key("relatedRuns");
  w.BeginObject();
  w.Key("root");
  w.Null();
  w.Key("parent");
  w.Null();
  w.Key("children");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

void Task(JsonWriter& w, const TaskView& view) {
  const core::Task& t = view.task;
  w.BeginObject();
  w.Key("id");
  w.String(t.id);
  w.Key("title");
  w.String(t.title);
  w.Key("prompt");
  w.String(t.prompt);
  w.Key("schedule");
  w.String(t.schedule);
  w.Key("timezone");
  w.String(t.timezone);
  w.Key("account_id");
  w.String(t.account_id);
  w.Key("artist_account_id");
  w.String(t.artist_account_id);
  w.Key("enabled");
  w.Bool(t.enabled);
  w.Key("model");
  OptionalString(w, t.model);
  w.Key("trigger_schedule_id");
  OptionalString(w, core::TriggerScheduleId(t));
  w.Key("created_at");
  w.Timestamp(t.created_at);
  w.Key("updated_at");
  w.Timestamp(t.updated_at);
  w.Key("recent_runs");
  w.BeginArray();
  for (const core::Run& run : view.recent_runs) RunList(w, run);
  w.EndArray();
  // API.md: [] while disabled, whatever the caller computed.
  w.Key("upcoming");
  w.BeginArray();
  if (t.enabled) {
    for (core::Instant at : view.upcoming) w.Timestamp(ToMillis(at));
  }
  w.EndArray();
  w.Key("owner_email");
  OptionalString(w, view.owner_email);
  w.Key("overlap");
  w.String(core::OverlapName(t.overlap));
  w.Key("catchup");
  w.String(core::CatchupName(t.catchup));
  w.Key("catchup_window_seconds");
  w.Int(t.catchup_window_seconds);
  w.Key("max_attempts");
  w.Int(t.max_attempts);
  w.Key("timeout_seconds");
  w.Int(t.timeout_seconds);
  // Extension: the schedule in English, from the same describer as run schedules, so clients
  // (the dashboard) show the server's reading of the expression instead of their own.
  w.Key("schedule_description");
  Descriptions().Write(w, t.schedule);
  w.EndObject();
}

// Rough sizes of the encoded objects, so that a body is allocated about once rather than grown
// through every power of two. Under-estimates only cost a reallocation.
constexpr size_t kRunListBytes = 700;
constexpr size_t kTaskBytes = 800;

std::string TasksBody(std::span<const TaskView> tasks, const std::optional<std::string>* cursor) {
  size_t estimate = 64;
  for (const TaskView& view : tasks) {
    estimate += kTaskBytes + view.task.title.size() + view.task.prompt.size() +
                view.recent_runs.size() * kRunListBytes + view.upcoming.size() * 30;
  }
  std::string body;
  body.reserve(estimate);
  JsonWriter w(body);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("tasks");
  w.BeginArray();
  for (const TaskView& view : tasks) Task(w, view);
  w.EndArray();
  if (cursor != nullptr) {
    w.Key("next_cursor");
    OptionalString(w, *cursor);
  }
  w.EndObject();
  return body;
}

std::string RunsBody(std::span<const core::Run> runs, RunForm form,
                     const std::optional<std::string>* cursor) {
  size_t estimate = 64;
  for (const core::Run& run : runs) {
    estimate += kRunListBytes;
    if (form == RunForm::kDetail) {
      estimate += 300 + run.payload_json.size() + run.output_json.value_or("").size() +
                  run.attempts.size() * 250;
    }
  }
  std::string body;
  body.reserve(estimate);
  JsonWriter w(body);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("runs");
  w.BeginArray();
  for (const core::Run& run : runs) {
    if (form == RunForm::kDetail) {
      RunDetail(w, run);
    } else {
      RunList(w, run);
    }
  }
  w.EndArray();
  if (cursor != nullptr) {
    w.Key("next_cursor");
    OptionalString(w, *cursor);
  }
  w.EndObject();
  return body;
}

}  // namespace

std::string SlotIdempotencyKey(std::string_view task_id, core::Instant slot) {
  return std::string(task_id) + ":" + core::FormatIso8601Millis(ToMillis(slot));
}

std::string EncodeTasks(std::span<const TaskView> tasks,
                        const std::optional<std::string>& next_cursor) {
  return TasksBody(tasks, &next_cursor);
}

std::string EncodeTasks(std::span<const TaskView> tasks) { return TasksBody(tasks, nullptr); }

std::string EncodeRuns(std::span<const core::Run> runs,
                       const std::optional<std::string>& next_cursor) {
  return RunsBody(runs, RunForm::kList, &next_cursor);
}

std::string EncodeRuns(std::span<const core::Run> runs, RunForm form) {
  return RunsBody(runs, form, nullptr);
}

std::string EncodeError(const core::Status& status) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("status");
  w.String("error");
  w.Key("error");
  w.String(status.message());
  w.Key("message");
  w.String(status.message());
  if (status.code() == core::ErrorCode::kInvalidArgument) {
    w.Key("missing_fields");
    w.BeginArray();
    if (!status.field().empty()) w.String(status.field());
    w.EndArray();
  }
  w.EndObject();
  return body;
}

std::string EncodeSuccess() { return R"({"status":"success"})"; }

}  // namespace backbeat::http::dto
