// The task API through the real binary: endpoints, envelopes, validation messages and their
// order, the Task shape, PATCH/DELETE semantics, paging and filters (API.md sections 1, 3, 4).

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;

// ISO-8601 with milliseconds and Z, as API.md section 1 writes times.
std::string IsoMillis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
  const std::time_t seconds = std::chrono::system_clock::to_time_t(ms);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.time_since_epoch().count() % 1000));
  return buf;
}

// The next `n` times of `M H * * *` in UTC strictly after `now`, computed independently of the
// server's cron engine.
std::vector<std::string> DailyUtc(int hour, int minute, std::chrono::system_clock::time_point now,
                                  int n = 5) {
  using std::chrono::days;
  using std::chrono::floor;
  auto slot = floor<days>(now) + std::chrono::hours(hour) + std::chrono::minutes(minute);
  if (slot <= now) slot += days(1);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(IsoMillis(slot + days(i)));
  return out;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

class ApiTest : public E2eTest {
 protected:
  // Asserts `method /api/tasks` with `body` answers 400 with exactly this error.
  void ExpectBodyError(std::string_view method, const std::string& body, std::string_view message,
                       std::vector<std::string> fields) {
    ApiResponse r = Api(method, "/api/tasks", body);
    EXPECT_EQ(r.status, 400) << method << " " << body;
    EXPECT_EQ(r.json, ErrorJson(message, std::move(fields))) << method << " " << body;
  }
  void ExpectQueryError(std::string_view target, std::string_view message, std::string field) {
    ApiResponse r = Api("GET", target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.json, ErrorJson(message, {std::move(field)})) << target;
  }
  size_t CountTasks() { return ListTasks("limit=1000").size(); }
};

// --- Endpoints and envelopes -------------------------------------------------------------------

TEST_F(ApiTest, HealthAndReadinessAnswerOkWithoutAuthentication) {
  for (const char* path : {"/healthz", "/readyz"}) {
    ApiResponse r = Api("GET", path, {}, "-");  // a bad key must not matter here
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.json, json::parse(R"({"status":"ok"})")) << path;
    ASSERT_NE(r.http.Header("content-type"), nullptr);
    EXPECT_EQ(*r.http.Header("content-type"), "application/json; charset=utf-8");
  }
  auto plain = server_->Call("GET", "/readyz");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->status, 200);
}

TEST_F(ApiTest, OpenApiDocumentIsServedWithoutAuthentication) {
  auto r = server_->Call("GET", "/openapi.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  json::value doc = ParseJson(r->body);
  ASSERT_TRUE(doc.is_object()) << r->body.substr(0, 200);
  EXPECT_EQ(doc.at("openapi").as_string().subview().substr(0, 4), "3.1.");
}

TEST_F(ApiTest, UnknownPathsAnswer404NotFound) {
  // "/" is the dashboard (tests/e2e/dashboard_test.cpp).
  for (const char* path : {"/nope", "/api", "/api/task", "/api/tasks/nope", "/healthz/x"}) {
    ApiResponse r = Api("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.json, ErrorJson("Not found")) << path;
    ASSERT_NE(r.http.Header("access-control-allow-origin"), nullptr) << path;
  }
}

TEST_F(ApiTest, UnsupportedMethodsAnswer405WithAllow) {
  struct Case {
    const char* method;
    const char* path;
    const char* allow;
  };
  const Case cases[] = {
      {"PUT", "/api/tasks", "GET, POST, PATCH, DELETE, OPTIONS"},
      {"HEAD", "/api/tasks/runs?x=1", nullptr},  // HEAD of a GET route is not a 405 target
      {"POST", "/api/tasks/runs", "GET, OPTIONS"},
      {"DELETE", "/api/tasks/runs", "GET, OPTIONS"},
      {"PATCH", "/api/tasks/runs", "GET, OPTIONS"},
      {"POST", "/healthz", "GET, HEAD, OPTIONS"},
      {"PUT", "/readyz", "GET, HEAD, OPTIONS"},
      {"DELETE", "/openapi.json", "GET, HEAD, OPTIONS"},
  };
  for (const Case& c : cases) {
    if (c.allow == nullptr) continue;
    ApiResponse r = Api(c.method, c.path);
    EXPECT_EQ(r.status, 405) << c.method << " " << c.path;
    EXPECT_EQ(r.json, ErrorJson("Method not allowed")) << c.method << " " << c.path;
    ASSERT_NE(r.http.Header("allow"), nullptr) << c.method << " " << c.path;
    EXPECT_EQ(*r.http.Header("allow"), c.allow) << c.method << " " << c.path;
  }
}

TEST_F(ApiTest, OptionsAnswersCorsPreflightOnEveryRoute) {
  for (const char* path :
       {"/api/tasks", "/api/tasks/runs", "/openapi.json", "/healthz", "/readyz"}) {
    // Browsers send preflights without credentials.
    auto r = server_->Call("OPTIONS", path, {},
                           {{"Origin", "https://app.example"},
                            {"Access-Control-Request-Method", "GET"},
                            {"Access-Control-Request-Headers", "x-api-key, content-type"}});
    ASSERT_TRUE(r.ok()) << path;
    EXPECT_EQ(r->status, 200) << path;
    ASSERT_NE(r->Header("access-control-allow-origin"), nullptr) << path;
    EXPECT_EQ(*r->Header("access-control-allow-origin"), "*") << path;
    const std::string* methods = r->Header("access-control-allow-methods");
    const std::string* allow = r->Header("allow");
    ASSERT_NE(methods, nullptr) << path;
    ASSERT_NE(allow, nullptr) << path;
    EXPECT_NE(methods->find("GET"), std::string::npos) << path;
    EXPECT_NE(methods->find("OPTIONS"), std::string::npos) << path;
    const std::string* headers = r->Header("access-control-allow-headers");
    ASSERT_NE(headers, nullptr) << path;
    std::string lower;
    for (char c : *headers) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* h : {"authorization", "x-api-key", "content-type"}) {
      EXPECT_NE(lower.find(h), std::string::npos) << path << " lacks " << h;
    }
  }
  auto tasks = server_->Call("OPTIONS", "/api/tasks");
  ASSERT_TRUE(tasks.ok());
  for (const char* m : {"POST", "PATCH", "DELETE"}) {
    EXPECT_NE(tasks->Header("access-control-allow-methods")->find(m), std::string::npos) << m;
  }
}

TEST_F(ApiTest, EveryAnswerCarriesCorsOrigin) {
  std::vector<ApiResponse> answers = {
      Api("GET", "/api/tasks"),        Api("GET", "/api/tasks", {}, "bb_sk_wrong"),
      Api("POST", "/api/tasks", "{}"), Api("GET", "/api/tasks/runs"),
      Api("GET", "/healthz"),          Api("PUT", "/api/tasks")};
  for (const ApiResponse& r : answers) {
    ASSERT_NE(r.http.Header("access-control-allow-origin"), nullptr) << r.status;
    EXPECT_EQ(*r.http.Header("access-control-allow-origin"), "*");
  }
}

TEST_F(ApiTest, RunsListIsEmptyWithCursorAndUnknownRunIs404) {
  ApiResponse list = Api("GET", "/api/tasks/runs");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.json, json::parse(R"({"status":"success","runs":[],"next_cursor":null})"));

  json::object task = CreateTask();
  const std::string task_id(task.at("id").as_string());
  for (const std::string& query :
       {"task_id=" + task_id, std::string("status=COMPLETED"), std::string("limit=100"),
        "account_id=" + std::string(task.at("account_id").as_string()) + "&limit=1"}) {
    ApiResponse r = Api("GET", "/api/tasks/runs?" + query);
    EXPECT_EQ(r.status, 200) << query;
    EXPECT_EQ(r.json, json::parse(R"({"status":"success","runs":[],"next_cursor":null})")) << query;
  }
  for (const char* id : {"run_0123456789abcdefghijklmn", "nope", "123e4567-e89b-42d3-a456-4266"}) {
    ApiResponse r = Api("GET", std::string("/api/tasks/runs?runId=") + id);
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(r.json, ErrorJson("Task run not found")) << id;
  }
}

TEST_F(ApiTest, RunsQueryIsValidatedInOrder) {
  const char* kStatus =
      "status must be one of QUEUED, DELAYED, EXECUTING, REATTEMPTING, COMPLETED, FAILED, "
      "CANCELED, CRASHED, INTERRUPTED, SYSTEM_FAILURE";
  ExpectQueryError("/api/tasks/runs?limit=0", "Too small: expected number to be >=1", "limit");
  ExpectQueryError("/api/tasks/runs?limit=", "Too small: expected number to be >=1", "limit");
  ExpectQueryError("/api/tasks/runs?limit=101", "Too big: expected number to be <=100", "limit");
  ExpectQueryError("/api/tasks/runs?limit=abc", "Invalid input: expected number, received NaN",
                   "limit");
  ExpectQueryError("/api/tasks/runs?limit=1.5", "Invalid input: expected int, received number",
                   "limit");
  ExpectQueryError("/api/tasks/runs?account_id=x", "account_id must be a valid UUID", "account_id");
  ExpectQueryError("/api/tasks/runs?task_id=x", "task_id must be a valid UUID", "task_id");
  ExpectQueryError("/api/tasks/runs?status=completed", kStatus, "status");
  ExpectQueryError("/api/tasks/runs?cursor=zz", "cursor is invalid", "cursor");
  ExpectQueryError("/api/tasks/runs?runId=", "runId must be a non-empty string", "runId");
  // Order: account_id, task_id, status, limit, cursor (API.md section 4 order).
  ExpectQueryError("/api/tasks/runs?cursor=zz&limit=0&status=x&task_id=x&account_id=x",
                   "account_id must be a valid UUID", "account_id");
  ExpectQueryError("/api/tasks/runs?cursor=zz&limit=0&status=x&task_id=x",
                   "task_id must be a valid UUID", "task_id");
  ExpectQueryError("/api/tasks/runs?cursor=zz&limit=0&status=x", kStatus, "status");
  ExpectQueryError("/api/tasks/runs?cursor=zz&limit=0", "Too small: expected number to be >=1",
                   "limit");
  for (const char* ok : {"limit=1", "limit=100", "limit=20", "status=QUEUED"}) {
    EXPECT_EQ(Api("GET", std::string("/api/tasks/runs?") + ok).status, 200) << ok;
  }
}

// --- Query validation of GET /api/tasks --------------------------------------------------------

TEST_F(ApiTest, TaskListQueryMessages) {
  ExpectQueryError("/api/tasks?limit=0", "Too small: expected number to be >=1", "limit");
  ExpectQueryError("/api/tasks?limit=", "Too small: expected number to be >=1", "limit");
  ExpectQueryError("/api/tasks?limit=1001", "Too big: expected number to be <=1000", "limit");
  ExpectQueryError("/api/tasks?limit=abc", "Invalid input: expected number, received NaN", "limit");
  ExpectQueryError("/api/tasks?limit=1.5", "Invalid input: expected int, received number", "limit");
  for (const char* name : {"id", "account_id", "artist_account_id"}) {
    for (const char* bad :
         {"x", "", "123e4567-e89b-42d3-a456-42661417400", "123e4567e89b42d3a456426614174000",
          "123e4567-e89b-02d3-a456-426614174000" /* version 0 */,
          "123e4567-e89b-42d3-c456-426614174000" /* variant c */}) {
      ExpectQueryError(std::string("/api/tasks?") + name + "=" + bad,
                       std::string(name) + " must be a valid UUID", name);
    }
  }
  for (const char* bad : {"yes", "", "TRUE1", "2", "no"}) {
    ExpectQueryError(std::string("/api/tasks?enabled=") + bad, "enabled must be true or false",
                     "enabled");
  }
  for (const char* bad : {"", "abc", "AAAA", "%00"}) {
    ExpectQueryError(std::string("/api/tasks?cursor=") + bad, "cursor is invalid", "cursor");
  }
  for (const char* ok :
       {"enabled=true", "enabled=false", "enabled=1", "enabled=0", "limit=1", "limit=1000",
        "id=00000000-0000-0000-0000-000000000000", "id=ffffffff-ffff-ffff-ffff-ffffffffffff",
        "artist_account_id=123E4567-E89B-42D3-A456-426614174000"}) {
    EXPECT_EQ(Api("GET", std::string("/api/tasks?") + ok).status, 200) << ok;
  }
}

TEST_F(ApiTest, TaskListQueryReportsTheFirstProblemInOrder) {
  std::string q = "cursor=bad&limit=0&enabled=x&artist_account_id=x&account_id=x&id=x";
  ExpectQueryError("/api/tasks?" + q, "id must be a valid UUID", "id");
  q = "cursor=bad&limit=0&enabled=x&artist_account_id=x&account_id=x";
  ExpectQueryError("/api/tasks?" + q, "account_id must be a valid UUID", "account_id");
  q = "cursor=bad&limit=0&enabled=x&artist_account_id=x";
  ExpectQueryError("/api/tasks?" + q, "artist_account_id must be a valid UUID",
                   "artist_account_id");
  ExpectQueryError("/api/tasks?cursor=bad&limit=0&enabled=x", "enabled must be true or false",
                   "enabled");
  ExpectQueryError("/api/tasks?cursor=bad&limit=0", "Too small: expected number to be >=1",
                   "limit");
}

// --- Creating tasks ----------------------------------------------------------------------------

TEST_F(ApiTest, CreateAnswersTheFullTaskExactlyAsGetShowsIt) {
  const auto before = std::chrono::system_clock::now();
  ApiResponse created = Api("POST", "/api/tasks", CreateBody({{"title", "Weekly pulse"}}));
  const auto after = std::chrono::system_clock::now();
  ASSERT_EQ(created.status, 200) << created.http.body;
  EXPECT_EQ(KeysOf(created.json), (std::vector<std::string>{"status", "tasks"}));
  EXPECT_EQ(created.json.at("status"), "success");
  ASSERT_EQ(created.json.at("tasks").as_array().size(), 1u);
  const json::object& task = created.json.at("tasks").at(0).as_object();
  EXPECT_EQ(KeysOf(task), TaskKeys());

  // Defaults of API.md section 3.
  EXPECT_EQ(task.at("title"), "Weekly pulse");
  EXPECT_EQ(task.at("prompt"), "prompt");
  EXPECT_EQ(task.at("schedule"), "0 9 * * *");
  EXPECT_EQ(task.at("timezone"), "UTC");
  EXPECT_EQ(task.at("artist_account_id"), json::value(kArtist));
  EXPECT_EQ(task.at("enabled"), true);
  EXPECT_TRUE(task.at("model").is_null());
  EXPECT_EQ(task.at("recent_runs"), json::array());
  EXPECT_EQ(task.at("owner_email"), "admin@localhost");
  EXPECT_EQ(task.at("overlap"), "skip");
  EXPECT_EQ(task.at("catchup"), "latest");
  EXPECT_EQ(task.at("catchup_window_seconds"), 3600);
  EXPECT_EQ(task.at("max_attempts"), 3);
  EXPECT_EQ(task.at("timeout_seconds"), 3600);
  EXPECT_TRUE(task.at("trigger_schedule_id").as_string().starts_with("sched_"));
  EXPECT_EQ(task.at("created_at"), task.at("updated_at"));
  const std::regex iso_millis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(std::string(task.at("created_at").as_string()), iso_millis));
  for (const json::value& t : task.at("upcoming").as_array()) {
    EXPECT_TRUE(std::regex_match(std::string(t.as_string()), iso_millis)) << t;
  }
  EXPECT_TRUE(
      std::regex_match(std::string(task.at("id").as_string()),
                       std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                  "[0-9a-f]{12}")));
  const std::string created_at(task.at("created_at").as_string());
  EXPECT_GE(created_at, IsoMillis(before - std::chrono::milliseconds(1)));
  EXPECT_LE(created_at, IsoMillis(after + std::chrono::milliseconds(1)));

  // upcoming: five 09:00Z instants, checked against an independent computation (either side of
  // the request, in case it straddled 09:00:00).
  const json::value& upcoming = task.at("upcoming");
  EXPECT_TRUE(upcoming == Strings(DailyUtc(9, 0, before)) ||
              upcoming == Strings(DailyUtc(9, 0, after)))
      << json::serialize(upcoming);

  ApiResponse got = Api("GET", "/api/tasks?id=" + std::string(task.at("id").as_string()));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(KeysOf(got.json), (std::vector<std::string>{"status", "tasks", "next_cursor"}));
  ASSERT_EQ(got.json.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(got.json.at("tasks").at(0), task);
  EXPECT_TRUE(got.json.at("next_cursor").is_null());
}

TEST_F(ApiTest, CreateStoresEveryOptionalField) {
  ApiResponse me = Api("GET", "/api/tasks");
  json::object task = CreateTask({{"model", "gpt-4o-mini"},
                                  {"timezone", "us/eastern"},
                                  {"enabled", true},
                                  {"overlap", "queue"},
                                  {"catchup", "all"},
                                  {"catchup_window_seconds", 0},
                                  {"max_attempts", 10},
                                  {"timeout_seconds", 86400},
                                  {"schedule", "30 7 * * MON-FRI"}});
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(task.at("model"), "gpt-4o-mini");
  EXPECT_EQ(task.at("timezone"), "America/New_York");  // stored canonical
  EXPECT_EQ(task.at("overlap"), "queue");
  EXPECT_EQ(task.at("catchup"), "all");
  EXPECT_EQ(task.at("catchup_window_seconds"), 0);
  EXPECT_EQ(task.at("max_attempts"), 10);
  EXPECT_EQ(task.at("timeout_seconds"), 86400);
  EXPECT_EQ(task.at("schedule"), "30 7 * * MON-FRI");
  // 07:30 in New York is 11:30Z (summer) or 12:30Z (winter); weekdays only.
  const json::array& upcoming = task.at("upcoming").as_array();
  ASSERT_EQ(upcoming.size(), 5u);
  for (const json::value& t : upcoming) {
    const std::string s(t.as_string());
    EXPECT_EQ(s.size(), 24u) << s;
    EXPECT_TRUE(s.substr(11) == "11:30:00.000Z" || s.substr(11) == "12:30:00.000Z") << s;
  }
  for (size_t i = 1; i < upcoming.size(); ++i) {
    EXPECT_LT(upcoming[i - 1].as_string(), upcoming[i].as_string());
  }
  // UTC aliases are stored as UTC.
  for (const char* zone : {"utc", "Etc/UTC", "Zulu", "UTC"}) {
    EXPECT_EQ(CreateTask({{"timezone", zone}}).at("timezone"), "UTC") << zone;
  }
}

TEST_F(ApiTest, NullIsAcceptedOnlyForModel) {
  json::object task = CreateTask({{"model", nullptr}});
  EXPECT_TRUE(task.at("model").is_null());
  const std::string id(task.at("id").as_string());
  ApiResponse set =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"model", "m1"}}));
  EXPECT_EQ(set.json.at("tasks").at(0).at("model"), "m1");
  ApiResponse reset =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"model", nullptr}}));
  ASSERT_EQ(reset.status, 200) << reset.http.body;
  EXPECT_TRUE(reset.json.at("tasks").at(0).at("model").is_null());

  const char* kNull = "Invalid input: expected string, received null";
  for (const char* field :
       {"title", "prompt", "schedule", "artist_account_id", "account_id", "timezone"}) {
    ExpectBodyError("POST", CreateBody({{field, nullptr}}), kNull, {field});
    ExpectBodyError("PATCH", json::serialize(json::object{{"id", id}, {field, nullptr}}), kNull,
                    {field});
  }
  ExpectBodyError("POST", CreateBody({{"enabled", nullptr}}),
                  "Invalid input: expected boolean, received null", {"enabled"});
  for (const char* field : {"catchup_window_seconds", "max_attempts", "timeout_seconds"}) {
    ExpectBodyError("POST", CreateBody({{field, nullptr}}),
                    "Invalid input: expected number, received null", {field});
  }
  ExpectBodyError("POST", CreateBody({{"overlap", nullptr}}),
                  R"(Invalid option: expected one of "skip"|"allow"|"queue")", {"overlap"});
  ExpectBodyError("POST", CreateBody({{"catchup", nullptr}}),
                  R"(Invalid option: expected one of "latest"|"all"|"none")", {"catchup"});
  ExpectBodyError("PATCH", R"({"id":null})", kNull, {"id"});
  ExpectBodyError("DELETE", R"({"id":null})", kNull, {"id"});
}

TEST_F(ApiTest, WholeBodyProblems) {
  for (const char* method : {"POST", "PATCH", "DELETE"}) {
    ExpectBodyError(method, "null", "Invalid input: expected object, received null", {});
    ExpectBodyError(method, "[]", "Invalid input: expected object, received array", {});
    ExpectBodyError(method, "[{}]", "Invalid input: expected object, received array", {});
    ExpectBodyError(method, "\"x\"", "Invalid input: expected object, received string", {});
    ExpectBodyError(method, "42", "Invalid input: expected object, received number", {});
    for (const char* bad : {"{", "{bad", "{\"title\":}", "{\"a\":1,}", "{} {}", "nul",
                            "{\"title\":\"x\" // c\n}", "{'title':'x'}"}) {
      ExpectBodyError(method, bad, "Invalid JSON body", {});
    }
  }
  // An empty body with a JSON content type is not JSON either.
  ApiResponse empty = Api("POST", "/api/tasks", {}, {}, {{"Content-Type", "application/json"}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.json, ErrorJson("Invalid JSON body", {}));
}

TEST_F(ApiTest, InvalidUtf8AndLoneSurrogatesAreInvalidJson) {
  const std::string prefix = R"({"title":")";
  const std::string suffix = R"(","prompt":"p","schedule":"0 9 * * *","artist_account_id":")" +
                             std::string(kArtist) + "\"}";
  for (const std::string& bad :
       {std::string("\xff\xfe"), std::string("\xc3"), std::string("\xe2\x82"),
        std::string("\xed\xa0\x80"), std::string("\xc0\xaf"), std::string("\\ud800"),
        std::string("\\udc00x")}) {
    ExpectBodyError("POST", prefix + bad + suffix, "Invalid JSON body", {});
  }
  // Valid multi-byte text and an escaped surrogate pair are fine, and come back unchanged.
  ApiResponse ok = Api("POST", "/api/tasks", prefix + "caf\xc3\xa9 \\ud83c\\udfb5" + suffix);
  ASSERT_EQ(ok.status, 200) << ok.http.body;
  EXPECT_EQ(ok.json.at("tasks").at(0).at("title"), "caf\xc3\xa9 \xf0\x9f\x8e\xb5");
}

TEST_F(ApiTest, MissingAndEmptyRequiredFields) {
  const char* kUndefined = "Invalid input: expected string, received undefined";
  ExpectBodyError("POST", "{}", kUndefined, {"title"});
  ExpectBodyError("POST", R"({"title":"t"})", kUndefined, {"prompt"});
  ExpectBodyError("POST", R"({"title":"t","prompt":"p"})", kUndefined, {"schedule"});
  ExpectBodyError("POST", R"({"title":"t","prompt":"p","schedule":"0 9 * * *"})", kUndefined,
                  {"artist_account_id"});
  for (const char* field : {"title", "prompt", "schedule", "artist_account_id"}) {
    ExpectBodyError("POST", CreateBody({{field, ""}}),
                    std::string(field) + " parameter is required", {field});
  }
  for (const char* field : {"model", "timezone", "account_id"}) {
    ExpectBodyError("POST", CreateBody({{field, ""}}),
                    std::string(field) + " must be a non-empty string", {field});
  }
  ExpectBodyError("PATCH", "{}", kUndefined, {"id"});
  ExpectBodyError("DELETE", "{}", kUndefined, {"id"});
  ExpectBodyError("PATCH", R"({"id":""})", "id parameter is required", {"id"});
  ExpectBodyError("DELETE", R"({"id":""})", "id parameter is required", {"id"});
  json::object task = CreateTask();
  const std::string id(task.at("id").as_string());
  for (const char* field :
       {"title", "prompt", "schedule", "artist_account_id", "model", "timezone", "account_id"}) {
    ExpectBodyError("PATCH", json::serialize(json::object{{"id", id}, {field, ""}}),
                    std::string(field) + " must be a non-empty string", {field});
  }
}

TEST_F(ApiTest, WrongTypesForEveryFieldKind) {
  struct Kind {
    std::vector<const char*> fields;
    std::string expected;  // before the received type
    std::vector<std::pair<json::value, const char*>> wrong;
  };
  const std::vector<Kind> kinds = {
      {{"title", "prompt", "schedule", "artist_account_id", "account_id", "model", "timezone"},
       "Invalid input: expected string, received ",
       {{json::value(1), "number"},
        {json::value(1.5), "number"},
        {json::value(true), "boolean"},
        {json::object(), "object"},
        {json::array(), "array"}}},
      {{"enabled"},
       "Invalid input: expected boolean, received ",
       {{json::value("true"), "string"},
        {json::value(1), "number"},
        {json::object(), "object"},
        {json::array(), "array"}}},
      {{"catchup_window_seconds", "max_attempts", "timeout_seconds"},
       "Invalid input: expected number, received ",
       {{json::value("1"), "string"},
        {json::value(true), "boolean"},
        {json::object(), "object"},
        {json::array(), "array"}}},
  };
  json::object task = CreateTask();
  const std::string id(task.at("id").as_string());
  for (const Kind& kind : kinds) {
    for (const char* field : kind.fields) {
      for (const auto& [value, type] : kind.wrong) {
        ExpectBodyError("POST", CreateBody({{field, value}}), kind.expected + type, {field});
        ExpectBodyError("PATCH", json::serialize(json::object{{"id", id}, {field, value}}),
                        kind.expected + type, {field});
      }
    }
  }
  for (const auto& [value, type] : kinds[0].wrong) {
    ExpectBodyError("PATCH", json::serialize(json::object{{"id", value}}), kinds[0].expected + type,
                    {"id"});
    ExpectBodyError("DELETE", json::serialize(json::object{{"id", value}}),
                    kinds[0].expected + type, {"id"});
  }
  for (const json::value& v : {json::value(1), json::value("SKIP"), json::value(true)}) {
    ExpectBodyError("POST", CreateBody({{"overlap", v}}),
                    R"(Invalid option: expected one of "skip"|"allow"|"queue")", {"overlap"});
    ExpectBodyError("POST", CreateBody({{"catchup", v}}),
                    R"(Invalid option: expected one of "latest"|"all"|"none")", {"catchup"});
  }
}

TEST_F(ApiTest, IntegerFieldBounds) {
  struct Bound {
    const char* field;
    int64_t min;
    int64_t max;
  };
  for (const Bound& b : {Bound{"catchup_window_seconds", 0, 31536000}, Bound{"max_attempts", 1, 10},
                         Bound{"timeout_seconds", 1, 86400}}) {
    ExpectBodyError("POST", CreateBody({{b.field, b.min - 1}}),
                    "Too small: expected number to be >=" + std::to_string(b.min), {b.field});
    ExpectBodyError("POST", CreateBody({{b.field, b.max + 1}}),
                    "Too big: expected number to be <=" + std::to_string(b.max), {b.field});
    ExpectBodyError("POST", CreateBody({{b.field, 1.5}}),
                    "Invalid input: expected int, received number", {b.field});
    EXPECT_EQ(CreateTask({{b.field, b.min}}).at(b.field), b.min) << b.field;
    EXPECT_EQ(CreateTask({{b.field, b.max}}).at(b.field), b.max) << b.field;
  }
  // JSON numbers are JavaScript numbers: 3.0 is an integer.
  ApiResponse r = Api("POST", "/api/tasks",
                      R"({"title":"t","prompt":"p","schedule":"0 9 * * *","artist_account_id":")" +
                          std::string(kArtist) + R"(","max_attempts":3.0})");
  EXPECT_EQ(r.status, 200) << r.http.body;
}

TEST_F(ApiTest, ScheduleZoneAndUuidMessages) {
  ExpectBodyError("POST", CreateBody({{"schedule", "0 25 * * *"}}),
                  "schedule is not a valid cron expression: hour value 25 out of range 0-23",
                  {"schedule"});
  ApiResponse never = Api("POST", "/api/tasks", CreateBody({{"schedule", "0 0 30 2 *"}}));
  EXPECT_EQ(never.status, 400);
  EXPECT_EQ(never.json.at("missing_fields"), json::array({"schedule"}));
  EXPECT_TRUE(
      never.json.at("error").as_string().starts_with("schedule is not a valid cron expression: "))
      << never.http.body;
  // Sub-minute schedules need --allow-seconds, which this server does not have.
  ApiResponse seconds = Api("POST", "/api/tasks", CreateBody({{"schedule", "*/5 * * * * *"}}));
  EXPECT_EQ(seconds.status, 400);
  EXPECT_EQ(seconds.json.at("missing_fields"), json::array({"schedule"}));
  for (const char* zone : {"Mars/Olympus", "America/Nowhere", "+05:00", "EST5EDT6"}) {
    ExpectBodyError("POST", CreateBody({{"timezone", zone}}),
                    "timezone must be a valid IANA time zone", {"timezone"});
  }
  for (const char* field : {"artist_account_id", "account_id"}) {
    ExpectBodyError("POST", CreateBody({{field, "not-a-uuid"}}),
                    std::string(field) + " must be a valid UUID", {field});
  }
  ExpectBodyError("PATCH", R"({"id":"nope"})", "id must be a valid UUID", {"id"});
  ExpectBodyError("DELETE", R"({"id":"nope"})", "id must be a valid UUID", {"id"});
  // Any case is accepted; ids are stored lowercase.
  json::object upper = CreateTask({{"artist_account_id", "123E4567-E89B-42D3-A456-426614174000"}});
  EXPECT_EQ(upper.at("artist_account_id"), json::value(kArtist));
  // Valid macros and names.
  for (const char* schedule :
       {"@daily", "@hourly", "0 0 * JAN-DEC SUN", "0 9 ? * MON#2", "0 0 L * *", "*/15 * * * *"}) {
    EXPECT_EQ(CreateTask({{"schedule", schedule}}).at("schedule"), schedule) << schedule;
  }
}

TEST_F(ApiTest, UnknownKeysAreReportedLast) {
  ExpectBodyError("POST", CreateBody({{"foo", 1}}), R"(Unrecognized key: "foo")", {});
  ExpectBodyError("POST", CreateBody({{"foo", 1}, {"bar", json::object()}}),
                  R"(Unrecognized keys: "foo", "bar")", {});
  // Response-only fields are not request fields.
  for (const char* key :
       {"id", "trigger_schedule_id", "created_at", "upcoming", "owner_email", "recent_runs"}) {
    ExpectBodyError("POST", CreateBody({{key, "x"}}),
                    std::string("Unrecognized key: \"") + key + "\"", {});
  }
  // A field problem wins over an unknown key, wherever the key is.
  ExpectBodyError("POST", R"({"foo":1,"title":"","prompt":""})", "title parameter is required",
                  {"title"});
  ExpectBodyError("PATCH", R"({"zzz":1,"id":"x"})", "id must be a valid UUID", {"id"});
  ExpectBodyError("DELETE", R"({"id":"123e4567-e89b-42d3-a456-426614174000","title":"x"})",
                  R"(Unrecognized key: "title")", {});
  json::object task = CreateTask();
  ExpectBodyError("PATCH", json::serialize(json::object{{"id", task.at("id")}, {"Title", "x"}}),
                  R"(Unrecognized key: "Title")", {});
}

TEST_F(ApiTest, OnlyTheFirstProblemIsReportedInDeclarationOrder) {
  // Every field wrong at once; fixing them one by one walks the section 4 order.
  std::vector<std::pair<std::string, json::value>> fixes = {
      {"title", "t"},
      {"prompt", "p"},
      {"schedule", "0 9 * * *"},
      {"artist_account_id", json::value(kArtist)},
      {"account_id",
       json::value(nullptr)},  // removed rather than fixed: the caller acts for itself
      {"model", "m"},
      {"timezone", "UTC"},
      {"enabled", true},
      {"overlap", "skip"},
      {"catchup", "latest"},
      {"catchup_window_seconds", 1},
      {"max_attempts", 1},
      {"timeout_seconds", 1},
  };
  json::object body = {{"unknown", 1},
                       {"timeout_seconds", 0},
                       {"max_attempts", 0},
                       {"catchup_window_seconds", -1},
                       {"catchup", "x"},
                       {"overlap", "x"},
                       {"enabled", "x"},
                       {"timezone", "Nowhere/Zone"},
                       {"model", ""},
                       {"account_id", "x"},
                       {"artist_account_id", "x"},
                       {"schedule", "61 * * * *"},
                       {"prompt", ""},
                       {"title", ""}};
  for (const auto& [field, fix] : fixes) {
    ApiResponse r = Api("POST", "/api/tasks", json::serialize(body));
    EXPECT_EQ(r.status, 400) << field;
    EXPECT_EQ(r.json.at("missing_fields"), json::array({json::string(field)}))
        << "expected the problem of " << field << ", got " << r.http.body;
    if (fix.is_null()) {
      body.erase(field);
    } else {
      body[field] = fix;
    }
  }
  ApiResponse last = Api("POST", "/api/tasks", json::serialize(body));
  EXPECT_EQ(last.json, ErrorJson(R"(Unrecognized key: "unknown")", {}));
  body.erase("unknown");
  EXPECT_EQ(Api("POST", "/api/tasks", json::serialize(body)).status, 200);

  // PATCH: id first.
  ExpectBodyError("PATCH", R"({"title":"","id":"x"})", "id must be a valid UUID", {"id"});
}

TEST_F(ApiTest, RejectedCreatesLeaveNothingBehind) {
  CreateTask();
  const size_t before = CountTasks();
  for (const std::string& body :
       {CreateBody({{"schedule", "0 25 * * *"}}), CreateBody({{"schedule", "0 0 30 2 *"}}),
        CreateBody({{"timezone", "Mars/Olympus"}}), CreateBody({{"foo", 1}}),
        CreateBody({{"max_attempts", 11}}), std::string("{")}) {
    EXPECT_EQ(Api("POST", "/api/tasks", body).status, 400) << body;
  }
  EXPECT_EQ(CountTasks(), before);
}

TEST_F(ApiTest, NonJsonContentTypeIs415) {
  json::object task = CreateTask();
  const std::string id(task.at("id").as_string());
  const std::string patch = json::serialize(json::object{{"id", id}, {"title", "x"}});
  const std::string del = json::serialize(json::object{{"id", id}});
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                           "application/xml"}) {
    for (const auto& [method, body] : {std::pair<const char*, std::string>{"POST", CreateBody()},
                                       {"PATCH", patch},
                                       {"DELETE", del}}) {
      HeaderList headers = {{"Content-Type", type}, {"x-api-key", admin_key_}};
      auto raw = server_->Call(method, "/api/tasks", body, headers);
      ASSERT_TRUE(raw.ok());
      EXPECT_EQ(raw->status, 415) << method << " " << type;
      json::value v = ParseJson(raw->body);
      ASSERT_TRUE(v.is_object()) << raw->body;
      EXPECT_EQ(v.at("status"), "error");
      EXPECT_EQ(v.at("error"), v.at("message"));
    }
  }
  EXPECT_EQ(ListTasks("id=" + id).at(0).at("title"), "title");  // the PATCH did not apply
  // JSON with parameters, or in other case, is JSON.
  for (const char* type :
       {"application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"}) {
    auto raw = server_->Call("POST", "/api/tasks", CreateBody(),
                             {{"Content-Type", type}, {"x-api-key", admin_key_}});
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw->status, 200) << type;
  }
}

// --- PATCH and DELETE --------------------------------------------------------------------------

TEST_F(ApiTest, PatchDisableAndEnable) {
  json::object task = CreateTask();
  const std::string id(task.at("id").as_string());
  const json::value schedule_id = task.at("trigger_schedule_id");

  ApiResponse off =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"enabled", false}}));
  ASSERT_EQ(off.status, 200) << off.http.body;
  EXPECT_EQ(KeysOf(off.json), (std::vector<std::string>{"status", "tasks"}));
  const json::object& disabled = off.json.at("tasks").at(0).as_object();
  EXPECT_EQ(KeysOf(disabled), TaskKeys());
  EXPECT_EQ(disabled.at("enabled"), false);
  EXPECT_TRUE(disabled.at("trigger_schedule_id").is_null());
  EXPECT_EQ(disabled.at("upcoming"), json::array());
  EXPECT_EQ(disabled.at("created_at"), task.at("created_at"));
  EXPECT_GE(disabled.at("updated_at").as_string(), task.at("updated_at").as_string());
  EXPECT_EQ(ListTasks("id=" + id).at(0), disabled);
  EXPECT_EQ(ListTasks("enabled=false").size(), 1u);
  EXPECT_EQ(ListTasks("enabled=true").size(), 0u);

  ApiResponse on =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"enabled", true}}));
  const json::object& enabled = on.json.at("tasks").at(0).as_object();
  EXPECT_EQ(enabled.at("enabled"), true);
  EXPECT_EQ(enabled.at("trigger_schedule_id"), schedule_id);
  EXPECT_EQ(enabled.at("upcoming").as_array().size(), 5u);
  EXPECT_EQ(ListTasks("id=" + id).at(0), enabled);
}

TEST_F(ApiTest, PatchChangesScheduleZoneAndFields) {
  json::object task = CreateTask();
  const std::string id(task.at("id").as_string());
  const auto before = std::chrono::system_clock::now();
  ApiResponse r = Api("PATCH", "/api/tasks",
                      json::serialize(json::object{{"id", id},
                                                   {"schedule", "15 10 * * *"},
                                                   {"title", "renamed"},
                                                   {"prompt", "new prompt"},
                                                   {"artist_account_id", kOtherArtist},
                                                   {"overlap", "allow"},
                                                   {"catchup", "none"},
                                                   {"catchup_window_seconds", 60},
                                                   {"max_attempts", 5},
                                                   {"timeout_seconds", 120}}));
  const auto after = std::chrono::system_clock::now();
  ASSERT_EQ(r.status, 200) << r.http.body;
  const json::object& changed = r.json.at("tasks").at(0).as_object();
  EXPECT_EQ(changed.at("schedule"), "15 10 * * *");
  EXPECT_EQ(changed.at("title"), "renamed");
  EXPECT_EQ(changed.at("prompt"), "new prompt");
  EXPECT_EQ(changed.at("artist_account_id"), json::value(kOtherArtist));
  EXPECT_EQ(changed.at("overlap"), "allow");
  EXPECT_EQ(changed.at("catchup"), "none");
  EXPECT_EQ(changed.at("catchup_window_seconds"), 60);
  EXPECT_EQ(changed.at("max_attempts"), 5);
  EXPECT_EQ(changed.at("timeout_seconds"), 120);
  EXPECT_EQ(changed.at("id"), task.at("id"));
  EXPECT_EQ(changed.at("account_id"), task.at("account_id"));
  EXPECT_TRUE(changed.at("upcoming") == Strings(DailyUtc(10, 15, before)) ||
              changed.at("upcoming") == Strings(DailyUtc(10, 15, after)))
      << json::serialize(changed.at("upcoming"));
  EXPECT_EQ(ListTasks("id=" + id).at(0), changed);

  // A zone change moves the fire times; the zone is stored canonical.
  ApiResponse zoned = Api("PATCH", "/api/tasks",
                          json::serialize(json::object{{"id", id}, {"timezone", "asia/tokyo"}}));
  const json::object& tokyo = zoned.json.at("tasks").at(0).as_object();
  EXPECT_EQ(tokyo.at("timezone"), "Asia/Tokyo");
  for (const json::value& t : tokyo.at("upcoming").as_array()) {
    EXPECT_EQ(t.as_string().subview().substr(11), "01:15:00.000Z");  // 10:15 JST
  }

  // Untouched fields stay; an empty patch only bumps updated_at.
  ApiResponse same = Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}}));
  ASSERT_EQ(same.status, 200);
  json::object expected = tokyo;
  json::object actual = same.json.at("tasks").at(0).as_object();
  expected.erase("updated_at");
  actual.erase("updated_at");
  EXPECT_EQ(actual, expected);

  // An invalid schedule in a PATCH changes nothing.
  ExpectBodyError("PATCH", json::serialize(json::object{{"id", id}, {"schedule", "0 25 * * *"}}),
                  "schedule is not a valid cron expression: hour value 25 out of range 0-23",
                  {"schedule"});
  EXPECT_EQ(ListTasks("id=" + id).at(0).at("schedule"), "15 10 * * *");
}

TEST_F(ApiTest, PatchAccountIdNeverMovesATask) {
  auto other = server_->CreateAccount("other@example.com");
  ASSERT_TRUE(other.ok()) << other.status().message();
  json::object task = CreateTask();
  ApiResponse r = Api("PATCH", "/api/tasks",
                      json::serialize(json::object{
                          {"id", task.at("id")}, {"account_id", other->id}, {"title", "x"}}));
  ASSERT_EQ(r.status, 200) << r.http.body;  // the admin may act for anyone
  EXPECT_EQ(r.json.at("tasks").at(0).at("account_id"), task.at("account_id"));
}

TEST_F(ApiTest, DeleteRemovesTheTask) {
  json::object keep = CreateTask({}, {}, "keep");
  json::object task = CreateTask();
  const std::string id(task.at("id").as_string());
  ApiResponse r = Api("DELETE", "/api/tasks", json::serialize(json::object{{"id", id}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json, json::parse(R"({"status":"success"})"));
  EXPECT_EQ(ListTasks("id=" + id), json::array());
  json::array all = ListTasks();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.at(0), keep);

  // Gone: a second DELETE and a PATCH both answer 404.
  ApiResponse again = Api("DELETE", "/api/tasks", json::serialize(json::object{{"id", id}}));
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.json, ErrorJson("Task not found"));
  ApiResponse patch =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"title", "x"}}));
  EXPECT_EQ(patch.status, 404);
  EXPECT_EQ(patch.json, ErrorJson("Task not found"));
}

TEST_F(ApiTest, UnknownIdsAre404) {
  for (const char* id :
       {"00000000-0000-0000-0000-000000000000", "6f1a7c1e-2b3c-4d5e-8f90-a1b2c3d4e5f6"}) {
    const std::string body = json::serialize(json::object{{"id", id}});
    for (const char* method : {"PATCH", "DELETE"}) {
      ApiResponse r = Api(method, "/api/tasks", body);
      EXPECT_EQ(r.status, 404) << method;
      EXPECT_EQ(r.json, ErrorJson("Task not found")) << method;
    }
    EXPECT_EQ(ListTasks(std::string("id=") + id), json::array());
  }
}

// --- Paging and filters ------------------------------------------------------------------------

TEST_F(ApiTest, PagingVisitsEveryTaskOnceNewestFirst) {
  std::set<std::string> created;
  for (int i = 0; i < 25; ++i) {
    created.insert(
        std::string(CreateTask({}, {}, "task " + std::to_string(i)).at("id").as_string()));
  }
  ASSERT_EQ(created.size(), 25u);
  std::vector<json::object> seen;
  std::string cursor;
  std::vector<size_t> page_sizes;
  for (int page = 0; page < 10; ++page) {
    std::string target = "/api/tasks?limit=7";
    if (!cursor.empty()) target += "&cursor=" + UrlEncode(cursor);
    ApiResponse r = Api("GET", target);
    ASSERT_EQ(r.status, 200) << r.http.body;
    const json::array& tasks = r.json.at("tasks").as_array();
    page_sizes.push_back(tasks.size());
    for (const json::value& t : tasks) seen.push_back(t.as_object());
    const json::value& next = r.json.at("next_cursor");
    if (next.is_null()) break;
    ASSERT_TRUE(next.is_string());
    cursor = std::string(next.as_string());
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{7, 7, 7, 4}));
  std::set<std::string> ids;
  for (const json::object& t : seen) ids.insert(std::string(t.at("id").as_string()));
  EXPECT_EQ(ids, created);      // no gaps
  EXPECT_EQ(seen.size(), 25u);  // no duplicates
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i - 1].at("created_at").as_string(), seen[i].at("created_at").as_string());
  }
  // Exactly a full last page still ends with null.
  ApiResponse all = Api("GET", "/api/tasks?limit=25");
  EXPECT_EQ(all.json.at("tasks").as_array().size(), 25u);
  EXPECT_TRUE(all.json.at("next_cursor").is_null());
  ApiResponse more = Api("GET", "/api/tasks?limit=24");
  EXPECT_TRUE(more.json.at("next_cursor").is_string());
  // The default page is 100.
  EXPECT_EQ(ListTasks().size(), 25u);
  // A tampered cursor is refused.
  std::string tampered = cursor;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  ExpectQueryError("/api/tasks?cursor=" + UrlEncode(tampered), "cursor is invalid", "cursor");
}

TEST_F(ApiTest, FiltersByArtistEnabledAndId) {
  json::object a1 = CreateTask({}, {}, "a1");
  json::object a2 = CreateTask({{"enabled", false}}, {}, "a2");
  json::object b1 = CreateTask({{"artist_account_id", kOtherArtist}}, {}, "b1");
  auto ids = [](const json::array& tasks) {
    std::set<std::string> out;
    for (const json::value& t : tasks) out.insert(std::string(t.at("id").as_string()));
    return out;
  };
  auto id = [](const json::object& t) { return std::string(t.at("id").as_string()); };
  EXPECT_EQ(ids(ListTasks("artist_account_id=" + std::string(kArtist))),
            (std::set<std::string>{id(a1), id(a2)}));
  EXPECT_EQ(ids(ListTasks("artist_account_id=" + std::string(kOtherArtist))),
            (std::set<std::string>{id(b1)}));
  EXPECT_EQ(ids(ListTasks("enabled=false")), (std::set<std::string>{id(a2)}));
  EXPECT_EQ(ids(ListTasks("enabled=0")), (std::set<std::string>{id(a2)}));
  EXPECT_EQ(ids(ListTasks("enabled=true")), (std::set<std::string>{id(a1), id(b1)}));
  EXPECT_EQ(ids(ListTasks("enabled=1&artist_account_id=" + std::string(kArtist))),
            (std::set<std::string>{id(a1)}));
  EXPECT_EQ(ids(ListTasks("id=" + id(b1))), (std::set<std::string>{id(b1)}));
  std::string upper = id(b1);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(ids(ListTasks("id=" + upper)), (std::set<std::string>{id(b1)}));
  EXPECT_EQ(ids(ListTasks("id=" + id(b1) + "&enabled=false")), std::set<std::string>{});
  EXPECT_EQ(ids(ListTasks("account_id=" + std::string(a1.at("account_id").as_string()))).size(),
            3u);
  // Unknown parameters are ignored (cache busters).
  EXPECT_EQ(ListTasks("_=12345").size(), 3u);
}

}  // namespace
}  // namespace backbeat::testing
