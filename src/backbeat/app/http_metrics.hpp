#pragma once

#include <array>
#include <string_view>

#include "backbeat/http/message.hpp"
#include "backbeat/metrics/registry.hpp"

namespace backbeat::app {

// HTTP request metrics from the transport's access records: a counter by route, method and
// status, and a latency histogram by route. Paths outside the API collapse into "other" so a
// scan of random URLs cannot grow the label sets without bound.
//
// Thread-safety: Record may be called from any thread.
class HttpMetrics {
 public:
  explicit HttpMetrics(metrics::Registry& registry);
  void Record(const http::AccessRecord& record);

 private:
  static constexpr std::array<std::string_view, 10> kRoutes = {"/api/tasks",
                                                               "/api/tasks/runs",
                                                               "/api/tasks/trigger",
                                                               "/api/tasks/runs/cancel",
                                                               "/api/tasks/runs/replay",
                                                               "/healthz",
                                                               "/readyz",
                                                               "/openapi.json",
                                                               "/metrics",
                                                               "other"};
  static size_t RouteIndex(std::string_view path);

  metrics::CounterFamily& requests_;
  std::array<metrics::Histogram*, kRoutes.size()> latency_{};
};

}  // namespace backbeat::app
