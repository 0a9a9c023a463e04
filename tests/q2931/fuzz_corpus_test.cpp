// Runs the decoder fuzz property (fuzz/q2931/decode_fuzz_body.hpp) inside GoogleTest:
// over the committed seed corpus, over every test vector in every version, and over
// a fixed set of deterministic mutations of them, so gcc/ASan builds exercise it.
//
// The seed corpus is generated from the test vectors:
//   ATMSIGD_WRITE_Q2931_CORPUS=fuzz/q2931/corpus ./q2931_test --gtest_filter=FuzzCorpus.Write
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "../../fuzz/q2931/decode_fuzz_body.hpp"
#include "cases.hpp"

namespace atmsigd::q2931 {
namespace {

// Version selector octet + message, as the fuzzer reads its input.
struct Seed {
  std::string name;
  Bytes data;
};

std::vector<Seed> seeds() {
  std::vector<Seed> out;
  auto add = [&](const std::string& name, Version v, const Bytes& msg) {
    Bytes d{static_cast<std::uint8_t>(v)};
    d.insert(d.end(), msg.begin(), msg.end());
    out.push_back({name, std::move(d)});
  };
  for (const auto& c : test::message_cases()) add(std::string("msg_") + c.name, c.version, c.wire);
  for (const auto& c : test::ie_cases()) {
    Message m;
    m.type = MessageType::kSetup;
    m.cref = {3, false};
    m.add(c.value);
    add(std::string("ie_") + c.name, c.version, encode(m, c.version));
  }
  add("setup_uni40", Version::kUni40, encode(test::original_setup(true), Version::kUni40));
  add("unknown_ie_flagged", Version::kUni40,
      test::hx("09 03 00 00 05 0f 80 00 06 7a 95 00 02 ab cd"));
  add("unknown_msg_flagged", Version::kQ2931, test::hx("09 03 00 00 05 33 91 00 00"));
  // Codeset shifts: a locking shift to 5 then a codeset-5 "cause"; a non-locking shift
  // to 6 covering one connected subaddress; a locking shift going back (content error).
  add("shift_locking", Version::kUni40,
      test::hx("09 03 80 00 05 07 80 00 0b 60 80 00 01 85 08 80 00 02 80 9f"));
  add("shift_non_locking", Version::kUni40,
      test::hx("09 03 80 00 05 07 80 00 11 61 80 00 01 86 4d 80 00 02 80 47 4d 80 00 02 80 47"));
  add("shift_back", Version::kUni31,
      test::hx("09 03 80 00 05 07 80 00 0a 60 80 00 01 87 60 80 00 01 85"));
  // A UNI 3.0 SETUP (AAL Mode, network-coded QoS) in UNI 3.1 with 3.0 compatibility.
  add("setup_uni31_compat30", Version::kUni31Compat30, test::captured::kCapSetup);
  return out;
}

TEST(FuzzCorpus, PropertyHoldsOnTheCommittedSeedCorpus) {
  const std::filesystem::path dir = Q2931_CORPUS_DIR;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream f(entry.path(), std::ios::binary);
    const Bytes b{std::istreambuf_iterator<char>(f), {}};
    fuzz::decode_one(b.data(), b.size());
    ++n;
  }
  EXPECT_GE(n, 50u);
}

TEST(FuzzCorpus, PropertyHoldsOnEveryVectorInEveryVersion) {
  for (auto s : seeds())
    for (std::uint8_t v = 0; v < 5; ++v) {  // every Version, kUni31Compat30 too
      s.data[0] = v;
      fuzz::decode_one(s.data.data(), s.data.size());
    }
}

TEST(FuzzCorpus, PropertyHoldsOnDeterministicMutations) {
  std::mt19937 rng(2931);
  const auto all = seeds();
  for (int i = 0; i < 40000; ++i) {
    Bytes d = all[rng() % all.size()].data;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && d.size() > 1; ++e) {
      const std::size_t pos = 1 + rng() % (d.size() - 1);
      switch (rng() % 4) {
        case 0:
          d[pos] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          d[pos] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
          break;
        case 2:
          d.erase(d.begin() + static_cast<std::ptrdiff_t>(pos));
          break;
        default:
          d.insert(d.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(rng()));
          break;
      }
    }
    fuzz::decode_one(d.data(), d.size());
  }
}

TEST(FuzzCorpus, Write) {
  const char* dir = std::getenv("ATMSIGD_WRITE_Q2931_CORPUS");
  if (dir == nullptr) GTEST_SKIP() << "set ATMSIGD_WRITE_Q2931_CORPUS=<dir> to regenerate";
  std::filesystem::create_directories(dir);
  for (const auto& s : seeds()) {
    std::ofstream f(std::filesystem::path(dir) / (s.name + ".bin"), std::ios::binary);
    f.write(reinterpret_cast<const char*>(s.data.data()),
            static_cast<std::streamsize>(s.data.size()));
  }
}

}  // namespace
}  // namespace atmsigd::q2931
