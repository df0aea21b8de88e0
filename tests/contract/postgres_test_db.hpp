#pragma once

// A fresh, empty PostgreSQL schema per test, in the server named by BACKBEAT_TEST_POSTGRES
// (tests/pg/with-postgres.sh starts one and sets it). Without the variable the PostgreSQL
// tests skip.

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/postgres/connection.hpp"
#include "backbeat/storage/postgres/postgres_storage.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::testing {

// The server's conninfo, or nullopt when PostgreSQL tests are not configured.
inline std::optional<std::string> PostgresTestUrl() {
  const char* url = getenv("BACKBEAT_TEST_POSTGRES");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

inline constexpr const char* kPostgresSkipMessage =
    "BACKBEAT_TEST_POSTGRES is not set (run under tests/pg/with-postgres.sh)";

// A schema of its own, created on construction and dropped with everything in it on
// destruction. conninfo() connects with that schema first on the search_path, and with the
// schema's name as application_name so that tests can find (and kill) their own sessions.
class PostgresTestSchema {
 public:
  static core::Result<std::unique_ptr<PostgresTestSchema>> Create(const std::string& base) {
    static std::atomic<int> counter{0};
    std::random_device random;
    const std::string name = "bbtest_" + std::to_string(getpid()) + "_" +
                             std::to_string(counter++) + "_" + std::to_string(random() % 1000000);
    auto admin = postgres::Connection::Open(base, std::chrono::milliseconds(30000));
    if (!admin.ok()) return admin.status();
    if (core::Status s = (*admin)->ExecScript("CREATE SCHEMA " + name); !s.ok()) return s;
    return std::unique_ptr<PostgresTestSchema>(
        new PostgresTestSchema(std::move(admin).value(), base, name));
  }
  ~PostgresTestSchema() { (void)admin_->ExecScript("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }
  PostgresTestSchema(const PostgresTestSchema&) = delete;
  PostgresTestSchema& operator=(const PostgresTestSchema&) = delete;

  const std::string& name() const { return name_; }
  const std::string& conninfo() const { return conninfo_; }
  // A session outside the pool under test, with no search_path of its own.
  postgres::Connection& admin() { return *admin_; }

 private:
  PostgresTestSchema(std::unique_ptr<postgres::Connection> admin, const std::string& base,
                     std::string name)
      : admin_(std::move(admin)), name_(std::move(name)) {
    if (base.starts_with("postgres://") || base.starts_with("postgresql://")) {
      conninfo_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
                  "options=-csearch_path%3D" + name_ + "&application_name=" + name_;
    } else {
      conninfo_ = base + " options='-csearch_path=" + name_ + "' application_name=" + name_;
    }
  }

  std::unique_ptr<postgres::Connection> admin_;
  std::string name_;
  std::string conninfo_;
};

// A PostgresStorage over a schema of its own, dropped after the storage closes.
class ScopedPostgresStorage final : public Storage {
 public:
  static core::Result<std::unique_ptr<ScopedPostgresStorage>> Open(
      const std::string& base, postgres::PostgresOptions options = {}) {
    auto schema = PostgresTestSchema::Create(base);
    if (!schema.ok()) return schema.status();
    options.conninfo = (*schema)->conninfo();
    auto storage = postgres::PostgresStorage::Open(options);
    if (!storage.ok()) return storage.status();
    return std::unique_ptr<ScopedPostgresStorage>(
        new ScopedPostgresStorage(std::move(schema).value(), std::move(storage).value()));
  }
  ~ScopedPostgresStorage() override { storage_.reset(); }

  TaskStore& tasks() override { return storage_->tasks(); }
  RunStore& runs() override { return storage_->runs(); }
  AccountStore& accounts() override { return storage_->accounts(); }
  ScheduleStore& schedule() override { return storage_->schedule(); }
  core::Status Ping() override { return storage_->Ping(); }
  core::Result<std::optional<core::Millis>> DatabaseTime() override {
    return storage_->DatabaseTime();
  }

  PostgresTestSchema& schema() { return *schema_; }

 private:
  ScopedPostgresStorage(std::unique_ptr<PostgresTestSchema> schema,
                        std::unique_ptr<postgres::PostgresStorage> storage)
      : schema_(std::move(schema)), storage_(std::move(storage)) {}

  // The schema outlives the storage: declared first, destroyed last.
  std::unique_ptr<PostgresTestSchema> schema_;
  std::unique_ptr<postgres::PostgresStorage> storage_;
};

}  // namespace backbeat::storage::testing
