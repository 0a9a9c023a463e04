// Replays the kernel-side fuzzer's seed corpus and every past crash through
// the same body, so normal (and sanitizer) builds keep them fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../fuzz/atmsvc/kernel_frames_body.hpp"

namespace atmsigd::test {
namespace {

void replay_dir(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes b{std::istreambuf_iterator<char>(in), {}};
    EXPECT_TRUE(fuzz::run_kernel_frames(b.data(), b.size())) << e.path();
    ++n;
  }
  EXPECT_GT(n, 0u) << dir;
}

TEST(KernelFramesFuzz, SeedCorpus) {
  replay_dir(ATMSIGD_SOURCE_DIR "/fuzz/atmsvc/corpus");
}

TEST(KernelFramesFuzz, PastCrashes) {
  replay_dir(ATMSIGD_SOURCE_DIR "/tests/atmsvc/regress");
}

// The crash found first: a frame with garbage QoS reached libatm's qos2text
// through the log summary before validation.
TEST(KernelFramesFuzz, SummaryOfGarbageIsSafe) {
  atmsvc::Message m(as_connect);
  std::memset(&m.raw().qos, 0xa5, sizeof m.raw().qos);
  std::memset(&m.raw().sap, 0xff, sizeof m.raw().sap);
  std::memset(&m.raw().svc, 0x37, sizeof m.raw().svc);
  m.raw().svc.sas_family = AF_ATMSVC;
  const auto s = m.summary();
  EXPECT_NE(s.find("qos=<raw"), std::string::npos) << s;
  EXPECT_NE(s.find("sap=<raw"), std::string::npos) << s;
  EXPECT_NE(s.find("svc=<bad E.164>"), std::string::npos) << s;
}

}  // namespace
}  // namespace atmsigd::test
