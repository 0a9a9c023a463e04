#include "atmsigd/util/flat_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace atmsigd::util {
namespace {

// Few buckets' worth of distinct hashes: long clusters that wrap around the
// end of the table, so backward shift meets every case.
struct CollidingHash {
  std::uint64_t operator()(std::uint64_t k) const noexcept {
    return (k % 7) * 0x2545f4914f6cdd1dULL + (k % 3 == 0 ? ~std::uint64_t{0} : 0);
  }
};

template <class Map, class Ref>
void expect_same(const Map& m, const Ref& ref) {
  ASSERT_EQ(m.size(), ref.size());
  std::size_t seen = 0;
  for (const auto& [k, v] : m) {
    auto it = ref.find(k);
    ASSERT_NE(it, ref.end()) << k;
    EXPECT_EQ(v, it->second) << k;
    ++seen;
  }
  EXPECT_EQ(seen, ref.size());
  for (const auto& [k, v] : ref) {
    auto it = m.find(k);
    ASSERT_NE(it, m.end()) << k;
    EXPECT_EQ(it->second, v);
  }
}

// Random insert / assign / find / erase against std::unordered_map, checked
// after every operation (lookups) and every 97 operations (whole contents).
template <class Hash>
void differential(std::uint64_t key_range, int ops, std::uint32_t seed) {
  FlatMap<std::uint64_t, std::uint64_t, Hash> m;
  std::unordered_map<std::uint64_t, std::uint64_t> ref;
  std::mt19937_64 rng(seed);
  for (int n = 0; n < ops; ++n) {
    const std::uint64_t k = rng() % key_range;
    switch (rng() % 7) {
      case 6: {
        // emplace_absent: only for a key known to be absent.
        if (ref.contains(k)) break;
        const std::uint64_t v = rng();
        EXPECT_EQ(m.emplace_absent(k, v), v);
        ref.emplace(k, v);
        break;
      }
      case 0:
      case 1: {
        const std::uint64_t v = rng();
        auto [it, fresh] = m.try_emplace(k, v);
        auto [rit, rfresh] = ref.try_emplace(k, v);
        ASSERT_EQ(fresh, rfresh);
        EXPECT_EQ(it->first, k);
        EXPECT_EQ(it->second, rit->second);
        break;
      }
      case 2: {
        const std::uint64_t v = rng();
        m[k] = v;
        ref[k] = v;
        break;
      }
      case 3:
        ASSERT_EQ(m.erase(k), ref.erase(k)) << "op " << n;
        break;
      case 4: {
        // erase_into: the value moved out, untouched when absent.
        std::uint64_t v = 12345;
        auto rit = ref.find(k);
        ASSERT_EQ(m.erase_into(k, v), rit != ref.end()) << "op " << n;
        EXPECT_EQ(v, rit != ref.end() ? rit->second : 12345u);
        if (rit != ref.end()) ref.erase(rit);
        break;
      }
      default: {
        auto it = m.find(k);
        auto rit = ref.find(k);
        ASSERT_EQ(it == m.end(), rit == ref.end());
        if (rit != ref.end()) {
          EXPECT_EQ(it->second, rit->second);
        }
        EXPECT_EQ(m.contains(k), ref.contains(k));
        // find_ptr: the same slot as find(), null when absent.
        const auto* p = m.find_ptr(k);
        ASSERT_EQ(p == nullptr, rit == ref.end());
        if (p != nullptr) {
          EXPECT_EQ(p, &it->second);
        }
        const auto& cm = m;
        EXPECT_EQ(cm.find_ptr(k), p);
      }
    }
    ASSERT_EQ(m.size(), ref.size());
    if (n % 97 == 0) expect_same(m, ref);
  }
  expect_same(m, ref);
  // Erasing everything leaves an empty table that still works.
  for (const auto& [k, v] : ref) ASSERT_EQ(m.erase(k), 1u);
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.begin(), m.end());
  m[5] = 6;
  EXPECT_EQ(m.at(5), 6u);
}

TEST(FlatMap, MatchesUnorderedMapOnRandomOperations) {
  for (std::uint32_t seed = 1; seed <= 4; ++seed) differential<IntHash>(2000, 60000, seed);
}

TEST(FlatMap, MatchesUnorderedMapWithCollidingHashes) {
  for (std::uint32_t seed = 1; seed <= 4; ++seed) differential<CollidingHash>(300, 20000, seed);
}

TEST(FlatMap, GrowsByHalfAndStaysUnderFourFifths) {
  FlatMap<std::uint32_t, std::uint32_t> m;
  EXPECT_EQ(m.capacity(), 0u);
  EXPECT_EQ(m.memory_bytes(), 0u);  // nothing reserved while empty
  std::size_t last_cap = 0;
  for (std::uint32_t i = 0; i < 100000; ++i) {
    m[i] = i * 3;
    ASSERT_LE(m.size() * 5, m.capacity() * 4);
    if (m.capacity() != last_cap) {
      if (last_cap >= 16) {
        EXPECT_EQ(m.capacity(), last_cap + last_cap / 2);
      }
      last_cap = m.capacity();
    }
  }
  for (std::uint32_t i = 0; i < 100000; ++i) ASSERT_EQ(m.at(i), i * 3);
  // A slot is the pair and a bit; the table is at least 53 % full.
  EXPECT_LE(m.memory_bytes(), 100000 * 8 * 15 / 8 + 100000 * 15 / 64 + 64);
  EXPECT_THROW(m.at(100000), std::out_of_range);
}

TEST(FlatMap, HoldsMoveOnlyAndNonTrivialValues) {
  FlatMap<int, std::unique_ptr<std::string>> m;
  for (int i = 0; i < 1000; ++i) m.try_emplace(i, std::make_unique<std::string>(std::to_string(i)));
  for (int i = 0; i < 1000; i += 2) EXPECT_EQ(m.erase(i), 1u);
  EXPECT_EQ(m.size(), 500u);
  for (int i = 1; i < 1000; i += 2) EXPECT_EQ(*m.at(i), std::to_string(i));
  FlatMap<int, std::unique_ptr<std::string>> moved(std::move(m));
  EXPECT_EQ(moved.size(), 500u);
  EXPECT_EQ(*moved.at(999), "999");
  moved.clear();
  EXPECT_TRUE(moved.empty());
  EXPECT_FALSE(moved.contains(999));
}

TEST(FlatMap, EraseByIterator) {
  FlatMap<std::uint64_t, int> m;
  for (int i = 0; i < 50; ++i) m[static_cast<std::uint64_t>(i)] = i;
  auto it = m.find(17);
  ASSERT_NE(it, m.end());
  m.erase(it);
  EXPECT_FALSE(m.contains(17));
  EXPECT_EQ(m.size(), 49u);
  for (int i = 0; i < 50; ++i)
    if (i != 17) {
      EXPECT_EQ(m.at(static_cast<std::uint64_t>(i)), i);
    }
}

TEST(FlatMap, LargeTablesComeFromMmapAndGoBack) {
  // Past 256 KiB the table is mapped; growing unmaps the old one and every
  // entry moves over.
  FlatMap<std::uint64_t, std::uint64_t> m;
  for (std::uint64_t i = 0; i < 200000; ++i) m[i * 7919] = i;
  EXPECT_GE(m.memory_bytes(), flat_detail::kMmapFrom);
  for (std::uint64_t i = 0; i < 200000; ++i) ASSERT_EQ(m.at(i * 7919), i);
}

struct Record {
  std::uint64_t id = 0;
  std::unique_ptr<int> extra;
};

TEST(SlabMap, MatchesMapAndKeepsRecordsInPlace) {
  SlabMap<std::uint64_t, Record> m;
  std::map<std::uint64_t, std::uint64_t> ref;
  std::unordered_map<std::uint64_t, const Record*> where;
  std::mt19937_64 rng(7);
  for (int n = 0; n < 50000; ++n) {
    const std::uint64_t k = rng() % 3000;
    if (!ref.contains(k)) {
      EXPECT_EQ(m.find_ptr(k), nullptr);
    }
    if (rng() % 3 == 0) {
      const bool had = ref.erase(k) != 0;
      ASSERT_EQ(m.erase(k), had ? 1u : 0u);
      where.erase(k);
    } else if (!ref.contains(k)) {
      auto [it, fresh] = m.emplace(k, Record{k, std::make_unique<int>(static_cast<int>(k))});
      ASSERT_TRUE(fresh);
      ref[k] = k;
      where[k] = &it->second;
    } else {
      // A record stays where it was, however the index grew meanwhile.
      auto it = m.find(k);
      ASSERT_NE(it, m.end());
      EXPECT_EQ(&it->second, where[k]);
      EXPECT_EQ(m.find_ptr(k), where[k]);
      EXPECT_EQ(static_cast<const decltype(m)&>(m).find_ptr(k), where[k]);
      EXPECT_EQ(it->second.id, k);
      EXPECT_EQ(*it->second.extra, static_cast<int>(k));
      auto [again, fresh] = m.emplace(k, Record{});
      EXPECT_FALSE(fresh);
      EXPECT_EQ(&again->second, where[k]);
    }
    ASSERT_EQ(m.size(), ref.size());
  }
  std::size_t n = 0;
  for (const auto& [k, r] : m) {
    EXPECT_EQ(r.id, k);
    EXPECT_TRUE(ref.contains(k));
    ++n;
  }
  EXPECT_EQ(n, ref.size());
}

// emplace_absent(): the caller knows the key is new (no look-up first); the
// record is the one find_ptr() gives, and a released slot is reused.
TEST(SlabMap, EmplaceAbsentInsertsWithoutLookUp) {
  SlabMap<int, Record> m;
  for (int k = 0; k < 600; ++k) {
    Record& r =
        m.emplace_absent(k, Record{static_cast<std::uint64_t>(k), std::make_unique<int>(k)});
    ASSERT_EQ(m.find_ptr(k), &r);
    ASSERT_EQ(m.size(), static_cast<std::size_t>(k) + 1);
  }
  for (int k = 0; k < 600; ++k) {
    const Record* r = m.find_ptr(k);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->id, static_cast<std::uint64_t>(k));
    EXPECT_EQ(*r->extra, k);
  }
  Record* gone = m.find_ptr(5);
  EXPECT_EQ(m.erase(5), 1u);
  Record& again = m.emplace_absent(1000, Record{1000, nullptr});
  EXPECT_EQ(&again, gone);  // the released slot
  EXPECT_EQ(again.id, 1000u);
  EXPECT_EQ(again.extra, nullptr);
  EXPECT_EQ(m.find_ptr(5), nullptr);
}

// A released record's resources go when it is erased, not when its slot is
// reused.
TEST(SlabMap, EraseFreesTheRecordsResourcesAtOnce) {
  struct Held {
    std::shared_ptr<int> p;
  };
  SlabMap<int, Held> m;
  auto p = std::make_shared<int>(1);
  m.emplace_absent(1, Held{p});
  EXPECT_EQ(p.use_count(), 2);
  EXPECT_EQ(m.erase(1), 1u);
  EXPECT_EQ(p.use_count(), 1);
}

TEST(SlabMap, ReusesReleasedRecordsReset) {
  SlabMap<int, Record> m;
  EXPECT_EQ(m.memory_bytes(), 0u);
  m[1].extra = std::make_unique<int>(5);
  Record* first = &m.at(1);
  EXPECT_EQ(m.erase(1), 1u);
  EXPECT_EQ(m.erase(1), 0u);
  Record& r = m[2];  // the released slot, reset
  EXPECT_EQ(&r, first);
  EXPECT_EQ(r.extra, nullptr);
  EXPECT_TRUE(m.contains(2));
  EXPECT_FALSE(m.contains(1));
  EXPECT_THROW(m.at(1), std::out_of_range);
  m.clear();
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace atmsigd::util
