#pragma once

// The invariants the http_request fuzz target asserts, shared with the corpus replay test. An
// input is the raw bytes a client sends on one connection: they go through the transport's own
// request parser and limits (http::ParseRequest), then each request, pipelined ones included,
// through the ApiRouter (HandleInline, else Handle) over the in-memory store with the services
// wired as src/backbeat/app/serve.cpp wires them, a fixed clock and counting ids. Each input gets
// a fresh stack, so an input always behaves the same and the store cannot grow across inputs.
//
// Two API keys exist from the start (kAdminKey for an admin, kMemberKey for an account sharing an
// organization with one colleague), so seeds can authenticate and name what they created: the
// first task created is "00000000-0000-4000-8000-000000000001", the first run
// "run_000000000000000000000001".

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/task/uuid.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/http/api/openapi_document.hpp"
#include "backbeat/http/api/router.hpp"
#include "backbeat/http/dto/cursor.hpp"
#include "backbeat/http/message.hpp"
#include "backbeat/http/server/server.hpp"
#include "backbeat/metrics/registry.hpp"
#include "backbeat/service/auth_service.hpp"
#include "backbeat/service/run_commands.hpp"
#include "backbeat/service/task_service.hpp"
#include "backbeat/storage/memory/memory_storage.hpp"
#include "fuzz/api_checks.hpp"
#include "fuzz/fixed_sources.hpp"

namespace backbeat::fuzz {

inline constexpr std::string_view kAdminAccount = "a0000000-0000-4000-8000-000000000001";
inline constexpr std::string_view kMemberAccount = "b0000000-0000-4000-8000-000000000002";
inline constexpr std::string_view kColleagueAccount = "c0000000-0000-4000-8000-000000000003";
// The keys CountingIds mints: tokens 1 and 3 (token 2 is the admin key's id).
inline constexpr std::string_view kAdminKey = "bb_sk_T000000000000000000000000000000000000000001";
inline constexpr std::string_view kMemberKey = "bb_sk_T000000000000000000000000000000000000000003";

// The transport's limits, smaller than the defaults so that inputs of a few KiB reach the 413 and
// 431 answers; the code paths are the same for any limit.
inline http::ServerOptions FuzzServerOptions() {
  http::ServerOptions options;
  options.max_header_bytes = 2048;
  options.max_body_bytes = 8192;
  return options;
}

// The scheduler is not part of the request path: run events go nowhere.
class IgnoredRunEvents final : public service::RunEvents {
 public:
  void RunQueued() override {}
  void RunCanceled(std::string_view) override {}
};

// Storage, services and router for one input, constructed in serve.cpp's order. Rate limiting
// is off (it reads the real steady clock, which would make inputs irreproducible).
class ApiStack {
 public:
  explicit ApiStack(const core::ZoneLookup& zones)
      : auth_(storage_.accounts(), clock_, ids_, "fuzz-server-secret"),
        tasks_(storage_, zones, clock_, ids_, {.allow_seconds = false}),
        runs_(storage_),
        run_commands_(storage_, zones, clock_, ids_, events_, {}),
        router_({auth_, tasks_, runs_, run_commands_, storage_, zones},
                {.allow_seconds = false,
                 .rate_per_second = 0,
                 .rate_burst = 0,
                 .openapi_json = std::string(http::OpenApiDocument()),
                 .metrics_text = [this] { return registry_.Render(); }}) {
    storage::AccountStore& accounts = storage_.accounts();
    const core::Organization admins{"0a000000-0000-4000-8000-000000000001", "admin", true,
                                    kFuzzNow};
    const core::Organization label{"0b000000-0000-4000-8000-000000000002", "label", false,
                                   kFuzzNow};
    bool ok = accounts.CreateOrganization(admins).ok() && accounts.CreateOrganization(label).ok();
    for (auto [id, email] : {std::pair{kAdminAccount, "admin@localhost"},
                             std::pair{kMemberAccount, "member@label.example"},
                             std::pair{kColleagueAccount, "colleague@label.example"}}) {
      ok = ok && accounts.CreateAccount({std::string(id), "fuzz", {email}, kFuzzNow}).ok();
    }
    ok = ok && accounts.AddMember(admins.id, kAdminAccount).ok() &&
         accounts.AddMember(label.id, kMemberAccount).ok() &&
         accounts.AddMember(label.id, kColleagueAccount).ok();
    auto admin_key = auth_.MintKey(kAdminAccount, std::nullopt);
    auto member_key = auth_.MintKey(kMemberAccount, std::nullopt);
    if (!ok || !admin_key.ok() || admin_key->key != kAdminKey || !member_key.ok() ||
        member_key->key != kMemberKey) {
      // The seeds depend on these keys: a harness that cannot make them checks nothing.
      std::fprintf(stderr, "ApiStack: cannot create the accounts and keys the seeds use\n");
      std::abort();
    }
  }
  ApiStack(const ApiStack&) = delete;
  ApiStack& operator=(const ApiStack&) = delete;

  http::ApiRouter& router() { return router_; }

 private:
  storage::memory::MemoryStorage storage_;
  FixedClock clock_;
  CountingIds ids_;
  IgnoredRunEvents events_;
  metrics::Registry registry_;
  service::AuthService auth_;
  service::TaskService tasks_;
  service::RunService runs_;
  service::RunCommands run_commands_;
  http::ApiRouter router_;
};

namespace http_internal {

namespace json = boost::json;

// At most this many pipelined requests of one input are answered (bounds the time per input).
inline constexpr size_t kMaxRequestsPerInput = 32;

// Statuses API.md documents for what the router answers here. 429 needs the rate limit and 503
// storage trouble or a drain, none of which exist in this harness; 500 is never acceptable.
inline bool IsDocumentedRouterStatus(int status) {
  for (int s : {200, 304, 400, 401, 403, 404, 405, 409, 415}) {
    if (s == status) return true;
  }
  return false;
}

// Who a request can act as: only the keys it carries, anywhere in its headers.
enum class Caller { kNobody, kMember, kAdmin };

inline Caller CallerOf(const http::Request& request) {
  bool admin = false;
  bool member = false;
  for (const auto& [name, value] : request.headers) {
    admin = admin || value.find(kAdminKey) != std::string::npos;
    member = member || value.find(kMemberKey) != std::string::npos;
  }
  return admin ? Caller::kAdmin : member ? Caller::kMember : Caller::kNobody;
}

// The router's path: the target before '?', without one trailing '/'.
inline std::string_view PathOf(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

// Whether the request reaches an API handler (a route and a method it serves), where
// authentication comes before anything else.
inline bool IsApiCall(const http::Request& request) {
  const std::string_view path = PathOf(request.target);
  const std::string& m = request.method;
  if (path == "/api/tasks") return m == "GET" || m == "POST" || m == "PATCH" || m == "DELETE";
  if (path == "/api/tasks/runs") return m == "GET";
  return (path == "/api/tasks/trigger" || path == "/api/tasks/runs/cancel" ||
          path == "/api/tasks/runs/replay") &&
         m == "POST";
}

inline const std::string* HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [n, v] : response.headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return &v;
    }
  }
  return nullptr;
}

// Whether the comma-separated `allow` lists `method`.
inline bool Lists(std::string_view allow, std::string_view method) {
  while (!allow.empty()) {
    const size_t comma = allow.find(',');
    std::string_view item = allow.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == method) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 1);
  }
  return false;
}

// Every body key and query parameter of API.md: what missing_fields may name.
inline bool IsKnownField(std::string_view field) {
  for (std::string_view f : {"id",
                             "title",
                             "prompt",
                             "schedule",
                             "artist_account_id",
                             "account_id",
                             "model",
                             "timezone",
                             "enabled",
                             "overlap",
                             "catchup",
                             "catchup_window_seconds",
                             "max_attempts",
                             "timeout_seconds",
                             "idempotency_key",
                             "runId",
                             "task_id",
                             "status",
                             "limit",
                             "cursor"}) {
    if (f == field) return true;
  }
  return false;
}

// What the requests of one input have seen so far, and where the checks report.
struct Session {
  Expectations check;
  std::set<std::string> ids;  // ids of every task and run shown so far
};

// Tasks and runs in a success body: well-formed, within the caller's scope, remembered.
inline void CheckListedObjects(const json::object& body, Caller caller, Session& session) {
  Expectations& check = session.check;
  auto in_scope = [&](std::string_view account) {
    return caller == Caller::kAdmin ||
           (caller == Caller::kMember &&
            (account == kMemberAccount || account == kColleagueAccount));
  };
  if (const json::value* tasks = body.if_contains("tasks")) {
    check.Expect(tasks->is_array(), "\"tasks\" is not an array");
    if (!check.ok()) return;
    for (const json::value& t : tasks->get_array()) {
      const json::object* task = t.if_object();
      const json::value* id = task ? task->if_contains("id") : nullptr;
      const json::value* account = task ? task->if_contains("account_id") : nullptr;
      check.Expect(id != nullptr && id->is_string() && core::IsValidUuid(id->get_string()),
                   "a listed task has no UUID id");
      check.Expect(account != nullptr && account->is_string() && in_scope(account->get_string()),
                   "a task outside the caller's scope is shown");
      if (!check.ok()) return;
      session.ids.insert(std::string(id->get_string()));
      const json::value* upcoming = task->if_contains("upcoming");
      check.Expect(upcoming != nullptr && upcoming->is_array() && upcoming->get_array().size() <= 5,
                   "a task's upcoming is not a list of at most 5 times");
    }
  }
  if (const json::value* runs = body.if_contains("runs")) {
    check.Expect(runs->is_array(), "\"runs\" is not an array");
    if (!check.ok()) return;
    for (const json::value& r : runs->get_array()) {
      const json::object* run = r.if_object();
      const json::value* id = run ? run->if_contains("id") : nullptr;
      const json::value* tags = run ? run->if_contains("tags") : nullptr;
      check.Expect(id != nullptr && id->is_string() && id->get_string().starts_with("run_"),
                   "a listed run has no run_ id");
      check.Expect(tags != nullptr && tags->is_array(), "a listed run has no tags");
      if (!check.ok()) return;
      bool scoped = false;
      for (const json::value& tag : tags->get_array()) {
        if (tag.is_string() && tag.get_string().starts_with("account:")) {
          scoped = in_scope(std::string_view(tag.get_string()).substr(8));
        }
      }
      check.Expect(scoped, "a run outside the caller's scope is shown");
      session.ids.insert(std::string(id->get_string()));
    }
  }
  if (const json::value* cursor = body.if_contains("next_cursor")) {
    check.Expect(cursor->is_null() ||
                     (cursor->is_string() && http::dto::DecodeCursor(cursor->get_string()).ok()),
                 "next_cursor is neither null nor a cursor the server decodes");
  }
}

// One answer of the router to `request`.
inline void CheckResponse(const http::Request& request, const http::Response& response,
                          Session& session) {
  Expectations& check = session.check;
  const int status = response.status;
  const Caller caller = CallerOf(request);
  check.Expect(IsDocumentedRouterStatus(status), "status " + std::to_string(status) +
                                                     " is not one API.md documents here; body " +
                                                     Show(response.body));
  check.Expect(status != 304 || ((request.method == "GET" || request.method == "HEAD") &&
                                 request.Header("if-none-match") != nullptr),
               "304 without a conditional GET");
  const std::string* cors = HeaderOf(response, "Access-Control-Allow-Origin");
  check.Expect(cors != nullptr && *cors == "*", "no Access-Control-Allow-Origin: *");
  if (status == 405) {
    const std::string* allow = HeaderOf(response, "Allow");
    check.Expect(allow != nullptr && !allow->empty() && !Lists(*allow, request.method),
                 "405 without an Allow header that leaves the method out");
  }
  if (request.method == "OPTIONS" && status == 200) {
    check.Expect(HeaderOf(response, "Allow") != nullptr, "a preflight without Allow");
  }
  // API.md section 2: authentication comes before the body or the query is looked at.
  if (caller == Caller::kNobody && IsApiCall(request)) {
    check.Expect(status == 401, "an API call without a key answered " + std::to_string(status) +
                                    ", not 401: " + Show(response.body));
  }
  if (!check.ok()) return;

  const bool is_json = response.content_type.starts_with("application/json");
  if (status >= 400) {
    check.Expect(is_json, "an error answer is not JSON: " + response.content_type);
    CheckErrorBody(response.body, status, check, IsKnownField);
    return;
  }
  if (!is_json || status != 200) return;
  json::value parsed;
  check.Expect(ParseJson(response.body, parsed) && parsed.is_object(),
               "a JSON answer is not a JSON object: " + Show(response.body));
  if (!check.ok()) return;
  const json::object& body = parsed.as_object();
  if (PathOf(request.target) == "/openapi.json") {
    check.Expect(body.contains("openapi"), "/openapi.json is not an OpenAPI document");
    return;
  }
  const json::value* s = body.if_contains("status");
  check.Expect(
      s != nullptr && s->is_string() && (s->get_string() == "success" || s->get_string() == "ok"),
      "a 200 answer's status is neither \"success\" nor \"ok\"");
  if (caller == Caller::kNobody) {
    check.Expect(!body.contains("tasks") && !body.contains("runs"),
                 "an answer to a request without a key lists tasks or runs");
  }
  CheckListedObjects(body, caller, session);
}

// Nothing the store holds (a task or run id seen in an earlier answer) reaches a caller without
// a key, unless the request itself carries it.
inline void CheckNothingRevealed(std::string_view raw, const http::Response& response,
                                 Session& session) {
  for (const std::string& id : session.ids) {
    if (response.body.find(id) != std::string::npos && raw.find(id) == std::string_view::npos) {
      session.check.Expect(false, "an answer to a request without a key shows " + id);
      return;
    }
  }
}

// The parsed request as the transport hands it over.
inline void CheckParsed(const http::ParsedRequest& parsed, std::string_view bytes,
                        Expectations& check) {
  check.Expect(parsed.consumed > 0 && parsed.consumed <= bytes.size(),
               "ParseRequest consumed " + std::to_string(parsed.consumed) + " of " +
                   std::to_string(bytes.size()) + " bytes");
  check.Expect(parsed.version == 10 || parsed.version == 11,
               "ParseRequest gave version " + std::to_string(parsed.version));
  check.Expect(!parsed.request.method.empty() && !parsed.request.target.empty(),
               "ParseRequest gave an empty method or target");
  check.Expect(!parsed.request.request_id.empty() && parsed.request.request_id.size() <= 64,
               "ParseRequest gave no request id");
  for (const auto& [name, value] : parsed.request.headers) {
    check.Expect(
        std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
        "a header name is not lowercase: " + Show(name));
  }
}

}  // namespace http_internal

// Runs one connection's bytes through a fresh stack and checks every answer.
inline CheckResult CheckHttpRequestInput(std::string_view input, const core::ZoneLookup& zones) {
  using namespace http_internal;
  ApiStack stack(zones);
  const http::ServerOptions options = FuzzServerOptions();
  Session session;
  std::string_view rest = input;
  for (size_t i = 0; i < kMaxRequestsPerInput && !rest.empty() && session.check.ok(); ++i) {
    const http::ParsedRequest parsed = http::ParseRequest(rest, options);
    if (parsed.outcome == http::ParsedRequest::Outcome::kIncomplete) break;
    if (parsed.outcome == http::ParsedRequest::Outcome::kRejected) {
      const int status = parsed.rejection.status;
      session.check.SetContext("request #" + std::to_string(i) + " (rejected by the transport) " +
                               Show(rest, 80));
      session.check.Expect(status == 400 || status == 413 || status == 431,
                           "the transport rejected it with " + std::to_string(status));
      CheckErrorBody(parsed.rejection.body, status, session.check);
      break;
    }
    const http::Request& request = parsed.request;
    const std::string_view raw = rest.substr(0, parsed.consumed);
    session.check.SetContext("request #" + std::to_string(i) + " " + Show(request.method, 16) +
                             " " + Show(request.target, 120));
    CheckParsed(parsed, rest, session.check);
    if (!session.check.ok()) break;

    // As the transport does: the inline answer if there is one, else Handle. Handle must agree
    // with an inline answer (it starts from the same routing).
    std::optional<http::Response> inline_answer = stack.router().HandleInline(request);
    const bool answered_inline = inline_answer.has_value();
    const http::Response response =
        answered_inline ? std::move(*inline_answer) : stack.router().Handle(request);
    if (answered_inline) {
      const http::Response again = stack.router().Handle(request);
      session.check.Expect(again.status == response.status && again.body == response.body,
                           "Handle answers differently from HandleInline");
    }
    CheckResponse(request, response, session);
    if (CallerOf(request) == Caller::kNobody) CheckNothingRevealed(raw, response, session);
    if (!parsed.keep_alive) break;
    rest.remove_prefix(parsed.consumed);
  }
  return session.check.result();
}

}  // namespace backbeat::fuzz
