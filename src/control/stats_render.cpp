#include "atmsigd/control/stats_render.hpp"

#include <array>
#include <cstdio>
#include <optional>
#include <string>

#include "atmsigd/atmsvc/message.hpp"
#include "atmsigd/q2931/message.hpp"
#include "atmsigd/q2931/text.hpp"

namespace atmsigd::control {

namespace {

using engine::EntityStats;
using engine::Stats;
using Values = std::span<const std::uint64_t>;

// The table: every counter once, with what it means (docs/control.md has the
// same rows). Demon counters first, then each entity's.
constexpr CounterDef kCounters[] = {
    // ---- the kernel side (the user of signaling)
    {.name = "kernel_frames_received",
     .help = "Frames received from the kernel (the user of signaling), by atmsvc message type.",
     .label = Label::kKernelType,
     .demon_by = [](const Stats& s) -> Values { return s.kernel.frames_in; }},
    {.name = "kernel_frames_sent",
     .help = "Frames sent to the kernel, by atmsvc message type.",
     .label = Label::kKernelType,
     .demon_by = [](const Stats& s) -> Values { return s.kernel.frames_out; }},
    {.name = "kernel_frames_malformed",
     .help = "Frames from the kernel refused as malformed (wrong size, or invalid per the "
             "atmsvc protocol's Table 1).",
     .demon = [](const Stats& s) { return s.kernel.frames_malformed; }},
    {.name = "kernel_replies_refused",
     .help = "Replies of the demon the kernel refused (a socket not yet in its VCC table).",
     .demon = [](const Stats& s) { return s.kernel.replies_refused; }},
    {.name = "kernel_queue_high_water",
     .help = "Most frames ever waiting in the demon's send queue to the kernel.",
     .kind = Kind::kGauge,
     .demon = [](const Stats& s) -> std::uint64_t { return s.kernel_queue.high_water; }},
    {.name = "kernel_queue_bound",
     .help = "Frames the send queue to the kernel holds at most.",
     .kind = Kind::kGauge,
     .demon = [](const Stats& s) -> std::uint64_t { return s.kernel_queue.bound; }},
    {.name = "kernel_queue_dropped",
     .help = "Frames to the kernel dropped at the queue's bound.",
     .demon = [](const Stats& s) { return s.kernel_queue.dropped; }},
    {.name = "sockets",
     .help = "Kernel sockets the demon holds (listening, calling, connected).",
     .kind = Kind::kGauge,
     .demon = [](const Stats& s) -> std::uint64_t { return s.sockets; }},
    {.name = "calls_held",
     .help = "Calls call control holds, every entity together.",
     .kind = Kind::kGauge,
     .demon = [](const Stats& s) -> std::uint64_t { return s.calls_held; }},

    // ---- per signaling entity: the link
    {.name = "link_up",
     .help = "1 while the entity's signaling link (SAAL) is up, else 0.",
     .kind = Kind::kGauge,
     .entity = [](const EntityStats& e) -> std::uint64_t { return e.link_up ? 1 : 0; }},
    {.name = "link_up_events",
     .help = "Times the entity's signaling link came up.",
     .entity = [](const EntityStats& e) { return e.calls.link_up; }},
    {.name = "link_down_events",
     .help = "Times the entity's signaling link went down (or an establishment failed).",
     .entity = [](const EntityStats& e) { return e.calls.link_down; }},
    {.name = "link_queue_high_water",
     .help = "Most PDUs ever waiting in the demon's send queue to the entity's link.",
     .kind = Kind::kGauge,
     .entity = [](const EntityStats& e) -> std::uint64_t { return e.link_queue.high_water; }},
    {.name = "link_queue_bound",
     .help = "PDUs the send queue to the entity's link holds at most.",
     .kind = Kind::kGauge,
     .entity = [](const EntityStats& e) -> std::uint64_t { return e.link_queue.bound; }},
    {.name = "link_queue_dropped",
     .help = "PDUs to the entity's link dropped at the queue's bound (SSCOP recovers them).",
     .entity = [](const EntityStats& e) { return e.link_queue.dropped; }},

    // ---- per entity: calls (Q.2931 call control)
    {.name = "entity_calls_held",
     .help = "Calls the entity's call control holds.",
     .kind = Kind::kGauge,
     .entity = [](const EntityStats& e) -> std::uint64_t { return e.calls_held; }},
    {.name = "calls_placed",
     .help = "Outgoing calls the kernel asked for (as_connect).",
     .entity = [](const EntityStats& e) { return e.calls.calls_placed; }},
    {.name = "calls_connected",
     .help = "Outgoing calls that became active.",
     .entity = [](const EntityStats& e) { return e.calls.calls_connected; }},
    {.name = "calls_failed",
     .help = "Outgoing calls that ended before they were active, by Q.2931 cause (0: refused "
             "by the demon before a SETUP went out).",
     .label = Label::kCause,
     .entity_by = [](const EntityStats& e) -> Values { return e.calls.calls_failed; }},
    {.name = "calls_offered",
     .help = "Incoming calls: SETUPs received for a new call.",
     .entity = [](const EntityStats& e) { return e.calls.calls_offered; }},
    {.name = "calls_accepted",
     .help = "Incoming calls that became active (accepted and completed).",
     .entity = [](const EntityStats& e) { return e.calls.calls_accepted; }},
    {.name = "calls_rejected",
     .help = "Incoming calls that ended before they were active (refused by the demon or the "
             "kernel, or cleared by the caller), by Q.2931 cause.",
     .label = Label::kCause,
     .entity_by = [](const EntityStats& e) -> Values { return e.calls.calls_rejected; }},
    {.name = "calls_released",
     .help = "Calls that were active and ended, by Q.2931 cause.",
     .label = Label::kCause,
     .entity_by = [](const EntityStats& e) -> Values { return e.calls.calls_released; }},
    {.name = "calls_refused_link_down",
     .help = "Outgoing calls refused at once because the link is down and its queue full.",
     .entity = [](const EntityStats& e) { return e.calls.calls_refused_link_down; }},
    {.name = "calls_details_unknown",
     .help = "Established calls whose address or QoS the operator's view could not keep "
             "(the entity's table of distinct values full; the call is not affected).",
     .entity = [](const EntityStats& e) { return e.calls.call_details_unknown; }},

    // ---- per entity: Q.2931 messages
    {.name = "q2931_messages_received",
     .help = "Q.2931 messages received (decoded), by message type.",
     .label = Label::kMessageType,
     .entity_by = [](const EntityStats& e) -> Values { return e.calls.messages_in_by_type; }},
    {.name = "q2931_messages_sent",
     .help = "Q.2931 messages sent (retransmissions too), by message type.",
     .label = Label::kMessageType,
     .entity_by = [](const EntityStats& e) -> Values { return e.calls.messages_out_by_type; }},
    {.name = "q2931_messages_undecodable_or_discarded",
     .help = "Q.2931 messages received that could not be decoded or were discarded "
             "(Q.2931 section 5.6).",
     .entity = [](const EntityStats& e) { return e.calls.messages_bad; }},
    {.name = "q2931_status_sent",
     .help = "Q.2931 STATUS messages sent (answers to STATUS ENQUIRY, section 5.6 errors).",
     .entity = [](const EntityStats& e) { return e.calls.status_sent; }},
    {.name = "q2931_pending_high_water",
     .help = "Most Q.2931 messages ever waiting for the link to come up.",
     .kind = Kind::kGauge,
     .entity = [](const EntityStats& e) -> std::uint64_t { return e.calls.pending_high_water; }},
    {.name = "q2931_pending_dropped",
     .help = "Q.2931 messages dropped while the link was down and its queue full.",
     .entity = [](const EntityStats& e) { return e.calls.pending_dropped; }},

    // ---- per entity: SSCOP (Q.2110)
    {.name = "sscop_sd_sent",
     .help = "SSCOP SD PDUs sent for the first time.",
     .entity = [](const EntityStats& e) { return e.sscop.sd_sent; }},
    {.name = "sscop_sd_retransmitted",
     .help = "SSCOP SD PDUs retransmitted (asked for by the peer's STAT/USTAT).",
     .entity = [](const EntityStats& e) { return e.sscop.sd_retransmitted; }},
    {.name = "sscop_sd_delivered",
     .help = "SSCOP SD PDUs delivered to SSCF in sequence.",
     .entity = [](const EntityStats& e) { return e.sscop.sd_delivered; }},
    {.name = "sscop_polls_sent",
     .help = "SSCOP POLL PDUs sent.",
     .entity = [](const EntityStats& e) { return e.sscop.polls_sent; }},
    {.name = "sscop_stats_sent",
     .help = "SSCOP STAT PDUs sent (answers to POLL).",
     .entity = [](const EntityStats& e) { return e.sscop.stats_sent; }},
    {.name = "sscop_ustats_sent",
     .help = "SSCOP USTAT PDUs sent (a gap in the received sequence).",
     .entity = [](const EntityStats& e) { return e.sscop.ustats_sent; }},
    {.name = "sscop_recoveries",
     .help = "SSCOP error recoveries (ER sent or received; Q.SAAL1: re-establishments).",
     .entity = [](const EntityStats& e) { return e.sscop.recoveries; }},
    {.name = "sscop_resyncs",
     .help = "SSCOP resynchronizations (RS sent or received).",
     .entity = [](const EntityStats& e) { return e.sscop.resyncs; }},
    {.name = "sscop_malformed",
     .help = "SSCOP PDUs received malformed and dropped.",
     .entity = [](const EntityStats& e) { return e.sscop.malformed; }},
    {.name = "sscop_tx_discarded",
     .help = "Messages SSCOP discarded at its transmission queue's bound.",
     .entity = [](const EntityStats& e) { return e.sscop.tx_discarded; }},
    {.name = "sscop_maa_errors",
     .help = "SSCOP MAA-ERROR indications by Q.2110 code (A-M: unsolicited or inappropriate "
             "PDU; O: MaxCC reached; P: no response; Q-U: sequence and list errors; V: SD "
             "retransmission; W, X: credit).",
     .label = Label::kMaaCode,
     .entity_by = [](const EntityStats& e) -> Values { return e.sscop.maa_errors; }},
};

// The label value of index i (empty: not rendered unless non-zero; see
// always_shown()).
std::string label_value(Label l, std::size_t i) {
  switch (l) {
    case Label::kCause:
      return std::to_string(i);
    case Label::kMessageType: {
      const auto t = static_cast<q2931::MessageType>(i);
      const std::string_view n = q2931::message_name(t);
      if (n != "UNKNOWN") return std::string(n);
      char b[8];
      std::snprintf(b, sizeof b, "0x%02x", static_cast<unsigned>(i & 0xff));
      return b;
    }
    case Label::kKernelType:
      return i < engine::KernelCounters::kTypes ? atmsvc::type_name(static_cast<int>(i)) : "other";
    case Label::kMaaCode:
      return std::string(1, static_cast<char>('A' + i));
    case Label::kNone:
      break;
  }
  return {};
}

// Small fixed sets are always given (a series that exists at 0 from the
// start); causes and unknown message types only once seen.
bool always_shown(Label l, std::size_t i) {
  switch (l) {
    case Label::kMessageType:
      return q2931::message_name(static_cast<q2931::MessageType>(i)) != "UNKNOWN";
    case Label::kKernelType:
    case Label::kMaaCode:
      return true;
    case Label::kCause:
    case Label::kNone:
      break;
  }
  return false;
}

std::string_view label_name(Label l) {
  switch (l) {
    case Label::kCause:
      return "cause";
    case Label::kMessageType:
    case Label::kKernelType:
      return "type";
    case Label::kMaaCode:
      return "code";
    case Label::kNone:
      break;
  }
  return {};
}

// A labelled counter as a JSON object {label value: count}.
nlohmann::json labelled_json(Label l, Values v) {
  nlohmann::json o = nlohmann::json::object();
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != 0 || always_shown(l, i)) o[label_value(l, i)] = v[i];
  return o;
}

// Prometheus label value: backslash, double quote and newline escaped.
std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// HELP text: backslash and newline escaped.
std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void sample(std::string& out, const std::string& name, const std::string& labels, std::uint64_t v) {
  out += name;
  if (!labels.empty()) out += '{' + labels + '}';
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

// One family's samples for one set of base labels (empty, or entity="...").
void samples(std::string& out, const CounterDef& d, const std::string& name,
             const std::string& base, std::optional<std::uint64_t> value, Values values) {
  if (value) {
    sample(out, name, base, *value);
    return;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == 0 && !always_shown(d.label, i)) continue;
    std::string labels = base;
    if (!labels.empty()) labels += ',';
    labels +=
        std::string(label_name(d.label)) + "=\"" + escape_label(label_value(d.label, i)) + '"';
    sample(out, name, labels, values[i]);
  }
}

bool per_entity(const CounterDef& d) {
  return d.entity != nullptr || d.entity_by != nullptr;
}

}  // namespace

std::span<const CounterDef> counters() {
  return kCounters;
}

std::string prometheus_name(const CounterDef& d) {
  std::string n = "atmsigd_";
  n += d.name;
  if (d.kind == Kind::kCounter) n += "_total";
  return n;
}

nlohmann::json stats_json(const Stats& s) {
  nlohmann::json j = nlohmann::json::object();
  nlohmann::json entities = nlohmann::json::array();
  for (const auto& e : s.entities) entities.push_back({{"name", e.name}});
  for (const CounterDef& d : kCounters) {
    if (d.demon != nullptr) j[d.name] = d.demon(s);
    if (d.demon_by != nullptr) j[d.name] = labelled_json(d.label, d.demon_by(s));
    for (std::size_t i = 0; i < s.entities.size(); ++i) {
      if (d.entity != nullptr) entities[i][d.name] = d.entity(s.entities[i]);
      if (d.entity_by != nullptr)
        entities[i][d.name] = labelled_json(d.label, d.entity_by(s.entities[i]));
    }
  }
  j["entities"] = std::move(entities);
  return j;
}

std::string stats_prometheus(const Stats& s) {
  std::string out;
  for (const CounterDef& d : kCounters) {
    // A per-entity family without entities (a stand-in network) has no samples.
    if (per_entity(d) && s.entities.empty()) continue;
    const std::string name = prometheus_name(d);
    out += "# HELP " + name + ' ' + escape_help(d.help) + '\n';
    out += "# TYPE " + name + (d.kind == Kind::kCounter ? " counter\n" : " gauge\n");
    if (!per_entity(d)) {
      samples(out, d, name, {},
              d.demon != nullptr ? std::optional<std::uint64_t>(d.demon(s)) : std::nullopt,
              d.demon_by != nullptr ? d.demon_by(s) : Values{});
      continue;
    }
    for (const auto& e : s.entities)
      samples(out, d, name, "entity=\"" + escape_label(e.name) + '"',
              d.entity != nullptr ? std::optional<std::uint64_t>(d.entity(e)) : std::nullopt,
              d.entity_by != nullptr ? d.entity_by(e) : Values{});
  }
  return out;
}

namespace {
// One table line: "  name  value" or, labelled, "  name  label=value ..."
// (non-zero values only; "-" when none).
void table_line(std::string& out, const CounterDef& d, const nlohmann::json& v) {
  char head[48];
  std::snprintf(head, sizeof head, "  %-40s ", std::string(d.name).c_str());
  out += head;
  if (!v.is_object()) {
    out += v.dump();
    out += '\n';
    return;
  }
  bool any = false;
  for (const auto& [k, n] : v.items()) {
    if (!n.is_number() || n.get<std::uint64_t>() == 0) continue;
    if (any) out += ' ';
    any = true;
    out += k + '=' + n.dump();
    if (d.label == Label::kCause) {
      // "16(normal call clearing)"
      try {
        const auto c = static_cast<std::uint8_t>(std::stoi(k));
        out += "(" + std::string(q2931::cause_name(c)) + ")";
      } catch (const std::exception&) {
        // not a number: the key as given
      }
    }
  }
  if (!any) out += '-';
  out += '\n';
}
}  // namespace

std::string stats_table(const nlohmann::json& j) {
  std::string out = "demon\n";
  for (const CounterDef& d : kCounters)
    if (!per_entity(d) && j.contains(d.name)) table_line(out, d, j[d.name]);
  if (!j.contains("entities") || !j["entities"].is_array()) return out;
  for (const auto& e : j["entities"]) {
    out += "entity " + e.value("name", std::string("?")) + '\n';
    for (const CounterDef& d : kCounters)
      if (per_entity(d) && e.contains(d.name)) table_line(out, d, e[d.name]);
  }
  return out;
}

std::vector<std::pair<std::string_view, std::uint64_t>> entity_scalars(
    const engine::EntityStats& e) {
  std::vector<std::pair<std::string_view, std::uint64_t>> out;
  for (const CounterDef& d : kCounters)
    if (d.entity != nullptr) out.emplace_back(d.name, d.entity(e));
  return out;
}

Command stats_command(std::function<engine::Stats()> snapshot) {
  return {"stats", "[format]",
          "counters: calls by cause, messages by type, SSCOP, links, queues (format: json or "
          "prometheus)",
          [snapshot = std::move(snapshot)](Backend&, const Json& args) -> Json {
            const std::string format = string_arg(args, "format").value_or("json");
            if (format == "json") return stats_json(snapshot());
            if (format == "prometheus")
              return Json{{"format", "prometheus"}, {"text", stats_prometheus(snapshot())}};
            throw Error("bad-argument", "format: json or prometheus, not \"" + format + "\"");
          }};
}

}  // namespace atmsigd::control
