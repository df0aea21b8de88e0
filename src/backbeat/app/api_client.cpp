#include "backbeat/app/api_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>

#include "backbeat/executors/http_transport.hpp"

namespace backbeat::app {
namespace {

// libcurl's global state is set up once, before the first handle (curl_global_init counts its
// callers, so the executors' own initialization in the same process is harmless).
void EnsureCurlInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Sink {
  std::string body;
  bool too_large = false;
};

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * count;
  if (sink->body.size() + bytes > ApiClient::kMaxReplyBytes) {
    sink->too_large = true;
    return 0;  // stops the transfer (CURLE_WRITE_ERROR)
  }
  sink->body.append(data, bytes);
  return bytes;
}

}  // namespace

std::string RedactSecret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "<redacted>");
  }
  return text;
}

ApiClient::ApiClient(std::string base_url, std::string key, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), key_(std::move(key)), timeout_(timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

core::Status ApiClient::ValidateBaseUrl(std::string_view url) {
  if (core::Status s = executors::ValidateHttpUrl(url, "--url"); !s.ok()) return s;
  if (url.find_first_of("?#") != std::string_view::npos) {
    return core::InvalidArgument("--url: the server's root URL takes no query or fragment");
  }
  return core::Status::Ok();
}

std::string ApiClient::EncodeQueryValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

core::Result<ApiReply> ApiClient::Send(std::string_view method, std::string_view target,
                                       std::string_view body) const {
  EnsureCurlInitialized();
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return core::Internal("could not create a libcurl handle");

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) return false;
    (void)headers.release();
    headers.reset(grown);
    return true;
  };
  bool ok = add_header("x-api-key: " + key_) && add_header("accept: application/json") &&
            add_header("Expect:");  // no 100-continue round trip
  if (!body.empty()) ok = ok && add_header("content-type: application/json");
  if (!ok) return core::Internal("out of memory");

  const std::string url = base_url_ + std::string(target);
  const std::string method_text(method);
  Sink sink;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  const long timeout_ms = static_cast<long>(std::max<int64_t>(timeout_.count(), 1));
  const long connect_ms = std::min<long>(timeout_ms, 10'000);

  CURL* h = easy.get();
  ok = curl_easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_text.c_str()) == CURLE_OK;
  if (!body.empty()) {
    ok = ok && curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data()) == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                static_cast<curl_off_t>(body.size())) == CURLE_OK;
  } else if (method == "GET") {
    ok = ok && curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK;
  }
  ok = ok && curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_USERAGENT, "backbeat-cli") == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnWrite) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer.data()) == CURLE_OK;
  if (!ok) return core::Internal("libcurl refused an option (built without http/https?)");

  const CURLcode code = curl_easy_perform(h);
  if (sink.too_large) {
    return core::Unavailable("the server's reply is larger than " +
                             std::to_string(kMaxReplyBytes >> 20) + " MiB");
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (code != CURLE_OK || status == 0) {
    std::string message = "cannot reach " + base_url_ + ": " + curl_easy_strerror(code);
    if (error_buffer[0] != '\0') message += " (" + std::string(error_buffer.data()) + ")";
    return core::Unavailable(RedactSecret(std::move(message), key_));
  }
  return ApiReply{static_cast<int>(status), std::move(sink.body)};
}

}  // namespace backbeat::app
