// Replays the committed libFuzzer corpus through the fuzz target's own checks, so every input the
// fuzzer found interesting (and every saved `regression-*` reproducer) is re-verified by each
// ordinary build, without clang or libFuzzer.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/cron_parser_checks.hpp"

namespace backbeat::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kCronParserCorpus = fs::path(BACKBEAT_FUZZ_CORPUS_DIR) / "cron_parser";

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

TEST(FuzzCorpusReplayTest, CronParserCorpusExistsAndIsNotEmpty) {
  ASSERT_TRUE(fs::is_directory(kCronParserCorpus)) << kCronParserCorpus << " is missing";
  EXPECT_FALSE(CorpusFiles(kCronParserCorpus).empty()) << kCronParserCorpus << " is empty";
}

TEST(FuzzCorpusReplayTest, EveryCronParserInputHoldsTheInvariants) {
  const std::vector<fs::path> files = CorpusFiles(kCronParserCorpus);
  ASSERT_FALSE(files.empty()) << "no corpus files in " << kCronParserCorpus;
  for (const fs::path& file : files) {
    const CronCheckResult result = CheckCronParserInput(ReadBytes(file));
    EXPECT_TRUE(result.ok) << file.filename().string() << ": " << result.diagnostic;
  }
}

}  // namespace
}  // namespace backbeat::fuzz
