#include "backbeat/executors/http_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>

#include "backbeat/executors/text.hpp"

namespace backbeat::executors {
namespace {

using Clock = std::chrono::steady_clock;

// libcurl's global state is set up once, before the first handle; never torn down, since
// handles may live on other threads until the process exits.
void EnsureCurlInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};

// What the write and progress callbacks share with PostHttp.
struct Transfer {
  std::string body;
  size_t max_bytes = 0;
  bool truncated = false;
  const std::atomic<bool>* cancel = nullptr;
};

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const size_t room = transfer->max_bytes - transfer->body.size();
  if (bytes > room) {
    transfer->body.append(data, room);
    transfer->truncated = true;
    return 0;  // not all consumed: libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  transfer->body.append(data, bytes);
  return bytes;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* transfer = static_cast<const Transfer*>(user);
  return transfer->cancel != nullptr && transfer->cancel->load() ? 1 : 0;
}

bool Canceled(const std::atomic<bool>* cancel) { return cancel != nullptr && cancel->load(); }

HttpReply Ended(HttpReply::Kind kind) {
  HttpReply reply;
  reply.kind = kind;
  return reply;
}

HttpReply NetworkError(std::string message) {
  HttpReply reply;
  reply.kind = HttpReply::Kind::kNetworkError;
  reply.error = std::move(message);
  return reply;
}

}  // namespace

core::Status ValidateHttpUrl(std::string_view url, std::string_view what) {
  const std::string prefix = std::string(what) + ": ";
  if (url.empty()) return core::InvalidArgument(prefix + "a URL is required");
  std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle) return core::Internal(prefix + "out of memory");
  const std::string text(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return core::InvalidArgument(prefix + "not a valid absolute URL: " + Excerpt(url, 200));
  }
  char* raw = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_SCHEME, &raw, 0) != CURLUE_OK) {
    return core::InvalidArgument(prefix + "the URL has no scheme: " + Excerpt(url, 200));
  }
  const std::unique_ptr<char, CurlStringDeleter> scheme(raw);
  if (std::string_view(scheme.get()) != "http" && std::string_view(scheme.get()) != "https") {
    return core::InvalidArgument(prefix + "only http:// and https:// URLs are allowed, not " +
                                 std::string(scheme.get()) + "://");
  }
  raw = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK || raw == nullptr) {
    return core::InvalidArgument(prefix + "the URL has no host: " + Excerpt(url, 200));
  }
  const std::unique_ptr<char, CurlStringDeleter> host(raw);
  if (*host == '\0') return core::InvalidArgument(prefix + "the URL has no host");
  return core::Status::Ok();
}

HttpReply PostHttp(const HttpPost& post, const HttpOptions& options) {
  EnsureCurlInitialized();
  const Clock::time_point deadline = Clock::now() + post.timeout;
  if (Canceled(post.cancel)) return Ended(HttpReply::Kind::kCanceled);

  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (!easy || !multi) return NetworkError("could not create a libcurl handle");

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown != nullptr) {
      (void)headers.release();
      headers.reset(grown);
    }
    return grown != nullptr;
  };
  for (const std::string& line : post.headers) {
    if (!add_header(line)) return NetworkError("out of memory");
  }
  // No 100-continue round trip for large bodies.
  if (!add_header("Expect:")) return NetworkError("out of memory");

  Transfer transfer;
  transfer.max_bytes = post.max_response_bytes;
  transfer.cancel = post.cancel;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  CURL* h = easy.get();
  // libcurl's own timeouts end later than our deadline: the loop below sees the deadline first,
  // so a libcurl timeout means the connect timeout (a network error) or is only a backstop.
  const int64_t budget_ms = std::max<int64_t>(post.timeout.count(), 1);
  const long timeout_ms = static_cast<long>(budget_ms + 1000);
  const long connect_ms =
      static_cast<long>(std::clamp<int64_t>(options.connect_timeout.count(), 1, budget_ms + 500));
  bool ok = curl_easy_setopt(h, CURLOPT_URL, post.url.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok = ok &&
       curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, options.follow_redirects ? 1L : 0L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_POSTFIELDS, post.body.data()) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                              static_cast<curl_off_t>(post.body.size())) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnWrite) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &OnProgress) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer.data()) == CURLE_OK;
  if (options.proxy) {
    ok = ok && curl_easy_setopt(h, CURLOPT_PROXY, options.proxy->c_str()) == CURLE_OK;
  }
  if (!options.ca_file.empty()) {
    ok = ok && curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str()) == CURLE_OK;
  }
  if (!ok) return NetworkError("libcurl refused an option (built without http/https?)");

  if (curl_multi_add_handle(multi.get(), h) != CURLM_OK) {
    return NetworkError("could not start the transfer");
  }
  // Drive the transfer ourselves so that the cancel flag and the deadline are seen within one
  // poll interval, whatever libcurl's progress callback cadence is while the peer is silent.
  constexpr int kPollMs = 50;
  bool canceled = false;
  bool timed_out = false;
  int running = 1;
  while (true) {
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) break;
    if (running == 0) break;
    if (Canceled(post.cancel)) {
      canceled = true;
      break;
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const int wait_ms = static_cast<int>(std::min<int64_t>(kPollMs, left.count() + 1));
    if (curl_multi_poll(multi.get(), nullptr, 0, wait_ms, nullptr) != CURLM_OK) break;
  }

  CURLcode code = CURLE_OK;
  bool finished = false;
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == h) {
      code = message->data.result;
      finished = true;
    }
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  const char* content_type = nullptr;
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type);
  curl_multi_remove_handle(multi.get(), h);

  if (canceled || code == CURLE_ABORTED_BY_CALLBACK || (!finished && Canceled(post.cancel))) {
    return Ended(HttpReply::Kind::kCanceled);
  }
  if (timed_out || (code == CURLE_OPERATION_TIMEDOUT && Clock::now() >= deadline)) {
    return Ended(HttpReply::Kind::kTimedOut);
  }
  if (!finished) return NetworkError("the transfer stopped unexpectedly");
  const bool complete = code == CURLE_OK || (code == CURLE_WRITE_ERROR && transfer.truncated);
  if (!complete || status == 0) {
    std::string message = curl_easy_strerror(code);
    if (error_buffer[0] != '\0') message += ": " + std::string(error_buffer.data());
    return NetworkError(std::move(message));
  }
  HttpReply reply;
  reply.kind = HttpReply::Kind::kResponse;
  reply.status = static_cast<int>(status);
  reply.body = std::move(transfer.body);
  reply.truncated = transfer.truncated;
  if (content_type != nullptr) reply.content_type = content_type;
  return reply;
}

}  // namespace backbeat::executors
