#include "backbeat/app/http_metrics.hpp"

#include <string>

namespace backbeat::app {

HttpMetrics::HttpMetrics(metrics::Registry& registry)
    : requests_(registry.AddCounterFamily("backbeat_http_requests_total",
                                          "HTTP requests answered, by route, method and status.",
                                          {"route", "method", "status"})) {
  metrics::HistogramFamily& latency =
      registry.AddHistogramFamily("backbeat_http_request_duration_seconds",
                                  "Time from a request's first byte to its response, by route.",
                                  {"route"}, metrics::DefaultLatencyBuckets());
  for (size_t i = 0; i < kRoutes.size(); ++i) latency_[i] = &latency.With({kRoutes[i]});
}

size_t HttpMetrics::RouteIndex(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (size_t i = 0; i + 1 < kRoutes.size(); ++i) {
    if (kRoutes[i] == path) return i;
  }
  return kRoutes.size() - 1;
}

void HttpMetrics::Record(const http::AccessRecord& record) {
  const size_t route = RouteIndex(record.path);
  // Methods outside the usual ones are folded too, for the same reason as paths.
  std::string_view method = record.method;
  if (method != "GET" && method != "POST" && method != "PATCH" && method != "DELETE" &&
      method != "HEAD" && method != "OPTIONS") {
    method = "other";
  }
  const std::string status = std::to_string(record.status);
  requests_.With({kRoutes[route], method, std::string_view(status)}).Increment();
  latency_[route]->Observe(record.duration_ms / 1000.0);
}

}  // namespace backbeat::app
