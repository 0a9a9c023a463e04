// Replays the engine fuzzer's seed corpus and past findings (tests/engine/fuzz_regress) (kernel
// frames with the real call control behind) through the fuzzer's own body, so every normal and
// sanitizer build keeps its invariants, and checks that the seeds complete calls.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../fuzz/engine/engine_body.hpp"

namespace atmsigd::test {
namespace {

TEST(EngineFuzz, SeedCorpusKeepsTheInvariantsAndGoesDeep) {
  fuzz::CcReach total;
  std::size_t n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(ATMSIGD_SOURCE_DIR "/fuzz/engine/corpus")) {
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes b{std::istreambuf_iterator<char>(in), {}};
    fuzz::CcReach r;
    EXPECT_EQ(fuzz::run_engine(b.data(), b.size(), &r), "") << e.path();
    total.established += r.established;
    total.incoming += r.incoming;
    ++n;
  }
  EXPECT_GE(n, 3u);
  EXPECT_GE(total.established, 2u);  // a call from the network and one to it
  EXPECT_GE(total.incoming, 1u);
}

// Every input the fuzzer ever failed on, kept with the fix it led to.
TEST(EngineFuzz, PastFindings) {
  std::size_t n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(ATMSIGD_SOURCE_DIR "/tests/engine/fuzz_regress")) {
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes b{std::istreambuf_iterator<char>(in), {}};
    EXPECT_EQ(fuzz::run_engine(b.data(), b.size()), "") << e.path();
    ++n;
  }
  EXPECT_GT(n, 0u);
}

}  // namespace
}  // namespace atmsigd::test
