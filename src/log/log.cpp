#include "atmsigd/log/log.hpp"

#include <cctype>
#include <new>
#include <utility>

namespace atmsigd::log {

std::string_view group_name(Group g) {
  static constexpr std::string_view kNames[] = {"debug", "io", "saal", "sig", "policy"};
  return kNames[static_cast<std::size_t>(g)];
}

std::string_view level_name(Level l) {
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error", "off"};
  return kNames[static_cast<std::size_t>(l)];
}

std::string id_name(Id id) {
  // kCallEstablished -> CALL_ESTABLISHED
  const std::string_view n = spec(id).name.substr(1);
  std::string s;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    if (i != 0 && std::isupper(static_cast<unsigned char>(c)) != 0) s += '_';
    s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

namespace {

// The free arrays of this thread, at most kKept (a burst of debug events may
// take more; they go back to the heap). Freed with the thread.
struct ArgBlocks {
  struct Free {
    Free* next;
  };
  static constexpr std::size_t kBytes = kPooledArgs * sizeof(Arg);
  static constexpr unsigned kKept = 64;
  Free* head = nullptr;
  unsigned n = 0;
  ArgBlocks() = default;
  ArgBlocks(const ArgBlocks&) = delete;
  ArgBlocks& operator=(const ArgBlocks&) = delete;
  ~ArgBlocks() {
    while (head != nullptr) ::operator delete(std::exchange(head, head->next));
    n = 0;
  }
};
static_assert(alignof(Arg) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
thread_local ArgBlocks t_blocks;

}  // namespace

void* take_arg_block() {
  ArgBlocks& b = t_blocks;
  if (b.head == nullptr) return ::operator new(ArgBlocks::kBytes);
  --b.n;
  return std::exchange(b.head, b.head->next);
}

void give_arg_block(void* p) noexcept {
  ArgBlocks& b = t_blocks;
  if (b.n == ArgBlocks::kKept) {
    ::operator delete(p);
    return;
  }
  ++b.n;
  b.head = ::new (p) ArgBlocks::Free{b.head};
}

RateLimiter::Verdict RateLimiter::admit(Id id, TimePoint now) {
  Slot& s = slots_[static_cast<std::size_t>(id)];
  if (s.count == 0 || now - s.start >= window_) {
    s.start = now;
    s.count = 0;
  }
  if (s.count >= burst_) {
    ++s.suppressed;
    return {false, 0};
  }
  ++s.count;
  return {true, std::exchange(s.suppressed, 0)};
}

}  // namespace atmsigd::log
