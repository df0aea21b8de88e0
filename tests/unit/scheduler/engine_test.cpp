// The scheduler engine driven step by step with a fake clock, over every storage backend:
// firing, overlap, catch-up, DST, retries, timeouts, TTL, lease recovery, manual runs, cancel.

#include "backbeat/scheduler/engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/executors/dry_run_executor.hpp"
#include "backbeat/service/run_commands.hpp"
#include "backbeat/tzdb/zone_database.hpp"
#include "tests/contract/backends.hpp"

namespace backbeat::scheduler {
namespace {

using core::RunStatus;
using executors::ExecutionResult;
using std::chrono::milliseconds;
using std::chrono::seconds;
using storage::testing::Ms;
using storage::testing::Uuid;
using ::testing::ElementsAre;
using ::testing::SizeIs;

class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(core::Millis start) : ms_(start.time_since_epoch().count()) {}
  core::Millis Now() const override { return core::Millis(milliseconds(ms_.load())); }
  void Set(core::Millis t) { ms_.store(t.time_since_epoch().count()); }
  void Advance(milliseconds d) { ms_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> ms_;
};

// Answers attempts from a script (then succeeds); records what it was asked to run.
class ScriptedExecutor final : public executors::Executor {
 public:
  std::string_view name() const override { return "scripted"; }
  ExecutionResult Execute(const executors::ExecutionRequest& request) override {
    std::lock_guard lock(mu_);
    calls.push_back({request.run.id, request.attempt});
    if (auto it = by_task.find(request.run.task_id); it != by_task.end() && !it->second.empty()) {
      ExecutionResult r = it->second.front();
      it->second.pop_front();
      return r;
    }
    if (script.empty()) return executors::Succeeded(R"({"text":"ok"})", 0.5);
    ExecutionResult r = script.front();
    script.pop_front();
    return r;
  }
  std::mutex mu_;
  std::deque<ExecutionResult> script;
  std::map<std::string, std::deque<ExecutionResult>> by_task;  // first, for that task's runs
  std::vector<std::pair<std::string, int>> calls;
};

class NoEvents final : public service::RunEvents {
 public:
  void RunQueued() override { ++queued; }
  void RunCanceled(std::string_view) override { ++canceled; }
  int queued = 0, canceled = 0;
};

core::Millis At(const char* iso) { return core::Millis(core::ParseIso8601(iso).value()); }

class EngineTest : public ::testing::TestWithParam<storage::Backend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    storage_ = GetParam().make(dir_);
    ASSERT_NE(storage_, nullptr);
    auto zones = tzdb::ZoneDatabase::Load();
    ASSERT_TRUE(zones.ok());
    zones_ = std::move(zones).value();
    ASSERT_TRUE(
        storage_->accounts().CreateAccount({kAccount, "Label", {"ops@label.example"}, Ms(0)}).ok());
  }

  std::unique_ptr<Engine> MakeEngine(const std::string& node = "node-a",
                                     executors::Executor* executor = nullptr) {
    EngineOptions o;
    o.node_id = node;
    o.lease = seconds(30);
    o.retry = RetryPolicy{milliseconds(1000), 2.0, milliseconds(60000), 0.0};
    return std::make_unique<Engine>(*storage_, executor ? *executor : executor_, *zones_, ids_,
                                    clock_, observer_, o);
  }

  // Stores an enabled task whose next slot is the first fire after the clock's now.
  core::Task AddTask(const std::string& schedule, const std::string& zone = "UTC",
                     core::Overlap overlap = core::Overlap::kSkip,
                     core::Catchup catchup = core::Catchup::kLatest, int max_attempts = 3) {
    core::Task t;
    t.id = Uuid(++tasks_made_);
    t.account_id = kAccount;
    t.artist_account_id = Uuid(1, 0xa);
    t.title = "Weekly genre pulse";
    t.prompt = "Analyse this artist's genre trends.";
    t.schedule = schedule;
    t.timezone = zone;
    t.overlap = overlap;
    t.catchup = catchup;
    t.max_attempts = max_attempts;
    t.created_at = t.updated_at = clock_.Now();
    auto cron = core::cron::CronExpression::Parse(schedule, {.allow_seconds = true});
    EXPECT_TRUE(cron.ok());
    t.next_slot = cron->Next(clock_.NowSeconds(), *zones_->Find(zone).value());
    EXPECT_TRUE(storage_->tasks().Create(t).ok());
    return t;
  }

  std::vector<core::Run> RunsOf(const std::string& task_id) {
    storage::RunQuery q;
    q.task_id = task_id;
    q.limit = 1000;
    auto runs = storage_->runs().List(q);
    EXPECT_TRUE(runs.ok());
    std::vector<core::Run> out = runs.ok() ? *runs : std::vector<core::Run>{};
    std::reverse(out.begin(), out.end());  // oldest first
    return out;
  }
  int64_t Skipped(const std::string& task_id, const std::string& reason) {
    auto skips = storage_->schedule().ListSkips(task_id, 1000);
    EXPECT_TRUE(skips.ok());
    if (!skips.ok()) return -1;
    int64_t n = 0;
    for (const storage::SlotSkip& s : *skips) {
      if (s.reason == reason) n += s.count;
    }
    return n;
  }

  const std::string kAccount = Uuid(1, 0xacc);
  storage::testing::TempDir dir_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<tzdb::ZoneDatabase> zones_;
  service::RandomIdSource ids_;
  FakeClock clock_{At("2026-03-27T08:59:30Z")};
  ScriptedExecutor executor_;
  EngineObserver observer_;
  int tasks_made_ = 0;
};

TEST_P(EngineTest, FiresEachSlotOnceAtItsInstantAndTheRunCompletes) {
  auto engine = MakeEngine();
  core::Task t = AddTask("0 9 * * *");
  EXPECT_EQ(engine->FireOnce().value().runs, 0u);  // 08:59:30: not yet
  clock_.Set(At("2026-03-27T09:00:00Z"));
  EXPECT_EQ(engine->FireOnce().value().runs, 1u);
  EXPECT_EQ(engine->FireOnce().value().runs, 0u);  // the slot is spent
  EXPECT_EQ(storage_->tasks().Get(t.id).value().next_slot,
            core::ParseIso8601("2026-03-28T09:00:00Z").value());

  auto runs = RunsOf(t.id);
  ASSERT_THAT(runs, SizeIs(1));
  EXPECT_EQ(runs[0].status, RunStatus::kQueued);
  EXPECT_EQ(runs[0].slot, core::ParseIso8601("2026-03-27T09:00:00Z").value());
  EXPECT_THAT(runs[0].payload_json,
              ::testing::HasSubstr(R"("timestamp":"2026-03-27T09:00:00.000Z")"));
  EXPECT_THAT(runs[0].payload_json,
              ::testing::HasSubstr(R"("lastTimestamp":"2026-03-26T09:00:00.000Z")"));

  clock_.Advance(milliseconds(250));
  EXPECT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  core::Run done = storage_->runs().Get(runs[0].id).value();
  EXPECT_EQ(done.status, RunStatus::kCompleted);
  EXPECT_EQ(done.output_json, R"({"text":"ok"})");
  EXPECT_EQ(done.cost_in_cents, 0.5);
  ASSERT_THAT(done.attempts, SizeIs(1));
  EXPECT_EQ(done.attempts[0].status, "COMPLETED");
  EXPECT_EQ(done.started_at, At("2026-03-27T09:00:00Z") + milliseconds(250));
  EXPECT_FALSE(done.lease_owner.has_value());
}

TEST_P(EngineTest, OverlapSkipRecordsTheSlotAndOverlapQueueWaitsItsTurn) {
  auto engine = MakeEngine();
  core::Task skip = AddTask("* * * * *", "UTC", core::Overlap::kSkip);
  core::Task queue = AddTask("* * * * *", "UTC", core::Overlap::kQueue);
  clock_.Set(At("2026-03-27T09:00:00Z"));
  ASSERT_TRUE(engine->FireOnce().ok());
  // Claim both first runs but do not finish them: take them EXECUTING under another node.
  ASSERT_EQ(storage_->runs()
                .Claim({"other", clock_.Now(), 10, 0},
                       [&](core::Run r) {
                         return StartAttempt(std::move(r), clock_.Now(), "other", seconds(300),
                                             "attempt_x" + r.id);
                       })
                .value()
                .size(),
            2u);
  clock_.Set(At("2026-03-27T09:01:00Z"));
  ASSERT_TRUE(engine->FireOnce().ok());
  EXPECT_THAT(RunsOf(skip.id), SizeIs(1));
  EXPECT_EQ(Skipped(skip.id, "overlap"), 1);
  auto queued = RunsOf(queue.id);
  ASSERT_THAT(queued, SizeIs(2));
  EXPECT_TRUE(queued[1].exclusive);
  // The queued run may not start while the first one executes.
  EXPECT_EQ(engine->ClaimAndRunOnce(10).value(), 0u);
  core::Run first = storage_->runs().Get(queued[0].id).value();
  ExecutionResult ok = executors::Succeeded("{}");
  ASSERT_TRUE(storage_->runs()
                  .ReplaceIf({{FinishAttempt(first, ok, clock_.Now(), milliseconds(0)),
                               RunStatus::kExecuting, "other"}})
                  .ok());
  EXPECT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  EXPECT_EQ(storage_->runs().Get(queued[1].id).value().status, RunStatus::kCompleted);
}

TEST_P(EngineTest, CatchUpAfterDowntimeFollowsEachPolicyAndAccountsForEverySlot) {
  auto engine = MakeEngine();
  core::Task latest = AddTask("* * * * *", "UTC", core::Overlap::kAllow, core::Catchup::kLatest);
  core::Task all = AddTask("* * * * *", "UTC", core::Overlap::kAllow, core::Catchup::kAll);
  core::Task none = AddTask("* * * * *", "UTC", core::Overlap::kAllow, core::Catchup::kNone);
  // Down from 08:59:30 to 09:10:20: slots 09:00 ... 09:10 (11) are due, 09:10 on time.
  clock_.Set(At("2026-03-27T09:10:20Z"));
  ASSERT_TRUE(engine->FireOnce().ok());
  EXPECT_THAT(RunsOf(latest.id), SizeIs(1));
  EXPECT_EQ(RunsOf(latest.id)[0].slot, core::ParseIso8601("2026-03-27T09:10:00Z").value());
  EXPECT_EQ(Skipped(latest.id, "caught_up_latest"), 10);
  EXPECT_THAT(RunsOf(all.id), SizeIs(11));
  EXPECT_THAT(RunsOf(none.id), SizeIs(1));
  EXPECT_EQ(Skipped(none.id, "catchup_none"), 10);
  for (const core::Task& t : {latest, all, none}) {
    EXPECT_EQ(storage_->tasks().Get(t.id).value().next_slot,
              core::ParseIso8601("2026-03-27T09:11:00Z").value());
  }
}

TEST_P(EngineTest, ClockJumpingBackDoesNotFireASlotAgain) {
  auto engine = MakeEngine();
  core::Task t = AddTask("* * * * *", "UTC", core::Overlap::kAllow);
  clock_.Set(At("2026-03-27T09:00:00Z"));
  ASSERT_EQ(engine->FireOnce().value().runs, 1u);
  clock_.Set(At("2026-03-27T08:30:00Z"));  // NTP step back half an hour
  EXPECT_EQ(engine->FireOnce().value().runs, 0u);
  clock_.Set(At("2026-03-27T09:01:00Z"));
  EXPECT_EQ(engine->FireOnce().value().runs, 1u);
  EXPECT_THAT(RunsOf(t.id), SizeIs(2));
}

TEST_P(EngineTest, FixedTimeScheduleFiresOnceAcrossBothDstChanges) {
  clock_.Set(At("2025-03-08T00:00:00Z"));
  auto engine = MakeEngine();
  core::Task spring = AddTask("30 2 * * *", "America/New_York", core::Overlap::kAllow);
  std::vector<std::string> fired;
  for (int i = 0; i < 3; ++i) {
    clock_.Set(core::Millis(storage_->tasks().Get(spring.id).value().next_slot.value()));
    ASSERT_EQ(engine->FireOnce().value().runs, 1u);
  }
  for (const core::Run& r : RunsOf(spring.id)) fired.push_back(core::FormatIso8601(*r.slot));
  // 02:30 EST; the skipped 02:30 fires at 03:00 EDT; 02:30 EDT.
  EXPECT_THAT(fired,
              ElementsAre("2025-03-08T07:30:00Z", "2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"));

  clock_.Set(At("2025-11-01T12:00:00Z"));
  core::Task fall = AddTask("30 1 * * *", "America/New_York", core::Overlap::kAllow);
  for (int i = 0; i < 3; ++i) {
    clock_.Set(core::Millis(storage_->tasks().Get(fall.id).value().next_slot.value()));
    ASSERT_EQ(engine->FireOnce().value().runs, 1u);
  }
  fired.clear();
  for (const core::Run& r : RunsOf(fall.id)) fired.push_back(core::FormatIso8601(*r.slot));
  // 01:30 EDT; the repeated 01:30 fires once, in its first pass (EDT); 01:30 EST.
  EXPECT_THAT(fired,
              ElementsAre("2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z", "2025-11-04T06:30:00Z"));
}

TEST_P(EngineTest, RetryableFailuresAreRetriedWithBackoffUntilSuccess) {
  auto engine = MakeEngine();
  core::Task t = AddTask("0 9 * * *");
  executor_.script = {executors::Failed("UpstreamError", "502 from upstream", true),
                      executors::Failed("RateLimitError", "429", true)};
  clock_.Set(At("2026-03-27T09:00:00Z"));
  ASSERT_TRUE(engine->FireOnce().ok());
  ASSERT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  core::Run r = RunsOf(t.id)[0];
  EXPECT_EQ(r.status, RunStatus::kReattempting);
  EXPECT_EQ(r.delayed_until, At("2026-03-27T09:00:01Z"));  // base 1 s, no jitter here
  EXPECT_EQ(r.error->name, "UpstreamError");
  EXPECT_EQ(engine->ClaimAndRunOnce(10).value(), 0u);  // not before its delay
  clock_.Set(At("2026-03-27T09:00:01Z"));
  ASSERT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  r = storage_->runs().Get(r.id).value();
  EXPECT_EQ(r.status, RunStatus::kReattempting);
  EXPECT_EQ(r.delayed_until, At("2026-03-27T09:00:03Z"));  // doubled
  clock_.Set(At("2026-03-27T09:00:03Z"));
  ASSERT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  r = storage_->runs().Get(r.id).value();
  EXPECT_EQ(r.status, RunStatus::kCompleted);
  ASSERT_THAT(r.attempts, SizeIs(3));
  EXPECT_EQ(r.attempts[0].status, "FAILED");
  EXPECT_EQ(r.attempts[0].error->name, "UpstreamError");
  EXPECT_EQ(r.attempts[2].status, "COMPLETED");
  EXPECT_FALSE(r.error.has_value());
}

TEST_P(EngineTest, FailuresEndFailedWhenNotRetryableOrOutOfAttemptsAndTimeoutsAreFinal) {
  auto engine = MakeEngine();
  core::Task fatal = AddTask("0 9 * * *");
  core::Task flaky = AddTask("0 9 * * *", "UTC", core::Overlap::kSkip, core::Catchup::kLatest, 2);
  core::Task slow = AddTask("0 9 * * *");
  clock_.Set(At("2026-03-27T09:00:00Z"));
  ASSERT_TRUE(engine->FireOnce().ok());
  executor_.by_task[fatal.id] = {executors::Failed("UpstreamError", "400 bad request", false)};
  executor_.by_task[flaky.id] = {executors::Failed("UpstreamError", "503", true),
                                 executors::Failed("UpstreamError", "503 again", true)};
  executor_.by_task[slow.id] = {executors::TimedOut(seconds(3600))};
  ASSERT_EQ(engine->ClaimAndRunOnce(10).value(), 3u);
  EXPECT_EQ(RunsOf(fatal.id)[0].status, RunStatus::kFailed);
  EXPECT_EQ(RunsOf(slow.id)[0].status, RunStatus::kFailed);
  EXPECT_EQ(RunsOf(slow.id)[0].error->name, "TimeoutError");
  EXPECT_EQ(RunsOf(flaky.id)[0].status, RunStatus::kReattempting);
  clock_.Set(At("2026-03-27T09:00:05Z"));
  ASSERT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  core::Run r = RunsOf(flaky.id)[0];
  EXPECT_EQ(r.status, RunStatus::kFailed);  // 2 of 2 attempts used
  EXPECT_EQ(r.error->message, "503 again");
  EXPECT_THAT(r.attempts, SizeIs(2));
}

TEST_P(EngineTest, ARunThatWaitsPastItsTtlIsCanceledWithExpiredAt) {
  auto engine = MakeEngine();
  core::Task t = AddTask("0 9 * * *");
  clock_.Set(At("2026-03-27T09:00:00Z"));
  ASSERT_TRUE(engine->FireOnce().ok());
  clock_.Set(At("2026-03-27T09:59:59Z"));
  EXPECT_EQ(engine->SweepOnce().value(), 0u);
  clock_.Set(At("2026-03-27T10:00:01Z"));  // TTL 3600 s passed, never started
  EXPECT_EQ(engine->ClaimAndRunOnce(10).value(), 0u);
  EXPECT_EQ(engine->SweepOnce().value(), 1u);
  core::Run r = RunsOf(t.id)[0];
  EXPECT_EQ(r.status, RunStatus::kCanceled);
  EXPECT_EQ(r.expired_at, At("2026-03-27T10:00:01Z"));
  EXPECT_TRUE(executor_.calls.empty());
}

TEST_P(EngineTest, ARunWhoseNodeDiedIsRetriedThenCrashedWhenAttemptsRunOut) {
  auto engine = MakeEngine("node-b");
  core::Task retried = AddTask("0 9 * * *");
  core::Task last = AddTask("0 9 * * *", "UTC", core::Overlap::kSkip, core::Catchup::kLatest, 1);
  clock_.Set(At("2026-03-27T09:00:00Z"));
  ASSERT_TRUE(engine->FireOnce().ok());
  // node-a claims both and dies (no renewals).
  ASSERT_EQ(storage_->runs()
                .Claim({"node-a", clock_.Now(), 10, 0},
                       [&](core::Run r) {
                         return StartAttempt(std::move(r), clock_.Now(), "node-a", seconds(30),
                                             "attempt_a" + r.id);
                       })
                .value()
                .size(),
            2u);
  clock_.Set(At("2026-03-27T09:00:29Z"));
  EXPECT_EQ(engine->SweepOnce().value(), 0u);  // lease still valid
  clock_.Set(At("2026-03-27T09:00:31Z"));
  EXPECT_EQ(engine->SweepOnce().value(), 2u);
  core::Run r1 = RunsOf(retried.id)[0];
  core::Run r2 = RunsOf(last.id)[0];
  EXPECT_EQ(r1.status, RunStatus::kReattempting);
  EXPECT_EQ(r1.attempts[0].status, "FAILED");
  EXPECT_EQ(r2.status, RunStatus::kCrashed);
  EXPECT_EQ(r2.error->name, "CrashedError");
  clock_.Set(At("2026-03-27T09:00:40Z"));
  ASSERT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  r1 = storage_->runs().Get(r1.id).value();
  EXPECT_EQ(r1.status, RunStatus::kCompleted);
  EXPECT_EQ(r1.attempts.size(), 2u);
  EXPECT_EQ(r1.attempts[1].status, "COMPLETED");
}

TEST_P(EngineTest, ManualTriggerIsIdempotentHonoursSkipAndCanBeCanceledAndReplayed) {
  NoEvents events;
  service::RunCommands commands(*storage_, *zones_, clock_, ids_, events);
  core::Task t = AddTask("0 9 * * *");
  core::Principal owner{kAccount, false, {kAccount}};
  core::Principal stranger{Uuid(9, 0xacc), false, {Uuid(9, 0xacc)}};

  auto first = commands.Trigger(owner, t.id, std::string("deploy-42"), std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, RunStatus::kQueued);
  EXPECT_FALSE(first->slot.has_value());
  auto again = commands.Trigger(owner, t.id, std::string("deploy-42"), std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(events.queued, 1);
  // overlap "skip": another run while the first is active is refused.
  auto other = commands.Trigger(owner, t.id, std::string("deploy-43"), std::nullopt);
  EXPECT_EQ(other.status().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(other.status().message(), "Task already has an active run");
  EXPECT_EQ(commands.Trigger(stranger, t.id, std::nullopt, std::nullopt).status().message(),
            "Access denied to this task");
  EXPECT_EQ(commands.Cancel(stranger, first->id).status().message(), "Task run not found");

  auto canceled = commands.Cancel(owner, first->id);
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(canceled->status, RunStatus::kCanceled);
  EXPECT_EQ(storage_->runs().Get(first->id).value().status, RunStatus::kCanceled);
  EXPECT_EQ(commands.Cancel(owner, first->id).status().message(), "Run is already finished");

  auto replay = commands.Replay(owner, first->id);
  ASSERT_TRUE(replay.ok());
  EXPECT_NE(replay->id, first->id);
  EXPECT_EQ(replay->payload_json, first->payload_json);
  auto engine = MakeEngine();
  EXPECT_EQ(engine->ClaimAndRunOnce(10).value(), 1u);
  EXPECT_EQ(storage_->runs().Get(replay->id).value().status, RunStatus::kCompleted);
}

TEST_P(EngineTest, CancelingAnExecutingRunStopsItsAttemptAndKeepsTheCancel) {
  // A real engine with threads and a slow executor: the cancel reaches the attempt through
  // the lease renewal, and the attempt's own outcome does not overwrite CANCELED.
  class Slow final : public executors::Executor {
   public:
    std::string_view name() const override { return "slow"; }
    ExecutionResult Execute(const executors::ExecutionRequest& r) override {
      started.store(true);
      for (int i = 0; i < 500 && !r.cancel->load(); ++i) {
        std::this_thread::sleep_for(milliseconds(10));
      }
      return r.cancel->load() ? executors::Canceled() : executors::Succeeded("{}");
    }
    std::atomic<bool> started{false};
  } slow;
  NoEvents events;
  service::RunCommands commands(*storage_, *zones_, clock_, ids_, events);
  core::Task t = AddTask("0 9 * * *");
  EngineOptions o;
  o.node_id = "node-t";
  o.heartbeat = milliseconds(50);
  o.poll = milliseconds(20);
  Engine engine(*storage_, slow, *zones_, ids_, clock_, observer_, o);
  engine.Start();
  core::Principal owner{kAccount, false, {kAccount}};
  auto run = commands.Trigger(owner, t.id, std::nullopt, std::nullopt);
  ASSERT_TRUE(run.ok());
  engine.Wake();
  for (int i = 0; i < 300 && !slow.started.load(); ++i)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_TRUE(slow.started.load());
  ASSERT_TRUE(commands.Cancel(owner, run->id).ok());
  engine.Stop(seconds(5));
  core::Run stored = storage_->runs().Get(run->id).value();
  EXPECT_EQ(stored.status, RunStatus::kCanceled);
  ASSERT_THAT(stored.attempts, SizeIs(1));
  EXPECT_EQ(stored.attempts[0].status, "CANCELED");
}

TEST_P(EngineTest, StartedEngineFiresOnTimeAndCompletesRunsWithTheDryRunExecutor) {
  // Real threads on the fake clock's time: the timer wakes for a slot one second ahead.
  clock_.Set(core::Millis(std::chrono::floor<seconds>(std::chrono::system_clock::now())));
  executors::DryRunExecutor dry;
  EngineOptions o;
  o.node_id = "node-r";
  o.poll = milliseconds(50);
  o.firing.allow_seconds = true;
  Engine engine(*storage_, dry, *zones_, ids_, clock_, observer_, o);
  core::Task t = AddTask("* * * * * *");  // every second
  engine.Start();
  // The fake clock follows real time so the timer's sleep matches.
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    clock_.Set(core::Millis(std::chrono::floor<milliseconds>(std::chrono::system_clock::now())));
  }
  engine.Stop(seconds(5));
  auto runs = RunsOf(t.id);
  EXPECT_GE(runs.size(), 2u);
  for (const core::Run& r : runs) {
    EXPECT_EQ(r.status, RunStatus::kCompleted) << r.id;
    EXPECT_THAT(r.output_json.value_or(""), ::testing::HasSubstr("dry-run"));
  }
}

TEST_P(EngineTest, ATaskWrittenWhileTheTimerSleepsIsFiredWhenItsSlotIsEarlier) {
  clock_.Set(core::Millis(std::chrono::floor<seconds>(std::chrono::system_clock::now())));
  executors::DryRunExecutor dry;
  EngineOptions o;
  o.node_id = "node-w";
  o.firing.allow_seconds = true;
  o.max_sleep = milliseconds(60000);  // without a wake the timer would not look for a minute
  Engine engine(*storage_, dry, *zones_, ids_, clock_, observer_, o);
  engine.Start();
  std::this_thread::sleep_for(milliseconds(200));  // the timer is asleep: nothing is stored
  core::Task t = AddTask("* * * * * *");
  engine.WakeFor(t.next_slot);
  for (int i = 0; i < 30 && RunsOf(t.id).empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    clock_.Set(core::Millis(std::chrono::floor<milliseconds>(std::chrono::system_clock::now())));
  }
  engine.Stop(seconds(5));
  EXPECT_FALSE(RunsOf(t.id).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::ValuesIn(storage::kBackends),
                         storage::BackendName);

}  // namespace
}  // namespace backbeat::scheduler
