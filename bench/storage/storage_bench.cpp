// Durable Create throughput of the SQLite backend with 1, 8 and 64 concurrent writers: group
// commit (many writes per transaction and fsync) against one transaction per write
// (max_batch = 1). Every Create returns only after its commit is synced (synchronous=FULL), so
// the numbers depend on the disk's fsync latency; run on the disk the service will use.
//
//   storage_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/sqlite_storage.hpp"

namespace backbeat::storage::sqlite {
namespace {

// One database per benchmark run, shared by its threads; made in Setup, removed in Teardown.
std::filesystem::path g_dir;
std::unique_ptr<SqliteStorage> g_storage;
std::atomic<int64_t> g_next_id{0};

void Setup(const benchmark::State& state) {
  std::string pattern = (std::filesystem::temp_directory_path() / "backbeat-bench-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return;
  g_dir = pattern;
  SqliteOptions options;
  options.max_batch = state.range(0) != 0 ? 1024 : 1;
  auto opened = SqliteStorage::Open((g_dir / "bench.db").string(), options);
  if (opened.ok()) g_storage = std::move(opened).value();
}

void Teardown(const benchmark::State& state) {
  if (g_storage) {
    WriteStats stats = g_storage->write_stats();
    if (stats.transactions > 0) {
      std::fprintf(stderr, "  [group_commit=%lld threads=%d] %.1f writes per transaction\n",
                   static_cast<long long>(state.range(0)), state.threads(),
                   static_cast<double>(stats.units) / static_cast<double>(stats.transactions));
    }
  }
  g_storage.reset();
  std::error_code ignored;
  std::filesystem::remove_all(g_dir, ignored);
}

core::Task MakeTask(int64_t n) {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llx", static_cast<long long>(n));
  core::Task t;
  t.id = id;
  t.account_id = "11111111-1111-4111-8111-111111111111";
  t.artist_account_id = "22222222-2222-4222-8222-222222222222";
  t.title = "Daily summary";
  t.prompt = std::string(400, 'p');  // a typical prompt size
  t.schedule = "0 9 * * *";
  t.created_at = core::Millis{std::chrono::milliseconds{1774600000000 + n}};
  t.updated_at = t.created_at;
  t.next_slot = core::Instant{std::chrono::seconds{1774602000}};
  return t;
}

void BM_SqliteDurableCreate(benchmark::State& state) {
  if (!g_storage) {
    state.SkipWithError("could not open the database");
    return;
  }
  for (auto _ : state) {
    core::Status s = g_storage->tasks().Create(MakeTask(g_next_id.fetch_add(1)));
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_SqliteDurableCreate)
    ->ArgName("group_commit")
    ->Arg(1)
    ->Arg(0)
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->UseRealTime()
    ->Setup(Setup)
    ->Teardown(Teardown);

}  // namespace
}  // namespace backbeat::storage::sqlite
