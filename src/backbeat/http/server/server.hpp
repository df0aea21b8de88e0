#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backbeat/core/status.hpp"
#include "backbeat/http/message.hpp"

namespace backbeat::http {

// Limits and timeouts of the HTTP transport. Start() rejects values that cannot work (zero
// threads, connections or header bytes; non-positive timeouts).
struct ServerOptions {
  // "host:port". The host is an IP literal ("127.0.0.1", "0.0.0.0", "[::1]", "[::]") or
  // "localhost"; an empty host ("":8080) listens on every IPv4 address. Port 0 picks a free port,
  // readable from Server::port() after Start().
  std::string listen = "127.0.0.1:8080";
  // Threads that run the sockets: parsing, timers, writing. They never run Handler::Handle.
  size_t io_threads = 1;
  // Threads that run Handler::Handle, which may block (database calls). A request waits for a
  // free worker; the connection's I/O thread is never blocked meanwhile.
  size_t worker_threads = 4;
  // GET and HEAD requests (reads: CPU work and short storage reads that never wait for a
  // commit) run on a separate pool of this many threads; other methods (writes, which wait for
  // their group commit) on the worker_threads pool. Reads want few threads that stay busy (more
  // threads than cores only add wake-ups and context switches), while writes want many, since
  // each one blocks until its batch is synced and a batch is shared by every writer waiting.
  // 0 picks min(worker_threads, the hardware's thread count).
  size_t read_worker_threads = 0;
  // A larger body (by Content-Length, or counted while chunks arrive) is answered 413 and the
  // connection is closed.
  size_t max_body_bytes = 1024 * 1024;
  // A larger request line plus header block is answered 431 and the connection is closed.
  size_t max_header_bytes = 16 * 1024;
  // Once the first byte of a request has arrived, its whole head and body must arrive within
  // this time, or the connection is closed without an answer (slowloris defence).
  std::chrono::milliseconds header_timeout{10'000};
  // A connection waiting for the first byte of its next request (keep-alive, or a fresh
  // connection that has sent nothing) is closed after this time.
  std::chrono::milliseconds idle_timeout{60'000};
  // A response must be written within this time, or the connection is closed.
  std::chrono::milliseconds write_timeout{10'000};
  // When every slot is taken, the idle keep-alive connection open longest is closed to make room
  // for a new one (clients must expect an idle connection to close). Only when none is idle are
  // open connections beyond this still accepted, answered 503 "Too many connections" with
  // Retry-After and closed, without reading their request (so load balancers see a clean
  // refusal instead of a hanging connect). At most kMaxRejectingConnections such answers are in
  // flight at once; past that, new connections are closed straight after accept.
  size_t max_connections = 10'000;
  // Added to every response that does not set them itself, including the transport's own
  // error answers (for example CORS's Access-Control-Allow-Origin).
  std::vector<std::pair<std::string, std::string>> default_headers{};
};

// What the transport makes of the bytes at the start of a connection's input.
struct ParsedRequest {
  enum class Outcome {
    // The bytes end before the request does: the transport waits for more, and closes without
    // an answer if the client stops sending.
    kIncomplete,
    kRequest,   // `request` is complete
    kRejected,  // malformed or over a limit: `rejection` is answered, then the connection closes
  };
  Outcome outcome = Outcome::kIncomplete;
  // kRequest: as the Handler receives it (remote_address empty, request_id from X-Request-Id
  // when valid, else a new one).
  Request request;
  bool keep_alive = false;  // kRequest: whether the connection stays open after the answer
  unsigned version = 11;    // kRequest: 10 or 11
  size_t consumed = 0;      // kRequest: bytes the request took; a pipelined request follows
  Response rejection;       // kRejected: 400, 413 or 431 with the API.md error body
};

// Parses the first request in `bytes` with the parser, limits and error answers a Server with
// these options uses on a connection, without sockets (tests and fuzzing of the request path).
// The Server converts each request it reads the same way.
ParsedRequest ParseRequest(std::string_view bytes, const ServerOptions& options);

// The HTTP/1.1 transport: accepts connections, parses requests with limits and timeouts, runs
// the Handler on a worker pool and writes the responses. Beast and Asio stay inside server.cpp.
// A request the Handler can answer without blocking (Handler::HandleInline) is answered on the
// I/O thread and skips the pool.
//
// Per connection: keep-alive (HTTP/1.1 by default, HTTP/1.0 only with "Connection:
// keep-alive"), one request at a time so pipelined requests are answered in order, "Connection:
// close" honoured, "Expect: 100-continue" answered. Malformed requests get 400 "Invalid HTTP
// request" and the connection is closed. Every response carries X-Request-Id (the request's own
// when it is 1-64 characters of [A-Za-z0-9._-], else a new random one, also passed to the Handler
// in Request::request_id), Date, Server: backbeat, X-Content-Type-Options: nosniff and
// Content-Length (except 204 and 304). Handler headers are added as given, except the framing
// ones (Content-Length, Transfer-Encoding, Connection), which the transport owns. Error bodies
// follow API.md section 1. Request::remote_address is the peer's IP address, without the port.
//
// on_access is called once for every response written (or whose write failed), on an I/O thread;
// it must be thread-safe, fast and must not throw (exceptions are swallowed).
//
// Thread-safety: Start() once, from one thread. port() is safe from any thread after Start().
// Shutdown() and Wait() may be called from any thread except the server's own I/O and worker
// threads (both would deadlock); Shutdown() is idempotent and concurrent calls wait for the
// first. The destructor shuts down (with no drain time) if that has not happened yet, and must
// not race with other calls.
//
// Ownership: the Handler and the callback must outlive the Server.
class Server {
 public:
  static constexpr size_t kMaxRejectingConnections = 256;
  // Retry-After, in seconds, on 503 answers (shutting down, too many connections).
  static constexpr int kRetryAfterSeconds = 5;

  Server(ServerOptions options, Handler& handler,
         std::function<void(const AccessRecord&)> on_access = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Validates the options, binds and listens, and starts the I/O and worker threads.
  // InvalidArgument for bad options or listen address; Unavailable when the address cannot be
  // bound (in use, not local); FailedPrecondition when called twice.
  core::Status Start();

  // The bound port (the ephemeral one when listen asked for port 0); 0 before Start().
  uint16_t port() const;

  // Stops accepting (new connects are refused), closes idle connections, lets requests in
  // flight finish and be answered for up to `drain` (requests that arrive meanwhile on open
  // connections are answered 503 "Server is shutting down" with Connection: close), then
  // closes every remaining connection, stops the threads and returns. A Handle() call still
  // running at that point is waited for, since a thread cannot be interrupted. No-op before
  // Start().
  void Shutdown(std::chrono::milliseconds drain);

  // Blocks until a Shutdown() has completed (returns at once if never started).
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace backbeat::http
