#pragma once

// Helpers for end-to-end tests of `backbeat serve` on PostgreSQL. Each test gets a schema of its
// own in the server named by BACKBEAT_TEST_POSTGRES (tests/pg/with-postgres.sh starts one), so
// tests running in parallel never see each other's rows; without the variable they skip.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backbeat/storage/postgres/connection.hpp"
#include "tests/contract/postgres_test_db.hpp"
#include "tests/e2e/server_fixture.hpp"

namespace backbeat::testing {

using storage::postgres::Connection;
using storage::postgres::Params;
using storage::postgres::Rows;
using storage::testing::PostgresTestSchema;

// Skips the test (from SetUp or the body) when no PostgreSQL server is configured.
#define BACKBEAT_REQUIRE_POSTGRES()                           \
  do {                                                        \
    if (!storage::testing::PostgresTestUrl()) {               \
      GTEST_SKIP() << storage::testing::kPostgresSkipMessage; \
    }                                                         \
  } while (false)

// A fresh schema for one test, or a fatal failure when the server cannot be reached.
inline std::unique_ptr<PostgresTestSchema> NewTestSchema() {
  auto schema = PostgresTestSchema::Create(*storage::testing::PostgresTestUrl());
  EXPECT_TRUE(schema.ok()) << schema.status().message();
  if (!schema.ok()) return nullptr;
  return std::move(schema).value();
}

// A session on the test's schema (its tables resolve unqualified), outside any server's pool.
inline std::unique_ptr<Connection> ConnectTo(const PostgresTestSchema& schema) {
  auto c = Connection::Open(schema.conninfo(), std::chrono::milliseconds(30000));
  EXPECT_TRUE(c.ok()) << c.status().message();
  if (!c.ok()) return nullptr;
  return std::move(c).value();
}

// One integer from `sql`, or nullopt (with a test failure) when the statement fails.
inline std::optional<int64_t> QueryInt(Connection& c, const std::string& sql,
                                       const Params& params = {}) {
  core::Result<Rows> rows = c.Exec(sql, params);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().message();
  if (!rows.ok() || rows->empty() || rows->IsNull(0, 0)) return std::nullopt;
  return rows->Int(0, 0);
}

}  // namespace backbeat::testing
