// The log-event catalog, its documentation, the level filter, the formatter
// and the rate limiter.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <vector>

#include "atmsigd/log/format.hpp"
#include "atmsigd/q2931/text.hpp"
#include "atmsigd/util/atm_text.hpp"

// Counts allocations, to show that a disabled event allocates nothing.
static std::atomic<std::size_t> g_allocations{0};
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
static std::atomic<std::size_t> g_frees{0};
void operator delete(void* p) noexcept {
  if (p != nullptr) ++g_frees;
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  if (p != nullptr) ++g_frees;
  std::free(p);
}

namespace atmsigd::log {
namespace {

std::string docs() {
  std::ifstream f(ATMSIGD_DOCS_DIR "/log-messages.md");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(LogCatalog, EveryIdIsDocumentedWithItsLevel) {
  const std::string d = docs();
  ASSERT_FALSE(d.empty());
  for (std::size_t i = 0; i < kIds; ++i) {
    const Id id = static_cast<Id>(i);
    const std::string line =
        "% " + id_name(id) + " " + std::string(level_name(spec(id).level)) + ":";
    EXPECT_NE(d.find(line), std::string::npos) << "docs/log-messages.md lacks: " << line;
  }
}

TEST(LogCatalog, DocumentedIdsExist) {
  // The reverse: no stale entry in the docs.
  std::istringstream d(docs());
  std::string line;
  while (std::getline(d, line)) {
    if (line.rfind("% ", 0) != 0) continue;
    const std::string name = line.substr(2, line.find(' ', 2) - 2);
    bool found = false;
    for (std::size_t i = 0; i < kIds; ++i) found |= id_name(static_cast<Id>(i)) == name;
    EXPECT_TRUE(found) << "documented but not in the catalog: " << name;
  }
}

TEST(LogCatalog, IdNamesAreUpperSnakeCase) {
  EXPECT_EQ(id_name(Id::kCallEstablished), "CALL_ESTABLISHED");
  EXPECT_EQ(id_name(Id::kLinkUp), "LINK_UP");
  EXPECT_EQ(spec(Id::kLinkDown).group, Group::kSaal);
  EXPECT_EQ(spec(Id::kLinkDown).level, Level::kWarn);
}

TEST(LogLevels, DefaultIsInfoPerGroup) {
  Levels l;
  EXPECT_TRUE(l.enabled(Id::kCallEstablished));
  EXPECT_FALSE(l.enabled(Id::kLoopbackOffered));
  l.set(Group::kSig, Level::kDebug);
  EXPECT_TRUE(l.enabled(Id::kLoopbackOffered));
  EXPECT_FALSE(l.enabled(Id::kSscopState));  // another group
  l.set(Group::kSig, Level::kWarn);
  EXPECT_FALSE(l.enabled(Id::kCallEstablished));
  EXPECT_TRUE(l.enabled(Id::kCallsHeldAtExit));
  l.set(Group::kSig, Level::kOff);
  EXPECT_FALSE(l.enabled(Id::kSocketBadFrame));
}

TEST(LogEmit, DisabledEventAllocatesNothing) {
  Levels l;
  std::vector<Event> out;
  out.reserve(4);
  const std::size_t before = g_allocations;
  for (int i = 0; i < 1000; ++i) emit(l, out, Id::kLoopbackRefused, std::uint64_t{7}, Cause{3});
  EXPECT_EQ(g_allocations - before, 0u);
  EXPECT_TRUE(out.empty());
  emit(l, out, Id::kCallReleased, Hex{1}, std::string_view(""), Cause{16});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(format(out[0]), "call 0x1: released, cause 16 (normal call clearing)");
}

// An enabled event's arguments: arrays of up to kPooledArgs come back to a
// per-thread free list and are reused (issue 13: no malloc per logged line);
// longer ones, and copies, behave as a vector's.
TEST(LogEmit, ArgumentArraysAreReused) {
  if (!kArgsPooled) GTEST_SKIP() << "pool off under ASan";
  const Levels all = Levels::all();
  std::vector<Event> out;
  out.reserve(4);
  emit(all, out, Id::kCallReleased, Hex{1}, std::string_view(""), Cause{16});
  out.clear();  // one array now waits on this thread's list
  const std::size_t before = g_allocations;
  for (int i = 0; i < 1000; ++i) {
    emit(all, out, Id::kCallReleased, Hex{2}, std::string_view(""), Cause{16});
    out.clear();
  }
  EXPECT_EQ(g_allocations - before, 0u);
  emit(all, out, Id::kCallReleased, Hex{3}, std::string_view(""), Cause{31});
  const Event copy = out[0];  // a copy has its own array
  out.clear();
  emit(all, out, Id::kCallReleased, Hex{4}, std::string_view(""), Cause{16});
  EXPECT_EQ(format(copy), "call 0x3: released, cause 31 (normal, unspecified)");
  EXPECT_EQ(format(out[0]), "call 0x4: released, cause 16 (normal call clearing)");
  // More arguments than a pooled array holds: from the heap, same text.
  Event many{Id::kDemonStarted, {}};
  for (std::size_t i = 0; i < kPooledArgs + 3; ++i) many.args.emplace_back(std::uint64_t{i});
  EXPECT_EQ(format(many), "Linux ATM signaling 0 (modern drop-in), mode 1, signaling VC 2");
  Event moved = std::move(many);
  EXPECT_EQ(moved.args.size(), kPooledArgs + 3);
}

// Arguments with a destructor (strings past the small-string size, octets)
// at any position, through emit, emplace_back, copies and moves: each
// released once (release() visits only the marked ones), nothing left.
TEST(LogEmit, ArgumentsWithDestructorsAreReleased) {
  const std::string big(100, 'x');  // on the heap, not in the string itself
  {
    // Pooled arrays stay on this thread's list: four there before counting.
    std::vector<Event> warm;
    warm.reserve(4);
    for (int i = 0; i < 4; ++i) emit(Levels::all(), warm, Id::kCallReleased, Hex{1}, "", Cause{16});
  }
  const std::size_t allocs = g_allocations, frees = g_frees;
  {
    const Levels all = Levels::all();
    std::vector<Event> out;
    out.reserve(8);
    emit(all, out, Id::kCallReleased, Hex{1}, big, Cause{16});
    emit(all, out, Id::kSuppressed, std::uint64_t{2}, std::string(big));
    EXPECT_EQ(format(out[0]), "call 0x1" + big + ": released, cause 16 (normal call clearing)");
    Event many{Id::kDemonStarted, {}};
    for (std::size_t i = 0; i < 12; ++i) {
      if (i == 0 || i == 6 || i == 7 || i == 11)
        many.args.emplace_back(big + std::to_string(i));
      else if (i == 9)
        many.args.emplace_back(Octets{std::vector<std::uint8_t>(64, 0xab)});
      else
        many.args.emplace_back(std::uint64_t{i});
    }
    EXPECT_EQ(format(many),
              "Linux ATM signaling " + big + "0 (modern drop-in), mode 1, signaling VC 2");
    Event copy = many;
    Event moved = std::move(many);
    EXPECT_EQ(std::get<std::string>(copy.args[11]), big + "11");
    EXPECT_EQ(std::get<std::string>(moved.args[7]), big + "7");
    copy = moved;
    moved = std::move(copy);
    out.emplace_back(std::move(moved));
  }
  EXPECT_EQ(g_allocations - allocs, g_frees - frees);
}

// Text arguments of every short length (copied in fixed-size pieces) read as
// the appending formatter makes them, in place and through format().
TEST(LogFormat, TextArgumentsOfEveryLength) {
  const std::string text = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const Event e{Id::kSocketConnectDenied,
                  {arg(Hex{5}), arg(std::string_view(text).substr(0, n)), arg("x")}};
    const std::string want = "atmsvc: as_connect 0x5 to " + text.substr(0, n) + ": x";
    EXPECT_EQ(format(e), want);
    char buf[128];
    char* end = write_event(buf, buf + sizeof buf, e);
    ASSERT_NE(end, nullptr);
    EXPECT_EQ(std::string(buf, end), want);
  }
}

TEST(LogFormat, TypedArguments) {
  const auto addr = parse_svc_address("47.0005.80ffe1000000f21a26d8.0020ea000ee0.00");
  ASSERT_TRUE(addr);
  const auto pvc = parse_pvc_address("0.0.32");
  ASSERT_TRUE(pvc);
  Event e{Id::kCallEstablished,
          {arg(Hex{0x1a}), arg(""), arg("out"), arg(*addr), arg(*addr), arg(*pvc)}};
  EXPECT_EQ(format(e),
            "call 0x1a: out from 47.0005.80FFE1000000F21A26D8.0020EA000EE0.00 "
            "to 47.0005.80FFE1000000F21A26D8.0020EA000EE0.00 on 0.0.32");
  EXPECT_EQ(format_arg(Errno{-104}), "-104 (Connection reset by peer)");
  EXPECT_EQ(format_arg(Errno{0}), "0");
  EXPECT_EQ(format_arg(arg(-3)), "-3");
  EXPECT_EQ(format_arg(arg(7u)), "7");
  EXPECT_EQ(format_arg(arg(true)), "yes");
  EXPECT_EQ(format_arg(Octets{{0x0a, 0xff}}), "0a ff");
  // Hex as printf's %#llx.
  EXPECT_EQ(format_arg(Hex{0}), "0");
  EXPECT_EQ(format_arg(Hex{0xabc}), "0xabc");
  EXPECT_EQ(format_arg(Hex{~std::uint64_t{0}}), "0xffffffffffffffff");
  EXPECT_EQ(format_arg(arg(std::int64_t{-9223372036854775807 - 1})), "-9223372036854775808");
  // Missing arguments leave nothing, extra ones are ignored.
  EXPECT_EQ(format(Event{Id::kShuttingDown, {}}), "shutting down ()");
  EXPECT_EQ(format(Event{Id::kShuttingDown, {arg("SIGTERM"), arg(1)}}), "shutting down (SIGTERM)");
}

// Arguments appended in place read as the text helpers make them.
TEST(LogFormat, InPlaceArgumentsReadAsTheTextHelpers) {
  for (const std::uint8_t c : {0, 1, 16, 31, 41, 47, 102, 127, 255})
    EXPECT_EQ(format_arg(Cause{c}),
              std::to_string(c) + " (" + std::string(q2931::cause_name(c)) + ")");
  for (const char* t : {"0.0.32", "1.2.300", "3.255.65535"}) {
    const auto pvc = parse_pvc_address(t);
    ASSERT_TRUE(pvc) << t;
    EXPECT_EQ(format_arg(*pvc), pvc_address_text(*pvc));
    EXPECT_EQ(format_arg(*pvc), t);
  }
  for (const char* t : {"47.0005.80ffe1000000f21a26d8.0020ea000ee0.00",
                        "39.840f.80.113744.0000.0000.0000.0020ea000ee0.00",
                        "45.000041211234567f.00000000.0020ea000ee0.00", "+4121"}) {
    const auto svc = parse_svc_address(t);
    ASSERT_TRUE(svc) << t;
    EXPECT_EQ(format_arg(*svc), svc_address_text(*svc)) << t;
    EXPECT_EQ(format_arg(*svc), svc_address_text_libatm(*svc)) << t;
  }
  struct sockaddr_atmsvc none {};
  EXPECT_EQ(format_arg(none), "<none>");
  none.sas_family = AF_ATMSVC;
  EXPECT_EQ(format_arg(none), "<null>");
}

// write_event (the log's lines, written in place) makes format's text, or
// gives up (nullptr) when the buffer is too small, never writing past it.
TEST(LogFormat, WrittenInPlaceAsFormatMakesIt) {
  const auto addr = parse_svc_address("47.0005.80ffe1000000f21a26d8.0020ea000ee0.00");
  const auto e164 = parse_svc_address("+4121");
  const auto pvc = parse_pvc_address("3.255.65535");
  ASSERT_TRUE(addr && e164 && pvc);
  const Event events[] = {
      {Id::kCallEstablished,
       {arg(Hex{0x1a}), arg(", entity 0.0.5"), arg("out"), arg(*addr), arg(*e164), arg(*pvc)}},
      {Id::kCallReleased, {arg(Hex{0}), arg(""), arg(Cause{16})}},
      {Id::kCallFailed,
       {arg(Hex{~std::uint64_t{0}}), arg(std::string("")), arg("in"), arg(*addr), arg(Cause{255})}},
      {Id::kShuttingDown, {}},
      {Id::kShuttingDown, {arg("SIGTERM"), arg(1)}},
      {Id::kFromKernelHex, {Octets{{0x0a, 0xff}}}},
      {Id::kSuppressed, {arg(std::int64_t{-9223372036854775807 - 1}), arg(std::string("X"))}},
  };
  for (const Event& e : events) {
    const std::string want = format(e);
    char buf[512];
    char* end = write_event(buf, buf + sizeof buf, e);
    ASSERT_NE(end, nullptr) << want;
    EXPECT_EQ(std::string(buf, end), want);
    // Too small by one: nothing claimed written, nothing past the end.
    for (std::size_t room = 0; room < want.size(); ++room) {
      std::string small(room + 8, '#');
      EXPECT_EQ(write_event(small.data(), small.data() + room, e), nullptr) << want << " " << room;
      EXPECT_EQ(small.substr(room), "########");
    }
  }
}

// The addresses' text is kept for the last few printed: hits, misses and
// evictions all read as svc_address_text makes them.
TEST(LogFormat, AddressesWrittenInPlaceReadAsTheirText) {
  std::vector<struct sockaddr_atmsvc> addrs;
  for (const char* t : {"47.0005.80ffe1000000f21a26d8.0020ea000ee0.00",
                        "47.0005.80ffe1000000f21a26d8.0020ea000ee1.00",
                        "39.840f.80.113744.0000.0000.0000.0020ea000ee0.00",
                        "49.000000000000000000000001.0020ea000ee0.00",
                        "c7.000000000000000000000001.0020ea000ee0.07",
                        "45.000041211234567f.00000000.0020ea000ee0.00", "+4121"}) {
    const auto a = parse_svc_address(t);
    ASSERT_TRUE(a) << t;
    addrs.push_back(*a);
  }
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      const auto& a = addrs[(i * (round + 1)) % addrs.size()];
      const Event e{Id::kCallFailed, {arg(Hex{1}), arg(""), arg("out"), arg(a), arg(Cause{1})}};
      char buf[256];
      char* end = write_event(buf, buf + sizeof buf, e);
      ASSERT_NE(end, nullptr);
      EXPECT_EQ(std::string(buf, end), "call 0x1: out " + svc_address_text(a) +
                                           " failed, cause 1 (" +
                                           std::string(q2931::cause_name(1)) + ")");
    }
}

// In a buffer as large as the log's line (the pieces copied without
// checks, each argument checking its own room) as in a small one, and
// across the two (a long argument near the end): the text format() makes,
// or nullptr when it does not fit, never a character past the end.
TEST(LogFormat, WrittenInPlaceInALineBuffer) {
  const auto addr = parse_svc_address("47.0005.80ffe1000000f21a26d8.0020ea000ee0.00");
  ASSERT_TRUE(addr);
  std::vector<Event> events;
  for (const char* pvc : {"0.0.0", "1.9.99", "3.255.65535", "0.100.1000", "1.10.32"}) {
    const auto v = parse_pvc_address(pvc);
    ASSERT_TRUE(v) << pvc;
    events.push_back({Id::kCallEstablished,
                      {arg(Hex{0x7fffff}), arg(""), arg("in"), arg(*addr), arg(*addr), arg(*v)}});
  }
  struct sockaddr_atmpvc odd {};
  odd.sap_addr.itf = -1;
  odd.sap_addr.vpi = 1000;
  odd.sap_addr.vci = -32;
  events.push_back(
      {Id::kCallEstablished, {arg(Hex{1}), arg(""), arg("in"), arg(*addr), arg(*addr), arg(odd)}});
  for (unsigned c = 0; c < 256; ++c)
    events.push_back(
        {Id::kCallReleased, {arg(Hex{c}), arg(std::string("")), arg(Cause{std::uint8_t(c)})}});
  for (const std::size_t n : {30u, 200u, 300u, 700u, 1100u})
    events.push_back({Id::kCallReleased, {arg(Hex{1}), arg(std::string(n, 'n')), arg(Cause{16})}});
  events.push_back({Id::kCallReleased, {arg(Hex{1})}});  // fewer arguments than {}
  for (const Event& e : events) {
    const std::string want = format(e);
    for (const std::size_t room : {std::size_t{1024}, std::size_t{4096}, want.size(),
                                   want.size() + 64, want.size() + 300, want.size() + 600}) {
      std::string buf(room + 64, '#');
      char* end = write_event(buf.data(), buf.data() + room, e);
      EXPECT_EQ(buf.substr(room), std::string(64, '#'));
      // A number asks for the room of its longest text (24): an exact fit
      // may be refused, the caller then appends through the string.
      if (end == nullptr) {
        EXPECT_LT(room, want.size() + 64) << want.substr(0, 80);
        continue;
      }
      EXPECT_EQ(std::string(buf.data(), end), want);
    }
    if (want.size() > 0) {
      std::string buf(want.size() + 63, '#');
      EXPECT_EQ(write_event(buf.data(), buf.data() + want.size() - 1, e), nullptr);
      EXPECT_EQ(buf.substr(want.size() - 1), std::string(64, '#'));
    }
  }
}

TEST(LogRateLimiter, BurstThenSuppressedWithCount) {
  RateLimiter r(3, std::chrono::seconds(10));
  const TimePoint t0{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.admit(Id::kSocketNotAllowed, t0).print);
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(r.admit(Id::kSocketNotAllowed, t0 + std::chrono::seconds(1)).print);
  // Another ID has its own budget.
  EXPECT_TRUE(r.admit(Id::kCallsHeldAtExit, t0).print);
  // The next window: printed again, with the count of the suppressed ones.
  const auto v = r.admit(Id::kSocketNotAllowed, t0 + std::chrono::seconds(11));
  EXPECT_TRUE(v.print);
  EXPECT_EQ(v.suppressed_before, 5u);
  EXPECT_EQ(r.admit(Id::kSocketNotAllowed, t0 + std::chrono::seconds(12)).suppressed_before, 0u);
}

}  // namespace
}  // namespace atmsigd::log
