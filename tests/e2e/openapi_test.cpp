// The served OpenAPI document against the server that serves it: every documented operation is
// routed, and schema property names equal the keys the server really reads and writes, so the
// document and the implementation cannot drift apart unnoticed.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;

std::set<std::string> KeySet(const json::value& v) {
  std::vector<std::string> keys = KeysOf(v);
  return {keys.begin(), keys.end()};
}

class OpenApiTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    auto r = server_->Call("GET", "/openapi.json");
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->status, 200);
    doc_ = ParseJson(r->body);
    ASSERT_TRUE(doc_.is_object()) << "not JSON: " << r->body.substr(0, 200);
  }

  const json::object& Schema(std::string_view name) {
    return doc_.at("components").at("schemas").at(name).as_object();
  }
  // The property names of a schema, following a top-level allOf of $refs and inline objects.
  std::set<std::string> Properties(std::string_view name) {
    const json::object& schema = Schema(name);
    std::set<std::string> out;
    if (const json::value* props = schema.if_contains("properties")) out = KeySet(*props);
    if (const json::value* all = schema.if_contains("allOf")) {
      for (const json::value& part : all->as_array()) {
        if (const json::value* ref = part.as_object().if_contains("$ref")) {
          std::string_view r = ref->as_string();
          for (const std::string& p : Properties(r.substr(r.rfind('/') + 1))) out.insert(p);
        } else if (const json::value* props = part.as_object().if_contains("properties")) {
          for (const std::string& p : KeySet(*props)) out.insert(p);
        }
      }
    }
    return out;
  }

  json::value doc_;
};

// A valid value for each documented request key, for the admin of this server.
json::value SampleFor(const std::string& key, const std::string& account_id,
                      const std::string& task_id) {
  static const std::map<std::string, json::value> kSamples = {
      {"title", "t"},
      {"prompt", "p"},
      {"schedule", "0 9 * * *"},
      {"artist_account_id", json::value(kArtist)},
      {"model", "some-model"},
      {"timezone", "Europe/Berlin"},
      {"enabled", true},
      {"overlap", "allow"},
      {"catchup", "none"},
      {"catchup_window_seconds", 120},
      {"max_attempts", 2},
      {"timeout_seconds", 30},
      {"idempotency_key", "k-1"},
  };
  if (key == "account_id") return json::value(account_id);
  if (key == "id") return json::value(task_id);
  auto it = kSamples.find(key);
  return it == kSamples.end() ? json::value(nullptr) : it->second;
}

TEST_F(OpenApiTest, IsOpenApi31WithTheApiPaths) {
  EXPECT_EQ(doc_.at("openapi").as_string().subview().substr(0, 4), "3.1.");
  const json::object& paths = doc_.at("paths").as_object();
  for (const char* p : {"/api/tasks", "/api/tasks/runs", "/openapi.json", "/healthz", "/readyz"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsRouted) {
  const std::set<std::string> kMethods = {"get", "post",    "patch", "delete",
                                          "put", "options", "head"};
  for (const auto& [path, item] : doc_.at("paths").as_object()) {
    for (const auto& [method_key, operation] : item.as_object()) {
      if (!kMethods.contains(std::string(method_key))) continue;
      std::string method(method_key);
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      // An empty object is a valid JSON body everywhere; a validation error proves routing.
      const std::string body = method == "GET" || method == "OPTIONS" ? "" : "{}";
      ApiResponse r = Api(method, path, body);
      const std::string what = method + " " + std::string(path);
      EXPECT_NE(r.status, 405) << what << " is documented but answers 405";
      const bool router_404 = r.status == 404 && r.json == ErrorJson("Not found");
      EXPECT_FALSE(router_404) << what << " is documented but not routed";
      EXPECT_LT(r.status, 500) << what << ": " << r.http.body;
    }
  }
}

TEST_F(OpenApiTest, TaskAndEnvelopeSchemasMatchWhatTheServerWrites) {
  json::object task = CreateTask();
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(Properties("Task"), KeySet(task));
  // The document lists Task properties in the order the server writes them.
  EXPECT_EQ(KeysOf(Schema("Task").at("properties")), KeysOf(task));

  ApiResponse list = Api("GET", "/api/tasks");
  EXPECT_EQ(Properties("TasksResponse"), KeySet(list.json));
  ApiResponse runs = Api("GET", "/api/tasks/runs");
  EXPECT_EQ(Properties("RunsResponse"), KeySet(runs.json));
  ApiResponse deleted =
      Api("DELETE", "/api/tasks", json::serialize(json::object{{"id", task.at("id")}}));
  EXPECT_EQ(Properties("SuccessResponse"), KeySet(deleted.json));
  auto health = server_->Call("GET", "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(Properties("HealthResponse"), KeySet(ParseJson(health->body)));

  // Error: a 400 carries every documented key, others all but missing_fields.
  ApiResponse bad = Api("POST", "/api/tasks", "{}");
  EXPECT_EQ(Properties("Error"), KeySet(bad.json));
  ApiResponse unauthorized = Api("GET", "/api/tasks", "", "wrong");
  std::set<std::string> required;
  for (const json::value& k : Schema("Error").at("required").as_array()) {
    required.insert(std::string(k.as_string()));
  }
  EXPECT_EQ(required, KeySet(unauthorized.json));
}

TEST_F(OpenApiTest, QueryParametersDocumentedAreAccepted) {
  json::object task = CreateTask();
  const std::string account(task.at("account_id").as_string());
  const std::string id(task.at("id").as_string());
  const std::map<std::string, std::string> samples = {
      {"id", id},          {"account_id", account}, {"artist_account_id", std::string(kArtist)},
      {"enabled", "true"}, {"limit", "5"},          {"task_id", id},
      {"status", "QUEUED"}};
  for (const char* path : {"/api/tasks", "/api/tasks/runs"}) {
    const json::object& get = doc_.at("paths").at(path).at("get").as_object();
    for (const json::value& p : get.at("parameters").as_array()) {
      const std::string name(p.at("name").as_string());
      if (p.at("in") != "query" || name == "cursor" || name == "runId") continue;
      auto it = samples.find(name);
      ASSERT_NE(it, samples.end()) << "no sample for documented parameter " << name;
      ApiResponse r = Api("GET", std::string(path) + "?" + name + "=" + it->second);
      EXPECT_EQ(r.status, 200) << path << "?" << name << ": " << r.http.body;
    }
  }
}

// For each strict request schema: every documented key is accepted alone (with the required
// ones), all together too, and keys the schema does not list are refused as unknown.
TEST_F(OpenApiTest, StrictRequestSchemasListExactlyTheAcceptedKeys) {
  json::object existing = CreateTask();
  const std::string account(existing.at("account_id").as_string());
  struct Case {
    const char* schema;
    const char* method;
  };
  // Keys that appear elsewhere in the document but are not request keys of these schemas.
  const std::vector<std::string> foreign = {
      "trigger_schedule_id", "created_at",      "updated_at", "upcoming", "owner_email",
      "recent_runs",         "idempotency_key", "runId",      "status",   "foo"};
  for (const Case& c : {Case{"CreateTaskRequest", "POST"}, Case{"UpdateTaskRequest", "PATCH"},
                        Case{"DeleteTaskRequest", "DELETE"}}) {
    const json::object& schema = Schema(c.schema);
    EXPECT_EQ(schema.at("additionalProperties"), false) << c.schema;
    std::set<std::string> documented = Properties(c.schema);
    json::object base;
    for (const json::value& k : schema.at("required").as_array()) {
      const std::string key(k.as_string());
      std::string task_id;
      if (key == "id") task_id = std::string(CreateTask().at("id").as_string());
      base[key] = SampleFor(key, account, task_id);
    }
    for (const std::string& key : documented) {
      json::object body = base;
      std::string task_id = body.contains("id") ? std::string(body.at("id").as_string()) : "";
      if (std::string_view(c.method) == "DELETE") {
        // Each accepted DELETE consumes its task.
        task_id = std::string(CreateTask().at("id").as_string());
        body["id"] = task_id;
      }
      json::value sample = SampleFor(key, account, task_id);
      ASSERT_FALSE(sample.is_null()) << c.schema << " documents " << key << ", unknown to the test";
      body[key] = sample;
      ApiResponse r = Api(c.method, "/api/tasks", json::serialize(body));
      EXPECT_EQ(r.status, 200) << c.schema << "." << key << ": " << r.http.body;
    }
    // Keys that the document does not list for this schema are refused.
    std::vector<std::string> undocumented = foreign;
    for (const std::string& k : Properties("Task")) {
      if (!documented.contains(k)) undocumented.push_back(k);
    }
    for (const std::string& key : undocumented) {
      if (documented.contains(key)) continue;
      json::object body = base;
      if (std::string_view(c.method) != "POST") {
        body["id"] = existing.at("id");
      }
      body[key] = "x";
      ApiResponse r = Api(c.method, "/api/tasks", json::serialize(body));
      EXPECT_EQ(r.status, 400) << c.schema << " accepted undocumented " << key;
      EXPECT_EQ(r.json, ErrorJson("Unrecognized key: \"" + key + "\"", {}))
          << c.schema << "." << key;
    }
  }
  // PATCH with every documented key at once.
  json::object all;
  for (const std::string& key : Properties("UpdateTaskRequest")) {
    all[key] = SampleFor(key, account, std::string(existing.at("id").as_string()));
  }
  ApiResponse r = Api("PATCH", "/api/tasks", json::serialize(all));
  EXPECT_EQ(r.status, 200) << r.http.body;
}

// Runs: the test writes a finished run row into the database as the scheduler does (fixed
// values, no waiting on an executor), then reads it back through the list and the detail form;
// both must carry exactly the properties the document declares.
TEST_F(OpenApiTest, RunSchemasMatchWhatTheServerWrites) {
  json::object task = CreateTask();
  const std::string id(task.at("id").as_string());
  const std::string account(task.at("account_id").as_string());
  const std::string artist(task.at("artist_account_id").as_string());
  const std::string run_id = "run_0123456789abcdefghijklmn";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(server_->db_path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
              SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const std::string sql =
        "INSERT INTO runs (id, task_id, account_id, artist_account_id, status, slot_s, "
        "idempotency_key, is_test, created_at_ms, updated_at_ms, started_at_ms, finished_at_ms, "
        "cost_in_cents, base_cost_in_cents, duration_ms, payload_json, output_json, "
        "schedule_expression, timezone, max_attempts, timeout_seconds, exclusive, "
        "available_at_ms, attempts_json) VALUES ('" +
        run_id + "', '" + id + "', '" + account + "', '" + artist +
        "', 'COMPLETED', 1774602000, NULL, 0, 1774602000000, 1774602001000, 1774602000100, "
        "1774602001000, 0, 0, 900, '{\"type\":\"DECLARATIVE\"}', '{\"text\":\"ok\"}', "
        "'0 9 * * 4', 'UTC', 3, 3600, 0, 1774602000000, '[{\"id\":\"attempt_1\","
        "\"status\":\"COMPLETED\",\"created_at_ms\":1774602000000,"
        "\"updated_at_ms\":1774602001000,\"started_at_ms\":1774602000100,"
        "\"completed_at_ms\":1774602001000,\"error\":null}]')";
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  ApiResponse list = Api("GET", "/api/tasks/runs?task_id=" + id);
  ASSERT_EQ(list.status, 200) << list.http.body;
  ASSERT_EQ(list.json.at("runs").as_array().size(), 1u);
  EXPECT_EQ(Properties("Run"), KeySet(list.json.at("runs").at(0)));
  ApiResponse detail = Api("GET", "/api/tasks/runs?runId=" + run_id);
  ASSERT_EQ(detail.status, 200) << detail.http.body;
  EXPECT_EQ(Properties("RunDetail"), KeySet(detail.json.at("runs").at(0)));
  // The task shows it among its recent runs, in the list form.
  ApiResponse shown = Api("GET", "/api/tasks?id=" + id);
  ASSERT_EQ(shown.status, 200);
  const json::array& recent = shown.json.at("tasks").at(0).at("recent_runs").as_array();
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(Properties("Run"), KeySet(recent.at(0)));
}

}  // namespace
}  // namespace backbeat::testing
