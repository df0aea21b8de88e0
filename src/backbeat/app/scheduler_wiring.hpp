#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "backbeat/metrics/registry.hpp"
#include "backbeat/scheduler/engine.hpp"
#include "backbeat/service/run_commands.hpp"
#include "backbeat/storage/storage.hpp"

// Glue between the API's use cases and this node's scheduler, kept out of both.
namespace backbeat::app {

// A Storage whose task writes call `changed` (with the task written) once they are durable, so the
// scheduler looks at a created, re-enabled or rescheduled task at once instead of at its next
// timer. Everything else passes straight through.
class SignalingStorage final : public storage::Storage {
 public:
  SignalingStorage(storage::Storage& inner, std::function<void(const core::Task&)> changed);
  ~SignalingStorage() override;
  storage::TaskStore& tasks() override;
  storage::RunStore& runs() override { return inner_.runs(); }
  storage::AccountStore& accounts() override { return inner_.accounts(); }
  storage::ScheduleStore& schedule() override { return inner_.schedule(); }
  core::Status Ping() override { return inner_.Ping(); }

 private:
  class Tasks;
  storage::Storage& inner_;
  std::unique_ptr<Tasks> tasks_;
};

// Run commands' events, delivered to the engine (or dropped when this node runs no scheduler).
class EngineEvents final : public service::RunEvents {
 public:
  void Attach(scheduler::Engine* engine) { engine_ = engine; }
  void RunQueued() override {
    if (engine_) engine_->Wake();
  }
  void RunCanceled(std::string_view run_id) override {
    if (engine_) engine_->CancelLocal(run_id);
  }

 private:
  scheduler::Engine* engine_ = nullptr;
};

// The scheduler's metrics: slots fired and skipped, firing lag, runs finished, attempts,
// storage errors.
class MetricsObserver final : public scheduler::EngineObserver {
 public:
  explicit MetricsObserver(metrics::Registry& registry);
  void SlotFired(double lag_seconds) override;
  void SlotsSkipped(std::string_view reason, int64_t count) override;
  void DuplicateSlots(size_t count) override;
  void AttemptStarted() override;
  void RunFinished(core::RunStatus status) override;
  void StorageError() override;
  void StorageCall(std::string_view op, double seconds) override;

 private:
  metrics::Counter& fired_;
  metrics::CounterFamily& skipped_;
  metrics::Counter& duplicates_;
  metrics::Histogram& lag_;
  metrics::Counter& attempts_;
  metrics::CounterFamily& finished_;
  metrics::Counter& storage_errors_;
  metrics::HistogramFamily& storage_latency_;
};

}  // namespace backbeat::app
