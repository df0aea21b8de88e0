#include "backbeat/app/scheduler_wiring.hpp"

namespace backbeat::app {

class SignalingStorage::Tasks final : public storage::TaskStore {
 public:
  Tasks(storage::TaskStore& inner, std::function<void(const core::Task&)> changed)
      : inner_(inner), changed_(std::move(changed)) {}

  core::Status Create(const core::Task& task) override { return Signal(inner_.Create(task), task); }
  core::Result<core::Task> Get(std::string_view id) override { return inner_.Get(id); }
  core::Result<std::vector<core::Task>> List(const storage::TaskQuery& query) override {
    return inner_.List(query);
  }
  core::Status Update(const core::Task& task) override { return Signal(inner_.Update(task), task); }
  core::Status Delete(std::string_view id) override { return inner_.Delete(id); }
  core::Result<size_t> Count() override { return inner_.Count(); }

 private:
  core::Status Signal(core::Status s, const core::Task& task) {
    if (s.ok() && changed_) changed_(task);
    return s;
  }
  storage::TaskStore& inner_;
  std::function<void(const core::Task&)> changed_;
};

SignalingStorage::SignalingStorage(storage::Storage& inner,
                                   std::function<void(const core::Task&)> changed)
    : inner_(inner), tasks_(std::make_unique<Tasks>(inner.tasks(), std::move(changed))) {}
SignalingStorage::~SignalingStorage() = default;
storage::TaskStore& SignalingStorage::tasks() { return *tasks_; }

MetricsObserver::MetricsObserver(metrics::Registry& registry)
    : fired_(registry.AddCounter("backbeat_slots_fired_total", "Schedule slots that made a run.")),
      skipped_(registry.AddCounterFamily(
          "backbeat_slots_skipped_total",
          "Schedule slots that made no run, by reason (each is recorded in slot_skips).",
          {"reason"})),
      duplicates_(registry.AddCounter(
          "backbeat_slots_duplicate_total",
          "Slots decided again that already had their run (a race or a replayed decision).")),
      lag_(registry.AddHistogram("backbeat_firing_lag_seconds",
                                 "Time from a slot's instant to its run being committed.",
                                 {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300})),
      attempts_(registry.AddCounter("backbeat_attempts_started_total",
                                    "Attempts claimed by this node's executor pool.")),
      finished_(registry.AddCounterFamily("backbeat_runs_finished_total",
                                          "Runs this node moved to a final status.", {"status"})),
      storage_errors_(registry.AddCounter("backbeat_scheduler_storage_errors_total",
                                          "Scheduler storage calls that failed.")),
      storage_latency_(registry.AddHistogramFamily(
          "backbeat_scheduler_storage_seconds",
          "Duration of the scheduler's storage calls (each a transaction or a read), by operation.",
          {"op"}, metrics::DefaultLatencyBuckets())) {}

void MetricsObserver::SlotFired(double lag_seconds) {
  fired_.Increment();
  lag_.Observe(lag_seconds);
}
void MetricsObserver::SlotsSkipped(std::string_view reason, int64_t count) {
  skipped_.With({reason}).Increment(static_cast<uint64_t>(count));
}
void MetricsObserver::DuplicateSlots(size_t count) { duplicates_.Increment(count); }
void MetricsObserver::AttemptStarted() { attempts_.Increment(); }
void MetricsObserver::RunFinished(core::RunStatus status) {
  finished_.With({core::RunStatusName(status)}).Increment();
}
void MetricsObserver::StorageError() { storage_errors_.Increment(); }
void MetricsObserver::StorageCall(std::string_view op, double seconds) {
  storage_latency_.With({op}).Observe(seconds);
}

}  // namespace backbeat::app
