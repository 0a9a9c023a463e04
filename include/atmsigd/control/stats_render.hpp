// The demon's counters (engine::Stats) as JSON, as Prometheus text (the
// exposition format 0.0.4, for node-exporter's textfile collector) and, from
// that JSON, as the table atmsigctl prints. No socket here: the control
// server and atmsigctl call these, tests call them directly.
//
// Every counter is one row of one table (counters()): its name, its help
// text, its kind and label, and how to read it from the snapshot. Both
// renderers walk that table, so a counter is named and explained once
// (docs/control.md lists the same rows).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "atmsigd/control/protocol.hpp"
#include "atmsigd/engine/stats.hpp"

namespace atmsigd::control {

enum class Kind : std::uint8_t {
  kCounter,  // only grows (Prometheus: the name ends in _total)
  kGauge,    // a level (a state, a high-water mark, a bound)
};

// What a labelled counter's index means.
enum class Label : std::uint8_t {
  kNone,
  kCause,        // Q.2931 cause value (cause="16"); only values seen are given
  kMessageType,  // Q.2931 message type (type="SETUP"); unknown types only if seen
  kKernelType,   // atmsvc message type (type="as_connect"; "other": out of range)
  kMaaCode,      // Q.2110 MAA-ERROR code (code="A" .. "X")
};

// One counter (one Prometheus family). It belongs to the demon (`demon` /
// `demon_by` set) or to each signaling entity (`entity` / `entity_by`, the
// label entity="NAME" added); the _by forms are labelled and give one value
// per index of `label`.
struct CounterDef {
  std::string_view name;  // JSON key; Prometheus: atmsigd_<name>, _total for a counter
  std::string_view help;
  Kind kind = Kind::kCounter;
  Label label = Label::kNone;
  std::uint64_t (*demon)(const engine::Stats&) = nullptr;
  std::span<const std::uint64_t> (*demon_by)(const engine::Stats&) = nullptr;
  std::uint64_t (*entity)(const engine::EntityStats&) = nullptr;
  std::span<const std::uint64_t> (*entity_by)(const engine::EntityStats&) = nullptr;
};

// Every counter, demon ones first, in the order they are rendered.
std::span<const CounterDef> counters();

// The Prometheus family name of a counter: "atmsigd_calls_placed_total".
std::string prometheus_name(const CounterDef& d);

// {"<demon counter>": value or {label: value}, ..., "entities": [{"name":
// "0.0.5", "<entity counter>": ...}, ...]}.
nlohmann::json stats_json(const engine::Stats& s);

// The text exposition format: per family "# HELP", "# TYPE", then its samples.
std::string stats_prometheus(const engine::Stats& s);

// The table atmsigctl prints (from stats_json()'s output, as the control
// socket sends it): one line per counter, labelled ones with their non-zero
// values only; each entity's block after the demon's.
std::string stats_table(const nlohmann::json& j);

// An entity's counters that are one number (not labelled), by their names
// in the table, in its order: what `status` shows per entity.
std::vector<std::pair<std::string_view, std::uint64_t>> entity_scalars(
    const engine::EntityStats& e);

// The control socket's `stats` command (docs/control.md), added to the
// Protocol by the shell, which alone can take the snapshot. Argument
// "format": "json" (the default: the result is stats_json()) or
// "prometheus" (the result is {"format": "prometheus", "text": ...}).
Command stats_command(std::function<engine::Stats()> snapshot);

}  // namespace atmsigd::control
