#include "backbeat/executors/openai_executor.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <utility>

#include "backbeat/executors/payload.hpp"
#include "backbeat/executors/text.hpp"

namespace backbeat::executors {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// The upstream's own explanation, from {"error":{"message":...}} or {"error":"..."}, when the
// body is such a document.
std::string UpstreamMessage(std::string_view body) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return {};
  const json::value* error = doc.as_object().if_contains("error");
  if (error == nullptr) return {};
  if (error->is_string()) return std::string(error->as_string());
  if (!error->is_object()) return {};
  const json::value* message = error->as_object().if_contains("message");
  if (message != nullptr && message->is_string()) return std::string(message->as_string());
  return {};
}

ExecutionResult FailedStatus(int status, std::string_view body) {
  std::string message = "Upstream answered HTTP " + std::to_string(status);
  const std::string upstream = UpstreamMessage(body);
  if (!upstream.empty()) message += ": " + Excerpt(upstream);
  if (status == 429) return Failed("RateLimitError", std::move(message), true);
  if (status == 408 || status >= 500) return Failed("UpstreamError", std::move(message), true);
  if (status == 401 || status == 403) {
    return Failed("AuthenticationError", std::move(message), false);
  }
  return Failed("InvalidRequestError", std::move(message), false);
}

int64_t TokenCount(const json::object& usage, std::string_view key) {
  const json::value* v = usage.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return std::max<int64_t>(v->as_int64(), 0);
  if (v->is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(v->as_uint64(), INT64_MAX));
  if (v->is_double() && std::isfinite(v->as_double()) && v->as_double() >= 0 &&
      v->as_double() < 9.0e18) {
    return static_cast<int64_t>(v->as_double());
  }
  return 0;
}

}  // namespace

core::Result<std::unique_ptr<OpenAiExecutor>> OpenAiExecutor::Create(OpenAiOptions options) {
  if (core::Status s = ValidateHttpUrl(options.base_url, "openai.base_url"); !s.ok()) return s;
  if (options.default_model.empty()) {
    return core::InvalidArgument("openai.default_model: a default model is required");
  }
  if (!(options.input_cents_per_million_tokens >= 0) ||
      !(options.output_cents_per_million_tokens >= 0) ||
      !std::isfinite(options.input_cents_per_million_tokens) ||
      !std::isfinite(options.output_cents_per_million_tokens)) {
    return core::InvalidArgument("openai: token prices must be finite and not negative");
  }
  if (options.max_tokens && *options.max_tokens <= 0) {
    return core::InvalidArgument("openai.max_tokens: must be positive");
  }
  if (options.max_response_bytes == 0) {
    return core::InvalidArgument("openai.max_response_bytes: must be positive");
  }
  return std::unique_ptr<OpenAiExecutor>(new OpenAiExecutor(std::move(options)));
}

OpenAiExecutor::OpenAiExecutor(OpenAiOptions options)
    : options_(std::move(options)), url_([this] {
        std::string base = options_.base_url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        return base + "/chat/completions";
      }()) {}

ExecutionResult OpenAiExecutor::Execute(const ExecutionRequest& request) {
  const Clock::time_point start = Clock::now();
  auto finish = [start](ExecutionResult result) {
    result.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    return result;
  };

  const std::string model = EffectiveModel(request.task, options_.default_model);
  json::object body{{"model", model}, {"messages", MessagesToJson(RenderMessages(request))}};
  if (options_.max_tokens) body["max_tokens"] = *options_.max_tokens;

  HttpPost post;
  post.url = url_;
  post.headers = {"Content-Type: application/json", "Accept: application/json"};
  if (!options_.api_key.empty())
    post.headers.push_back("Authorization: Bearer " + options_.api_key);
  post.body = json::serialize(body);
  post.timeout = request.timeout;
  post.max_response_bytes = options_.max_response_bytes;
  post.cancel = request.cancel;

  HttpReply reply = PostHttp(post, options_.http);
  switch (reply.kind) {
    case HttpReply::Kind::kCanceled:
      return finish(Canceled());
    case HttpReply::Kind::kTimedOut:
      return finish(TimedOut(request.timeout));
    case HttpReply::Kind::kNetworkError:
      return finish(
          Failed("ConnectionError", "Could not reach " + url_ + ": " + reply.error, true));
    case HttpReply::Kind::kResponse:
      break;
  }
  if (reply.status < 200 || reply.status > 299)
    return finish(FailedStatus(reply.status, reply.body));
  if (reply.truncated) {
    return finish(Failed(
        "ResponseTooLargeError",
        "Upstream response exceeds " + std::to_string(options_.max_response_bytes) + " bytes",
        false));
  }

  boost::system::error_code ec;
  const json::value doc = json::parse(reply.body, ec);
  auto invalid = [&](std::string_view why) {
    return finish(Failed("InvalidResponseError",
                         "Upstream answered HTTP " + std::to_string(reply.status) +
                             " but not a chat completion (" + std::string(why) +
                             "): " + Excerpt(reply.body, 200),
                         false));
  };
  if (ec) return invalid("not JSON");
  if (!doc.is_object()) return invalid("not an object");
  const json::object& completion = doc.as_object();
  const json::value* choices = completion.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty() ||
      !choices->as_array().front().is_object()) {
    return invalid("no choices");
  }
  const json::object& choice = choices->as_array().front().as_object();
  json::value text = nullptr;
  if (const json::value* message = choice.if_contains("message");
      message != nullptr && message->is_object()) {
    if (const json::value* content = message->as_object().if_contains("content");
        content != nullptr && content->is_string()) {
      text = content->as_string();
    }
  } else if (const json::value* legacy = choice.if_contains("text");
             legacy != nullptr && legacy->is_string()) {
    text = legacy->as_string();
  }
  json::value finish_reason = nullptr;
  if (const json::value* r = choice.if_contains("finish_reason"); r != nullptr && r->is_string()) {
    finish_reason = r->as_string();
  }
  json::value answered_model = json::string(model);
  if (const json::value* m = completion.if_contains("model"); m != nullptr && m->is_string()) {
    answered_model = m->as_string();
  }
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  if (const json::value* u = completion.if_contains("usage"); u != nullptr && u->is_object()) {
    prompt_tokens = TokenCount(u->as_object(), "prompt_tokens");
    completion_tokens = TokenCount(u->as_object(), "completion_tokens");
    total_tokens = TokenCount(u->as_object(), "total_tokens");
  }
  if (total_tokens == 0) total_tokens = prompt_tokens + completion_tokens;

  const json::object output{
      {"text", std::move(text)},
      {"model", std::move(answered_model)},
      {"finish_reason", std::move(finish_reason)},
      {"usage", json::object{{"prompt_tokens", prompt_tokens},
                             {"completion_tokens", completion_tokens},
                             {"total_tokens", total_tokens}}},
  };
  const double cost =
      (static_cast<double>(prompt_tokens) * options_.input_cents_per_million_tokens +
       static_cast<double>(completion_tokens) * options_.output_cents_per_million_tokens) /
      1e6;
  return finish(Succeeded(json::serialize(output), cost));
}

}  // namespace backbeat::executors
