#include "backbeat/http/api/router.hpp"

#include <functional>

#include "backbeat/http/dashboard/dashboard.hpp"
#include "backbeat/http/dto/cursor.hpp"
#include "backbeat/http/dto/query_decoder.hpp"
#include "backbeat/http/dto/request_decoder.hpp"
#include "backbeat/http/dto/response_encoder.hpp"

namespace backbeat::http {
namespace {

constexpr std::string_view kTasksAllow = "GET, POST, PATCH, DELETE, OPTIONS";
constexpr std::string_view kReadAllow = "GET, OPTIONS";
constexpr std::string_view kProbeAllow = "GET, HEAD, OPTIONS";
constexpr std::string_view kPostAllow = "POST, OPTIONS";

Response Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The messages of transient failures that are written for clients; any other is a storage
// backend's own text.
bool IsPublicTransientMessage(std::string_view message) {
  return message == "Server is shutting down" || message == "Storage unavailable" ||
         message == "the run kept changing; try again";
}

Response MethodNotAllowed(std::string_view allow) {
  Response r =
      ErrorResponse(core::Status(core::ErrorCode::kFailedPrecondition, "Method not allowed"));
  r.status = 405;
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

Response Preflight(std::string_view allow) {
  Response r = Json(200, "");
  r.content_type.clear();
  r.headers.emplace_back("Allow", std::string(allow));
  r.headers.emplace_back("Access-Control-Allow-Methods", std::string(allow));
  r.headers.emplace_back("Access-Control-Allow-Headers",
                         "Content-Type, Authorization, X-Api-Key, X-Request-Id");
  r.headers.emplace_back("Access-Control-Max-Age", "86400");
  return r;
}

// A body must be JSON when the client says what it is (curl -d without -H sends a form type).
bool IsJsonOrUnspecified(const Request& request) {
  const std::string* type = request.Header("content-type");
  if (type == nullptr || type->empty()) return true;
  std::string_view t = *type;
  t = t.substr(0, t.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  std::string lower(t);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" ||
         (lower.ends_with("+json") && lower.starts_with("application/"));
}

std::vector<dto::TaskView> Views(const std::vector<service::TaskView>& views) {
  std::vector<dto::TaskView> out;
  out.reserve(views.size());
  for (const service::TaskView& v : views) {
    out.push_back({v.task, v.recent_runs, v.upcoming, v.owner_email});
  }
  return out;
}

std::optional<std::string> Cursor(const std::optional<storage::PageCursor>& next) {
  if (!next) return std::nullopt;
  return dto::EncodeCursor(*next);
}

// Where a page starts: the decoded cursor, if one was given.
core::Result<std::optional<storage::PageCursor>> After(const std::optional<std::string>& cursor) {
  if (!cursor) return std::optional<storage::PageCursor>();
  auto decoded = dto::DecodeCursor(*cursor);
  if (!decoded.ok()) return decoded.status();
  return std::optional<storage::PageCursor>(*decoded);
}

}  // namespace

int HttpStatusFor(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kOk:
      return 200;
    case core::ErrorCode::kInvalidArgument:
      return 400;
    case core::ErrorCode::kUnauthenticated:
      return 401;
    case core::ErrorCode::kPermissionDenied:
      return 403;
    case core::ErrorCode::kNotFound:
      return 404;
    case core::ErrorCode::kAlreadyExists:
      return 409;
    case core::ErrorCode::kFailedPrecondition:
      return 409;
    case core::ErrorCode::kResourceExhausted:
      return 429;
    case core::ErrorCode::kAborted:
      return 503;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const core::Status& status) {
  core::Status shown = status;
  // Internal details stay in the logs; the client learns only that it was our fault.
  if (status.code() == core::ErrorCode::kInternal) {
    shown = core::Internal("Internal server error");
  }
  // A storage failure's message names statements and driver errors (disk full, read-only file,
  // connection lost): for the operator's log. The client learns it may retry.
  const bool transient =
      status.code() == core::ErrorCode::kUnavailable || status.code() == core::ErrorCode::kAborted;
  if (transient && !IsPublicTransientMessage(status.message())) {
    shown = core::Status(status.code(), "Storage unavailable");
  }
  Response r = Json(HttpStatusFor(status.code()), dto::EncodeError(shown));
  if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
  if (r.status >= 500 && shown.message() != status.message()) r.internal_error = status.message();
  return r;
}

ApiRouter::ApiRouter(Services services, Options options)
    : services_(services),
      options_(std::move(options)),
      limiter_(options_.rate_per_second, options_.rate_burst) {}

namespace {

struct Target {
  std::string_view path;
  std::string_view query;
};

Target SplitTarget(std::string_view target) {
  const size_t q = target.find('?');
  Target t{target.substr(0, q), q == std::string_view::npos ? "" : target.substr(q + 1)};
  if (t.path.size() > 1 && t.path.back() == '/') t.path.remove_suffix(1);
  return t;
}

void AddCorsHeaders(Response& response) {
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  response.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
}

}  // namespace

Response ApiRouter::Handle(const Request& request) {
  const Target target = SplitTarget(request.target);
  Response response;
  try {
    std::optional<Response> quick = RouteInline(request, target.path);
    response = quick ? std::move(*quick) : Route(request, target.path, target.query);
  } catch (const std::exception& e) {
    // Nothing below should throw; if something does, the client gets a 500, not a hang.
    response = ErrorResponse(core::Internal(e.what()));
  }
  AddCorsHeaders(response);
  return response;
}

std::optional<Response> ApiRouter::HandleInline(const Request& request) {
  std::optional<Response> response;
  try {
    response = RouteInline(request, SplitTarget(request.target).path);
  } catch (const std::exception& e) {
    response = ErrorResponse(core::Internal(e.what()));
  }
  if (response) AddCorsHeaders(*response);
  return response;
}

std::optional<Response> ApiRouter::RouteInline(const Request& request, std::string_view path) {
  const std::string& method = request.method;
  if (path == "/api/tasks") {
    if (method == "OPTIONS") return Preflight(kTasksAllow);
    if (method != "GET" && method != "POST" && method != "PATCH" && method != "DELETE") {
      return MethodNotAllowed(kTasksAllow);
    }
    return std::nullopt;
  }
  if (path == "/api/tasks/runs") {
    if (method == "OPTIONS") return Preflight(kReadAllow);
    if (method != "GET") return MethodNotAllowed(kReadAllow);
    return std::nullopt;
  }
  if (path == "/api/tasks/trigger" || path == "/api/tasks/runs/cancel" ||
      path == "/api/tasks/runs/replay") {
    if (method == "OPTIONS") return Preflight(kPostAllow);
    if (method != "POST") return MethodNotAllowed(kPostAllow);
    return std::nullopt;
  }
  if (path == "/metrics" && options_.metrics_text) {
    if (method == "OPTIONS") return Preflight(kReadAllow);
    if (method != "GET") return MethodNotAllowed(kReadAllow);
    Response r = Json(200, options_.metrics_text());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (path == "/healthz" || path == "/readyz" || path == "/openapi.json") {
    if (method == "OPTIONS") return Preflight(kProbeAllow);
    if (method != "GET" && method != "HEAD") return MethodNotAllowed(kProbeAllow);
    if (path == "/healthz") return Json(200, R"({"status":"ok"})");
    if (path == "/openapi.json") return Json(200, options_.openapi_json);
    if (draining_) return ErrorResponse(core::Unavailable("Server is shutting down"));
    return std::nullopt;  // /readyz pings storage
  }
  if (dashboard::Owns(path)) {
    if (method == "OPTIONS") return Preflight(kProbeAllow);
    if (method != "GET" && method != "HEAD") return MethodNotAllowed(kProbeAllow);
    if (std::optional<Response> file = dashboard::Serve(request, path)) return file;
  }
  return ErrorResponse(core::NotFound("Not found"));
}

Response ApiRouter::Route(const Request& request, std::string_view path, std::string_view query) {
  // RouteInline has answered everything but these.
  if (path == "/api/tasks") return Tasks(request, query);
  if (path == "/api/tasks/runs") return Runs(request, query);
  if (path != "/readyz") return RunCommand(request, path);
  core::Status ping = services_.storage.Ping();
  if (!ping.ok()) return ErrorResponse(core::Unavailable("Storage unavailable"));
  return Json(200, R"({"status":"ok"})");
}

core::Result<core::Principal> ApiRouter::Authenticate(const Request& request, Response* refused) {
  service::Credentials credentials;
  const std::string* api_key = request.Header("x-api-key");
  const std::string* authorization = request.Header("authorization");
  if (api_key) credentials.x_api_key = *api_key;
  if (authorization) credentials.authorization = *authorization;
  if (request.HeaderCount("x-api-key") > 1 || request.HeaderCount("authorization") > 1) {
    core::Status twice =
        core::Unauthenticated("Exactly one of x-api-key or Authorization must be provided");
    *refused = ErrorResponse(twice);
    return twice;
  }
  if (limiter_.enabled()) {
    // Keyed by what was presented, so a flood of bad keys is throttled as well.
    uint64_t key =
        std::hash<std::string_view>{}(api_key         ? std::string_view(*api_key)
                                      : authorization ? std::string_view(*authorization)
                                                      : std::string_view(request.remote_address));
    std::chrono::seconds retry_after{1};
    if (!limiter_.Allow(key, RateLimiter::Clock::now(), &retry_after)) {
      core::Status limited(core::ErrorCode::kResourceExhausted, "Too many requests");
      *refused = ErrorResponse(limited);
      refused->headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
      return limited;
    }
  }
  auto principal = services_.auth.Authenticate(credentials);
  if (!principal.ok()) *refused = ErrorResponse(principal.status());
  return principal;
}

Response ApiRouter::Tasks(const Request& request, std::string_view query) {
  Response refused;
  auto principal = Authenticate(request, &refused);
  if (!principal.ok()) return refused;
  const core::Principal& caller = *principal;
  const std::string& method = request.method;
  const dto::DecodeContext ctx{services_.zones, {.allow_seconds = options_.allow_seconds}};

  if (method == "GET") {
    auto input = dto::DecodeListTasksQuery(query);
    if (!input.ok()) return ErrorResponse(input.status());
    auto after = After(input->cursor);
    if (!after.ok()) return ErrorResponse(after.status());
    auto page = services_.tasks.List(caller, *input, *after);
    if (!page.ok()) return ErrorResponse(page.status());
    return Json(200, dto::EncodeTasks(Views(page->tasks), Cursor(page->next)));
  }
  if (!IsJsonOrUnspecified(request)) {
    Response r = ErrorResponse(core::FailedPrecondition("Content-Type must be application/json"));
    r.status = 415;
    return r;
  }
  if (method == "POST") {
    auto input = dto::DecodeCreateTask(request.body, ctx);
    if (!input.ok()) return ErrorResponse(input.status());
    auto view = services_.tasks.Create(caller, *input);
    if (!view.ok()) return ErrorResponse(view.status());
    return Json(200, dto::EncodeTasks(Views({*view})));
  }
  if (method == "PATCH") {
    auto input = dto::DecodeUpdateTask(request.body, ctx);
    if (!input.ok()) return ErrorResponse(input.status());
    auto view = services_.tasks.Update(caller, *input);
    if (!view.ok()) return ErrorResponse(view.status());
    return Json(200, dto::EncodeTasks(Views({*view})));
  }
  auto input = dto::DecodeDeleteTask(request.body);
  if (!input.ok()) return ErrorResponse(input.status());
  core::Status deleted = services_.tasks.Delete(caller, *input);
  if (!deleted.ok()) return ErrorResponse(deleted);
  return Json(200, dto::EncodeSuccess());
}

Response ApiRouter::Runs(const Request& request, std::string_view query) {
  Response refused;
  auto principal = Authenticate(request, &refused);
  if (!principal.ok()) return refused;
  auto input = dto::DecodeListRunsQuery(query);
  if (!input.ok()) return ErrorResponse(input.status());
  auto after = After(input->cursor);
  if (!after.ok()) return ErrorResponse(after.status());
  auto page = services_.runs.List(*principal, *input, *after);
  if (!page.ok()) return ErrorResponse(page.status());
  if (input->run_id) return Json(200, dto::EncodeRuns(page->runs, dto::RunForm::kDetail));
  return Json(200, dto::EncodeRuns(page->runs, Cursor(page->next)));
}

Response ApiRouter::RunCommand(const Request& request, std::string_view path) {
  Response refused;
  auto principal = Authenticate(request, &refused);
  if (!principal.ok()) return refused;
  if (!IsJsonOrUnspecified(request)) {
    Response r = ErrorResponse(core::FailedPrecondition("Content-Type must be application/json"));
    r.status = 415;
    return r;
  }
  core::Result<core::Run> run = core::Internal("unrouted run command");
  if (path == "/api/tasks/trigger") {
    auto input = dto::DecodeTrigger(request.body);
    if (!input.ok()) return ErrorResponse(input.status());
    run = services_.run_commands.Trigger(*principal, input->id, input->idempotency_key,
                                         input->account_id);
  } else {
    auto input = dto::DecodeRunAction(request.body);
    if (!input.ok()) return ErrorResponse(input.status());
    run = path == "/api/tasks/runs/cancel"
              ? services_.run_commands.Cancel(*principal, input->run_id)
              : services_.run_commands.Replay(*principal, input->run_id);
  }
  if (!run.ok()) return ErrorResponse(run.status());
  return Json(200, dto::EncodeRuns(std::span<const core::Run>(&*run, 1), dto::RunForm::kDetail));
}

}  // namespace backbeat::http
