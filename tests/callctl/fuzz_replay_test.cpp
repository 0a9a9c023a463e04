// Replays the call-control sequence fuzzer's seed corpus through the fuzzer's
// own body, so every normal and sanitizer build keeps its invariants, and
// checks that the seeds reach complete calls in both directions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../fuzz/callctl/callctl_body.hpp"

namespace atmsigd::test {
namespace {

TEST(CallctlFuzz, SeedCorpusKeepsTheInvariantsAndGoesDeep) {
  fuzz::CcReach total;
  std::size_t n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(ATMSIGD_SOURCE_DIR "/fuzz/callctl/corpus")) {
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes b{std::istreambuf_iterator<char>(in), {}};
    fuzz::CcReach r;
    EXPECT_EQ(fuzz::run_callctl(b.data(), b.size(), &r), "") << e.path();
    total.established += r.established;
    total.incoming += r.incoming;
    total.modified += r.modified;
    ++n;
  }
  EXPECT_GE(n, 4u);
  EXPECT_GE(total.established, 4u);
  EXPECT_GE(total.incoming, 3u);
  EXPECT_GE(total.modified, 1u);  // q2963-modify: a Q.2963.1 modification granted
}

}  // namespace
}  // namespace atmsigd::test
