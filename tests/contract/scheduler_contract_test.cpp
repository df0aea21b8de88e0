// The scheduler's storage contract (ScheduleStore and the execution side of RunStore), run
// against every backend: firing is atomic and never makes two runs for a slot, claims respect
// availability, TTL, per-account limits and exclusive runs, guarded writes lose no race.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/contract/backends.hpp"

namespace backbeat::storage {
namespace {

using core::ErrorCode;
using core::RunStatus;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Ms;
using testing::Sec;
using testing::Uuid;

constexpr int64_t kSlot = 1774602000;  // 2026-03-27T09:00:00Z

class SchedulerContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    storage_ = GetParam().make(dir_);
    ASSERT_NE(storage_, nullptr);
  }

  core::Task Task(int n, int64_t next_slot, bool enabled = true) {
    core::Task t;
    t.id = Uuid(n);
    t.account_id = Uuid(n % 2, 0xacc);
    t.artist_account_id = Uuid(1, 0xa);
    t.title = "t" + std::to_string(n);
    t.prompt = "p";
    t.schedule = "* * * * *";
    t.enabled = enabled;
    t.created_at = Ms(n);
    t.updated_at = Ms(n);
    if (enabled) t.next_slot = Sec(next_slot);
    return t;
  }
  void AddTask(const core::Task& t) { ASSERT_TRUE(storage_->tasks().Create(t).ok()); }

  // A waiting run of `task_id` created at `created_ms`.
  static core::Run Waiting(const std::string& id, const std::string& task_id,
                           const std::string& account, int64_t created_ms) {
    core::Run r;
    r.id = id;
    r.task_id = task_id;
    r.account_id = account;
    r.artist_account_id = Uuid(1, 0xa);
    r.status = RunStatus::kQueued;
    r.created_at = Ms(created_ms);
    r.updated_at = Ms(created_ms);
    return r;
  }
  void Insert(const core::Run& r) { ASSERT_TRUE(storage_->runs().Insert(r).ok()) << r.id; }
  // `count` waiting runs of `account`, run_a10000 created at 0 ms onwards (each its own task),
  // inserted from several threads so that group commit batches them.
  void InsertBacklog(const std::string& account, int count) {
    constexpr int kThreads = 8;
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < count; i += kThreads) {
          core::Run r = Waiting("run_a" + std::to_string(10000 + i), Uuid(100 + i), account, i);
          if (!storage_->runs().Insert(r).ok()) ++failed;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(failed.load(), 0);
  }

  static std::function<core::Run(core::Run)> StartAs(const std::string& owner, int64_t now) {
    return [owner, now](core::Run r) {
      r.status = RunStatus::kExecuting;
      r.started_at = Ms(now);
      r.lease_owner = owner;
      r.lease_expires_at = Ms(now + 30000);
      core::RunAttempt a;
      a.id = "attempt_" + r.id;
      a.status = "EXECUTING";
      a.created_at = a.updated_at = Ms(now);
      a.started_at = Ms(now);
      r.attempts.push_back(a);
      return r;
    };
  }
  std::vector<std::string> Claim(const std::string& owner, int64_t now, size_t limit,
                                 int per_account = 0) {
    auto claimed =
        storage_->runs().Claim({owner, Ms(now), limit, per_account}, StartAs(owner, now));
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    std::vector<std::string> ids;
    if (claimed.ok()) {
      for (const core::Run& r : *claimed) ids.push_back(r.id);
    }
    return ids;
  }
  RunStatus StatusOf(const std::string& id) { return storage_->runs().Get(id).value().status; }

  // A decision firing the task's due slot and advancing by 60 s.
  static FireDecision FireOne(const DueTask& due, const std::string& run_id) {
    FireDecision d;
    core::Run r = Waiting(run_id, due.task.id, due.task.account_id, 5000);
    r.slot = due.task.next_slot;
    d.runs.push_back(r);
    d.next_slot = *due.task.next_slot + std::chrono::seconds(60);
    return d;
  }

  testing::TempDir dir_;
  std::unique_ptr<Storage> storage_;
};

TEST_P(SchedulerContractTest, EarliestSlotIgnoresDisabledTasks) {
  EXPECT_EQ(storage_->schedule().EarliestSlot().value(), std::nullopt);
  AddTask(Task(1, kSlot + 120));
  AddTask(Task(2, kSlot + 60));
  AddTask(Task(3, 0, /*enabled=*/false));
  EXPECT_EQ(storage_->schedule().EarliestSlot().value(), Sec(kSlot + 60));
}

TEST_P(SchedulerContractTest, FireDueDecidesDueTasksEarliestFirstAndWritesEverything) {
  AddTask(Task(1, kSlot + 30));
  AddTask(Task(2, kSlot));
  AddTask(Task(3, kSlot + 3600));  // not due
  AddTask(Task(4, 0, false));      // disabled
  std::vector<std::string> order;
  auto summary = storage_->schedule().FireDue(Sec(kSlot + 59), 10, [&](const DueTask& due) {
    order.push_back(due.task.id);
    FireDecision d = FireOne(due, "run_" + due.task.id);
    d.skips.push_back({due.task.id, due.task.account_id, Sec(kSlot - 120), Sec(kSlot - 60), 2,
                       "outside_catchup_window", Ms(7000)});
    return d;
  });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_THAT(order, ElementsAre(Uuid(2), Uuid(1)));
  EXPECT_EQ(summary->tasks, 2u);
  EXPECT_EQ(summary->runs, 2u);
  EXPECT_EQ(summary->skipped_slots, 4);
  EXPECT_FALSE(summary->more);
  EXPECT_EQ(storage_->tasks().Get(Uuid(2)).value().next_slot, Sec(kSlot + 60));
  EXPECT_EQ(storage_->tasks().Get(Uuid(1)).value().next_slot, Sec(kSlot + 90));
  EXPECT_EQ(storage_->runs().Get("run_" + Uuid(2)).value().slot, Sec(kSlot));
  auto skips = storage_->schedule().ListSkips(Uuid(1), 10);
  ASSERT_TRUE(skips.ok());
  ASSERT_EQ(skips->size(), 1u);
  EXPECT_EQ(skips->front().count, 2);
  EXPECT_EQ(skips->front().reason, "outside_catchup_window");
  EXPECT_EQ(skips->front().first, Sec(kSlot - 120));
}

TEST_P(SchedulerContractTest, FireDueHonoursTheLimitAndSaysThereIsMore) {
  for (int i = 1; i <= 5; ++i) AddTask(Task(i, kSlot + i));
  int decided = 0;
  auto decide = [&](const DueTask& due) {
    ++decided;
    return FireOne(due, "run_" + std::to_string(decided));
  };
  auto first = storage_->schedule().FireDue(Sec(kSlot + 10), 3, decide);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->tasks, 3u);
  EXPECT_TRUE(first->more);
  auto second = storage_->schedule().FireDue(Sec(kSlot + 10), 3, decide);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tasks, 2u);
  EXPECT_FALSE(second->more);
}

TEST_P(SchedulerContractTest, ASlotThatAlreadyHasARunIsADuplicateNotASecondRun) {
  AddTask(Task(1, kSlot));
  core::Run existing = Waiting("run_existing", Uuid(1), Uuid(1, 0xacc), 1);
  existing.slot = Sec(kSlot);
  Insert(existing);
  auto summary = storage_->schedule().FireDue(
      Sec(kSlot), 10, [&](const DueTask& due) { return FireOne(due, "run_second"); });
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->runs, 0u);
  EXPECT_EQ(summary->duplicate_runs, 1u);
  EXPECT_EQ(storage_->runs().Get("run_second").status().code(), ErrorCode::kNotFound);
  // The slot was still decided: the task moved on.
  EXPECT_EQ(storage_->tasks().Get(Uuid(1)).value().next_slot, Sec(kSlot + 60));
}

TEST_P(SchedulerContractTest, DueTaskCountsItsActiveRunsOnly) {
  AddTask(Task(1, kSlot));
  Insert(Waiting("run_a", Uuid(1), Uuid(1, 0xacc), 1));
  core::Run done = Waiting("run_b", Uuid(1), Uuid(1, 0xacc), 2);
  done.status = RunStatus::kCompleted;
  Insert(done);
  core::Run executing = Waiting("run_c", Uuid(1), Uuid(1, 0xacc), 3);
  executing.status = RunStatus::kExecuting;
  Insert(executing);
  Insert(Waiting("run_other", Uuid(9), Uuid(1, 0xacc), 4));
  int seen = -1;
  ASSERT_TRUE(storage_->schedule()
                  .FireDue(Sec(kSlot), 10,
                           [&](const DueTask& due) {
                             seen = due.active_runs;
                             return FireDecision{{}, {}, std::nullopt};
                           })
                  .ok());
  EXPECT_EQ(seen, 2);
  // nullopt: the schedule never fires again; the task is no longer due.
  EXPECT_EQ(storage_->schedule().EarliestSlot().value(), std::nullopt);
}

TEST_P(SchedulerContractTest, UpdateKeepsTheSchedulersNextSlotUnlessTheScheduleChanges) {
  core::Task t = Task(1, kSlot);
  AddTask(t);
  ASSERT_TRUE(storage_->schedule()
                  .FireDue(Sec(kSlot), 10, [&](const DueTask& d) { return FireOne(d, "run_1"); })
                  .ok());
  // A PATCH computed from the read before the fire must not move the slot back.
  core::Task stale = t;
  stale.title = "renamed";
  ASSERT_TRUE(storage_->tasks().Update(stale).ok());
  EXPECT_EQ(storage_->tasks().Get(t.id).value().next_slot, Sec(kSlot + 60));
  EXPECT_EQ(storage_->tasks().Get(t.id).value().title, "renamed");
  // A new schedule brings its own next slot.
  core::Task rescheduled = stale;
  rescheduled.schedule = "0 * * * *";
  rescheduled.next_slot = Sec(kSlot + 3600);
  ASSERT_TRUE(storage_->tasks().Update(rescheduled).ok());
  EXPECT_EQ(storage_->tasks().Get(t.id).value().next_slot, Sec(kSlot + 3600));
  // Disabling clears it.
  core::Task disabled = rescheduled;
  disabled.enabled = false;
  disabled.next_slot.reset();
  ASSERT_TRUE(storage_->tasks().Update(disabled).ok());
  EXPECT_EQ(storage_->tasks().Get(t.id).value().next_slot, std::nullopt);
}

TEST_P(SchedulerContractTest, ClaimTakesAvailableRunsOldestFirstAndWritesTheirStart) {
  Insert(Waiting("run_1", Uuid(1), Uuid(1, 0xacc), 1000));
  Insert(Waiting("run_0", Uuid(2), Uuid(1, 0xacc), 500));
  core::Run later = Waiting("run_later", Uuid(3), Uuid(1, 0xacc), 100);
  later.status = RunStatus::kReattempting;
  later.delayed_until = Ms(9000);  // not yet
  Insert(later);
  core::Run done = Waiting("run_done", Uuid(4), Uuid(1, 0xacc), 10);
  done.status = RunStatus::kCompleted;
  Insert(done);

  EXPECT_THAT(Claim("node-a", 2000, 10), ElementsAre("run_0", "run_1"));
  core::Run stored = storage_->runs().Get("run_0").value();
  EXPECT_EQ(stored.status, RunStatus::kExecuting);
  EXPECT_EQ(stored.lease_owner, "node-a");
  EXPECT_EQ(stored.lease_expires_at, Ms(32000));
  ASSERT_EQ(stored.attempts.size(), 1u);
  EXPECT_EQ(stored.attempts[0].id, "attempt_run_0");
  EXPECT_THAT(Claim("node-a", 2000, 10), IsEmpty());
  EXPECT_THAT(Claim("node-a", 9000, 10), ElementsAre("run_later"));
}

TEST_P(SchedulerContractTest, ClaimHonoursTheLimitTtlAccountLimitAndExclusiveRuns) {
  const std::string a = Uuid(1, 0xacc), b = Uuid(2, 0xacc);
  for (int i = 0; i < 3; ++i) Insert(Waiting("run_a" + std::to_string(i), Uuid(10 + i), a, i));
  Insert(Waiting("run_b0", Uuid(20), b, 10));
  core::Run expired = Waiting("run_expired", Uuid(30), b, 0);
  expired.ttl_seconds = 1;  // created at 0, expires at 1000
  Insert(expired);
  // The queue of task 40: the younger exclusive run waits behind the older one.
  Insert(Waiting("run_q0", Uuid(40), b, 20));
  core::Run q1 = Waiting("run_q1", Uuid(40), b, 21);
  q1.exclusive = true;
  Insert(q1);

  // One run per account at most: a0 for a, b0 for b.
  EXPECT_THAT(Claim("n", 5000, 10, /*per_account=*/1), ElementsAre("run_a0", "run_b0"));
  EXPECT_THAT(Claim("n", 5000, 1, /*per_account=*/0), ElementsAre("run_a1"));
  EXPECT_THAT(Claim("n", 5000, 10, 0), ElementsAre("run_a2", "run_q0"));
  EXPECT_EQ(StatusOf("run_expired"), RunStatus::kQueued);  // left for the sweep
  EXPECT_EQ(StatusOf("run_q1"), RunStatus::kQueued);       // q0 is still active
  // q0 finishes: q1 may go.
  core::Run q0 = storage_->runs().Get("run_q0").value();
  q0.status = RunStatus::kCompleted;
  q0.finished_at = Ms(6000);
  ASSERT_TRUE(storage_->runs().ReplaceIf({{q0, RunStatus::kExecuting, "n"}}).value()[0].ok());
  EXPECT_THAT(Claim("n", 6000, 10, 0), ElementsAre("run_q1"));
}

TEST_P(SchedulerContractTest, ABacklogOfOneAccountDoesNotHideAnotherAccountsRuns) {
  const std::string a = Uuid(1, 0xacc), b = Uuid(2, 0xacc);
  // More of the first account's runs than a claim reads candidates (32 pages of 256), all older
  // than the second account's one.
  InsertBacklog(a, 9000);
  Insert(Waiting("run_b", Uuid(9), b, 5000));
  EXPECT_THAT(Claim("n", 9000, 10, /*per_account=*/2),
              ElementsAre("run_a10000", "run_a10001", "run_b"));
  // Both accounts are at their limit now: nothing more until one finishes.
  EXPECT_THAT(Claim("n", 9000, 10, 2), IsEmpty());
}

TEST_P(SchedulerContractTest, BehindABacklogAccountsWithRoomAreClaimedInOrder) {
  const std::string a = Uuid(1, 0xacc), b = Uuid(2, 0xacc), c = Uuid(3, 0xacc), d = Uuid(4, 0xacc);
  // A backlog of account a, older than everything else and longer than a claim reads in order
  // before it goes account by account.
  InsertBacklog(a, 3000);
  core::Run expired = Waiting("run_b_expired", Uuid(20), b, 3500);
  expired.ttl_seconds = 1;  // expires at 4500
  Insert(expired);
  Insert(Waiting("run_b1", Uuid(21), b, 3600));
  Insert(Waiting("run_b2", Uuid(22), b, 3800));
  core::Run later = Waiting("run_b_later", Uuid(23), b, 3900);
  later.delayed_until = Ms(20000);
  later.status = RunStatus::kDelayed;
  Insert(later);
  Insert(Waiting("run_c0", Uuid(30), c, 3700));
  Insert(Waiting("run_c1", Uuid(31), c, 3850));
  Insert(Waiting("run_c2", Uuid(32), c, 3950));
  Insert(Waiting("run_d0", Uuid(40), d, 3750));
  core::Run behind = Waiting("run_d_behind", Uuid(40), d, 3760);  // same task, exclusive
  behind.exclusive = true;
  Insert(behind);

  // Two per account, in (available, created, id) order across accounts: c2 waits for room, the
  // expired run for the sweep, the delayed one for its time, d's exclusive run for d0.
  EXPECT_THAT(
      Claim("n", 9000, 20, /*per_account=*/2),
      ElementsAre("run_a10000", "run_a10001", "run_b1", "run_c0", "run_d0", "run_b2", "run_c1"));
  EXPECT_EQ(StatusOf("run_b_expired"), RunStatus::kQueued);
  EXPECT_EQ(StatusOf("run_b_later"), RunStatus::kDelayed);
  EXPECT_EQ(StatusOf("run_c2"), RunStatus::kQueued);
  EXPECT_EQ(StatusOf("run_d_behind"), RunStatus::kQueued);
  // Every account with waiting runs is at its limit or has nothing it may start.
  EXPECT_THAT(Claim("n", 9000, 20, 2), IsEmpty());
  // Without the account limit, claim order is the backlog's.
  EXPECT_THAT(Claim("n", 9000, 2, 0), ElementsAre("run_a10002", "run_a10003"));
}

TEST_P(SchedulerContractTest, ConcurrentClaimersNeverShareARun) {
  constexpr int kRuns = 200;
  for (int i = 0; i < kRuns; ++i) {
    Insert(Waiting("run_" + std::to_string(1000 + i), Uuid(i), Uuid(i % 5, 0xacc), i));
  }
  constexpr int kNodes = 4;
  std::vector<std::vector<std::string>> got(kNodes);
  std::vector<std::thread> threads;
  for (int n = 0; n < kNodes; ++n) {
    threads.emplace_back([&, n] {
      for (;;) {
        auto ids = Claim("node-" + std::to_string(n), 100000, 7);
        if (ids.empty()) return;
        got[n].insert(got[n].end(), ids.begin(), ids.end());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (int n = 0; n < kNodes; ++n) {
    total += got[n].size();
    all.insert(got[n].begin(), got[n].end());
    for (const std::string& id : got[n]) {
      EXPECT_EQ(storage_->runs().Get(id).value().lease_owner, "node-" + std::to_string(n));
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kRuns));
  EXPECT_EQ(all.size(), static_cast<size_t>(kRuns));
}

TEST_P(SchedulerContractTest, RenewExtendsOwnLeasesAndReportsLostOnes) {
  Insert(Waiting("run_1", Uuid(1), Uuid(1, 0xacc), 1));
  Insert(Waiting("run_2", Uuid(2), Uuid(1, 0xacc), 2));
  ASSERT_EQ(Claim("node-a", 1000, 10).size(), 2u);
  // run_2 is canceled meanwhile.
  core::Run r2 = storage_->runs().Get("run_2").value();
  r2.status = RunStatus::kCanceled;
  ASSERT_TRUE(storage_->runs().ReplaceIf({{r2, RunStatus::kExecuting, "node-a"}}).value()[0].ok());
  auto lost = storage_->runs().Renew("node-a", {"run_1", "run_2", "run_missing"}, Ms(99000));
  ASSERT_TRUE(lost.ok());
  EXPECT_THAT(*lost, ElementsAre("run_2", "run_missing"));
  EXPECT_EQ(storage_->runs().Get("run_1").value().lease_expires_at, Ms(99000));
  EXPECT_THAT(storage_->runs().Renew("node-b", {"run_1"}, Ms(1)).value(), ElementsAre("run_1"));
  EXPECT_EQ(storage_->runs().Get("run_1").value().lease_expires_at, Ms(99000));
}

TEST_P(SchedulerContractTest, ReplaceIfWritesOnlyWhenTheGuardHolds) {
  Insert(Waiting("run_1", Uuid(1), Uuid(1, 0xacc), 1));
  ASSERT_EQ(Claim("node-a", 1000, 1).size(), 1u);
  core::Run done = storage_->runs().Get("run_1").value();
  done.status = RunStatus::kCompleted;
  done.output_json = R"({"text":"ok"})";
  done.attempts[0].status = "COMPLETED";
  done.lease_owner.reset();
  auto written = storage_->runs().ReplaceIf({
      {done, RunStatus::kExecuting, "node-b"},   // wrong owner
      {done, RunStatus::kQueued, std::nullopt},  // wrong status
      {Waiting("run_nope", Uuid(1), Uuid(1, 0xacc), 1), RunStatus::kQueued, std::nullopt},
      {done, RunStatus::kExecuting, "node-a"},
  });
  ASSERT_TRUE(written.ok());
  EXPECT_EQ((*written)[0].code(), ErrorCode::kAborted);
  EXPECT_EQ((*written)[1].code(), ErrorCode::kAborted);
  EXPECT_EQ((*written)[2].code(), ErrorCode::kNotFound);
  EXPECT_TRUE((*written)[3].ok());
  EXPECT_EQ(storage_->runs().Get("run_1").value(), done);
}

TEST_P(SchedulerContractTest, ListStaleFindsEndedLeasesAndExpiredWaits) {
  Insert(Waiting("run_leased", Uuid(1), Uuid(1, 0xacc), 1));
  ASSERT_EQ(Claim("node-a", 1000, 1).size(), 1u);  // lease until 31000
  core::Run ttl = Waiting("run_ttl", Uuid(2), Uuid(1, 0xacc), 2000);
  ttl.ttl_seconds = 10;  // until 12000
  ttl.delayed_until = Ms(999999);
  Insert(ttl);
  EXPECT_THAT(storage_->runs().ListStale(Ms(11000), 10).value(), IsEmpty());
  auto at_20s = storage_->runs().ListStale(Ms(20000), 10).value();
  ASSERT_EQ(at_20s.size(), 1u);
  EXPECT_EQ(at_20s[0].id, "run_ttl");
  auto at_40s = storage_->runs().ListStale(Ms(40000), 10).value();
  ASSERT_EQ(at_40s.size(), 2u);
  EXPECT_EQ(at_40s[0].id, "run_leased");
  EXPECT_EQ(at_40s[1].id, "run_ttl");
}

TEST_P(SchedulerContractTest, InsertManualIsIdempotentWithinTheWindowAndHonoursSkip) {
  core::Run first = Waiting("run_1", Uuid(1), Uuid(1, 0xacc), 10000);
  first.idempotency_key = "k";
  auto a = storage_->runs().InsertManual({first, Ms(0), false});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->created);
  core::Run again = Waiting("run_2", Uuid(1), Uuid(1, 0xacc), 20000);
  again.idempotency_key = "k";
  auto b = storage_->runs().InsertManual({again, Ms(5000), true});
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->created);
  EXPECT_EQ(b->run.id, "run_1");
  // Outside the window the key is free again, but the task has an active run.
  auto c = storage_->runs().InsertManual({again, Ms(15000), true});
  EXPECT_EQ(c.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(c.status().message(), "Task already has an active run");
  auto d = storage_->runs().InsertManual({again, Ms(15000), false});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->created);
  EXPECT_EQ(storage_->runs().Get("run_2").value().idempotency_key, "k");
}

TEST_P(SchedulerContractTest, PruneDeletesOnlyOldFinishedRunsAndOldSkips) {
  core::Run old = Waiting("run_old", Uuid(1), Uuid(1, 0xacc), 1);
  old.status = RunStatus::kCompleted;
  old.finished_at = Ms(100);
  old.slot = Sec(kSlot);
  Insert(old);
  core::Run recent = old;
  recent.id = "run_recent";
  recent.slot = Sec(kSlot + 60);
  recent.finished_at = Ms(5000);
  Insert(recent);
  core::Run waiting = Waiting("run_waiting", Uuid(1), Uuid(1, 0xacc), 1);
  Insert(waiting);
  EXPECT_EQ(storage_->runs().Prune(Ms(1000), 10).value(), 1u);
  EXPECT_EQ(storage_->runs().Get("run_old").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(storage_->runs().Get("run_recent").ok());
  EXPECT_TRUE(storage_->runs().Get("run_waiting").ok());

  AddTask(Task(1, kSlot));
  ASSERT_TRUE(storage_->schedule()
                  .FireDue(Sec(kSlot), 10,
                           [&](const DueTask& due) {
                             FireDecision d;
                             d.next_slot = Sec(kSlot + 60);
                             d.skips.push_back({due.task.id, due.task.account_id, Sec(kSlot),
                                                Sec(kSlot), 1, "overlap", Ms(500)});
                             return d;
                           })
                  .ok());
  EXPECT_EQ(storage_->schedule().PruneSkips(Ms(400), 10).value(), 0u);
  EXPECT_EQ(storage_->schedule().PruneSkips(Ms(600), 10).value(), 1u);
  EXPECT_THAT(storage_->schedule().ListSkips(Uuid(1), 10).value(), IsEmpty());
}

TEST_P(SchedulerContractTest, CountByStatusCountsEveryStatusPresent) {
  Insert(Waiting("run_1", Uuid(1), Uuid(1, 0xacc), 1));
  Insert(Waiting("run_2", Uuid(2), Uuid(1, 0xacc), 2));
  core::Run failed = Waiting("run_3", Uuid(3), Uuid(1, 0xacc), 3);
  failed.status = RunStatus::kFailed;
  Insert(failed);
  auto counts = storage_->runs().CountByStatus();
  ASSERT_TRUE(counts.ok());
  EXPECT_THAT(*counts, ElementsAre(std::pair{RunStatus::kQueued, int64_t{2}},
                                   std::pair{RunStatus::kFailed, int64_t{1}}));
}

INSTANTIATE_TEST_SUITE_P(Backends, SchedulerContractTest, ::testing::ValuesIn(kBackends),
                         BackendName);

}  // namespace
}  // namespace backbeat::storage
