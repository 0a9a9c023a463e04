// The stats renderers: the Prometheus text parsed by a small parser of the
// exposition format (0.0.4), the JSON parsed back and checked against the
// snapshot, the table, and every counter documented in docs/control.md.
#include "atmsigd/control/stats_render.hpp"

#include <gtest/gtest.h>

#include <linux/atmsvc.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace atmsigd::control::test {
namespace {

// A snapshot with something in every kind of counter; entity names that
// need escaping in a label value.
engine::Stats sample_stats() {
  engine::Stats s;
  s.kernel.frames_in[engine::KernelCounters::index(as_connect)] = 7;
  s.kernel.frames_in[engine::KernelCounters::index(99)] = 1;  // "other"
  s.kernel.frames_out[engine::KernelCounters::index(as_okay)] = 9;
  s.kernel.frames_malformed = 2;
  s.kernel_queue = {12, 4096, 1};
  s.sockets = 3;
  s.calls_held = 4;
  engine::EntityStats a;
  a.name = "0.0.5";
  a.link_up = true;
  a.calls_held = 4;
  a.calls.link_up = 1;
  a.calls.calls_placed = 5;
  a.calls.calls_connected = 4;
  a.calls.calls_failed[17] = 1;
  a.calls.calls_released[16] = 3;
  a.calls.messages_in_by_type[0x05] = 6;   // SETUP
  a.calls.messages_out_by_type[0x07] = 6;  // CONNECT
  a.calls.messages_in_by_type[0x33] = 1;   // not a Q.2931 message type
  a.sscop.sd_retransmitted = 8;
  a.sscop.maa_errors['P' - 'A'] = 2;
  a.link_queue = {30, 4096, 0};
  engine::EntityStats b;
  b.name = "1.0.\"5\\";
  b.calls.calls_rejected[31] = 5;
  s.entities = {a, b};
  return s;
}

// ---- a small parser of the text exposition format

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Parsed {
  std::map<std::string, std::string> type;  // family -> counter / gauge
  std::set<std::string> help;
  std::vector<Sample> samples;
  std::vector<std::string> errors;
};

bool valid_metric_name(const std::string& n) {
  static const std::regex re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  return std::regex_match(n, re);
}
bool valid_label_name(const std::string& n) {
  static const std::regex re("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(n, re) && n.rfind("__", 0) != 0;
}

// Parses `name{l="v",...} value`; false (with an error) if it is not that.
bool parse_sample(const std::string& line, Sample& s, std::string& err) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  s.name = line.substr(0, i);
  if (!valid_metric_name(s.name)) return err = "bad metric name: " + line, false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::size_t eq = line.find('=', i);
      if (eq == std::string::npos) return err = "label without =: " + line, false;
      const std::string lname = line.substr(i, eq - i);
      if (!valid_label_name(lname)) return err = "bad label name: " + line, false;
      i = eq + 1;
      if (i >= line.size() || line[i] != '"') return err = "unquoted label value: " + line, false;
      ++i;
      std::string v;
      for (;; ++i) {
        if (i >= line.size()) return err = "unterminated label value: " + line, false;
        if (line[i] == '"') break;
        if (line[i] == '\\') {
          ++i;
          if (i >= line.size()) return err = "dangling escape: " + line, false;
          if (line[i] == 'n')
            v += '\n';
          else if (line[i] == '\\' || line[i] == '"')
            v += line[i];
          else
            return err = "bad escape: " + line, false;
        } else {
          v += line[i];
        }
      }
      ++i;  // the closing quote
      if (!s.labels.emplace(lname, v).second) return err = "label twice: " + line, false;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return err = "unterminated label set: " + line, false;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return err = "no value: " + line, false;
  const std::string value = line.substr(i + 1);
  std::size_t used = 0;
  try {
    s.value = std::stod(value, &used);
  } catch (const std::exception&) {
    return err = "bad value: " + line, false;
  }
  if (used != value.size()) return err = "trailing text after the value: " + line, false;
  return true;
}

Parsed parse_prometheus(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  std::string line;
  std::string family;  // the family whose samples may follow
  std::set<std::string> series;
  if (text.empty() || text.back() != '\n') p.errors.push_back("does not end in a newline");
  while (std::getline(in, line)) {
    if (line.empty()) {
      p.errors.push_back("empty line");
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::istringstream l(line.substr(7));
      std::string name, rest;
      l >> name;
      std::getline(l, rest);
      if (!valid_metric_name(name)) p.errors.push_back("bad family name: " + line);
      if (line[2] == 'H') {
        if (!p.help.insert(name).second) p.errors.push_back("HELP twice: " + name);
        if (rest.size() < 2) p.errors.push_back("empty HELP: " + name);
      } else {
        const std::string t = rest.empty() ? "" : rest.substr(1);
        if (t != "counter" && t != "gauge") p.errors.push_back("bad TYPE: " + line);
        if (!p.type.emplace(name, t).second) p.errors.push_back("TYPE twice: " + name);
        if (!p.help.contains(name)) p.errors.push_back("TYPE before HELP: " + name);
        family = name;
      }
      continue;
    }
    if (line[0] == '#') {
      p.errors.push_back("other comment: " + line);
      continue;
    }
    Sample s;
    std::string err;
    if (!parse_sample(line, s, err)) {
      p.errors.push_back(err);
      continue;
    }
    if (s.name != family) p.errors.push_back("sample outside its family: " + line);
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += '|' + k + '=' + v;
    if (!series.insert(key).second) p.errors.push_back("series twice: " + line);
    p.samples.push_back(std::move(s));
  }
  return p;
}

const Sample* find(const Parsed& p, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  for (const auto& s : p.samples)
    if (s.name == name && s.labels == labels) return &s;
  return nullptr;
}

TEST(StatsPrometheus, EveryLineValid_EachFamilyTypedOnce_CountersEndInTotal) {
  const Parsed p = parse_prometheus(stats_prometheus(sample_stats()));
  for (const auto& e : p.errors) ADD_FAILURE() << e;
  EXPECT_EQ(p.type.size(), counters().size());
  for (const auto& [name, type] : p.type) {
    EXPECT_EQ(name.rfind("atmsigd_", 0), 0u) << name;
    const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(type == "counter", total) << name;
  }
}

TEST(StatsPrometheus, ValuesAndLabels) {
  const Parsed p = parse_prometheus(stats_prometheus(sample_stats()));
  auto value = [&](const std::string& n, const std::map<std::string, std::string>& l) {
    const Sample* s = find(p, n, l);
    EXPECT_NE(s, nullptr) << n;
    return s != nullptr ? s->value : -1;
  };
  EXPECT_EQ(value("atmsigd_kernel_frames_received_total", {{"type", "as_connect"}}), 7);
  EXPECT_EQ(value("atmsigd_kernel_frames_received_total", {{"type", "other"}}), 1);
  EXPECT_EQ(value("atmsigd_kernel_frames_received_total", {{"type", "as_bind"}}), 0);
  EXPECT_EQ(value("atmsigd_kernel_frames_sent_total", {{"type", "as_okay"}}), 9);
  EXPECT_EQ(value("atmsigd_kernel_frames_malformed_total", {}), 2);
  EXPECT_EQ(value("atmsigd_kernel_queue_high_water", {}), 12);
  EXPECT_EQ(value("atmsigd_calls_held", {}), 4);
  EXPECT_EQ(value("atmsigd_link_up", {{"entity", "0.0.5"}}), 1);
  EXPECT_EQ(value("atmsigd_link_up", {{"entity", "1.0.\"5\\"}}), 0);  // escaped and back
  EXPECT_EQ(value("atmsigd_calls_placed_total", {{"entity", "0.0.5"}}), 5);
  EXPECT_EQ(value("atmsigd_calls_failed_total", {{"entity", "0.0.5"}, {"cause", "17"}}), 1);
  EXPECT_EQ(value("atmsigd_calls_released_total", {{"entity", "0.0.5"}, {"cause", "16"}}), 3);
  EXPECT_EQ(value("atmsigd_calls_rejected_total", {{"entity", "1.0.\"5\\"}, {"cause", "31"}}), 5);
  EXPECT_EQ(
      value("atmsigd_q2931_messages_received_total", {{"entity", "0.0.5"}, {"type", "SETUP"}}), 6);
  EXPECT_EQ(value("atmsigd_q2931_messages_received_total", {{"entity", "0.0.5"}, {"type", "0x33"}}),
            1);
  EXPECT_EQ(value("atmsigd_q2931_messages_sent_total", {{"entity", "0.0.5"}, {"type", "CONNECT"}}),
            6);
  EXPECT_EQ(value("atmsigd_sscop_sd_retransmitted_total", {{"entity", "0.0.5"}}), 8);
  EXPECT_EQ(value("atmsigd_sscop_maa_errors_total", {{"entity", "0.0.5"}, {"code", "P"}}), 2);
  EXPECT_EQ(value("atmsigd_link_queue_high_water", {{"entity", "0.0.5"}}), 30);
  // Causes never seen have no series.
  EXPECT_EQ(find(p, "atmsigd_calls_failed_total", {{"entity", "0.0.5"}, {"cause", "16"}}), nullptr);
}

TEST(StatsPrometheus, NoEntities_NoPerEntityFamilies) {
  engine::Stats s;
  s.calls_held = 1;
  const Parsed p = parse_prometheus(stats_prometheus(s));
  for (const auto& e : p.errors) ADD_FAILURE() << e;
  EXPECT_TRUE(p.type.contains("atmsigd_calls_held"));
  EXPECT_FALSE(p.type.contains("atmsigd_link_up"));
  for (const auto& smp : p.samples) EXPECT_FALSE(smp.labels.contains("entity")) << smp.name;
}

TEST(StatsPrometheus, TheParserRefusesWhatIsInvalid) {
  // The parser above must catch what it is there for.
  EXPECT_FALSE(parse_prometheus("x 1\n").errors.empty());  // no TYPE
  EXPECT_FALSE(parse_prometheus("# HELP x h\n# TYPE x counter\nx{a=1} 1\n").errors.empty());
  EXPECT_FALSE(parse_prometheus("# HELP x h\n# TYPE x counter\n# HELP x h\n# TYPE x counter\n")
                   .errors.empty());
  EXPECT_FALSE(parse_prometheus("# HELP 1x h\n# TYPE 1x gauge\n1x 1\n").errors.empty());
  EXPECT_TRUE(parse_prometheus("# HELP x h\n# TYPE x gauge\nx{a=\"\\\"\"} 1\n").errors.empty());
}

TEST(StatsJson, EveryCounterAtItsLevelWithItsValues) {
  const engine::Stats s = sample_stats();
  // Through text and back, as the control socket carries it.
  const nlohmann::json j = nlohmann::json::parse(stats_json(s).dump());
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j["entities"].is_array());
  ASSERT_EQ(j["entities"].size(), 2u);
  for (const CounterDef& d : counters()) {
    const bool entity = d.entity != nullptr || d.entity_by != nullptr;
    const nlohmann::json& where = entity ? j["entities"][0] : j;
    ASSERT_TRUE(where.contains(d.name)) << d.name;
    const bool labelled = d.label != Label::kNone;
    EXPECT_EQ(where[d.name].is_object(), labelled) << d.name;
    if (!labelled) {
      EXPECT_TRUE(where[d.name].is_number_unsigned()) << d.name;
    } else {
      for (const auto& [k, v] : where[d.name].items()) EXPECT_TRUE(v.is_number_unsigned()) << k;
    }
  }
  EXPECT_EQ(j["kernel_frames_received"]["as_connect"], 7);
  EXPECT_EQ(j["kernel_frames_malformed"], 2);
  EXPECT_EQ(j["kernel_queue_bound"], 4096);
  EXPECT_EQ(j["entities"][0]["name"], "0.0.5");
  EXPECT_EQ(j["entities"][0]["link_up"], 1);
  EXPECT_EQ(j["entities"][0]["calls_released"]["16"], 3);
  EXPECT_FALSE(j["entities"][0]["calls_released"].contains("17"));
  EXPECT_EQ(j["entities"][0]["q2931_messages_received"]["SETUP"], 6);
  EXPECT_EQ(j["entities"][0]["sscop_maa_errors"]["P"], 2);
  EXPECT_EQ(j["entities"][1]["name"], "1.0.\"5\\");
  EXPECT_EQ(j["entities"][1]["calls_rejected"]["31"], 5);
}

TEST(StatsTable, OneLinePerCounter_NonZeroLabelsWithCauseNames) {
  const std::string t = stats_table(stats_json(sample_stats()));
  EXPECT_NE(t.find("entity 0.0.5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("calls_released"), std::string::npos);
  EXPECT_NE(t.find("16=3(normal call clearing)"), std::string::npos) << t;
  EXPECT_NE(t.find("as_connect=7"), std::string::npos) << t;
  EXPECT_EQ(t.find("as_bind=0"), std::string::npos) << t;  // zeros left out
  std::size_t lines = 0;
  for (char c : t) lines += c == '\n' ? 1 : 0;
  std::size_t demon = 0, per_entity = 0;
  for (const CounterDef& d : counters())
    ++(d.entity != nullptr || d.entity_by != nullptr ? per_entity : demon);
  EXPECT_EQ(lines, 1 + demon + 2 * (1 + per_entity));  // headings and one line per counter
}

// The commands' view of the demon, unused by stats (its snapshot is given).
struct NoBackend final : Backend {
  Status status() const override { return {}; }
  std::vector<CallRow> calls() const override { return {}; }
  std::vector<SocketRow> sockets() const override { return {}; }
  std::vector<TraceLine> trace() const override { return {}; }
  std::vector<TraceLine> trace_of(const CallRow&) const override { return {}; }
  std::string release(std::size_t, std::uint32_t, bool, std::uint8_t) override { return "no"; }
  std::string restart(std::optional<std::size_t>,
                      std::optional<std::pair<std::uint16_t, std::uint16_t>>, bool) override {
    return "no";
  }
  bool restarts_vpc(std::size_t) const override { return false; }
  std::string set_log_level(const std::string&, const std::string&) override { return "no"; }
  std::vector<std::string> entity_names() const override { return {}; }
};

TEST(StatsCommand, JsonByDefault_PrometheusOnRequest_OtherFormatsRefused) {
  NoBackend b;
  Protocol p(b);
  int snapshots = 0;
  p.add(stats_command([&] {
    ++snapshots;
    return sample_stats();
  }));
  const Json j = Json::parse(p.handle_line(R"({"command":"stats","id":3})"));
  EXPECT_EQ(j["ok"], true) << j.dump();
  EXPECT_EQ(j["id"], 3);
  EXPECT_EQ(j["result"], stats_json(sample_stats()));
  const Json pr =
      Json::parse(p.handle_line(R"({"command":"stats","args":{"format":"prometheus"}})"));
  ASSERT_EQ(pr["ok"], true) << pr.dump();
  EXPECT_EQ(pr["result"]["format"], "prometheus");
  const Parsed parsed = parse_prometheus(pr["result"]["text"].get<std::string>());
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(parsed.type.size(), counters().size());
  const Json bad = Json::parse(p.handle_line(R"({"command":"stats","args":{"format":"xml"}})"));
  EXPECT_EQ(bad["ok"], false);
  EXPECT_EQ(bad["error"]["code"], "bad-argument");
  EXPECT_EQ(snapshots, 2);
  const Json help = Json::parse(p.handle_line(R"({"command":"help"})"));
  bool listed = false;
  for (const auto& c : help["result"]["commands"]) listed |= c["name"] == "stats";
  EXPECT_TRUE(listed);
}

TEST(StatsDocs, EveryCounterIsInControlMd) {
  std::ifstream f(std::string(ATMSIGD_SOURCE_DIR) + "/docs/control.md");
  ASSERT_TRUE(f) << "docs/control.md";
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  for (const CounterDef& d : counters())
    EXPECT_NE(doc.find("`" + prometheus_name(d) + "`"), std::string::npos)
        << prometheus_name(d) << " is not in docs/control.md";
}

}  // namespace
}  // namespace atmsigd::control::test
