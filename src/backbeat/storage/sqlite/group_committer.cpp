#include "backbeat/storage/sqlite/group_committer.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace backbeat::storage::sqlite {

GroupCommitter::GroupCommitter(std::unique_ptr<Connection> connection, size_t max_batch, Sync sync)
    : max_batch_(max_batch == 0 ? 1 : max_batch),
      connection_(std::move(connection)),
      sync_(std::move(sync)),
      notifier_([this] { NotifyLoop(); }),
      writer_([this] { Loop(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  writer_.join();  // runs every queued unit first
  {
    std::lock_guard lock(answers_mu_);
    writer_done_ = true;
  }
  answers_ready_.notify_all();
  notifier_.join();  // answers every batch first
}

bool GroupCommitter::Enqueue(std::unique_ptr<Unit>& unit) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  queue_.push_back(std::move(unit));
  // Notified under the lock: once the unit is visible the writer may answer it and the
  // destructor may run, so the condition variable must not be touched after unlocking.
  work_ready_.notify_one();
  return true;
}

core::Status GroupCommitter::Submit(Work work, Undo undo) {
  auto unit = std::make_unique<Unit>();
  unit->work = std::move(work);
  unit->undo = undo;
  std::future<core::Status> done = unit->outcome.get_future();
  if (!Enqueue(unit)) return core::Unavailable("storage is shutting down");
  return done.get();
}

void GroupCommitter::SubmitAsync(Work work, Done done, Undo undo) {
  if (!done) done = [](core::Status) {};  // an empty `done` would mean a blocking caller
  auto unit = std::make_unique<Unit>();
  unit->work = std::move(work);
  unit->undo = undo;
  unit->done = std::move(done);
  if (Enqueue(unit)) return;
  try {
    unit->done(core::Unavailable("storage is shutting down"));
  } catch (...) {
  }
}

WriteStats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

size_t GroupCommitter::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void GroupCommitter::Loop() {
  std::vector<std::unique_ptr<Unit>> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Drain before stopping: every accepted unit gets an answer.
      if (queue_.empty()) return;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<core::Status> results = RunBatch(batch);
    {
      std::lock_guard lock(answers_mu_);
      // Only a batch with a successful unit wrote anything the sync must cover.
      const bool wrote =
          std::any_of(results.begin(), results.end(), [](const core::Status& r) { return r.ok(); });
      answers_.push_back({std::move(batch), std::move(results), wrote});
    }
    answers_ready_.notify_one();
    batch = std::vector<std::unique_ptr<Unit>>();  // moved from: start afresh
  }
}

void GroupCommitter::NotifyLoop() {
  std::deque<Answers> ready;
  for (;;) {
    {
      std::unique_lock lock(answers_mu_);
      answers_ready_.wait(lock, [this] { return writer_done_ || !answers_.empty(); });
      if (answers_.empty()) return;  // writer_done_: nothing more will come
      ready.swap(answers_);
    }
    // One sync for everything committed so far, before anyone hears of it.
    if (sync_) {
      bool needed = false;
      for (const Answers& answers : ready) needed = needed || answers.committed;
      if (needed) {
        core::Status synced = sync_();
        if (!synced.ok()) {
          for (Answers& answers : ready) {
            if (!answers.committed) continue;
            for (core::Status& result : answers.results) {
              if (result.ok()) {
                result = core::Status(synced.code(),
                                      "committed but not synced to disk: " + synced.message());
              }
            }
          }
        }
      }
    }
    for (Answers& answers : ready) Answer(answers);
    ready.clear();
  }
}

void GroupCommitter::Answer(Answers& answers) {
  for (size_t i = 0; i < answers.units.size(); ++i) {
    Unit& unit = *answers.units[i];
    if (!unit.done) {
      unit.outcome.set_value(std::move(answers.results[i]));
      continue;
    }
    // A throwing completion must not kill the notifier nor cost the rest their answers.
    try {
      unit.done(std::move(answers.results[i]));
    } catch (...) {
    }
  }
}

core::Status GroupCommitter::RunUnit(Unit& unit) {
  // Work is ours or a store's; it reports errors as values, but a throw (bad_alloc) must not
  // kill the writer and leave every later caller blocked.
  try {
    return unit.work(*connection_);
  } catch (const std::exception& e) {
    return core::Internal(std::string("storage write threw: ") + e.what());
  } catch (...) {
    return core::Internal("storage write threw");
  }
}

std::vector<core::Status> GroupCommitter::RunBatch(std::vector<std::unique_ptr<Unit>>& batch) {
  Connection& c = *connection_;
  std::vector<core::Status> results(batch.size());
  uint64_t commits = 0;
  size_t next = 0;
  while (next < batch.size()) {
    // One transaction for the units from `first` on; a unit whose failure makes SQLite roll the
    // whole transaction back (disk full, I/O error) ends it early and the rest start anew.
    const size_t first = next;
    if (core::Status begin = c.Exec("BEGIN IMMEDIATE"); !begin.ok()) {
      for (size_t i = first; i < batch.size(); ++i) results[i] = begin;
      break;
    }
    bool transaction_lost = false;
    for (; next < batch.size() && !transaction_lost; ++next) {
      // The first unit of a transaction needs no savepoint: rolling the transaction back undoes
      // it alone. A savepoint copies every page its unit changes (SQLite's sub-journal), which
      // for a firing step is thousands of pages.
      const bool first_unit = next == first;
      const bool savepoint = !first_unit && batch[next]->undo == Undo::kSavepoint;
      core::Status s = savepoint ? c.Exec("SAVEPOINT unit") : core::Status::Ok();
      if (s.ok()) s = RunUnit(*batch[next]);
      if (s.ok()) {
        if (savepoint) s = c.Exec("RELEASE unit");
      } else if (first_unit) {
        // Its own error, and the transaction (holding nothing else) starts over for the rest.
        if (!c.InAutocommit()) (void)c.Exec("ROLLBACK");
        transaction_lost = true;
      } else if (c.InAutocommit()) {
        transaction_lost = true;
        for (size_t i = first; i < next; ++i) {
          if (results[i].ok()) {
            results[i] = core::Status(s.code(), "transaction rolled back: " + s.message());
          }
        }
      } else if (savepoint) {
        (void)c.Exec("ROLLBACK TO unit");
        (void)c.Exec("RELEASE unit");
      }  // else its one statement undid itself, and the transaction goes on
      results[next] = std::move(s);
    }
    if (transaction_lost) continue;
    if (core::Status commit = c.Exec("COMMIT"); !commit.ok()) {
      if (!c.InAutocommit()) (void)c.Exec("ROLLBACK");
      for (size_t i = first; i < next; ++i) {
        if (results[i].ok()) results[i] = commit;
      }
    } else {
      ++commits;
    }
  }
  {
    std::lock_guard lock(mu_);
    stats_.units += batch.size();
    stats_.transactions += commits;
  }
  return results;
}

}  // namespace backbeat::storage::sqlite
