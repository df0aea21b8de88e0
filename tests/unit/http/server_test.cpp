// The HTTP transport over real loopback sockets: framing, limits, timeouts, overload and
// shutdown, seen from a client that writes exact bytes.

#include "backbeat/http/server/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"

namespace backbeat::http {
namespace {

using backbeat::testing::HttpClient;
using backbeat::testing::HttpResponse;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kTooLargeBody =
    R"({"status":"error","error":"Request body too large","message":"Request body too large"})";
// API.md section 1: every 400 carries missing_fields ([] for a problem with the whole request).
constexpr std::string_view kInvalidRequestBody =
    R"({"status":"error","error":"Invalid HTTP request","message":"Invalid HTTP request",)"
    R"("missing_fields":[]})";
constexpr std::string_view kShuttingDownBody =
    R"({"status":"error","error":"Server is shutting down","message":"Server is shutting down"})";

// Runs replaceable functions; set them before Start. Without `inline_function` nothing is
// answered inline.
class FunctionHandler : public Handler {
 public:
  Response Handle(const Request& request) override { return function(request); }
  std::optional<Response> HandleInline(const Request& request) override {
    if (!inline_function) return std::nullopt;
    return inline_function(request);
  }
  std::function<Response(const Request&)> function;
  std::function<std::optional<Response>(const Request&)> inline_function;
};

// Answers "<method> <target> <body>" as text.
Response Echo(const Request& request) {
  Response response;
  response.content_type = "text/plain";
  response.body = request.method + " " + request.target + " " + request.body;
  return response;
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() { handler_.function = Echo; }

  void TearDown() override {
    if (server_) server_->Shutdown(milliseconds(1000));
  }

  // Starts a server on an ephemeral loopback port with `options` (listen is overridden).
  void StartServer(ServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(options, handler_, [this](const AccessRecord& record) {
      {
        std::lock_guard lock(mu_);
        records_.push_back(record);
        access_threads_.insert(std::this_thread::get_id());
      }
      records_changed_.notify_all();
    });
    const core::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    ASSERT_NE(server_->port(), 0);
  }

  HttpClient Connect(milliseconds timeout = milliseconds(5000)) {
    HttpClient client(timeout);
    const core::Status connected = client.Connect("127.0.0.1", server_->port());
    EXPECT_TRUE(connected.ok()) << connected.ToString();
    return client;
  }

  // on_access runs after the write completes, possibly after the client has read the answer.
  std::vector<AccessRecord> WaitForRecords(size_t count) {
    std::unique_lock lock(mu_);
    records_changed_.wait_for(lock, std::chrono::seconds(5),
                              [&] { return records_.size() >= count; });
    return records_;
  }

  FunctionHandler handler_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::condition_variable records_changed_;
  std::vector<AccessRecord> records_;         // GUARDED_BY(mu_)
  std::set<std::thread::id> access_threads_;  // GUARDED_BY(mu_)
};

// Unwraps a response or fails the test with the client's error.
HttpResponse Ok(core::Result<HttpResponse> response) {
  EXPECT_TRUE(response.ok()) << response.status().ToString();
  return response.ok() ? std::move(response).value() : HttpResponse{};
}

std::string HeaderOr(const HttpResponse& response, std::string_view name) {
  const std::string* value = response.Header(name);
  return value == nullptr ? "<absent>" : *value;
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  HttpClient client = Connect();
  for (int i = 0; i < 3; ++i) {
    const std::string target = "/api/tasks?i=" + std::to_string(i);
    HttpResponse response = Ok(client.RoundTrip("POST", target, "body" + std::to_string(i)));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "POST " + target + " body" + std::to_string(i));
    EXPECT_EQ(HeaderOr(response, "content-type"), "text/plain");
    EXPECT_EQ(HeaderOr(response, "content-length"), std::to_string(response.body.size()));
    EXPECT_EQ(HeaderOr(response, "server"), "backbeat");
    EXPECT_EQ(HeaderOr(response, "x-content-type-options"), "nosniff");
    EXPECT_EQ(HeaderOr(response, "date").size(), 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
    EXPECT_EQ(HeaderOr(response, "date").substr(25), " GMT");
    EXPECT_EQ(HeaderOr(response, "x-request-id").size(), 32u);
    EXPECT_EQ(response.Header("connection"), nullptr);
  }
  EXPECT_FALSE(client.WaitForClose(milliseconds(50)));
}

TEST_F(ServerTest, KeepsAValidRequestIdAndReplacesAnInvalidOne) {
  std::mutex seen_mu;
  std::vector<std::string> seen;
  handler_.function = [&](const Request& request) {
    std::lock_guard lock(seen_mu);
    seen.push_back(request.request_id);
    return Echo(request);
  };
  StartServer();
  HttpClient client = Connect();
  HttpResponse kept = Ok(client.RoundTrip("GET", "/", "", {{"X-Request-Id", "abc.DEF_123-x"}}));
  EXPECT_EQ(HeaderOr(kept, "x-request-id"), "abc.DEF_123-x");
  HttpResponse bad_chars = Ok(client.RoundTrip("GET", "/", "", {{"X-Request-Id", "a b/c"}}));
  EXPECT_NE(HeaderOr(bad_chars, "x-request-id"), "a b/c");
  EXPECT_EQ(HeaderOr(bad_chars, "x-request-id").size(), 32u);
  HttpResponse too_long =
      Ok(client.RoundTrip("GET", "/", "", {{"X-Request-Id", std::string(65, 'a')}}));
  EXPECT_EQ(HeaderOr(too_long, "x-request-id").size(), 32u);
  HttpResponse longest =
      Ok(client.RoundTrip("GET", "/", "", {{"X-Request-Id", std::string(64, 'a')}}));
  EXPECT_EQ(HeaderOr(longest, "x-request-id"), std::string(64, 'a'));
  std::lock_guard lock(seen_mu);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], "abc.DEF_123-x");
  EXPECT_EQ(seen[1], HeaderOr(bad_chars, "x-request-id"));
}

TEST_F(ServerTest, PassesHeadersLowercasedAndRemoteAddress) {
  Request seen;
  handler_.function = [&](const Request& request) {
    seen = request;
    return Response{};
  };
  StartServer();
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("GET", "/x?y=1", "", {{"X-Api-Key", "k1"}}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/x?y=1");
  ASSERT_NE(seen.Header("x-api-key"), nullptr);
  EXPECT_EQ(*seen.Header("x-api-key"), "k1");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  // The first request is the slowest: answers must still come back in request order.
  handler_.function = [](const Request& request) {
    if (request.target == "/0") std::this_thread::sleep_for(milliseconds(50));
    return Echo(request);
  };
  StartServer(ServerOptions{.worker_threads = 4});
  HttpClient client = Connect();
  std::string batch;
  for (int i = 0; i < 5; ++i) batch += HttpClient::BuildRequest("GET", "/" + std::to_string(i));
  ASSERT_TRUE(client.SendRaw(batch).ok());
  for (int i = 0; i < 5; ++i) {
    HttpResponse response = Ok(client.ReadResponse());
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "GET /" + std::to_string(i) + " ");
  }
}

TEST_F(ServerTest, Http10ClosesAfterTheResponse) {
  StartServer();
  HttpClient client = Connect();
  ASSERT_TRUE(client.SendRaw("GET /old HTTP/1.0\r\n\r\n").ok());
  HttpResponse response = Ok(client.ReadResponse());
  EXPECT_EQ(response.version_minor, 0);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "GET /old ");
  EXPECT_NE(HeaderOr(response, "connection"), "keep-alive");
  EXPECT_TRUE(client.WaitForClose(milliseconds(2000)));
}

TEST_F(ServerTest, Http10KeepAliveOnRequest) {
  StartServer();
  HttpClient client = Connect();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.SendRaw("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").ok());
    HttpResponse response = Ok(client.ReadResponse());
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(HeaderOr(response, "connection"), "keep-alive");
  }
}

TEST_F(ServerTest, HonoursConnectionClose) {
  StartServer();
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("GET", "/", "", {{"Connection", "close"}}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(HeaderOr(response, "connection"), "close");
  EXPECT_TRUE(client.WaitForClose(milliseconds(2000)));
}

TEST_F(ServerTest, AnswersHeadWithLengthButNoBody) {
  StartServer();
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("HEAD", "/abc"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(HeaderOr(response, "content-length"), std::to_string(std::string("HEAD /abc ").size()));
  // The connection is still in sync: the next answer is the next request's.
  HttpResponse next = Ok(client.RoundTrip("GET", "/next"));
  EXPECT_EQ(next.body, "GET /next ");
}

TEST_F(ServerTest, AnswersExpectContinueBeforeTheBody) {
  StartServer();
  HttpClient client = Connect();
  ASSERT_TRUE(client
                  .SendRaw("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                           "Expect: 100-continue\r\n\r\n")
                  .ok());
  HttpResponse interim = Ok(client.ReadResponse());
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(client.SendRaw("hello").ok());
  HttpResponse response = Ok(client.ReadResponse());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "POST /p hello");
}

TEST_F(ServerTest, BodyWithinTheLimitIsAccepted) {
  StartServer(ServerOptions{.max_body_bytes = 1024});
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("POST", "/p", std::string(1024, 'x')));
  EXPECT_EQ(response.status, 200);
}

TEST_F(ServerTest, RejectsTooLargeBodyByContentLength) {
  StartServer(ServerOptions{.max_body_bytes = 1024});
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("POST", "/p?q=1", std::string(64 * 1024, 'x')));
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, kTooLargeBody);
  EXPECT_EQ(HeaderOr(response, "content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(HeaderOr(response, "connection"), "close");
  EXPECT_EQ(HeaderOr(response, "x-request-id").size(), 32u);
  EXPECT_TRUE(client.WaitForClose(milliseconds(2000)));
  std::vector<AccessRecord> records = WaitForRecords(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, 413);
  EXPECT_EQ(records[0].method, "POST");
  EXPECT_EQ(records[0].path, "/p");
}

TEST_F(ServerTest, RejectsTooLargeChunkedBody) {
  StartServer(ServerOptions{.max_body_bytes = 1024});
  HttpClient client = Connect();
  std::string request = "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 8; ++i) request += "200\r\n" + std::string(0x200, 'y') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.SendRaw(request).ok());
  HttpResponse response = Ok(client.ReadResponse());
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, kTooLargeBody);
  EXPECT_TRUE(client.WaitForClose(milliseconds(2000)));
}

TEST_F(ServerTest, AcceptsChunkedBodyWithinTheLimit) {
  StartServer(ServerOptions{.max_body_bytes = 1024});
  HttpClient client = Connect();
  ASSERT_TRUE(client
                  .SendRaw("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                  .ok());
  HttpResponse response = Ok(client.ReadResponse());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "POST /p abcde");
}

TEST_F(ServerTest, RejectsHugeHeadersWith431) {
  StartServer(ServerOptions{.max_header_bytes = 2048});
  HttpClient client = Connect();
  HttpResponse response =
      Ok(client.RoundTrip("GET", "/", "", {{"X-Padding", std::string(8 * 1024, 'p')}}));
  EXPECT_EQ(response.status, 431);
  EXPECT_EQ(HeaderOr(response, "connection"), "close");
  EXPECT_TRUE(client.WaitForClose(milliseconds(2000)));
}

TEST_F(ServerTest, MalformedRequestGets400AndClose) {
  StartServer();
  for (std::string_view garbage :
       {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", "GET / HTTP/9.9\r\n\r\n"}) {
    HttpClient client = Connect();
    ASSERT_TRUE(client.SendRaw(garbage).ok());
    HttpResponse response = Ok(client.ReadResponse());
    EXPECT_EQ(response.status, 400) << garbage;
    EXPECT_EQ(response.body, kInvalidRequestBody);
    EXPECT_EQ(HeaderOr(response, "connection"), "close");
    EXPECT_TRUE(client.WaitForClose(milliseconds(2000)));
  }
}

TEST_F(ServerTest, HandlerExceptionBecomes500) {
  handler_.function = [](const Request&) -> Response { throw std::runtime_error("boom"); };
  StartServer();
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("GET", "/"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(
      response.body,
      R"({"status":"error","error":"Internal server error","message":"Internal server error"})");
}

TEST_F(ServerTest, HandlerHeadersAreSentButFramingHeadersAreTheServers) {
  handler_.function = [](const Request&) {
    Response response;
    response.status = 405;
    response.body = "{}";
    response.headers = {{"Allow", "GET, POST"}, {"Content-Length", "999"}, {"Connection", "close"}};
    return response;
  };
  StartServer();
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("DELETE", "/"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(HeaderOr(response, "allow"), "GET, POST");
  EXPECT_EQ(HeaderOr(response, "content-length"), "2");
  EXPECT_EQ(response.Header("connection"), nullptr);
  EXPECT_EQ(Ok(client.RoundTrip("GET", "/")).status, 405);  // still open
}

TEST_F(ServerTest, SlowClientIsDisconnectedWhileOthersAreServed) {
  StartServer(ServerOptions{.header_timeout = milliseconds(300)});
  HttpClient slow = Connect();
  ASSERT_TRUE(slow.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\nX-Half").ok());
  const Clock::time_point stalled_at = Clock::now();
  HttpClient other = Connect();
  int served = 0;
  bool closed = false;
  while (!closed && Clock::now() - stalled_at < std::chrono::seconds(5)) {
    HttpResponse response = Ok(other.RoundTrip("GET", "/fast"));
    ASSERT_EQ(response.status, 200);
    ++served;
    closed = slow.WaitForClose(milliseconds(20));
  }
  const auto waited = Clock::now() - stalled_at;
  EXPECT_TRUE(closed);
  EXPECT_GE(waited, milliseconds(250));
  EXPECT_LT(waited, milliseconds(3000));
  EXPECT_GE(served, 3);
  EXPECT_EQ(Ok(other.RoundTrip("GET", "/fast")).status, 200);
}

TEST_F(ServerTest, SlowBodyCountsAgainstTheHeaderTimeout) {
  StartServer(ServerOptions{.header_timeout = milliseconds(300)});
  HttpClient slow = Connect();
  ASSERT_TRUE(slow.SendRaw("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc").ok());
  const Clock::time_point stalled_at = Clock::now();
  EXPECT_TRUE(slow.WaitForClose(milliseconds(3000)));
  EXPECT_GE(Clock::now() - stalled_at, milliseconds(250));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  StartServer(ServerOptions{.idle_timeout = milliseconds(300)});
  HttpClient client = Connect();
  EXPECT_EQ(Ok(client.RoundTrip("GET", "/")).status, 200);
  const Clock::time_point idle_since = Clock::now();
  EXPECT_TRUE(client.WaitForClose(milliseconds(3000)));
  EXPECT_GE(Clock::now() - idle_since, milliseconds(250));
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreAnswered503) {
  StartServer(ServerOptions{.max_connections = 2});
  HttpClient first = Connect();
  HttpClient second = Connect();
  EXPECT_EQ(Ok(first.RoundTrip("GET", "/")).status, 200);
  EXPECT_EQ(Ok(second.RoundTrip("GET", "/")).status, 200);
  // Both busy (a request in the handler), so neither is idle and can make room.
  std::mutex mu;
  std::condition_variable cv;
  int entered = 0;
  bool release = false;
  handler_.function = [&](const Request& request) {
    std::unique_lock lock(mu);
    ++entered;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return Echo(request);
  };
  ASSERT_TRUE(first.SendRaw("GET /busy HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  ASSERT_TRUE(second.SendRaw("GET /busy HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return entered == 2; }));
  }

  HttpClient third = Connect();
  HttpResponse refused = Ok(third.ReadResponse());
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(HeaderOr(refused, "retry-after"), std::to_string(Server::kRetryAfterSeconds));
  EXPECT_EQ(HeaderOr(refused, "connection"), "close");
  EXPECT_EQ(
      refused.body,
      R"({"status":"error","error":"Too many connections","message":"Too many connections"})");
  EXPECT_TRUE(third.WaitForClose(milliseconds(2000)));
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(Ok(first.ReadResponse()).status, 200);
  EXPECT_EQ(Ok(second.ReadResponse()).status, 200);

  // A freed slot is usable again once the server has seen the close.
  first.Close();
  bool served = false;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(5);
  while (!served && Clock::now() < deadline) {
    HttpClient next = Connect();
    core::Result<HttpResponse> response = next.RoundTrip("GET", "/");
    served = response.ok() && response->status == 200;
    if (!served) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(served);
  EXPECT_EQ(Ok(second.RoundTrip("GET", "/")).status, 200);
}

TEST_F(ServerTest, AnIdleConnectionMakesRoomForANewOne) {
  StartServer(ServerOptions{.max_connections = 2});
  HttpClient first = Connect();
  HttpClient second = Connect();
  EXPECT_EQ(Ok(first.RoundTrip("GET", "/")).status, 200);
  EXPECT_EQ(Ok(second.RoundTrip("GET", "/")).status, 200);
  // Both idle: the new connection is served, and the one open longest is closed for it.
  HttpClient third = Connect();
  EXPECT_EQ(Ok(third.RoundTrip("GET", "/")).status, 200);
  EXPECT_TRUE(first.WaitForClose(milliseconds(2000)));
  EXPECT_EQ(Ok(second.RoundTrip("GET", "/")).status, 200);
  EXPECT_EQ(Ok(third.RoundTrip("GET", "/")).status, 200);
}

TEST_F(ServerTest, HandleRunsOnAWorkerThreadNeverOnAnIoThread) {
  std::mutex threads_mu;
  std::set<std::thread::id> handler_threads;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> blocked;
  handler_.function = [&](const Request& request) {
    {
      std::lock_guard lock(threads_mu);
      handler_threads.insert(std::this_thread::get_id());
    }
    if (request.target == "/block") {
      blocked.set_value();
      released.wait();
    }
    return Echo(request);
  };
  StartServer(ServerOptions{.io_threads = 1, .worker_threads = 2});

  // While one request blocks its worker, the single I/O thread keeps serving others.
  HttpClient blocker = Connect();
  ASSERT_TRUE(blocker.SendRaw(HttpClient::BuildRequest("GET", "/block")).ok());
  ASSERT_EQ(blocked.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  HttpClient other = Connect();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Ok(other.RoundTrip("GET", "/fast")).status, 200);
  release.set_value();
  EXPECT_EQ(Ok(blocker.ReadResponse()).status, 200);

  WaitForRecords(11);
  std::lock_guard lock(mu_);
  std::lock_guard threads_lock(threads_mu);
  ASSERT_FALSE(access_threads_.empty());
  ASSERT_FALSE(handler_threads.empty());
  for (const std::thread::id& id : handler_threads) {
    EXPECT_EQ(access_threads_.count(id), 0u) << "Handle ran on an I/O thread";
    EXPECT_NE(id, std::this_thread::get_id());
  }
}

TEST_F(ServerTest, ReportsEveryResponseToOnAccess) {
  StartServer();
  HttpClient client = Connect();
  HttpResponse response =
      Ok(client.RoundTrip("POST", "/api/tasks?secret=1", "abc", {{"X-Request-Id", "req-1"}}));
  std::vector<AccessRecord> records = WaitForRecords(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].request_id, "req-1");
  EXPECT_EQ(records[0].method, "POST");
  EXPECT_EQ(records[0].path, "/api/tasks");
  EXPECT_EQ(records[0].status, 200);
  EXPECT_EQ(records[0].remote_address, "127.0.0.1");
  EXPECT_GE(records[0].duration_ms, 0.0);
  EXPECT_GT(records[0].request_bytes, 3u);
  EXPECT_GT(records[0].response_bytes, response.body.size());
}

TEST_F(ServerTest, AnswersAThousandRequestsOverSixteenConnections) {
  StartServer(ServerOptions{.io_threads = 2, .worker_threads = 4});
  constexpr int kConnections = 16;
  constexpr int kRequests = 1000;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client = Connect();
      for (int i = c; i < kRequests; i += kConnections) {
        const std::string target = "/n/" + std::to_string(i);
        core::Result<HttpResponse> response = client.RoundTrip("GET", target);
        if (response.ok() && response->status == 200 && response->body == "GET " + target + " ") {
          ++answered;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(answered.load(), kRequests);
  EXPECT_EQ(WaitForRecords(kRequests).size(), static_cast<size_t>(kRequests));
}

TEST_F(ServerTest, ShutdownFinishesInFlightRequestAndRefusesNewConnections) {
  std::promise<void> entered;
  handler_.function = [&](const Request& request) {
    if (request.target == "/slow") {
      entered.set_value();
      std::this_thread::sleep_for(milliseconds(200));
    }
    return Echo(request);
  };
  StartServer();
  const uint16_t port = server_->port();
  HttpClient slow = Connect();
  ASSERT_TRUE(slow.SendRaw(HttpClient::BuildRequest("GET", "/slow")).ok());
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);

  const Clock::time_point shutdown_at = Clock::now();
  std::thread stopper([&] { server_->Shutdown(std::chrono::seconds(5)); });
  bool refused = false;
  while (!refused && Clock::now() - shutdown_at < std::chrono::seconds(2)) {
    HttpClient probe(milliseconds(500));
    refused = !probe.Connect("127.0.0.1", port).ok();
  }
  EXPECT_TRUE(refused);

  HttpResponse response = Ok(slow.ReadResponse());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "GET /slow ");
  EXPECT_EQ(HeaderOr(response, "connection"), "close");
  EXPECT_TRUE(slow.WaitForClose(milliseconds(2000)));
  stopper.join();
  // Shutdown returned once the last connection was done, well before the drain time.
  EXPECT_LT(Clock::now() - shutdown_at, std::chrono::seconds(3));
}

TEST_F(ServerTest, ShutdownClosesIdleConnectionsAtOnce) {
  StartServer();
  HttpClient idle = Connect();
  EXPECT_EQ(Ok(idle.RoundTrip("GET", "/")).status, 200);
  const Clock::time_point shutdown_at = Clock::now();
  std::thread stopper([&] { server_->Shutdown(std::chrono::seconds(10)); });
  EXPECT_TRUE(idle.WaitForClose(milliseconds(3000)));
  stopper.join();
  EXPECT_LT(Clock::now() - shutdown_at, std::chrono::seconds(3));
}

TEST_F(ServerTest, RequestArrivingDuringShutdownIsAnswered503) {
  StartServer();
  const uint16_t port = server_->port();
  HttpClient client = Connect();
  ASSERT_TRUE(client.SendRaw("GET /late HTTP/1.1\r\nHost: x\r\n").ok());
  // Give the server time to read the first bytes, so the connection is busy, not idle.
  std::this_thread::sleep_for(milliseconds(100));
  std::thread stopper([&] { server_->Shutdown(std::chrono::seconds(5)); });
  bool refused = false;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(2);
  while (!refused && Clock::now() < deadline) {
    HttpClient probe(milliseconds(500));
    refused = !probe.Connect("127.0.0.1", port).ok();
  }
  ASSERT_TRUE(refused);
  ASSERT_TRUE(client.SendRaw("\r\n").ok());
  HttpResponse response = Ok(client.ReadResponse());
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, kShuttingDownBody);
  EXPECT_EQ(HeaderOr(response, "retry-after"), std::to_string(Server::kRetryAfterSeconds));
  EXPECT_EQ(HeaderOr(response, "connection"), "close");
  stopper.join();
}

TEST_F(ServerTest, ShutdownForceClosesRequestsThatOutlastTheDrain) {
  handler_.function = [](const Request& request) {
    std::this_thread::sleep_for(milliseconds(600));
    return Echo(request);
  };
  StartServer();
  HttpClient client = Connect();
  ASSERT_TRUE(client.SendRaw(HttpClient::BuildRequest("GET", "/")).ok());
  std::this_thread::sleep_for(milliseconds(50));
  std::thread stopper([&] { server_->Shutdown(milliseconds(50)); });
  // Closed without an answer, long before the handler's 600 ms are over.
  EXPECT_TRUE(client.WaitForClose(milliseconds(400)));
  stopper.join();
}

TEST_F(ServerTest, ShutdownTwiceAndWaitAreSafe) {
  StartServer();
  std::thread waiter([&] { server_->Wait(); });
  server_->Shutdown(milliseconds(100));
  server_->Shutdown(milliseconds(100));
  waiter.join();
}

TEST(ServerStartTest, RejectsBadListenAddresses) {
  FunctionHandler handler;
  for (const char* listen :
       {"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", "not-an-ip:80", "[::1:80", "[::1]80"}) {
    Server server(ServerOptions{.listen = listen}, handler);
    const core::Status started = server.Start();
    EXPECT_EQ(started.code(), core::ErrorCode::kInvalidArgument) << listen;
  }
}

TEST(ServerStartTest, RejectsBadOptions) {
  FunctionHandler handler;
  Server server(ServerOptions{.listen = "127.0.0.1:0", .worker_threads = 0}, handler);
  EXPECT_EQ(server.Start().code(), core::ErrorCode::kInvalidArgument);
}

TEST(ServerStartTest, PortInUseIsUnavailable) {
  FunctionHandler handler;
  Server first(ServerOptions{.listen = "127.0.0.1:0"}, handler);
  ASSERT_TRUE(first.Start().ok());
  Server second(ServerOptions{.listen = "127.0.0.1:" + std::to_string(first.port())}, handler);
  EXPECT_EQ(second.Start().code(), core::ErrorCode::kUnavailable);
  EXPECT_EQ(first.Start().code(), core::ErrorCode::kFailedPrecondition);
}

TEST(ServerStartTest, ListensOnIpv6Loopback) {
  FunctionHandler handler;
  handler.function = Echo;
  Server server(ServerOptions{.listen = "[::1]:0"}, handler);
  const core::Status started = server.Start();
  if (!started.ok()) GTEST_SKIP() << "no IPv6 loopback: " << started.ToString();
  HttpClient client;
  ASSERT_TRUE(client.Connect("::1", server.port()).ok());
  EXPECT_EQ(Ok(client.RoundTrip("GET", "/six")).body, "GET /six ");
}

TEST(ServerStartTest, DestructorShutsDownARunningServer) {
  FunctionHandler handler;
  handler.function = Echo;
  HttpClient client;
  {
    Server server(ServerOptions{.listen = "127.0.0.1:0"}, handler);
    ASSERT_TRUE(server.Start().ok());
    ASSERT_TRUE(client.Connect("127.0.0.1", server.port()).ok());
    EXPECT_EQ(Ok(client.RoundTrip("GET", "/")).status, 200);
  }
  EXPECT_TRUE(client.WaitForClose(milliseconds(1000)));
}

TEST_F(ServerTest, InlineAnswersSkipTheWorkerPool) {
  std::atomic<int> handled{0};
  handler_.function = [&](const Request& request) {
    ++handled;
    return Echo(request);
  };
  handler_.inline_function = [](const Request& request) -> std::optional<Response> {
    if (request.target != "/fast") return std::nullopt;
    Response response;
    response.content_type = "text/plain";
    response.body = "inline";
    response.headers.emplace_back("Allow", "GET");
    return response;
  };
  StartServer();
  HttpClient client = Connect();
  HttpResponse fast = Ok(client.RoundTrip("GET", "/fast", "", {{"X-Request-Id", "quick-1"}}));
  EXPECT_EQ(fast.status, 200);
  EXPECT_EQ(fast.body, "inline");
  EXPECT_EQ(HeaderOr(fast, "allow"), "GET");
  EXPECT_EQ(HeaderOr(fast, "x-request-id"), "quick-1");
  EXPECT_EQ(HeaderOr(fast, "content-length"), "6");
  EXPECT_EQ(HeaderOr(fast, "x-content-type-options"), "nosniff");
  EXPECT_EQ(handled.load(), 0);
  HttpResponse slow = Ok(client.RoundTrip("GET", "/slow", ""));
  EXPECT_EQ(slow.body, "GET /slow ");
  EXPECT_EQ(handled.load(), 1);
  EXPECT_EQ(WaitForRecords(2).size(), 2u);
}

TEST_F(ServerTest, AThrowingInlineHandlerIsAnswered500) {
  handler_.inline_function = [](const Request&) -> std::optional<Response> {
    throw std::runtime_error("bug");
  };
  StartServer();
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("GET", "/x", ""));
  EXPECT_EQ(response.status, 500);
  // The connection survives a handler bug.
  EXPECT_EQ(Ok(client.RoundTrip("GET", "/x", "")).status, 500);
}

TEST_F(ServerTest, ReadsAreNotQueuedBehindWritesWaitingForTheirCommit) {
  std::promise<void> write_started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  handler_.function = [&](const Request& request) {
    if (request.method == "POST") {
      write_started.set_value();
      released.wait();  // a write waiting for its group commit
    }
    return Echo(request);
  };
  ServerOptions options;
  options.worker_threads = 1;
  options.read_worker_threads = 1;
  StartServer(options);
  HttpClient writer = Connect();
  auto write = std::async(std::launch::async, [&] { return writer.RoundTrip("POST", "/w", "b"); });
  write_started.get_future().wait();
  HttpClient reader = Connect();
  HttpResponse read = Ok(reader.RoundTrip("GET", "/r", ""));
  EXPECT_EQ(read.body, "GET /r ");
  EXPECT_EQ(write.wait_for(milliseconds(0)), std::future_status::timeout)
      << "the write is still waiting while the read was answered";
  release.set_value();
  HttpResponse written = Ok(write.get());
  EXPECT_EQ(written.body, "POST /w b");
}

TEST_F(ServerTest, HandlerHeadersThatWouldSplitTheResponseAreDropped) {
  handler_.function = [](const Request& request) {
    Response response = Echo(request);
    response.headers = {{"X-Good", "1"},
                        {"X-Bad", "1\r\nX-Injected: 1"},
                        {"X-Bad\r\nX-Injected", "2"},
                        {"Date", "handlers do not own the date"}};
    return response;
  };
  StartServer();
  HttpClient client = Connect();
  HttpResponse response = Ok(client.RoundTrip("GET", "/", ""));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(HeaderOr(response, "x-good"), "1");
  EXPECT_EQ(HeaderOr(response, "x-bad"), "<absent>");
  EXPECT_EQ(HeaderOr(response, "x-injected"), "<absent>");
  EXPECT_NE(HeaderOr(response, "date"), "handlers do not own the date");
}

}  // namespace
}  // namespace backbeat::http
