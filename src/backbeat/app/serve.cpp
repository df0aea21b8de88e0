#include "backbeat/app/serve.hpp"

#include <pthread.h>
#include <signal.h>

#include <memory>

#include "backbeat/app/bootstrap.hpp"
#include "backbeat/app/files.hpp"
#include "backbeat/app/json_log.hpp"
#include "backbeat/app/storage_factory.hpp"
#include "backbeat/app/system_clock.hpp"
#include "backbeat/http/api/openapi_document.hpp"
#include "backbeat/http/api/router.hpp"
#include "backbeat/http/server/server.hpp"
#include "backbeat/service/auth_service.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/service/task_service.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::app {
namespace {

LogLevel ParseLevel(const std::string& s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace

int RunServe(const ServeConfig& config) {
  JsonLog log(ParseLevel(config.log_level));
  auto fail = [&](std::string_view what, const core::Status& s) {
    log.Error(what, {{"error", s.message()}});
    return 1;
  };

  // Signals are taken by a sigwait() below, so every thread started from here on blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto location = ParseDatabaseUrl(config.db);
  if (!location.ok()) return fail("bad --db", location.status());
  auto zones = tzdb::ZoneDatabase::Load();
  if (!zones.ok()) return fail("cannot load time zones", zones.status());
  auto storage = OpenStorage(*location);
  if (!storage.ok()) return fail("cannot open the database", storage.status());

  const std::string secret_file = config.secret_file.empty()
                                      ? location->directory + "/backbeat.secret"
                                      : config.secret_file;
  service::RandomIdSource ids;
  auto secret = ReadOrCreateSecretFile(secret_file, ids.NewToken(32) + "\n");
  if (!secret.ok()) return fail("cannot read the server secret", secret.status());

  SystemClock clock;
  service::AuthService auth((*storage)->accounts(), clock, ids, *secret);
  const std::string key_file = config.admin_key_file.empty()
                                   ? location->directory + "/admin.key"
                                   : config.admin_key_file;
  if (core::Status s = BootstrapIfEmpty(**storage, auth, ids, clock, key_file, log); !s.ok()) {
    return fail("cannot create the first admin key", s);
  }

  service::TaskService tasks(**storage, **zones, clock, ids,
                             {.allow_seconds = config.allow_seconds});
  service::RunService runs(**storage);
  http::ApiRouter router({auth, tasks, runs, **storage, **zones},
                         {.allow_seconds = config.allow_seconds,
                          .rate_per_second = config.rate_limit,
                          .rate_burst = config.rate_burst,
                          .openapi_json = std::string(http::OpenApiDocument())});

  http::ServerOptions options;
  options.listen = config.listen;
  options.io_threads = config.io_threads;
  options.worker_threads = config.workers;
  options.max_body_bytes = config.max_body_bytes;
  options.max_connections = config.max_connections;
  options.header_timeout = Millis(config.header_timeout_seconds);
  options.idle_timeout = Millis(config.idle_timeout_seconds);
  options.default_headers = {{"Access-Control-Allow-Origin", "*"}};
  http::Server server(options, router, [&log](const http::AccessRecord& r) {
    log.Info("request", {{"request_id", r.request_id},
                         {"method", r.method},
                         {"path", r.path},
                         {"status", r.status},
                         {"duration_ms", r.duration_ms},
                         {"bytes_in", r.request_bytes},
                         {"bytes_out", r.response_bytes},
                         {"remote", r.remote_address}});
  });
  if (core::Status s = server.Start(); !s.ok()) return fail("cannot listen", s);
  log.Info("listening", {{"listen", config.listen},
                         {"port", static_cast<int>(server.port())},
                         {"db", location->path}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info("shutting down", {{"signal", signal_number}});
  router.SetDraining();
  server.Shutdown(Millis(config.shutdown_timeout_seconds));
  server.Wait();
  storage->reset();  // closes the database after the last write is committed
  log.Info("stopped");
  return 0;
}

}  // namespace backbeat::app
