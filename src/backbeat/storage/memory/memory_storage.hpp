#pragma once

#include <memory>

#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::memory {

// A `Storage` kept in process memory: for tests, development and as the reference behaviour of
// the storage contract suite. Nothing survives the object; "durable" here means visible to every
// later call.
//
// Thread-safety: every method of every store is safe to call concurrently. One mutex guards all
// state, so each call is atomic with respect to every other call (of any store), which is
// stronger than the interface requires. Lists cost O(n log n) in the number of stored rows.
class MemoryStorage final : public Storage {
 public:
  MemoryStorage();
  ~MemoryStorage() override;
  MemoryStorage(const MemoryStorage&) = delete;
  MemoryStorage& operator=(const MemoryStorage&) = delete;

  TaskStore& tasks() override;
  RunStore& runs() override;
  AccountStore& accounts() override;
  ScheduleStore& schedule() override;
  core::Status Ping() override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace backbeat::storage::memory
