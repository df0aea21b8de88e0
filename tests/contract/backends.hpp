#pragma once

// The backends every contract suite runs against. A new backend joins by adding a factory here;
// every contract test must then pass unchanged.

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "backbeat/storage/memory/memory_storage.hpp"
#include "backbeat/storage/sqlite/sqlite_storage.hpp"
#include "backbeat/storage/storage.hpp"
#include "tests/contract/postgres_test_db.hpp"
#include "tests/contract/storage_test_util.hpp"

namespace backbeat::storage {

struct Backend {
  std::string name;
  // Makes a fresh, empty storage; may keep its files under `dir`. Null on failure.
  std::function<std::unique_ptr<Storage>(const testing::TempDir& dir)> make;
};

// Names the backend in failure messages instead of dumping the struct's bytes.
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

// Marks the running test skipped (GTEST_SKIP needs a function returning void).
inline void SkipWithoutPostgres() { GTEST_SKIP() << testing::kPostgresSkipMessage; }

inline const std::array kBackends = {
    Backend{"Memory",
            [](const testing::TempDir&) { return std::make_unique<memory::MemoryStorage>(); }},
    Backend{"Sqlite",
            [](const testing::TempDir& dir) -> std::unique_ptr<Storage> {
              auto opened = sqlite::SqliteStorage::Open(dir.File("backbeat.db"));
              if (!opened.ok()) {
                ADD_FAILURE() << opened.status().ToString();
                return nullptr;
              }
              return std::move(opened).value();
            }},
    // A fresh schema per test in the server named by BACKBEAT_TEST_POSTGRES. Without it the
    // test is marked skipped and gets a memory store instead of null, so that fixture set-ups
    // that write through the store still succeed and gtest then skips the body.
    Backend{"Postgres",
            [](const testing::TempDir&) -> std::unique_ptr<Storage> {
              std::optional<std::string> url = testing::PostgresTestUrl();
              if (!url) {
                SkipWithoutPostgres();
                return std::make_unique<memory::MemoryStorage>();
              }
              auto opened = testing::ScopedPostgresStorage::Open(*url);
              if (!opened.ok()) {
                ADD_FAILURE() << opened.status().ToString();
                return nullptr;
              }
              return std::move(opened).value();
            }},
};

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

}  // namespace backbeat::storage
