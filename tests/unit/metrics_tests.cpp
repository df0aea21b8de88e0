#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <latch>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backbeat/metrics/registry.hpp"
#include "backbeat/metrics/text_format.hpp"

namespace backbeat::metrics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Format(double value) {
  std::string out;
  AppendValue(out, value);
  return out;
}

// The value on the sample line that starts with `prefix` (name and labels), or -1 if absent.
double SampleValue(const std::string& text, std::string_view prefix) {
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::string_view line(text.data() + line_start, line_end - line_start);
    if (line.starts_with(prefix) && line.size() > prefix.size() && line[prefix.size()] == ' ') {
      return std::strtod(std::string(line.substr(prefix.size() + 1)).c_str(), nullptr);
    }
    line_start = line_end + 1;
  }
  return -1;
}

// --- text format pieces ---

TEST(MetricsTextFormatTest, FormatsIntegralValuesWithoutExponent) {
  EXPECT_EQ(Format(0), "0");
  EXPECT_EQ(Format(-0.0), "0");
  EXPECT_EQ(Format(42), "42");
  EXPECT_EQ(Format(-3), "-3");
  EXPECT_EQ(Format(1e6), "1000000");
  EXPECT_EQ(Format(1e18), "1000000000000000000");
  EXPECT_EQ(Format(9007199254740993.0), "9007199254740992");  // the double nearest 2^53 + 1
}

TEST(MetricsTextFormatTest, FormatsOtherValuesInShortestExactForm) {
  EXPECT_EQ(Format(0.5), "0.5");
  EXPECT_EQ(Format(0.1), "0.1");
  EXPECT_EQ(Format(2.5), "2.5");
  EXPECT_EQ(Format(-0.25), "-0.25");
  EXPECT_EQ(Format(0.0005), "0.0005");  // not "5e-04"
  EXPECT_EQ(Format(0.0025), "0.0025");
  EXPECT_EQ(Format(1.5e-7), "1.5e-07");
  EXPECT_EQ(Format(1e20), "1e+20");
  for (double value : {0.1 + 0.2, 1.0 / 3, 123456.789, 6.02214076e23, 5e-324}) {
    EXPECT_EQ(std::strtod(Format(value).c_str(), nullptr), value) << Format(value);
  }
}

TEST(MetricsTextFormatTest, FormatsInfinitiesAndNaNAsPrometheusReadsThem) {
  EXPECT_EQ(Format(kInf), "+Inf");
  EXPECT_EQ(Format(-kInf), "-Inf");
  EXPECT_EQ(Format(kNaN), "NaN");
}

TEST(MetricsTextFormatTest, FormatsLargestCounterValueExactly) {
  std::string out;
  AppendValue(out, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(out, "18446744073709551615");
}

TEST(MetricsTextFormatTest, ValidatesMetricNames) {
  for (std::string_view name : {"a", "_a", ":a", "a:b_c9", "backbeat_http_requests_total", "A"}) {
    EXPECT_TRUE(IsValidMetricName(name)) << name;
  }
  for (std::string_view name : {"", "1abc", "a-b", "a b", "a.b", "caf\xc3\xa9", "a\n"}) {
    EXPECT_FALSE(IsValidMetricName(name)) << name;
  }
}

TEST(MetricsTextFormatTest, ValidatesLabelNames) {
  for (std::string_view name : {"a", "_", "_a", "a_", "route", "Status2"}) {
    EXPECT_TRUE(IsValidLabelName(name)) << name;
  }
  for (std::string_view name : {"", "1a", "a:b", "a-b", "__name__", "__x", "__"}) {
    EXPECT_FALSE(IsValidLabelName(name)) << name;
  }
}

TEST(MetricsTextFormatTest, EscapesBackslashQuoteAndNewlineInLabelValues) {
  std::string out;
  AppendEscapedLabelValue(out, "a\\b\"c\nd\te");
  EXPECT_EQ(out, R"(a\\b\"c\nd)"
                 "\te");
}

TEST(MetricsTextFormatTest, EscapesBackslashAndNewlineButNotQuotesInHelp) {
  std::string out;
  AppendEscapedHelp(out, "Line one\nC:\\dir \"quoted\"");
  EXPECT_EQ(out, R"(Line one\nC:\\dir "quoted")");
}

// --- counters and gauges ---

TEST(MetricsRegistryTest, RendersAnUnlabelledCounter) {
  Registry registry;
  Counter& fired = registry.AddCounter("backbeat_slots_fired_total", "Slots that produced a run.");
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_slots_fired_total Slots that produced a run.\n"
            "# TYPE backbeat_slots_fired_total counter\n"
            "backbeat_slots_fired_total 0\n");
  fired.Increment();
  fired.Increment(2);
  EXPECT_EQ(fired.Value(), 3u);
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_slots_fired_total Slots that produced a run.\n"
            "# TYPE backbeat_slots_fired_total counter\n"
            "backbeat_slots_fired_total 3\n");
}

TEST(MetricsRegistryTest, RendersGaugesAfterSetAddAndSub) {
  Registry registry;
  Gauge& up = registry.AddGauge("backbeat_up", "1 while serving.");
  Gauge& balance = registry.AddGauge("backbeat_balance", "A value that goes negative.");
  up.Set(10);
  up.Add(2.5);
  up.Sub(0.5);
  balance.Sub(3);
  EXPECT_EQ(up.Value(), 12);
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_up 1 while serving.\n"
            "# TYPE backbeat_up gauge\n"
            "backbeat_up 12\n"
            "# HELP backbeat_balance A value that goes negative.\n"
            "# TYPE backbeat_balance gauge\n"
            "backbeat_balance -3\n");
  up.Set(kInf);
  balance.Set(0.125);
  EXPECT_NE(registry.Render().find("backbeat_up +Inf\n"), std::string::npos);
  EXPECT_NE(registry.Render().find("backbeat_balance 0.125\n"), std::string::npos);
}

TEST(MetricsRegistryTest, RendersLabelledChildrenSortedByLabelValues) {
  Registry registry;
  CounterFamily& requests = registry.AddCounterFamily("backbeat_http_requests_total",
                                                      "HTTP requests.", {"route", "status"});
  requests.With({"/api/tasks", "500"}).Increment();
  requests.With({"/api/runs", "200"}).Increment(4);
  requests.With({"/api/tasks", "200"}).Increment(2);
  GaugeFamily& workers = registry.AddGaugeFamily("backbeat_workers", "Workers.", {"pool"});
  workers.With({"io"}).Set(2);
  workers.With({"executor"}).Set(8);
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_http_requests_total HTTP requests.\n"
            "# TYPE backbeat_http_requests_total counter\n"
            "backbeat_http_requests_total{route=\"/api/runs\",status=\"200\"} 4\n"
            "backbeat_http_requests_total{route=\"/api/tasks\",status=\"200\"} 2\n"
            "backbeat_http_requests_total{route=\"/api/tasks\",status=\"500\"} 1\n"
            "# HELP backbeat_workers Workers.\n"
            "# TYPE backbeat_workers gauge\n"
            "backbeat_workers{pool=\"executor\"} 8\n"
            "backbeat_workers{pool=\"io\"} 2\n");
}

TEST(MetricsRegistryTest, WithReturnsTheSameChildForTheSameValuesHoweverPassed) {
  Registry registry;
  CounterFamily& family = registry.AddCounterFamily("backbeat_x_total", "x", {"a", "b"});
  Counter& first = family.With({"1", "2"});
  std::vector<std::string> strings{"1", "2"};
  std::vector<std::string_view> views{"1", "2"};
  EXPECT_EQ(&family.With(strings), &first);
  EXPECT_EQ(&family.With(views), &first);
  EXPECT_NE(&family.With({"2", "1"}), &first);
  EXPECT_NE(&family.With({"1", ""}), &first);
}

TEST(MetricsRegistryTest, RendersFamiliesInRegistrationOrderNotByName) {
  Registry registry;
  registry.AddCounter("zzz_total", "last by name");
  registry.AddGauge("aaa", "first by name");
  std::string text = registry.Render();
  EXPECT_LT(text.find("zzz_total"), text.find("aaa"));
}

TEST(MetricsRegistryTest, FamilyWithoutChildrenRendersOnlyHelpAndType) {
  Registry registry;
  registry.AddCounterFamily("backbeat_errors_total", "Errors.", {"kind"});
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_errors_total Errors.\n"
            "# TYPE backbeat_errors_total counter\n");
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelpInTheExposition) {
  Registry registry;
  CounterFamily& family =
      registry.AddCounterFamily("backbeat_odd_total", "Help with \\ and\nnewline.", {"v"});
  family.With({"say \"hi\"\\\n"}).Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_odd_total Help with \\\\ and\\nnewline.\n"
            "# TYPE backbeat_odd_total counter\n"
            "backbeat_odd_total{v=\"say \\\"hi\\\"\\\\\\n\"} 1\n");
}

TEST(MetricsRegistryTest, RenderToAppendsToTheBuffer) {
  Registry registry;
  registry.AddCounter("backbeat_a_total", "a");
  std::string out = "prefix\n";
  registry.RenderTo(out);
  EXPECT_EQ(out, "prefix\n" + registry.Render());
}

// --- histograms ---

TEST(MetricsHistogramTest, RendersCumulativeBucketsSumAndCount) {
  Registry registry;
  Histogram& latency =
      registry.AddHistogram("backbeat_request_seconds", "Request latency.", {0.25, 0.5, 1});
  for (double value : {0.125, 0.25, 0.375, 2.0}) latency.Observe(value);
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_request_seconds Request latency.\n"
            "# TYPE backbeat_request_seconds histogram\n"
            "backbeat_request_seconds_bucket{le=\"0.25\"} 2\n"
            "backbeat_request_seconds_bucket{le=\"0.5\"} 3\n"
            "backbeat_request_seconds_bucket{le=\"1\"} 3\n"
            "backbeat_request_seconds_bucket{le=\"+Inf\"} 4\n"
            "backbeat_request_seconds_sum 2.75\n"
            "backbeat_request_seconds_count 4\n");
}

TEST(MetricsHistogramTest, UpperBoundsAreInclusive) {
  Histogram histogram({1, 2});
  histogram.Observe(1);
  histogram.Observe(std::nextafter(1.0, 2.0));
  histogram.Observe(2);
  Histogram::Snapshot snapshot = histogram.Read();
  EXPECT_EQ(snapshot.cumulative_counts, (std::vector<uint64_t>{1, 3, 3}));
  EXPECT_EQ(snapshot.count, 3u);
}

TEST(MetricsHistogramTest, RendersLabelledChildrenWithLeLast) {
  Registry registry;
  HistogramFamily& runs =
      registry.AddHistogramFamily("backbeat_run_seconds", "Run duration.", {"executor"}, {0.5, 1});
  runs.With({"webhook"}).Observe(0.75);
  runs.With({"dry-run"});
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_run_seconds Run duration.\n"
            "# TYPE backbeat_run_seconds histogram\n"
            "backbeat_run_seconds_bucket{executor=\"dry-run\",le=\"0.5\"} 0\n"
            "backbeat_run_seconds_bucket{executor=\"dry-run\",le=\"1\"} 0\n"
            "backbeat_run_seconds_bucket{executor=\"dry-run\",le=\"+Inf\"} 0\n"
            "backbeat_run_seconds_sum{executor=\"dry-run\"} 0\n"
            "backbeat_run_seconds_count{executor=\"dry-run\"} 0\n"
            "backbeat_run_seconds_bucket{executor=\"webhook\",le=\"0.5\"} 0\n"
            "backbeat_run_seconds_bucket{executor=\"webhook\",le=\"1\"} 1\n"
            "backbeat_run_seconds_bucket{executor=\"webhook\",le=\"+Inf\"} 1\n"
            "backbeat_run_seconds_sum{executor=\"webhook\"} 0.75\n"
            "backbeat_run_seconds_count{executor=\"webhook\"} 1\n");
}

TEST(MetricsHistogramTest, WithoutBoundsHasOnlyTheInfBucket) {
  Registry registry;
  registry.AddHistogram("backbeat_h", "h", {}).Observe(3);
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_h h\n"
            "# TYPE backbeat_h histogram\n"
            "backbeat_h_bucket{le=\"+Inf\"} 1\n"
            "backbeat_h_sum 3\n"
            "backbeat_h_count 1\n");
}

TEST(MetricsHistogramTest, NaNCountsOnlyInTheInfBucket) {
  Histogram histogram({1});
  histogram.Observe(kNaN);
  Histogram::Snapshot snapshot = histogram.Read();
  EXPECT_EQ(snapshot.cumulative_counts, (std::vector<uint64_t>{0, 1}));
  EXPECT_TRUE(std::isnan(snapshot.sum));
}

TEST(MetricsHistogramTest, DefaultLatencyBucketsSpanHalfAMillisecondToTenSeconds) {
  std::vector<double> bounds = DefaultLatencyBuckets();
  ASSERT_FALSE(bounds.empty());
  EXPECT_TRUE(IsValidBucketBounds(bounds));
  EXPECT_EQ(bounds.front(), 0.0005);
  EXPECT_EQ(bounds.back(), 10);

  Registry registry;
  registry.AddHistogram("backbeat_latency_seconds", "l", bounds);
  std::string text = registry.Render();
  for (std::string_view le : {"0.0005", "0.001", "0.0025", "0.1", "1", "2.5", "10", "+Inf"}) {
    EXPECT_NE(text.find("backbeat_latency_seconds_bucket{le=\"" + std::string(le) + "\"} 0\n"),
              std::string::npos)
        << le;
  }
}

TEST(MetricsHistogramTest, RejectsBoundsThatAreNotFiniteAndStrictlyIncreasing) {
  Registry registry;
  for (const std::vector<double>& bounds :
       std::vector<std::vector<double>>{{1, 1}, {2, 1}, {kNaN}, {1, kInf}, {-kInf, 1}}) {
    EXPECT_FALSE(IsValidBucketBounds(bounds));
    EXPECT_THROW(registry.AddHistogram("backbeat_bad_seconds", "h", bounds), std::invalid_argument);
    EXPECT_THROW(registry.AddHistogramFamily("backbeat_bad_seconds", "h", {"a"}, bounds),
                 std::invalid_argument);
    EXPECT_THROW(Histogram{bounds}, std::invalid_argument);
  }
  // The failed registrations did not take the name.
  registry.AddHistogram("backbeat_bad_seconds", "h", {1, 2});
}

// --- callback gauges ---

TEST(MetricsCallbackGaugeTest, ComputesTheValueAtEachRender) {
  Registry registry;
  double depth = 3;
  int calls = 0;
  registry.AddCallbackGauge("backbeat_queue_depth", "Runs waiting.", [&] {
    ++calls;
    return depth;
  });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_queue_depth Runs waiting.\n"
            "# TYPE backbeat_queue_depth gauge\n"
            "backbeat_queue_depth 3\n");
  depth = 7.5;
  EXPECT_EQ(SampleValue(registry.Render(), "backbeat_queue_depth"), 7.5);
  EXPECT_EQ(calls, 2);
}

TEST(MetricsCallbackGaugeTest, MayUseTheRegistryWhileItRenders) {
  // Render holds no registry lock while calling back: a callback may read other metrics and
  // even register a family (which the next Render shows).
  Registry registry;
  Counter& started = registry.AddCounter("backbeat_started_total", "s");
  Counter& finished = registry.AddCounter("backbeat_finished_total", "f");
  bool registered = false;
  registry.AddCallbackGauge("backbeat_in_flight", "i", [&] {
    if (!registered) {
      registry.AddGauge("backbeat_late", "Registered during a render.");
      registered = true;
    }
    return static_cast<double>(started.Value() - finished.Value());
  });
  started.Increment(5);
  finished.Increment(2);
  std::string text = registry.Render();
  EXPECT_EQ(SampleValue(text, "backbeat_in_flight"), 3);
  EXPECT_EQ(SampleValue(text, "backbeat_late"), -1);
  EXPECT_EQ(SampleValue(registry.Render(), "backbeat_late"), 0);
}

// --- registration errors ---

TEST(MetricsRegistryTest, RejectsInvalidMetricNames) {
  Registry registry;
  for (std::string_view name : {"", "1abc", "backbeat-http", "backbeat http", "a.b"}) {
    EXPECT_THROW(registry.AddCounter(name, "h"), std::invalid_argument) << name;
    EXPECT_THROW(registry.AddGaugeFamily(name, "h", {"a"}), std::invalid_argument) << name;
    EXPECT_THROW(registry.AddHistogram(name, "h", {1}), std::invalid_argument) << name;
    EXPECT_THROW(registry.AddCallbackGauge(name, "h", [] { return 0.0; }), std::invalid_argument)
        << name;
  }
  EXPECT_EQ(registry.Render(), "");
}

TEST(MetricsRegistryTest, RejectsInvalidRepeatedAndReservedLabelNames) {
  Registry registry;
  EXPECT_THROW(registry.AddCounterFamily("backbeat_a_total", "h", {"__name__"}),
               std::invalid_argument);
  EXPECT_THROW(registry.AddCounterFamily("backbeat_a_total", "h", {"__internal"}),
               std::invalid_argument);
  EXPECT_THROW(registry.AddCounterFamily("backbeat_a_total", "h", {"a:b"}), std::invalid_argument);
  EXPECT_THROW(registry.AddCounterFamily("backbeat_a_total", "h", {"route", ""}),
               std::invalid_argument);
  EXPECT_THROW(registry.AddGaugeFamily("backbeat_a", "h", {"x", "y", "x"}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogramFamily("backbeat_a_seconds", "h", {"le"}, {1}),
               std::invalid_argument);
  // `le` is only reserved in histograms.
  registry.AddGaugeFamily("backbeat_limits", "h", {"le"});
  // None of the failed registrations took its name.
  registry.AddCounterFamily("backbeat_a_total", "h", {"route"});
  registry.AddGauge("backbeat_a", "h");
  registry.AddHistogram("backbeat_a_seconds", "h", {1});
}

TEST(MetricsRegistryTest, RejectsNamesAlreadyTakenIncludingHistogramSuffixes) {
  Registry registry;
  registry.AddCounter("backbeat_x_total", "h");
  EXPECT_THROW(registry.AddCounter("backbeat_x_total", "h"), std::invalid_argument);
  EXPECT_THROW(registry.AddGaugeFamily("backbeat_x_total", "h", {"a"}), std::invalid_argument);
  EXPECT_THROW(registry.AddCallbackGauge("backbeat_x_total", "h", [] { return 0.0; }),
               std::invalid_argument);

  registry.AddHistogram("backbeat_latency", "h", {1});
  for (std::string_view name : {"backbeat_latency", "backbeat_latency_bucket",
                                "backbeat_latency_sum", "backbeat_latency_count"}) {
    EXPECT_THROW(registry.AddGauge(name, "h"), std::invalid_argument) << name;
  }

  registry.AddCounter("backbeat_y_count", "h");
  EXPECT_THROW(registry.AddHistogram("backbeat_y", "h", {1}), std::invalid_argument);
  registry.AddGauge("backbeat_y", "h");  // the failed histogram did not take `backbeat_y`
}

TEST(MetricsRegistryTest, RejectsACallbackGaugeWithoutACallback) {
  Registry registry;
  EXPECT_THROW(registry.AddCallbackGauge("backbeat_q", "h", nullptr), std::invalid_argument);
}

TEST(MetricsRegistryTest, WithRejectsTheWrongNumberOfLabelValues) {
  Registry registry;
  CounterFamily& family = registry.AddCounterFamily("backbeat_r_total", "h", {"a", "b"});
  EXPECT_THROW(family.With({"1"}), std::invalid_argument);
  EXPECT_THROW(family.With({"1", "2", "3"}), std::invalid_argument);
  EXPECT_THROW(family.With(std::vector<std::string>{}), std::invalid_argument);
  EXPECT_EQ(registry.Render(),
            "# HELP backbeat_r_total h\n"
            "# TYPE backbeat_r_total counter\n");
}

// --- concurrency ---

TEST(MetricsConcurrencyTest, UpdatesFromManyThreadsSumExactlyWhileRendering) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50000;
  Registry registry;
  Counter& counter = registry.AddCounter("backbeat_c_total", "c");
  Gauge& gauge = registry.AddGauge("backbeat_g", "g");
  Histogram& histogram = registry.AddHistogram("backbeat_h_seconds", "h", {0.25, 0.5});
  CounterFamily& family = registry.AddCounterFamily("backbeat_f_total", "f", {"parity"});

  std::atomic<bool> done{false};
  std::atomic<int> renders{0};
  std::atomic<int> inconsistent_renders{0};
  std::thread renderer([&] {
    double last_counter = 0;
    while (!done.load()) {
      std::string text = registry.Render();
      double count = SampleValue(text, "backbeat_h_seconds_count");
      double inf = SampleValue(text, "backbeat_h_seconds_bucket{le=\"+Inf\"}");
      double value = SampleValue(text, "backbeat_c_total");
      if (count != inf || value < last_counter) ++inconsistent_renders;
      last_counter = value;
      ++renders;
    }
  });

  std::latch start(kThreads);  // the workers start together, so their updates overlap
  std::vector<std::thread> workers;
  workers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        counter.Increment();
        gauge.Add(1);
        histogram.Observe((i % 3) * 0.25);  // 0, 0.25, 0.5: sums stay exact in a double
        family.With({t % 2 == 0 ? "even" : "odd"}).Increment();
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  done = true;
  renderer.join();

  constexpr uint64_t kTotal = uint64_t{kThreads} * kPerThread;
  EXPECT_EQ(counter.Value(), kTotal);
  EXPECT_EQ(gauge.Value(), static_cast<double>(kTotal));
  Histogram::Snapshot snapshot = histogram.Read();
  EXPECT_EQ(snapshot.count, kTotal);
  uint64_t at_most_a_quarter = 0;  // observations of 0 and 0.25, across all threads
  double sum = 0;
  for (int i = 0; i < kPerThread; ++i) {
    at_most_a_quarter += (i % 3 < 2) ? kThreads : 0;
    sum += kThreads * (i % 3) * 0.25;
  }
  EXPECT_EQ(snapshot.cumulative_counts, (std::vector<uint64_t>{at_most_a_quarter, kTotal, kTotal}));
  EXPECT_EQ(snapshot.sum, sum);
  EXPECT_EQ(family.With({"even"}).Value(), kTotal / 2);
  EXPECT_EQ(family.With({"odd"}).Value(), kTotal / 2);
  EXPECT_GT(renders.load(), 0);
  EXPECT_EQ(inconsistent_renders.load(), 0);

  std::string text = registry.Render();
  EXPECT_EQ(SampleValue(text, "backbeat_c_total"), static_cast<double>(kTotal));
  EXPECT_EQ(SampleValue(text, "backbeat_f_total{parity=\"even\"}"), kTotal / 2.0);
}

TEST(MetricsConcurrencyTest, ConcurrentWithCreatesEachChildOnce) {
  Registry registry;
  GaugeFamily& family = registry.AddGaugeFamily("backbeat_g", "g", {"k"});
  constexpr int kThreads = 4;
  std::vector<Gauge*> seen(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) family.With({std::to_string(i % 10)}).Add(1);
      seen[t] = &family.With({"0"});
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (Gauge* gauge : seen) EXPECT_EQ(gauge, seen[0]);
  std::string text = registry.Render();
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ(SampleValue(text, "backbeat_g{k=\"" + std::to_string(k) + "\"}"), kThreads * 100.0);
  }
}

}  // namespace
}  // namespace backbeat::metrics
