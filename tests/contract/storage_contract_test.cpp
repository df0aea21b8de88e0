// The storage contract: one suite, run against every backend. A new backend joins by adding a
// factory to kBackends; every test here must then pass unchanged.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backbeat/storage/memory/memory_storage.hpp"
#include "backbeat/storage/sqlite/sqlite_storage.hpp"
#include "backbeat/storage/storage.hpp"
#include "tests/contract/backends.hpp"
#include "tests/contract/storage_test_util.hpp"

namespace backbeat::storage {
namespace {

using core::ErrorCode;
using ::testing::ElementsAre;
using testing::FullRun;
using testing::FullTask;
using ::testing::IsEmpty;
using testing::Ms;
using testing::Sec;
using testing::TempDir;
using ::testing::UnorderedElementsAre;
using testing::Uuid;

class StorageContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    storage_ = GetParam().make(dir_);
    ASSERT_NE(storage_, nullptr);
  }
  void TearDown() override { storage_.reset(); }

  static TaskQuery WithLimit(size_t limit) {
    TaskQuery q;
    q.limit = limit;
    return q;
  }

  TaskStore& tasks() { return storage_->tasks(); }
  RunStore& runs() { return storage_->runs(); }
  AccountStore& accounts() { return storage_->accounts(); }

  // Ids of a task list, in order.
  static std::vector<std::string> Ids(const core::Result<std::vector<core::Task>>& list) {
    std::vector<std::string> out;
    if (list.ok()) {
      for (const auto& t : *list) out.push_back(t.id);
    }
    return out;
  }
  static std::vector<std::string> RunIds(const core::Result<std::vector<core::Run>>& list) {
    std::vector<std::string> out;
    if (list.ok()) {
      for (const auto& r : *list) out.push_back(r.id);
    }
    return out;
  }

  core::Account MakeAccount(int n, std::vector<std::string> emails = {}) {
    return core::Account{Uuid(n, 0xacc), "Account " + std::to_string(n), std::move(emails),
                         Ms(1000 + n)};
  }
  // Creates account n and returns its id.
  std::string AddAccount(int n) {
    core::Account a = MakeAccount(n);
    EXPECT_TRUE(accounts().CreateAccount(a).ok());
    return a.id;
  }
  std::string AddOrg(int n, bool admin = false) {
    core::Organization o{Uuid(n, 0x0e9), "Org " + std::to_string(n), admin, Ms(2000 + n)};
    EXPECT_TRUE(accounts().CreateOrganization(o).ok());
    return o.id;
  }

  TempDir dir_;
  std::unique_ptr<Storage> storage_;
};

// ---------------------------------------------------------------------------------------------
// Tasks

TEST_P(StorageContractTest, PingAnswersOk) { EXPECT_TRUE(storage_->Ping().ok()); }

TEST_P(StorageContractTest, CreatedTaskReadsBackWithEveryField) {
  core::Task task = FullTask(Uuid(1), Uuid(1, 1), 1700000000000);
  ASSERT_TRUE(tasks().Create(task).ok());
  auto got = tasks().Get(task.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, task);
}

TEST_P(StorageContractTest, TaskDefaultsAndAbsentOptionalsRoundTrip) {
  core::Task task;
  task.id = Uuid(2);
  task.account_id = Uuid(1, 1);
  task.artist_account_id = Uuid(1, 2);
  task.enabled = false;  // disabled: no next slot
  task.model = std::nullopt;
  task.next_slot = std::nullopt;
  ASSERT_TRUE(tasks().Create(task).ok());
  auto got = tasks().Get(task.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, task);
  EXPECT_FALSE(got->model.has_value());
  EXPECT_FALSE(got->next_slot.has_value());
}

TEST_P(StorageContractTest, UnicodeTextAndLargePromptRoundTrip) {
  core::Task task = FullTask(Uuid(3), Uuid(1, 1), 5);
  task.title = "Résumé 週報 🎵 — \"quoted\" 'single' \\ back\\slash\n\ttab";
  constexpr size_t kPromptBytes = size_t{100} * 1024;
  task.prompt.reserve(kPromptBytes);
  while (task.prompt.size() < kPromptBytes) task.prompt += "ünïcödé ♫ prompt line\n";
  task.model = "";  // empty but present differs from absent
  ASSERT_TRUE(tasks().Create(task).ok());
  auto got = tasks().Get(task.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->title, task.title);
  EXPECT_EQ(got->prompt.size(), task.prompt.size());
  EXPECT_EQ(*got, task);
}

TEST_P(StorageContractTest, ExtremeNumbersRoundTrip) {
  core::Task task = FullTask(Uuid(4), Uuid(1, 1), -86400000);  // before the epoch
  task.catchup_window_seconds = core::kMaxCatchupWindowSeconds;
  task.updated_at = Ms(253402300799999);  // 9999-12-31T23:59:59.999Z
  task.next_slot = Sec(0);
  ASSERT_TRUE(tasks().Create(task).ok());
  auto got = tasks().Get(task.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, task);
}

TEST_P(StorageContractTest, CreateWithTakenIdIsAlreadyExistsAndKeepsTheFirst) {
  core::Task first = FullTask(Uuid(1), Uuid(1, 1), 10);
  ASSERT_TRUE(tasks().Create(first).ok());
  core::Task second = first;
  second.title = "other";
  EXPECT_EQ(tasks().Create(second).code(), ErrorCode::kAlreadyExists);
  auto got = tasks().Get(first.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->title, first.title);
  EXPECT_EQ(tasks().Count().value(), 1u);
}

TEST_P(StorageContractTest, GetUnknownTaskIsNotFound) {
  EXPECT_EQ(tasks().Get(Uuid(99)).status().code(), ErrorCode::kNotFound);
}

TEST_P(StorageContractTest, UpdateReplacesEveryField) {
  core::Task task = FullTask(Uuid(1), Uuid(1, 1), 10);
  ASSERT_TRUE(tasks().Create(task).ok());
  core::Task changed;
  changed.id = task.id;
  changed.account_id = Uuid(2, 1);
  changed.artist_account_id = Uuid(2, 2);
  changed.title = "new title";
  changed.prompt = "new prompt";
  changed.schedule = "*/5 * * * *";
  changed.timezone = "UTC";
  changed.model = std::nullopt;
  changed.enabled = false;
  changed.overlap = core::Overlap::kAllow;
  changed.catchup = core::Catchup::kNone;
  changed.catchup_window_seconds = 0;
  changed.max_attempts = 1;
  changed.timeout_seconds = 1;
  changed.created_at = Ms(11);
  changed.updated_at = Ms(99);
  changed.next_slot = std::nullopt;
  ASSERT_TRUE(tasks().Update(changed).ok());
  auto got = tasks().Get(task.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, changed);
}

TEST_P(StorageContractTest, UpdateUnknownTaskIsNotFoundAndCreatesNothing) {
  core::Task task = FullTask(Uuid(5), Uuid(1, 1), 10);
  EXPECT_EQ(tasks().Update(task).code(), ErrorCode::kNotFound);
  EXPECT_EQ(tasks().Get(task.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(tasks().Count().value(), 0u);
}

TEST_P(StorageContractTest, DeleteRemovesTheTaskOnly) {
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(1), Uuid(1, 1), 10)).ok());
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(2), Uuid(1, 1), 20)).ok());
  ASSERT_TRUE(tasks().Delete(Uuid(1)).ok());
  EXPECT_EQ(tasks().Get(Uuid(1)).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(tasks().Get(Uuid(2)).ok());
  EXPECT_EQ(tasks().Count().value(), 1u);
  EXPECT_THAT(Ids(tasks().List({})), ElementsAre(Uuid(2)));
}

TEST_P(StorageContractTest, DeleteUnknownOrAlreadyDeletedTaskIsNotFound) {
  EXPECT_EQ(tasks().Delete(Uuid(1)).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(1), Uuid(1, 1), 10)).ok());
  ASSERT_TRUE(tasks().Delete(Uuid(1)).ok());
  EXPECT_EQ(tasks().Delete(Uuid(1)).code(), ErrorCode::kNotFound);
}

TEST_P(StorageContractTest, DeletedIdCanBeCreatedAgain) {
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(1), Uuid(1, 1), 10)).ok());
  ASSERT_TRUE(tasks().Delete(Uuid(1)).ok());
  EXPECT_TRUE(tasks().Create(FullTask(Uuid(1), Uuid(1, 1), 30)).ok());
}

TEST_P(StorageContractTest, CountCountsEveryAccount) {
  EXPECT_EQ(tasks().Count().value(), 0u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(tasks().Create(FullTask(Uuid(i), Uuid(i % 2, 1), i)).ok());
  }
  EXPECT_EQ(tasks().Count().value(), 5u);
}

TEST_P(StorageContractTest, ListIsNewestFirstWithTiesBrokenByIdDescending) {
  // Inserted out of order; two pairs share a created_at.
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(1), Uuid(1, 1), 200)).ok());
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(4), Uuid(1, 1), 100)).ok());
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(2), Uuid(1, 1), 300)).ok());
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(3), Uuid(1, 1), 200)).ok());
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(5), Uuid(1, 1), 100)).ok());
  EXPECT_THAT(Ids(tasks().List({})), ElementsAre(Uuid(2), Uuid(3), Uuid(1), Uuid(5), Uuid(4)));
}

TEST_P(StorageContractTest, ListOfAnEmptyStoreIsEmpty) {
  auto list = tasks().List({});
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, IsEmpty());
}

class TaskFilterTest : public StorageContractTest {
 protected:
  // Six tasks: accounts A/B/C, artists X/Y, enabled or not.
  void SetUp() override {
    StorageContractTest::SetUp();
    if (HasFatalFailure()) return;
    struct Row {
      int n;
      const std::string& account;
      const std::string& artist;
      bool enabled;
    };
    const Row rows[] = {{1, a_, x_, true}, {2, a_, y_, false}, {3, b_, x_, true},
                        {4, b_, y_, true}, {5, c_, x_, false}, {6, a_, x_, true}};
    for (const Row& r : rows) {
      core::Task t = FullTask(Uuid(r.n), r.account, int64_t{100} * r.n);
      t.artist_account_id = r.artist;
      t.enabled = r.enabled;
      if (!r.enabled) t.next_slot = std::nullopt;
      ASSERT_TRUE(tasks().Create(t).ok());
    }
  }
  const std::string a_ = Uuid(1, 0xa0), b_ = Uuid(2, 0xa0), c_ = Uuid(3, 0xa0);
  const std::string x_ = Uuid(1, 0xb0), y_ = Uuid(2, 0xb0);
};

TEST_P(TaskFilterTest, FiltersById) {
  TaskQuery q;
  q.id = Uuid(3);
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(3)));
  q.id = Uuid(42);
  EXPECT_THAT(Ids(tasks().List(q)), IsEmpty());
}

TEST_P(TaskFilterTest, FiltersByOneAccount) {
  TaskQuery q;
  q.account_ids = std::vector<std::string>{a_};
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(6), Uuid(2), Uuid(1)));
}

TEST_P(TaskFilterTest, FiltersBySeveralAccounts) {
  TaskQuery q;
  q.account_ids = std::vector<std::string>{b_, c_, Uuid(9, 0xa0)};
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(5), Uuid(4), Uuid(3)));
}

TEST_P(TaskFilterTest, FiltersByAVeryLongAccountList) {
  // Long enough that a backend cannot bind one parameter per id.
  TaskQuery q;
  q.account_ids = std::vector<std::string>{};
  for (int i = 0; i < 5000; ++i) q.account_ids->push_back(Uuid(i, 0xf0));
  q.account_ids->push_back(c_);
  q.account_ids->push_back(a_);
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(6), Uuid(5), Uuid(2), Uuid(1)));
}

TEST_P(TaskFilterTest, EmptyAccountListMatchesNothing) {
  TaskQuery q;
  q.account_ids = std::vector<std::string>{};
  EXPECT_THAT(Ids(tasks().List(q)), IsEmpty());
}

TEST_P(TaskFilterTest, AbsentAccountListMatchesEveryAccount) {
  EXPECT_EQ(Ids(tasks().List({})).size(), 6u);
}

TEST_P(TaskFilterTest, FiltersByArtist) {
  TaskQuery q;
  q.artist_account_id = y_;
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(4), Uuid(2)));
}

TEST_P(TaskFilterTest, FiltersByEnabled) {
  TaskQuery q;
  q.enabled = true;
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(6), Uuid(4), Uuid(3), Uuid(1)));
  q.enabled = false;
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(5), Uuid(2)));
}

TEST_P(TaskFilterTest, CombinesEveryFilter) {
  TaskQuery q;
  q.account_ids = std::vector<std::string>{a_, b_};
  q.artist_account_id = x_;
  q.enabled = true;
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(6), Uuid(3), Uuid(1)));
  q.id = Uuid(3);
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(3)));
  q.id = Uuid(2);  // account a, but artist y and disabled
  EXPECT_THAT(Ids(tasks().List(q)), IsEmpty());
  q.id = std::nullopt;
  q.limit = 2;
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(6), Uuid(3)));
  q.after = PageCursor{Ms(300), Uuid(3)};
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(1)));
}

TEST_P(TaskFilterTest, LimitBoundsTheList) {
  TaskQuery q;
  q.limit = 3;
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(6), Uuid(5), Uuid(4)));
  q.limit = 1;
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(6)));
  q.limit = 0;
  EXPECT_THAT(Ids(tasks().List(q)), IsEmpty());
  q.limit = 1000;
  EXPECT_EQ(Ids(tasks().List(q)).size(), 6u);
}

TEST_P(TaskFilterTest, CursorStartsStrictlyAfterThePair) {
  TaskQuery q;
  q.after = PageCursor{Ms(400), Uuid(4)};
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(3), Uuid(2), Uuid(1)));
  // A cursor need not name an existing row.
  q.after = PageCursor{Ms(350), Uuid(0)};
  EXPECT_THAT(Ids(tasks().List(q)), ElementsAre(Uuid(3), Uuid(2), Uuid(1)));
  q.after = PageCursor{Ms(100), Uuid(1)};
  EXPECT_THAT(Ids(tasks().List(q)), IsEmpty());
}

TEST_P(StorageContractTest, PagesOver250TasksHaveNoGapsOrDuplicates) {
  // created_at collides in groups of 7, so pages often end inside a tie.
  std::vector<std::string> expected;
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(tasks().Create(FullTask(Uuid(i), Uuid(i % 3, 1), 1000 + i / 7)).ok());
  }
  auto all = tasks().List(WithLimit(1000));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 250u);
  for (size_t page_size : {1u, 7u, 33u, 100u, 250u, 251u}) {
    std::vector<std::string> seen;
    TaskQuery q;
    q.limit = page_size;
    for (int guard = 0; guard < 300; ++guard) {
      auto page = tasks().List(q);
      ASSERT_TRUE(page.ok());
      ASSERT_LE(page->size(), page_size);
      for (const auto& t : *page) seen.push_back(t.id);
      if (page->size() < page_size) break;
      q.after = PageCursor{page->back().created_at, page->back().id};
    }
    EXPECT_EQ(seen, Ids(all)) << "page size " << page_size;
  }
}

TEST_P(StorageContractTest, PagesOfAFilteredListHaveNoGapsOrDuplicates) {
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(tasks().Create(FullTask(Uuid(i), Uuid(i % 3, 1), 1000 + i / 4)).ok());
  }
  TaskQuery q;
  q.account_ids = std::vector<std::string>{Uuid(0, 1), Uuid(2, 1)};
  q.limit = 1000;
  std::vector<std::string> expected = Ids(tasks().List(q));
  ASSERT_EQ(expected.size(), 40u);
  std::vector<std::string> seen;
  q.limit = 6;
  for (;;) {
    auto page = tasks().List(q);
    ASSERT_TRUE(page.ok());
    for (const auto& t : *page) seen.push_back(t.id);
    if (page->size() < q.limit) break;
    q.after = PageCursor{page->back().created_at, page->back().id};
  }
  EXPECT_EQ(seen, expected);
}

// ---------------------------------------------------------------------------------------------
// Runs

TEST_P(StorageContractTest, InsertedRunReadsBackWithEveryField) {
  core::Run run = FullRun("run_aaaaaaaaaaaaaaaaaaaaaaa1", Uuid(1), Uuid(1, 1), 1000);
  ASSERT_TRUE(runs().Insert(run).ok());
  auto got = runs().Get(run.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, run);
  EXPECT_EQ(got->cost_in_cents, 0.1 + 0.2);
  auto listed = runs().List({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front(), run);
}

TEST_P(StorageContractTest, MinimalRunRoundTrips) {
  core::Run run;
  run.id = "run_minimal00000000000000000";
  run.task_id = Uuid(1);
  run.account_id = Uuid(1, 1);
  run.artist_account_id = Uuid(1, 2);
  run.created_at = Ms(5);
  run.updated_at = Ms(5);
  ASSERT_TRUE(runs().Insert(run).ok());
  auto got = runs().Get(run.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, run);
  EXPECT_FALSE(got->slot.has_value());
  EXPECT_FALSE(got->error.has_value());
  EXPECT_THAT(got->attempts, IsEmpty());
}

TEST_P(StorageContractTest, EmptyErrorIsNotAnAbsentError) {
  core::Run run = FullRun("run_emptyerror", Uuid(1), Uuid(1, 1), 1);
  run.error = core::RunError{};
  run.attempts[0].error = core::RunError{};
  ASSERT_TRUE(runs().Insert(run).ok());
  auto got = runs().Get(run.id);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->error.has_value());
  EXPECT_EQ(*got, run);
}

TEST_P(StorageContractTest, EveryRunStatusRoundTrips) {
  for (int s = 0; s <= static_cast<int>(core::RunStatus::kSystemFailure); ++s) {
    core::Run run = FullRun("run_status_" + std::to_string(s), Uuid(1), Uuid(1, 1), s);
    run.status = static_cast<core::RunStatus>(s);
    ASSERT_TRUE(runs().Insert(run).ok());
    auto got = runs().Get(run.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->status, run.status);
  }
}

TEST_P(StorageContractTest, InsertWithTakenRunIdIsAlreadyExists) {
  core::Run run = FullRun("run_dup", Uuid(1), Uuid(1, 1), 1);
  ASSERT_TRUE(runs().Insert(run).ok());
  core::Run again = run;
  again.slot = Sec(42);  // a different slot: only the id collides
  again.status = core::RunStatus::kQueued;
  EXPECT_EQ(runs().Insert(again).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(runs().Get(run.id).value(), run);
}

TEST_P(StorageContractTest, ASlotCanProduceOnlyOneRun) {
  core::Run first = FullRun("run_slot_1", Uuid(1), Uuid(1, 1), 1);
  first.slot = Sec(1774602000);
  ASSERT_TRUE(runs().Insert(first).ok());
  core::Run second = FullRun("run_slot_2", Uuid(1), Uuid(1, 1), 2);
  second.slot = first.slot;
  EXPECT_EQ(runs().Insert(second).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(runs().Get(second.id).status().code(), ErrorCode::kNotFound);
  // The same slot of another task, and another slot of the same task, are fine.
  core::Run other_task = FullRun("run_slot_3", Uuid(2), Uuid(1, 1), 3);
  other_task.slot = first.slot;
  EXPECT_TRUE(runs().Insert(other_task).ok());
  core::Run other_slot = FullRun("run_slot_4", Uuid(1), Uuid(1, 1), 4);
  other_slot.slot = *first.slot + std::chrono::minutes(1);
  EXPECT_TRUE(runs().Insert(other_slot).ok());
}

TEST_P(StorageContractTest, TriggerNowRunsWithoutSlotNeverCollide) {
  for (int i = 0; i < 3; ++i) {
    core::Run run = FullRun("run_now_" + std::to_string(i), Uuid(1), Uuid(1, 1), i);
    run.slot = std::nullopt;
    ASSERT_TRUE(runs().Insert(run).ok());
  }
  RunQuery q;
  q.task_id = Uuid(1);
  EXPECT_EQ(RunIds(runs().List(q)).size(), 3u);
}

TEST_P(StorageContractTest, GetUnknownRunIsNotFound) {
  EXPECT_EQ(runs().Get("run_nope").status().code(), ErrorCode::kNotFound);
}

TEST_P(StorageContractTest, DeletingATaskKeepsItsRuns) {
  ASSERT_TRUE(tasks().Create(FullTask(Uuid(1), Uuid(1, 1), 1)).ok());
  core::Run run = FullRun("run_kept", Uuid(1), Uuid(1, 1), 2);
  ASSERT_TRUE(runs().Insert(run).ok());
  ASSERT_TRUE(tasks().Delete(Uuid(1)).ok());
  EXPECT_EQ(runs().Get(run.id).value(), run);
  RunQuery q;
  q.task_id = Uuid(1);
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre(run.id));
}

class RunFilterTest : public StorageContractTest {
 protected:
  void SetUp() override {
    StorageContractTest::SetUp();
    if (HasFatalFailure()) return;
    struct Row {
      const char* id;
      int64_t created;
      const std::string& account;
      const std::string& task;
      core::RunStatus status;
    };
    const Row rows[] = {
        {"run_1", 100, a_, t1_, core::RunStatus::kCompleted},
        {"run_2", 200, a_, t2_, core::RunStatus::kFailed},
        {"run_3", 200, b_, t1_, core::RunStatus::kCompleted},
        {"run_4", 300, b_, t3_, core::RunStatus::kQueued},
        {"run_5", 400, c_, t1_, core::RunStatus::kCompleted},
    };
    for (const Row& r : rows) {
      core::Run run = FullRun(r.id, r.task, r.account, r.created);
      run.status = r.status;
      ASSERT_TRUE(runs().Insert(run).ok());
    }
  }
  const std::string a_ = Uuid(1, 0xa0), b_ = Uuid(2, 0xa0), c_ = Uuid(3, 0xa0);
  const std::string t1_ = Uuid(1), t2_ = Uuid(2), t3_ = Uuid(3);
};

TEST_P(RunFilterTest, ListIsNewestFirstWithTiesBrokenById) {
  EXPECT_THAT(RunIds(runs().List({})), ElementsAre("run_5", "run_4", "run_3", "run_2", "run_1"));
}

TEST_P(RunFilterTest, FiltersById) {
  RunQuery q;
  q.id = "run_3";
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_3"));
}

TEST_P(RunFilterTest, FiltersByAccounts) {
  RunQuery q;
  q.account_ids = std::vector<std::string>{a_};
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_2", "run_1"));
  q.account_ids = std::vector<std::string>{a_, c_};
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_5", "run_2", "run_1"));
  q.account_ids = std::vector<std::string>{};
  EXPECT_THAT(RunIds(runs().List(q)), IsEmpty());
}

TEST_P(RunFilterTest, FiltersByTask) {
  RunQuery q;
  q.task_id = t1_;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_5", "run_3", "run_1"));
}

TEST_P(RunFilterTest, FiltersByStatus) {
  RunQuery q;
  q.status = core::RunStatus::kCompleted;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_5", "run_3", "run_1"));
  q.status = core::RunStatus::kCanceled;
  EXPECT_THAT(RunIds(runs().List(q)), IsEmpty());
}

// Waiting and failed statuses are read through the backends' partial indexes (SQLite): the
// same answers, with every other filter and the cursor applied.
TEST_P(RunFilterTest, FiltersByWaitingAndFailedStatusesWithTheOtherFilters) {
  core::Run queued = FullRun("run_6", t3_, a_, 500);
  queued.status = core::RunStatus::kQueued;
  ASSERT_TRUE(runs().Insert(queued).ok());
  core::Run failed = FullRun("run_7", t1_, b_, 600);
  failed.status = core::RunStatus::kFailed;
  ASSERT_TRUE(runs().Insert(failed).ok());
  RunQuery q;
  q.status = core::RunStatus::kQueued;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_6", "run_4"));
  q.account_ids = std::vector<std::string>{b_};
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_4"));
  q.account_ids.reset();
  q.after = PageCursor{Ms(500), "run_6"};
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_4"));
  q = {};
  q.status = core::RunStatus::kFailed;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_7", "run_2"));
  q.task_id = t1_;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_7"));
  q.task_id.reset();
  q.limit = 1;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_7"));
  q.status = core::RunStatus::kExecuting;
  EXPECT_THAT(RunIds(runs().List(q)), IsEmpty());
}

TEST_P(RunFilterTest, CombinesFiltersLimitAndCursor) {
  RunQuery q;
  q.account_ids = std::vector<std::string>{a_, b_};
  q.task_id = t1_;
  q.status = core::RunStatus::kCompleted;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_3", "run_1"));
  q.limit = 1;
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_3"));
  q.after = PageCursor{Ms(200), "run_3"};
  EXPECT_THAT(RunIds(runs().List(q)), ElementsAre("run_1"));
}

TEST_P(RunFilterTest, CursorPagesWalkEveryRunOnce) {
  RunQuery q;
  q.limit = 2;
  std::vector<std::string> seen;
  for (;;) {
    auto page = runs().List(q);
    ASSERT_TRUE(page.ok());
    for (const auto& r : *page) seen.push_back(r.id);
    if (page->size() < q.limit) break;
    q.after = PageCursor{page->back().created_at, page->back().id};
  }
  EXPECT_THAT(seen, ElementsAre("run_5", "run_4", "run_3", "run_2", "run_1"));
}

// ---------------------------------------------------------------------------------------------
// Accounts and organizations

TEST_P(StorageContractTest, AccountRoundTripsWithEmailsInOrder) {
  core::Account a = MakeAccount(1, {"Primary@Example.com", "second@example.com", "ü@例え.jp"});
  ASSERT_TRUE(accounts().CreateAccount(a).ok());
  auto got = accounts().GetAccount(a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, a);
  core::Account none = MakeAccount(2);
  ASSERT_TRUE(accounts().CreateAccount(none).ok());
  EXPECT_EQ(accounts().GetAccount(none.id).value(), none);
}

TEST_P(StorageContractTest, ListAccountsIsOldestFirst) {
  core::Account late = MakeAccount(1, {"late@example.com"});
  late.created_at = Ms(900);
  core::Account early = MakeAccount(2, {"early@example.com", "other@example.com"});
  early.created_at = Ms(100);
  ASSERT_TRUE(accounts().CreateAccount(late).ok());
  ASSERT_TRUE(accounts().CreateAccount(early).ok());
  auto list = accounts().ListAccounts();
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, ElementsAre(early, late));
}

TEST_P(StorageContractTest, TakenAccountIdIsAlreadyExists) {
  ASSERT_TRUE(accounts().CreateAccount(MakeAccount(1, {"a@example.com"})).ok());
  core::Account again = MakeAccount(1, {"b@example.com"});
  EXPECT_EQ(accounts().CreateAccount(again).code(), ErrorCode::kAlreadyExists);
  // The failed create left nothing behind: its email is still free.
  EXPECT_TRUE(accounts().CreateAccount(MakeAccount(2, {"b@example.com"})).ok());
}

TEST_P(StorageContractTest, EmailsAreUniqueIgnoringCase) {
  ASSERT_TRUE(accounts().CreateAccount(MakeAccount(1, {"Someone@Example.COM"})).ok());
  core::Account clash = MakeAccount(2, {"fresh@example.com", "someone@example.com"});
  EXPECT_EQ(accounts().CreateAccount(clash).code(), ErrorCode::kAlreadyExists);
  // Nothing of the failed account was written: neither the account nor its first email.
  EXPECT_EQ(accounts().GetAccount(clash.id).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(accounts().CreateAccount(MakeAccount(3, {"FRESH@example.com"})).ok());
  EXPECT_EQ(accounts().ListAccounts().value().size(), 2u);
}

TEST_P(StorageContractTest, OneAccountCannotListTheSameEmailTwice) {
  core::Account a = MakeAccount(1, {"x@example.com", "X@EXAMPLE.COM"});
  EXPECT_EQ(accounts().CreateAccount(a).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(accounts().GetAccount(a.id).status().code(), ErrorCode::kNotFound);
}

TEST_P(StorageContractTest, UnknownAccountIsNotFound) {
  EXPECT_EQ(accounts().GetAccount(Uuid(5, 0xacc)).status().code(), ErrorCode::kNotFound);
}

TEST_P(StorageContractTest, OrganizationsRoundTripAndListOldestFirst) {
  core::Organization admin{Uuid(1, 0x0e9), "Admins", true, Ms(300)};
  core::Organization label{Uuid(2, 0x0e9), "Label — ünïcode", false, Ms(100)};
  ASSERT_TRUE(accounts().CreateOrganization(admin).ok());
  ASSERT_TRUE(accounts().CreateOrganization(label).ok());
  EXPECT_EQ(accounts().GetOrganization(admin.id).value(), admin);
  EXPECT_EQ(accounts().GetOrganization(label.id).value(), label);
  auto list = accounts().ListOrganizations();
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, ElementsAre(label, admin));
}

TEST_P(StorageContractTest, TakenOrganizationIdOrNameIsAlreadyExists) {
  core::Organization org{Uuid(1, 0x0e9), "Label", false, Ms(1)};
  ASSERT_TRUE(accounts().CreateOrganization(org).ok());
  core::Organization same_id{org.id, "Other", false, Ms(2)};
  EXPECT_EQ(accounts().CreateOrganization(same_id).code(), ErrorCode::kAlreadyExists);
  core::Organization same_name{Uuid(2, 0x0e9), "Label", true, Ms(3)};
  EXPECT_EQ(accounts().CreateOrganization(same_name).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(accounts().ListOrganizations().value().size(), 1u);
  EXPECT_EQ(accounts().GetOrganization(Uuid(9, 0x0e9)).status().code(), ErrorCode::kNotFound);
}

TEST_P(StorageContractTest, AddMemberIsIdempotentAndChecksBothSides) {
  std::string org = AddOrg(1);
  std::string account = AddAccount(1);
  EXPECT_TRUE(accounts().AddMember(org, account).ok());
  EXPECT_TRUE(accounts().AddMember(org, account).ok());
  EXPECT_EQ(accounts().AddMember(Uuid(9, 0x0e9), account).code(), ErrorCode::kNotFound);
  EXPECT_EQ(accounts().AddMember(org, Uuid(9, 0xacc)).code(), ErrorCode::kNotFound);
  auto p = accounts().PrincipalFor(account);
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->scope, ElementsAre(account));
}

TEST_P(StorageContractTest, PrincipalOfALoneAccountIsItself) {
  std::string account = AddAccount(1);
  auto p = accounts().PrincipalFor(account);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->account_id, account);
  EXPECT_FALSE(p->is_admin);
  EXPECT_THAT(p->scope, ElementsAre(account));
}

TEST_P(StorageContractTest, PrincipalScopeIsEveryoneSharingAnOrganization) {
  std::string me = AddAccount(1), peer = AddAccount(2), other_peer = AddAccount(3),
              stranger = AddAccount(4);
  std::string label = AddOrg(1), band = AddOrg(2), elsewhere = AddOrg(3);
  ASSERT_TRUE(accounts().AddMember(label, me).ok());
  ASSERT_TRUE(accounts().AddMember(label, peer).ok());
  ASSERT_TRUE(accounts().AddMember(band, me).ok());
  ASSERT_TRUE(accounts().AddMember(band, other_peer).ok());
  ASSERT_TRUE(accounts().AddMember(band, peer).ok());
  ASSERT_TRUE(accounts().AddMember(elsewhere, stranger).ok());
  ASSERT_TRUE(accounts().AddMember(elsewhere, peer).ok());
  auto p = accounts().PrincipalFor(me);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->is_admin);
  EXPECT_THAT(p->scope, UnorderedElementsAre(me, peer, other_peer));
  auto q = accounts().PrincipalFor(stranger);
  ASSERT_TRUE(q.ok());
  EXPECT_THAT(q->scope, UnorderedElementsAre(stranger, peer));
}

TEST_P(StorageContractTest, AdminOrganizationMembersAreAdmins) {
  std::string admin = AddAccount(1), user = AddAccount(2);
  std::string admins = AddOrg(1, /*admin=*/true), plain = AddOrg(2);
  ASSERT_TRUE(accounts().AddMember(admins, admin).ok());
  ASSERT_TRUE(accounts().AddMember(plain, admin).ok());
  ASSERT_TRUE(accounts().AddMember(plain, user).ok());
  auto p = accounts().PrincipalFor(admin);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->is_admin);
  auto u = accounts().PrincipalFor(user);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->is_admin);  // sharing a plain org with an admin does not make one an admin
  EXPECT_THAT(u->scope, UnorderedElementsAre(admin, user));
}

TEST_P(StorageContractTest, PrincipalForUnknownAccountIsNotFound) {
  EXPECT_EQ(accounts().PrincipalFor(Uuid(9, 0xacc)).status().code(), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// API keys

core::ApiKey MakeKey(int n, const std::string& account, int64_t created_ms) {
  return core::ApiKey{"key_" + std::to_string(n),
                      account,
                      "hash" + std::to_string(n) + "abcdef",
                      "bb_sk_" + std::to_string(n),
                      Ms(created_ms),
                      std::nullopt,
                      std::nullopt};
}

TEST_P(StorageContractTest, ApiKeyIsFoundByHashWithEveryField) {
  std::string account = AddAccount(1);
  core::ApiKey key = MakeKey(1, account, 100);
  key.expires_at = Ms(5000);
  ASSERT_TRUE(accounts().CreateApiKey(key).ok());
  core::ApiKey bare = MakeKey(2, account, 200);
  ASSERT_TRUE(accounts().CreateApiKey(bare).ok());
  EXPECT_EQ(accounts().FindApiKeyByHash(key.hash).value(), key);
  EXPECT_EQ(accounts().FindApiKeyByHash(bare.hash).value(), bare);
  EXPECT_EQ(accounts().FindApiKeyByHash("nohash").status().code(), ErrorCode::kNotFound);
}

TEST_P(StorageContractTest, ApiKeyNeedsAnExistingAccountAndUniqueIdAndHash) {
  std::string account = AddAccount(1);
  EXPECT_EQ(accounts().CreateApiKey(MakeKey(1, Uuid(9, 0xacc), 1)).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(accounts().CreateApiKey(MakeKey(1, account, 1)).ok());
  core::ApiKey same_id = MakeKey(1, account, 2);
  same_id.hash = "different";
  EXPECT_EQ(accounts().CreateApiKey(same_id).code(), ErrorCode::kAlreadyExists);
  core::ApiKey same_hash = MakeKey(2, account, 3);
  same_hash.hash = MakeKey(1, account, 1).hash;
  EXPECT_EQ(accounts().CreateApiKey(same_hash).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(accounts().ListApiKeys(std::nullopt).value().size(), 1u);
}

TEST_P(StorageContractTest, ListApiKeysIsOldestFirstPerAccountOrAll) {
  std::string a = AddAccount(1), b = AddAccount(2);
  core::ApiKey k1 = MakeKey(1, a, 300), k2 = MakeKey(2, b, 100), k3 = MakeKey(3, a, 200);
  for (const auto& k : {k1, k2, k3}) ASSERT_TRUE(accounts().CreateApiKey(k).ok());
  EXPECT_THAT(accounts().ListApiKeys(a).value(), ElementsAre(k3, k1));
  EXPECT_THAT(accounts().ListApiKeys(b).value(), ElementsAre(k2));
  EXPECT_THAT(accounts().ListApiKeys(std::nullopt).value(), ElementsAre(k2, k3, k1));
  EXPECT_THAT(accounts().ListApiKeys(std::string_view("nobody")).value(), IsEmpty());
}

TEST_P(StorageContractTest, RevokeIsIdempotentAndKeepsTheFirstTime) {
  std::string account = AddAccount(1);
  core::ApiKey key = MakeKey(1, account, 100);
  ASSERT_TRUE(accounts().CreateApiKey(key).ok());
  ASSERT_TRUE(accounts().RevokeApiKey(key.id, Ms(500)).ok());
  ASSERT_TRUE(accounts().RevokeApiKey(key.id, Ms(900)).ok());
  auto got = accounts().FindApiKeyByHash(key.hash);  // revoked keys are still found
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->revoked_at, Ms(500));
  EXPECT_EQ(accounts().RevokeApiKey("key_nope", Ms(1)).code(), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// Concurrency

TEST_P(StorageContractTest, ConcurrentCreatesAreAllDurableAndVisible) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        core::Task task = FullTask(Uuid(t * kPerThread + i), Uuid(t, 1), t * kPerThread + i);
        if (!tasks().Create(task).ok()) ++failures;
      }
    });
  }
  // A reader runs alongside: lists stay answerable and ordered while writes land.
  std::thread reader([&] {
    while (writing.load()) {
      auto list = tasks().List(WithLimit(50));
      if (!list.ok()) {
        ++failures;
        continue;
      }
      for (size_t i = 1; i < list->size(); ++i) {
        if ((*list)[i - 1].created_at < (*list)[i].created_at) ++failures;
      }
    }
  });
  for (auto& th : threads) th.join();
  writing = false;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(tasks().Count().value(), static_cast<size_t>(kThreads * kPerThread));
  auto all = tasks().List(WithLimit(10000));
  ASSERT_TRUE(all.ok());
  std::set<std::string> ids;
  for (const auto& t : *all) ids.insert(t.id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    int n = t * kPerThread + kPerThread - 1;
    EXPECT_EQ(tasks().Get(Uuid(n)).value(), FullTask(Uuid(n), Uuid(t, 1), n));
  }
}

TEST_P(StorageContractTest, ConcurrentInsertsOfOneSlotYieldExactlyOneRun) {
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, exists{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      core::Run run = FullRun("run_race_" + std::to_string(t), Uuid(1), Uuid(1, 1), t);
      run.slot = Sec(1774602000);
      core::Status s = runs().Insert(run);
      if (s.ok()) ++ok;
      if (s.code() == ErrorCode::kAlreadyExists) ++exists;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
  EXPECT_EQ(RunIds(runs().List({})).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageContractTest, ::testing::ValuesIn(kBackends),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, TaskFilterTest, ::testing::ValuesIn(kBackends), BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, RunFilterTest, ::testing::ValuesIn(kBackends), BackendName);

}  // namespace
}  // namespace backbeat::storage
