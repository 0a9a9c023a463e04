// The control socket's Backend on the running demon (docs/control.md): the
// queries read the engine's cores and the trace ring, the actions feed the
// engine and end the shell's turn as any other input. Runs on the loop,
// between turns.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unordered_map>

#include "atmsigd/control/stats_render.hpp"
#include "atmsigd/io/control_server.hpp"
#include "atmsigd/io/demon.hpp"
#include "atmsigd/q2931/text.hpp"
#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::io {

namespace {

std::string vcc_hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<config::Level> level_of(const std::string& w) {
  if (w == "debug") return config::Level::kDebug;
  if (w == "info") return config::Level::kInfo;
  if (w == "warn") return config::Level::kWarn;
  if (w == "error") return config::Level::kError;
  if (w == "fatal") return config::Level::kFatal;
  return std::nullopt;
}

std::string level_name(config::Level l) {
  switch (l) {
    case config::Level::kDebug:
      return "debug";
    case config::Level::kInfo:
      return "info";
    case config::Level::kWarn:
      return "warn";
    case config::Level::kError:
      return "error";
    case config::Level::kFatal:
      return "fatal";
  }
  return "?";
}

std::int64_t age_of(TimePoint since) {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch() -
                                                          since.time_since_epoch())
      .count();
}

}  // namespace

class DemonControl final : public control::Backend {
 public:
  explicit DemonControl(Demon& d) : d_(d) {}

  control::Status status() const override {
    control::Status s;
    s.version = ATMSIGD_VERSION;
    s.pid = static_cast<long>(::getpid());
    s.mode = config::sig_mode_name(d_.opts_.mode.value_or(config::SigMode::kUser));
    s.uni = config::uni_selection_name(d_.opts_.uni.value_or(config::UniSelection{}));
    s.network = d_.opts_.network;
    s.uptime_s =
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - d_.started_).count();
    s.user_of_signaling = d_.transport_ ? d_.transport_->describe() : std::string("-");
    s.sockets = d_.table_.socket_count();
    s.calls = d_.engine_.call_control().call_count();
    s.trace_entries = d_.trace_.size();
    s.trace_capacity = d_.trace_.capacity();
    s.control_clients = d_.control_ ? d_.control_->clients() : 0;
    // As LogLevels::from_config reads them ("debug level" sets the default).
    const auto& o = d_.opts_;
    const auto dflt = o.group_levels.count("debug") != 0
                          ? o.group_levels.at("debug")
                          : o.default_level.value_or(config::Level::kInfo);
    s.log_level = level_name(o.debug ? config::Level::kDebug : dflt);
    for (const auto& [g, l] : o.group_levels)
      if (g != "debug") s.log_groups[g] = level_name(o.debug ? config::Level::kDebug : l);
    s.log_levels_set_live = d_.levels_set_live_;
    if (d_.router_) {
      // The counters: the stats table's own (one number each, by its names),
      // the same snapshot as `stats` (src/control/stats_render.cpp).
      const engine::Stats st = d_.stats();
      for (std::size_t i = 0; i < d_.router_->size(); ++i) {
        const auto& u = d_.router_->uni(i);
        control::EntityStatus e;
        e.name = d_.router_->name(i);
        e.side = u.params().side == callctl::Side::kUser ? "user" : "network";
        e.link_up = u.link_up();
        e.sscf_state = std::string(sscf::to_string(u.sscf().state()));
        e.sscop_state = std::string(sscop::to_string(u.sscf().sscop().state()));
        e.calls = u.call_count();
        if (i < st.entities.size())
          for (const auto& [name, value] : control::entity_scalars(st.entities[i]))
            e.counters.emplace(name, value);
        s.entities.push_back(std::move(e));
      }
    }
    return s;
  }

  std::vector<control::CallRow> calls() const override {
    std::vector<atmsvc::CallView> views;
    d_.engine_.calls(views);
    std::vector<atmsvc::SocketTable::SocketView> socks;
    d_.engine_.sockets(socks);
    std::unordered_map<atmsvc::SockId, const atmsvc::SocketTable::SocketView*> by_id;
    for (const auto& s : socks) by_id[s.id] = &s;
    const auto names = entity_names();
    std::vector<control::CallRow> rows;
    rows.reserve(views.size());
    for (const auto& v : views) {
      control::CallRow r;
      r.entity = v.entity;
      r.entity_name = v.entity < names.size() ? names[v.entity] : std::to_string(v.entity);
      r.cref = v.cref;
      r.outgoing = v.outgoing;
      r.state_code = v.state;
      r.state = std::string(v.state_name);
      r.timer = std::string(v.timer);
      r.cause = v.cause;
      if (v.cause != 0) r.cause_name = std::string(q2931::cause_name(v.cause));
      r.modifying = v.modifying;
      if (v.pvc) r.vc = pvc_address_text(*v.pvc);
      if (auto it = by_id.find(v.sock); v.sock != 0 && it != by_id.end()) {
        r.vcc = it->second->vcc;
        r.socket_state = atmsvc::state_name(it->second->state);
        r.age_s = age_of(it->second->since);
      }
      // Call control keeps them for the call's whole life (its setup part,
      // then its intern tables); unknown only if a table was full.
      if (v.local && v.local->sas_family == AF_ATMSVC) r.local = svc_address_text(*v.local);
      if (v.remote && v.remote->sas_family == AF_ATMSVC) r.remote = svc_address_text(*v.remote);
      if (v.qos) r.qos = qos_text(*v.qos);
      r.details_unknown = v.details_unknown;
      rows.push_back(std::move(r));
    }
    return rows;
  }

  std::vector<control::SocketRow> sockets() const override {
    std::vector<atmsvc::SocketTable::SocketView> socks;
    d_.engine_.sockets(socks);
    std::vector<control::SocketRow> rows;
    rows.reserve(socks.size());
    for (const auto& s : socks) {
      control::SocketRow r;
      r.vcc = s.vcc;
      r.id = s.id;
      r.state = atmsvc::state_name(s.state);
      if (s.listen_addr && s.listen_addr->sas_family == AF_ATMSVC)
        r.local = svc_address_text(*s.listen_addr);
      r.pending = s.pending;
      r.age_s = age_of(s.since);
      rows.push_back(std::move(r));
    }
    return rows;
  }

  std::vector<control::TraceLine> trace() const override {
    std::vector<control::TraceLine> out;
    for (const auto& e : d_.trace_.snapshot())
      out.push_back({e.usec, e.tag < 0 ? e.text : d_.trace_entry_text(e.tag, bytes_of(e.text))});
    return out;
  }

  // The kernel frames that name the call: its socket's vcc, its VC.
  std::vector<control::TraceLine> trace_of(const control::CallRow& c) const override {
    std::vector<std::string> keys;
    if (c.vcc) keys.push_back("vcc=" + vcc_hex(*c.vcc));
    if (c.vc) keys.push_back("pvc=" + *c.vc);
    std::vector<control::TraceLine> out;
    if (keys.empty()) return out;
    for (auto& l : trace()) {
      bool hit = false;
      for (const auto& k : keys) {
        // The key ends at a space or the end of the line (vcc=0x1 is not vcc=0x10).
        for (auto pos = l.text.find(k); pos != std::string::npos && !hit;
             pos = l.text.find(k, pos + 1)) {
          const auto end = pos + k.size();
          hit = end == l.text.size() || l.text[end] == ' ';
        }
      }
      if (hit) out.push_back(std::move(l));
    }
    return out;
  }

  std::string release(std::size_t entity, std::uint32_t cref, bool outgoing,
                      std::uint8_t cause) override {
    if (d_.stopping_) return "the demon is stopping";
    d_.actions_.clear();
    if (!d_.engine_.release_call(entity, cref, outgoing, cause, d_.now(), d_.actions_))
      return "the call is being cleared already";
    d_.print(
        log::Event{log::Id::kReleaseOperator,
                   {std::to_string(cref) + (outgoing ? "/out" : "/in"), std::uint64_t{cause}}});
    d_.perform(d_.actions_);
    d_.end_turn();
    return {};
  }

  std::string restart(std::optional<std::size_t> entity,
                      std::optional<std::pair<std::uint16_t, std::uint16_t>> vc,
                      bool vpc) override {
    if (d_.stopping_) return "the demon is stopping";
    if (!d_.router_)
      return "no signaling link to restart (network stand-in " + d_.opts_.network + ")";
    std::string what = vpc  ? "VPC " + std::to_string(vc ? vc->first : 0)
                       : vc ? "VC " + std::to_string(vc->first) + "." + std::to_string(vc->second)
                            : std::string("all VCs");
    what += entity ? " of entity " + d_.router_->name(*entity) : " of every signaling entity";
    d_.print(log::Event{log::Id::kRestartOperator, {what}});
    d_.feed(engine::Restart{entity, vc, vpc && vc});
    return {};
  }

  bool restarts_vpc(std::size_t entity) const override {
    if (!d_.router_ || entity >= d_.router_->size()) return false;
    const auto v = d_.router_->uni(entity).params().version;
    return v == q2931::Version::kUni40 || v == q2931::Version::kQ2931;
  }

  std::string set_log_level(const std::string& group, const std::string& level) override {
    const auto l = level_of(level);
    if (!l) return "no log level " + level;
    if (d_.opts_.debug) return "-d is in force: every group logs at debug";
    auto& o = d_.opts_;
    if (group == "all") {
      o.default_level = *l;
      o.group_levels.clear();
    } else {
      o.group_levels[group] = *l;
    }
    d_.log_->set_levels(LogLevels::from_config(o.debug, o.default_level, o.group_levels));
    d_.levels_ = d_.log_->levels().events();
    d_.levels_set_live_ = true;
    d_.print(log::Event{log::Id::kLogLevelOperator, {group, level}});
    d_.flush_logs();
    return {};
  }

  std::vector<std::string> entity_names() const override {
    std::vector<std::string> n;
    if (d_.router_)
      for (std::size_t i = 0; i < d_.router_->size(); ++i) n.push_back(d_.router_->name(i));
    else
      n.push_back(pvc_address_text(d_.opts_.signaling_vc));
    return n;
  }

 private:
  static ByteView bytes_of(const std::string& s) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  }
  Demon& d_;
};

// The control socket: the path given (an error stops the start), or the
// default in the runtime directory if that exists (else none, said once).
bool Demon::open_control(std::string& error) {
  auto off = [this](const std::string& why) {
    print(log::Event{log::Id::kControlOff, {why}});
    return true;
  };
  if (opts_.control_path && *opts_.control_path == "off") return off("io control off");
  const bool by_default = !opts_.control_path;
  const std::string path =
      by_default ? std::string(config::kDefaultControlPath) : *opts_.control_path;
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (by_default && !std::filesystem::is_directory(dir, ec))
    return off(dir.string() + " does not exist");
  control_backend_ = std::make_unique<DemonControl>(*this);
  protocol_ = std::make_unique<control::Protocol>(*control_backend_);
  // stats: its snapshot is the shell's (the engine's counters and the queues).
  protocol_->add(control::stats_command([this] { return stats(); }));
  ControlServer::Params p;
  p.path = path;
  p.access = opts_.control_access;
  std::string why;
  control_ = ControlServer::open(
      io_, p, *protocol_, [this](const log::Event& e) { print(e); }, why);
  if (!control_) {
    if (by_default) return off(why);
    error = why;
    return false;
  }
  print(log::Event{log::Id::kControlListening, {path, opts_.control_access.describe()}});
  control_->start();
  return true;
}

void Demon::close_control() {
  if (control_) control_->close();
}

}  // namespace atmsigd::io
