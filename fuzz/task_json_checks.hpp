#pragma once

// The invariants the task_json fuzz target asserts, shared with the corpus replay test. Every
// input is a request body given to all five body decoders (create, update, delete, trigger,
// run action). A failure must be a documented InvalidArgument about a field that decoder knows;
// a success must be valid input for the service, survive re-encoding, and (for create and
// update) go through TaskService on the in-memory store and come back in the encoded task.

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/task/task.hpp"
#include "backbeat/core/task/uuid.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/http/dto/request_decoder.hpp"
#include "backbeat/http/dto/response_encoder.hpp"
#include "backbeat/service/inputs.hpp"
#include "backbeat/service/task_service.hpp"
#include "backbeat/storage/memory/memory_storage.hpp"
#include "fuzz/api_checks.hpp"
#include "fuzz/fixed_sources.hpp"

namespace backbeat::fuzz {

namespace task_json_internal {

namespace json = boost::json;
using core::ErrorCode;
using core::Status;

// How a body field is checked, and so which messages it may fail with.
enum class Kind { kString, kUuid, kSchedule, kTimezone, kModel, kBool, kEnum, kInteger };

struct FieldRule {
  std::string_view name;
  Kind kind;
  size_t max_length = 0;  // kString/kModel; 0: no limit
  int64_t min = 0;        // kInteger
  int64_t max = 0;
};

inline constexpr std::array<FieldRule, 16> kRules = {{
    {"id", Kind::kUuid},
    {"title", Kind::kString, http::dto::kMaxTitleLength},
    {"prompt", Kind::kString, http::dto::kMaxPromptLength},
    {"schedule", Kind::kSchedule},
    {"artist_account_id", Kind::kUuid},
    {"account_id", Kind::kUuid},
    {"model", Kind::kModel, http::dto::kMaxModelLength},
    {"timezone", Kind::kTimezone},
    {"enabled", Kind::kBool},
    {"overlap", Kind::kEnum},
    {"catchup", Kind::kEnum},
    {"catchup_window_seconds", Kind::kInteger, 0, 0, core::kMaxCatchupWindowSeconds},
    {"max_attempts", Kind::kInteger, 0, 1, core::kMaxMaxAttempts},
    {"timeout_seconds", Kind::kInteger, 0, 1, core::kMaxTimeoutSeconds},
    {"idempotency_key", Kind::kString, http::dto::kMaxIdempotencyKeyLength},
    {"runId", Kind::kString},
}};

// One decoder: the keys its body may hold and the ones it requires.
struct DecoderRule {
  std::string_view name;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> required;
};

inline const DecoderRule& CreateRule() {
  static const DecoderRule rule{"DecodeCreateTask",
                                {"title", "prompt", "schedule", "artist_account_id", "account_id",
                                 "model", "timezone", "enabled", "overlap", "catchup",
                                 "catchup_window_seconds", "max_attempts", "timeout_seconds"},
                                {"title", "prompt", "schedule", "artist_account_id"}};
  return rule;
}
inline const DecoderRule& UpdateRule() {
  static const DecoderRule rule{"DecodeUpdateTask",
                                {"id", "title", "prompt", "schedule", "artist_account_id",
                                 "account_id", "model", "timezone", "enabled", "overlap", "catchup",
                                 "catchup_window_seconds", "max_attempts", "timeout_seconds"},
                                {"id"}};
  return rule;
}
inline const DecoderRule& DeleteRule() {
  static const DecoderRule rule{"DecodeDeleteTask", {"id", "account_id"}, {"id"}};
  return rule;
}
inline const DecoderRule& TriggerRule() {
  static const DecoderRule rule{"DecodeTrigger", {"id", "idempotency_key", "account_id"}, {"id"}};
  return rule;
}
inline const DecoderRule& RunActionRule() {
  static const DecoderRule rule{"DecodeRunAction", {"runId"}, {"runId"}};
  return rule;
}

inline bool Contains(const std::vector<std::string_view>& list, std::string_view s) {
  for (std::string_view x : list) {
    if (x == s) return true;
  }
  return false;
}

inline bool OneOf(std::string_view message, std::string_view prefix,
                  std::initializer_list<std::string_view> endings) {
  if (!message.starts_with(prefix)) return false;
  for (std::string_view ending : endings) {
    if (message.substr(prefix.size()) == ending) return true;
  }
  return false;
}

// Whether `message` is one API.md / request_decoder.hpp documents for `rule`'s field.
inline bool IsDocumentedFieldMessage(const FieldRule& rule, bool required,
                                     std::string_view message) {
  const std::string name(rule.name);
  switch (rule.kind) {
    case Kind::kString:
    case Kind::kUuid:
    case Kind::kSchedule:
    case Kind::kTimezone:
    case Kind::kModel: {
      if (required ? (OneOf(message, "Invalid input: expected string, received ",
                            {"undefined", "number", "null", "boolean", "object", "array"}) ||
                      message == name + " parameter is required")
                   : (OneOf(message, "Invalid input: expected string, received ",
                            {"number", "null", "boolean", "object", "array"}) ||
                      message == name + " must be a non-empty string")) {
        return true;
      }
      if (rule.kind == Kind::kUuid) return message == name + " must be a valid UUID";
      if (rule.kind == Kind::kSchedule) {
        constexpr std::string_view kPrefix = "schedule is not a valid cron expression: ";
        return message.starts_with(kPrefix) && message.size() > kPrefix.size();
      }
      if (rule.kind == Kind::kTimezone) return message == "timezone must be a valid IANA time zone";
      return rule.max_length != 0 && message == "Too big: expected string to have <=" +
                                                    std::to_string(rule.max_length) + " characters";
    }
    case Kind::kBool:
      return OneOf(message, "Invalid input: expected boolean, received ",
                   {"null", "number", "string", "object", "array"});
    case Kind::kEnum:
      return message == (rule.name == "overlap"
                             ? R"(Invalid option: expected one of "skip"|"allow"|"queue")"
                             : R"(Invalid option: expected one of "latest"|"all"|"none")");
    case Kind::kInteger:
      return OneOf(message, "Invalid input: expected number, received ",
                   {"string", "null", "boolean", "object", "array"}) ||
             message == "Invalid input: expected int, received number" ||
             message == "Too small: expected number to be >=" + std::to_string(rule.min) ||
             message == "Too big: expected number to be <=" + std::to_string(rule.max);
  }
  return false;
}

inline const FieldRule* RuleFor(std::string_view field) {
  for (const FieldRule& rule : kRules) {
    if (rule.name == field) return &rule;
  }
  return nullptr;
}

// A decoder's failure: InvalidArgument, either about the whole body (no field) with one of the
// whole-body messages, or about one of its keys with that key's documented message. The error
// body it becomes has the API.md envelope.
inline void CheckDecodeError(const Status& status, const DecoderRule& decoder,
                             Expectations& check) {
  const std::string where = std::string(decoder.name) + " failed with " + status.ToString() +
                            " (field " + Show(status.field()) + ")";
  check.Expect(status.code() == ErrorCode::kInvalidArgument, where + ": not InvalidArgument");
  const std::string_view message = status.message();
  if (status.field().empty()) {
    const bool whole_body = message == "Invalid JSON body" ||
                            OneOf(message, "Invalid input: expected object, received ",
                                  {"null", "boolean", "number", "string", "array"}) ||
                            message.starts_with("Unrecognized key: \"") ||
                            message.starts_with("Unrecognized keys: \"");
    check.Expect(whole_body, where + ": not a documented whole-body message");
  } else {
    const FieldRule* rule = RuleFor(status.field());
    check.Expect(rule != nullptr && Contains(decoder.keys, status.field()),
                 where + ": not a key of this body");
    if (rule != nullptr) {
      check.Expect(
          IsDocumentedFieldMessage(*rule, Contains(decoder.required, status.field()), message),
          where + ": not a documented message for the field");
    }
  }
  Expectations envelope(where);
  CheckErrorBody(http::dto::EncodeError(status), 400, envelope,
                 [&](std::string_view field) { return Contains(decoder.keys, field); });
  check.Expect(envelope.ok(), envelope.result().diagnostic);
}

inline bool IsCanonicalUuid(const std::string& id) {
  return core::IsValidUuid(id) && core::CanonicalUuid(id) == id;
}

// JavaScript's `length`, as the decoders count it, for text that is valid UTF-8.
inline size_t Utf16Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    const auto byte = static_cast<uint8_t>(c);
    if ((byte & 0xC0) != 0x80) ++n;
    if (byte >= 0xF0) ++n;
  }
  return n;
}

inline bool IsGoodText(const std::string& s, size_t max_length) {
  return !s.empty() && IsValidUtf8(s) && Utf16Length(s) <= max_length;
}

// What a decoded task field must be for the service: the API.md types, lengths, ranges, a
// schedule that parses, a canonical zone.
inline void CheckTaskFields(const service::UpdateTaskInput& in, const http::dto::DecodeContext& ctx,
                            std::string_view decoder, Expectations& check) {
  const std::string where = std::string(decoder) + " succeeded with ";
  if (in.title) {
    check.Expect(IsGoodText(*in.title, http::dto::kMaxTitleLength), where + "a bad title");
  }
  if (in.prompt) {
    check.Expect(IsGoodText(*in.prompt, http::dto::kMaxPromptLength), where + "a bad prompt");
  }
  if (in.schedule) {
    check.Expect(core::cron::CronExpression::Parse(*in.schedule, ctx.cron_options).ok(),
                 where + "a schedule that does not parse");
  }
  if (in.artist_account_id) {
    check.Expect(IsCanonicalUuid(*in.artist_account_id), where + "a bad artist_account_id");
  }
  if (in.account_id) check.Expect(IsCanonicalUuid(*in.account_id), where + "a bad account_id");
  if (in.model && *in.model) {
    check.Expect(IsGoodText(**in.model, http::dto::kMaxModelLength), where + "a bad model");
  }
  if (in.timezone) {
    auto zone = ctx.zones.Find(*in.timezone);
    check.Expect(zone.ok() && (*zone)->name() == *in.timezone,
                 where + "a timezone that is not a canonical zone name");
  }
  if (in.catchup_window_seconds) {
    check.Expect(*in.catchup_window_seconds >= 0 &&
                     *in.catchup_window_seconds <= core::kMaxCatchupWindowSeconds,
                 where + "catchup_window_seconds out of range");
  }
  if (in.max_attempts) {
    check.Expect(*in.max_attempts >= 1 && *in.max_attempts <= core::kMaxMaxAttempts,
                 where + "max_attempts out of range");
  }
  if (in.timeout_seconds) {
    check.Expect(*in.timeout_seconds >= 1 && *in.timeout_seconds <= core::kMaxTimeoutSeconds,
                 where + "timeout_seconds out of range");
  }
}

inline service::UpdateTaskInput AsFields(const service::CreateTaskInput& in) {
  service::UpdateTaskInput out;
  out.title = in.title;
  out.prompt = in.prompt;
  out.schedule = in.schedule;
  out.artist_account_id = in.artist_account_id;
  out.account_id = in.account_id;
  out.model = in.model;
  out.timezone = in.timezone;
  out.enabled = in.enabled;
  out.overlap = in.overlap;
  out.catchup = in.catchup;
  out.catchup_window_seconds = in.catchup_window_seconds;
  out.max_attempts = in.max_attempts;
  out.timeout_seconds = in.timeout_seconds;
  return out;
}

inline bool SameFields(const service::UpdateTaskInput& a, const service::UpdateTaskInput& b) {
  return a.id == b.id && a.account_id == b.account_id && a.title == b.title &&
         a.prompt == b.prompt && a.schedule == b.schedule &&
         a.artist_account_id == b.artist_account_id && a.model == b.model &&
         a.timezone == b.timezone && a.enabled == b.enabled && a.overlap == b.overlap &&
         a.catchup == b.catchup && a.catchup_window_seconds == b.catchup_window_seconds &&
         a.max_attempts == b.max_attempts && a.timeout_seconds == b.timeout_seconds;
}

// The body a client would send for these fields (PATCH shape; only present fields).
inline std::string EncodeFields(const service::UpdateTaskInput& in, bool with_id) {
  json::object o;
  if (with_id) o["id"] = in.id;
  if (in.title) o["title"] = *in.title;
  if (in.prompt) o["prompt"] = *in.prompt;
  if (in.schedule) o["schedule"] = *in.schedule;
  if (in.artist_account_id) o["artist_account_id"] = *in.artist_account_id;
  if (in.account_id) o["account_id"] = *in.account_id;
  if (in.model) o["model"] = *in.model ? json::value(**in.model) : json::value(nullptr);
  if (in.timezone) o["timezone"] = *in.timezone;
  if (in.enabled) o["enabled"] = *in.enabled;
  if (in.overlap) o["overlap"] = core::OverlapName(*in.overlap);
  if (in.catchup) o["catchup"] = core::CatchupName(*in.catchup);
  if (in.catchup_window_seconds) o["catchup_window_seconds"] = *in.catchup_window_seconds;
  if (in.max_attempts) o["max_attempts"] = *in.max_attempts;
  if (in.timeout_seconds) o["timeout_seconds"] = *in.timeout_seconds;
  return json::serialize(o);
}

// The admin account the service checks run as, and a task every update applies to.
inline constexpr std::string_view kAdminAccount = "a0000000-0000-4000-8000-000000000001";

// A fresh in-memory store and task service, as serve.cpp wires them, for one input.
struct TaskStack {
  explicit TaskStack(const core::ZoneLookup& zones)
      : tasks(storage, zones, clock, ids, service::TaskService::Options{}) {
    admin.account_id = std::string(kAdminAccount);
    admin.is_admin = true;
    admin.scope = {admin.account_id};
    (void)storage.accounts().CreateAccount(
        core::Account{admin.account_id, "admin", {"admin@localhost"}, kFuzzNow});
  }
  storage::memory::MemoryStorage storage;
  FixedClock clock;
  CountingIds ids;
  service::TaskService tasks;
  core::Principal admin;
};

// A view as the service returned it and the encoder wrote it: the stored task has exactly the
// fields of `expected`, and the JSON shows them.
inline void CheckView(const service::TaskView& view, const core::Task& expected,
                      std::string_view what, Expectations& check) {
  const core::Task& task = view.task;
  const std::string where = std::string(what) + ": ";
  check.Expect(task.title == expected.title && task.prompt == expected.prompt &&
                   task.schedule == expected.schedule && task.timezone == expected.timezone &&
                   task.artist_account_id == expected.artist_account_id &&
                   task.account_id == expected.account_id && task.model == expected.model &&
                   task.enabled == expected.enabled && task.overlap == expected.overlap &&
                   task.catchup == expected.catchup &&
                   task.catchup_window_seconds == expected.catchup_window_seconds &&
                   task.max_attempts == expected.max_attempts &&
                   task.timeout_seconds == expected.timeout_seconds,
               where + "the stored task differs from the decoded input");
  // The parser guarantees a fire in every 400 years, so five fires always follow 2026.
  check.Expect(view.upcoming.size() == (task.enabled ? 5u : 0u),
               where + std::to_string(view.upcoming.size()) + " upcoming fires");
  check.Expect(task.next_slot.has_value() == task.enabled,
               where + "next_slot is set exactly while enabled");
  if (task.enabled && !view.upcoming.empty() && task.next_slot) {
    check.Expect(view.upcoming.front() == *task.next_slot,
                 where + "the first upcoming fire is not next_slot");
  }
  for (size_t i = 0; i < view.upcoming.size(); ++i) {
    const core::Instant before =
        i == 0 ? std::chrono::floor<std::chrono::seconds>(kFuzzNow) : view.upcoming[i - 1];
    check.Expect(view.upcoming[i] > before, where + "upcoming fires are not increasing");
  }
  if (!check.ok()) return;

  const http::dto::TaskView shown{view.task, view.recent_runs, view.upcoming, view.owner_email};
  const std::string body = http::dto::EncodeTasks(std::span(&shown, 1));
  json::value parsed;
  check.Expect(ParseJson(body, parsed), where + "the encoded task is not JSON");
  if (!check.ok()) return;
  const json::object* obj = parsed.if_object();
  const json::array* tasks = obj ? obj->at("tasks").if_array() : nullptr;
  check.Expect(tasks != nullptr && tasks->size() == 1 && (*tasks)[0].is_object(),
               where + "the encoded body has no one task");
  if (!check.ok()) return;
  const json::object& t = (*tasks)[0].as_object();
  auto text = [&](std::string_view key, const std::string& want) {
    const json::value* v = t.if_contains(key);
    check.Expect(v != nullptr && v->is_string() && v->get_string() == want,
                 where + "the encoded " + std::string(key) + " differs from the stored one");
  };
  text("id", task.id);
  text("title", task.title);
  text("prompt", task.prompt);
  text("schedule", task.schedule);
  text("timezone", task.timezone);
  text("account_id", task.account_id);
  text("artist_account_id", task.artist_account_id);
  text("overlap", std::string(core::OverlapName(task.overlap)));
  text("catchup", std::string(core::CatchupName(task.catchup)));
  const json::value* model = t.if_contains("model");
  check.Expect(
      model != nullptr && (task.model ? model->is_string() && model->get_string() == *task.model
                                      : model->is_null()),
      where + "the encoded model differs from the stored one");
  const json::value* enabled = t.if_contains("enabled");
  check.Expect(enabled != nullptr && enabled->is_bool() && enabled->get_bool() == task.enabled,
               where + "the encoded enabled differs");
  const json::value* upcoming = t.if_contains("upcoming");
  check.Expect(upcoming != nullptr && upcoming->is_array() &&
                   upcoming->get_array().size() == view.upcoming.size(),
               where + "the encoded upcoming differs");
  const json::value* schedule_id = t.if_contains("trigger_schedule_id");
  check.Expect(schedule_id != nullptr && schedule_id->is_string() == task.enabled &&
                   (task.enabled || schedule_id->is_null()),
               where + "trigger_schedule_id is not a string exactly while enabled");
  for (std::string_view key : {"catchup_window_seconds", "max_attempts", "timeout_seconds"}) {
    const json::value* v = t.if_contains(key);
    const int64_t want = key == "max_attempts"      ? task.max_attempts
                         : key == "timeout_seconds" ? task.timeout_seconds
                                                    : task.catchup_window_seconds;
    check.Expect(v != nullptr && v->is_int64() && v->get_int64() == want,
                 where + "the encoded " + std::string(key) + " differs");
  }
}

// Whether an enabled task with this schedule and zone would never fire after kFuzzNow: the one
// thing the service refuses in a decoded input (API.md section 6), since no decoder can tell.
inline bool NeverFires(const core::Task& task, const core::ZoneLookup& zones) {
  auto expr = core::cron::CronExpression::Parse(task.schedule, {.allow_seconds = true});
  auto zone = zones.Find(task.timezone);
  return task.enabled && expr.ok() && zone.ok() &&
         !expr->Next(std::chrono::floor<std::chrono::seconds>(kFuzzNow), **zone).has_value();
}

// The service's answer to a decoded input: the task, or exactly the documented refusal of a
// schedule that never fires, and only for such a schedule.
template <typename View>
bool ServiceAccepted(const View& view, const core::Task& expected, const core::ZoneLookup& zones,
                     std::string_view what, Expectations& check) {
  const bool never = NeverFires(expected, zones);
  if (view.ok()) {
    check.Expect(!never, std::string(what) + " accepted a schedule that never fires in its zone");
    return check.ok();
  }
  check.Expect(
      never && view.status() == core::InvalidField("schedule",
                                                   "schedule is not a valid cron expression: it "
                                                   "never fires in " +
                                                       expected.timezone),
      std::string(what) + " refused a decoded input: " + view.status().ToString());
  return false;
}

inline core::Task ExpectedTask(const service::CreateTaskInput& in, const std::string& owner) {
  core::Task t;
  t.title = in.title;
  t.prompt = in.prompt;
  t.schedule = in.schedule;
  t.timezone = in.timezone;
  t.artist_account_id = in.artist_account_id;
  t.account_id = in.account_id.value_or(owner);
  t.model = in.model;
  t.enabled = in.enabled;
  t.overlap = in.overlap;
  t.catchup = in.catchup;
  t.catchup_window_seconds = in.catchup_window_seconds;
  t.max_attempts = in.max_attempts;
  t.timeout_seconds = in.timeout_seconds;
  return t;
}

inline void CheckCreate(std::string_view body, const core::ZoneLookup& zones, Expectations& check) {
  const http::dto::DecodeContext ctx{zones, {.allow_seconds = false}};
  const http::dto::DecodeContext seconds_ctx{zones, {.allow_seconds = true}};
  auto in = http::dto::DecodeCreateTask(body, ctx);
  auto with_seconds = http::dto::DecodeCreateTask(body, seconds_ctx);
  if (!in.ok()) {
    CheckDecodeError(in.status(), CreateRule(), check);
    // Allowing seconds only widens the schedule grammar; any other problem stays the first.
    if (in.status().field() != "schedule") {
      check.Expect(!with_seconds.ok() && with_seconds.status() == in.status(),
                   "DecodeCreateTask with seconds allowed fails differently");
    }
    if (!with_seconds.ok()) CheckDecodeError(with_seconds.status(), CreateRule(), check);
    return;
  }
  check.Expect(with_seconds.ok() && SameFields(AsFields(*in), AsFields(*with_seconds)),
               "DecodeCreateTask with seconds allowed decodes differently");
  const service::UpdateTaskInput fields = AsFields(*in);
  CheckTaskFields(fields, ctx, "DecodeCreateTask", check);
  check.Expect(!in->title.empty() && !in->prompt.empty() && !in->schedule.empty(),
               "DecodeCreateTask succeeded without a required field");

  // Re-encoded, the input decodes to itself, as a create and (with an id) as a PATCH.
  auto again = http::dto::DecodeCreateTask(EncodeFields(fields, false), ctx);
  check.Expect(again.ok() && SameFields(AsFields(*again), fields),
               "the re-encoded create body decodes differently" +
                   (again.ok() ? std::string() : ": " + again.status().ToString()));
  service::UpdateTaskInput patch = fields;
  patch.id = CountingIds::Uuid(1);
  auto as_patch = http::dto::DecodeUpdateTask(EncodeFields(patch, true), ctx);
  check.Expect(as_patch.ok() && SameFields(*as_patch, patch),
               "the create fields as a PATCH body decode differently" +
                   (as_patch.ok() ? std::string() : ": " + as_patch.status().ToString()));
  if (!check.ok()) return;

  // The service takes whatever decodes, and shows it back unchanged.
  TaskStack stack(zones);
  auto view = stack.tasks.Create(stack.admin, *in);
  if (!ServiceAccepted(view, ExpectedTask(*in, stack.admin.account_id), zones,
                       "TaskService::Create", check)) {
    return;
  }
  check.Expect(IsCanonicalUuid(view->task.id), "the created task's id is not a lowercase UUID");
  CheckView(*view, ExpectedTask(*in, stack.admin.account_id), "created task", check);
  check.Expect(view->owner_email == (view->task.account_id == kAdminAccount
                                         ? std::optional<std::string>("admin@localhost")
                                         : std::nullopt),
               "created task: owner_email is not the owner's email");
}

// A valid task that every decoded PATCH is applied to.
inline service::CreateTaskInput BaselineTask() {
  service::CreateTaskInput in;
  in.title = "Weekly genre pulse";
  in.prompt = "Analyse this artist's genre trends.";
  in.schedule = "0 9 * * 4";
  in.timezone = "America/New_York";
  in.artist_account_id = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d";
  return in;
}

inline void CheckUpdate(std::string_view body, const core::ZoneLookup& zones, Expectations& check) {
  const http::dto::DecodeContext ctx{zones, {.allow_seconds = false}};
  auto in = http::dto::DecodeUpdateTask(body, ctx);
  if (!in.ok()) {
    CheckDecodeError(in.status(), UpdateRule(), check);
    return;
  }
  CheckTaskFields(*in, ctx, "DecodeUpdateTask", check);
  check.Expect(IsCanonicalUuid(in->id), "DecodeUpdateTask succeeded with a bad id");
  auto again = http::dto::DecodeUpdateTask(EncodeFields(*in, true), ctx);
  check.Expect(again.ok() && SameFields(*again, *in),
               "the re-encoded PATCH body decodes differently" +
                   (again.ok() ? std::string() : ": " + again.status().ToString()));
  if (!check.ok()) return;

  // Applied to an existing task, the present fields change and nothing else does.
  TaskStack stack(zones);
  const service::CreateTaskInput baseline = BaselineTask();
  auto created = stack.tasks.Create(stack.admin, baseline);
  check.Expect(created.ok(), "TaskService::Create refused the baseline task");
  if (!check.ok()) return;
  core::Task expected = ExpectedTask(baseline, stack.admin.account_id);
  if (in->title) expected.title = *in->title;
  if (in->prompt) expected.prompt = *in->prompt;
  if (in->schedule) expected.schedule = *in->schedule;
  if (in->artist_account_id) expected.artist_account_id = *in->artist_account_id;
  if (in->model) expected.model = *in->model;
  if (in->timezone) expected.timezone = *in->timezone;
  if (in->enabled) expected.enabled = *in->enabled;
  if (in->overlap) expected.overlap = *in->overlap;
  if (in->catchup) expected.catchup = *in->catchup;
  if (in->catchup_window_seconds) expected.catchup_window_seconds = *in->catchup_window_seconds;
  if (in->max_attempts) expected.max_attempts = *in->max_attempts;
  if (in->timeout_seconds) expected.timeout_seconds = *in->timeout_seconds;
  service::UpdateTaskInput update = *in;
  update.id = created->task.id;
  auto view = stack.tasks.Update(stack.admin, update);
  if (!ServiceAccepted(view, expected, zones, "TaskService::Update", check)) return;
  CheckView(*view, expected, "updated task", check);
  check.Expect(view->task.id == created->task.id, "the update changed the task's id");
}

inline void CheckSmallBodies(std::string_view body, Expectations& check) {
  if (auto del = http::dto::DecodeDeleteTask(body); !del.ok()) {
    CheckDecodeError(del.status(), DeleteRule(), check);
  } else {
    check.Expect(
        IsCanonicalUuid(del->id) && (!del->account_id || IsCanonicalUuid(*del->account_id)),
        "DecodeDeleteTask succeeded with a bad id");
    json::object o{{"id", del->id}};
    if (del->account_id) o["account_id"] = *del->account_id;
    auto again = http::dto::DecodeDeleteTask(json::serialize(o));
    check.Expect(again.ok() && again->id == del->id && again->account_id == del->account_id,
                 "the re-encoded DELETE body decodes differently");
  }
  if (auto trigger = http::dto::DecodeTrigger(body); !trigger.ok()) {
    CheckDecodeError(trigger.status(), TriggerRule(), check);
  } else {
    check.Expect(IsCanonicalUuid(trigger->id) &&
                     (!trigger->account_id || IsCanonicalUuid(*trigger->account_id)),
                 "DecodeTrigger succeeded with a bad id");
    check.Expect(!trigger->idempotency_key ||
                     IsGoodText(*trigger->idempotency_key, http::dto::kMaxIdempotencyKeyLength),
                 "DecodeTrigger succeeded with a bad idempotency_key");
    json::object o{{"id", trigger->id}};
    if (trigger->idempotency_key) o["idempotency_key"] = *trigger->idempotency_key;
    if (trigger->account_id) o["account_id"] = *trigger->account_id;
    auto again = http::dto::DecodeTrigger(json::serialize(o));
    check.Expect(again.ok() && again->id == trigger->id &&
                     again->idempotency_key == trigger->idempotency_key &&
                     again->account_id == trigger->account_id,
                 "the re-encoded trigger body decodes differently");
  }
  if (auto action = http::dto::DecodeRunAction(body); !action.ok()) {
    CheckDecodeError(action.status(), RunActionRule(), check);
  } else {
    check.Expect(!action->run_id.empty() && IsValidUtf8(action->run_id),
                 "DecodeRunAction succeeded with a bad runId");
    auto again =
        http::dto::DecodeRunAction(json::serialize(json::object{{"runId", action->run_id}}));
    check.Expect(again.ok() && again->run_id == action->run_id,
                 "the re-encoded run action body decodes differently");
  }
}

}  // namespace task_json_internal

// Checks one request body against every body decoder.
inline CheckResult CheckTaskJsonInput(std::string_view body, const core::ZoneLookup& zones) {
  Expectations check("body " + Show(body));
  task_json_internal::CheckCreate(body, zones, check);
  task_json_internal::CheckUpdate(body, zones, check);
  task_json_internal::CheckSmallBodies(body, check);
  return check.result();
}

}  // namespace backbeat::fuzz
