// The HTTP transport of the real binary: body limits, hostile JSON, rate limiting, slow and idle
// clients, keep-alive and pipelining, graceful shutdown, and the JSON request log.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

// The body's JSON, or null.
json::value BodyJson(const core::Result<HttpResponse>& r) {
  return r.ok() ? ParseJson(r->body) : json::value(nullptr);
}

HeaderList JsonWithKey(const std::string& key) {
  return {{"Content-Type", "application/json"}, {"x-api-key", key}};
}

bool ServesHealth(const ServerFixture& server) {
  auto r = server.Call("GET", "/healthz");
  return r.ok() && r->status == 200;
}

// --- Bodies ------------------------------------------------------------------------------------

class BodyLimitTest : public E2eTest {};

TEST_F(BodyLimitTest, DefaultLimitIsOneMebibyte) {
  // Just over 1 MiB of otherwise valid JSON.
  std::string body = CreateBody({{"prompt", std::string(1024 * 1024, 'p')}});
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  auto r = client->RoundTrip("POST", "/api/tasks", body, JsonWithKey(admin_key_));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(BodyJson(r), ErrorJson("Request body too large"));
  EXPECT_TRUE(client->WaitForClose(milliseconds(3000)));
  EXPECT_TRUE(ServesHealth(*server_));

  // Under the limit, a prompt beyond its own limit is a validation error.
  ApiResponse long_prompt =
      Api("POST", "/api/tasks", CreateBody({{"prompt", std::string(100001, 'p')}}));
  EXPECT_EQ(long_prompt.status, 400);
  EXPECT_EQ(long_prompt.json,
            ErrorJson("Too big: expected string to have <=100000 characters", {"prompt"}));
  ApiResponse max_prompt =
      Api("POST", "/api/tasks", CreateBody({{"prompt", std::string(100000, 'p')}}));
  EXPECT_EQ(max_prompt.status, 200);
  EXPECT_EQ(ListTasks("limit=1000").size(), 1u);
}

TEST_F(BodyLimitTest, DeclaredLengthOverTheLimitIsRefusedWithoutReadingTheBody) {
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client
                  ->SendRaw("POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: "
                            "application/json\r\nx-api-key: " +
                            admin_key_ + "\r\nContent-Length: 500000000\r\n\r\n{")
                  .ok());
  auto r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(BodyJson(r), ErrorJson("Request body too large"));
  EXPECT_TRUE(ServesHealth(*server_));
}

TEST_F(BodyLimitTest, HostileJsonIsRefusedAndTheServerKeepsServing) {
  // 100k nested arrays: a recursive parser would overflow its stack.
  for (const std::string& body :
       {std::string(100000, '['), std::string(100000, '{'),
        "{\"foo\":" + std::string(100000, '[') + std::string(100000, ']') + "}",
        "{\"foo\":" + std::string(70, '[') + std::string(70, ']') + "}"}) {
    ApiResponse r = Api("POST", "/api/tasks", body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 20);
    EXPECT_EQ(r.json, ErrorJson("Invalid JSON body", {})) << body.substr(0, 20);
    ASSERT_TRUE(ServesHealth(*server_));
  }
  // Shallow nesting under an unknown key is parsed and reported as the unknown key.
  ApiResponse shallow =
      Api("POST", "/api/tasks", CreateBody({{"foo", json::parse("[[[[[[[[{\"a\":[1]}]]]]]]]]")}}));
  EXPECT_EQ(shallow.json, ErrorJson(R"(Unrecognized key: "foo")", {}));
  // Many keys, long keys.
  json::object many;
  for (int i = 0; i < 20000; ++i) many["k" + std::to_string(i)] = i;
  ApiResponse wide = Api("POST", "/api/tasks", json::serialize(many));
  EXPECT_EQ(wide.status, 400);
  EXPECT_TRUE(ServesHealth(*server_));
  EXPECT_EQ(ListTasks().size(), 0u);
}

// The document promises `Access-Control-Allow-Origin: *` on responses: a browser client must be
// able to read why its request was refused, also when the transport itself answers.
TEST_F(BodyLimitTest, TransportErrorsCarryCorsOrigin) {
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  auto r = client->RoundTrip("POST", "/api/tasks", std::string(1024 * 1024 + 1, ' '),
                             JsonWithKey(admin_key_));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 413);
  const std::string* origin = r->Header("access-control-allow-origin");
  ASSERT_NE(origin, nullptr) << "413 without Access-Control-Allow-Origin";
  EXPECT_EQ(*origin, "*");
}

class SmallBodyLimitTest : public E2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--max-body", "2048"}; }
};

TEST_F(SmallBodyLimitTest, MaxBodyFlagSetsTheLimit) {
  ApiResponse small = Api("POST", "/api/tasks", CreateBody({{"prompt", std::string(1500, 'p')}}));
  EXPECT_EQ(small.status, 200) << small.http.body;
  ApiResponse big = Api("POST", "/api/tasks", CreateBody({{"prompt", std::string(3000, 'p')}}));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json, ErrorJson("Request body too large"));
  ApiResponse patch = Api("PATCH", "/api/tasks", std::string(3000, ' ') + "{}");
  EXPECT_EQ(patch.status, 413);

  // Chunked: counted while the chunks arrive.
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  std::string raw =
      "POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "x-api-key: " +
      admin_key_ + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) raw += "400\r\n" + std::string(1024, ' ') + "\r\n";
  raw += "0\r\n\r\n";
  ASSERT_TRUE(client->SendRaw(raw).ok());
  auto r = client->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(BodyJson(r), ErrorJson("Request body too large"));
  EXPECT_EQ(ListTasks().size(), 1u);
}

// --- Rate limiting -----------------------------------------------------------------------------

class RateLimitTest : public E2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {"--rate-limit", "5", "--rate-burst", "5"};
  }
};

TEST_F(RateLimitTest, ABurstBeyondTheLimitIsAnswered429WithRetryAfter) {
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = client->RoundTrip("GET", "/api/tasks", {}, {{"x-api-key", admin_key_}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    if (r->status == 200) {
      ++ok;
      continue;
    }
    ASSERT_EQ(r->status, 429) << r->body;
    ++limited;
    EXPECT_EQ(BodyJson(r), ErrorJson("Too many requests"));
    const std::string* retry = r->Header("retry-after");
    ASSERT_NE(retry, nullptr);
    EXPECT_GE(std::stoi(*retry), 1) << *retry;
    ASSERT_NE(r->Header("access-control-allow-origin"), nullptr);
  }
  EXPECT_GE(ok, 5);  // the burst
  EXPECT_GE(limited, 1);
  EXPECT_LE(ok, 15) << "20 requests in well under 2 s at 5/s with burst 5";

  // Limits are per key, and unauthenticated service endpoints are not limited.
  auto other = server_->CreateAccount("other@example.com");
  ASSERT_TRUE(other.ok());
  ApiResponse fresh = Api("GET", "/api/tasks", {}, other->key);
  EXPECT_EQ(fresh.status, 200) << fresh.http.body;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(ServesHealth(*server_));
}

// --- Slow and idle clients ---------------------------------------------------------------------

class SlowClientTest : public E2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--header-timeout", "0.5"}; }
};

TEST_F(SlowClientTest, AStalledRequestIsDroppedWhileOthersAreServed) {
  auto stalled_head = server_->Connect();
  auto stalled_body = server_->Connect();
  ASSERT_TRUE(stalled_head.ok() && stalled_body.ok());
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(stalled_head->SendRaw("GET /api/tasks HTTP/1.1\r\nHost: x\r\nx-api-").ok());
  ASSERT_TRUE(stalled_body
                  ->SendRaw("POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: "
                            "application/json\r\nContent-Length: 100\r\nx-api-key: " +
                            admin_key_ + "\r\n\r\n{\"title\":")
                  .ok());
  // Meanwhile, a well-behaved client is served at once, repeatedly.
  for (int i = 0; i < 5; ++i) {
    ApiResponse r = Api("GET", "/api/tasks");
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(450))
      << "the good client waited for the stalled ones";
  // The stalled ones are closed without an answer once the header timeout has passed.
  EXPECT_TRUE(stalled_head->WaitForClose(milliseconds(5000)));
  EXPECT_TRUE(stalled_body->WaitForClose(milliseconds(5000)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(450));
  EXPECT_EQ(ListTasks().size(), 0u);
}

TEST_F(SlowClientTest, ManyIdleConnectionsDoNotBlockOthers) {
  std::vector<HttpClient> idle;
  for (int i = 0; i < 300; ++i) {
    auto c = server_->Connect();
    ASSERT_TRUE(c.ok()) << i << ": " << c.status().message();
    idle.push_back(std::move(c).value());
  }
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    ApiResponse r = Api("GET", "/api/tasks");
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));
  // An idle connection has sent no byte of a request, so the header timeout does not apply.
  auto r = idle.front().RoundTrip("GET", "/healthz");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
}

class IdleTimeoutTest : public E2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--idle-timeout", "0.3"}; }
};

TEST_F(IdleTimeoutTest, IdleKeepAliveConnectionsAreClosed) {
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  auto r = client->RoundTrip("GET", "/healthz");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(client->WaitForClose(milliseconds(5000)));
  EXPECT_TRUE(ServesHealth(*server_));
}

// --- Keep-alive and pipelining -----------------------------------------------------------------

class ConnectionTest : public E2eTest {};

TEST_F(ConnectionTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 5; ++i) {
    auto created = client->RoundTrip("POST", "/api/tasks", CreateBody(), JsonWithKey(admin_key_));
    ASSERT_TRUE(created.ok()) << created.status().message();
    EXPECT_EQ(created->status, 200);
    auto listed = client->RoundTrip("GET", "/api/tasks", {}, {{"x-api-key", admin_key_}});
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(BodyJson(listed).at("tasks").as_array().size(), static_cast<size_t>(i + 1));
  }
  // Errors do not close the connection either.
  auto bad = client->RoundTrip("POST", "/api/tasks", "{", JsonWithKey(admin_key_));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  auto unauthorized = client->RoundTrip("GET", "/api/tasks");
  ASSERT_TRUE(unauthorized.ok());
  EXPECT_EQ(unauthorized->status, 401);
  auto still = client->RoundTrip("GET", "/healthz");
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->status, 200);
  // Connection: close is honoured.
  auto last = client->RoundTrip("GET", "/healthz", {}, {{"Connection", "close"}});
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(client->WaitForClose(milliseconds(3000)));
}

TEST_F(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  auto client = server_->Connect();
  ASSERT_TRUE(client.ok());
  std::string both =
      HttpClient::BuildRequest("POST", "/api/tasks", CreateBody({{"title", "piped"}}),
                               {{"Content-Type", "application/json"},
                                {"x-api-key", admin_key_},
                                {"X-Request-Id", "first"}}) +
      HttpClient::BuildRequest("GET", "/api/tasks", {},
                               {{"x-api-key", admin_key_}, {"X-Request-Id", "second"}}) +
      HttpClient::BuildRequest("GET", "/nope", {}, {{"X-Request-Id", "third"}}) +
      HttpClient::BuildRequest("GET", "/healthz", {}, {{"X-Request-Id", "fourth"}});
  ASSERT_TRUE(client->SendRaw(both).ok());
  auto first = client->ReadResponse();
  auto second = client->ReadResponse();
  auto third = client->ReadResponse();
  auto fourth = client->ReadResponse();
  ASSERT_TRUE(first.ok() && second.ok() && third.ok() && fourth.ok());
  EXPECT_EQ(*first->Header("x-request-id"), "first");
  EXPECT_EQ(*second->Header("x-request-id"), "second");
  EXPECT_EQ(*third->Header("x-request-id"), "third");
  EXPECT_EQ(*fourth->Header("x-request-id"), "fourth");
  EXPECT_EQ(first->status, 200);
  // The GET was handled after the POST: it sees the task.
  json::value listed = BodyJson(second);
  ASSERT_EQ(listed.at("tasks").as_array().size(), 1u);
  EXPECT_EQ(listed.at("tasks").at(0), BodyJson(first).at("tasks").at(0));
  EXPECT_EQ(third->status, 404);
  EXPECT_EQ(fourth->status, 200);
}

// --- Shutdown ----------------------------------------------------------------------------------

class ShutdownTest : public E2eTest {};

// Holds SQLite's write lock on the server's database from this process, so that a write request
// is provably still inside the server (waiting on its busy timeout) when SIGTERM arrives.
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
      // The server's own writer (scheduler, group commit) may hold the lock for a moment.
      sqlite3_busy_timeout(db_, 10000);
      locked_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
  }
  ~WriteLock() {
    Release();
    sqlite3_close(db_);
  }
  bool locked() const { return locked_; }
  void Release() {
    if (locked_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    locked_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool locked_ = false;
};

bool LogHas(const ServerFixture& server, std::string_view msg) {
  for (const json::value& line : server.LogLines()) {
    if (line.is_object() && line.as_object().contains("msg") &&
        line.at("msg") == json::value(msg)) {
      return true;
    }
  }
  return false;
}

TEST_F(ShutdownTest, SigtermLetsTheRequestInFlightFinishThenExitsZero) {
  auto busy = server_->Connect(milliseconds(10000));
  ASSERT_TRUE(busy.ok());
  WriteLock lock(server_->db_path());
  ASSERT_TRUE(lock.locked());
  ASSERT_TRUE(busy->SendRaw(HttpClient::BuildRequest("POST", "/api/tasks",
                                                     CreateBody({{"title", "in flight"}}),
                                                     JsonWithKey(admin_key_)))
                  .ok());
  // Give the request time to reach the handler (where it blocks on the lock); the server offers
  // no signal for "handler entered", so this one wait is on time itself.
  std::this_thread::sleep_for(milliseconds(400));
  server_->Signal(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!LogHas(*server_, "shutting down") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(LogHas(*server_, "shutting down")) << server_->ReadLog();
  EXPECT_EQ(server_->WaitForExit(milliseconds(200)), -1) << "exited with a request in flight";
  // New connections are refused or answered 503 while draining.
  {
    HttpClient late(milliseconds(2000));
    if (late.Connect("127.0.0.1", server_->port()).ok()) {
      auto r = late.RoundTrip("GET", "/healthz");
      if (r.ok()) {
        EXPECT_EQ(r->status, 503);
      }
    }
  }
  lock.Release();
  auto r = busy->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(BodyJson(r).at("tasks").at(0).at("title"), "in flight");
  EXPECT_EQ(server_->WaitForExit(milliseconds(10000)), 0);
  EXPECT_TRUE(LogHas(*server_, "stopped")) << server_->ReadLog();

  // And the task it acknowledged was committed.
  ASSERT_TRUE(server_->Start().ok());
  json::array tasks = ListTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks.at(0).at("title"), "in flight");
}

TEST_F(ShutdownTest, IdleServerStopsAtOnceWithExitCodeZero) {
  auto idle = server_->Connect();
  ASSERT_TRUE(idle.ok());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->Stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_TRUE(idle->WaitForClose(milliseconds(1000)));
  EXPECT_TRUE(LogHas(*server_, "stopped"));
  // SIGINT too.
  ASSERT_TRUE(server_->Start().ok());
  server_->Signal(SIGINT);
  EXPECT_EQ(server_->WaitForExit(std::chrono::seconds(10)), 0);
}

// --- Logs --------------------------------------------------------------------------------------

class LogTest : public E2eTest {};

TEST_F(LogTest, OneJsonObjectPerLineWithoutSecretsOrPrompts) {
  const std::string marker = "PROMPT-MARKER-7f3c9e1d";
  auto user = server_->CreateAccount("user@example.com");
  ASSERT_TRUE(user.ok());
  json::object task = CreateTask({{"prompt", marker + " summarize"}});
  const std::string id(task.at("id").as_string());
  Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"prompt", marker + "2"}}),
      user->key);
  Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"prompt", marker + "3"}}));
  Api("POST", "/api/tasks", CreateBody({{"prompt", marker}, {"foo", marker}}));  // a 400
  Api("POST", "/api/tasks", "{\"prompt\":\"" + marker);                          // unparsable
  CallApi(*server_, "GET", "/api/tasks", "", {}, {{"Authorization", "Bearer " + admin_key_}});
  CallApi(*server_, "GET", "/api/tasks", "", {}, {{"Authorization", "Bearer " + user->key}});
  CallApi(*server_, "GET", "/api/tasks", "bb_sk_" + marker);
  Api("GET", "/api/tasks?artist_account_id=" + marker);
  Api("GET", "/nope", {}, {}, {{"X-Request-Id", "my-request.1"}});
  ASSERT_EQ(server_->Stop(), 0);

  const std::string log = server_->ReadLog();
  EXPECT_EQ(log.find(admin_key_), std::string::npos) << "admin key in the log";
  EXPECT_EQ(log.find(user->key), std::string::npos) << "API key in the log";
  EXPECT_EQ(log.find(marker), std::string::npos) << "prompt or credential text in the log";
  EXPECT_EQ(log.find("bb_sk_"), std::string::npos);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back(), '\n');

  int requests = 0;
  bool saw_own_id = false;
  for (const json::value& line : server_->LogLines()) {
    ASSERT_TRUE(line.is_object()) << "not a JSON object: " << line;
    const json::object& o = line.as_object();
    EXPECT_TRUE(o.contains("ts") && o.contains("level") && o.contains("msg")) << line;
    if (o.at("msg") != "request") continue;
    ++requests;
    ASSERT_TRUE(o.contains("request_id") && o.at("request_id").is_string()) << line;
    EXPECT_FALSE(o.at("request_id").as_string().empty());
    ASSERT_TRUE(o.contains("method") && o.at("method").is_string()) << line;
    ASSERT_TRUE(o.contains("path") && o.at("path").is_string()) << line;
    EXPECT_EQ(o.at("path").as_string().find('?'), json::string::npos) << "query logged: " << line;
    ASSERT_TRUE(o.contains("status") && o.at("status").is_int64()) << line;
    ASSERT_TRUE(o.contains("duration_ms") && o.at("duration_ms").is_number()) << line;
    EXPECT_GE(o.at("duration_ms").to_number<double>(), 0.0);
    if (o.at("request_id") == "my-request.1") {
      saw_own_id = true;
      EXPECT_EQ(o.at("status"), 404);
      EXPECT_EQ(o.at("path"), "/nope");
      EXPECT_EQ(o.at("method"), "GET");
    }
  }
  EXPECT_EQ(requests, 10);
  EXPECT_TRUE(saw_own_id);
  EXPECT_TRUE(LogHas(*server_, "listening"));
  EXPECT_TRUE(LogHas(*server_, "stopped"));
}

}  // namespace
}  // namespace backbeat::testing
