// The only translation unit that includes Beast and Asio: everything else sees server.hpp and
// message.hpp. Only the needed headers are included, since Beast dominates compile time here.

#include "backbeat/http/server/server.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "backbeat/http/server/request_parsing.hpp"

namespace backbeat::http {
namespace {

using detail::ApplyLimits;
using detail::BeastRequest;
using detail::ErrorResponse;
using detail::IsAnswerableParseError;
using detail::NewRequestId;
using detail::ParseErrorResponse;
using detail::RequestParser;
using detail::ToRequest;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Every async call completes with (error_code, ...) as a tuple: errors are values here too, and
// no exception unwinds through the coroutines for ordinary network failures.
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// How much is read while waiting for the first byte of a request.
constexpr size_t kFirstReadBytes = 4096;
// After an error answer the server stops sending and reads (and drops) what the client is still
// sending for a while before closing: closing a socket with unread data makes the kernel send a
// reset, which can destroy the answer before the client has read it.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kLingerBytes = 8 * 1024 * 1024;
// After the drain deadline every connection is closed; this is how long Shutdown then waits for
// their coroutines to finish before stopping the I/O threads regardless.
constexpr std::chrono::milliseconds kForceCloseGrace{1000};
// Back-off after a failed accept (for example out of file descriptors), so it does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

constexpr std::string_view kMsgShuttingDown = "Server is shutting down";
constexpr std::string_view kMsgTooManyConnections = "Too many connections";
constexpr std::string_view kMsgInternal = "Internal server error";

// Safe methods read; they run on the read pool (ServerOptions::read_worker_threads).
bool IsRead(std::string_view method) { return method == "GET" || method == "HEAD"; }

Response UnavailableResponse(std::string_view message) {
  Response response = ErrorResponse(503, message);
  response.headers.emplace_back("Retry-After", std::to_string(Server::kRetryAfterSeconds));
  return response;
}

// IMF-fixdate (RFC 9110 5.6.7), written by hand so the C locale cannot change day or month names.
// The text changes once a second, so each thread formats it once a second.
std::string_view HttpDate(std::chrono::system_clock::time_point now) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local time_t cached_seconds = -1;
  thread_local char text[64];
  thread_local size_t length = 0;
  const time_t seconds = std::chrono::system_clock::to_time_t(now);
  if (seconds != cached_seconds) {
    struct tm utc {};
    gmtime_r(&seconds, &utc);
    const int n = std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                kDays[utc.tm_wday % 7], utc.tm_mday, kMonths[utc.tm_mon % 12],
                                utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    length = n > 0 ? std::min(static_cast<size_t>(n), sizeof(text) - 1) : 0;
    cached_seconds = seconds;
  }
  return {text, length};
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

// Framing headers belong to the transport; a handler's copy would contradict the real framing.
bool IsTransportHeader(std::string_view name) {
  return beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
         beast::iequals(name, "connection");
}

// A header line that could split the response (CR or LF, or an empty name) is not written.
bool IsWritableHeader(std::string_view name, std::string_view value) {
  return !name.empty() && name.find_first_of("\r\n:") == std::string_view::npos &&
         value.find_first_of("\r\n") == std::string_view::npos;
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

core::Result<tcp::endpoint> ParseListen(std::string_view listen) {
  auto bad = [&](std::string_view why) {
    return core::InvalidArgument("listen address \"" + std::string(listen) + "\" " +
                                 std::string(why) + " (expected host:port)");
  };
  std::string_view host;
  std::string_view port_text;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return bad("is malformed");
    }
    host = listen.substr(1, close - 1);
    port_text = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return bad("has no port");
    host = listen.substr(0, colon);
    port_text = listen.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad("has an invalid port");
  }
  asio::ip::address address;
  if (host.empty()) {
    address = asio::ip::address_v4::any();
  } else if (host == "localhost") {
    address = asio::ip::address_v4::loopback();
  } else {
    boost::system::error_code parse_error;
    address = asio::ip::make_address(std::string(host), parse_error);
    if (parse_error) return bad("has a host that is not an IP address");
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

core::Status ValidateOptions(const ServerOptions& options) {
  if (options.io_threads == 0) return core::InvalidArgument("io_threads must be at least 1");
  if (options.worker_threads == 0)
    return core::InvalidArgument("worker_threads must be at least 1");
  if (options.max_connections == 0) {
    return core::InvalidArgument("max_connections must be at least 1");
  }
  if (options.max_header_bytes == 0 ||
      options.max_header_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return core::InvalidArgument("max_header_bytes must be between 1 and 2^32-1");
  }
  if (options.header_timeout.count() <= 0 || options.idle_timeout.count() <= 0 ||
      options.write_timeout.count() <= 0) {
    return core::InvalidArgument("header_timeout, idle_timeout and write_timeout must be positive");
  }
  return core::Status::Ok();
}

}  // namespace

// Everything behind Server. Threads: the caller's (Start, Shutdown, Wait), the I/O threads
// (accept loop on the acceptor's strand, each session on its own strand) and the workers
// (Invoke only). mu_ guards the lifecycle state and the session registry; the rest is either
// immutable after Start, atomic, or confined to a strand.
class Server::Impl {
 public:
  Impl(ServerOptions options, Handler& handler, std::function<void(const AccessRecord&)> on_access)
      : options_(std::move(options)), handler_(handler), on_access_(std::move(on_access)) {}
  ~Impl();

  core::Status Start();
  uint16_t port() const { return port_.load(std::memory_order_acquire); }
  void Shutdown(std::chrono::milliseconds drain);
  void Wait();

 private:
  class Session;
  enum class State { kNew, kRunning, kStopping, kStopped };

  bool shutting_down() const { return shutting_down_.load(std::memory_order_acquire); }
  asio::awaitable<void> AcceptLoop();
  void StartSession(tcp::socket socket);
  // With every slot taken: asks the longest-open idle connection to close and returns true, or
  // false when none is idle. Requires mu_.
  bool EvictOldestIdle(std::vector<std::shared_ptr<Session>>& hold);
  void Unregister(uint64_t id, bool rejecting);
  std::vector<std::shared_ptr<Session>> LiveSessions();
  void RunIo();
  void StopThreads();
  // Runs on a worker thread. Never throws: a throwing handler becomes a 500.
  Response Invoke(const Request& request) noexcept;
  // Runs on an I/O thread: the handler's non-blocking answer, if it has one. Never throws.
  std::optional<Response> InvokeInline(const Request& request) noexcept;
  void ReportAccess(const AccessRecord& record) noexcept;

  // Runs Invoke(request) on the worker pool, stores its answer in `response` and completes on
  // the token's executor (a session's strand). One post to the pool and one back, with no
  // coroutine frame or spawn state per request: this hop is the transport's main cost. Both
  // references must stay valid until completion (they live in the awaiting coroutine's frame).
  template <typename CompletionToken>
  auto AsyncInvoke(const Request& request, Response& response, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void()>(
        [this, &request, &response](auto handler) {
          asio::thread_pool& pool = IsRead(request.method) ? *read_workers_ : *workers_;
          asio::post(pool.get_executor(),
                     [this, &request, &response, handler = std::move(handler)]() mutable {
                       response = Invoke(request);
                       // Posted, not dispatched: this is a worker thread, never the strand.
                       const auto executor = asio::get_associated_executor(handler);
                       asio::post(executor, std::move(handler));
                     });
        },
        token);
  }

  const ServerOptions options_;
  Handler& handler_;
  const std::function<void(const AccessRecord&)> on_access_;

  std::mutex mu_;
  std::condition_variable cv_;  // signalled on session exit and on state changes
  State state_ = State::kNew;   // GUARDED_BY(mu_)
  // Live sessions by id; weak so a finished session frees itself. GUARDED_BY(mu_)
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;
  size_t serving_ = 0;            // sessions counted against max_connections, GUARDED_BY(mu_)
  size_t rejecting_ = 0;          // sessions answering "too many connections", GUARDED_BY(mu_)
  uint64_t next_session_id_ = 1;  // GUARDED_BY(mu_)

  // Set once by Shutdown; read by sessions on their strands.
  std::atomic<bool> shutting_down_{false};
  std::atomic<uint16_t> port_{0};

  // Created by Start; torn down by the destructor. The io_context goes first there, because
  // destroying it destroys suspended session coroutines, which unregister under mu_.
  std::optional<asio::io_context> io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;          // used only on its own strand once Start returns
  std::optional<asio::thread_pool> workers_;       // writes: every method but GET and HEAD
  std::optional<asio::thread_pool> read_workers_;  // GET and HEAD
  std::vector<std::thread> io_threads_;
};

// One connection: reads requests one at a time, hands each to a worker, writes the answer. All
// of its methods run on the connection's strand; the coroutine owns the Session through the
// shared_ptr held by its completion handler, and the server holds only weak references.
class Server::Impl::Session {
 public:
  Session(Impl& server, uint64_t id, bool rejecting, tcp::socket socket)
      : server_(server), id_(id), rejecting_(rejecting), stream_(std::move(socket)) {
    boost::system::error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = remote.address().to_string();
  }
  ~Session() { server_.Unregister(id_, rejecting_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::any_io_executor executor() { return stream_.get_executor(); }

  asio::awaitable<void> Run() {
    if (rejecting_) {
      co_await Reject();
    } else {
      co_await Serve();
    }
  }

  // Shutdown has begun: a connection waiting for its next request will not get one.
  void WakeIfIdle() {
    if (idle_) stream_.cancel();
  }

  // Called under the server's lock from the acceptor when every slot is taken: an idle
  // keep-alive connection (waiting for its next request) gives its slot to a new one, as a
  // client must expect an idle connection to close at any time. Whether it is still idle is
  // decided again on its strand; a request that arrived meanwhile is served, and the new
  // connection has then taken the slot anyway (a bounded overshoot, one per such race).
  bool IsIdle() const { return idle_.load(std::memory_order_relaxed) && !evicted_.load(); }
  void Evict(std::shared_ptr<Session> self) {
    evicted_ = true;
    asio::post(stream_.get_executor(), [self = std::move(self)] {
      if (self->idle_) self->stream_.cancel();
    });
  }

  // The drain time is over: close whatever state the connection is in.
  void ForceClose() {
    closed_ = true;
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  asio::awaitable<void> Serve();
  asio::awaitable<void> Reject();
  // Writes `response`; returns whether the write succeeded.
  asio::awaitable<bool> Write(Response response, unsigned version, bool head, bool keep_alive,
                              const std::string& request_id, AccessRecord& record);
  // Answers an error that ends the connection (bad request, limits, overload), then closes.
  asio::awaitable<void> FailAndClose(Response response, AccessRecord record);
  asio::awaitable<void> LingeringClose();
  void CloseNow();

  Impl& server_;
  const uint64_t id_;
  const bool rejecting_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_address_;
  std::string head_buffer_;           // the response head being written, reused across requests
  std::atomic<bool> idle_{false};     // waiting for the first byte of a request
  std::atomic<bool> evicted_{false};  // chosen to make room for a new connection
  bool closed_ = false;               // ForceClose ran
};

asio::awaitable<void> Server::Impl::Session::Serve() {
  const ServerOptions& options = server_.options_;
  while (!closed_) {
    if (buffer_.size() == 0) {
      // Idle: keep-alive between requests, or a new connection. A pipelining client may already
      // have sent the next request, which is then in buffer_ and skips this wait.
      if (server_.shutting_down()) break;
      idle_ = true;
      stream_.expires_after(options.idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kUseTuple);
      idle_ = false;
      if (ec) break;
      buffer_.commit(n);
    }

    // The first byte is here: head and body must now arrive within header_timeout.
    const Clock::time_point started = Clock::now();
    AccessRecord record;
    record.remote_address = remote_address_;
    RequestParser parser;
    ApplyLimits(parser, options);
    stream_.expires_after(options.header_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kUseTuple);
    record.request_bytes = n;
    if (!ec && !parser.is_done()) {
      if (parser.get().version() >= 11 &&
          beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [write_ec, written] =
            co_await asio::async_write(stream_, asio::buffer(kContinue), kUseTuple);
        (void)written;
        if (write_ec) break;
      }
      auto [body_ec, body_n] = co_await bhttp::async_read(stream_, buffer_, parser, kUseTuple);
      ec = body_ec;
      record.request_bytes += body_n;
    }
    if (ec) {
      // Parse failures are answered; a client that left or stalled is not.
      if (!IsAnswerableParseError(ec)) break;
      record.request_id = NewRequestId();
      if (ec == bhttp::error::body_limit) {
        // The start line is parsed before the Content-Length that exceeded the limit.
        record.method = std::string(parser.get().method_string());
        record.path = std::string(PathOf(parser.get().target()));
      }
      Response response = ParseErrorResponse(ec);
      record.duration_ms =
          std::chrono::duration<double, std::milli>(Clock::now() - started).count();
      co_await FailAndClose(std::move(response), std::move(record));
      co_return;
    }

    BeastRequest& beast_request = parser.get();
    const Request request = ToRequest(beast_request, remote_address_);
    record.request_id = request.request_id;
    record.method = request.method;
    record.path = std::string(PathOf(request.target));

    bool keep_alive = beast_request.keep_alive();
    Response response;
    if (server_.shutting_down()) {
      response = UnavailableResponse(kMsgShuttingDown);
      keep_alive = false;
    } else {
      std::optional<Response> quick = server_.InvokeInline(request);
      if (quick) {
        response = std::move(*quick);
      } else {
        // Handle may block, so it runs on the worker pool; the completion resumes this
        // coroutine on the connection's strand.
        co_await server_.AsyncInvoke(request, response, asio::use_awaitable);
      }
      if (server_.shutting_down()) keep_alive = false;
    }
    if (closed_) break;
    const bool wrote =
        co_await Write(std::move(response), beast_request.version(), request.method == "HEAD",
                       keep_alive, request.request_id, record);
    record.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    server_.ReportAccess(record);
    if (!wrote) break;
    if (!keep_alive) {
      CloseNow();
      co_return;
    }
  }
  CloseNow();
}

asio::awaitable<void> Server::Impl::Session::Reject() {
  AccessRecord record;
  record.remote_address = remote_address_;
  record.request_id = NewRequestId();
  co_await FailAndClose(UnavailableResponse(kMsgTooManyConnections), std::move(record));
}

asio::awaitable<bool> Server::Impl::Session::Write(Response response, unsigned version, bool head,
                                                   bool keep_alive, const std::string& request_id,
                                                   AccessRecord& record) {
  // Statuses that cannot be written, and interim ones a final answer cannot be, are handler bugs.
  if (response.status < 200 || response.status > 999) {
    response = ErrorResponse(500, kMsgInternal);
  }
  // The head is written by hand into one reused buffer and sent with the body in one gather
  // write: no header map, no serializer, no allocation once the buffer has grown.
  std::string& out = head_buffer_;
  out.clear();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char status_text[4];
  const auto [status_end, status_ec] =
      std::to_chars(status_text, status_text + sizeof(status_text), response.status);
  (void)status_ec;
  out.append(status_text, status_end);
  out.push_back(' ');
  out.append(bhttp::obsolete_reason(static_cast<bhttp::status>(response.status)));
  out.append("\r\n");
  AppendHeader(out, "Date", HttpDate(std::chrono::system_clock::now()));
  AppendHeader(out, "Server", "backbeat");
  AppendHeader(out, "X-Content-Type-Options", "nosniff");
  AppendHeader(out, "X-Request-Id", request_id);
  static constexpr std::array<std::string_view, 4> kOwnHeaders = {
      "date", "server", "x-content-type-options", "x-request-id"};
  auto is_own = [](std::string_view name) {
    return std::any_of(kOwnHeaders.begin(), kOwnHeaders.end(),
                       [&](std::string_view own) { return beast::iequals(name, own); });
  };
  for (const auto& [name, value] : response.headers) {
    if (IsTransportHeader(name) || is_own(name) || !IsWritableHeader(name, value)) continue;
    AppendHeader(out, name, value);
  }
  // RFC 9110: 204 and 304 have no content, and 204 carries no Content-Length.
  const bool no_content = response.status == 204 || response.status == 304;
  const bool has_type = !no_content && !response.content_type.empty() &&
                        IsWritableHeader("Content-Type", response.content_type);
  // Headers every answer carries unless its handler set them, including the answers the
  // transport writes itself (413, 431, 400, 503): a browser must be able to read those too.
  for (const auto& [name, value] : server_.options_.default_headers) {
    if (IsTransportHeader(name) || is_own(name) || !IsWritableHeader(name, value)) continue;
    if (has_type && beast::iequals(name, "content-type")) continue;
    // A named reference, not the binding: clang 14 cannot capture structured bindings.
    const std::string& default_name = name;
    const bool set_by_handler =
        std::any_of(response.headers.begin(), response.headers.end(),
                    [&](const auto& header) { return beast::iequals(header.first, default_name); });
    if (!set_by_handler) AppendHeader(out, name, value);
  }
  if (!no_content) {
    if (has_type) AppendHeader(out, "Content-Type", response.content_type);
    char length_text[24];
    const auto [length_end, length_ec] =
        std::to_chars(length_text, length_text + sizeof(length_text), response.body.size());
    (void)length_ec;
    AppendHeader(out, "Content-Length", std::string_view(length_text, length_end - length_text));
  }
  // HTTP/1.1 is persistent unless it says otherwise; HTTP/1.0 only when it says so.
  if (version >= 11 && !keep_alive) AppendHeader(out, "Connection", "close");
  if (version < 11 && keep_alive) AppendHeader(out, "Connection", "keep-alive");
  out.append("\r\n");
  record.status = response.status;
  record.error = std::move(response.internal_error);

  // A HEAD answer announces the length of the body it does not send.
  const bool send_body = !no_content && !head;
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(out), send_body ? asio::buffer(response.body) : asio::const_buffer()};
  stream_.expires_after(server_.options_.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, buffers, kUseTuple);
  record.response_bytes = n;
  co_return !ec;
}

asio::awaitable<void> Server::Impl::Session::FailAndClose(Response response, AccessRecord record) {
  const auto started = Clock::now();
  const double earlier_ms = record.duration_ms;
  const std::string request_id = record.request_id;
  const bool wrote = co_await Write(std::move(response), 11, false, false, request_id, record);
  record.duration_ms =
      earlier_ms + std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  server_.ReportAccess(record);
  if (wrote && !closed_) {
    co_await LingeringClose();
  } else {
    CloseNow();
  }
}

asio::awaitable<void> Server::Impl::Session::LingeringClose() {
  boost::system::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(kLingerTime);
  size_t drained = 0;
  std::array<char, 16 * 1024> scratch;
  while (!ec && drained < kLingerBytes && !closed_) {
    auto [read_ec, n] = co_await stream_.async_read_some(asio::buffer(scratch), kUseTuple);
    ec = read_ec;
    drained += n;
  }
  CloseNow();
}

void Server::Impl::Session::CloseNow() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

Server::Impl::~Impl() {
  bool running = false;
  {
    std::lock_guard lock(mu_);
    running = state_ == State::kRunning;
  }
  if (running) Shutdown(std::chrono::milliseconds(0));
  acceptor_.reset();
  io_.reset();  // destroys any coroutine still suspended; sessions unregister under mu_
  workers_.reset();
  read_workers_.reset();
}

core::Status Server::Impl::Start() {
  if (core::Status valid = ValidateOptions(options_); !valid.ok()) return valid;
  core::Result<tcp::endpoint> endpoint = ParseListen(options_.listen);
  if (!endpoint.ok()) return endpoint.status();
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kNew) return core::FailedPrecondition("server already started");
  }

  io_.emplace(static_cast<int>(options_.io_threads));
  acceptor_.emplace(asio::make_strand(*io_));
  boost::system::error_code ec;
  auto fail = [&](std::string_view step) {
    const std::string message =
        "cannot " + std::string(step) + " " + options_.listen + ": " + ec.message();
    acceptor_.reset();
    io_.reset();
    return core::Unavailable(message);
  };
  if (acceptor_->open(endpoint->protocol(), ec); ec) return fail("open a socket for");
  if (acceptor_->set_option(tcp::acceptor::reuse_address(true), ec); ec) {
    return fail("configure");
  }
  if (acceptor_->bind(*endpoint, ec); ec) return fail("bind");
  if (acceptor_->listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("listen on");
  }
  const tcp::endpoint local = acceptor_->local_endpoint(ec);
  if (ec) return fail("read the bound port of");
  port_.store(local.port(), std::memory_order_release);

  work_.emplace(asio::make_work_guard(*io_));
  workers_.emplace(options_.worker_threads);
  size_t readers = options_.read_worker_threads;
  if (readers == 0) {
    readers = std::min<size_t>(options_.worker_threads,
                               std::max<size_t>(1, std::thread::hardware_concurrency()));
  }
  read_workers_.emplace(readers);
  asio::co_spawn(acceptor_->get_executor(), AcceptLoop(), asio::detached);
  io_threads_.reserve(options_.io_threads);
  for (size_t i = 0; i < options_.io_threads; ++i) io_threads_.emplace_back([this] { RunIo(); });
  {
    std::lock_guard lock(mu_);
    state_ = State::kRunning;
  }
  return core::Status::Ok();
}

void Server::Impl::RunIo() {
  // Handlers do not throw by design; should one (bad_alloc), the thread keeps serving.
  for (;;) {
    try {
      io_->run();
      return;
    } catch (...) {
    }
  }
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  asio::steady_timer retry_timer(acceptor_->get_executor());
  while (!shutting_down()) {
    // Each connection gets its own strand: its handlers never run concurrently, so the session
    // needs no locks, while different connections use every I/O thread. With one I/O thread
    // the io_context is that strand already, and a real one would only add a queue and a lock
    // to every completion.
    tcp::socket socket(options_.io_threads == 1 ? asio::any_io_executor(io_->get_executor())
                                                : asio::any_io_executor(asio::make_strand(*io_)));
    auto [ec] = co_await acceptor_->async_accept(socket, kUseTuple);
    if (shutting_down() || ec == asio::error::operation_aborted) break;
    if (ec) {
      retry_timer.expires_after(kAcceptRetryDelay);
      auto [wait_ec] = co_await retry_timer.async_wait(kUseTuple);
      (void)wait_ec;
      continue;
    }
    StartSession(std::move(socket));
  }
}

void Server::Impl::StartSession(tcp::socket socket) {
  bool rejecting = false;
  uint64_t id = 0;
  std::vector<std::shared_ptr<Session>> hold;  // released after mu_
  {
    std::lock_guard lock(mu_);
    if (serving_ >= options_.max_connections && !EvictOldestIdle(hold)) {
      if (rejecting_ >= kMaxRejectingConnections) return;  // the socket closes on return
      rejecting = true;
      ++rejecting_;
    } else {
      ++serving_;
    }
    id = next_session_id_++;
  }
  auto session = std::make_shared<Session>(*this, id, rejecting, std::move(socket));
  {
    std::lock_guard lock(mu_);
    sessions_.emplace(id, session);
  }
  asio::any_io_executor executor = session->executor();
  asio::co_spawn(executor, session->Run(), [session](const std::exception_ptr&) {});
}

bool Server::Impl::EvictOldestIdle(std::vector<std::shared_ptr<Session>>& hold) {
  // Ids grow with each connection: the smallest idle one has been open longest. A scan, but
  // only while every slot is taken. Every session locked here is released by the caller after
  // mu_: the last reference dropped under it would unregister under it.
  Session* oldest = nullptr;
  uint64_t oldest_id = 0;
  for (const auto& [id, weak] : sessions_) {
    if (oldest != nullptr && id > oldest_id) continue;
    std::shared_ptr<Session> session = weak.lock();
    if (!session) continue;
    if (session->IsIdle()) {
      oldest = session.get();
      oldest_id = id;
    }
    hold.push_back(std::move(session));
  }
  if (oldest == nullptr) return false;
  for (const std::shared_ptr<Session>& session : hold) {
    if (session.get() == oldest) session->Evict(session);
  }
  return true;
}

void Server::Impl::Unregister(uint64_t id, bool rejecting) {
  {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
    --(rejecting ? rejecting_ : serving_);
  }
  cv_.notify_all();
}

std::vector<std::shared_ptr<Server::Impl::Session>> Server::Impl::LiveSessions() {
  std::vector<std::shared_ptr<Session>> live;
  std::lock_guard lock(mu_);
  live.reserve(sessions_.size());
  for (const auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

Response Server::Impl::Invoke(const Request& request) noexcept {
  try {
    return handler_.Handle(request);
  } catch (...) {
    return ErrorResponse(500, kMsgInternal);
  }
}

std::optional<Response> Server::Impl::InvokeInline(const Request& request) noexcept {
  try {
    return handler_.HandleInline(request);
  } catch (...) {
    return ErrorResponse(500, kMsgInternal);
  }
}

void Server::Impl::ReportAccess(const AccessRecord& record) noexcept {
  if (!on_access_) return;
  try {
    on_access_(record);
  } catch (...) {
  }
}

void Server::Impl::Shutdown(std::chrono::milliseconds drain) {
  const Clock::time_point deadline = Clock::now() + drain;
  {
    std::unique_lock lock(mu_);
    if (state_ == State::kNew) return;
    if (state_ != State::kRunning) {
      cv_.wait(lock, [&] { return state_ == State::kStopped; });
      return;
    }
    state_ = State::kStopping;
  }
  shutting_down_.store(true, std::memory_order_release);

  // 1. Refuse new connections. Waiting for the close makes "refused after Shutdown began" hold.
  std::promise<void> acceptor_closed;
  asio::post(acceptor_->get_executor(), [&] {
    boost::system::error_code ec;
    acceptor_->close(ec);
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait();

  // 2. Idle connections close now; busy ones close after their current answer.
  for (auto& session : LiveSessions()) {
    asio::post(session->executor(), [session] { session->WakeIfIdle(); });
  }
  {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return sessions_.empty(); });
  }

  // 3. The drain time is over: close the rest, and give their coroutines a moment to unwind.
  for (auto& session : LiveSessions()) {
    asio::post(session->executor(), [session] { session->ForceClose(); });
  }
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kForceCloseGrace, [&] { return sessions_.empty(); });
  }

  StopThreads();
  {
    std::lock_guard lock(mu_);
    state_ = State::kStopped;
  }
  cv_.notify_all();
}

void Server::Impl::StopThreads() {
  work_.reset();
  io_->stop();
  for (std::thread& thread : io_threads_) thread.join();
  io_threads_.clear();
  // A Handle call still running is waited for; its completion lands in the stopped io_context
  // and is destroyed with it.
  workers_->join();
  read_workers_->join();
}

void Server::Impl::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return state_ == State::kNew || state_ == State::kStopped; });
}

Server::Server(ServerOptions options, Handler& handler,
               std::function<void(const AccessRecord&)> on_access)
    : impl_(std::make_unique<Impl>(std::move(options), handler, std::move(on_access))) {}

Server::~Server() = default;

core::Status Server::Start() { return impl_->Start(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Shutdown(std::chrono::milliseconds drain) { impl_->Shutdown(drain); }

void Server::Wait() { impl_->Wait(); }

}  // namespace backbeat::http
