// The demon's log: per-group levels as atmsigd.conf has them (groups "debug"
// — the demon itself and the default —, "io", "saal", "sig", "policy") and one
// destination: a file, "syslog", "stderr", or the systemd journal when run by
// systemd without -l / "debug log".
//
// Nothing the event loop does waits for the destination (issue 14 item 1): a
// line is formatted on the loop into a bounded ring (kRingBytes) and written
// by one writer thread. When the ring is full the line is dropped and
// counted; the count is logged (IO_LOG_DROPPED, at most once per
// kDropReportEvery) once the ring has room again, and at exit. The thread is
// made by start(), after -b has forked (nothing made before a fork may be
// used after it, issue 14 item 4); stop() writes what is queued and gives up
// after a bounded time if the destination is stuck.
//
// Lines are as spdlog's pattern "%b %d %H:%M:%S.%f atmsigd:%n: %l: %v"
// made them (users grep them): "Dec 06 06:17:44.422767 atmsigd:SIG: info:
// call 0x1: ...". syslog and the journal get the text alone, with the
// line's priority. The journal is written through libsystemd.so.0, loaded
// with dlopen() only then (no link-time dependency: issue 13, idle RSS);
// without it the lines go to stderr as text.
#pragma once

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "atmsigd/config/options.hpp"
#include "atmsigd/log/log.hpp"

namespace atmsigd::io {

// A line's severity: the catalog's levels and critical (fatal start-up errors).
enum class Severity : std::uint8_t { kDebug, kInfo, kWarn, kError, kCritical };

// The lowest severity printed per group, from the configuration directly:
// -d: everything at debug; else each group's level ("debug level" ...), else
// the default ("debug level" / "level"), else info. fatal prints only
// critical lines (no catalog event is critical: events() has kOff there).
class LogLevels {
 public:
  LogLevels() { min_.fill(Severity::kInfo); }
  static LogLevels from_config(bool debug, const std::optional<config::Level>& default_level,
                               const std::map<std::string, config::Level>& group_levels);
  bool enabled(log::Group g, Severity s) const { return s >= min_[static_cast<std::size_t>(g)]; }
  Severity min(log::Group g) const { return min_[static_cast<std::size_t>(g)]; }
  // The cores' event filter.
  log::Levels events() const;

 private:
  std::array<Severity, log::kGroups> min_{};
};

class Logger {
 public:
  enum class Kind : std::uint8_t { kStream, kSyslog, kJournal };
  static constexpr std::size_t kRingBytes = 256 * 1024;  // about 2 500 lines
  static constexpr auto kDropReportEvery = std::chrono::seconds(1);
  static constexpr auto kStopBound = std::chrono::seconds(2);

  // Opens the destination (nullopt: stderr, or the journal under systemd);
  // null with `error` set if it cannot be opened.
  static std::shared_ptr<Logger> open(const std::optional<std::string>& dest, std::string& error);
  // Lines to `fd` (not closed), for tests.
  static std::shared_ptr<Logger> for_fd(int fd, std::size_t ring_bytes = kRingBytes);

  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  const std::string& destination() const { return destination_; }
  void set_levels(const LogLevels& l) { levels_ = l; }
  const LogLevels& levels() const { return levels_; }
  bool enabled(log::Group g, Severity s) const { return levels_.enabled(g, s); }

  // The producer side: one thread (the event loop; main() before it). Each
  // line goes to the ring or is counted as dropped; nothing waits.
  void event(const log::Event& e);  // at the catalog's group and level, if enabled
  // The same line without the level check: for a caller that filtered with
  // levels().events() already (the demon: one check a line, issue 13).
  void admitted_event(const log::Event& e);
  template <class... A>
  void line(log::Group g, Severity s, fmt::format_string<A...> f, A&&... a) {
    if (!enabled(g, s)) return;
    begin_line(g, s);
    fmt::format_to(std::back_inserter(scratch_), f, std::forward<A>(a)...);
    end_line(s);
  }
  template <class... A>
  void info(log::Group g, fmt::format_string<A...> f, A&&... a) {
    line(g, Severity::kInfo, f, std::forward<A>(a)...);
  }
  template <class... A>
  void warn(log::Group g, fmt::format_string<A...> f, A&&... a) {
    line(g, Severity::kWarn, f, std::forward<A>(a)...);
  }
  template <class... A>
  void error(log::Group g, fmt::format_string<A...> f, A&&... a) {
    line(g, Severity::kError, f, std::forward<A>(a)...);
  }
  template <class... A>
  void critical(log::Group g, fmt::format_string<A...> f, A&&... a) {
    line(g, Severity::kCritical, f, std::forward<A>(a)...);
  }
  // From another thread (the dump thread; rare): the whole line handed to the
  // writer under its lock, never through the loop's ring. The caller checked
  // the level on the loop. At most kForeignLines wait; more are dropped and
  // counted.
  void line_from_thread(log::Group g, Severity s, std::string_view text);
  static constexpr std::size_t kForeignLines = 64;
  // End of a turn of the loop: the drop report if due, and the writer woken
  // if it sleeps and there is something new (one wake per turn at most).
  // Inline: most turns log nothing and drop nothing (issue 13).
  void flush() {
    if (head_ == notified_head_ && unreported_ == 0 &&
        failed_->load(std::memory_order_relaxed) == 0)
      return;
    flush_more();
  }

  // SIGHUP: a log file (-l FILE) closed and opened again by its name, for
  // logrotate. The writer thread does it (the loop never waits for open());
  // lines not yet written go to the new file. False for stderr, syslog and
  // the journal (nothing to reopen).
  bool reopen();

  // The writer thread. Call after any fork.
  void start();
  // -b, the parent after fork(): the queued lines are the child's to write.
  void discard_queued();
  // At exit: the drop report, then everything queued written; true if done
  // within `bound`, false if the destination is stuck (the writer is left
  // behind, detached: the process exits anyway).
  bool stop(std::chrono::milliseconds bound = kStopBound);

  // Lines dropped so far (the ring full, or the destination failed).
  std::uint64_t dropped() const;

  // The line prefix as spdlog made it, for time `t` (tests compare).
  static std::string prefix(std::chrono::system_clock::time_point t, log::Group g, Severity s);

 private:
  struct Shared;  // the ring and what the writer thread needs; outlives a detached writer
  Logger(Kind kind, int fd, bool own_fd, std::string destination, std::size_t ring_bytes);
  void begin_line(log::Group g, Severity s);
  void end_line(Severity s);
  void report_drops(bool at_exit);
  void flush_more();
  // An event's line at most kLineMax octets long, formatted in place.
  static constexpr std::size_t kLineMax = 1024;
  [[gnu::always_inline]] inline bool write_line(log::Group g, Severity s, const log::Event& e);
  char* write_prefix(char* p, log::Group g, Severity s);

  Kind kind_;
  std::string destination_;
  LogLevels levels_;
  std::shared_ptr<Shared> shared_;
  std::thread writer_;
  bool started_ = false;
  std::string scratch_;  // the line being formatted: reused, no allocation per line
  // An event's line when the ring has no kLineMax contiguous octets free.
  std::unique_ptr<char[]> line_;
  // The cached "Dec 06 06:17:44." of the current second.
  std::int64_t cached_sec_ = -1;
  char time_prefix_[16] = {};
  // Drops not yet reported, and when the last report was made.
  std::uint64_t unreported_ = 0;
  std::uint64_t dropped_ = 0;  // in all
  std::chrono::steady_clock::time_point last_report_{};
  std::uint64_t notified_head_ = 0;  // what the writer was last woken for
  std::uint64_t head_ = 0;           // the ring's head as this side last stored it
  // Lines the destination refused (Shared::failed, set by the writer).
  const std::atomic<std::uint64_t>* failed_ = nullptr;
};

}  // namespace atmsigd::io
