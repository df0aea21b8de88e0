#include "backbeat/service/ids.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace backbeat::service {
namespace {

// Ids come from a per-thread buffer of random bytes refilled 4 KiB at a time; these cross many
// refills on several threads at once.
TEST(RandomIdSourceTest, IdsStayWellFormedAndUniqueAcrossThreadsAndBufferRefills) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;  // 24 bytes or more per run id: ~30 refills per thread
  std::mutex mu;
  std::set<std::string> run_ids;
  std::set<std::string> uuids;
  std::set<std::string> tokens;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      RandomIdSource ids;
      std::vector<std::string> runs, us, toks;
      for (int i = 0; i < kPerThread; ++i) {
        runs.push_back(ids.NewRunId());
        us.push_back(ids.NewUuid());
        if (i % 10 == 0) toks.push_back(ids.NewToken(i % 20 == 0 ? 32 : 5000));  // > buffer too
      }
      std::lock_guard lock(mu);
      run_ids.insert(runs.begin(), runs.end());
      uuids.insert(us.begin(), us.end());
      tokens.insert(toks.begin(), toks.end());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(run_ids.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(uuids.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(tokens.size(), size_t{kThreads * kPerThread / 10});
  const std::regex run_id("run_[0-9a-z]{24}");
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (const std::string& id : run_ids) ASSERT_TRUE(std::regex_match(id, run_id)) << id;
  for (const std::string& id : uuids) ASSERT_TRUE(std::regex_match(id, uuid)) << id;
}

// The random part of run ids uses all 36 characters about equally (no byte of the buffer is
// handed out twice, none is stuck at zero after the wipe).
TEST(RandomIdSourceTest, RandomCharactersOfRunIdsAreSpreadOverTheAlphabet) {
  RandomIdSource ids;
  std::vector<int> counts(128, 0);
  constexpr int kIds = 20000;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = ids.NewRunId();
    for (size_t c = 4 + 9; c < id.size(); ++c) ++counts[static_cast<unsigned char>(id[c])];
  }
  const double expected = kIds * 15.0 / 36.0;
  for (char c : std::string("0123456789abcdefghijklmnopqrstuvwxyz")) {
    EXPECT_GT(counts[static_cast<unsigned char>(c)], expected * 0.9) << c;
    EXPECT_LT(counts[static_cast<unsigned char>(c)], expected * 1.1) << c;
  }
}

}  // namespace
}  // namespace backbeat::service
