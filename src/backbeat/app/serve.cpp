#include "backbeat/app/serve.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include "backbeat/app/bootstrap.hpp"
#include "backbeat/app/files.hpp"
#include "backbeat/app/http_metrics.hpp"
#include "backbeat/app/json_log.hpp"
#include "backbeat/app/scheduler_wiring.hpp"
#include "backbeat/app/storage_factory.hpp"
#include "backbeat/app/system_clock.hpp"
#include "backbeat/executors/executor_factory.hpp"
#include "backbeat/http/api/openapi_document.hpp"
#include "backbeat/http/api/router.hpp"
#include "backbeat/http/server/server.hpp"
#include "backbeat/metrics/registry.hpp"
#include "backbeat/scheduler/database_clock.hpp"
#include "backbeat/scheduler/engine.hpp"
#include "backbeat/service/auth_service.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/service/run_commands.hpp"
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

std::string DefaultNodeId(service::IdSource& ids) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + ids.NewToken(4);
}

core::Result<std::unique_ptr<executors::Executor>> MakeConfiguredExecutor(
    const ServeConfig& config) {
  executors::ExecutorConfig e;
  e.kind = config.executor;
  e.default_model = config.default_model;
  e.openai.base_url = config.openai_base_url;
  e.openai.api_key = config.openai_api_key;
  e.openai.default_model = config.default_model;
  e.openai.input_cents_per_million_tokens = config.openai_input_cents_per_million;
  e.openai.output_cents_per_million_tokens = config.openai_output_cents_per_million;
  e.webhook.url = config.webhook_url;
  e.webhook.secret = config.webhook_secret;
  e.webhook.default_model = config.default_model;
  e.command.argv = config.command;
  e.command.default_model = config.default_model;
  return executors::MakeExecutor(e);
}

// --run-ttl as runs carry it: nullopt (never expires) for 0.
std::optional<int64_t> RunTtl(const ServeConfig& config) {
  if (config.run_ttl_seconds <= 0) return std::nullopt;
  return static_cast<int64_t>(config.run_ttl_seconds);
}

scheduler::EngineOptions EngineOptionsFrom(const ServeConfig& config, std::string node_id) {
  scheduler::EngineOptions o;
  o.node_id = std::move(node_id);
  o.workers = config.executor_workers;
  o.claim_batch = config.claim_batch;
  o.per_account_limit = config.per_account_limit;
  o.lease = Millis(config.lease_seconds);
  // Renew three times per lease, so one slow renewal does not lose a live run.
  o.heartbeat = std::max(std::chrono::milliseconds(100), o.lease / 3);
  o.retention = std::chrono::duration_cast<std::chrono::hours>(
      std::chrono::duration<double, std::ratio<3600>>(config.retention_days * 24));
  if (o.retention.count() < 1) o.retention = std::chrono::hours(1);
  o.firing.allow_seconds = config.allow_seconds;
  o.firing.run_ttl_seconds = RunTtl(config);
  return o;
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

  // Every connection is a file descriptor, and the usual soft limit (1,024) is far below
  // --max-connections: take what the hard limit allows, and say so when it is still short.
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    if (files.rlim_cur < files.rlim_max) {
      files.rlim_cur = files.rlim_max;
      (void)::setrlimit(RLIMIT_NOFILE, &files);
      (void)::getrlimit(RLIMIT_NOFILE, &files);
    }
    // Room for the database, the executors and the listening sockets besides the connections.
    constexpr rlim_t kOtherFiles = 256;
    if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < config.max_connections + kOtherFiles) {
      log.Warn("the open-file limit is lower than --max-connections needs",
               {{"limit", static_cast<long long>(files.rlim_cur)},
                {"max_connections", config.max_connections}});
    }
  }

  auto location = ParseDatabaseUrl(config.db);
  if (!location.ok()) return fail("bad --db", location.status());
  auto zones = tzdb::ZoneDatabase::Load();
  if (!zones.ok()) return fail("cannot load time zones", zones.status());
  StorageOptions storage_options;
  storage_options.migrate = config.migrate;
  storage_options.pool_size = config.db_pool_size;
  storage_options.statement_timeout = Millis(config.db_statement_timeout_seconds);
  if (!config.migrate && location->kind == DatabaseLocation::Kind::kSqlite) {
    // One process owns a SQLite file, so there is no rolling upgrade to guard against.
    log.Warn("--no-migrate has no effect on SQLite: the file is migrated at open",
             {{"db", location->path}});
  }
  auto storage = OpenStorage(*location, storage_options);
  if (!storage.ok()) {
    if (!config.migrate && storage.status().code() == core::ErrorCode::kFailedPrecondition) {
      log.Error("cannot open the database",
                {{"error", storage.status().message()},
                 {"hint",
                  "--no-migrate is set: run `backbeat migrate --db URL` with this "
                  "binary first, or start without --no-migrate"}});
      return 1;
    }
    return fail("cannot open the database", storage.status());
  }

  const std::string secret_file =
      config.secret_file.empty() ? location->directory + "/backbeat.secret" : config.secret_file;
  service::RandomIdSource ids;
  auto secret = ReadOrCreateSecretFile(secret_file, ids.NewToken(32) + "\n");
  if (!secret.ok()) return fail("cannot read the server secret", secret.status());

  SystemClock node_clock;
  // Every decision about time (due slots, leases, TTLs, key expiry) follows the database's clock
  // when it has one (PostgreSQL shared by several nodes); with SQLite it is the node's.
  scheduler::DatabaseClock clock(node_clock, **storage, std::chrono::seconds(10));
  if (clock.tracking()) {
    log.Info("clock", {{"database_offset_seconds", clock.OffsetSeconds()}});
  }
  auto executor = MakeConfiguredExecutor(config);
  if (!executor.ok()) return fail("bad executor settings", executor.status());

  // The scheduler hears about task writes and run commands through these two; they reach the
  // engine once it exists (and never when this node runs no scheduler).
  std::atomic<scheduler::Engine*> engine_ptr{nullptr};
  SignalingStorage signaling(**storage, [&engine_ptr](const core::Task& task) {
    if (scheduler::Engine* e = engine_ptr.load()) {
      e->WakeFor(task.enabled ? task.next_slot : std::nullopt);
    }
  });
  EngineEvents engine_events;
  metrics::Registry registry;
  MetricsObserver observer(registry);
  HttpMetrics http_metrics(registry);
  registry.AddCallbackGauge("backbeat_clock_skew_seconds",
                            "The database server's clock minus this node's, as last measured "
                            "(0 when the database has no clock of its own).",
                            [&clock] { return clock.OffsetSeconds(); });

  service::AuthService auth((*storage)->accounts(), clock, ids, *secret);
  const std::string key_file =
      config.admin_key_file.empty() ? location->directory + "/admin.key" : config.admin_key_file;
  if (core::Status s = BootstrapIfEmpty(**storage, auth, ids, clock, key_file, log); !s.ok()) {
    return fail("cannot create the first admin key", s);
  }

  service::TaskService tasks(signaling, **zones, clock, ids,
                             {.allow_seconds = config.allow_seconds});
  service::RunService runs(**storage);
  service::RunCommandOptions run_options;
  run_options.run_ttl_seconds = RunTtl(config);
  service::RunCommands run_commands(**storage, **zones, clock, ids, engine_events, run_options);
  http::ApiRouter router({auth, tasks, runs, run_commands, **storage, **zones},
                         {.allow_seconds = config.allow_seconds,
                          .rate_per_second = config.rate_limit,
                          .rate_burst = config.rate_burst,
                          .openapi_json = std::string(http::OpenApiDocument()),
                          .metrics_text = [&registry] { return registry.Render(); }});

  http::ServerOptions options;
  options.listen = config.listen;
  options.io_threads = config.io_threads;
  options.worker_threads = config.workers;
  options.max_body_bytes = config.max_body_bytes;
  options.max_connections = config.max_connections;
  options.header_timeout = Millis(config.header_timeout_seconds);
  options.idle_timeout = Millis(config.idle_timeout_seconds);
  options.default_headers = {{"Access-Control-Allow-Origin", "*"}};
  http::Server server(options, router, [&log, &http_metrics](const http::AccessRecord& r) {
    http_metrics.Record(r);
    if (!r.error.empty()) {
      log.Warn("request failed", {{"request_id", r.request_id},
                                  {"method", r.method},
                                  {"path", r.path},
                                  {"status", r.status},
                                  {"error", r.error}});
    }
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
  std::unique_ptr<scheduler::Engine> engine;
  if (config.scheduler) {
    std::string node_id = config.node_id.empty() ? DefaultNodeId(ids) : config.node_id;
    engine = std::make_unique<scheduler::Engine>(**storage, **executor, **zones, ids, clock,
                                                 observer, EngineOptionsFrom(config, node_id));
    registry.AddCallbackGauge("backbeat_executor_queue_depth",
                              "Runs claimed by this node and waiting for a worker.",
                              [e = engine.get()] { return double(e->stats().queued_in_process); });
    registry.AddCallbackGauge("backbeat_executor_busy_workers",
                              "Executor workers running an attempt now.",
                              [e = engine.get()] { return double(e->stats().busy_workers); });
    registry.AddCallbackGauge("backbeat_executor_workers", "Executor workers of this node.",
                              [e = engine.get()] { return double(e->stats().workers); });
    engine->Start();
    engine_ptr.store(engine.get());
    engine_events.Attach(engine.get());
    log.Info("scheduler started", {{"node_id", node_id},
                                   {"executor", std::string((*executor)->name())},
                                   {"workers", static_cast<int>(config.executor_workers)}});
  }
  log.Info("listening", {{"listen", config.listen},
                         {"port", static_cast<int>(server.port())},
                         {"db", location->path}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info("shutting down", {{"signal", signal_number}});
  router.SetDraining();
  server.Shutdown(Millis(config.shutdown_timeout_seconds));
  server.Wait();
  if (engine) {
    engine_ptr.store(nullptr);
    engine_events.Attach(nullptr);
    engine->Stop(Millis(config.shutdown_timeout_seconds));
    engine.reset();
  }
  storage->reset();  // closes the database after the last write is committed
  log.Info("stopped");
  return 0;
}

}  // namespace backbeat::app
