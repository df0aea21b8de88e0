#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backbeat/core/status.hpp"

namespace backbeat::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One HTTP response as read off the wire.
struct HttpResponse {
  int version_minor = 1;  // HTTP/1.<version_minor>
  int status = 0;
  std::string reason;
  HeaderList headers;  // names lowercased, values trimmed, in arrival order
  std::string body;    // de-chunked

  // The first header with this lowercase name, or nullptr.
  const std::string* Header(std::string_view lowercase_name) const;
};

// A small blocking HTTP/1.1 client over one TCP connection, for tests that must see exactly
// what goes over the wire: keep-alive, pipelining (send raw bytes, then read the responses one
// by one), half-written requests, closes. Plain POSIX sockets, no dependencies.
//
// Every operation is bounded by the timeout (default 5 s): a call never blocks longer than
// that, so a misbehaving server fails the test instead of hanging it. Errors are values:
// Unavailable with a message saying what happened ("connection closed by peer",
// "timed out ...", a socket error).
//
// Reading parses the status line and headers, then the body by Transfer-Encoding: chunked, by
// Content-Length, or until the server closes; 1xx, 204, 304 and answers to HEAD have none.
// Bytes beyond one response are kept for the next ReadResponse (pipelined answers).
//
// Not thread-safe: one thread uses an instance at a time. Move-only; owns its socket.
class HttpClient {
 public:
  explicit HttpClient(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpClient();
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connects to host ("127.0.0.1", "::1", "localhost") and port, closing any earlier connection.
  core::Status Connect(std::string_view host, uint16_t port);
  bool connected() const { return fd_ >= 0; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // Writes all of `bytes` as they are.
  core::Status SendRaw(std::string_view bytes);
  // Reads one response. Pass head_request for the answer to a HEAD request (no body follows).
  core::Result<HttpResponse> ReadResponse(bool head_request = false);
  // Sends BuildRequest(...) and reads its response.
  core::Result<HttpResponse> RoundTrip(std::string_view method, std::string_view target,
                                       std::string_view body = {}, const HeaderList& headers = {});

  // Waits up to `within` for the server to close the connection. True on end of stream or
  // reset; false when the connection is still open at the end (or sends more data, which is
  // kept for ReadResponse).
  bool WaitForClose(std::chrono::milliseconds within);
  // Stops sending (the server sees end of stream) but keeps reading.
  void ShutdownWrite();
  void Close();

  // An HTTP/1.1 request with Host, the given headers, and Content-Length when there is a body
  // or the method is POST, PUT or PATCH.
  static std::string BuildRequest(std::string_view method, std::string_view target,
                                  std::string_view body = {}, const HeaderList& headers = {});

 private:
  enum class FillResult { kData, kClosed, kTimedOut, kError };
  // Reads whatever is available into buffer_, waiting until `deadline` at most.
  FillResult Fill(std::chrono::steady_clock::time_point deadline);
  // Fills until buffer_ holds `needle` from `from` on; returns its position.
  core::Result<size_t> ReadUntil(std::string_view needle, size_t from,
                                 std::chrono::steady_clock::time_point deadline);
  core::Status ReadAtLeast(size_t size, std::chrono::steady_clock::time_point deadline);
  core::Status FillError(FillResult result) const;

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;  // received, not yet consumed
  std::string last_error_;
};

}  // namespace backbeat::testing
