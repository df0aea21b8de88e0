#include "backbeat/executors/webhook_executor.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json.hpp>
#include <utility>

#include "backbeat/executors/payload.hpp"
#include "backbeat/executors/text.hpp"

namespace backbeat::executors {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

ExecutionResult FailedStatus(int status, std::string_view body) {
  std::string message = "Webhook answered HTTP " + std::to_string(status);
  if (!body.empty()) message += ": " + Excerpt(body, 256);
  if (status == 429) return Failed("RateLimitError", std::move(message), true);
  if (status == 408 || status >= 500) return Failed("UpstreamError", std::move(message), true);
  return Failed("WebhookError", std::move(message), false);
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const void* key_data = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), message.empty() ? &kEmpty : data,
           message.size(), digest.data(), &length) == nullptr) {
    return {};
  }
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

core::Result<std::unique_ptr<WebhookExecutor>> WebhookExecutor::Create(WebhookOptions options) {
  if (core::Status s = ValidateHttpUrl(options.url, "webhook.url"); !s.ok()) return s;
  if (options.secret.empty()) {
    return core::InvalidArgument("webhook.secret: a signing secret is required");
  }
  if (options.max_response_bytes == 0) {
    return core::InvalidArgument("webhook.max_response_bytes: must be positive");
  }
  return std::unique_ptr<WebhookExecutor>(new WebhookExecutor(std::move(options)));
}

ExecutionResult WebhookExecutor::Execute(const ExecutionRequest& request) {
  const Clock::time_point start = Clock::now();
  auto finish = [start](ExecutionResult result) {
    result.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    return result;
  };

  const std::chrono::system_clock::time_point now =
      options_.clock ? options_.clock() : std::chrono::system_clock::now();
  const int64_t timestamp =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  json::object payload = BuildRunPayload(request, options_.default_model);
  payload["timestamp"] = timestamp;

  HttpPost post;
  post.url = options_.url;
  post.body = json::serialize(payload);
  post.headers = {
      "Content-Type: application/json",
      "X-Backbeat-Signature: sha256=" + HmacSha256Hex(options_.secret, post.body),
      "X-Backbeat-Timestamp: " + std::to_string(timestamp),
      "X-Backbeat-Run-Id: " + request.run.id,
      "X-Backbeat-Attempt: " + std::to_string(request.attempt),
  };
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
      return finish(Failed("ConnectionError", "Could not reach the webhook: " + reply.error, true));
    case HttpReply::Kind::kResponse:
      break;
  }
  if (reply.status < 200 || reply.status > 299) {
    return finish(FailedStatus(reply.status, reply.body));
  }
  json::value body = nullptr;
  if (!reply.body.empty()) {
    boost::system::error_code ec;
    json::value parsed = reply.truncated ? json::value() : json::parse(reply.body, ec);
    if (!reply.truncated && !ec) {
      body = std::move(parsed);
    } else {
      body = json::string(ToValidUtf8(reply.body));
    }
  }
  const json::object output{
      {"status", reply.status},
      {"body", std::move(body)},
      {"truncated", reply.truncated},
  };
  return finish(Succeeded(json::serialize(output)));
}

}  // namespace backbeat::executors
