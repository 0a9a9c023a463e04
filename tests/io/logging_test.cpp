// The demon's log (io/logging.hpp): lines as spdlog's pattern made them, a
// bounded queue that drops and counts instead of waiting, the count
// reported, everything queued written at stop, a stuck destination that does
// not hold the exit, and the levels computed from the configuration.
#include "atmsigd/io/logging.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include "../support/log_writer_probe.hpp"

namespace atmsigd::io {
namespace {

using test::log_writer_blocked;

using namespace std::chrono_literals;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// A pipe whose read end a thread drains once told to.
struct Pipe {
  int rd = -1, wr = -1;
  std::thread reader;
  std::mutex m;
  std::string got;
  std::atomic<bool> reading{false};
  Pipe() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    rd = p[0];
    wr = p[1];
    ::fcntl(wr, F_SETPIPE_SZ, 4096);  // fills quickly
  }
  void start_reading() {
    reading = true;
    reader = std::thread([this] {
      char buf[4096];
      for (;;) {
        const ssize_t n = ::read(rd, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard lk(m);
        got.append(buf, static_cast<std::size_t>(n));
      }
    });
  }
  std::string text() {
    std::lock_guard lk(m);
    return got;
  }
  // Ends the reader (EOF once the write end is closed).
  void close_write() {
    if (wr >= 0) ::close(wr);
    wr = -1;
    if (reader.joinable()) reader.join();
  }
  ~Pipe() {
    close_write();
    if (rd >= 0) ::close(rd);
  }
};

TEST(Logging, LinesAreByteForByteAsSpdlogsPatternMadeThem) {
  spdlog::pattern_formatter old("%b %d %H:%M:%S.%f atmsigd:%n: %^%l%$: %v");
  const std::pair<const char*, log::Group> names[] = {{"DEMON", log::Group::kDemon},
                                                      {"IO", log::Group::kIo},
                                                      {"SAAL", log::Group::kSaal},
                                                      {"SIG", log::Group::kSig},
                                                      {"POLICY", log::Group::kPolicy}};
  const std::pair<spdlog::level::level_enum, Severity> levels[] = {
      {spdlog::level::debug, Severity::kDebug},
      {spdlog::level::info, Severity::kInfo},
      {spdlog::level::warn, Severity::kWarn},
      {spdlog::level::err, Severity::kError},
      {spdlog::level::critical, Severity::kCritical}};
  // Times across months, days, hours and microsecond values with zeros.
  const auto base = std::chrono::system_clock::time_point(std::chrono::seconds(1733465864));
  const std::chrono::microseconds offsets[] = {0us,
                                               1us,
                                               422767us,
                                               999999us,
                                               86400000000us * 40 + 7us,
                                               86400000000us * 200 + 3600000000us * 5 + 10us};
  int compared = 0;
  for (const auto off : offsets)
    for (const auto& [name, g] : names)
      for (const auto& [sl, s] : levels) {
        const auto t = base + off;
        spdlog::details::log_msg msg(t, spdlog::source_loc{}, name, sl, "call 0x1: established");
        spdlog::memory_buf_t want;
        old.format(msg, want);
        EXPECT_EQ(Logger::prefix(t, g, s) + "call 0x1: established\n", fmt::to_string(want));
        ++compared;
      }
  EXPECT_EQ(compared, 6 * 5 * 5);
}

TEST(Logging, EventsAndLinesReachTheDestinationWithTheirPrefix) {
  Pipe p;
  p.start_reading();
  {
    auto lg = Logger::for_fd(p.wr);
    lg->set_levels(LogLevels::from_config(true, std::nullopt, {}));
    lg->start();
    lg->event(log::Event{log::Id::kShuttingDown, {log::arg("SIGTERM")}});
    lg->info(log::Group::kIo, "serving the user of signaling on {}", "unix socket x");
    lg->flush();
    EXPECT_TRUE(lg->stop());
    EXPECT_EQ(lg->dropped(), 0u);
  }
  p.close_write();
  const std::string out = p.text();
  const std::regex want(
      "[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} atmsigd:DEMON: info: "
      "shutting down \\(SIGTERM\\)\n"
      "[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} atmsigd:IO: info: "
      "serving the user of signaling on unix socket x\n");
  EXPECT_TRUE(std::regex_match(out, want)) << out;
}

// The dump thread's lines go to the writer directly, with the same prefix.
TEST(Logging, LinesFromAnotherThreadAreWrittenToo) {
  Pipe p;
  p.start_reading();
  {
    auto lg = Logger::for_fd(p.wr);
    lg->set_levels(LogLevels::from_config(false, std::nullopt, {}));
    lg->start();
    std::thread other(
        [&] { lg->line_from_thread(log::Group::kDemon, Severity::kInfo, "dump written to /x"); });
    other.join();
    lg->info(log::Group::kIo, "from the loop");
    lg->flush();
    EXPECT_TRUE(lg->stop());
  }
  p.close_write();
  const std::regex want(
      "[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} atmsigd:DEMON: info: "
      "dump written to /x\n");
  std::smatch m;
  const std::string out = p.text();
  EXPECT_TRUE(std::regex_search(out, m, want)) << out;
  EXPECT_NE(out.find("atmsigd:IO: info: from the loop\n"), std::string::npos) << out;
}

TEST(Logging, DisabledLinesAreNotWritten) {
  Pipe p;
  p.start_reading();
  {
    auto lg = Logger::for_fd(p.wr);
    lg->set_levels(LogLevels::from_config(false, config::Level::kWarn, {}));
    lg->start();
    lg->info(log::Group::kSig, "not {}", "this");
    lg->event(log::Event{log::Id::kShuttingDown, {log::arg("SIGTERM")}});  // info
    lg->warn(log::Group::kSig, "but {}", "this");
    lg->flush();
    EXPECT_TRUE(lg->stop());
  }
  p.close_write();
  EXPECT_EQ(count_of(p.text(), "\n"), 1u) << p.text();
  EXPECT_NE(p.text().find("atmsigd:SIG: warning: but this\n"), std::string::npos) << p.text();
}

// admitted_event: the caller filtered with levels().events() (the demon), so
// the log writes the line without checking the level again, the same text as
// event(); event() still checks.
TEST(Logging, AnAdmittedEventIsWrittenWithoutASecondLevelCheck) {
  Pipe p;
  p.start_reading();
  {
    auto lg = Logger::for_fd(p.wr);
    lg->set_levels(LogLevels::from_config(false, config::Level::kWarn, {}));
    lg->start();
    lg->event(log::Event{log::Id::kShuttingDown, {log::arg("SIGTERM")}});  // info: filtered
    lg->admitted_event(log::Event{log::Id::kShuttingDown, {log::arg("SIGHUP")}});
    lg->flush();
    EXPECT_TRUE(lg->stop());
  }
  p.close_write();
  EXPECT_EQ(count_of(p.text(), "\n"), 1u) << p.text();
  EXPECT_EQ(p.text().find("SIGTERM"), std::string::npos) << p.text();
  EXPECT_NE(p.text().find(": info: "), std::string::npos) << p.text();
  EXPECT_NE(p.text().find("SIGHUP"), std::string::npos) << p.text();
}

// The destination does not read: the producer never waits, lines beyond the
// queue are dropped and counted; once it reads, the count is reported and
// every line is either written or counted.
TEST(Logging, AFullQueueDropsAndCountsAndTheCountIsReportedOnceThereIsRoom) {
  Pipe p;
  auto lg = Logger::for_fd(p.wr, 16 * 1024);
  lg->set_levels(LogLevels::from_config(false, std::nullopt, {}));
  lg->start();
  constexpr int kLines = 2000;  // about 170 KB: ten times queue and pipe
  for (int i = 0; i < kLines; ++i) {
    lg->info(log::Group::kSig, "line #{} of the test, padded to some length ..........", i);
    if (i % 10 == 9) lg->flush();
  }
  const std::uint64_t dropped = lg->dropped();
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, static_cast<std::uint64_t>(kLines));
  // Nothing was reported while there was no room.
  p.start_reading();
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (p.text().find("log line(s) dropped") == std::string::npos &&
         std::chrono::steady_clock::now() < end) {
    lg->flush();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(lg->stop());
  p.close_write();
  const std::string out = p.text();
  ASSERT_EQ(count_of(out, "log line(s) dropped"), 1u) << out.substr(out.size() - 500);
  const std::smatch m = [&] {
    std::smatch r;
    std::regex_search(out, r,
                      std::regex("atmsigd:IO: warning: ([0-9]+) log line\\(s\\) dropped: the log "
                                 "destination did not keep up\n"));
    return r;
  }();
  ASSERT_EQ(m.size(), 2u);
  const std::uint64_t reported = std::stoull(m[1].str());
  EXPECT_EQ(reported, dropped);
  // Every line written or counted, none twice.
  EXPECT_EQ(count_of(out, "of the test") + reported, static_cast<std::uint64_t>(kLines));
}

// Events are written in place: into the ring itself where it has room for
// a whole line, else built aside and copied across its end. Every line comes
// out whole and in order, or is counted as dropped, whatever the ring's size.
TEST(Logging, EventLinesWrittenInPlaceComeOutWholeAcrossTheRingsEnd) {
  for (const std::size_t ring : {std::size_t{600}, std::size_t{3000}, std::size_t{64 * 1024}}) {
    Pipe p;
    p.start_reading();
    auto lg = Logger::for_fd(p.wr, ring);
    lg->set_levels(LogLevels::from_config(false, std::nullopt, {}));
    lg->start();
    constexpr int kLines = 400;
    for (int i = 0; i < kLines; ++i) {
      lg->event(
          log::Event{log::Id::kCallReleased,
                     {log::arg(log::Hex{static_cast<std::uint64_t>(i)}),
                      log::arg(i % 3 == 0 ? ", entity 0.0.5" : ""), log::arg(log::Cause{16})}});
      if (i % 7 == 6) lg->flush();
    }
    EXPECT_TRUE(lg->stop());
    p.close_write();
    const std::string out = p.text();
    const std::regex line(
        "[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} atmsigd:SIG: info: call "
        "(0|0x[0-9a-f]+)(, entity 0\\.0\\.5)?: released, cause 16 \\(normal call clearing\\)");
    std::size_t lines = 0, reported = 0;
    long last = -1;
    for (std::size_t at = 0; at < out.size();) {
      const std::size_t nl = out.find('\n', at);
      ASSERT_NE(nl, std::string::npos) << "ring " << ring << ": a line cut short";
      const std::string l = out.substr(at, nl - at);
      at = nl + 1;
      std::smatch m;
      if (std::regex_search(l, m, std::regex("([0-9]+) log line\\(s\\) dropped"))) {
        reported += std::stoul(m[1].str());
        continue;
      }
      ASSERT_TRUE(std::regex_match(l, m, line)) << "ring " << ring << ": " << l;
      const long n = m[1].str() == "0" ? 0 : std::stol(m[1].str().substr(2), nullptr, 16);
      EXPECT_GT(n, last) << "ring " << ring;
      EXPECT_EQ(m[2].matched, n % 3 == 0) << l;
      last = n;
      ++lines;
    }
    EXPECT_EQ(lines + reported, static_cast<std::size_t>(kLines)) << "ring " << ring;
    EXPECT_EQ(reported, lg->dropped()) << "ring " << ring;
    if (ring == 64 * 1024) {
      EXPECT_EQ(lines, static_cast<std::size_t>(kLines));
    }
  }
}

TEST(Logging, StopWritesWhatIsQueuedAndReportsDropsAtExit) {
  Pipe p;
  auto lg = Logger::for_fd(p.wr, 4096);
  lg->set_levels(LogLevels::from_config(false, std::nullopt, {}));
  // Not started (main() before -b's fork): lines wait in the queue.
  for (int i = 0; i < 200; ++i) lg->info(log::Group::kDemon, "queued line #{} .............", i);
  const std::uint64_t dropped = lg->dropped();
  EXPECT_GT(dropped, 0u);
  p.start_reading();
  EXPECT_TRUE(lg->stop());
  p.close_write();
  const std::string out = p.text();
  EXPECT_EQ(count_of(out, "queued line #") + dropped, 200u) << out;
  EXPECT_NE(out.find("queued line #0 "), std::string::npos);
  EXPECT_NE(out.find(std::to_string(dropped) + " log line(s) dropped"), std::string::npos) << out;
}

TEST(Logging, TheParentOfAForkLeavesTheQueuedLinesToTheChild) {
  Pipe p;
  p.start_reading();
  auto lg = Logger::for_fd(p.wr);
  lg->set_levels(LogLevels::from_config(false, std::nullopt, {}));
  lg->info(log::Group::kDemon, "the child writes this");
  lg->discard_queued();
  lg->critical(log::Group::kDemon, "cannot write the pid file x");
  EXPECT_TRUE(lg->stop());
  p.close_write();
  EXPECT_EQ(p.text().find("the child writes this"), std::string::npos) << p.text();
  EXPECT_NE(p.text().find("atmsigd:DEMON: critical: cannot write the pid file x\n"),
            std::string::npos)
      << p.text();
}

// A destination that never reads again (a pipe nobody reads, a hung NFS
// mount): stop() gives up after its bound and the process can exit.
TEST(Logging, StopIsBoundedWhenTheDestinationIsStuck) {
  Pipe p;
  auto lg = Logger::for_fd(p.wr, 64 * 1024);
  lg->set_levels(LogLevels::from_config(false, std::nullopt, {}));
  lg->start();
  for (int i = 0; i < 1000; ++i) {
    lg->info(log::Group::kSig, "line #{} nobody reads ...........................", i);
    lg->flush();
  }
  // The pipe is full: the writer is stuck in writev().
  ASSERT_TRUE(log_writer_blocked(::getpid(), 10s));
  int queued = 0;
  ASSERT_EQ(::ioctl(p.rd, FIONREAD, &queued), 0);
  EXPECT_GT(queued, 0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(lg->stop(300ms));
  // A bound, not a measurement: generous for a busy machine.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  // The writer left behind ends once its write fails (the reader gone).
  ::close(p.rd);
  p.rd = -1;
  std::this_thread::sleep_for(100ms);
}

// SIGHUP for logrotate: the file renamed, reopen() makes the writer open a
// new one by the name; what is logged after goes there, not to the old one.
std::string file_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Logging, ReopenWritesToANewFileOfTheSameName) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("atmsigd-reopen-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto path = dir / "atmsigd.log";
  std::string error;
  auto lg = Logger::open(path.string(), error);
  ASSERT_NE(lg, nullptr) << error;
  lg->start();
  lg->info(log::Group::kDemon, "before the rotation");
  lg->flush();
  for (int i = 0; i < 250 && file_text(path).empty(); ++i) std::this_thread::sleep_for(20ms);
  std::filesystem::rename(path, dir / "atmsigd.log.1");
  EXPECT_TRUE(lg->reopen());
  lg->info(log::Group::kDemon, "after the rotation");
  lg->flush();
  EXPECT_TRUE(lg->stop());
  const std::string old = file_text(dir / "atmsigd.log.1");
  const std::string now = file_text(path);
  EXPECT_EQ(count_of(old, "before the rotation"), 1u) << old;
  EXPECT_EQ(count_of(old, "after the rotation"), 0u) << old;
  EXPECT_EQ(count_of(now, "after the rotation"), 1u) << now;
  std::filesystem::remove_all(dir);
}

// A file that cannot be opened again (its directory gone): the old
// descriptor stays, and the log says so there.
TEST(Logging, AFailedReopenKeepsTheOldFileAndSaysSo) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("atmsigd-reopen-fail-" + std::to_string(::getpid()));
  const auto moved = dir.string() + ".moved";
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(moved);
  std::string error;
  auto lg = Logger::open((dir / "atmsigd.log").string(), error);
  ASSERT_NE(lg, nullptr) << error;
  lg->start();
  std::filesystem::rename(dir, moved);
  EXPECT_TRUE(lg->reopen());
  lg->info(log::Group::kDemon, "still logged");
  lg->flush();
  EXPECT_TRUE(lg->stop());
  const std::string old = file_text(std::filesystem::path(moved) / "atmsigd.log");
  EXPECT_EQ(count_of(old, "cannot reopen the log file " + (dir / "atmsigd.log").string()), 1u)
      << old;
  EXPECT_EQ(count_of(old, "still logged"), 1u) << old;
  EXPECT_FALSE(std::filesystem::exists(dir));
  std::filesystem::remove_all(moved);
}

TEST(Logging, OnlyALogFileIsReopened) {
  Pipe p;
  auto lg = Logger::for_fd(p.wr);
  EXPECT_FALSE(lg->reopen());
}

// Under systemd (JOURNAL_STREAM) the journal sink loads libsystemd.so.0 then,
// and only then (issue 13, idle RSS: nothing links it).
bool libsystemd_mapped() {
  return file_text("/proc/self/maps").find("libsystemd.so") != std::string::npos;
}

TEST(Logging, TheJournalSinkLoadsLibsystemdOnlyWhenChosen) {
  ::unsetenv("JOURNAL_STREAM");
  std::string error;
  auto plain = Logger::open(std::nullopt, error);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->destination(), "stderr");
  EXPECT_FALSE(libsystemd_mapped());
  ::setenv("JOURNAL_STREAM", "8:1234", 1);
  auto journal = Logger::open(std::nullopt, error);
  ::unsetenv("JOURNAL_STREAM");
  ASSERT_NE(journal, nullptr);
  void* probe = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (journal->destination() == "the systemd journal") {
    EXPECT_TRUE(libsystemd_mapped());
    EXPECT_NE(probe, nullptr);
  } else {
    // Not installed here: the fallback, stderr as text.
    EXPECT_EQ(journal->destination(), "stderr");
    EXPECT_FALSE(libsystemd_mapped());
  }
  if (probe != nullptr) ::dlclose(probe);
  journal->discard_queued();  // nothing of this test on the test's stderr
}

TEST(Logging, LevelsComeFromTheConfiguration) {
  using config::Level;
  const auto d = LogLevels::from_config(true, Level::kError, {{"sig", Level::kError}});
  for (auto g : {log::Group::kDemon, log::Group::kIo, log::Group::kSaal, log::Group::kSig,
                 log::Group::kPolicy}) {
    EXPECT_EQ(d.min(g), Severity::kDebug);
    EXPECT_EQ(d.events().get(g), log::Level::kDebug);
  }
  // The default, "debug level" over "level", and per group.
  const auto c = LogLevels::from_config(
      false, Level::kWarn,
      {{"debug", Level::kError}, {"sig", Level::kDebug}, {"policy", Level::kFatal}});
  EXPECT_EQ(c.min(log::Group::kDemon), Severity::kError);
  EXPECT_EQ(c.min(log::Group::kIo), Severity::kError);
  EXPECT_EQ(c.min(log::Group::kSaal), Severity::kError);
  EXPECT_EQ(c.min(log::Group::kSig), Severity::kDebug);
  EXPECT_EQ(c.min(log::Group::kPolicy), Severity::kCritical);
  EXPECT_EQ(c.events().get(log::Group::kSig), log::Level::kDebug);
  EXPECT_EQ(c.events().get(log::Group::kIo), log::Level::kError);
  EXPECT_EQ(c.events().get(log::Group::kPolicy), log::Level::kOff);  // fatal: no event
  EXPECT_TRUE(c.enabled(log::Group::kPolicy, Severity::kCritical));
  const auto w = LogLevels::from_config(false, Level::kWarn, {});
  EXPECT_EQ(w.min(log::Group::kSaal), Severity::kWarn);
  const auto none = LogLevels::from_config(false, std::nullopt, {});
  EXPECT_EQ(none.min(log::Group::kIo), Severity::kInfo);
  EXPECT_EQ(none.events().get(log::Group::kIo), log::Level::kInfo);
}

}  // namespace
}  // namespace atmsigd::io
