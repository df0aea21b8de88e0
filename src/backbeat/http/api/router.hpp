#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/clock.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/http/api/rate_limiter.hpp"
#include "backbeat/http/message.hpp"
#include "backbeat/service/auth_service.hpp"
#include "backbeat/service/run_commands.hpp"
#include "backbeat/service/task_service.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::http {

// The API of API.md behind the transport: routing, CORS, authentication, rate limits, JSON
// decoding and encoding, and the one mapping from error codes to HTTP statuses. Thread-safe;
// Handle blocks on storage (the transport runs it on its worker pool). HandleInline answers what
// needs no storage (preflights, 404, 405, /healthz, /openapi.json, /readyz while draining, the
// dashboard's files) on the I/O thread, saving those requests the trip to the pool.
class ApiRouter final : public Handler {
 public:
  struct Options {
    bool allow_seconds = false;
    double rate_per_second = 0;  // per API key; 0 = unlimited
    double rate_burst = 0;
    std::string openapi_json;  // served at /openapi.json
    // The Prometheus text served at /metrics; null: 404. Must not block (metrics are read from
    // memory).
    std::function<std::string()> metrics_text;
  };
  struct Services {
    service::AuthService& auth;
    service::TaskService& tasks;
    service::RunService& runs;
    service::RunCommands& run_commands;
    storage::Storage& storage;  // for /readyz
    const core::ZoneLookup& zones;
  };

  ApiRouter(Services services, Options options);

  Response Handle(const Request& request) override;
  std::optional<Response> HandleInline(const Request& request) override;

  // Marks the service as going away: /readyz answers 503 from now on.
  void SetDraining() { draining_ = true; }

 private:
  // The answer when no storage call is needed, else nullopt. Never blocks.
  std::optional<Response> RouteInline(const Request& request, std::string_view path);
  // Requests RouteInline left: the API calls and /readyz.
  Response Route(const Request& request, std::string_view path, std::string_view query);
  Response Tasks(const Request& request, std::string_view query);
  Response Runs(const Request& request, std::string_view query);
  // POST /api/tasks/trigger, /api/tasks/runs/cancel, /api/tasks/runs/replay.
  Response RunCommand(const Request& request, std::string_view path);
  // The caller, or the failure with `refused` set to the response to send (401 or 429).
  core::Result<core::Principal> Authenticate(const Request& request, Response* refused);

  Services services_;
  Options options_;
  RateLimiter limiter_;
  std::atomic<bool> draining_{false};
};

// API.md section 1: the HTTP status for an error code.
int HttpStatusFor(core::ErrorCode code);

// The documented error response for `status` (missing_fields for invalid arguments).
Response ErrorResponse(const core::Status& status);

}  // namespace backbeat::http
