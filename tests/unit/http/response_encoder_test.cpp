// The encoder's exact bytes. The encoder writes text directly; these tests hold it to the document
// a Boost.JSON DOM gives for the same inputs once serialised by Boost.JSON, which is what the
// encoder produced before it stopped building a DOM, so clients see no change in a single byte.
// dto_test.cpp checks the shapes against API.md.

#include "backbeat/http/dto/response_encoder.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/http/dto/request_decoder.hpp"

namespace backbeat::http::dto {
namespace {

namespace json = boost::json;

constexpr const char* kTaskId = "0b7e2f4a-93c1-4d2e-8f00-1234567890ab";

// ---------------------------------------------------------------------------------------------
// The reference: the response as a DOM, key by key in API.md's order.

json::value Timestamp(core::Millis t) { return json::string(core::FormatIso8601Millis(t)); }

json::value OptionalTimestamp(const std::optional<core::Millis>& t) {
  return t ? Timestamp(*t) : json::value(nullptr);
}

json::value OptionalString(const std::optional<std::string>& s) {
  return s ? json::value(json::string(*s)) : json::value(nullptr);
}

// Whole doubles up to 2^53 are integers; NaN and infinities null; the rest Boost.JSON doubles.
json::value Number(double d) {
  if (!std::isfinite(d)) return nullptr;
  if (d == std::trunc(d) && std::fabs(d) <= 9007199254740992.0) return static_cast<int64_t>(d);
  return d;
}

json::value Stored(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, options);
  return ec ? json::value(nullptr) : v;
}

json::value Error(const std::optional<core::RunError>& e) {
  if (!e) return nullptr;
  return json::object{{"message", e->message}, {"name", e->name}, {"stackTrace", e->stack_trace}};
}

std::string Describe(const std::string& expression) {
  auto parsed = core::cron::CronExpression::Parse(expression, {.allow_seconds = true});
  return parsed.ok() ? parsed->Describe() : expression;
}

json::object ExpectedRun(const core::Run& run, RunForm form) {
  json::object o;
  o["id"] = run.id;
  o["status"] = core::RunStatusName(run.status);
  o["taskIdentifier"] = "customer-prompt-task";
  if (run.idempotency_key) {
    o["idempotencyKey"] = *run.idempotency_key;
  } else if (run.slot) {
    o["idempotencyKey"] = SlotIdempotencyKey(run.task_id, *run.slot);
  } else {
    o["idempotencyKey"] = nullptr;
  }
  o["version"] = BACKBEAT_VERSION;
  o["isTest"] = run.is_test;
  o["createdAt"] = Timestamp(run.created_at);
  o["updatedAt"] = Timestamp(run.updated_at);
  o["startedAt"] = OptionalTimestamp(run.started_at);
  o["finishedAt"] = OptionalTimestamp(run.finished_at);
  o["delayedUntil"] = OptionalTimestamp(run.delayed_until);
  o["ttl"] =
      run.ttl_seconds ? json::value(std::to_string(*run.ttl_seconds) + "s") : json::value(nullptr);
  o["expiredAt"] = OptionalTimestamp(run.expired_at);
  o["tags"] =
      json::array{json::value("account:" + run.account_id), json::value("task:" + run.task_id),
                  json::value("artist:" + run.artist_account_id)};
  o["metadata"] = json::object{};
  o["costInCents"] = Number(run.cost_in_cents);
  o["baseCostInCents"] = Number(run.base_cost_in_cents);
  o["durationMs"] = run.duration_ms;
  o["env"] = json::object{{"id", "env_prod"}, {"name", "prod"}, {"user", nullptr}};
  o["depth"] = 0;
  o["batchId"] = nullptr;
  o["triggerFunction"] = "trigger";
  if (form == RunForm::kList) return o;
  o["payload"] = Stored(run.payload_json);
  o["output"] = run.output_json ? Stored(*run.output_json) : json::value(nullptr);
  o["error"] = Error(run.error);
  json::array attempts;
  for (const core::RunAttempt& a : run.attempts) {
    attempts.push_back(json::object{{"id", a.id},
                                    {"status", a.status},
                                    {"createdAt", Timestamp(a.created_at)},
                                    {"updatedAt", Timestamp(a.updated_at)},
                                    {"startedAt", OptionalTimestamp(a.started_at)},
                                    {"completedAt", OptionalTimestamp(a.completed_at)},
                                    {"error", Error(a.error)}});
  }
  o["attempts"] = std::move(attempts);
  if (run.slot && !run.schedule_expression.empty()) {
    core::Task owner;
    owner.id = run.task_id;
    o["schedule"] = json::object{
        {"id", *core::TriggerScheduleId(owner)},
        {"generator", json::object{{"type", "CRON"},
                                   {"expression", run.schedule_expression},
                                   {"description", Describe(run.schedule_expression)}}}};
  } else {
    o["schedule"] = nullptr;
  }
  o["relatedRuns"] =
      json::object{{"root", nullptr}, {"parent", nullptr}, {"children", json::array{}}};
  return o;
}

json::object ExpectedTask(const TaskView& view) {
  const core::Task& t = view.task;
  json::object o;
  o["id"] = t.id;
  o["title"] = t.title;
  o["prompt"] = t.prompt;
  o["schedule"] = t.schedule;
  o["timezone"] = t.timezone;
  o["account_id"] = t.account_id;
  o["artist_account_id"] = t.artist_account_id;
  o["enabled"] = t.enabled;
  o["model"] = OptionalString(t.model);
  o["trigger_schedule_id"] = OptionalString(core::TriggerScheduleId(t));
  o["created_at"] = Timestamp(t.created_at);
  o["updated_at"] = Timestamp(t.updated_at);
  json::array runs;
  for (const core::Run& run : view.recent_runs) runs.push_back(ExpectedRun(run, RunForm::kList));
  o["recent_runs"] = std::move(runs);
  json::array upcoming;
  if (t.enabled) {
    for (core::Instant at : view.upcoming) {
      upcoming.push_back(Timestamp(std::chrono::time_point_cast<std::chrono::milliseconds>(at)));
    }
  }
  o["upcoming"] = std::move(upcoming);
  o["owner_email"] = OptionalString(view.owner_email);
  o["overlap"] = core::OverlapName(t.overlap);
  o["catchup"] = core::CatchupName(t.catchup);
  o["catchup_window_seconds"] = t.catchup_window_seconds;
  o["max_attempts"] = t.max_attempts;
  o["timeout_seconds"] = t.timeout_seconds;
  o["schedule_description"] = Describe(t.schedule);
  return o;
}

std::string ExpectedTasks(const std::vector<TaskView>& views,
                          const std::optional<std::string>* cursor) {
  json::array tasks;
  for (const TaskView& view : views) tasks.push_back(ExpectedTask(view));
  json::object body{{"status", "success"}, {"tasks", std::move(tasks)}};
  if (cursor != nullptr) body["next_cursor"] = OptionalString(*cursor);
  return json::serialize(body);
}

std::string ExpectedRuns(const std::vector<core::Run>& runs, RunForm form,
                         const std::optional<std::string>* cursor) {
  json::array list;
  for (const core::Run& run : runs) list.push_back(ExpectedRun(run, form));
  json::object body{{"status", "success"}, {"runs", std::move(list)}};
  if (cursor != nullptr) body["next_cursor"] = OptionalString(*cursor);
  return json::serialize(body);
}

// The encoder's output is exactly the reference, and is Boost.JSON's canonical text: parsing
// and serialising it again changes nothing (only for valid UTF-8, which the parser insists on).
void ExpectText(const std::string& actual, const std::string& expected, bool utf8 = true) {
  EXPECT_EQ(actual, expected);
  if (utf8) {
    EXPECT_EQ(json::serialize(json::parse(actual)), actual);
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs that exercise every branch and every escape.

std::string ControlChars() {
  std::string s;
  for (int c = 0; c < 0x20; ++c) s += static_cast<char>(c);
  return s + '\x7f';
}

// Quotes, backslashes, a slash, every control character, DEL and UTF-8 of 2, 3 and 4 bytes.
const std::string kNasty =
    "q\"uo\"te \\back\\slash/ " + ControlChars() + " caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";

core::Millis Ms(int64_t ms) { return core::Millis(std::chrono::milliseconds(ms)); }
core::Instant At(int64_t s) { return core::Instant(std::chrono::seconds(s)); }

// A scheduled run with every optional field set.
core::Run FullRun() {
  core::Run run;
  run.id = "run_abcdefghijklmnopqrstuvwx";
  run.task_id = kTaskId;
  run.account_id = kNasty;
  run.artist_account_id = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d";
  run.status = core::RunStatus::kFailed;
  run.slot = At(1'774'602'000);
  run.idempotency_key = "key " + kNasty;
  run.is_test = true;
  run.created_at = Ms(1'774'602'000'012);
  run.updated_at = Ms(1'774'602'005'999);
  run.started_at = Ms(1'774'602'001'000);
  run.finished_at = Ms(1'774'602'005'000);
  run.delayed_until = Ms(1'774'602'000'500);
  run.expired_at = Ms(1'774'605'600'000);
  run.ttl_seconds = 3600;
  run.cost_in_cents = 1.5;
  run.base_cost_in_cents = 1e20;
  run.duration_ms = 4000;
  run.payload_json =
      " { \"timestamp\" : \"2026-03-27T09:00:00.000Z\", \"n\": [1.0, 1e2, -0, "
      "\"\\u00e9\\/\"], \"type\":\"DECLARATIVE\" } ";
  run.output_json = R"({"text":"done","big":18446744073709551615,"x":0.1})";
  run.error = core::RunError{kNasty, "TimeoutError", "at x\n  at y"};
  run.schedule_expression = "0 9 * * 4";
  core::RunAttempt failed;
  failed.id = "attempt_1";
  failed.status = "FAILED";
  failed.created_at = Ms(1'774'602'001'000);
  failed.updated_at = Ms(1'774'602'003'000);
  failed.started_at = Ms(1'774'602'001'001);
  failed.completed_at = Ms(1'774'602'003'000);
  failed.error = core::RunError{"a\tb", "", ""};
  core::RunAttempt pending;
  pending.id = "attempt_2";
  pending.status = "PENDING";
  pending.created_at = Ms(1'774'602'003'001);
  pending.updated_at = Ms(1'774'602'003'001);
  run.attempts = {failed, pending};
  return run;
}

// A trigger-now run with nothing optional: no slot, key, ttl, error, attempts or output.
core::Run BareRun() {
  core::Run run;
  run.id = "run_0";
  run.task_id = kTaskId;
  run.status = core::RunStatus::kQueued;
  run.created_at = Ms(0);
  run.updated_at = Ms(1);
  run.cost_in_cents = std::nan("");
  run.base_cost_in_cents = -0.0;
  run.payload_json = "not json";
  run.schedule_expression = "0 9 * * 4";  // no slot: still no schedule object
  return run;
}

// A scheduled run without a stored key (the slot's key is shown), with the number edge cases.
core::Run SlotRunWithoutKey() {
  core::Run run = BareRun();
  run.id = "run_1";
  run.status = core::RunStatus::kCompleted;
  run.slot = At(1'774'602'000);
  run.ttl_seconds = 0;
  run.cost_in_cents = 9007199254740992.0;  // 2^53: still an integer
  run.base_cost_in_cents = std::numeric_limits<double>::max();
  run.duration_ms = std::numeric_limits<int64_t>::min();
  run.payload_json = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  run.output_json = "[1,]";
  run.schedule_expression = "*/10 * * * * *";  // seconds: described all the same
  return run;
}

// Costs that are not finite or not whole, an expression that does not parse.
core::Run OddRun() {
  core::Run run = SlotRunWithoutKey();
  run.id = "run_2";
  run.cost_in_cents = std::numeric_limits<double>::infinity();
  run.base_cost_in_cents = -0.1;
  run.ttl_seconds = -5;
  run.payload_json = "";
  run.output_json = "null";
  run.schedule_expression = "not cron";
  return run;
}

core::Run NumberRun(double cost) {
  core::Run run = BareRun();
  run.cost_in_cents = cost;
  run.base_cost_in_cents = -cost;
  return run;
}

core::Task RichTask() {
  core::Task t;
  t.id = kTaskId;
  t.account_id = "848cd58d-700f-4b38-ab4c-d9f52a1b2c3d";
  t.artist_account_id = kNasty;
  t.title = "Weekly \"Genre\" Pulse " + kNasty;
  t.prompt = kNasty + "\n" + kNasty;
  t.schedule = "0 9 * * 4";
  t.timezone = "America/New_York";
  t.model = "gpt-4o";
  t.overlap = core::Overlap::kAllow;
  t.catchup = core::Catchup::kAll;
  t.catchup_window_seconds = 31'536'000;
  t.created_at = Ms(1'772'359'200'007);
  t.updated_at = Ms(1'772'445'600'000);
  return t;
}

core::Task DisabledTask() {
  core::Task t = RichTask();
  t.enabled = false;
  t.model.reset();
  t.schedule = "not cron";
  t.overlap = core::Overlap::kQueue;
  t.catchup = core::Catchup::kNone;
  t.catchup_window_seconds = std::numeric_limits<int64_t>::max();
  t.max_attempts = 10;
  t.timeout_seconds = 86'400;
  return t;
}

core::Task EmptyTask() {
  core::Task t;  // every string empty
  t.timezone.clear();
  return t;
}

const std::vector<core::Instant> kUpcoming = {At(1'774'602'000), At(1'775'206'800)};

// ---------------------------------------------------------------------------------------------
// The encoder against the reference

TEST(ResponseEncoderTest, TasksMatchTheReference) {
  core::Task rich = RichTask();
  core::Task disabled = DisabledTask();
  core::Task empty = EmptyTask();
  std::vector<TaskView> views = {
      {rich, {FullRun(), BareRun(), SlotRunWithoutKey(), OddRun()}, kUpcoming, kNasty},
      {disabled, {}, kUpcoming, std::nullopt},  // upcoming not shown while disabled
      {empty, {}, {}, ""}};
  for (const std::optional<std::string>& cursor :
       {std::optional<std::string>(), std::optional<std::string>("next"),
        std::optional<std::string>(kNasty)}) {
    ExpectText(EncodeTasks(views, cursor), ExpectedTasks(views, &cursor));
  }
  ExpectText(EncodeTasks(views), ExpectedTasks(views, nullptr));
  for (const TaskView& view : views) {
    std::vector<TaskView> one = {view};
    ExpectText(EncodeTasks(one), ExpectedTasks(one, nullptr));
  }
  std::vector<TaskView> none;
  ExpectText(EncodeTasks(none), R"({"status":"success","tasks":[]})");
  ExpectText(EncodeTasks(none, std::nullopt),
             R"({"status":"success","tasks":[],"next_cursor":null})");
}

TEST(ResponseEncoderTest, RunsMatchTheReference) {
  std::vector<core::Run> runs = {FullRun(), BareRun(), SlotRunWithoutKey(), OddRun()};
  for (const std::optional<std::string>& cursor :
       {std::optional<std::string>(), std::optional<std::string>(kNasty)}) {
    ExpectText(EncodeRuns(runs, cursor), ExpectedRuns(runs, RunForm::kList, &cursor));
  }
  for (RunForm form : {RunForm::kList, RunForm::kDetail}) {
    ExpectText(EncodeRuns(runs, form), ExpectedRuns(runs, form, nullptr));
    for (const core::Run& run : runs) {
      std::vector<core::Run> one = {run};
      ExpectText(EncodeRuns(one, form), ExpectedRuns(one, form, nullptr));
    }
  }
  ExpectText(EncodeRuns({}, RunForm::kDetail), R"({"status":"success","runs":[]})");
}

TEST(ResponseEncoderTest, NumbersMatchTheReference) {
  for (double cost :
       {0.0, -0.0, 1.0, 1.5, 0.1, 1e-7, 1e15, 1e20, 1e300, 9007199254740992.0, 9007199254740994.0,
        123456789.125, std::nan(""), std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min()}) {
    std::vector<core::Run> one = {NumberRun(cost)};
    ExpectText(EncodeRuns(one, RunForm::kList), ExpectedRuns(one, RunForm::kList, nullptr));
  }
  std::vector<core::Run> one = {NumberRun(1.5)};
  std::string text = EncodeRuns(one, RunForm::kList);
  EXPECT_NE(text.find(R"("costInCents":1.5E0,"baseCostInCents":-1.5E0,)"), std::string::npos);
  one = {NumberRun(1e20)};
  text = EncodeRuns(one, RunForm::kList);
  EXPECT_NE(text.find(R"("costInCents":1E20,"baseCostInCents":-1E20,)"), std::string::npos);
  one = {NumberRun(std::nan(""))};
  text = EncodeRuns(one, RunForm::kList);
  EXPECT_NE(text.find(R"("costInCents":null,"baseCostInCents":null,)"), std::string::npos);
}

// Bytes that are not UTF-8 are passed through as Boost.JSON's serializer passes them.
TEST(ResponseEncoderTest, InvalidUtf8IsCopiedAsBoostJsonCopiesIt) {
  core::Task task = RichTask();
  task.title = "\xff\xfe \xed\xa0\x80 \xc3";
  core::Run run = FullRun();
  run.idempotency_key = "\x80";
  run.error->message = "\xc0\xaf";
  std::vector<TaskView> views = {{task, {run}, kUpcoming, "\xf5"}};
  ExpectText(EncodeTasks(views), ExpectedTasks(views, nullptr), /*utf8=*/false);
  std::vector<core::Run> runs = {run};
  ExpectText(EncodeRuns(runs, RunForm::kDetail), ExpectedRuns(runs, RunForm::kDetail, nullptr),
             /*utf8=*/false);
}

TEST(ResponseEncoderTest, ErrorsMatchTheReference) {
  for (const core::Status& status :
       {core::InvalidField("title", "title parameter is required"),
        core::InvalidArgument("Invalid JSON body"), core::InvalidField(kNasty, kNasty),
        core::NotFound(kNasty), core::Status(core::ErrorCode::kInternal, "")}) {
    json::object expected{
        {"status", "error"}, {"error", status.message()}, {"message", status.message()}};
    if (status.code() == core::ErrorCode::kInvalidArgument) {
      json::array fields;
      if (!status.field().empty()) fields.push_back(json::string(status.field()));
      expected["missing_fields"] = std::move(fields);
    }
    ExpectText(EncodeError(status), json::serialize(expected));
  }
}

// ---------------------------------------------------------------------------------------------
// Exact bytes, recorded from the DOM encoder this one replaced (not from the reference above,
// so that a mistake shared by the encoder and the reference cannot pass).

TEST(ResponseEncoderTest, GetByIdBodyIsByteForByteTheRecordedOne) {
  core::Task task = RichTask();
  task.title = "T \"q\" \\ /\x01\x1f\x7f \xc3\xa9";
  task.prompt = "p\b\f\n\r\t";
  task.artist_account_id = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d";
  core::Run run = FullRun();
  run.account_id = "848cd58d-700f-4b38-ab4c-d9f52a1b2c3d";
  run.idempotency_key.reset();
  run.error.reset();
  std::vector<TaskView> views = {{task, {run, OddRun()}, kUpcoming, "a@b.example"}};
  EXPECT_EQ(EncodeTasks(views),
            R"({"status":"success","tasks":[{"id":"0b7e2f4a-93c1-4d2e-8f00-1234567890ab",)"
            R"("title":"T \"q\" \\ /\u0001\u001f)"
            "\x7f \xc3\xa9"
            R"(","prompt":"p\b\f\n\r\t","schedule":"0 9 * * 4","timezone":"America/New_York",)"
            R"("account_id":"848cd58d-700f-4b38-ab4c-d9f52a1b2c3d",)"
            R"("artist_account_id":"1873859c-dd37-4e9a-9bac-80d35a1b2c3d","enabled":true,)"
            R"("model":"gpt-4o","trigger_schedule_id":"sched_0b7e2f4a93c14d2e8f001234",)"
            R"("created_at":"2026-03-01T10:00:00.007Z","updated_at":"2026-03-02T10:00:00.000Z",)"
            R"("recent_runs":[{"id":"run_abcdefghijklmnopqrstuvwx","status":"FAILED",)"
            R"("taskIdentifier":"customer-prompt-task",)"
            R"("idempotencyKey":"0b7e2f4a-93c1-4d2e-8f00-1234567890ab:2026-03-27T09:00:00.000Z",)"
            R"("version":")" BACKBEAT_VERSION
            R"(","isTest":true,"createdAt":"2026-03-27T09:00:00.012Z",)"
            R"("updatedAt":"2026-03-27T09:00:05.999Z","startedAt":"2026-03-27T09:00:01.000Z",)"
            R"("finishedAt":"2026-03-27T09:00:05.000Z","delayedUntil":"2026-03-27T09:00:00.500Z",)"
            R"("ttl":"3600s","expiredAt":"2026-03-27T10:00:00.000Z",)"
            R"("tags":["account:848cd58d-700f-4b38-ab4c-d9f52a1b2c3d",)"
            R"("task:0b7e2f4a-93c1-4d2e-8f00-1234567890ab",)"
            R"("artist:1873859c-dd37-4e9a-9bac-80d35a1b2c3d"],"metadata":{},)"
            R"("costInCents":1.5E0,"baseCostInCents":1E20,"durationMs":4000,)"
            R"("env":{"id":"env_prod","name":"prod","user":null},"depth":0,"batchId":null,)"
            R"("triggerFunction":"trigger"},{"id":"run_2","status":"COMPLETED",)"
            R"("taskIdentifier":"customer-prompt-task",)"
            R"("idempotencyKey":"0b7e2f4a-93c1-4d2e-8f00-1234567890ab:2026-03-27T09:00:00.000Z",)"
            R"("version":")" BACKBEAT_VERSION
            R"(","isTest":false,"createdAt":"1970-01-01T00:00:00.000Z",)"
            R"("updatedAt":"1970-01-01T00:00:00.001Z","startedAt":null,"finishedAt":null,)"
            R"("delayedUntil":null,"ttl":"-5s","expiredAt":null,"tags":["account:",)"
            R"("task:0b7e2f4a-93c1-4d2e-8f00-1234567890ab","artist:"],"metadata":{},)"
            R"("costInCents":null,"baseCostInCents":-1E-1,)"
            R"("durationMs":-9223372036854775808,)"
            R"("env":{"id":"env_prod","name":"prod","user":null},"depth":0,"batchId":null,)"
            R"("triggerFunction":"trigger"}],)"
            R"("upcoming":["2026-03-27T09:00:00.000Z","2026-04-03T09:00:00.000Z"],)"
            R"("owner_email":"a@b.example","overlap":"allow","catchup":"all",)"
            R"("catchup_window_seconds":31536000,"max_attempts":3,"timeout_seconds":3600,)"
            R"("schedule_description":"At 09:00 on Thursday"}]})");
}

TEST(ResponseEncoderTest, RunDetailBodyIsByteForByteTheRecordedOne) {
  core::Run run = FullRun();
  run.account_id = "848cd58d-700f-4b38-ab4c-d9f52a1b2c3d";
  run.idempotency_key = "k\"\\\x02";
  run.error = core::RunError{"boom\n", "TimeoutError", "at x"};
  std::vector<core::Run> runs = {run, OddRun()};
  EXPECT_EQ(EncodeRuns(runs, RunForm::kDetail),
            R"({"status":"success","runs":[{"id":"run_abcdefghijklmnopqrstuvwx","status":"FAILED",)"
            R"("taskIdentifier":"customer-prompt-task","idempotencyKey":"k\"\\\u0002",)"
            R"("version":")" BACKBEAT_VERSION
            R"(","isTest":true,"createdAt":"2026-03-27T09:00:00.012Z",)"
            R"("updatedAt":"2026-03-27T09:00:05.999Z","startedAt":"2026-03-27T09:00:01.000Z",)"
            R"("finishedAt":"2026-03-27T09:00:05.000Z","delayedUntil":"2026-03-27T09:00:00.500Z",)"
            R"("ttl":"3600s","expiredAt":"2026-03-27T10:00:00.000Z",)"
            R"("tags":["account:848cd58d-700f-4b38-ab4c-d9f52a1b2c3d",)"
            R"("task:0b7e2f4a-93c1-4d2e-8f00-1234567890ab",)"
            R"("artist:1873859c-dd37-4e9a-9bac-80d35a1b2c3d"],"metadata":{},)"
            R"("costInCents":1.5E0,"baseCostInCents":1E20,"durationMs":4000,)"
            R"("env":{"id":"env_prod","name":"prod","user":null},"depth":0,"batchId":null,)"
            R"("triggerFunction":"trigger",)"
            R"("payload":{"timestamp":"2026-03-27T09:00:00.000Z","n":[1E0,1E2,0,"é/"],)"
            R"("type":"DECLARATIVE"},)"
            R"("output":{"text":"done","big":18446744073709551615,"x":1E-1},)"
            R"("error":{"message":"boom\n","name":"TimeoutError","stackTrace":"at x"},)"
            R"("attempts":[{"id":"attempt_1","status":"FAILED",)"
            R"("createdAt":"2026-03-27T09:00:01.000Z","updatedAt":"2026-03-27T09:00:03.000Z",)"
            R"("startedAt":"2026-03-27T09:00:01.001Z","completedAt":"2026-03-27T09:00:03.000Z",)"
            R"("error":{"message":"a\tb","name":"","stackTrace":""}},)"
            R"({"id":"attempt_2","status":"PENDING","createdAt":"2026-03-27T09:00:03.001Z",)"
            R"("updatedAt":"2026-03-27T09:00:03.001Z","startedAt":null,"completedAt":null,)"
            R"("error":null}],"schedule":{"id":"sched_0b7e2f4a93c14d2e8f001234",)"
            R"("generator":{"type":"CRON","expression":"0 9 * * 4",)"
            R"("description":"At 09:00 on Thursday"}},)"
            R"("relatedRuns":{"root":null,"parent":null,"children":[]}},)"
            R"({"id":"run_2","status":"COMPLETED","taskIdentifier":"customer-prompt-task",)"
            R"("idempotencyKey":"0b7e2f4a-93c1-4d2e-8f00-1234567890ab:2026-03-27T09:00:00.000Z",)"
            R"("version":")" BACKBEAT_VERSION
            R"(","isTest":false,"createdAt":"1970-01-01T00:00:00.000Z",)"
            R"("updatedAt":"1970-01-01T00:00:00.001Z","startedAt":null,"finishedAt":null,)"
            R"("delayedUntil":null,"ttl":"-5s","expiredAt":null,"tags":["account:",)"
            R"("task:0b7e2f4a-93c1-4d2e-8f00-1234567890ab","artist:"],"metadata":{},)"
            R"("costInCents":null,"baseCostInCents":-1E-1,)"
            R"("durationMs":-9223372036854775808,)"
            R"("env":{"id":"env_prod","name":"prod","user":null},"depth":0,"batchId":null,)"
            R"("triggerFunction":"trigger","payload":null,"output":null,"error":null,)"
            R"("attempts":[],"schedule":{"id":"sched_0b7e2f4a93c14d2e8f001234",)"
            R"("generator":{"type":"CRON","expression":"not cron","description":"not cron"}},)"
            R"("relatedRuns":{"root":null,"parent":null,"children":[]}}]})");
}

// ---------------------------------------------------------------------------------------------
// The schedule description cache

// Many threads describing more distinct expressions than the cache holds, each several times:
// every answer must be the engine's (run under TSan, the locking is checked as well).
TEST(ResponseEncoderTest, ScheduleDescriptionsStayRightAcrossThreadsAndEvictions) {
  std::vector<std::string> expressions;
  std::vector<std::string> descriptions;
  for (int minute = 0; minute < 60 && expressions.size() < 6000; ++minute) {
    for (int hour = 0; hour < 24; ++hour) {
      for (int day = 0; day < 7; ++day) {
        expressions.push_back(std::to_string(minute) + " " + std::to_string(hour) + " * * " +
                              std::to_string(day));
        descriptions.push_back(Describe(expressions.back()));
      }
    }
  }
  constexpr int kThreads = 4;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      core::Task task = EmptyTask();
      for (int pass = 0; pass < 2; ++pass) {
        // Threads walk the list from different starting points, so they meet on some entries.
        for (size_t i = 0; i < expressions.size(); ++i) {
          size_t k = (i + static_cast<size_t>(t) * 1500) % expressions.size();
          task.schedule = expressions[k];
          std::vector<TaskView> one = {{task, {}, {}, std::nullopt}};
          std::string body = EncodeTasks(one);
          std::string want =
              R"("schedule_description":)" + json::serialize(json::value(descriptions[k])) + "}";
          if (body.find(want) == std::string::npos) ++wrong[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[static_cast<size_t>(t)], 0) << "thread " << t;
}

TEST(ResponseEncoderTest, OverlongSchedulesAreShownAsWritten) {
  core::Task task = EmptyTask();
  task.schedule = std::string(core::cron::CronExpression::kMaxLength + 1, '*');
  std::vector<TaskView> one = {{task, {}, {}, std::nullopt}};
  json::value body = json::parse(EncodeTasks(one));
  EXPECT_EQ(body.at("tasks").at(0).at("schedule_description"), json::value(task.schedule));
}

}  // namespace
}  // namespace backbeat::http::dto
