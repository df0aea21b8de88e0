// Replays the committed libFuzzer corpora through the fuzz targets' own checks, so every input the
// fuzzers found interesting (and every saved `regression-*` reproducer) is re-verified by each
// ordinary build, without clang or libFuzzer.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/tzdb/zone_database.hpp"
#include "fuzz/cron_parser_checks.hpp"
#include "fuzz/http_request_checks.hpp"
#include "fuzz/query_checks.hpp"
#include "fuzz/task_json_checks.hpp"
#include "fuzz/zone_name_checks.hpp"

namespace backbeat::fuzz {
namespace {

namespace fs = std::filesystem;

fs::path CorpusDir(std::string_view name) { return fs::path(BACKBEAT_FUZZ_CORPUS_DIR) / name; }

// The corpus files, sorted so failures are reported in a stable order. Empty if the directory
// is missing; the tests below treat that as a failure rather than a vacuous pass.
std::vector<fs::path> CorpusFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The system's zone database, loaded once; null if it cannot be read.
const tzdb::ZoneDatabase* Zones() {
  static const std::unique_ptr<tzdb::ZoneDatabase> zones = [] {
    auto loaded = tzdb::ZoneDatabase::Load();
    return loaded.ok() ? std::move(loaded).value() : nullptr;
  }();
  return zones.get();
}

// Every file of fuzz/corpus/<name>/ through `check`; a corpus must exist and hold something.
void ReplayCorpus(std::string_view name,
                  const std::function<CheckResult(std::string_view)>& check) {
  const fs::path dir = CorpusDir(name);
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
  const std::vector<fs::path> files = CorpusFiles(dir);
  ASSERT_FALSE(files.empty()) << "no corpus files in " << dir;
  for (const fs::path& file : files) {
    const CheckResult result = check(ReadBytes(file));
    EXPECT_TRUE(result.ok) << name << "/" << file.filename().string() << ": " << result.diagnostic;
  }
}

TEST(FuzzCorpusReplayTest, EveryCronParserInputHoldsTheInvariants) {
  ReplayCorpus("cron_parser", [](std::string_view input) {
    const CronCheckResult result = CheckCronParserInput(input);
    return CheckResult{result.ok, result.diagnostic};
  });
}

TEST(FuzzCorpusReplayTest, EveryHttpRequestInputHoldsTheInvariants) {
  const tzdb::ZoneDatabase* zones = Zones();
  ASSERT_NE(zones, nullptr) << "cannot load the zone database";
  ReplayCorpus("http_request",
               [&](std::string_view input) { return CheckHttpRequestInput(input, *zones); });
}

TEST(FuzzCorpusReplayTest, EveryTaskJsonInputHoldsTheInvariants) {
  const tzdb::ZoneDatabase* zones = Zones();
  ASSERT_NE(zones, nullptr) << "cannot load the zone database";
  ReplayCorpus("task_json",
               [&](std::string_view input) { return CheckTaskJsonInput(input, *zones); });
}

TEST(FuzzCorpusReplayTest, EveryQueryInputHoldsTheInvariants) {
  ReplayCorpus("query", [](std::string_view input) { return CheckQueryInput(input); });
}

TEST(FuzzCorpusReplayTest, EveryZoneNameInputHoldsTheInvariants) {
  const tzdb::ZoneDatabase* zones = Zones();
  ASSERT_NE(zones, nullptr) << "cannot load the zone database";
  ReplayCorpus("zone_name",
               [&](std::string_view input) { return CheckZoneNameInput(input, *zones); });
}

// The checks are not vacuous: each target's checker refuses what breaks its contract. (The
// corpora only hold inputs that pass, so without these a checker that accepted everything would
// go unnoticed.)
TEST(FuzzCorpusReplayTest, ChecksRejectBrokenAnswers) {
  Expectations missing_fields;
  CheckErrorBody(
      R"({"status":"error","error":"Invalid HTTP request","message":"Invalid HTTP request"})", 400,
      missing_fields);
  EXPECT_FALSE(missing_fields.ok()) << "a 400 without missing_fields passed";

  Expectations differing;
  CheckErrorBody(R"({"status":"error","error":"a","message":"b"})", 404, differing);
  EXPECT_FALSE(differing.ok()) << "an error whose error and message differ passed";

  Expectations good;
  CheckErrorBody(R"({"status":"error","error":"Not found","message":"Not found"})", 404, good);
  EXPECT_TRUE(good.ok()) << good.result().diagnostic;
}

}  // namespace
}  // namespace backbeat::fuzz
