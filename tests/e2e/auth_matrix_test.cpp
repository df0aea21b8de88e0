// Authentication and scope (API.md section 2) for every authenticated endpoint, through the real
// binary, with accounts, organizations and keys made by the admin CLI on the same database.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view kExactlyOne =
    "Exactly one of x-api-key or Authorization must be provided";
constexpr std::string_view kBearerRequired = "Authorization header with Bearer token required";
constexpr std::string_view kUnauthorized = "Unauthorized";
constexpr std::string_view kDeniedAccount = "Access denied to specified account_id";
constexpr std::string_view kDeniedTask = "Access denied to this task";

class AuthMatrixTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    // The admin's task: a target for PATCH/DELETE in the matrix.
    json::object task = CreateTask();
    ASSERT_FALSE(task.empty());
    admin_task_ = std::string(task.at("id").as_string());
    admin_account_ = std::string(task.at("account_id").as_string());
  }

  struct Endpoint {
    const char* method;
    std::string target;
    std::function<std::string()> body;  // made per request: a DELETE that succeeds needs a task
  };

  // Every authenticated operation, each with a body that succeeds for the admin.
  std::vector<Endpoint> Endpoints() {
    return {
        {"GET", "/api/tasks", [] { return std::string(); }},
        {"GET", "/api/tasks/runs", [] { return std::string(); }},
        {"POST", "/api/tasks", [] { return CreateBody(); }},
        {"PATCH", "/api/tasks",
         [this] {
           return json::serialize(json::object{{"id", admin_task_}, {"title", "x"}});
         }},
        {"DELETE", "/api/tasks",
         [this] {
           json::object t = CreateTask();
           return json::serialize(json::object{{"id", t.at("id")}});
         }},
        // overlap "allow": a trigger succeeds whatever earlier runs are doing.
        {"POST", "/api/tasks/trigger",
         [this] {
           json::object t = CreateTask({{"overlap", "allow"}});
           return json::serialize(json::object{{"id", t.at("id")}});
         }},
        // Cancel shares this path; its success needs a run caught before it finishes, which
        // tests/e2e/scheduler_test.cpp arranges.
        {"POST", "/api/tasks/runs/replay",
         [this] {
           return json::serialize(json::object{{"runId", TriggeredRun()}});
         }},
    };
  }

  // A run of a fresh admin task, by id.
  std::string TriggeredRun() {
    json::object t = CreateTask({{"overlap", "allow"}});
    ApiResponse r =
        Api("POST", "/api/tasks/trigger", json::serialize(json::object{{"id", t.at("id")}}));
    EXPECT_EQ(r.status, 200) << r.http.body;
    if (r.status != 200) return {};
    return std::string(r.json.at("runs").at(0).at("id").as_string());
  }

  // Sends with exactly these auth headers (none added).
  ApiResponse Send(const Endpoint& e, HeaderList headers, std::string body = {}) {
    if (body.empty()) body = e.body();
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    ApiResponse r = CallApi(*server_, e.method, e.target, "", body, std::move(headers));
    EXPECT_NE(r.status, 0) << r.http.body;
    return r;
  }

  void ExpectError(const ApiResponse& r, int status, std::string_view message,
                   const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.http.body;
    EXPECT_EQ(r.json, ErrorJson(message)) << what;
  }

  std::string admin_task_;
  std::string admin_account_;
};

TEST_F(AuthMatrixTest, CredentialsAreCheckedOnEveryEndpoint) {
  for (const Endpoint& e : Endpoints()) {
    const std::string what = std::string(e.method) + " " + e.target;
    ExpectError(Send(e, {}), 401, kExactlyOne, what + " without credentials");
    ExpectError(Send(e, {{"x-api-key", ""}}), 401, kExactlyOne, what + " empty x-api-key");
    ExpectError(Send(e, {{"x-api-key", admin_key_}, {"Authorization", "Bearer " + admin_key_}}),
                401, kExactlyOne, what + " both headers");
    ExpectError(Send(e, {{"x-api-key", admin_key_}, {"x-api-key", admin_key_}}), 401, kExactlyOne,
                what + " x-api-key twice");
    for (const char* malformed :
         {"Basic x", "Bearer", "Bearer ", "Token abc", "Bearerabc", "Bearer a b"}) {
      ExpectError(Send(e, {{"Authorization", malformed}}), 401, kBearerRequired,
                  what + " Authorization: " + malformed);
    }
    ExpectError(Send(e, {{"x-api-key", "bb_sk_" + std::string(43, 'A')}}), 401, kUnauthorized,
                what + " unknown key");
    ExpectError(Send(e, {{"Authorization", "Bearer nope"}}), 401, kUnauthorized,
                what + " unknown bearer key");
    ExpectError(Send(e, {{"x-api-key", std::string(10000, 'k')}}), 401, kUnauthorized,
                what + " huge key");
    // Authentication comes before validation: an anonymous bad body is a 401, not a 400.
    if (std::string_view(e.method) != "GET") {
      ExpectError(Send(e, {}, "{not json"), 401, kExactlyOne, what + " anonymous bad body");
      ExpectError(Send(e, {{"x-api-key", "bad"}}, "{not json"), 401, kUnauthorized,
                  what + " bad key, bad body");
    } else {
      ApiResponse r = CallApi(*server_, e.method, e.target + "?limit=0&id=x", "bad");
      ExpectError(r, 401, kUnauthorized, what + " bad key, bad query");
    }
    // The scheme is case-insensitive (RFC 7235); either header works.
    for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR  "}) {
      ApiResponse ok = Send(e, {{"Authorization", std::string(scheme) + admin_key_}});
      EXPECT_EQ(ok.status, 200) << what << " " << scheme << ": " << ok.http.body;
    }
    // An empty header counts as absent.
    ApiResponse empty_other =
        Send(e, {{"x-api-key", ""}, {"Authorization", "Bearer " + admin_key_}});
    EXPECT_EQ(empty_other.status, 200) << what << ": " << empty_other.http.body;
    ApiResponse ok = Send(e, {{"X-API-KEY", admin_key_}});
    EXPECT_EQ(ok.status, 200) << what << ": " << ok.http.body;
  }
}

// The admin CLI writes to the database the server is serving; the server must accept the keys
// it mints at once, without a restart.
TEST_F(AuthMatrixTest, KeysMintedByTheCliWhileTheServerRunsAreAccepted) {
  auto account = server_->CreateAccount("cli@example.com");
  ASSERT_TRUE(account.ok()) << account.status().message();
  ApiResponse r = Api("GET", "/api/tasks", {}, account->key);
  EXPECT_EQ(r.status, 200) << r.http.body;
  auto second = server_->CreateKey(admin_account_);
  ASSERT_TRUE(second.ok());
  ApiResponse admin = Api("GET", "/api/tasks", {}, *second);
  EXPECT_EQ(admin.status, 200) << admin.http.body;
}

TEST_F(AuthMatrixTest, ExpiredAndRevokedKeysAreUnauthorized) {
  auto expiring = server_->CreateKey(admin_account_, {"--expires-in", "1s"});
  ASSERT_TRUE(expiring.ok()) << expiring.status().message();
  std::string revoked_id;
  auto revoked = server_->CreateKey(admin_account_, {}, &revoked_id);
  ASSERT_TRUE(revoked.ok()) << revoked.status().message();
  const auto minted = std::chrono::steady_clock::now();

  for (const Endpoint& e : Endpoints()) {
    EXPECT_EQ(Send(e, {{"x-api-key", *revoked}}).status, 200) << e.method << " " << e.target;
  }
  ProcessResult revoke = server_->Admin({"key", "revoke", revoked_id});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  const auto revoked_at = std::chrono::steady_clock::now();
  ProcessResult list = server_->Admin({"key", "list"});
  EXPECT_NE(list.out.find(revoked_id), std::string::npos) << list.out;

  // Time itself is the subject here: wait until the 1 s lifetime is certainly over, and until
  // the server's authentication cache (2 s, docs/operations.md) has certainly dropped the key
  // revoked by another process.
  std::this_thread::sleep_until(std::max(minted + std::chrono::milliseconds(1200),
                                         revoked_at + std::chrono::milliseconds(2200)));
  for (const Endpoint& e : Endpoints()) {
    const std::string what = std::string(e.method) + " " + e.target;
    ExpectError(Send(e, {{"x-api-key", *expiring}}), 401, kUnauthorized, what + " expired");
    ExpectError(Send(e, {{"Authorization", "Bearer " + *expiring}}), 401, kUnauthorized,
                what + " expired bearer");
    ExpectError(Send(e, {{"x-api-key", *revoked}}), 401, kUnauthorized, what + " revoked");
    ExpectError(Send(e, {{"Authorization", "bearer " + *revoked}}), 401, kUnauthorized,
                what + " revoked bearer");
  }
}

TEST_F(AuthMatrixTest, OtherAccountsAreOutOfScope) {
  auto alice = server_->CreateAccount("alice@example.com");
  auto bob = server_->CreateAccount("bob@example.com");
  ASSERT_TRUE(alice.ok() && bob.ok());
  json::object alice_task = CreateTask({}, alice->key, "alice's");
  ASSERT_FALSE(alice_task.empty());
  EXPECT_EQ(alice_task.at("account_id"), json::value(alice->id));
  EXPECT_EQ(alice_task.at("owner_email"), "alice@example.com");
  json::object bob_task = CreateTask({}, bob->key, "bob's");
  const json::value alice_task_id = alice_task.at("id");

  // Acting for alice through account_id: 403 on every endpoint that takes one.
  auto denied_account = [&](std::string_view method, const std::string& target,
                            const std::string& body) {
    ApiResponse r = Api(method, target, body, bob->key);
    ExpectError(r, 403, kDeniedAccount, std::string(method) + " " + target + " " + body);
  };
  denied_account("GET", "/api/tasks?account_id=" + alice->id, "");
  denied_account("GET", "/api/tasks/runs?account_id=" + alice->id, "");
  denied_account("POST", "/api/tasks", CreateBody({{"account_id", alice->id}}));
  denied_account(
      "PATCH", "/api/tasks",
      json::serialize(json::object{{"id", bob_task.at("id")}, {"account_id", alice->id}}));
  denied_account(
      "DELETE", "/api/tasks",
      json::serialize(json::object{{"id", bob_task.at("id")}, {"account_id", alice->id}}));
  denied_account("PATCH", "/api/tasks",
                 json::serialize(json::object{{"id", alice_task_id}, {"account_id", alice->id}}));

  // Alice's task itself: not listed, and not changeable.
  json::array bob_sees = ListTasks("", bob->key);
  ASSERT_EQ(bob_sees.size(), 1u);
  EXPECT_EQ(bob_sees.at(0).at("id"), bob_task.at("id"));
  EXPECT_EQ(ListTasks("id=" + std::string(alice_task_id.as_string()), bob->key), json::array());
  EXPECT_EQ(ListTasks("artist_account_id=" + std::string(kArtist), bob->key).size(), 1u);
  ExpectError(
      Api("PATCH", "/api/tasks",
          json::serialize(json::object{{"id", alice_task_id}, {"title", "pwned"}}), bob->key),
      403, kDeniedTask, "bob patches alice's task");
  ExpectError(
      Api("DELETE", "/api/tasks", json::serialize(json::object{{"id", alice_task_id}}), bob->key),
      403, kDeniedTask, "bob deletes alice's task");
  // Nothing changed.
  json::array alice_sees = ListTasks("", alice->key);
  ASSERT_EQ(alice_sees.size(), 1u);
  EXPECT_EQ(alice_sees.at(0), alice_task);
  // A non-member's own lists never include other accounts' tasks (the admin's included).
  json::array admin_sees = ListTasks();
  for (const json::value& t : admin_sees)
    EXPECT_EQ(t.at("account_id"), json::value(admin_account_));
  // Acting for oneself through account_id is fine.
  EXPECT_EQ(ListTasks("account_id=" + bob->id, bob->key).size(), 1u);
  EXPECT_EQ(Api("GET", "/api/tasks/runs?account_id=" + bob->id, "", bob->key).status, 200);
}

TEST_F(AuthMatrixTest, OrganizationMembersActForEachOther) {
  auto carol = server_->CreateAccount("carol@example.com");
  auto dave = server_->CreateAccount("dave@example.com");
  auto eve = server_->CreateAccount("eve@example.com");
  ASSERT_TRUE(carol.ok() && dave.ok() && eve.ok());
  ProcessResult org = server_->Admin({"org", "create", "--name", "label"});
  ASSERT_EQ(org.exit_code, 0) << org.err;
  const std::string org_id = org.out.substr(0, org.out.find('\n'));
  ASSERT_EQ(server_->Admin({"org", "add-member", org_id, carol->id}).exit_code, 0);
  ASSERT_EQ(server_->Admin({"org", "add-member", org_id, dave->id}).exit_code, 0);

  // Carol creates a task for Dave: it is Dave's.
  json::object task = CreateTask({{"account_id", dave->id}}, carol->key, "for dave");
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(task.at("account_id"), json::value(dave->id));
  EXPECT_EQ(task.at("owner_email"), "dave@example.com");
  const std::string id(task.at("id").as_string());
  EXPECT_EQ(ListTasks("", dave->key).size(), 1u);
  EXPECT_EQ(ListTasks("", carol->key).size(), 0u);  // her own list is her own tasks
  EXPECT_EQ(ListTasks("account_id=" + dave->id, carol->key).size(), 1u);
  EXPECT_EQ(Api("GET", "/api/tasks/runs?account_id=" + dave->id, "", carol->key).status, 200);
  EXPECT_EQ(Api("GET", "/api/tasks/runs?account_id=" + carol->id, "", dave->key).status, 200);
  ApiResponse patched =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"title", "by carol"}}),
          carol->key);
  EXPECT_EQ(patched.status, 200) << patched.http.body;
  EXPECT_EQ(patched.json.at("tasks").at(0).at("account_id"), json::value(dave->id));

  // Eve is outside the organization.
  ExpectError(Api("GET", "/api/tasks?account_id=" + dave->id, "", eve->key), 403, kDeniedAccount,
              "eve lists dave");
  ExpectError(Api("POST", "/api/tasks", CreateBody({{"account_id", carol->id}}), eve->key), 403,
              kDeniedAccount, "eve creates for carol");
  ExpectError(Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}}), eve->key), 403,
              kDeniedTask, "eve patches dave's task");
  ExpectError(Api("DELETE", "/api/tasks", json::serialize(json::object{{"id", id}}), eve->key), 403,
              kDeniedTask, "eve deletes dave's task");
  // Nor may a member act for Eve.
  ExpectError(Api("GET", "/api/tasks?account_id=" + eve->id, "", carol->key), 403, kDeniedAccount,
              "carol lists eve");

  ApiResponse deleted =
      Api("DELETE", "/api/tasks",
          json::serialize(json::object{{"id", id}, {"account_id", dave->id}}), carol->key);
  EXPECT_EQ(deleted.status, 200) << deleted.http.body;
  EXPECT_EQ(ListTasks("", dave->key).size(), 0u);
}

TEST_F(AuthMatrixTest, AdminsActForAnyone) {
  auto frank = server_->CreateAccount("frank@example.com");
  ASSERT_TRUE(frank.ok());
  json::object franks = CreateTask({}, frank->key, "frank's");
  const std::string id(franks.at("id").as_string());

  // By id alone the admin reads any task; a plain list shows only the admin's own.
  json::array by_id = ListTasks("id=" + id);
  ASSERT_EQ(by_id.size(), 1u);
  EXPECT_EQ(by_id.at(0), franks);
  for (const json::value& t : ListTasks()) EXPECT_NE(t.at("id"), franks.at("id"));
  EXPECT_EQ(ListTasks("account_id=" + frank->id).size(), 1u);
  EXPECT_EQ(Api("GET", "/api/tasks/runs?account_id=" + frank->id).status, 200);
  // Frank, not an admin, cannot read the admin's task by id.
  EXPECT_EQ(ListTasks("id=" + admin_task_, frank->key), json::array());

  json::object made = CreateTask({{"account_id", frank->id}});
  EXPECT_EQ(made.at("account_id"), json::value(frank->id));
  EXPECT_EQ(made.at("owner_email"), "frank@example.com");
  ApiResponse patched =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"enabled", false}}));
  EXPECT_EQ(patched.status, 200) << patched.http.body;
  EXPECT_EQ(patched.json.at("tasks").at(0).at("account_id"), json::value(frank->id));
  ApiResponse deleted = Api("DELETE", "/api/tasks", json::serialize(json::object{{"id", id}}));
  EXPECT_EQ(deleted.status, 200) << deleted.http.body;
  EXPECT_EQ(ListTasks("", frank->key).size(), 1u);  // only the one the admin made for him

  // A second admin-organization member has the same powers.
  auto grace = server_->CreateAccount("grace@example.com");
  ASSERT_TRUE(grace.ok());
  ProcessResult org = server_->Admin({"org", "create", "--name", "ops", "--admin"});
  ASSERT_EQ(org.exit_code, 0) << org.err;
  ASSERT_EQ(server_->Admin({"org", "add-member", org.out.substr(0, org.out.find('\n')), grace->id})
                .exit_code,
            0);
  EXPECT_EQ(ListTasks("id=" + std::string(made.at("id").as_string()), grace->key).size(), 1u);
  EXPECT_EQ(ListTasks("account_id=" + frank->id, grace->key).size(), 1u);
  EXPECT_EQ(ListTasks("account_id=" + admin_account_, grace->key).size(), 1u);
}

}  // namespace
}  // namespace backbeat::testing
