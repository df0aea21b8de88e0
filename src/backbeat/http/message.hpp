#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace backbeat::http {

// A complete HTTP request as the transport hands it to a Handler: no Beast types, so the router
// and handlers compile without Beast.
struct Request {
  std::string method;  // "GET", as sent
  std::string target;  // path and query, as sent ("/api/tasks?id=...")
  // Header names lowercase, in arrival order; repeated headers stay repeated.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;
  std::string request_id;  // set by the transport (from X-Request-Id when valid, else new)

  // The first header with this lowercase name, or nullptr.
  const std::string* Header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lowercase_name) return &value;
    }
    return nullptr;
  }
  size_t HeaderCount(std::string_view lowercase_name) const {
    size_t n = 0;
    for (const auto& [name, value] : headers) n += name == lowercase_name;
    return n;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
  // Why a 5xx happened, for the access log only (the client sees a generic message).
  std::string internal_error;
};

// Turns requests into responses. Implementations are thread-safe; Handle may block (it runs on
// the server's worker pool, never on an I/O thread) and must not throw.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual Response Handle(const Request& request) = 0;
  // The answer, if it can be given without blocking (no storage call, no lock held for long),
  // else nullopt and the transport calls Handle on its worker pool. Runs on an I/O thread, so it
  // must stay cheap and must not throw. The default answers nothing here.
  virtual std::optional<Response> HandleInline(const Request& /*request*/) { return std::nullopt; }
};

// What the transport reports after each response, for access logs and metrics.
struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string path;  // without the query
  int status = 0;
  double duration_ms = 0;
  size_t request_bytes = 0;
  size_t response_bytes = 0;
  std::string remote_address;
  std::string error;  // Response::internal_error
};

}  // namespace backbeat::http
