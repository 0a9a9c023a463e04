#include "atmsigd/config/config_file.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <tuple>

#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::config {
// Octal permission bits ("0660"), at most 0777.
std::optional<unsigned> parse_socket_mode(const std::string& v) {
  unsigned m = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), m, 8);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || m > 0777) return std::nullopt;
  return m;
}

// A user or group name, or a number (taken as it is).
std::optional<unsigned> lookup_id(const std::string& name, bool user) {
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    if (name.size() > 9) return std::nullopt;
    return static_cast<unsigned>(std::stoul(name));
  }
  std::vector<char> buf(16384);
  if (user) {
    struct passwd pw {};
    struct passwd* r = nullptr;
    if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &r) != 0 || r == nullptr)
      return std::nullopt;
    return r->pw_uid;
  }
  struct group gr {};
  struct group* r = nullptr;
  if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &r) != 0 || r == nullptr)
    return std::nullopt;
  return r->gr_gid;
}

namespace {

struct Token {
  std::string text;
  int line = 0;
  bool brace = false;  // "{" or "}"
};

// Words are separated by blanks and line breaks; "{" and "}" stand alone; a
// "..." string is one word; "#" starts a comment up to the end of the line.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  int line = 1;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '{' || c == '}') {
      out.push_back(Token{std::string(1, c), line, true});
      ++i;
    } else if (c == '"') {
      const std::size_t end = s.find('"', i + 1);
      const std::size_t stop = end == std::string_view::npos ? s.size() : end;
      Token t{std::string(s.substr(i + 1, stop - i - 1)), line, false};
      line += static_cast<int>(std::count(t.text.begin(), t.text.end(), '\n'));
      out.push_back(std::move(t));
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else {
      std::size_t j = i;
      while (j < s.size() && std::strchr(" \t\r\n\f\v{}#\"", s[j]) == nullptr) ++j;
      out.push_back(Token{std::string(s.substr(i, j - i)), line, false});
      i = j;
    }
  }
  return out;
}

struct Failure {
  ConfigError err;
};

std::optional<Duration> parse_duration(const std::string& w) {
  // "4", "4s", "750ms", "1.5s"
  std::string num = w;
  double scale = 1.0;
  if (w.size() > 2 && w.compare(w.size() - 2, 2, "ms") == 0) {
    num = w.substr(0, w.size() - 2);
    scale = 0.001;
  } else if (w.size() > 1 && w.back() == 's') {
    num = w.substr(0, w.size() - 1);
  }
  if (num.empty() || num.find_first_not_of("0123456789.") != std::string::npos ||
      std::count(num.begin(), num.end(), '.') > 1 || num == ".")
    return std::nullopt;
  const double v = std::stod(num) * scale;
  if (v <= 0 || v > 86400) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(v));
}

class Parser {
 public:
  Parser(std::vector<Token> toks, std::string file) : t_(std::move(toks)), file_(std::move(file)) {}

  Config run() {
    // Global items first; once an entity appears only entities may follow.
    while (!at_end()) {
      const std::string& w = peek().text;
      if (w == "entity") {
        entity();
      } else if (!cfg_.entities.empty()) {
        fail("syntax error");
      } else if (w == "level") {
        next();
        cfg_.level = level();
      } else if (w == "debug" || w == "io" || w == "saal" || w == "sig" || w == "policy") {
        group(next().text);
      } else {
        fail("syntax error");
      }
    }
    check_vpis();
    return std::move(cfg_);
  }

 private:
  bool at_end() const { return pos_ >= t_.size(); }
  const Token& peek() const { return t_[pos_]; }
  const Token& next() {
    if (at_end()) fail("syntax error");
    return t_[pos_++];
  }
  bool accept(const char* w) {
    const bool brace = std::strcmp(w, "{") == 0 || std::strcmp(w, "}") == 0;
    if (!at_end() && peek().brace == brace && peek().text == w) {
      ++pos_;
      return true;
    }
    return false;
  }
  [[noreturn]] void fail(const std::string& what) const {
    ConfigError e;
    e.file = file_;
    if (at_end()) {
      e.line = t_.empty() ? 1 : t_.back().line;
      e.near = "";
    } else {
      e.line = peek().line;
      e.near = peek().text;
    }
    e.what = what;
    throw Failure{e};
  }
  [[noreturn]] void fail_prev(const std::string& what) {
    --pos_;
    fail(what);
  }
  const Token& word() {
    if (at_end() || peek().brace) fail("syntax error");
    return next();
  }
  int number() {
    const std::string& w = word().text;
    int v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || p != w.data() + w.size() || v < 0) fail_prev("syntax error");
    return v;
  }
  Level level() {
    const std::string& w = word().text;
    if (w == "debug") return Level::kDebug;
    if (w == "info") return Level::kInfo;
    if (w == "warn") return Level::kWarn;
    if (w == "error") return Level::kError;
    if (w == "fatal") return Level::kFatal;
    fail_prev("syntax error (levels: debug, info, warn, error, fatal)");
  }
  SigMode mode() {
    const std::string& w = word().text;
    if (w == "user") return SigMode::kUser;
    if (w == "network") return SigMode::kNetwork;
    if (w == "switch") return SigMode::kSwitch;
    fail_prev("syntax error (modes: user, network, switch)");
  }
  struct sockaddr_atmpvc pvc() {
    const std::string& w = word().text;
    // [itf.]vpi.vci: at least one dot, decimal numbers only.
    const bool shape =
        w.find('.') != std::string::npos && w.find_first_not_of("0123456789.") == std::string::npos;
    auto p = shape ? parse_pvc_address(w) : std::nullopt;
    if (!p) fail_prev("syntax error (expected [itf.]vpi.vci)");
    return *p;
  }
  std::string qos() {
    const std::string& w = word().text;
    if (!parse_qos(w)) fail_prev("invalid QoS (see qos(7))");
    return w;
  }
  int rate() {
    const std::string& w = word().text;
    auto q = parse_qos("ubr:max_pcr=" + w);
    if (!q) fail_prev("invalid rate (see qos(7))");
    return q->txtp.max_pcr;
  }
  AddressPrefix address_prefix() {
    const std::string& w = word().text;
    AddressPrefix a;
    a.text = w;
    std::string addr = w;
    if (const auto slash = w.find('/'); slash != std::string::npos) {
      addr = w.substr(0, slash);
      const std::string b = w.substr(slash + 1);
      int v = -1;
      auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), v);
      if (b.empty() || ec != std::errc() || p != b.data() + b.size())
        fail_prev("invalid prefix length");
      a.bits = v;
    }
    auto parsed = parse_svc_address(addr, true);
    if (!parsed) fail_prev("invalid ATM address");
    a.addr = *parsed;
    if (a.bits) {
      const bool e164 = a.addr.sas_addr.prv[0] == 0;
      const int max = e164 ? ATM_E164_LEN : 8 * ATM_ESA_LEN;
      if (*a.bits > max)
        fail_prev("prefix length above " + std::to_string(max) + (e164 ? " digits" : " bits"));
    }
    return a;
  }
  Duration duration() {
    const std::string& w = word().text;
    auto d = parse_duration(w);
    if (!d) fail_prev("invalid duration (e.g. 4s, 750ms)");
    return *d;
  }

  void group(const std::string& g) {
    if (accept("{")) {
      while (!at_end() && !(peek().brace && peek().text == "}")) item(g);
      if (at_end()) fail("missing \"}\"");
      ++pos_;
    } else {
      item(g);
    }
  }

  void item(const std::string& g) {
    if (!at_end() && peek().brace) fail("syntax error");
    if (g == "debug") return debug_item();
    if (g == "io") return io_item();
    if (g == "saal") return saal_item();
    if (g == "sig") return sig_item();
    return policy_item();
  }

  void debug_item() {
    const std::string& k = word().text;
    if (k == "level") {
      cfg_.group_level["debug"] = level();
    } else if (k == "dump") {
      cfg_.dump_dir = word().text;
      if (!cfg_.trace) cfg_.trace = kDefaultTrace;
    } else if (k == "log") {
      cfg_.log = word().text;
    } else if (k == "trace") {
      int n = kDefaultTrace;
      if (!at_end() && !peek().brace && is_number(peek().text)) n = number();
      cfg_.trace = n;
    } else {
      fail_prev("syntax error");
    }
  }

  void io_item() {
    const std::string& k = word().text;
    if (k == "level") {
      cfg_.group_level["io"] = level();
    } else if (k == "vc") {
      cfg_.io_vc = pvc();
    } else if (k == "qos") {
      cfg_.io_qos = qos();
    } else if (k == "max_rate") {
      cfg_.max_rate = rate();
    } else if (k == "pcr") {
      (void)number();
      cfg_.warnings.push_back(file_ + ":" + std::to_string(t_[pos_ - 1].line) +
                              ": io pcr is obsolete, please use io qos instead");
    } else if (k == "udp") {
      const std::string& which = word().text;
      const std::string& v = word().text;
      auto e = parse_udp_endpoint(v);
      if (which == "local") {
        if (!e) fail_prev("invalid endpoint ([host:]port)");
        cfg_.udp_local = e;
      } else if (which == "peer") {
        if (!e || e->host.empty()) fail_prev("invalid endpoint (host:port)");
        cfg_.udp_peer = e;
      } else {
        --pos_;
        fail_prev("syntax error (io udp local|peer ENDPOINT)");
      }
    } else if (k == "pcap") {
      cfg_.pcap = word().text;
    } else if (k == "pcap_rotate") {
      const auto sz = parse_size(word().text);
      if (!sz) fail_prev("invalid size (e.g. 10M)");
      cfg_.pcap_rotate = sz;
    } else if (k == "socket") {
      socket_item();
    } else if (k == "control") {
      control_item();
    } else if (k == "local") {
      const std::string& a = word().text;
      auto p = parse_svc_address(a);
      if (!p) fail_prev("invalid ATM address");
      cfg_.local_addresses.push_back(a);
    } else {
      fail_prev("syntax error");
    }
  }

  // "io socket owner USER | group GROUP | mode MODE" (ours): who may reach the
  // unix socket. Names are looked up here, so that an unknown user stops the
  // demon at start with this line, not at bind time.
  // "io control PATH | off | owner USER | group GROUP | mode MODE" (ours):
  // the control socket (docs/control.md). Its mode, like the unix socket's,
  // gives nothing to others: any local user could release every call.
  void control_item() {
    static const std::string kSyntax =
        "syntax error (io control PATH|off, io control owner|group|mode VALUE)";
    const std::string& which = word().text;
    if (which == "off" || (!which.empty() && which[0] == '/')) {
      cfg_.control_path = which;
      return;
    }
    if (which != "owner" && which != "group" && which != "mode") fail_prev(kSyntax);
    const std::string& v = word().text;
    if (which == "mode") {
      const auto m = parse_socket_mode(v);
      if (!m) fail_prev("invalid mode (octal permission bits, e.g. 0660)");
      if ((*m & 0007) != 0)
        fail_prev(
            "mode gives access to other users (any local user could release every call); "
            "use owner and group");
      cfg_.control_mode = m;
    } else if (which == "owner") {
      const auto id = lookup_id(v, true);
      if (!id) fail_prev("unknown user");
      cfg_.control_owner = id;
      cfg_.control_owner_name = v;
    } else {
      const auto id = lookup_id(v, false);
      if (!id) fail_prev("unknown group");
      cfg_.control_group = id;
      cfg_.control_group_name = v;
    }
  }

  void socket_item() {
    static const std::string kSyntax = "syntax error (io socket owner|group|mode VALUE)";
    const std::string& which = word().text;
    if (which != "owner" && which != "group" && which != "mode") fail_prev(kSyntax);
    const std::string& v = word().text;
    if (which == "mode") {
      // Octal permission bits. Nothing for others: the first sender on the
      // socket becomes the user of signaling, so any local user could take
      // the demon (and every call) over.
      unsigned m = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), m, 8);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size() || m > 0777)
        fail_prev("invalid mode (octal permission bits, e.g. 0660)");
      if ((m & 0007) != 0)
        fail_prev(
            "mode gives access to other users (any local user could become the user of "
            "signaling); use owner and group");
      cfg_.socket_mode = m;
    } else if (which == "owner") {
      const auto id = lookup_id(v, true);
      if (!id) fail_prev("unknown user");
      cfg_.socket_owner = id;
      cfg_.socket_owner_name = v;
    } else {
      const auto id = lookup_id(v, false);
      if (!id) fail_prev("unknown group");
      cfg_.socket_group = id;
      cfg_.socket_group_name = v;
    }
  }

  void saal_item() {
    const std::string& k = word().text;
    if (k == "level") {
      cfg_.group_level["saal"] = level();
    } else if (k == "timer") {
      const std::string& name = word().text;
      const auto& names = saal_timer_names();
      if (std::find(names.begin(), names.end(), name) == names.end())
        fail_prev("unknown SAAL timer (cc, poll, keepalive, noresponse, idle)");
      cfg_.saal_timers[name] = duration();
    } else if (std::find(saal_param_names().begin(), saal_param_names().end(), k) !=
               saal_param_names().end()) {
      const int v = number();
      if (v < 1) fail_prev("must be at least 1");
      cfg_.saal_params[k] = v;
    } else {
      fail_prev("syntax error");
    }
  }

  void sig_item() {
    const std::string& k = word().text;
    if (k == "level") {
      cfg_.group_level["sig"] = level();
    } else if (k == "mode") {
      cfg_.mode = mode();
    } else if (k == "uni30" || k == "uni31" || k == "uni40" || k == "q.2963.1") {
      uni(k);
    } else if (k == "vpci") {
      VpciRule r;
      r.vpci = number();
      if (!accept("itf")) fail("syntax error (sig vpci N itf M)");
      r.itf = number();
      add_vpci(cfg_.vpci, r);
    } else if (k == "vc_range") {
      vc_range(cfg_.vc_ranges);
    } else if (k == "restart_on_link_up") {  // ours: the original's THOMFLEX build
      cfg_.restart_on_link_up = true;
    } else if (k == "connected_number") {  // ours: COLP in CONNECT (UNI 4.0)
      cfg_.connected_number = true;
    } else if (k == "timer") {
      const std::string& name = word().text;
      const auto& names = sig_timer_names();
      if (std::find(names.begin(), names.end(), name) == names.end())
        fail_prev("unknown signaling timer");
      cfg_.sig_timers[name] = duration();
    } else {
      fail_prev("syntax error");
    }
  }

  // The combinations the original allows: uni30, uni31, uni30+uni31, uni40,
  // uni40 then q.2963.1.
  void uni(const std::string& k) {
    using V = UniVersion;
    const auto cur = cfg_.uni;
    const UniSelection k30{V::kUni30}, k31{V::kUni31}, k31and30{V::kUni31, true}, k40{V::kUni40},
        k40q{V::kUni40, false, true};
    std::optional<UniSelection> next;
    if (k == "uni30") {
      if (!cur || *cur == k30)
        next = k30;
      else if (*cur == k31 || *cur == k31and30)
        next = k31and30;
    } else if (k == "uni31") {
      if (!cur || *cur == k31)
        next = k31;
      else if (*cur == k30 || *cur == k31and30)
        next = k31and30;
    } else if (k == "uni40") {
      if (!cur || *cur == k40)
        next = k40;
      else if (*cur == k40q)
        next = k40q;
    } else {  // q.2963.1
      if (cur && (*cur == k40 || *cur == k40q)) next = k40q;
    }
    if (!next) fail_prev("Incompatible UNI mode");
    cfg_.uni = next;
  }

  void policy_item() {
    const std::string& k = word().text;
    if (k == "level") {
      cfg_.group_level["policy"] = level();
      return;
    }
    PolicyRule r;
    if (k == "allow")
      r.allow = true;
    else if (k == "reject")
      r.allow = false;
    else
      fail_prev("syntax error");
    const std::string& d = word().text;
    if (d == "from")
      r.from = true;
    else if (d == "to")
      r.from = false;
    else
      fail_prev("syntax error (from or to)");
    r.address = address_prefix();
    cfg_.policy.push_back(r);
  }

  void entity() {
    next();  // "entity"
    if (cfg_.io_vc) {
      (void)word();
      fail_prev("can't use io vc and entity in the same configuration");
    }
    Entity e;
    e.line = peek().line;
    const std::size_t vc_pos = pos_;
    e.vc = pvc();
    if (accept("{")) {
      while (!at_end() && !(peek().brace && peek().text == "}")) {
        const std::string& k = word().text;
        if (k == "vpci") {
          VpciRule r;
          r.vpci = number();
          if (!accept("itf")) fail("syntax error (vpci N itf M)");
          r.itf = number();
          add_vpci(e.vpci, r);
        } else if (k == "vc_range") {  // ours
          vc_range(e.vc_ranges);
        } else if (k == "mode") {
          e.mode = mode();
        } else if (k == "qos") {
          e.qos = qos();
        } else if (k == "max_rate") {
          e.max_rate = rate();
        } else if (k == "route") {
          auto r = address_prefix();
          if (duplicate_route(r)) fail_prev("duplicate route");
          routes_.push_back(r);
          e.routes.push_back(std::move(r));
        } else if (k == "default") {
          if (default_seen_) fail_prev("duplicate default route");
          e.is_default = default_seen_ = true;
        } else if (k == "udp") {  // ours: the entity's link as SSCOP over UDP
          const std::string& which = word().text;
          const std::string& v = word().text;
          auto ep = parse_udp_endpoint(v);
          if (which == "local") {
            if (!ep) fail_prev("invalid endpoint ([host:]port)");
            e.udp_local = ep;
          } else if (which == "peer") {
            if (!ep || ep->host.empty()) fail_prev("invalid endpoint (host:port)");
            e.udp_peer = ep;
          } else {
            --pos_;
            fail_prev("syntax error (udp local|peer ENDPOINT)");
          }
        } else {
          fail_prev("syntax error");
        }
      }
      if (at_end()) fail("missing \"}\"");
      if (e.udp_local && !e.udp_peer) fail("udp local needs udp peer");
      ++pos_;
    }
    for (const auto& other : cfg_.entities)
      if (std::memcmp(&other.vc.sap_addr, &e.vc.sap_addr, sizeof e.vc.sap_addr) == 0) {
        pos_ = vc_pos;
        fail("duplicate PVC address");
      }
    cfg_.entities.push_back(std::move(e));
  }

  // "vc_range VPCI[-VPCI] VCI[-VCI]" (ours): one more range of connection
  // identifiers for the network side; no overlap with the others of the list.
  void vc_range(std::vector<VcRange>& ranges) {
    static const std::string kSyntax = "syntax error (vc_range VPCI[-VPCI] VCI[-VCI])";
    VcRange r;
    r.word = word().text;
    r.line = t_[pos_ - 1].line;
    const auto vpcis = span(r.word);
    if (!vpcis) fail_prev(kSyntax);
    if (vpcis->second > kMaxVpci) fail_prev("VPCI above 65535 (16 bits)");
    if (vpcis->first > vpcis->second) fail_prev("empty range (first above last)");
    const auto vcis = span(word().text);
    if (!vcis) fail_prev(kSyntax);
    // I.361 / UNI 3.1 §2.2.4: VCIs 0-31 are reserved (signaling, ILMI, OAM).
    if (vcis->first < kFirstVci) fail_prev("VCIs 0-31 are reserved");
    if (vcis->second > kMaxVci) fail_prev("VCI above 65535 (16 bits)");
    if (vcis->first > vcis->second) fail_prev("empty range (first above last)");
    std::tie(r.first_vpci, r.last_vpci) = *vpcis;
    std::tie(r.first_vci, r.last_vci) = *vcis;
    for (const auto& o : ranges)
      if (r.first_vpci <= o.last_vpci && o.first_vpci <= r.last_vpci && r.first_vci <= o.last_vci &&
          o.first_vci <= r.last_vci) {
        pos_ -= 2;
        fail("overlaps the vc_range on line " + std::to_string(o.line));
      }
    ranges.push_back(std::move(r));
  }
  // "N" or "N-M", decimal.
  static std::optional<std::pair<int, int>> span(const std::string& w) {
    const auto dash = w.find('-');
    const std::string a = w.substr(0, dash);
    const std::string b = dash == std::string::npos ? a : w.substr(dash + 1);
    if (!is_number(a) || !is_number(b) || a.size() > 6 || b.size() > 6) return std::nullopt;
    return std::make_pair(std::stoi(a), std::stoi(b));
  }

  // The VPIs the ranges give after the VPCI rules that apply to them (an
  // entity's: the global ones, its own replacing one for the same VPCI) must
  // fit the 8 bits of a UNI cell header (ATM_MAX_VPI).
  void check_vpis() const {
    auto check = [&](const std::vector<VcRange>& ranges, const std::vector<VpciRule>& rules) {
      for (const auto& r : ranges) {
        // The largest VPI of a run of VPCIs under one rule is at its end.
        std::vector<int> ends{r.last_vpci};
        for (const auto& x : rules)
          if (x.vpci > r.first_vpci && x.vpci <= r.last_vpci) ends.push_back(x.vpci - 1);
        for (const int v : ends) {
          int base = 0;
          for (const auto& x : rules)
            if (x.vpci <= v) base = std::max(base, x.vpci);
          if (v - base <= kMaxUniVpi) continue;
          ConfigError e;
          e.file = file_;
          e.line = r.line;
          e.near = r.word;
          e.what = "VPCI " + std::to_string(v) + " gives VPI " + std::to_string(v - base) +
                   ", above 255 (8 bits at a UNI; see vpci N itf M)";
          throw Failure{e};
        }
      }
    };
    if (cfg_.entities.empty()) check(cfg_.vc_ranges, cfg_.vpci);
    for (const auto& e : cfg_.entities) {
      std::vector<VpciRule> rules = cfg_.vpci;
      for (const auto& v : e.vpci) {
        std::erase_if(rules, [&](const VpciRule& g) { return g.vpci == v.vpci; });
        rules.push_back(v);
      }
      check(e.vc_ranges.empty() ? cfg_.vc_ranges : e.vc_ranges, rules);
    }
  }

  // The original's add_route(): the same length and the same significant
  // part is a duplicate (it dies at start with "duplicate route").
  bool duplicate_route(const AddressPrefix& r) const {
    for (const auto& o : routes_)
      if (o.bits == r.bits && prefix_matches(o, r.addr)) return true;
    return false;
  }

  // "sig vpci" / entity "vpci": a second rule for the same VPCI in the same
  // place is ignored with a warning, as the original does.
  void add_vpci(std::vector<VpciRule>& rules, VpciRule r) {
    if (std::any_of(rules.begin(), rules.end(),
                    [&](const VpciRule& x) { return x.vpci == r.vpci; })) {
      cfg_.warnings.push_back(file_ + ":" + std::to_string(t_[pos_ - 1].line) +
                              ": ignoring duplicate VPCI " + std::to_string(r.vpci) + " (itf " +
                              std::to_string(r.itf) + ")");
      return;
    }
    rules.push_back(r);
  }

  static bool is_number(const std::string& w) {
    return !w.empty() && w.find_first_not_of("0123456789") == std::string::npos;
  }

  static constexpr int kDefaultTrace = 20;
  static constexpr int kMaxVpci = 65535;  // the connection identifier's 16 bits
  static constexpr int kFirstVci = 32;
  static constexpr int kMaxVci = 65535;
  static constexpr int kMaxUniVpi = ATM_MAX_VPI;  // 255
  std::vector<Token> t_;
  std::string file_;
  std::size_t pos_ = 0;
  Config cfg_;
  bool default_seen_ = false;
  std::vector<AddressPrefix> routes_;  // of every entity
};

}  // namespace

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kFatal:
      return "fatal";
  }
  return "?";
}

std::string ConfigError::text() const {
  return file + ":" + std::to_string(line) + ": " + what + " near \"" + near + "\"";
}

const std::vector<std::string>& sig_timer_names() {
  static const std::vector<std::string> n{"t301", "t303", "t308", "t309", "t310", "t313", "t316",
                                          "t317", "t322", "t360", "t361", "t397", "t398", "t399"};
  return n;
}
const std::vector<std::string>& saal_timer_names() {
  static const std::vector<std::string> n{"cc", "poll", "keepalive", "noresponse", "idle"};
  return n;
}
const std::vector<std::string>& saal_param_names() {
  static const std::vector<std::string> n{"max_cc", "max_pd", "max_stat", "window"};
  return n;
}

ConfigResult parse_config(std::string_view text, const std::string& file_name) {
  try {
    Parser p(tokenize(text), file_name);
    return p.run();
  } catch (const Failure& f) {
    return f.err;
  }
}

// With read(2), not an ifstream: an iostream would set up libstdc++'s whole
// locale at start-up (issue 13, idle RSS).
ConfigResult load_config(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ConfigError{path, 0, "", "cannot read the configuration file"};
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return ConfigError{path, 0, "", "cannot read the configuration file"};
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return parse_config(text, path);
}

}  // namespace atmsigd::config
