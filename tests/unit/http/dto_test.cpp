#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/http/dto/cursor.hpp"
#include "backbeat/http/dto/query_decoder.hpp"
#include "backbeat/http/dto/request_decoder.hpp"
#include "backbeat/http/dto/response_encoder.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::http::dto {
namespace {

namespace json = boost::json;
using core::ErrorCode;

constexpr const char* kArtist = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d";
constexpr const char* kAccount = "848cd58d-700f-4b38-ab4c-d9f52a1b2c3d";
constexpr const char* kTaskId = "0b7e2f4a-93c1-4d2e-8f00-1234567890ab";

// Expects an InvalidArgument with exactly this field and message.
template <typename T>
void ExpectError(const core::Result<T>& r, std::string_view field, std::string_view message) {
  ASSERT_FALSE(r.ok()) << "expected error: " << message;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), field);
  EXPECT_EQ(r.status().message(), message);
}

std::string Str(const json::value& v) { return json::serialize(v); }

std::vector<std::string> Keys(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& e : o) keys.emplace_back(e.key());
  return keys;
}

class DtoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = tzdb::ZoneDatabase::Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    zones_ = std::move(loaded).value().release();
  }
  static void TearDownTestSuite() {
    delete zones_;
    zones_ = nullptr;
  }

  DecodeContext Ctx(bool allow_seconds = false) const {
    return DecodeContext{*zones_, core::cron::ParseOptions{.allow_seconds = allow_seconds}};
  }

  // A valid create body, to be modified by each test.
  static json::object ValidCreate() {
    return json::object{{"title", "Weekly Genre Pulse Check"},
                        {"prompt", "Analyse the genre."},
                        {"schedule", "0 9 * * 4"},
                        {"artist_account_id", kArtist}};
  }

  core::Result<service::CreateTaskInput> Create(const json::object& body) const {
    return DecodeCreateTask(Str(body), Ctx());
  }
  template <typename V>
  core::Result<service::CreateTaskInput> CreateWith(std::string_view key, const V& v) const {
    json::object body = ValidCreate();
    body[key] = json::value_from(v);
    return Create(body);
  }
  core::Result<service::UpdateTaskInput> Update(const json::object& body) const {
    return DecodeUpdateTask(Str(body), Ctx());
  }

  static tzdb::ZoneDatabase* zones_;
};

tzdb::ZoneDatabase* DtoTest::zones_ = nullptr;

// ---------------------------------------------------------------------------------------------
// Create

TEST_F(DtoTest, CreateMinimalBodyGetsDefaults) {
  json::object body = ValidCreate();
  body["artist_account_id"] = "1873859C-DD37-4E9A-9BAC-80D35A1B2C3D";
  auto r = Create(body);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->title, "Weekly Genre Pulse Check");
  EXPECT_EQ(r->prompt, "Analyse the genre.");
  EXPECT_EQ(r->schedule, "0 9 * * 4");
  EXPECT_EQ(r->artist_account_id, kArtist);  // stored lowercase
  EXPECT_FALSE(r->account_id);
  EXPECT_FALSE(r->model);
  EXPECT_EQ(r->timezone, "UTC");
  EXPECT_TRUE(r->enabled);
  EXPECT_EQ(r->overlap, core::Overlap::kSkip);
  EXPECT_EQ(r->catchup, core::Catchup::kLatest);
  EXPECT_EQ(r->catchup_window_seconds, 3600);
  EXPECT_EQ(r->max_attempts, 3);
  EXPECT_EQ(r->timeout_seconds, 3600);
}

TEST_F(DtoTest, CreateReadsEveryField) {
  json::object body = ValidCreate();
  body["account_id"] = "848CD58D-700F-4B38-AB4C-D9F52A1B2C3D";
  body["model"] = "gpt-4o";
  body["timezone"] = "us/eastern";
  body["enabled"] = false;
  body["overlap"] = "queue";
  body["catchup"] = "all";
  body["catchup_window_seconds"] = 0;
  body["max_attempts"] = 10;
  body["timeout_seconds"] = 86400;
  auto r = Create(body);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->account_id, std::optional<std::string>(kAccount));
  EXPECT_EQ(r->model, std::optional<std::string>("gpt-4o"));
  EXPECT_EQ(r->timezone, "America/New_York");  // canonical
  EXPECT_FALSE(r->enabled);
  EXPECT_EQ(r->overlap, core::Overlap::kQueue);
  EXPECT_EQ(r->catchup, core::Catchup::kAll);
  EXPECT_EQ(r->catchup_window_seconds, 0);
  EXPECT_EQ(r->max_attempts, 10);
  EXPECT_EQ(r->timeout_seconds, 86400);
}

TEST_F(DtoTest, CreateCanonicalisesUtcAliases) {
  for (const char* alias : {"utc", "Etc/UTC", "Zulu", "UTC"}) {
    auto r = CreateWith("timezone", alias);
    ASSERT_TRUE(r.ok()) << alias;
    EXPECT_EQ(r->timezone, "UTC") << alias;
  }
}

TEST_F(DtoTest, UnparsableBodyIsInvalidJson) {
  for (std::string body : {"", " ", "{", "{} x", "{'a':1}", R"({"a":1,})", "[1,]", "nul",
                           "{\"a\":1 /* c */}", "\"abc", "{\"a\" 1}"}) {
    ExpectError(DecodeCreateTask(body, Ctx()), "", "Invalid JSON body");
  }
}

TEST_F(DtoTest, InvalidUtf8IsInvalidJson) {
  ExpectError(DecodeCreateTask("{\"title\":\"\xff\"}", Ctx()), "", "Invalid JSON body");
  ExpectError(DecodeCreateTask("{\"ti\xc3\x28tle\":\"x\"}", Ctx()), "", "Invalid JSON body");
  ExpectError(DecodeCreateTask("{\"title\":\"\xed\xa0\x80\"}", Ctx()), "", "Invalid JSON body");
  // A lone surrogate escape cannot become UTF-8.
  ExpectError(DecodeCreateTask(R"({"title":"\ud800"})", Ctx()), "", "Invalid JSON body");
}

TEST_F(DtoTest, BodyNotAnObject) {
  auto ctx = Ctx();
  ExpectError(DecodeCreateTask("null", ctx), "", "Invalid input: expected object, received null");
  ExpectError(DecodeCreateTask("[]", ctx), "", "Invalid input: expected object, received array");
  ExpectError(DecodeCreateTask("\"s\"", ctx), "",
              "Invalid input: expected object, received string");
  ExpectError(DecodeCreateTask("1", ctx), "", "Invalid input: expected object, received number");
  ExpectError(DecodeCreateTask("-1.5e3", ctx), "",
              "Invalid input: expected object, received number");
  ExpectError(DecodeCreateTask("true", ctx), "",
              "Invalid input: expected object, received boolean");
  ExpectError(DecodeDeleteTask("[]"), "", "Invalid input: expected object, received array");
  ExpectError(DecodeTrigger("null"), "", "Invalid input: expected object, received null");
  ExpectError(DecodeRunAction("7"), "", "Invalid input: expected object, received number");
  ExpectError(DecodeUpdateTask("false", ctx), "",
              "Invalid input: expected object, received boolean");
}

TEST_F(DtoTest, DeepNestingIsRejectedWithoutCrashing) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  ExpectError(DecodeCreateTask(deep, Ctx()), "", "Invalid JSON body");
  json::object body = ValidCreate();
  std::string text = Str(body);
  text.pop_back();
  std::string too_deep = text + ",\"x\":" + std::string(200, '[') + std::string(200, ']') + "}";
  ExpectError(DecodeCreateTask(too_deep, Ctx()), "", "Invalid JSON body");
  // Moderate nesting under an unknown key is parsed and reported as the unknown key.
  std::string nested = text + ",\"x\":" + std::string(30, '[') + std::string(30, ']') + "}";
  ExpectError(DecodeCreateTask(nested, Ctx()), "", "Unrecognized key: \"x\"");
}

TEST_F(DtoTest, HugeBodiesAreHandled) {
  auto r = CreateWith("prompt", std::string(kMaxPromptLength, 'p'));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prompt.size(), kMaxPromptLength);
  ExpectError(CreateWith("prompt", std::string(900000, 'p')), "prompt",
              "Too big: expected string to have <=100000 characters");
  json::array big;
  for (int i = 0; i < 100000; ++i) big.push_back(i);
  ExpectError(CreateWith("bulk", big), "", "Unrecognized key: \"bulk\"");
}

TEST_F(DtoTest, StringLimitsCountUtf16Units) {
  EXPECT_TRUE(CreateWith("title", std::string(500, 't')).ok());
  ExpectError(CreateWith("title", std::string(501, 't')), "title",
              "Too big: expected string to have <=500 characters");
  // "é" is one unit in two bytes: 500 of them fit.
  std::string accents;
  for (int i = 0; i < 500; ++i) accents += "\xc3\xa9";
  EXPECT_TRUE(CreateWith("title", accents).ok());
  // "😀" is two units (a surrogate pair): 250 fit, 251 do not.
  std::string emoji;
  for (int i = 0; i < 250; ++i) emoji += "\xf0\x9f\x98\x80";
  EXPECT_TRUE(CreateWith("title", emoji).ok());
  ExpectError(CreateWith("title", emoji + "\xf0\x9f\x98\x80"), "title",
              "Too big: expected string to have <=500 characters");
  EXPECT_TRUE(CreateWith("model", std::string(200, 'm')).ok());
  ExpectError(CreateWith("model", std::string(201, 'm')), "model",
              "Too big: expected string to have <=200 characters");
}

TEST_F(DtoTest, RequiredStringsMissing) {
  for (const char* key : {"title", "prompt", "schedule", "artist_account_id"}) {
    json::object body = ValidCreate();
    body.erase(key);
    ExpectError(Create(body), key, "Invalid input: expected string, received undefined");
  }
}

TEST_F(DtoTest, RequiredStringsOfEveryWrongType) {
  const std::vector<std::pair<json::value, std::string>> cases = {
      {json::value(5), "number"},
      {json::value(2.5), "number"},
      {json::value(nullptr), "null"},
      {json::value(true), "boolean"},
      {json::value(json::object{}), "object"},
      {json::value(json::array{}), "array"}};
  for (const char* key : {"title", "prompt", "schedule", "artist_account_id"}) {
    for (const auto& [value, kind] : cases) {
      ExpectError(CreateWith(key, value), key, "Invalid input: expected string, received " + kind);
    }
  }
}

TEST_F(DtoTest, EmptyRequiredStrings) {
  for (const char* key : {"title", "prompt", "schedule", "artist_account_id"}) {
    ExpectError(CreateWith(key, ""), key, std::string(key) + " parameter is required");
  }
}

TEST_F(DtoTest, Uuids) {
  ExpectError(CreateWith("artist_account_id", "not-a-uuid"), "artist_account_id",
              "artist_account_id must be a valid UUID");
  // Version digit 0 is not a UUID version.
  ExpectError(CreateWith("artist_account_id", "1873859c-dd37-0e9a-9bac-80d35a1b2c3d"),
              "artist_account_id", "artist_account_id must be a valid UUID");
  ExpectError(CreateWith("account_id", "123"), "account_id", "account_id must be a valid UUID");
  ExpectError(CreateWith("account_id", ""), "account_id", "account_id must be a non-empty string");
  ExpectError(CreateWith("account_id", nullptr), "account_id",
              "Invalid input: expected string, received null");
  ExpectError(CreateWith("account_id", 12), "account_id",
              "Invalid input: expected string, received number");
  EXPECT_TRUE(CreateWith("account_id", "00000000-0000-0000-0000-000000000000").ok());
}

TEST_F(DtoTest, Schedules) {
  auto engine = core::cron::CronExpression::Parse("0 25 * * *");
  ASSERT_FALSE(engine.ok());
  ExpectError(CreateWith("schedule", "0 25 * * *"), "schedule",
              "schedule is not a valid cron expression: " + engine.status().message());
  EXPECT_EQ(engine.status().message(), "hour value 25 out of range 0-23");
  ExpectError(CreateWith("schedule", "0 0 30 2 *"), "schedule",
              "schedule is not a valid cron expression: " +
                  core::cron::CronExpression::Parse("0 0 30 2 *").status().message());
  // Seconds only when the server allows them.
  auto no_seconds = core::cron::CronExpression::Parse("*/10 * * * * *");
  ExpectError(CreateWith("schedule", "*/10 * * * * *"), "schedule",
              "schedule is not a valid cron expression: " + no_seconds.status().message());
  json::object body = ValidCreate();
  body["schedule"] = "*/10 * * * * *";
  auto r = DecodeCreateTask(Str(body), Ctx(/*allow_seconds=*/true));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->schedule, "*/10 * * * * *");
  EXPECT_EQ(CreateWith("schedule", "@daily")->schedule, "@daily");
}

TEST_F(DtoTest, Model) {
  auto null_model = CreateWith("model", nullptr);
  ASSERT_TRUE(null_model.ok());
  EXPECT_FALSE(null_model->model);
  ExpectError(CreateWith("model", ""), "model", "model must be a non-empty string");
  ExpectError(CreateWith("model", 5), "model", "Invalid input: expected string, received number");
  ExpectError(CreateWith("model", json::array{}), "model",
              "Invalid input: expected string, received array");
  ExpectError(CreateWith("model", false), "model",
              "Invalid input: expected string, received boolean");
}

TEST_F(DtoTest, Timezones) {
  ExpectError(CreateWith("timezone", ""), "timezone", "timezone must be a non-empty string");
  ExpectError(CreateWith("timezone", "Mars/Olympus_Mons"), "timezone",
              "timezone must be a valid IANA time zone");
  ExpectError(CreateWith("timezone", 1), "timezone",
              "Invalid input: expected string, received number");
  ExpectError(CreateWith("timezone", nullptr), "timezone",
              "Invalid input: expected string, received null");
  EXPECT_EQ(CreateWith("timezone", "europe/paris")->timezone, "Europe/Paris");
}

TEST_F(DtoTest, Booleans) {
  ExpectError(CreateWith("enabled", "true"), "enabled",
              "Invalid input: expected boolean, received string");
  ExpectError(CreateWith("enabled", 1), "enabled",
              "Invalid input: expected boolean, received number");
  ExpectError(CreateWith("enabled", nullptr), "enabled",
              "Invalid input: expected boolean, received null");
  ExpectError(CreateWith("enabled", json::object{}), "enabled",
              "Invalid input: expected boolean, received object");
  ExpectError(CreateWith("enabled", json::array{}), "enabled",
              "Invalid input: expected boolean, received array");
  EXPECT_FALSE(CreateWith("enabled", false)->enabled);
}

TEST_F(DtoTest, Enums) {
  const std::string overlap = R"(Invalid option: expected one of "skip"|"allow"|"queue")";
  const std::string catchup = R"(Invalid option: expected one of "latest"|"all"|"none")";
  for (json::value bad : {json::value("bogus"), json::value("SKIP"), json::value(1),
                          json::value(nullptr), json::value(json::array{})}) {
    ExpectError(CreateWith("overlap", bad), "overlap", overlap);
    ExpectError(CreateWith("catchup", bad), "catchup", catchup);
  }
  EXPECT_EQ(CreateWith("overlap", "allow")->overlap, core::Overlap::kAllow);
  EXPECT_EQ(CreateWith("catchup", "none")->catchup, core::Catchup::kNone);
}

TEST_F(DtoTest, Integers) {
  ExpectError(CreateWith("catchup_window_seconds", -1), "catchup_window_seconds",
              "Too small: expected number to be >=0");
  ExpectError(CreateWith("catchup_window_seconds", 31536001), "catchup_window_seconds",
              "Too big: expected number to be <=31536000");
  EXPECT_EQ(CreateWith("catchup_window_seconds", 31536000)->catchup_window_seconds, 31536000);
  ExpectError(CreateWith("max_attempts", 0), "max_attempts",
              "Too small: expected number to be >=1");
  ExpectError(CreateWith("max_attempts", 11), "max_attempts",
              "Too big: expected number to be <=10");
  ExpectError(CreateWith("timeout_seconds", 0), "timeout_seconds",
              "Too small: expected number to be >=1");
  ExpectError(CreateWith("timeout_seconds", 86401), "timeout_seconds",
              "Too big: expected number to be <=86400");
  ExpectError(CreateWith("max_attempts", 1.5), "max_attempts",
              "Invalid input: expected int, received number");
  ExpectError(CreateWith("max_attempts", -0.5), "max_attempts",
              "Invalid input: expected int, received number");
  ExpectError(CreateWith("max_attempts", "3"), "max_attempts",
              "Invalid input: expected number, received string");
  ExpectError(CreateWith("max_attempts", nullptr), "max_attempts",
              "Invalid input: expected number, received null");
  ExpectError(CreateWith("max_attempts", true), "max_attempts",
              "Invalid input: expected number, received boolean");
  ExpectError(CreateWith("max_attempts", json::object{}), "max_attempts",
              "Invalid input: expected number, received object");
  ExpectError(CreateWith("max_attempts", json::array{}), "max_attempts",
              "Invalid input: expected number, received array");
  // JSON numbers are JavaScript numbers: 3.0 and 1e1 are integers.
  EXPECT_EQ(CreateWith("max_attempts", 3.0)->max_attempts, 3);
  auto text = [&](std::string_view number) {
    std::string body = Str(ValidCreate());
    body.pop_back();
    return DecodeCreateTask(body + ",\"timeout_seconds\":" + std::string(number) + "}", Ctx());
  };
  EXPECT_EQ(text("1e1")->timeout_seconds, 10);
  ExpectError(text("1e400"), "timeout_seconds", "Too big: expected number to be <=86400");
  ExpectError(text("-1e400"), "timeout_seconds", "Too small: expected number to be >=1");
  ExpectError(text("18446744073709551615"), "timeout_seconds",
              "Too big: expected number to be <=86400");
  ExpectError(text("-9223372036854775808"), "timeout_seconds",
              "Too small: expected number to be >=1");
  ExpectError(text("1e30"), "timeout_seconds", "Too big: expected number to be <=86400");
}

TEST_F(DtoTest, FirstProblemInDeclarationOrder) {
  // A bad schedule and a wrong-typed enabled: the schedule comes first.
  json::object body = ValidCreate();
  body["schedule"] = "61 * * * *";
  body["enabled"] = "yes";
  auto r = Create(body);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "schedule");
  // Everything wrong: title first, even when it appears last in the body.
  auto all_bad = DecodeCreateTask(
      R"({"max_attempts":0,"schedule":"x","prompt":1,"unknown":1,"title":false})", Ctx());
  ExpectError(all_bad, "title", "Invalid input: expected string, received boolean");
  // Unknown keys only once everything else is fine.
  body = ValidCreate();
  body["zeta"] = 1;
  body["max_attempts"] = 0;
  ExpectError(Create(body), "max_attempts", "Too small: expected number to be >=1");
  body["max_attempts"] = 2;
  ExpectError(Create(body), "", R"(Unrecognized key: "zeta")");
  body["alpha"] = nullptr;
  ExpectError(Create(body), "", R"(Unrecognized keys: "zeta", "alpha")");
  // Order within the extension fields.
  body = ValidCreate();
  body["timeout_seconds"] = 0;
  body["overlap"] = "x";
  body["timezone"] = "Nowhere/Land";
  ExpectError(Create(body), "timezone", "timezone must be a valid IANA time zone");
  body.erase("timezone");
  ExpectError(Create(body), "overlap", R"(Invalid option: expected one of "skip"|"allow"|"queue")");
  // account_id (optional) comes after artist_account_id but before model.
  body = ValidCreate();
  body["model"] = "";
  body["account_id"] = "x";
  ExpectError(Create(body), "account_id", "account_id must be a valid UUID");
}

TEST_F(DtoTest, DuplicateKeysLastWins) {
  std::string body = Str(ValidCreate());
  body.pop_back();
  auto r = DecodeCreateTask(body + R"(,"max_attempts":99,"max_attempts":4})", Ctx());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->max_attempts, 4);
}

// ---------------------------------------------------------------------------------------------
// Update

TEST_F(DtoTest, UpdateRequiresIdFirst) {
  ExpectError(Update(json::object{{"title", 5}}), "id",
              "Invalid input: expected string, received undefined");
  ExpectError(Update(json::object{{"id", ""}}), "id", "id parameter is required");
  ExpectError(Update(json::object{{"id", 7}}), "id",
              "Invalid input: expected string, received number");
  ExpectError(Update(json::object{{"id", nullptr}}), "id",
              "Invalid input: expected string, received null");
  ExpectError(Update(json::object{{"id", "abc"}, {"title", 5}}), "id", "id must be a valid UUID");
}

TEST_F(DtoTest, UpdateOnlyId) {
  auto r = Update(json::object{{"id", "0B7E2F4A-93C1-4D2E-8F00-1234567890AB"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, kTaskId);
  EXPECT_FALSE(r->title || r->prompt || r->schedule || r->artist_account_id || r->account_id ||
               r->model || r->timezone || r->enabled || r->overlap || r->catchup ||
               r->catchup_window_seconds || r->max_attempts || r->timeout_seconds);
}

TEST_F(DtoTest, UpdateFieldsAreOptional) {
  auto r = Update(json::object{{"id", kTaskId},
                               {"title", "New"},
                               {"schedule", "*/5 * * * *"},
                               {"model", nullptr},
                               {"timezone", "Europe/London"},
                               {"enabled", false},
                               {"overlap", "allow"},
                               {"catchup", "none"},
                               {"catchup_window_seconds", 60},
                               {"max_attempts", 1},
                               {"timeout_seconds", 30},
                               {"account_id", kAccount}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->title, std::optional<std::string>("New"));
  EXPECT_FALSE(r->prompt);
  EXPECT_EQ(r->schedule, std::optional<std::string>("*/5 * * * *"));
  ASSERT_TRUE(r->model.has_value());  // present as null: reset to the default
  EXPECT_FALSE(r->model->has_value());
  EXPECT_EQ(r->timezone, std::optional<std::string>("Europe/London"));
  EXPECT_EQ(r->enabled, std::optional<bool>(false));
  EXPECT_EQ(r->overlap, core::Overlap::kAllow);
  EXPECT_EQ(r->catchup, core::Catchup::kNone);
  EXPECT_EQ(r->catchup_window_seconds, std::optional<int64_t>(60));
  EXPECT_EQ(r->max_attempts, std::optional<int>(1));
  EXPECT_EQ(r->timeout_seconds, std::optional<int>(30));
  EXPECT_EQ(r->account_id, std::optional<std::string>(kAccount));
  auto model = Update(json::object{{"id", kTaskId}, {"model", "m1"}});
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->model, std::optional<std::optional<std::string>>("m1"));
}

TEST_F(DtoTest, UpdateEmptyStringsAreNonEmptyErrors) {
  for (const char* key :
       {"title", "prompt", "schedule", "artist_account_id", "model", "timezone", "account_id"}) {
    ExpectError(Update(json::object{{"id", kTaskId}, {key, ""}}), key,
                std::string(key) + " must be a non-empty string");
  }
}

TEST_F(DtoTest, UpdateChecksLikeCreate) {
  ExpectError(Update(json::object{{"id", kTaskId}, {"schedule", "0 25 * * *"}}), "schedule",
              "schedule is not a valid cron expression: hour value 25 out of range 0-23");
  ExpectError(Update(json::object{{"id", kTaskId}, {"title", nullptr}}), "title",
              "Invalid input: expected string, received null");
  ExpectError(Update(json::object{{"id", kTaskId}, {"enabled", "false"}}), "enabled",
              "Invalid input: expected boolean, received string");
  ExpectError(Update(json::object{{"id", kTaskId}, {"artist_account_id", "x"}}),
              "artist_account_id", "artist_account_id must be a valid UUID");
  ExpectError(Update(json::object{{"id", kTaskId}, {"foo", 1}, {"max_attempts", 20}}),
              "max_attempts", "Too big: expected number to be <=10");
  ExpectError(Update(json::object{{"id", kTaskId}, {"foo", 1}}), "", R"(Unrecognized key: "foo")");
  ExpectError(Update(json::object{{"id", kTaskId}, {"next_slot", 1}, {"created_at", 1}}), "",
              R"(Unrecognized keys: "next_slot", "created_at")");
}

// ---------------------------------------------------------------------------------------------
// Delete, trigger, run actions

TEST_F(DtoTest, Delete) {
  auto r = DecodeDeleteTask(Str(json::object{{"id", kTaskId}, {"account_id", kAccount}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, kTaskId);
  EXPECT_EQ(r->account_id, std::optional<std::string>(kAccount));
  EXPECT_FALSE(DecodeDeleteTask(Str(json::object{{"id", kTaskId}}))->account_id);
  ExpectError(DecodeDeleteTask("{}"), "id", "Invalid input: expected string, received undefined");
  ExpectError(DecodeDeleteTask(R"({"id":""})"), "id", "id parameter is required");
  ExpectError(DecodeDeleteTask(R"({"id":"x"})"), "id", "id must be a valid UUID");
  ExpectError(DecodeDeleteTask(Str(json::object{{"id", kTaskId}, {"account_id", 1}})), "account_id",
              "Invalid input: expected string, received number");
  ExpectError(DecodeDeleteTask(Str(json::object{{"id", kTaskId}, {"title", "x"}})), "",
              R"(Unrecognized key: "title")");
  ExpectError(DecodeDeleteTask("{"), "", "Invalid JSON body");
}

TEST_F(DtoTest, Trigger) {
  auto r = DecodeTrigger(
      Str(json::object{{"id", kTaskId}, {"idempotency_key", "k-1"}, {"account_id", kAccount}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, kTaskId);
  EXPECT_EQ(r->idempotency_key, std::optional<std::string>("k-1"));
  EXPECT_EQ(r->account_id, std::optional<std::string>(kAccount));
  auto bare = DecodeTrigger(Str(json::object{{"id", kTaskId}}));
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->idempotency_key);
  ExpectError(DecodeTrigger("{}"), "id", "Invalid input: expected string, received undefined");
  ExpectError(DecodeTrigger(Str(json::object{{"id", kTaskId}, {"idempotency_key", ""}})),
              "idempotency_key", "idempotency_key must be a non-empty string");
  ExpectError(DecodeTrigger(Str(json::object{{"id", kTaskId}, {"idempotency_key", nullptr}})),
              "idempotency_key", "Invalid input: expected string, received null");
  ExpectError(
      DecodeTrigger(Str(json::object{{"id", kTaskId}, {"idempotency_key", std::string(257, 'k')}})),
      "idempotency_key", "Too big: expected string to have <=256 characters");
  // idempotency_key is checked before account_id.
  ExpectError(DecodeTrigger(
                  Str(json::object{{"id", kTaskId}, {"account_id", "x"}, {"idempotency_key", 5}})),
              "idempotency_key", "Invalid input: expected string, received number");
  ExpectError(DecodeTrigger(Str(json::object{{"id", kTaskId}, {"account_id", "x"}})), "account_id",
              "account_id must be a valid UUID");
  ExpectError(DecodeTrigger(Str(json::object{{"id", kTaskId}, {"runId", "x"}})), "",
              R"(Unrecognized key: "runId")");
}

TEST_F(DtoTest, RunAction) {
  auto r = DecodeRunAction(R"({"runId":"run_abcdefghijklmnopqrstuvwx"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->run_id, "run_abcdefghijklmnopqrstuvwx");
  ExpectError(DecodeRunAction("{}"), "runId", "Invalid input: expected string, received undefined");
  ExpectError(DecodeRunAction(R"({"runId":""})"), "runId", "runId parameter is required");
  ExpectError(DecodeRunAction(R"({"runId":5})"), "runId",
              "Invalid input: expected string, received number");
  ExpectError(DecodeRunAction(R"({"run_id":"x"})"), "runId",
              "Invalid input: expected string, received undefined");
  ExpectError(DecodeRunAction(R"({"runId":"x","a":1,"b":2})"), "",
              R"(Unrecognized keys: "a", "b")");
  ExpectError(DecodeRunAction("{\"runId\":\"\xff\"}"), "", "Invalid JSON body");
}

// ---------------------------------------------------------------------------------------------
// Query strings

TEST(QueryDecoderTest, TaskDefaults) {
  for (std::string_view q : {"", "?", "&&", "unknown=1&_=123"}) {
    auto r = DecodeListTasksQuery(q);
    ASSERT_TRUE(r.ok()) << q;
    EXPECT_FALSE(r->id || r->account_id || r->artist_account_id || r->enabled || r->cursor);
    EXPECT_EQ(r->limit, 100u);
  }
}

TEST(QueryDecoderTest, TaskFilters) {
  auto r = DecodeListTasksQuery(
      "?id=0B7E2F4A-93C1-4D2E-8F00-1234567890AB&account_id=" + std::string(kAccount) +
      "&artist_account_id=1873859c%2Ddd37-4e9a-9bac-80d35a1b2c3d&enabled=false&limit=1000");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, std::optional<std::string>(kTaskId));
  EXPECT_EQ(r->account_id, std::optional<std::string>(kAccount));
  EXPECT_EQ(r->artist_account_id, std::optional<std::string>(kArtist));  // percent-decoded
  EXPECT_EQ(r->enabled, std::optional<bool>(false));
  EXPECT_EQ(r->limit, 1000u);
}

TEST(QueryDecoderTest, UuidParameters) {
  for (const char* name : {"id", "account_id", "artist_account_id"}) {
    ExpectError(DecodeListTasksQuery(std::string(name) + "=nope"), name,
                std::string(name) + " must be a valid UUID");
    ExpectError(DecodeListTasksQuery(std::string(name) + "="), name,
                std::string(name) + " must be a valid UUID");
  }
  ExpectError(DecodeListRunsQuery("task_id=1"), "task_id", "task_id must be a valid UUID");
  ExpectError(DecodeListRunsQuery("account_id=1"), "account_id", "account_id must be a valid UUID");
}

TEST(QueryDecoderTest, Booleans) {
  EXPECT_EQ(DecodeListTasksQuery("enabled=true")->enabled, std::optional<bool>(true));
  EXPECT_EQ(DecodeListTasksQuery("enabled=1")->enabled, std::optional<bool>(true));
  EXPECT_EQ(DecodeListTasksQuery("enabled=false")->enabled, std::optional<bool>(false));
  EXPECT_EQ(DecodeListTasksQuery("enabled=0")->enabled, std::optional<bool>(false));
  for (std::string_view q :
       {"enabled=", "enabled", "enabled=TRUE", "enabled=yes", "enabled=2", "enabled=%20true"}) {
    ExpectError(DecodeListTasksQuery(q), "enabled", "enabled must be true or false");
  }
}

TEST(QueryDecoderTest, Limits) {
  ExpectError(DecodeListTasksQuery("limit=0"), "limit", "Too small: expected number to be >=1");
  ExpectError(DecodeListTasksQuery("limit=-1"), "limit", "Too small: expected number to be >=1");
  ExpectError(DecodeListTasksQuery("limit="), "limit", "Too small: expected number to be >=1");
  ExpectError(DecodeListTasksQuery("limit"), "limit", "Too small: expected number to be >=1");
  ExpectError(DecodeListTasksQuery("limit=1001"), "limit", "Too big: expected number to be <=1000");
  ExpectError(DecodeListTasksQuery("limit=1e400"), "limit",
              "Too big: expected number to be <=1000");
  ExpectError(DecodeListTasksQuery("limit=1e-400"), "limit",
              "Too small: expected number to be >=1");
  ExpectError(DecodeListRunsQuery("limit=101"), "limit", "Too big: expected number to be <=100");
  ExpectError(DecodeListRunsQuery("limit=0"), "limit", "Too small: expected number to be >=1");
  for (std::string_view nan : {"limit=abc", "limit=0x10", "limit=Infinity", "limit=1e", "limit=.",
                               "limit=1_0", "limit=--1", "limit=%zz", "limit=5abc"}) {
    ExpectError(DecodeListRunsQuery(nan), "limit", "Invalid input: expected number, received NaN");
  }
  ExpectError(DecodeListRunsQuery("limit=1.5"), "limit",
              "Invalid input: expected int, received number");
  ExpectError(DecodeListRunsQuery("limit=-0.5"), "limit",
              "Invalid input: expected int, received number");
  // What JavaScript's Number() accepts.
  EXPECT_EQ(DecodeListRunsQuery("limit=1.0")->limit, 1u);
  EXPECT_EQ(DecodeListRunsQuery("limit=1e2")->limit, 100u);
  EXPECT_EQ(DecodeListRunsQuery("limit=%205%20")->limit, 5u);
  EXPECT_EQ(DecodeListRunsQuery("limit=+5")->limit, 5u);  // '+' is a space
  EXPECT_EQ(DecodeListRunsQuery("limit=%2B7")->limit, 7u);
  EXPECT_EQ(DecodeListRunsQuery("limit=007")->limit, 7u);
  EXPECT_EQ(DecodeListRunsQuery("")->limit, 20u);
}

TEST(QueryDecoderTest, RepeatedParametersFirstWins) {
  EXPECT_EQ(DecodeListTasksQuery("limit=5&limit=abc")->limit, 5u);
  ExpectError(DecodeListTasksQuery("limit=abc&limit=5"), "limit",
              "Invalid input: expected number, received NaN");
}

TEST(QueryDecoderTest, OddCharactersAreTakenLiterally) {
  EXPECT_TRUE(DecodeListTasksQuery("q={\"a\"}&x=%zz&y=a b|c&limit=3").ok());
  EXPECT_EQ(DecodeListTasksQuery("q={\"a\"}&x=%zz&y=a b|c&limit=3")->limit, 3u);
  EXPECT_TRUE(DecodeListTasksQuery("x=%&y=%f&z=%FF").ok());
}

TEST(QueryDecoderTest, CheckedInOrder) {
  ExpectError(DecodeListTasksQuery("limit=0&cursor=bad&enabled=x&id=x"), "id",
              "id must be a valid UUID");
  ExpectError(DecodeListTasksQuery("limit=0&cursor=bad&enabled=x"), "enabled",
              "enabled must be true or false");
  ExpectError(DecodeListTasksQuery("cursor=bad&limit=0"), "limit",
              "Too small: expected number to be >=1");
  ExpectError(DecodeListRunsQuery("limit=0&status=x&task_id=x&account_id=x&runId="), "runId",
              "runId must be a non-empty string");
  ExpectError(DecodeListRunsQuery("limit=0&status=x&task_id=x&account_id=x"), "account_id",
              "account_id must be a valid UUID");
  ExpectError(DecodeListRunsQuery("limit=0&status=x&task_id=x"), "task_id",
              "task_id must be a valid UUID");
  ExpectError(DecodeListRunsQuery("limit=0&status=x"), "status",
              "status must be one of QUEUED, DELAYED, EXECUTING, REATTEMPTING, COMPLETED, FAILED, "
              "CANCELED, CRASHED, INTERRUPTED, SYSTEM_FAILURE");
  ExpectError(DecodeListRunsQuery("cursor=x&limit=0"), "limit",
              "Too small: expected number to be >=1");
}

TEST(QueryDecoderTest, Runs) {
  auto r = DecodeListRunsQuery("runId=run_abc&task_id=" + std::string(kTaskId) +
                               "&status=COMPLETED&limit=7");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->run_id, std::optional<std::string>("run_abc"));
  EXPECT_EQ(r->task_id, std::optional<std::string>(kTaskId));
  EXPECT_EQ(r->status, core::RunStatus::kCompleted);
  EXPECT_EQ(r->limit, 7u);
  EXPECT_EQ(DecodeListRunsQuery("status=SYSTEM_FAILURE")->status, core::RunStatus::kSystemFailure);
  ExpectError(DecodeListRunsQuery("status=completed"), "status",
              "status must be one of QUEUED, DELAYED, EXECUTING, REATTEMPTING, COMPLETED, FAILED, "
              "CANCELED, CRASHED, INTERRUPTED, SYSTEM_FAILURE");
  ExpectError(DecodeListRunsQuery("status="), "status",
              "status must be one of QUEUED, DELAYED, EXECUTING, REATTEMPTING, COMPLETED, FAILED, "
              "CANCELED, CRASHED, INTERRUPTED, SYSTEM_FAILURE");
}

TEST(QueryDecoderTest, Cursors) {
  std::string cursor =
      EncodeCursor({core::Millis(std::chrono::milliseconds(1774602000123)), kTaskId});
  auto r = DecodeListTasksQuery("cursor=" + cursor);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->cursor, std::optional<std::string>(cursor));
  EXPECT_EQ(DecodeListRunsQuery("cursor=" + cursor)->cursor, std::optional<std::string>(cursor));
  for (std::string_view bad : {"cursor=", "cursor=abc", "cursor=null", "cursor=%00"}) {
    ExpectError(DecodeListTasksQuery(bad), "cursor", "cursor is invalid");
    ExpectError(DecodeListRunsQuery(bad), "cursor", "cursor is invalid");
  }
}

// ---------------------------------------------------------------------------------------------
// Cursors

TEST(CursorTest, RoundTrips) {
  std::vector<storage::PageCursor> cursors = {
      {core::Millis(std::chrono::milliseconds(1774602000123)), kTaskId},
      {core::Millis(std::chrono::milliseconds(0)), "run_abcdefghijklmnopqrstuvwx"},
      {core::Millis(std::chrono::milliseconds(-5)), ""},
      {core::Millis(std::chrono::milliseconds(INT64_MAX)), std::string(300, 'z')},
      {core::Millis(std::chrono::milliseconds(INT64_MIN)), "\xc3\xa9\x00/"},
  };
  for (size_t extra = 0; extra < 3; ++extra) {  // every base64 tail length
    cursors.push_back({core::Millis(std::chrono::milliseconds(42)), std::string(extra, 'a')});
  }
  for (const auto& c : cursors) {
    std::string text = EncodeCursor(c);
    EXPECT_LE(text.size(), kMaxCursorLength);
    EXPECT_EQ(
        text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    auto back = DecodeCursor(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, c);
  }
}

TEST(CursorTest, RejectsWhatItDidNotIssue) {
  std::string good =
      EncodeCursor({core::Millis(std::chrono::milliseconds(1774602000123)), kTaskId});
  std::vector<std::string> bad = {"",
                                  "a",
                                  "abc",
                                  "!!!!",
                                  good + "=",
                                  good + "A",
                                  good.substr(1),
                                  std::string(kMaxCursorLength + 1, 'A'),
                                  "AAAAAAAAAAAAAAAAAAAA",
                                  "eyJpZCI6IngifQ"};  // base64url of {"id":"x"}
  for (size_t i = 0; i < good.size(); ++i) {          // every single-character change
    std::string tampered = good;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    bad.push_back(tampered);
  }
  std::string padded = good;  // '+' and '/' are base64, not base64url
  padded[3] = '+';
  bad.push_back(padded);
  for (const std::string& text : bad) {
    ExpectError(DecodeCursor(text), "cursor", "cursor is invalid");
  }
}

TEST(CursorTest, RejectsNonCanonicalTrailingBits) {
  // 13 fixed bytes plus the id: a 1-byte id leaves a 3-character tail with 2 unused bits, an
  // empty id a 2-character tail with 4. Flipping an unused bit decodes to the same bytes, so
  // only the canonical-form check can refuse it.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (const char* id : {"a", ""}) {
    std::string good = EncodeCursor({core::Millis(std::chrono::milliseconds(42)), id});
    ASSERT_NE(good.size() % 4, 0u);
    std::string changed = good;
    changed.back() = alphabet[alphabet.find(changed.back()) ^ 1];
    ExpectError(DecodeCursor(changed), "cursor", "cursor is invalid");
  }
}

// ---------------------------------------------------------------------------------------------
// Encoders

core::Millis Ms(const char* iso) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(*core::ParseIso8601(iso));
}

core::Run SlotRun() {
  core::Run run;
  run.id = "run_abcdefghijklmnopqrstuvwx";
  run.task_id = kTaskId;
  run.account_id = kAccount;
  run.artist_account_id = kArtist;
  run.status = core::RunStatus::kCompleted;
  run.slot = *core::ParseIso8601("2026-03-27T09:00:00Z");
  run.created_at = Ms("2026-03-27T09:00:00Z") + std::chrono::milliseconds(12);
  run.updated_at = Ms("2026-03-27T09:00:05Z");
  run.started_at = Ms("2026-03-27T09:00:01Z");
  run.finished_at = Ms("2026-03-27T09:00:05Z");
  run.cost_in_cents = 0;
  run.base_cost_in_cents = 1.5;
  run.duration_ms = 4000;
  run.payload_json = R"({"timestamp":"2026-03-27T09:00:00.000Z","type":"DECLARATIVE"})";
  run.output_json = R"({"text":"done"})";
  run.schedule_expression = "0 9 * * 4";
  core::RunAttempt attempt;
  attempt.id = "attempt_1";
  attempt.status = "COMPLETED";
  attempt.created_at = Ms("2026-03-27T09:00:01Z");
  attempt.updated_at = Ms("2026-03-27T09:00:05Z");
  attempt.started_at = Ms("2026-03-27T09:00:01Z");
  attempt.completed_at = Ms("2026-03-27T09:00:05Z");
  run.attempts.push_back(attempt);
  return run;
}

const std::vector<std::string> kRunListKeys = {
    "id",        "status",    "taskIdentifier", "idempotencyKey", "version",         "isTest",
    "createdAt", "updatedAt", "startedAt",      "finishedAt",     "delayedUntil",    "ttl",
    "expiredAt", "tags",      "metadata",       "costInCents",    "baseCostInCents", "durationMs",
    "env",       "depth",     "batchId",        "triggerFunction"};

void ExpectRunListShape(const json::object& o, const core::Run& run) {
  EXPECT_EQ(Keys(o), kRunListKeys);
  EXPECT_EQ(o.at("id"), json::value(run.id));
  EXPECT_EQ(o.at("status"), json::value(core::RunStatusName(run.status)));
  EXPECT_EQ(o.at("taskIdentifier"), "customer-prompt-task");
  EXPECT_TRUE(o.at("version").is_string());
  EXPECT_EQ(o.at("isTest"), json::value(run.is_test));
  EXPECT_EQ(o.at("createdAt"), json::value(core::FormatIso8601Millis(run.created_at)));
  EXPECT_EQ(o.at("updatedAt"), json::value(core::FormatIso8601Millis(run.updated_at)));
  EXPECT_EQ(o.at("tags"), (json::array{json::value("account:" + std::string(kAccount)),
                                       json::value("task:" + std::string(kTaskId)),
                                       json::value("artist:" + std::string(kArtist))}));
  EXPECT_EQ(o.at("metadata"), json::object{});
  EXPECT_TRUE(o.at("costInCents").is_number());
  EXPECT_TRUE(o.at("baseCostInCents").is_number());
  EXPECT_EQ(o.at("durationMs"), json::value(run.duration_ms));
  EXPECT_EQ(o.at("env"), (json::object{{"id", "env_prod"}, {"name", "prod"}, {"user", nullptr}}));
  EXPECT_EQ(o.at("depth"), 0);
  EXPECT_TRUE(o.at("batchId").is_null());
  EXPECT_EQ(o.at("triggerFunction"), "trigger");
}

TEST(EncoderTest, RunListForm) {
  core::Run run = SlotRun();
  std::string text = EncodeRuns(std::vector<core::Run>{run}, std::optional<std::string>("next"));
  json::object body = json::parse(text).as_object();
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"status", "runs", "next_cursor"}));
  EXPECT_EQ(body.at("status"), "success");
  EXPECT_EQ(body.at("next_cursor"), "next");
  ASSERT_EQ(body.at("runs").as_array().size(), 1u);
  const json::object& o = body.at("runs").as_array()[0].as_object();
  ExpectRunListShape(o, run);
  EXPECT_EQ(o.at("idempotencyKey"),
            json::value(std::string(kTaskId) + ":2026-03-27T09:00:00.000Z"));
  EXPECT_EQ(o.at("createdAt"), "2026-03-27T09:00:00.012Z");
  EXPECT_EQ(o.at("startedAt"), "2026-03-27T09:00:01.000Z");
  EXPECT_EQ(o.at("finishedAt"), "2026-03-27T09:00:05.000Z");
  EXPECT_TRUE(o.at("delayedUntil").is_null());
  EXPECT_TRUE(o.at("ttl").is_null());
  EXPECT_TRUE(o.at("expiredAt").is_null());
  // Whole numbers print as integers, fractions as numbers.
  EXPECT_NE(text.find(R"("costInCents":0,)"), std::string::npos) << text;
  EXPECT_DOUBLE_EQ(o.at("baseCostInCents").to_number<double>(), 1.5);
  // The last page says so.
  json::object last = json::parse(EncodeRuns(std::vector<core::Run>{}, std::nullopt)).as_object();
  EXPECT_TRUE(last.at("next_cursor").is_null());
  EXPECT_TRUE(last.at("runs").as_array().empty());
}

TEST(EncoderTest, RunIdempotencyKeys) {
  core::Run run = SlotRun();
  run.idempotency_key = "stored";
  auto first = [](const std::string& text) {
    return json::parse(text).at("runs").as_array()[0].as_object();
  };
  EXPECT_EQ(first(EncodeRuns(std::vector<core::Run>{run}, RunForm::kList)).at("idempotencyKey"),
            "stored");
  run.slot.reset();
  run.idempotency_key.reset();
  EXPECT_TRUE(first(EncodeRuns(std::vector<core::Run>{run}, RunForm::kList))
                  .at("idempotencyKey")
                  .is_null());
  EXPECT_EQ(SlotIdempotencyKey(kTaskId, *core::ParseIso8601("2026-03-27T09:00:00Z")),
            std::string(kTaskId) + ":2026-03-27T09:00:00.000Z");
}

TEST(EncoderTest, RunOptionalTimes) {
  core::Run run = SlotRun();
  run.status = core::RunStatus::kCanceled;
  run.delayed_until = Ms("2026-03-27T09:10:00Z");
  run.expired_at = Ms("2026-03-27T10:00:00Z");
  run.ttl_seconds = 3600;
  run.is_test = true;
  json::object o = json::parse(EncodeRuns(std::vector<core::Run>{run}, RunForm::kList))
                       .at("runs")
                       .as_array()[0]
                       .as_object();
  ExpectRunListShape(o, run);
  EXPECT_EQ(o.at("delayedUntil"), "2026-03-27T09:10:00.000Z");
  EXPECT_EQ(o.at("expiredAt"), "2026-03-27T10:00:00.000Z");
  EXPECT_EQ(o.at("ttl"), "3600s");
  EXPECT_EQ(o.at("isTest"), true);
  EXPECT_EQ(o.at("status"), "CANCELED");
}

TEST(EncoderTest, RunDetailForm) {
  core::Run run = SlotRun();
  run.error = core::RunError{"boom", "TimeoutError", "at x"};
  run.attempts[0].error = core::RunError{"a", "b", "c"};
  std::string text = EncodeRuns(std::vector<core::Run>{run}, RunForm::kDetail);
  json::object body = json::parse(text).as_object();
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"status", "runs"}));
  const json::object& o = body.at("runs").as_array()[0].as_object();
  std::vector<std::string> keys = kRunListKeys;
  for (const char* k : {"payload", "output", "error", "attempts", "schedule", "relatedRuns"}) {
    keys.emplace_back(k);
  }
  EXPECT_EQ(Keys(o), keys);
  EXPECT_EQ(o.at("payload"), json::parse(run.payload_json));
  EXPECT_EQ(o.at("output"), json::parse(*run.output_json));
  EXPECT_EQ(o.at("error"),
            (json::object{{"message", "boom"}, {"name", "TimeoutError"}, {"stackTrace", "at x"}}));
  ASSERT_EQ(o.at("attempts").as_array().size(), 1u);
  const json::object& attempt = o.at("attempts").as_array()[0].as_object();
  EXPECT_EQ(Keys(attempt), (std::vector<std::string>{"id", "status", "createdAt", "updatedAt",
                                                     "startedAt", "completedAt", "error"}));
  EXPECT_EQ(attempt.at("id"), "attempt_1");
  EXPECT_EQ(attempt.at("status"), "COMPLETED");
  EXPECT_EQ(attempt.at("completedAt"), "2026-03-27T09:00:05.000Z");
  EXPECT_EQ(attempt.at("error"),
            (json::object{{"message", "a"}, {"name", "b"}, {"stackTrace", "c"}}));
  core::Task owner;
  owner.id = kTaskId;
  EXPECT_EQ(o.at("schedule"),
            (json::object{{"id", json::value(*core::TriggerScheduleId(owner))},
                          {"generator", json::object{{"type", "CRON"},
                                                     {"expression", "0 9 * * 4"},
                                                     {"description", "At 09:00 on Thursday"}}}}));
  EXPECT_EQ(o.at("relatedRuns"),
            (json::object{{"root", nullptr}, {"parent", nullptr}, {"children", json::array{}}}));
}

TEST(EncoderTest, RunDetailNullsAndTriggerRuns) {
  core::Run run = SlotRun();
  run.slot.reset();  // a trigger-now run has no schedule
  run.output_json.reset();
  run.payload_json = "not json";
  run.attempts.clear();
  json::object o = json::parse(EncodeRuns(std::vector<core::Run>{run}, RunForm::kDetail))
                       .at("runs")
                       .as_array()[0]
                       .as_object();
  EXPECT_TRUE(o.at("payload").is_null());
  EXPECT_TRUE(o.at("output").is_null());
  EXPECT_TRUE(o.at("error").is_null());
  EXPECT_TRUE(o.at("attempts").as_array().empty());
  EXPECT_TRUE(o.at("schedule").is_null());
}

core::Task SampleTask() {
  core::Task t;
  t.id = kTaskId;
  t.account_id = kAccount;
  t.artist_account_id = kArtist;
  t.title = "Weekly \"Genre\" Pulse";
  t.prompt = "Line one\nline two \xf0\x9f\x98\x80";
  t.schedule = "0 9 * * 4";
  t.timezone = "America/New_York";
  t.created_at = Ms("2026-03-01T10:00:00Z") + std::chrono::milliseconds(7);
  t.updated_at = Ms("2026-03-02T10:00:00Z");
  return t;
}

const std::vector<std::string> kTaskKeys = {"id",
                                            "title",
                                            "prompt",
                                            "schedule",
                                            "timezone",
                                            "account_id",
                                            "artist_account_id",
                                            "enabled",
                                            "model",
                                            "trigger_schedule_id",
                                            "created_at",
                                            "updated_at",
                                            "recent_runs",
                                            "upcoming",
                                            "owner_email",
                                            "overlap",
                                            "catchup",
                                            "catchup_window_seconds",
                                            "max_attempts",
                                            "timeout_seconds",
                                            "schedule_description"};

TEST(EncoderTest, TaskShape) {
  core::Task task = SampleTask();
  TaskView view{task, {SlotRun()}, {*core::ParseIso8601("2026-03-05T14:00:00Z")}, "a@b.example"};
  std::string text = EncodeTasks(std::vector<TaskView>{view}, std::optional<std::string>("cur"));
  json::object body = json::parse(text).as_object();
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"status", "tasks", "next_cursor"}));
  EXPECT_EQ(body.at("next_cursor"), "cur");
  const json::object& o = body.at("tasks").as_array()[0].as_object();
  EXPECT_EQ(Keys(o), kTaskKeys);
  EXPECT_EQ(o.at("id"), kTaskId);
  EXPECT_EQ(o.at("title"), json::value(task.title));
  EXPECT_EQ(o.at("prompt"), json::value(task.prompt));
  EXPECT_EQ(o.at("schedule"), "0 9 * * 4");
  EXPECT_EQ(o.at("timezone"), "America/New_York");
  EXPECT_EQ(o.at("account_id"), kAccount);
  EXPECT_EQ(o.at("artist_account_id"), kArtist);
  EXPECT_EQ(o.at("enabled"), true);
  EXPECT_TRUE(o.at("model").is_null());
  EXPECT_EQ(o.at("trigger_schedule_id"), json::value(*core::TriggerScheduleId(task)));
  EXPECT_EQ(o.at("created_at"), "2026-03-01T10:00:00.007Z");
  EXPECT_EQ(o.at("updated_at"), "2026-03-02T10:00:00.000Z");
  ASSERT_EQ(o.at("recent_runs").as_array().size(), 1u);
  ExpectRunListShape(o.at("recent_runs").as_array()[0].as_object(), SlotRun());
  EXPECT_EQ(o.at("upcoming"), (json::array{"2026-03-05T14:00:00.000Z"}));
  EXPECT_EQ(o.at("owner_email"), "a@b.example");
  EXPECT_EQ(o.at("overlap"), "skip");
  EXPECT_EQ(o.at("catchup"), "latest");
  EXPECT_EQ(o.at("catchup_window_seconds"), 3600);
  EXPECT_EQ(o.at("max_attempts"), 3);
  EXPECT_EQ(o.at("timeout_seconds"), 3600);
  EXPECT_TRUE(o.at("catchup_window_seconds").is_int64());
  EXPECT_EQ(o.at("schedule_description"), "At 09:00 on Thursday");
}

TEST(EncoderTest, TaskScheduleDescriptionReadsSecondsAndFallsBackToTheExpression) {
  core::Task task = SampleTask();
  task.schedule = "*/10 * * * * *";  // seconds: described even where the server refuses them now
  TaskView view{task, {}, {}, std::nullopt};
  json::object o =
      json::parse(EncodeTasks(std::vector<TaskView>{view})).at("tasks").at(0).as_object();
  EXPECT_EQ(o.at("schedule_description"), "Every 10 seconds");
  task.schedule = "not cron";  // cannot be stored through the API; shown as is, never dropped
  TaskView broken{task, {}, {}, std::nullopt};
  o = json::parse(EncodeTasks(std::vector<TaskView>{broken})).at("tasks").at(0).as_object();
  EXPECT_EQ(o.at("schedule_description"), "not cron");
}

TEST(EncoderTest, DisabledTaskAndOptionalFields) {
  core::Task task = SampleTask();
  task.enabled = false;
  task.model = "gpt-4o";
  task.overlap = core::Overlap::kQueue;
  task.catchup = core::Catchup::kNone;
  task.max_attempts = 10;
  TaskView view{task, {}, {*core::ParseIso8601("2026-03-05T14:00:00Z")}, std::nullopt};
  json::object body = json::parse(EncodeTasks(std::vector<TaskView>{view})).as_object();
  EXPECT_EQ(Keys(body), (std::vector<std::string>{"status", "tasks"}));  // no cursor
  const json::object& o = body.at("tasks").as_array()[0].as_object();
  EXPECT_EQ(Keys(o), kTaskKeys);
  EXPECT_EQ(o.at("enabled"), false);
  EXPECT_EQ(o.at("model"), "gpt-4o");
  EXPECT_TRUE(o.at("trigger_schedule_id").is_null());
  EXPECT_TRUE(o.at("upcoming").as_array().empty());  // [] while disabled
  EXPECT_TRUE(o.at("recent_runs").as_array().empty());
  EXPECT_TRUE(o.at("owner_email").is_null());
  EXPECT_EQ(o.at("overlap"), "queue");
  EXPECT_EQ(o.at("catchup"), "none");
  EXPECT_EQ(o.at("max_attempts"), 10);
  json::object empty = json::parse(EncodeTasks(std::vector<TaskView>{}, std::nullopt)).as_object();
  EXPECT_TRUE(empty.at("tasks").as_array().empty());
  EXPECT_TRUE(empty.at("next_cursor").is_null());
}

TEST(EncoderTest, Errors) {
  EXPECT_EQ(EncodeError(core::InvalidField("title", "title parameter is required")),
            R"({"status":"error","error":"title parameter is required",)"
            R"("message":"title parameter is required","missing_fields":["title"]})");
  EXPECT_EQ(EncodeError(core::InvalidArgument("Invalid JSON body")),
            R"({"status":"error","error":"Invalid JSON body","message":"Invalid JSON body",)"
            R"("missing_fields":[]})");
  EXPECT_EQ(EncodeError(core::NotFound("Task run not found")),
            R"({"status":"error","error":"Task run not found","message":"Task run not found"})");
  // Messages are escaped, not spliced.
  json::object o =
      json::parse(EncodeError(core::InvalidArgument(R"(Unrecognized keys: "a\", "b")")))
          .as_object();
  EXPECT_EQ(o.at("error"), R"(Unrecognized keys: "a\", "b")");
  EXPECT_EQ(o.at("message"), o.at("error"));
  EXPECT_EQ(EncodeSuccess(), R"({"status":"success"})");
}

// A decode error round-trips into the error envelope API.md shows.
TEST_F(DtoTest, DecodeErrorEncodes) {
  auto r = CreateWith("enabled", "yes");
  ASSERT_FALSE(r.ok());
  json::object o = json::parse(EncodeError(r.status())).as_object();
  EXPECT_EQ(o.at("status"), "error");
  EXPECT_EQ(o.at("error"), "Invalid input: expected boolean, received string");
  EXPECT_EQ(o.at("missing_fields"), (json::array{"enabled"}));
}

}  // namespace
}  // namespace backbeat::http::dto
