// The run executors against fakes started by the tests: an OpenAI-compatible chat server and a
// webhook receiver (backbeat's own HTTP server on 127.0.0.1:0), and /bin/sh scripts as programs.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "backbeat/executors/command_executor.hpp"
#include "backbeat/executors/dry_run_executor.hpp"
#include "backbeat/executors/executor.hpp"
#include "backbeat/executors/executor_factory.hpp"
#include "backbeat/executors/openai_executor.hpp"
#include "backbeat/executors/payload.hpp"
#include "backbeat/executors/text.hpp"
#include "backbeat/executors/webhook_executor.hpp"
#include "backbeat/http/server/server.hpp"

namespace backbeat::executors {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using Outcome = ExecutionResult::Outcome;

constexpr std::string_view kTaskId = "0c6f9a4e-1b2d-4c3e-8f5a-6b7c8d9e0f1a";
constexpr std::string_view kAccountId = "1d7e0b5f-2c3e-4d4f-9a6b-7c8d9e0f1a2b";
constexpr std::string_view kArtistId = "2e8f1c6a-3d4f-4e5a-8b7c-8d9e0f1a2b3c";

core::Task MakeTask() {
  core::Task task;
  task.id = kTaskId;
  task.account_id = kAccountId;
  task.artist_account_id = kArtistId;
  task.title = "Weekly fan digest";
  task.prompt = "Summarise this week's fan messages; don't `rm -rf` anything; $(whoami) \"quoted\"";
  task.schedule = "0 9 * * MON";
  task.timezone = "Europe/Paris";
  task.model = "gpt-test";
  return task;
}

core::Run MakeRun() {
  core::Run run;
  run.id = "run_abcdefghijklmnopqrstuvwx";
  run.task_id = kTaskId;
  run.account_id = kAccountId;
  run.artist_account_id = kArtistId;
  run.slot = core::Instant(std::chrono::sys_days(std::chrono::year(2026) / 3 / 30) +
                           std::chrono::hours(7));
  run.idempotency_key = std::string(kTaskId) + ":2026-03-30T07:00:00.000Z";
  run.schedule_expression = "0 9 * * MON";
  run.timezone = "Europe/Paris";
  return run;
}

// A task and run with a request over them (the request holds references).
struct Fixture {
  core::Task task = MakeTask();
  core::Run run = MakeRun();
  std::atomic<bool> cancel{false};

  ExecutionRequest Request(milliseconds timeout = milliseconds(5000)) {
    return ExecutionRequest{.task = task,
                            .run = run,
                            .attempt = 2,
                            .account_email = "owner@example.com",
                            .timeout = timeout,
                            .cancel = &cancel};
  }
};

json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

std::string Str(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : ""; }

// Tests never go through a proxy from the environment.
HttpOptions Direct() {
  HttpOptions options;
  options.proxy = "";
  options.connect_timeout = milliseconds(2000);
  return options;
}

// A fake upstream: backbeat's HTTP server on an ephemeral loopback port, answering with a
// replaceable function and recording the requests. Slow() answers block until the fixture is
// torn down (or 5 s), so timeouts can be provoked without sleeping in the test itself.
class FakeUpstream : public http::Handler {
 public:
  FakeUpstream() {
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.worker_threads = 4;
    server_ = std::make_unique<http::Server>(options, *this);
    const core::Status started = server_->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
  }
  ~FakeUpstream() override {
    Release();
    server_->Shutdown(milliseconds(0));
  }

  http::Response Handle(const http::Request& request) override {
    std::function<http::Response(const http::Request&)> respond;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      respond = respond_;
    }
    if (respond) return respond(request);
    http::Response response;
    response.status = 500;
    response.body = "no responder";
    return response;
  }

  void Respond(std::function<http::Response(const http::Request&)> respond) {
    std::lock_guard lock(mu_);
    respond_ = std::move(respond);
  }

  // Blocks the calling handler until Release() (at most 5 s), then answers `response`.
  http::Response Slow(http::Response response) {
    std::unique_lock lock(mu_);
    released_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return released_; });
    return response;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    released_cv_.notify_all();
  }

  std::vector<http::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

  std::string Url(std::string_view path = "") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

 private:
  std::unique_ptr<http::Server> server_;
  mutable std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = false;                                        // guarded by mu_
  std::function<http::Response(const http::Request&)> respond_;  // guarded by mu_
  std::vector<http::Request> requests_;                          // guarded by mu_
};

http::Response Reply(int status, std::string body = {}) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

http::Response JsonResponse(int status, const json::value& body) {
  return Reply(status, json::serialize(body));
}

// A port on which nothing listens: one a server had and gave back.
uint16_t ClosedPort() {
  struct NoHandler : http::Handler {
    http::Response Handle(const http::Request&) override { return {}; }
  } handler;
  http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  http::Server server(options, handler);
  EXPECT_TRUE(server.Start().ok());
  const uint16_t port = server.port();
  server.Shutdown(milliseconds(0));
  return port;
}

// Sets the cancel flag after `delay`, from another thread.
class CancelLater {
 public:
  CancelLater(std::atomic<bool>& flag, milliseconds delay)
      : thread_([&flag, delay] {
          std::this_thread::sleep_for(delay);
          flag.store(true);
        }) {}
  ~CancelLater() { thread_.join(); }

 private:
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Shared payload and text helpers.

TEST(PayloadTest, SystemMessageCarriesTheContextAndUserMessageIsThePrompt) {
  Fixture f;
  const std::vector<ChatMessage> messages = RenderMessages(f.Request());
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].role, "system");
  for (std::string_view part :
       {kArtistId, kAccountId, kTaskId, std::string_view("owner@example.com"),
        std::string_view("Weekly fan digest"), std::string_view("0 9 * * MON (Europe/Paris)"),
        std::string_view("2026-03-30T07:00:00.000Z"), std::string_view("attempt 2")}) {
    EXPECT_NE(messages[0].content.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(messages[1], (ChatMessage{.role = "user", .content = f.task.prompt}));
}

TEST(PayloadTest, TriggerNowRunsSayManualAndFallBackToTheTaskSchedule) {
  Fixture f;
  f.run.slot.reset();
  f.run.schedule_expression.clear();
  f.task.schedule = "*/5 * * * *";
  f.task.timezone = "UTC";
  const json::object payload = BuildRunPayload(f.Request(), "fallback");
  EXPECT_TRUE(payload.at("run").at("slot").is_null());
  EXPECT_EQ(Str(payload.at("task").at("schedule")), "*/5 * * * *");
  EXPECT_EQ(Str(payload.at("task").at("timezone")), "UTC");
  EXPECT_NE(RenderMessages(f.Request())[0].content.find("triggered manually"), std::string::npos);
}

TEST(TextTest, ReplacesInvalidUtf8AndCutsOnSequenceBoundaries) {
  EXPECT_EQ(ToValidUtf8("a\xff"
                        "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(ToValidUtf8("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(ToValidUtf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong '/'
  EXPECT_EQ(Excerpt("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9...");
  EXPECT_EQ(TailExcerpt("\xc3\xa9\xc3\xa9", 3), "...\xc3\xa9");
}

// ---------------------------------------------------------------------------------------------
// dry-run

TEST(DryRunExecutorTest, OutputRecordsExactlyWhatWouldBeSent) {
  Fixture f;
  DryRunExecutor executor("default-model");
  EXPECT_EQ(executor.name(), "dry-run");
  const ExecutionResult result = executor.Execute(f.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  EXPECT_FALSE(result.error);
  EXPECT_FALSE(result.retryable);
  EXPECT_EQ(result.cost_in_cents, 0);
  ASSERT_TRUE(result.output_json);
  const json::object out = ParseObject(*result.output_json);
  EXPECT_EQ(Str(out.at("executor")), "dry-run");
  EXPECT_EQ(Str(out.at("model")), "gpt-test");
  EXPECT_EQ(Str(out.at("artist_account_id")), kArtistId);
  EXPECT_EQ(Str(out.at("account").at("id")), kAccountId);
  EXPECT_EQ(Str(out.at("account").at("email")), "owner@example.com");
  EXPECT_EQ(Str(out.at("task").at("id")), kTaskId);
  EXPECT_EQ(Str(out.at("task").at("title")), "Weekly fan digest");
  EXPECT_EQ(Str(out.at("schedule")), "0 9 * * MON");
  EXPECT_EQ(Str(out.at("timezone")), "Europe/Paris");
  EXPECT_EQ(Str(out.at("slot")), "2026-03-30T07:00:00.000Z");
  EXPECT_EQ(Str(out.at("run_id")), f.run.id);
  EXPECT_EQ(out.at("attempt").as_int64(), 2);
  // The messages are the ones an openai executor would send, verbatim.
  const std::vector<ChatMessage> expected = RenderMessages(f.Request());
  const json::array& messages = out.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(Str(messages[0].at("role")), "system");
  EXPECT_EQ(Str(messages[0].at("content")), expected[0].content);
  EXPECT_EQ(Str(messages[1].at("role")), "user");
  EXPECT_EQ(Str(messages[1].at("content")), f.task.prompt);
}

TEST(DryRunExecutorTest, UsesTheDefaultModelAndNullsWhatIsAbsent) {
  Fixture f;
  f.task.model.reset();
  f.run.slot.reset();
  ExecutionRequest request = f.Request();
  request.account_email.clear();
  const ExecutionResult with_default = DryRunExecutor("llama3").Execute(request);
  ASSERT_TRUE(with_default.output_json);
  json::object out = ParseObject(*with_default.output_json);
  EXPECT_EQ(Str(out.at("model")), "llama3");
  EXPECT_TRUE(out.at("slot").is_null());
  EXPECT_TRUE(out.at("account").at("email").is_null());

  const ExecutionResult without = DryRunExecutor().Execute(request);
  ASSERT_TRUE(without.output_json);
  EXPECT_TRUE(ParseObject(*without.output_json).at("model").is_null());
}

TEST(DryRunExecutorTest, ACanceledAttemptIsCanceled) {
  Fixture f;
  f.cancel = true;
  const ExecutionResult result = DryRunExecutor().Execute(f.Request());
  EXPECT_EQ(result.outcome, Outcome::kCanceled);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "CanceledError");
  EXPECT_FALSE(result.output_json);
}

// ---------------------------------------------------------------------------------------------
// openai

json::object Completion(std::string_view text, int64_t prompt_tokens, int64_t completion_tokens) {
  return json::object{
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"model", "gpt-test-2026"},
      {"choices",
       json::array{json::object{{"index", 0},
                                {"message", json::object{{"role", "assistant"}, {"content", text}}},
                                {"finish_reason", "stop"}}}},
      {"usage", json::object{{"prompt_tokens", prompt_tokens},
                             {"completion_tokens", completion_tokens},
                             {"total_tokens", prompt_tokens + completion_tokens}}},
  };
}

class OpenAiExecutorTest : public ::testing::Test {
 protected:
  std::unique_ptr<OpenAiExecutor> Make(OpenAiOptions options = {}) {
    if (options.base_url.empty()) options.base_url = upstream_.Url("/v1/");
    if (options.default_model.empty()) options.default_model = "default-model";
    options.http = Direct();
    auto made = OpenAiExecutor::Create(std::move(options));
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(made).value() : nullptr;
  }

  FakeUpstream upstream_;
  Fixture f_;
};

TEST_F(OpenAiExecutorTest, SendsAChatCompletionAndRecordsTextUsageAndCost) {
  upstream_.Respond([](const http::Request& request) {
    const json::object body = ParseObject(request.body);
    EXPECT_EQ(Str(body.at("model")), "gpt-test");
    const json::array& messages = body.at("messages").as_array();
    EXPECT_EQ(messages.size(), 2u);
    EXPECT_EQ(Str(messages.at(0).at("role")), "system");
    EXPECT_EQ(Str(messages.at(1).at("role")), "user");
    EXPECT_EQ(Str(messages.at(1).at("content")), MakeTask().prompt);
    return JsonResponse(200, Completion("Here is your digest.", 1000, 500));
  });
  OpenAiOptions options;
  options.api_key = "sk-test-123";
  options.input_cents_per_million_tokens = 250;    // $2.50 per million input tokens
  options.output_cents_per_million_tokens = 1000;  // $10 per million output tokens
  auto executor = Make(options);
  ASSERT_TRUE(executor);
  EXPECT_EQ(executor->name(), "openai");
  EXPECT_EQ(executor->url(), upstream_.Url("/v1/chat/completions"));

  const ExecutionResult result = executor->Execute(f_.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded) << (result.error ? result.error->message : "");
  ASSERT_TRUE(result.output_json);
  const json::object out = ParseObject(*result.output_json);
  EXPECT_EQ(Str(out.at("text")), "Here is your digest.");
  EXPECT_EQ(Str(out.at("model")), "gpt-test-2026");
  EXPECT_EQ(Str(out.at("finish_reason")), "stop");
  EXPECT_EQ(out.at("usage").at("prompt_tokens").as_int64(), 1000);
  EXPECT_EQ(out.at("usage").at("completion_tokens").as_int64(), 500);
  EXPECT_EQ(out.at("usage").at("total_tokens").as_int64(), 1500);
  EXPECT_DOUBLE_EQ(result.cost_in_cents, 0.25 + 0.5);
  EXPECT_GE(result.duration_ms, 0);

  const std::vector<http::Request> requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v1/chat/completions");
  ASSERT_TRUE(requests[0].Header("authorization"));
  EXPECT_EQ(*requests[0].Header("authorization"), "Bearer sk-test-123");
  ASSERT_TRUE(requests[0].Header("content-type"));
  EXPECT_EQ(*requests[0].Header("content-type"), "application/json");
}

TEST_F(OpenAiExecutorTest, UsesTheDefaultModelAndSendsNoKeyWhenNoneIsConfigured) {
  f_.task.model.reset();
  upstream_.Respond([](const http::Request& request) {
    EXPECT_EQ(Str(ParseObject(request.body).at("model")), "default-model");
    EXPECT_EQ(request.Header("authorization"), nullptr);
    json::object completion = Completion("ok", 3, 1);
    completion.erase("model");  // some servers omit it: the requested one is reported
    return JsonResponse(200, completion);
  });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f_.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Str(ParseObject(*result.output_json).at("model")), "default-model");
  EXPECT_EQ(result.cost_in_cents, 0);
}

TEST_F(OpenAiExecutorTest, ClassifiesUpstreamStatusesForRetry) {
  struct Case {
    int status;
    std::string_view name;
    bool retryable;
  };
  const std::vector<Case> cases = {
      {429, "RateLimitError", true},       {500, "UpstreamError", true},
      {502, "UpstreamError", true},        {503, "UpstreamError", true},
      {408, "UpstreamError", true},        {400, "InvalidRequestError", false},
      {404, "InvalidRequestError", false}, {401, "AuthenticationError", false},
      {403, "AuthenticationError", false},
  };
  auto executor = Make();
  ASSERT_TRUE(executor);
  for (const Case& c : cases) {
    upstream_.Respond([c](const http::Request&) {
      return JsonResponse(
          c.status,
          json::object{{"error", json::object{{"message", "nope " + std::to_string(c.status)}}}});
    });
    const ExecutionResult result = executor->Execute(f_.Request());
    EXPECT_EQ(result.outcome, Outcome::kFailed) << c.status;
    ASSERT_TRUE(result.error) << c.status;
    EXPECT_EQ(result.error->name, c.name) << c.status;
    EXPECT_EQ(result.retryable, c.retryable) << c.status;
    EXPECT_NE(result.error->message.find("HTTP " + std::to_string(c.status)), std::string::npos);
    EXPECT_NE(result.error->message.find("nope " + std::to_string(c.status)), std::string::npos)
        << result.error->message;
    EXPECT_FALSE(result.output_json);
  }
}

TEST_F(OpenAiExecutorTest, ASlowUpstreamTimesOut) {
  upstream_.Respond([this](const http::Request&) {
    return upstream_.Slow(JsonResponse(200, Completion("", 0, 0)));
  });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const Clock::time_point start = Clock::now();
  const ExecutionResult result = executor->Execute(f_.Request(milliseconds(300)));
  const auto took = Clock::now() - start;
  EXPECT_EQ(result.outcome, Outcome::kTimedOut);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "TimeoutError");
  EXPECT_TRUE(result.retryable);
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(2000));
}

TEST_F(OpenAiExecutorTest, CancelStopsAWaitingRequestPromptly) {
  upstream_.Respond([this](const http::Request&) {
    return upstream_.Slow(JsonResponse(200, Completion("", 0, 0)));
  });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const Clock::time_point start = Clock::now();
  ExecutionResult result;
  {
    CancelLater cancel(f_.cancel, milliseconds(150));
    result = executor->Execute(f_.Request(milliseconds(10'000)));
  }
  EXPECT_EQ(result.outcome, Outcome::kCanceled);
  EXPECT_FALSE(result.retryable);
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
}

TEST_F(OpenAiExecutorTest, AHugeResponseFailsWithoutBeingKept) {
  upstream_.Respond(
      [](const http::Request&) { return Reply(200, std::string(size_t{3} * 1024 * 1024, 'x')); });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f_.Request());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "ResponseTooLargeError");
  EXPECT_FALSE(result.retryable);
  EXPECT_LT(result.error->message.size(), 200u);
}

TEST_F(OpenAiExecutorTest, ASuccessThatIsNotACompletionIsAnInvalidResponse) {
  auto executor = Make();
  ASSERT_TRUE(executor);
  for (std::string body : {"<html>proxy says hi</html>", "[1,2]", "{\"choices\":[]}"}) {
    upstream_.Respond([body](const http::Request&) { return Reply(200, body); });
    const ExecutionResult result = executor->Execute(f_.Request());
    EXPECT_EQ(result.outcome, Outcome::kFailed) << body;
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->name, "InvalidResponseError") << body;
    EXPECT_FALSE(result.retryable);
  }
}

TEST_F(OpenAiExecutorTest, AnUnreachableUpstreamIsARetryableConnectionError) {
  OpenAiOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/v1";
  auto executor = Make(options);
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f_.Request());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "ConnectionError");
  EXPECT_TRUE(result.retryable);
}

TEST_F(OpenAiExecutorTest, RedirectsAreNotFollowed) {
  upstream_.Respond([this](const http::Request&) {
    http::Response response = Reply(307, "{}");
    response.headers = {{"Location", upstream_.Url("/elsewhere")}};
    return response;
  });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f_.Request());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(upstream_.requests().size(), 1u);
}

// A redirect to another scheme must not make libcurl read a local file or speak another
// protocol on the server's behalf (docs/security.md).
TEST_F(OpenAiExecutorTest, RedirectsToOtherSchemesAreNotFollowed) {
  for (const char* location : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"}) {
    upstream_.Respond([location](const http::Request&) {
      http::Response response = Reply(302, "{}");
      response.headers = {{"Location", location}};
      return response;
    });
    auto executor = Make();
    ASSERT_TRUE(executor);
    const ExecutionResult result = executor->Execute(f_.Request());
    EXPECT_EQ(result.outcome, Outcome::kFailed) << location;
    ASSERT_TRUE(result.error) << location;
    EXPECT_EQ(result.error->message.find("root:"), std::string::npos) << result.error->message;
    EXPECT_FALSE(result.output_json.has_value()) << location;
  }
}

TEST(OpenAiConfigTest, RefusesBadSettingsAtConfigurationTime) {
  auto make = [](std::string url, std::string model = "m") {
    OpenAiOptions options;
    options.base_url = std::move(url);
    options.default_model = std::move(model);
    return OpenAiExecutor::Create(std::move(options));
  };
  for (std::string url : {"ftp://example.com/v1", "file:///etc/passwd", "gopher://x", "example.com",
                          "", "http://", "localhost:8080/v1"}) {
    auto made = make(url);
    EXPECT_FALSE(made.ok()) << url;
    if (!made.ok()) {
      EXPECT_EQ(made.status().code(), core::ErrorCode::kInvalidArgument) << url;
      EXPECT_NE(made.status().message().find("openai.base_url"), std::string::npos);
    }
  }
  auto ftp = make("ftp://example.com/v1");
  ASSERT_FALSE(ftp.ok());
  EXPECT_NE(ftp.status().message().find("only http:// and https://"), std::string::npos)
      << ftp.status().message();
  EXPECT_TRUE(make("https://api.openai.com/v1").ok());
  EXPECT_TRUE(make("HTTP://127.0.0.1:11434/v1").ok());
  EXPECT_FALSE(make("https://api.openai.com/v1", "").ok());

  OpenAiOptions negative;
  negative.base_url = "https://api.openai.com/v1";
  negative.default_model = "m";
  negative.input_cents_per_million_tokens = -1;
  EXPECT_FALSE(OpenAiExecutor::Create(negative).ok());
}

// ---------------------------------------------------------------------------------------------
// webhook

constexpr std::string_view kSecret = "whsec_test_5b1f0e";
constexpr int64_t kFixedUnixSeconds = 1'774'854'000;  // 2026-03-30T07:00:00Z

// The receiver's own check, computed independently of the executor's code.
std::string ReceiverSignature(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest.data(), &length);
  std::ostringstream hex;
  hex << std::hex << std::setfill('0');
  for (unsigned int i = 0; i < length; ++i) hex << std::setw(2) << static_cast<int>(digest[i]);
  return "sha256=" + hex.str();
}

class WebhookExecutorTest : public ::testing::Test {
 protected:
  std::unique_ptr<WebhookExecutor> Make(size_t max_response_bytes = size_t{64} * 1024) {
    WebhookOptions options;
    options.url = upstream_.Url("/hooks/backbeat");
    options.secret = kSecret;
    options.max_response_bytes = max_response_bytes;
    options.http = Direct();
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(kFixedUnixSeconds));
    };
    auto made = WebhookExecutor::Create(std::move(options));
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(made).value() : nullptr;
  }

  FakeUpstream upstream_;
  Fixture f_;
};

TEST_F(WebhookExecutorTest, PostsASignedRunPayloadAndKeepsTheJsonAnswer) {
  upstream_.Respond([](const http::Request& request) {
    const std::string* signature = request.Header("x-backbeat-signature");
    const std::string* timestamp = request.Header("x-backbeat-timestamp");
    if (signature == nullptr || timestamp == nullptr) {
      return Reply(401, "unsigned");
    }
    if (*signature != ReceiverSignature(kSecret, request.body)) {
      return Reply(401, "bad signature");
    }
    return JsonResponse(202, json::object{{"accepted", true}, {"job", "j-17"}});
  });
  auto executor = Make();
  ASSERT_TRUE(executor);
  EXPECT_EQ(executor->name(), "webhook");
  const ExecutionResult result = executor->Execute(f_.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded) << (result.error ? result.error->message : "");
  const json::object out = ParseObject(*result.output_json);
  EXPECT_EQ(out.at("status").as_int64(), 202);
  EXPECT_EQ(out.at("body").at("accepted").as_bool(), true);
  EXPECT_EQ(Str(out.at("body").at("job")), "j-17");
  EXPECT_EQ(out.at("truncated").as_bool(), false);

  const std::vector<http::Request> requests = upstream_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::Request& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/hooks/backbeat");
  EXPECT_EQ(*sent.Header("x-backbeat-timestamp"), std::to_string(kFixedUnixSeconds));
  EXPECT_EQ(*sent.Header("x-backbeat-run-id"), f_.run.id);
  EXPECT_EQ(*sent.Header("x-backbeat-attempt"), "2");
  EXPECT_EQ(*sent.Header("content-type"), "application/json");
  const json::object payload = ParseObject(sent.body);
  EXPECT_EQ(payload.at("timestamp").as_int64(), kFixedUnixSeconds);
  EXPECT_EQ(Str(payload.at("run").at("id")), f_.run.id);
  EXPECT_EQ(payload.at("run").at("attempt").as_int64(), 2);
  EXPECT_EQ(Str(payload.at("run").at("slot")), "2026-03-30T07:00:00.000Z");
  EXPECT_EQ(Str(payload.at("run").at("idempotency_key")), *f_.run.idempotency_key);
  EXPECT_EQ(Str(payload.at("task").at("id")), kTaskId);
  EXPECT_EQ(Str(payload.at("task").at("prompt")), f_.task.prompt);
  EXPECT_EQ(Str(payload.at("task").at("schedule")), "0 9 * * MON");
  EXPECT_EQ(Str(payload.at("task").at("timezone")), "Europe/Paris");
  EXPECT_EQ(Str(payload.at("artist_account_id")), kArtistId);
  EXPECT_EQ(Str(payload.at("account").at("id")), kAccountId);
  EXPECT_EQ(Str(payload.at("account").at("email")), "owner@example.com");
  EXPECT_EQ(Str(payload.at("model")), "gpt-test");
  EXPECT_EQ(payload.at("messages").as_array().size(), 2u);
}

TEST_F(WebhookExecutorTest, TheSignatureChangesWithTheSecret) {
  // A receiver holding another secret rejects the call: the signature is really keyed.
  upstream_.Respond([](const http::Request& request) {
    const std::string* signature = request.Header("x-backbeat-signature");
    const bool valid =
        signature != nullptr && *signature == ReceiverSignature("another secret", request.body);
    return Reply(valid ? 200 : 401, "checked");
  });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f_.Request());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "WebhookError");
  EXPECT_NE(result.error->message.find("HTTP 401"), std::string::npos);
  EXPECT_FALSE(result.retryable);
  EXPECT_EQ(HmacSha256Hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST_F(WebhookExecutorTest, KeepsTextAndEmptyAnswers) {
  auto executor = Make();
  ASSERT_TRUE(executor);
  upstream_.Respond([](const http::Request&) {
    http::Response response = Reply(200, "thanks");
    response.content_type = "text/plain";
    return response;
  });
  ExecutionResult result = executor->Execute(f_.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Str(ParseObject(*result.output_json).at("body")), "thanks");

  upstream_.Respond([](const http::Request&) { return Reply(204); });
  result = executor->Execute(f_.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  const json::object out = ParseObject(*result.output_json);
  EXPECT_EQ(out.at("status").as_int64(), 204);
  EXPECT_TRUE(out.at("body").is_null());
}

TEST_F(WebhookExecutorTest, BoundsTheKeptAnswer) {
  upstream_.Respond([](const http::Request&) {
    return Reply(200, "[" + std::string(size_t{200} * 1024, '1') + "]");
  });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f_.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  const json::object out = ParseObject(*result.output_json);
  EXPECT_EQ(out.at("truncated").as_bool(), true);
  ASSERT_TRUE(out.at("body").is_string());
  EXPECT_EQ(out.at("body").as_string().size(), 64u * 1024);
}

TEST_F(WebhookExecutorTest, FailsOnNonSuccessStatuses) {
  struct Case {
    int status;
    std::string_view name;
    bool retryable;
  };
  const std::vector<Case> cases = {{500, "UpstreamError", true},  {503, "UpstreamError", true},
                                   {429, "RateLimitError", true}, {400, "WebhookError", false},
                                   {404, "WebhookError", false},  {302, "WebhookError", false}};
  auto executor = Make();
  ASSERT_TRUE(executor);
  for (const Case& c : cases) {
    upstream_.Respond([c](const http::Request&) { return Reply(c.status, "status body"); });
    const ExecutionResult result = executor->Execute(f_.Request());
    EXPECT_EQ(result.outcome, Outcome::kFailed) << c.status;
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->name, c.name) << c.status;
    EXPECT_EQ(result.retryable, c.retryable) << c.status;
    EXPECT_NE(result.error->message.find("status body"), std::string::npos);
  }
}

TEST_F(WebhookExecutorTest, ASlowReceiverTimesOut) {
  upstream_.Respond([this](const http::Request&) { return upstream_.Slow(http::Response{}); });
  auto executor = Make();
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f_.Request(milliseconds(250)));
  EXPECT_EQ(result.outcome, Outcome::kTimedOut);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "TimeoutError");
  EXPECT_LT(result.duration_ms, 2000);
}

TEST_F(WebhookExecutorTest, RedirectsAreNotFollowedToAnyScheme) {
  for (std::string location : {std::string("file:///etc/passwd"), upstream_.Url("/elsewhere")}) {
    upstream_.Respond([location](const http::Request&) {
      http::Response response = Reply(307, "moved");
      response.headers = {{"Location", location}};
      return response;
    });
    const size_t before = upstream_.requests().size();
    auto executor = Make();
    ASSERT_TRUE(executor);
    const ExecutionResult result = executor->Execute(f_.Request());
    EXPECT_EQ(result.outcome, Outcome::kFailed) << location;
    EXPECT_EQ(upstream_.requests().size(), before + 1) << location;
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->message.find("root:"), std::string::npos) << result.error->message;
  }
}

TEST(WebhookConfigTest, RefusesNonHttpUrlsAndAMissingSecret) {
  auto make = [](std::string url, std::string secret) {
    WebhookOptions options;
    options.url = std::move(url);
    options.secret = std::move(secret);
    return WebhookExecutor::Create(std::move(options));
  };
  for (std::string url : {"ftp://example.com/hook", "file:///tmp/hook", "ldap://x/", "dict://x/",
                          "/relative/path", "https://"}) {
    auto made = make(url, "s");
    ASSERT_FALSE(made.ok()) << url;
    EXPECT_EQ(made.status().code(), core::ErrorCode::kInvalidArgument);
    EXPECT_NE(made.status().message().find("webhook.url"), std::string::npos);
  }
  auto unsigned_hook = make("https://example.com/hook", "");
  ASSERT_FALSE(unsigned_hook.ok());
  EXPECT_NE(unsigned_hook.status().message().find("webhook.secret"), std::string::npos);
  EXPECT_TRUE(make("https://example.com/hook", "s").ok());
}

// ---------------------------------------------------------------------------------------------
// command

// A temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "backbeat-exec-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether `pid` is gone (or a zombie awaiting its new parent, which no longer runs anything).
bool ProcessGone(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

bool EventuallyGone(pid_t pid) {
  const Clock::time_point until = Clock::now() + milliseconds(3000);
  while (Clock::now() < until) {
    if (ProcessGone(pid)) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

// No child of the test process is left unreaped.
bool NoChildrenLeft() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

std::unique_ptr<CommandExecutor> MakeShell(std::string script, CommandOptions options = {}) {
  options.argv = {"/bin/sh", "-c", std::move(script)};
  auto made = CommandExecutor::Create(std::move(options));
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  return made.ok() ? std::move(made).value() : nullptr;
}

TEST(CommandExecutorTest, PassesThePayloadOnStdinAndTheContextInTheEnvironment) {
  ::setenv("BACKBEAT_TEST_DATABASE_PASSWORD", "hunter2", 1);
  CommandOptions options;
  options.environment = {{"FIXED", "yes"}, {"BACKBEAT_RUN_ID", "spoofed"}};
  auto executor = MakeShell(
      "cat; echo; echo \"$BACKBEAT_TASK_ID|$BACKBEAT_RUN_ID|$BACKBEAT_ACCOUNT_ID|"
      "$BACKBEAT_ARTIST_ACCOUNT_ID|$BACKBEAT_ATTEMPT|$BACKBEAT_SLOT|$BACKBEAT_MODEL|$FIXED|"
      "${BACKBEAT_TEST_DATABASE_PASSWORD:-unset}\"",
      options);
  ::unsetenv("BACKBEAT_TEST_DATABASE_PASSWORD");
  ASSERT_TRUE(executor);
  EXPECT_EQ(executor->name(), "command");
  Fixture f;
  const ExecutionResult result = executor->Execute(f.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded) << (result.error ? result.error->message : "");
  const json::object out = ParseObject(*result.output_json);
  EXPECT_EQ(out.at("exit_code").as_int64(), 0);
  EXPECT_EQ(out.at("truncated").as_bool(), false);
  const std::string stdout_text = Str(out.at("stdout"));
  const size_t newline = stdout_text.find('\n');
  ASSERT_NE(newline, std::string::npos) << stdout_text;
  const json::object payload = ParseObject(stdout_text.substr(0, newline));
  EXPECT_EQ(Str(payload.at("task").at("prompt")), f.task.prompt);  // verbatim, no shell involved
  EXPECT_EQ(Str(payload.at("run").at("id")), f.run.id);
  EXPECT_EQ(Str(payload.at("artist_account_id")), kArtistId);
  EXPECT_EQ(stdout_text.substr(newline + 1),
            std::string(kTaskId) + "|" + f.run.id + "|" + std::string(kAccountId) + "|" +
                std::string(kArtistId) + "|2|2026-03-30T07:00:00.000Z|gpt-test|yes|unset\n");
  EXPECT_TRUE(NoChildrenLeft());
}

TEST(CommandExecutorTest, ANonZeroExitFailsWithTheTailOfStderr) {
  Fixture f;
  auto executor = MakeShell("echo partial; echo 'something broke' >&2; exit 3");
  ASSERT_TRUE(executor);
  ExecutionResult result = executor->Execute(f.Request());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "CommandError");
  EXPECT_NE(result.error->message.find("status 3"), std::string::npos) << result.error->message;
  EXPECT_NE(result.error->message.find("something broke"), std::string::npos);
  EXPECT_FALSE(result.retryable);

  auto tempfail = MakeShell("exit 75");
  ASSERT_TRUE(tempfail);
  result = tempfail->Execute(f.Request());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_TRUE(result.retryable);

  auto killed = MakeShell("kill -9 $$");
  ASSERT_TRUE(killed);
  result = killed->Execute(f.Request());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  ASSERT_TRUE(result.error);
  EXPECT_NE(result.error->message.find("signal 9"), std::string::npos) << result.error->message;
  EXPECT_TRUE(NoChildrenLeft());
}

TEST(CommandExecutorTest, QuotesOnlyTheEndOfALongStderr) {
  Fixture f;
  CommandOptions options;
  options.stderr_tail_bytes = 100;
  auto executor =
      MakeShell("head -c 100000 /dev/zero | tr '\\0' a >&2; echo THE-END >&2; exit 1", options);
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f.Request());
  ASSERT_TRUE(result.error);
  EXPECT_NE(result.error->message.find("THE-END"), std::string::npos);
  EXPECT_LT(result.error->message.size(), 200u);
}

TEST(CommandExecutorTest, BoundsStdout) {
  Fixture f;
  CommandOptions options;
  options.max_stdout_bytes = 1000;
  auto executor = MakeShell("head -c 3000000 /dev/zero | tr '\\0' x", options);
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  const json::object out = ParseObject(*result.output_json);
  EXPECT_EQ(out.at("stdout").as_string().size(), 1000u);
  EXPECT_EQ(out.at("truncated").as_bool(), true);
}

TEST(CommandExecutorTest, AProgramThatIgnoresALargeInputDoesNotHurtBackbeat) {
  Fixture f;
  f.task.prompt = std::string(size_t{4} * 1024 * 1024, 'p');  // far beyond a pipe's buffer
  auto executor = MakeShell("echo ignored");
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Str(ParseObject(*result.output_json).at("stdout")), "ignored\n");
}

TEST(CommandExecutorTest, ATimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const std::string pid_file = dir.File("child.pid");
  Fixture f;
  auto executor = MakeShell("sleep 30 & echo $! > '" + pid_file + "'; wait");
  ASSERT_TRUE(executor);
  const Clock::time_point start = Clock::now();
  const ExecutionResult result = executor->Execute(f.Request(milliseconds(400)));
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(result.outcome, Outcome::kTimedOut);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->name, "TimeoutError");
  const std::string child = ReadFile(pid_file);
  ASSERT_FALSE(child.empty());
  EXPECT_TRUE(EventuallyGone(static_cast<pid_t>(std::stol(child))));
  EXPECT_TRUE(NoChildrenLeft());
}

TEST(CommandExecutorTest, CancelKillsTheWholeProcessGroup) {
  TempDir dir;
  const std::string pid_file = dir.File("child.pid");
  Fixture f;
  auto executor = MakeShell("sleep 30 & echo $! > '" + pid_file + "'; wait");
  ASSERT_TRUE(executor);
  const Clock::time_point start = Clock::now();
  ExecutionResult result;
  {
    CancelLater cancel(f.cancel, milliseconds(300));
    result = executor->Execute(f.Request(milliseconds(20'000)));
  }
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(result.outcome, Outcome::kCanceled);
  const std::string child = ReadFile(pid_file);
  ASSERT_FALSE(child.empty());
  EXPECT_TRUE(EventuallyGone(static_cast<pid_t>(std::stol(child))));
  EXPECT_TRUE(NoChildrenLeft());
}

TEST(CommandExecutorTest, ProcessesLeftBehindByTheProgramAreKilledWhenItExits) {
  TempDir dir;
  const std::string pid_file = dir.File("child.pid");
  Fixture f;
  auto executor = MakeShell("sleep 30 & echo $! > '" + pid_file + "'; echo finished");
  ASSERT_TRUE(executor);
  const Clock::time_point start = Clock::now();
  const ExecutionResult result = executor->Execute(f.Request());
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Str(ParseObject(*result.output_json).at("stdout")), "finished\n");
  const std::string child = ReadFile(pid_file);
  ASSERT_FALSE(child.empty());
  EXPECT_TRUE(EventuallyGone(static_cast<pid_t>(std::stol(child))));
}

TEST(CommandExecutorTest, RunsInTheConfiguredWorkingDirectory) {
  TempDir dir;
  Fixture f;
  CommandOptions options;
  options.working_directory = dir.File("");
  auto executor = MakeShell("pwd -P", options);
  ASSERT_TRUE(executor);
  const ExecutionResult result = executor->Execute(f.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Str(ParseObject(*result.output_json).at("stdout")),
            std::filesystem::canonical(dir.File("")).string() + "\n");
}

// The program is the configured argv, run with execve: task text (prompt, title, model) reaches
// it as data on stdin, never through a shell that would expand it.
TEST(CommandExecutorTest, ShellSyntaxInTheTaskReachesTheProgramAsData) {
  TempDir dir;
  const std::string marker = dir.File("pwned");
  const std::string program = dir.File("record");
  const std::string received = dir.File("stdin.json");
  {
    std::ofstream script(program);
    script << "#!/bin/sh\nexec cat > '" << received << "'\n";
  }
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  CommandOptions options;
  options.argv = {program};
  auto made = CommandExecutor::Create(std::move(options));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  Fixture f;
  const std::string hostile = "$(touch " + marker + ") `touch " + marker + "`; touch " + marker +
                              " | touch " + marker + " && touch " + marker + " \n'\"";
  f.task.prompt = hostile;
  f.task.title = hostile;
  f.task.model = hostile;
  const ExecutionResult result = (*made)->Execute(f.Request());
  ASSERT_EQ(result.outcome, Outcome::kSucceeded) << (result.error ? result.error->message : "");
  EXPECT_FALSE(std::filesystem::exists(marker)) << "task text was run by a shell";
  const json::object payload = ParseObject(ReadFile(received));
  EXPECT_EQ(Str(payload.at("task").at("prompt")), hostile);
  EXPECT_EQ(Str(payload.at("task").at("title")), hostile);
  EXPECT_TRUE(NoChildrenLeft());
}

TEST(CommandConfigTest, RefusesProgramsThatAreNotAbsoluteExecutables) {
  auto make = [](std::vector<std::string> argv) {
    CommandOptions options;
    options.argv = std::move(argv);
    return CommandExecutor::Create(std::move(options));
  };
  EXPECT_FALSE(make({}).ok());
  EXPECT_FALSE(make({"sh", "-c", "true"}).ok());  // no PATH search
  EXPECT_FALSE(make({"/nonexistent/program"}).ok());
  TempDir dir;
  const std::string plain = dir.File("plain");
  std::ofstream(plain) << "#!/bin/sh\n";
  std::filesystem::permissions(
      plain, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_FALSE(make({plain}).ok());   // not executable
  EXPECT_FALSE(make({"/bin"}).ok());  // a directory
  EXPECT_TRUE(make({"/bin/true"}).ok());
  CommandOptions bad_env;
  bad_env.argv = {"/bin/true"};
  bad_env.environment = {{"A=B", "c"}};
  EXPECT_FALSE(CommandExecutor::Create(bad_env).ok());
  CommandOptions bad_dir;
  bad_dir.argv = {"/bin/true"};
  bad_dir.working_directory = "/nonexistent/dir";
  EXPECT_FALSE(CommandExecutor::Create(bad_dir).ok());
}

TEST(ConcurrencyTest, OneExecutorServesManyThreadsAtOnce) {
  FakeUpstream upstream;
  upstream.Respond([](const http::Request& request) {
    const json::object body = ParseObject(request.body);
    return JsonResponse(200, Completion(Str(body.at("messages").at(1).at("content")), 1, 1));
  });
  OpenAiOptions options;
  options.base_url = upstream.Url("/v1");
  options.default_model = "m";
  options.http = Direct();
  auto openai = OpenAiExecutor::Create(options);
  ASSERT_TRUE(openai.ok());
  auto command = MakeShell("cat >/dev/null; echo \"$BACKBEAT_RUN_ID\"");
  ASSERT_TRUE(command);

  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> good{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Fixture f;
      f.task.prompt = "prompt " + std::to_string(i);
      f.run.id = "run_" + std::to_string(i);
      for (int round = 0; round < 3; ++round) {
        const ExecutionResult a = (*openai)->Execute(f.Request());
        const ExecutionResult b = command->Execute(f.Request());
        if (a.output_json && b.output_json &&
            Str(ParseObject(*a.output_json).at("text")) == f.task.prompt &&
            Str(ParseObject(*b.output_json).at("stdout")) == f.run.id + "\n") {
          ++good;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * 3);
  EXPECT_TRUE(NoChildrenLeft());
}

// ---------------------------------------------------------------------------------------------
// factory

TEST(MakeExecutorTest, BuildsEachKindAndRefusesUnknownOnes) {
  ExecutorConfig config;
  auto dry = MakeExecutor(config);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ((*dry)->name(), "dry-run");

  config.kind = "openai";
  config.default_model = "gpt-test";
  config.openai.base_url = "https://api.openai.com/v1";
  auto openai = MakeExecutor(config);
  ASSERT_TRUE(openai.ok()) << openai.status().ToString();
  EXPECT_EQ((*openai)->name(), "openai");
  config.openai.base_url = "file:///etc/passwd";
  EXPECT_FALSE(MakeExecutor(config).ok());

  config.kind = "webhook";
  config.webhook.url = "https://hooks.example.com/backbeat";
  config.webhook.secret = "s";
  auto webhook = MakeExecutor(config);
  ASSERT_TRUE(webhook.ok());
  EXPECT_EQ((*webhook)->name(), "webhook");

  config.kind = "command";
  config.command.argv = {"/bin/true"};
  auto command = MakeExecutor(config);
  ASSERT_TRUE(command.ok());
  EXPECT_EQ((*command)->name(), "command");

  config.kind = "shell";
  auto unknown = MakeExecutor(config);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("executor.kind"), std::string::npos);
}

TEST(MakeExecutorTest, TheDryRunUsesTheConfiguredDefaultModel) {
  ExecutorConfig config;
  config.default_model = "house-model";
  auto executor = MakeExecutor(config);
  ASSERT_TRUE(executor.ok());
  Fixture f;
  f.task.model.reset();
  const ExecutionResult result = (*executor)->Execute(f.Request());
  ASSERT_TRUE(result.output_json);
  EXPECT_EQ(Str(ParseObject(*result.output_json).at("model")), "house-model");
}

}  // namespace
}  // namespace backbeat::executors
