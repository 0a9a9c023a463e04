// BufferPool: message buffers kept for reuse (issue 13), bounded in number
// and in capacity, their capacity kept across a give-back.
#include "atmsigd/util/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <utility>
#include <vector>

namespace atmsigd {
namespace {

TEST(BufferPool, TakenBufferIsEmptyWithRoomForAMessage) {
  BufferPool pool;
  const Bytes b = pool.take();
  EXPECT_TRUE(b.empty());
  EXPECT_GE(b.capacity(), BufferPool::kCapacity);
  EXPECT_EQ(pool.kept(), 0u);
}

TEST(BufferPool, GivenBackBufferIsReusedWithItsCapacity) {
  BufferPool pool;
  Bytes b = pool.take();
  b.assign(300, 0x5a);  // grown past kCapacity: the larger capacity is kept
  const auto* storage = b.data();
  const std::size_t cap = b.capacity();
  pool.give_back(std::move(b));
  EXPECT_EQ(pool.kept(), 1u);
  const Bytes again = pool.take();
  EXPECT_EQ(pool.kept(), 0u);
  EXPECT_TRUE(again.empty());  // the content went
  EXPECT_EQ(again.data(), storage);
  EXPECT_EQ(again.capacity(), cap);
}

TEST(BufferPool, LastGivenBackIsTakenFirst) {
  BufferPool pool;
  Bytes a = pool.take();
  Bytes b = pool.take();
  const auto* pa = a.data();
  const auto* pb = b.data();
  ASSERT_NE(pa, pb);
  pool.give_back(std::move(a));
  pool.give_back(std::move(b));
  EXPECT_EQ(pool.take().data(), pb);  // the warmest first
  EXPECT_EQ(pool.take().data(), pa);
}

TEST(BufferPool, KeepsAtMostKKept) {
  BufferPool pool;
  std::vector<Bytes> taken;
  for (std::size_t i = 0; i < BufferPool::kKept + 10; ++i) taken.push_back(pool.take());
  for (auto& b : taken) pool.give_back(std::move(b));
  EXPECT_EQ(pool.kept(), BufferPool::kKept);  // the other ten were freed
  for (const auto& b : taken) EXPECT_EQ(b.capacity(), 0u);
  for (std::size_t i = 0; i < BufferPool::kKept; ++i) pool.take();
  EXPECT_EQ(pool.kept(), 0u);
}

TEST(BufferPool, FreesBuffersTooSmallOrTooLarge) {
  BufferPool pool;
  Bytes small{1, 2, 3};
  small.shrink_to_fit();
  pool.give_back(std::move(small));
  Bytes none;
  pool.give_back(std::move(none));
  Bytes large;
  large.reserve(BufferPool::kMaxCapacity + 1);
  pool.give_back(std::move(large));
  EXPECT_EQ(pool.kept(), 0u);
  EXPECT_EQ(large.capacity(), 0u);  // freed, not left behind in the moved-from buffer
  Bytes at_bounds;
  at_bounds.reserve(BufferPool::kMaxCapacity);
  pool.give_back(std::move(at_bounds));
  EXPECT_EQ(pool.kept(), 1u);
}

// Steady state: one buffer cycling through take and give-back is the same
// storage every time (no malloc per message).
TEST(BufferPool, SteadyStateCyclesTheSameStorage) {
  BufferPool pool;
  Bytes first = pool.take();
  const auto* p = first.data();
  pool.give_back(std::move(first));
  for (int i = 0; i < 100; ++i) {
    Bytes b = pool.take();
    EXPECT_EQ(b.data(), p);
    b.assign(200, static_cast<std::uint8_t>(i));
    pool.give_back(std::move(b));
  }
  EXPECT_EQ(pool.kept(), 1u);
}

// The thread's pool behind take_buffer()/give_back_buffer(): pooled, except
// under ASan (a fresh buffer each time, so that a use after give-back is seen).
TEST(BufferPool, ThisThreadsPool) {
  Bytes b = take_buffer();
  EXPECT_TRUE(b.empty());
  EXPECT_GE(b.capacity(), BufferPool::kCapacity);
  const auto* p = b.data();
  b.push_back(1);
  const std::size_t before = this_thread_buffers().kept();
  give_back_buffer(std::move(b));
  if constexpr (kBuffersPooled) {
    EXPECT_EQ(this_thread_buffers().kept(), before + 1);
    const Bytes again = take_buffer();
    EXPECT_EQ(again.data(), p);
    EXPECT_TRUE(again.empty());
  } else {
    EXPECT_EQ(this_thread_buffers().kept(), before);
  }
  // Another thread has its own.
  std::size_t other = 1;
  std::thread([&other] { other = this_thread_buffers().kept(); }).join();
  EXPECT_EQ(other, 0u);
}

}  // namespace
}  // namespace atmsigd
