// Replays the SSCOP sequence fuzzer's seed corpus through the fuzzer's own body, so every normal
// and sanitizer build keeps its invariants, and checks that the seeds reach
// data transfer, recovery and resynchronisation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../fuzz/sscop/sscop_pair_body.hpp"

namespace atmsigd::test {
namespace {

std::size_t replay_dir(const std::filesystem::path& dir, fuzz::SscopReach& total) {
  std::size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes b{std::istreambuf_iterator<char>(in), {}};
    fuzz::SscopReach r;
    EXPECT_EQ(fuzz::run_sscop_pair(b.data(), b.size(), &r), "") << e.path();
    total.delivered += r.delivered;
    total.recoveries += r.recoveries;
    total.resyncs += r.resyncs;
    ++n;
  }
  return n;
}

TEST(SscopPairFuzz, SeedCorpusKeepsTheInvariantsAndGoesDeep) {
  fuzz::SscopReach total;
  EXPECT_GE(replay_dir(ATMSIGD_SOURCE_DIR "/fuzz/sscop/corpus", total), 4u);
  EXPECT_GT(total.delivered, 20u);
  EXPECT_GT(total.recoveries + total.resyncs, 0u);
}

}  // namespace
}  // namespace atmsigd::test
