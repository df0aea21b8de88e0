// Cost of the response encoder on the API's hot reads: EncodeTasks for one task with 5 recent
// runs and 5 upcoming slots (the body of GET /api/tasks?id= and of POST /api/tasks), and
// EncodeRuns in detail form (GET /api/tasks/runs?runId=).

#include <benchmark/benchmark.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/http/dto/response_encoder.hpp"

namespace backbeat {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// 2026-03-26T09:00:00Z, a Thursday: the slot of the newest run below.
constexpr core::Instant kSlot{seconds(1'774'515'600)};
constexpr const char* kTaskId = "0b7e2f4a-93c1-4d2e-8f00-1234567890ab";

core::Millis Ms(core::Instant t) { return std::chrono::time_point_cast<milliseconds>(t); }

core::Task TypicalTask() {
  core::Task t;
  t.id = kTaskId;
  t.account_id = "848cd58d-700f-4b38-ab4c-d9f52a1b2c3d";
  t.artist_account_id = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d";
  t.title = "Weekly genre pulse";
  t.prompt =
      "Summarise this week's listening trends for the artist's genre, name three rising "
      "artists with one sentence on each, and suggest one post for \"fans\" to share.\n"
      "Keep it under 200 words.";
  t.schedule = "0 9 * * 4";
  t.timezone = "America/New_York";
  t.created_at = Ms(kSlot - hours(24 * 30)) + milliseconds(123);
  t.updated_at = Ms(kSlot - hours(24 * 7)) + milliseconds(456);
  return t;
}

// A completed scheduled run, `weeks_ago` slots back; detail fields filled in as stored.
core::Run TypicalRun(int weeks_ago) {
  core::Instant slot = kSlot - hours(24 * 7 * weeks_ago);
  core::Run run;
  run.id = "run_abcdefghijklmnopqrstu" + std::to_string(weeks_ago % 10);
  run.task_id = kTaskId;
  run.account_id = "848cd58d-700f-4b38-ab4c-d9f52a1b2c3d";
  run.artist_account_id = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d";
  run.status = core::RunStatus::kCompleted;
  run.slot = slot;
  run.created_at = Ms(slot) + milliseconds(12);
  run.updated_at = Ms(slot) + milliseconds(5'321);
  run.started_at = Ms(slot) + milliseconds(40);
  run.finished_at = Ms(slot) + milliseconds(5'320);
  run.cost_in_cents = 0;
  run.base_cost_in_cents = 0;
  run.duration_ms = 5'280;
  run.payload_json =
      R"({"timestamp":"2026-03-26T09:00:00.000Z","lastTimestamp":"2026-03-19T09:00:00.000Z",)"
      R"("timezone":"America/New_York","scheduleId":"sched_0b7e2f4a93c14d2e8f001234",)"
      R"("type":"DECLARATIVE","upcoming":["2026-04-02T13:00:00.000Z"]})";
  run.output_json =
      R"({"text":"This week's pulse: three rising artists, one post idea.","tokens":412})";
  run.schedule_expression = "0 9 * * 4";
  run.timezone = "America/New_York";
  core::RunAttempt attempt;
  attempt.id = "attempt_0123456789abcdefghij";
  attempt.status = "COMPLETED";
  attempt.created_at = run.started_at.value();
  attempt.updated_at = run.finished_at.value();
  attempt.started_at = run.started_at;
  attempt.completed_at = run.finished_at;
  run.attempts.push_back(attempt);
  return run;
}

void BM_EncodeTaskById(benchmark::State& state) {
  core::Task task = TypicalTask();
  std::vector<http::dto::TaskView> views;
  views.push_back(http::dto::TaskView{task, {}, {}, "owner@example.com"});
  for (int i = 0; i < 5; ++i) views[0].recent_runs.push_back(TypicalRun(i));
  for (int i = 1; i <= 5; ++i) views[0].upcoming.push_back(kSlot + hours(24 * 7 * i));
  for (auto _ : state) {
    std::string body = http::dto::EncodeTasks(views);
    benchmark::DoNotOptimize(body);
  }
}

void BM_EncodeRunDetail(benchmark::State& state) {
  std::vector<core::Run> runs{TypicalRun(0)};
  for (auto _ : state) {
    std::string body = http::dto::EncodeRuns(runs, http::dto::RunForm::kDetail);
    benchmark::DoNotOptimize(body);
  }
}

BENCHMARK(BM_EncodeTaskById);
BENCHMARK(BM_EncodeRunDetail);

}  // namespace
}  // namespace backbeat
