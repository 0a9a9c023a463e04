#include "atmsigd/atmsvc/socket_table.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::atmsvc {

struct SocketTable::Listener {
  struct sockaddr_atmsvc addr;
  struct atm_sap sap;
  struct atm_qos qos;
  std::string sap_key;
  std::string addr_key;
  std::deque<Pending> fifo;
};

struct SocketTable::Context {
  const Message* msg = nullptr;   // kernel events
  const NetOutput* cc = nullptr;  // call-control events (a CcEvent alternative)
  TimePoint now{};
  std::vector<Action>& out;
  SockEvent event{};  // set by step()
};

namespace {

const log::Levels kEveryLevel = log::Levels::all();

std::string vcc_text(Vcc v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A message to the kernel made in place at the end of the action list: a
// 252-octet frame, not built aside, copied into a variant and moved again
// (issue 13). The reference holds until the next action is appended.
Message& kernel_msg(std::vector<Action>& out, enum atmsvc_msg_type type) {
  Message& m = std::get_if<ToKernel>(&out.emplace_back(std::in_place_type<ToKernel>))->msg;
  m.set_type(type);
  return m;
}

void send_reply(std::vector<Action>& out, enum atmsvc_msg_type type, Vcc vcc, int r = 0) {
  Message& m = kernel_msg(out, type);
  m.set_vcc(vcc);
  m.set_reply(r);
}

// NSAP addresses by their 20 octets, E.164 by the digit string. Written at
// `buf` (room: kAddrKeyMax), so that a lookup builds no std::string.
constexpr std::size_t kAddrKeyMax = 1 + ATM_ESA_LEN;
static_assert(kAddrKeyMax >= 1 + ATM_E164_LEN + 1);
std::string_view addr_key_at(char* buf, const struct sockaddr_atmsvc& a) {
  if (a.sas_addr.prv[0] != 0) {
    buf[0] = 'n';
    std::memcpy(buf + 1, a.sas_addr.prv, ATM_ESA_LEN);
    return {buf, 1 + ATM_ESA_LEN};
  }
  if (a.sas_addr.pub[0] != 0) {
    const std::size_t n = strnlen(a.sas_addr.pub, sizeof a.sas_addr.pub);
    buf[0] = 'e';
    std::memcpy(buf + 1, a.sas_addr.pub, n);
    return {buf, 1 + n};
  }
  return "*";
}

std::uint64_t word_at(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

std::string addr_key(const struct sockaddr_atmsvc& a) {
  char buf[kAddrKeyMax];
  return std::string(addr_key_at(buf, a));
}

std::string sap_key(const struct sockaddr_atmsvc& a, const struct atm_sap& sap) {
  std::string k = addr_key(a);
  k.push_back('|');
  k.push_back(static_cast<char>(sap.bhli.hl_type));
  if (sap.bhli.hl_type != ATM_HL_NONE) {
    const auto n = std::min<std::size_t>(sap.bhli.hl_length, ATM_MAX_HLI);
    k.push_back(static_cast<char>(n));
    k.append(reinterpret_cast<const char*>(sap.bhli.hl_info), n);
  }
  for (int i = 0; i < blli_count(sap); ++i) {
    k.push_back('|');
    k.append(reinterpret_cast<const char*>(&sap.blli[i]), sizeof sap.blli[i]);
  }
  return k;
}

}  // namespace

std::uint64_t SocketTable::hash_key(std::string_view k) noexcept {
  // Each word mixed in with a multiply and a shift (splitmix64's
  // constants); the length in the seed, so "e1" and "e1\0" differ.
  constexpr std::uint64_t kMul = 0xbf58476d1ce4e5b9ULL;
  std::uint64_t h = (k.size() + 1) * 0x9e3779b97f4a7c15ULL;
  auto mix = [&](std::uint64_t w) {
    h = (h ^ w) * kMul;
    h ^= h >> 31;
  };
  const char* p = k.data();
  std::size_t n = k.size();
  if (n >= sizeof(std::uint64_t)) {
    for (; n > sizeof(std::uint64_t); n -= sizeof(std::uint64_t), p += sizeof(std::uint64_t))
      mix(word_at(p));
    mix(word_at(k.data() + k.size() - sizeof(std::uint64_t)));  // the last word, overlapping
  } else {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i)
      w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    mix(w);
  }
  return h ^ (h >> 29);
}

namespace {

// --- SAP and traffic negotiation (docs/atmsvc.md, "Listener matching") -----
// The rules of the original (linux-atm sigd/sap.c sap_compat with libatm's
// sap_equal(SXE_COMPATIBLE | SXE_NEGOTIATION | SXE_RESULT)): `l` is the
// listener's (or an existing listener's, for as_listen), `c` the call's (or
// the new listener's). Written from their observable behaviour, checked
// against Debian's binary (tests/interop, "Negotiation").

// An absent BHLI on the listener's side takes any; else type and contents equal.
bool bhli_compatible(const struct atm_bhli& l, const struct atm_bhli& c) {
  if (l.hl_type == ATM_HL_NONE) return true;
  if (l.hl_type != c.hl_type) return false;
  std::size_t n = 0;
  switch (l.hl_type) {
    case ATM_HL_ISO:
    case ATM_HL_USER:
      if (l.hl_length != c.hl_length) return false;
      n = std::min<std::size_t>(l.hl_length, ATM_MAX_HLI);
      break;
    case ATM_HL_HLP:
      n = 4;
      break;
    case ATM_HL_VENDOR:
      n = 7;
      break;
    default:
      break;
  }
  return n == 0 || std::memcmp(l.hl_info, c.hl_info, n) == 0;
}

constexpr unsigned char kNlpidSnap = 0x80;  // ISO/IEC TR 9577: IEEE 802.1 SNAP follows

bool blli_used(const struct atm_blli& b) {
  return b.l2_proto != ATM_L2_NONE || b.l3_proto != ATM_L3_NONE;
}

// One negotiable field of an ITU BLLI: the result takes the listener's value
// where the caller gave none; of two different values the smaller one wins.
// (libatm meant window and packet sizes to go only down from the listener's
// larger value, but its check never refuses: Debian's atmsigd takes a listener
// window of 3 for a caller's 7, and refuses a second listener on window 7
// after one on window 3, tests/interop "Negotiation", "ListenConflicts".)
void negotiate_field(unsigned char l, unsigned char c, unsigned char& res) {
  if (res == 0) res = l;
  if (l != 0 && c != 0 && l != c) res = std::min(l, c);
}

// The listener's BLLI `l` against one of the caller's, `c`: the protocols
// equal; ITU mode, window and default packet size negotiated; TR 9577 IPI and
// SNAP and the layer 3 user information equal. (Layer 2 user information is
// not compared, as by the original.)
bool negotiate_blli(const struct atm_blli& l, const struct atm_blli& c, struct atm_blli& res) {
  res = c;
  if (l.l2_proto != c.l2_proto || l.l3_proto != c.l3_proto) return false;
  switch (l.l2_proto) {
    case ATM_L2_X25_LL:
    case ATM_L2_X25_ML:
    case ATM_L2_HDLC_ARM:
    case ATM_L2_HDLC_NRM:
    case ATM_L2_HDLC_ABM:
    case ATM_L2_Q922:
    case ATM_L2_ISO7776:
      negotiate_field(l.l2.itu.mode, c.l2.itu.mode, res.l2.itu.mode);
      negotiate_field(l.l2.itu.window, c.l2.itu.window, res.l2.itu.window);
      break;
    default:
      break;
  }
  switch (l.l3_proto) {
    case ATM_L3_X25:
    case ATM_L3_ISO8208:
    case ATM_L3_X223:
      negotiate_field(l.l3.itu.mode, c.l3.itu.mode, res.l3.itu.mode);
      negotiate_field(l.l3.itu.def_size, c.l3.itu.def_size, res.l3.itu.def_size);
      negotiate_field(l.l3.itu.window, c.l3.itu.window, res.l3.itu.window);
      return true;
    case ATM_L3_TR9577:
      if (l.l3.tr9577.ipi != c.l3.tr9577.ipi) return false;
      return l.l3.tr9577.ipi != kNlpidSnap ||
             std::memcmp(l.l3.tr9577.snap, c.l3.tr9577.snap, sizeof l.l3.tr9577.snap) == 0;
    case ATM_L3_USER:
      return l.l3.user == c.l3.user;
    default:
      return true;
  }
}

// A listener without BLLI takes any call (the result: the caller's first
// BLLI); else the first of the listener's BLLIs that one of the caller's
// matches, in the listener's order, then the caller's. A call without BLLI
// matches no listener with one.
bool negotiate_bllis(const struct atm_sap& l, const struct atm_sap& c, struct atm_blli& res,
                     int& offered) {
  offered = -1;
  if (!blli_used(l.blli[0])) {
    res = c.blli[0];
    if (blli_used(c.blli[0])) offered = 0;
    return true;
  }
  for (int i = 0; i < ATM_MAX_BLLI && blli_used(l.blli[i]); ++i)
    for (int j = 0; j < ATM_MAX_BLLI && blli_used(c.blli[j]); ++j)
      if (negotiate_blli(l.blli[i], c.blli[j], res)) {
        offered = j;
        return true;
      }
  return false;
}

// One direction's traffic class: `want` (what one end asks for) against
// `got` (what the other offers). NONE or ANYCLASS asks for nothing, a UBR or
// ANYCLASS offer satisfies anything; else the classes are equal, and for CBR
// the asked minimum PCR fits under the offered maximum (0 or ATM_MAX_PCR: no
// bound). Beyond the original: ABR against ABR is taken (the original decodes
// no ABR, and refuses other equal classes as "unsupported").
bool class_fits(const struct atm_trafprm& want, const struct atm_trafprm& got) {
  if (want.traffic_class == ATM_NONE || want.traffic_class == ATM_ANYCLASS) return true;
  if (got.traffic_class == ATM_UBR || got.traffic_class == ATM_ANYCLASS) return true;
  if (want.traffic_class != got.traffic_class) return false;
  switch (want.traffic_class) {
    case ATM_CBR:
      return got.max_pcr == 0 || got.max_pcr == ATM_MAX_PCR || want.min_pcr <= got.max_pcr;
    case ATM_ABR:
      return true;
    default:
      return false;
  }
}

// The QoS part of the original's sap_compat. Both in the callee's view (the
// call's rxtp = the caller's forward direction).
bool qos_compatible(const struct atm_qos& l, const struct atm_qos& c) {
  if (c.aal != 0 && l.aal != c.aal) return false;
  // The listener's sending SDU must fit the caller's receiving one, and the
  // caller's sending SDU the listener's receiving one (0: no limit).
  if (l.txtp.max_sdu != 0 && c.txtp.max_sdu != 0 && l.txtp.max_sdu > c.txtp.max_sdu) return false;
  if (c.rxtp.max_sdu != 0 && l.rxtp.max_sdu != 0 && c.rxtp.max_sdu > l.rxtp.max_sdu) return false;
  return class_fits(l.rxtp, c.rxtp) && class_fits(c.txtp, l.txtp);
}

}  // namespace

const char* state_name(SockState s) {
  switch (s) {
    case SockState::kNull:
      return "Null";
    case SockState::kConnecting:
      return "Connecting";
    case SockState::kAccepting:
      return "Accepting";
    case SockState::kActive:
      return "Active";
    case SockState::kClosingByDemon:
      return "ClosingByDemon";
    case SockState::kListening:
      return "Listening";
    case SockState::kListenZombie:
      return "ListenZombie";
    case SockState::kActiveQosWait:
      return "ActiveQosWait";
    case SockState::kAddPartyWait:
      return "AddPartyWait";
    case SockState::kDropPartyWait:
      return "DropPartyWait";
  }
  return "?";
}

const char* event_name(SockEvent e) {
  switch (e) {
    case SockEvent::kKernelConnect:
      return "as_connect";
    case SockEvent::kKernelListen:
      return "as_listen";
    case SockEvent::kKernelAccept:
      return "as_accept";
    case SockEvent::kKernelReject:
      return "as_reject";
    case SockEvent::kKernelClose:
      return "as_close";
    case SockEvent::kKernelModify:
      return "as_modify";
    case SockEvent::kKernelAddParty:
      return "as_addparty";
    case SockEvent::kKernelDropParty:
      return "as_dropparty";
    case SockEvent::kKernelIdentify:
      return "as_identify";
    case SockEvent::kCcEstablished:
      return "CC-ESTABLISHED";
    case SockEvent::kCcReleased:
      return "CC-RELEASED";
    case SockEvent::kZombieTimeout:
      return "ZOMBIE-TIMEOUT";
    case SockEvent::kKernelOkay:
      return "as_okay";
    case SockEvent::kKernelError:
      return "as_error";
    case SockEvent::kCcModifyResult:
      return "CC-MODIFY-RESULT";
    case SockEvent::kCcModifyQos:
      return "CC-MODIFY-QOS";
    case SockEvent::kCcAddPartyResult:
      return "CC-ADD-PARTY-RESULT";
    case SockEvent::kCcDropPartyResult:
      return "CC-DROP-PARTY-RESULT";
  }
  return "?";
}

SocketTable::SocketTable(SocketTableParams params)
    : params_(params), levels_(params.levels != nullptr ? params.levels : &kEveryLevel) {}
SocketTable::~SocketTable() = default;

SocketTable::Socket* SocketTable::find_vcc(Vcc vcc) {
  return by_vcc_.find_ptr(vcc);
}

// One probe: the id index holds the record's address (the slab's records
// stay put), not the vcc to look up again.
SocketTable::Socket* SocketTable::find_id(SockId id) {
  Socket* const* s = socket_of_id_.find_ptr(id);
  return s == nullptr ? nullptr : *s;
}

SocketTable::Socket& SocketTable::create(Vcc vcc, SockState st, TimePoint now) {
  // A held call's socket is this record (docs/performance.md, "Memory"):
  // since_s and multipoint live in the padding after the state.
  static_assert(sizeof(Socket) <= 40, "a socket's record grew");
  // Every caller found no socket of vcc (the Null row's handlers are reached
  // only with none, listening_accept looks first): one insertion, no second
  // probe (issue 13).
  Socket& s = by_vcc_.emplace_absent(vcc, Socket{});
  s.id = next_id_++;
  s.vcc = vcc;
  s.state = st;
  s.since_s = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  socket_of_id_.emplace_absent(s.id, &s);  // ids are never reused
  return s;
}

void SocketTable::destroy(Socket& s) {
  if (s.listener) {
    unindex_listener(s);
    zombie_deadline_.erase(s.vcc);  // only a listener becomes a zombie
  }
  socket_of_id_.erase(s.id);
  by_vcc_.erase(s.vcc);  // s is dangling after this line
}

std::optional<SockState> SocketTable::state_of(Vcc vcc) const {
  auto it = by_vcc_.find(vcc);
  if (it == by_vcc_.end()) return std::nullopt;
  return it->second.state;
}

std::optional<SockId> SocketTable::sock_id_of(Vcc vcc) const {
  auto it = by_vcc_.find(vcc);
  if (it == by_vcc_.end()) return std::nullopt;
  return it->second.id;
}

std::size_t SocketTable::pending_count(Vcc listen_vcc) const {
  auto it = by_vcc_.find(listen_vcc);
  if (it == by_vcc_.end() || !it->second.listener) return 0;
  return it->second.listener->fifo.size();
}

SocketTable::SocketView SocketTable::view_of(const Socket& s) {
  SocketView v;
  v.id = s.id;
  v.vcc = s.vcc;
  v.state = s.state;
  v.call = s.call;
  v.since = TimePoint(std::chrono::seconds(s.since_s));
  if (s.listener) {
    v.pending = s.listener->fifo.size();
    v.listen_addr = s.listener->addr;
  }
  return v;
}

void SocketTable::sockets(std::vector<SocketView>& out) const {
  for (const auto& [vcc, s] : by_vcc_) out.push_back(view_of(s));
}

std::optional<SocketTable::SocketView> SocketTable::socket_of(SockId id) const {
  Socket* const* s = socket_of_id_.find_ptr(id);
  if (s == nullptr) return std::nullopt;
  return view_of(**s);
}

const std::vector<struct sockaddr_atmsvc>& SocketTable::local_addresses(int itf) const {
  static const std::vector<struct sockaddr_atmsvc> kNone;
  auto it = local_addrs_.find(itf);
  return it == local_addrs_.end() ? kNone : it->second;
}

std::optional<struct sockaddr_atmsvc> SocketTable::default_local() const {
  // Lowest interface number first, so the choice does not depend on hashing.
  const std::vector<struct sockaddr_atmsvc>* best = nullptr;
  int best_itf = 0;
  for (const auto& [itf, list] : local_addrs_) {
    if (list.empty()) continue;
    if (best == nullptr || itf < best_itf) {
      best = &list;
      best_itf = itf;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->front();
}

// NSAP: the selector octet is the end system's own, so it is not compared.
bool SocketTable::is_local(const struct sockaddr_atmsvc& a) const {
  for (const auto& [itf, list] : local_addrs_) {
    for (const auto& l : list) {
      if (a.sas_addr.prv[0] != 0) {
        if (std::memcmp(a.sas_addr.prv, l.sas_addr.prv, ATM_ESA_LEN - 1) == 0) return true;
      } else if (a.sas_addr.pub[0] != 0 &&
                 strncmp(a.sas_addr.pub, l.sas_addr.pub, sizeof a.sas_addr.pub) == 0) {
        return true;
      }
    }
  }
  return false;
}

// --- input from the kernel --------------------------------------------------

void SocketTable::handle(const TableInput& in, TimePoint now, std::vector<Action>& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, FromKernelBytes>)
          from_kernel(x.bytes, now, out);
        else if constexpr (std::is_same_v<T, FromKernel>)
          from_kernel(x.msg, now, out);
        else if constexpr (std::is_same_v<T, FromCallControl>)
          from_call_control(x.ev, now, out);
        else if constexpr (std::is_same_v<T, SetLocalAddresses>)
          set_local_addresses(x.itf, x.addrs, out);
        else if constexpr (std::is_same_v<T, UserStalled>)
          user_stalled_ = x.stalled;
        else
          shutdown(out);
      },
      in);
}

void SocketTable::from_kernel(ByteView frame, TimePoint now, std::vector<Action>& out) {
  Decoded d = decode(frame);
  if (d.error) {
    ++frames_malformed_;
    emit(out, log::Id::kSocketBadFrame, d.error->what);
    if (d.error->reply_errno != 0 && d.error->vcc != 0 && find_vcc(d.error->vcc) == nullptr)
      send_reply(out, as_error, d.error->vcc, d.error->reply_errno);
    return;
  }
  from_kernel(*d.msg, now, out);
}

void SocketTable::from_kernel(const Message& m, TimePoint now, std::vector<Action>& out) {
  if (wants(log::Id::kSocketFromKernel)) emit(out, log::Id::kSocketFromKernel, m.summary());
  if (auto e = validate_from_kernel(m, params_.switch_mode)) {
    ++frames_malformed_;
    emit(out, log::Id::kSocketBadFrame, e->what);
    // An as_error is only owed (and only safe) for a socket the demon does
    // not hold: as_error tells the kernel that the demon has no state.
    if (e->reply_errno != 0 && e->vcc != 0 && find_vcc(e->vcc) == nullptr)
      send_reply(out, as_error, e->vcc, e->reply_errno);
    return;
  }
  dispatch_kernel(m, now, out);
}

// --- the transition matrix ----------------------------------------------------

// Which cell decides each (state, event) pair. A nested class, so the cells
// can name the private handlers; every cell carries its state and event, and
// the static_assert below refuses a matrix whose cells are out of place.
struct SocketTable::Dispatch {
  using Handler = void (SocketTable::*)(Socket* s, Context& ctx);
  struct Cell {
    SockEvent event;
    Handler fn;
    const char* name;
  };
  using Cells = std::array<Cell, kSockEventCount>;
  struct Row {
    SockState state;
    Cells cells;
    constexpr const Cell& operator[](SockEvent e) const {
      return cells[static_cast<std::size_t>(e)];
    }
  };
  struct Matrix {
    std::array<Row, kSockStateCount> rows;
    constexpr const Row& operator[](SockState s) const { return rows[static_cast<std::size_t>(s)]; }
  };

  // clang-format off
#define ATMSVC_CELL(event, handler) Cell{SockEvent::event, &SocketTable::handler, #handler}
  // clang-format on

  // No state in the demon (section 2.2): only as_connect and as_listen create one.
  static constexpr Cells kNull{{
      ATMSVC_CELL(kKernelConnect, null_connect),
      ATMSVC_CELL(kKernelListen, null_listen),
      ATMSVC_CELL(kKernelAccept, null_unknown_listener),
      ATMSVC_CELL(kKernelReject, null_reject),
      ATMSVC_CELL(kKernelClose, null_close),
      ATMSVC_CELL(kKernelModify, refuse_modify_badfd),
      ATMSVC_CELL(kKernelAddParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelDropParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelIdentify, null_unknown_listener),
      ATMSVC_CELL(kCcEstablished, null_cc_established),
      ATMSVC_CELL(kCcReleased, null_cc_released),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, null_cc_modify_result),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, late_party_result),
      ATMSVC_CELL(kCcDropPartyResult, late_party_result),
  }};
  // Connecting (section 3.6) and Accepting (section 3.9) wait alike for call
  // control's answer, and both may be closed before it comes (fig. 9).
  static constexpr Cells kAwaitingAnswer{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, refuse_accept),
      ATMSVC_CELL(kKernelReject, not_allowed),
      ATMSVC_CELL(kKernelClose, release_and_ack_close),
      ATMSVC_CELL(kKernelModify, refuse_modify),
      // Q.2971: no call up yet (a non-blocking connect()), so no party to
      // add or drop: as every state without an active call.
      ATMSVC_CELL(kKernelAddParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelDropParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelIdentify, refuse_accept),
      ATMSVC_CELL(kCcEstablished, connecting_cc_established),
      ATMSVC_CELL(kCcReleased, connecting_cc_released),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, not_allowed),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, not_allowed),
      ATMSVC_CELL(kCcDropPartyResult, not_allowed),
  }};
  static constexpr Cells kActive{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, refuse_accept),
      ATMSVC_CELL(kKernelReject, not_allowed),
      ATMSVC_CELL(kKernelClose, release_and_ack_close),
      ATMSVC_CELL(kKernelModify, active_modify),
      ATMSVC_CELL(kKernelAddParty, active_add_party),
      ATMSVC_CELL(kKernelDropParty, active_drop_party),
      ATMSVC_CELL(kKernelIdentify, refuse_accept),
      ATMSVC_CELL(kCcEstablished, not_allowed),
      ATMSVC_CELL(kCcReleased, active_cc_released),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, cc_modify_result),
      ATMSVC_CELL(kCcModifyQos, active_cc_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, not_allowed),
      ATMSVC_CELL(kCcDropPartyResult, not_allowed),
  }};
  // Q.2963.1: as Active, and the kernel's answer to our as_modify is awaited
  // (it never comes if the socket is closed meanwhile: net/atm/signaling.c
  // modify_qos answers only a VC that is ready and not released).
  static constexpr Cells kActiveQosWait{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, refuse_accept),
      ATMSVC_CELL(kKernelReject, not_allowed),
      ATMSVC_CELL(kKernelClose, release_and_ack_close),
      ATMSVC_CELL(kKernelModify, active_modify),
      // Our as_modify is outstanding: one request at a time per socket.
      ATMSVC_CELL(kKernelAddParty, refuse_party_busy),
      ATMSVC_CELL(kKernelDropParty, refuse_party_busy),
      ATMSVC_CELL(kKernelIdentify, refuse_accept),
      ATMSVC_CELL(kCcEstablished, not_allowed),
      ATMSVC_CELL(kCcReleased, active_cc_released),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, qos_wait_answer),
      ATMSVC_CELL(kKernelError, qos_wait_answer),
      ATMSVC_CELL(kCcModifyResult, cc_modify_result),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, not_allowed),
      ATMSVC_CELL(kCcDropPartyResult, not_allowed),
  }};
  // Q.2971, the root: an as_addparty (as_dropparty) waits for call control's
  // answer. The kernel sends nothing else for the socket meanwhile but
  // as_close (svc_addparty holds the socket's lock until the answer);
  // call control answers before it releases the call.
  static constexpr Cells kAddPartyWait{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, refuse_accept),
      ATMSVC_CELL(kKernelReject, not_allowed),
      ATMSVC_CELL(kKernelClose, release_and_ack_close),
      ATMSVC_CELL(kKernelModify, refuse_modify),
      ATMSVC_CELL(kKernelAddParty, refuse_party_busy),
      ATMSVC_CELL(kKernelDropParty, refuse_party_busy),
      ATMSVC_CELL(kKernelIdentify, refuse_accept),
      ATMSVC_CELL(kCcEstablished, not_allowed),
      ATMSVC_CELL(kCcReleased, party_wait_cc_released),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, not_allowed),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, party_wait_result),
      ATMSVC_CELL(kCcDropPartyResult, not_allowed),
  }};
  static constexpr Cells kDropPartyWait{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, refuse_accept),
      ATMSVC_CELL(kKernelReject, not_allowed),
      ATMSVC_CELL(kKernelClose, release_and_ack_close),
      ATMSVC_CELL(kKernelModify, refuse_modify),
      ATMSVC_CELL(kKernelAddParty, refuse_party_busy),
      ATMSVC_CELL(kKernelDropParty, refuse_party_busy),
      ATMSVC_CELL(kKernelIdentify, refuse_accept),
      ATMSVC_CELL(kCcEstablished, not_allowed),
      ATMSVC_CELL(kCcReleased, party_wait_cc_released),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, not_allowed),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, not_allowed),
      ATMSVC_CELL(kCcDropPartyResult, party_wait_result),
  }};
  // Section 3.4: a release from call control crossing our as_close is not
  // answered again ("already closing": ignore).
  static constexpr Cells kClosingByDemon{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, refuse_accept),
      ATMSVC_CELL(kKernelReject, not_allowed),
      ATMSVC_CELL(kKernelClose, closing_by_demon_close),
      ATMSVC_CELL(kKernelModify, refuse_modify),
      ATMSVC_CELL(kKernelAddParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelDropParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelIdentify, refuse_accept),
      ATMSVC_CELL(kCcEstablished, not_allowed),
      ATMSVC_CELL(kCcReleased, ignore),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, not_allowed),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      // An answer after party_wait_cc_released answered the kernel itself.
      ATMSVC_CELL(kCcAddPartyResult, late_party_result),
      ATMSVC_CELL(kCcDropPartyResult, late_party_result),
  }};
  // Listening (fig. 5, 11, 12) and ListenZombie (the listener closed, its FIFO
  // still answered by the kernel) differ only in as_close and the guard timer.
  static constexpr Cells kListening{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, listening_accept),
      ATMSVC_CELL(kKernelReject, listening_reject),
      ATMSVC_CELL(kKernelClose, listening_close),
      ATMSVC_CELL(kKernelModify, refuse_modify),
      ATMSVC_CELL(kKernelAddParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelDropParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelIdentify, listening_identify),
      ATMSVC_CELL(kCcEstablished, not_allowed),
      ATMSVC_CELL(kCcReleased, not_allowed),
      ATMSVC_CELL(kZombieTimeout, ignore),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, not_allowed),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, not_allowed),
      ATMSVC_CELL(kCcDropPartyResult, not_allowed),
  }};
  static constexpr Cells kListenZombie{{
      ATMSVC_CELL(kKernelConnect, not_allowed),
      ATMSVC_CELL(kKernelListen, not_allowed),
      ATMSVC_CELL(kKernelAccept, listening_accept),
      ATMSVC_CELL(kKernelReject, listening_reject),
      ATMSVC_CELL(kKernelClose, not_allowed),
      ATMSVC_CELL(kKernelModify, refuse_modify),
      ATMSVC_CELL(kKernelAddParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelDropParty, refuse_party_badfd),
      ATMSVC_CELL(kKernelIdentify, listening_identify),
      ATMSVC_CELL(kCcEstablished, not_allowed),
      ATMSVC_CELL(kCcReleased, not_allowed),
      ATMSVC_CELL(kZombieTimeout, listen_zombie_timeout),
      ATMSVC_CELL(kKernelOkay, stray_qos_answer),
      ATMSVC_CELL(kKernelError, stray_qos_answer),
      ATMSVC_CELL(kCcModifyResult, not_allowed),
      ATMSVC_CELL(kCcModifyQos, refuse_modify_qos),
      ATMSVC_CELL(kCcAddPartyResult, not_allowed),
      ATMSVC_CELL(kCcDropPartyResult, not_allowed),
  }};
#undef ATMSVC_CELL

  static constexpr Matrix kMatrix{{{
      {SockState::kNull, kNull},
      {SockState::kConnecting, kAwaitingAnswer},
      {SockState::kAccepting, kAwaitingAnswer},
      {SockState::kActive, kActive},
      {SockState::kClosingByDemon, kClosingByDemon},
      {SockState::kListening, kListening},
      {SockState::kListenZombie, kListenZombie},
      {SockState::kActiveQosWait, kActiveQosWait},
      {SockState::kAddPartyWait, kAddPartyWait},
      {SockState::kDropPartyWait, kDropPartyWait},
  }}};

  // Every cell in its place and with a handler. (The handler pointer itself
  // is not compared with nullptr here: GCC cannot evaluate that in a constant
  // expression under -fsanitize=undefined; CELL() sets the name and the
  // handler together, and tests/atmsvc/matrix_test.cpp runs every cell.)
  static constexpr bool well_formed() {
    for (std::size_t s = 0; s < kSockStateCount; ++s) {
      if (kMatrix.rows[s].state != static_cast<SockState>(s)) return false;
      for (std::size_t e = 0; e < kSockEventCount; ++e) {
        const Cell& c = kMatrix.rows[s].cells[e];
        if (c.event != static_cast<SockEvent>(e) || c.name == nullptr) return false;
      }
    }
    return true;
  }

  static constexpr std::array<Transition, kSockStateCount * kSockEventCount> transitions() {
    std::array<Transition, kSockStateCount * kSockEventCount> t{};
    for (std::size_t s = 0; s < kSockStateCount; ++s)
      for (std::size_t e = 0; e < kSockEventCount; ++e) {
        const Cell& c = kMatrix.rows[s].cells[e];
        t[s * kSockEventCount + e] = Transition{kMatrix.rows[s].state, c.event, c.name};
      }
    return t;
  }

  // Kernel messages that concern one socket: the event, and whether the
  // socket is named by listen_vcc (as_accept, as_reject, as_identify: the
  // listener) or by vcc (table 1).
  struct KernelRoute {
    int type;
    SockEvent event;
    bool by_listen_vcc;
  };
  static constexpr std::array<KernelRoute, 11> kKernelRoutes{{
      {as_connect, SockEvent::kKernelConnect, false},
      {as_listen, SockEvent::kKernelListen, false},
      {as_accept, SockEvent::kKernelAccept, true},
      {as_reject, SockEvent::kKernelReject, true},
      {as_close, SockEvent::kKernelClose, false},
      {as_modify, SockEvent::kKernelModify, false},
      {as_addparty, SockEvent::kKernelAddParty, false},
      {as_dropparty, SockEvent::kKernelDropParty, false},
      {as_identify, SockEvent::kKernelIdentify, true},  // switch mode only (validated)
      // Q.2963.1: the kernel's answers to our as_modify (modify_qos).
      {as_okay, SockEvent::kKernelOkay, false},
      {as_error, SockEvent::kKernelError, false},
  }};
  // kKernelRoutes by message type (made from it, so one list stays the
  // source): dispatch_kernel() reads its route with one load instead of
  // scanning the list (issue 13). Types without a route have routed false.
  struct RouteByType {
    SockEvent event;
    bool by_listen_vcc;
    bool routed;  // value-initialized: false
  };
  static constexpr std::size_t kTypeCount = as_dropparty + 1;
  static constexpr std::array<RouteByType, kTypeCount> kRouteByType = [] {
    std::array<RouteByType, kTypeCount> t{};
    for (const KernelRoute& r : kKernelRoutes)
      t[static_cast<std::size_t>(r.type)] = RouteByType{r.event, r.by_listen_vcc, true};
    return t;
  }();
};

std::span<const Transition> transitions() {
  static constexpr auto kTransitions = SocketTable::Dispatch::transitions();
  return kTransitions;
}

// --- input from the kernel (continued) -----------------------------------------

void SocketTable::dispatch_kernel(const Message& m, TimePoint now, std::vector<Action>& out) {
  switch (m.type()) {
    case as_bind:
      on_bind(m, out);
      return;
    case as_itf_notify:
      on_itf_notify(m, out);
      return;
    case as_terminate:  // switch mode only (validated)
      on_terminate(out);
      return;
    default:
      break;
  }
  if (const auto t = static_cast<unsigned>(m.type()); t < Dispatch::kTypeCount) {
    if (const auto& r = Dispatch::kRouteByType[t]; r.routed) {
      Context ctx{&m, nullptr, now, out};
      step(find_vcc(r.by_listen_vcc ? m.listen_vcc() : m.vcc()), r.event, ctx);
      return;
    }
  }
  // validate_from_kernel() let nothing else through.
  if (wants(log::Id::kSocketUnhandled)) emit(out, log::Id::kSocketUnhandled, m.summary());
}

// Section 5.1.
void SocketTable::on_itf_notify(const Message& m, std::vector<Action>& out) {
  emit(out, log::Id::kSocketItfChanged, m.raw().pvc.sap_addr.itf);
  out.push_back(QueryLocalAddresses{m.raw().pvc.sap_addr.itf});
}

// Switch mode: the original exits here; the shell stops the demon.
void SocketTable::on_terminate(std::vector<Action>& out) {
  emit(out, log::Id::kSocketTerminate);
  out.push_back(Terminate{"as_terminate from the user of signaling"});
}

// --- input from call control ------------------------------------------------

void SocketTable::from_call_control(const CcEvent& ev, TimePoint now, std::vector<Action>& out) {
  const NetOutput o = std::visit([](const auto& e) -> NetOutput { return e; }, ev);
  from_call_control(o, now, out);
}

void SocketTable::from_call_control(const NetOutput& ev, TimePoint now, std::vector<Action>& out) {
  Context ctx{nullptr, &ev, now, out};
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ToLink> || std::is_same_v<T, LinkState> ||
                      std::is_same_v<T, log::Event>) {
          // not an event of the socket layer (the engine passes only CcEvents)
        } else if constexpr (std::is_same_v<T, CcEstablished>) {
          step(find_id(e.sock), SockEvent::kCcEstablished, ctx);
        } else if constexpr (std::is_same_v<T, CcReleased>) {
          step(find_id(e.sock), SockEvent::kCcReleased, ctx);
        } else if constexpr (std::is_same_v<T, CcIncoming>) {
          on_incoming(e, out);
        } else if constexpr (std::is_same_v<T, CcIncomingGone>) {
          on_incoming_gone(e, out);
        } else if constexpr (std::is_same_v<T, CcModifyResult>) {
          step(find_id(e.sock), SockEvent::kCcModifyResult, ctx);
        } else if constexpr (std::is_same_v<T, CcModifyQos>) {
          step(find_id(e.sock), SockEvent::kCcModifyQos, ctx);
        } else if constexpr (std::is_same_v<T, CcAddPartyResult>) {
          step(find_id(e.sock), SockEvent::kCcAddPartyResult, ctx);
        } else {
          static_assert(std::is_same_v<T, CcDropPartyResult>);
          step(find_id(e.sock), SockEvent::kCcDropPartyResult, ctx);
        }
      },
      ev);
}

// --- the transition function --------------------------------------------------

void SocketTable::step(Socket* s, SockEvent ev, Context& ctx) {
  static_assert(Dispatch::well_formed());
  const SockState st = s != nullptr ? s->state : SockState::kNull;
  ctx.event = ev;
  (this->*Dispatch::kMatrix[st][ev].fn)(s, ctx);
}

// --- shared handlers ------------------------------------------------------------

// A pair the protocol does not allow in this state (sections 3.6 to 3.10:
// the kernel sends nothing else for the socket meanwhile): logged, and the
// socket stays as it was.
void SocketTable::not_allowed(Socket* s, Context& ctx) {
  // Never in Null: that row has no such cell.
  emit_for(*s, ctx.out, log::Id::kSocketNotAllowed, event_name(ctx.event), state_name(s->state));
}

// Nothing to do: a timer of a socket that has none, or a release that
// crossed our as_close (section 3.4).
void SocketTable::ignore(Socket* /*s*/, Context& /*ctx*/) {}

// as_accept / as_identify naming a socket that is not a listener (section
// 3.9): the new socket gets an error, unless the demon holds it.
void SocketTable::refuse_accept(Socket* s, Context& ctx) {
  not_allowed(s, ctx);
  if (find_vcc(ctx.msg->vcc()) == nullptr) send_reply(ctx.out, as_error, ctx.msg->vcc(), -EINVAL);
}

// as_modify for a socket the demon does not know: as_okay with -EBADFD (the
// original crashes: it answers through the socket it did not find).
void SocketTable::refuse_modify_badfd(Socket* /*s*/, Context& ctx) {
  if (wants(log::Id::kSocketModifyRefused))
    emit(ctx.out, log::Id::kSocketModifyRefused, log::Hex{ctx.msg->vcc()},
         state_name(SockState::kNull), log::Errno{-EBADFD});
  send_reply(ctx.out, as_okay, ctx.msg->vcc(), -EBADFD);
}

// as_modify on a socket without an active call: as the original, -ENOPROTOOPT
// when the UNI has no Q.2963.1 (whatever the socket's state), else -EBADFD.
void SocketTable::refuse_modify(Socket* s, Context& ctx) {
  const int err = params_.modification ? -EBADFD : -ENOPROTOOPT;
  emit_for(*s, ctx.out, log::Id::kSocketModifyRefused, log::Errno{err});
  send_reply(ctx.out, as_okay, s->vcc, err);
}

// Call control asks the kernel for a QoS change on a socket that has no
// active call (or one whose change is still unanswered): never done; answered
// at once so that call control never waits for it.
void SocketTable::refuse_modify_qos(Socket* s, Context& ctx) {
  const SockId id = std::get<CcModifyQos>(*ctx.cc).sock;
  if (s != nullptr)
    not_allowed(s, ctx);
  else
    emit(ctx.out, log::Id::kSocketLateModify, event_name(ctx.event), id);
  ctx.out.push_back(ToCallControl{CcModifyQosAnswer{id, -EBADFD}});
}

// The kernel's as_okay / as_error where no as_modify of ours awaits it: a
// reply to an as_modify of a socket closed meanwhile (or a kernel's mistake).
void SocketTable::stray_qos_answer(Socket* /*s*/, Context& ctx) {
  if (wants(log::Id::kSocketModifyStray))
    emit(ctx.out, log::Id::kSocketModifyStray, type_name(ctx.msg->type()),
         log::Hex{ctx.msg->vcc()});
}

// Q.2963.1: call control's answer to the kernel's as_modify (net/atm/svc.c
// svc_change_qos returns the reply; as_error would end the socket).
void SocketTable::cc_modify_result(Socket* s, Context& ctx) {
  const int err = std::get<CcModifyResult>(*ctx.cc).err;
  emit_for(*s, ctx.out, log::Id::kSocketModifyRefused, log::Errno{err});
  send_reply(ctx.out, as_okay, s->vcc, err);
}

// as_addparty / as_dropparty are answered with their own type (the ioctl
// returns the reply): -EBADFD on a socket without an active call
// (docs/multipoint.md).
void SocketTable::refuse_party_badfd(Socket* /*s*/, Context& ctx) {
  send_reply(ctx.out, static_cast<enum atmsvc_msg_type>(ctx.msg->type()), ctx.msg->vcc(), -EBADFD);
}

// A second party request while one of the socket's requests is unanswered
// (the kernel serialises them under the socket's lock, so only a kernel that
// does not can send it): -EALREADY, as svc_connect answers a second connect
// while one waits. Without a session: -EINVAL first, as svc_ioctl's own check.
void SocketTable::refuse_party_busy(Socket* s, Context& ctx) {
  const int err = !s->multipoint ? -EINVAL : -EALREADY;
  emit_for(*s, ctx.out, log::Id::kSocketPartyRefused, type_name(ctx.msg->type()), log::Errno{err});
  send_reply(ctx.out, static_cast<enum atmsvc_msg_type>(ctx.msg->type()), s->vcc, err);
}

// Call control's answer to a party request of a socket that is gone (closed
// by the kernel meanwhile, or already answered by party_wait_cc_released).
void SocketTable::late_party_result(Socket* /*s*/, Context& ctx) {
  const SockId id = std::visit(
      [](const auto& e) -> SockId {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, CcAddPartyResult> || std::is_same_v<T, CcDropPartyResult>)
          return e.sock;
        else
          return 0;
      },
      *ctx.cc);
  emit(ctx.out, log::Id::kSocketLateModify, event_name(ctx.event), id);
}

// Section 3.4, fig. 7 and 9: the application closes (also before as_okay):
// the call is released, the as_close acknowledged, the socket forgotten.
void SocketTable::release_and_ack_close(Socket* s, Context& ctx) {
  const Vcc vcc = s->vcc;
  ctx.out.emplace_back(std::in_place_type<ToCallControl>, CcRelease{s->id});  // no variant moved
  destroy(*s);
  send_reply(ctx.out, as_close, vcc, 0);
}

// --- Null -----------------------------------------------------------------------

// Section 3.6, fig. 4: an active open creates the socket.
void SocketTable::null_connect(Socket* /*s*/, Context& ctx) {
  const auto& r = ctx.msg->raw();
  // As the original: a call the policy forbids never reaches the network.
  if (const auto d = policy_.outgoing(r.svc); !d.allow) {
    if (wants(log::Id::kSocketConnectDenied))
      emit(ctx.out, log::Id::kSocketConnectDenied, log::Hex{ctx.msg->vcc()}, r.svc, d.describe());
    send_reply(ctx.out, as_error, ctx.msg->vcc(), -EACCES);
    return;
  }
  if (params_.switch_mode && r.pvc.sap_family != AF_ATMPVC) {
    // The original exits ("No CI allocator (use -A)"); we refuse this call only.
    emit(ctx.out, log::Id::kSocketConnectNoPvc, log::Hex{ctx.msg->vcc()}, r.svc);
    send_reply(ctx.out, as_error, ctx.msg->vcc(), -EINVAL);
    return;
  }
  Socket& s = create(ctx.msg->vcc(), SockState::kConnecting, ctx.now);
  s.multipoint = r.session != 0;  // Q.2971: a point-to-multipoint root
  emit_for(s, ctx.out, log::Id::kSocketConnect, r.svc);
  // Made in place in the action list (no CcConnect copied twice): a
  // CcRequest starts as a value-initialised CcConnect, its first alternative.
  static_assert(std::is_same_v<std::variant_alternative_t<0, CcRequest>, CcConnect>);
  CcConnect& c = *std::get_if<CcConnect>(
      &std::get_if<ToCallControl>(&ctx.out.emplace_back(std::in_place_type<ToCallControl>))->req);
  c.sock = s.id;
  c.local = r.local;
  // Section 4.1.7: a null local address is replaced by a valid one. Not in
  // switch mode: the calling party is the user of signaling's, as given.
  if (!params_.switch_mode && (c.local.sas_family != AF_ATMSVC || !svc_addr_in_use(c.local))) {
    if (auto d = default_local()) c.local = *d;
  }
  if (params_.switch_mode) c.pvc = r.pvc;
  c.called = r.svc;
  c.sap = r.sap;
  c.qos = r.qos;
  c.session = r.session;
}

// Section 3.7, fig. 5: a listener is created unless its SAP is taken.
void SocketTable::null_listen(Socket* /*s*/, Context& ctx) {
  const auto& r = ctx.msg->raw();
  const std::string key = sap_key(r.svc, r.sap);
  if (listener_by_sap_.count(key) != 0 || listen_conflict(r.svc, r.sap, r.qos)) {
    emit(ctx.out, log::Id::kSocketSapInUse, log::Hex{ctx.msg->vcc()}, r.svc);
    send_reply(ctx.out, as_error, ctx.msg->vcc(), -EADDRINUSE);
    return;
  }
  Socket& s = create(ctx.msg->vcc(), SockState::kListening, ctx.now);
  s.listener = std::make_unique<Listener>();
  s.listener->addr = r.svc;
  s.listener->sap = r.sap;
  s.listener->qos = r.qos;
  s.listener->sap_key = key;
  s.listener->addr_key = addr_key(r.svc);
  listener_by_sap_[key] = s.vcc;
  if (svc_addr_in_use(r.svc))
    listeners_by_addr_[s.listener->addr_key].push_back(&s);
  else
    wildcard_listeners_.push_back(&s);
  emit_for(s, ctx.out, log::Id::kSocketListen, r.svc);
  send_reply(ctx.out, as_okay, s.vcc);
}

// as_accept / as_identify for a listener the demon does not know: the new
// socket gets as_error -EINVAL (the original only logs as_accept, leaving
// accept() hanging).
void SocketTable::null_unknown_listener(Socket* /*s*/, Context& ctx) {
  emit(ctx.out, log::Id::kSocketUnknownListener, event_name(ctx.event),
       log::Hex{ctx.msg->listen_vcc()});
  if (find_vcc(ctx.msg->vcc()) == nullptr) send_reply(ctx.out, as_error, ctx.msg->vcc(), -EINVAL);
}

// Section 3.10: as_reject is never answered, not even for an unknown listener.
void SocketTable::null_reject(Socket* /*s*/, Context& ctx) {
  emit(ctx.out, log::Id::kSocketRejectUnknown, log::Hex{ctx.msg->listen_vcc()});
}

// Section 3.3, fig. 10: a close that crossed our as_error; nothing to do.
void SocketTable::null_close(Socket* /*s*/, Context& ctx) {
  emit(ctx.out, log::Id::kSocketStrayClose, log::Hex{ctx.msg->vcc()});
}

// A late call-control event for a socket that is gone: never leak the call.
void SocketTable::null_cc_established(Socket* /*s*/, Context& ctx) {
  const auto& e = std::get<CcEstablished>(*ctx.cc);
  emit(ctx.out, log::Id::kSocketLateEstablished, e.sock);
  ctx.out.push_back(ToCallControl{CcRelease{e.sock}});
}

void SocketTable::null_cc_released(Socket* /*s*/, Context& ctx) {
  emit(ctx.out, log::Id::kSocketLateReleased);
}

// A modification's answer for a socket that is gone: the kernel has closed it.
void SocketTable::null_cc_modify_result(Socket* /*s*/, Context& ctx) {
  emit(ctx.out, log::Id::kSocketLateModify, event_name(ctx.event),
       std::get<CcModifyResult>(*ctx.cc).sock);
}

// --- Connecting / Accepting -------------------------------------------------------

// Section 3.2, table 1, fig. 7 and 11: as_okay with pvc, local and qos.
void SocketTable::connecting_cc_established(Socket* s, Context& ctx) {
  const auto& e = std::get<CcEstablished>(*ctx.cc);
  Message& ok = kernel_msg(ctx.out, as_okay);
  ok.set_vcc(s->vcc);
  ok.raw().pvc = e.pvc;
  ok.raw().local = e.local;
  ok.raw().qos = e.qos;
  s->state = SockState::kActive;
  emit_for(*s, ctx.out, log::Id::kSocketCallUp, e.pvc);
}

// Section 3.3, fig. 8: as_error, and the demon forgets the socket.
void SocketTable::connecting_cc_released(Socket* s, Context& ctx) {
  const int err = std::get<CcReleased>(*ctx.cc).err;
  const Vcc vcc = s->vcc;
  emit_for(*s, ctx.out, log::Id::kSocketSetupFailed, log::Errno{err < 0 ? err : -ECONNREFUSED});
  destroy(*s);
  send_reply(ctx.out, as_error, vcc, err < 0 ? err : -ECONNREFUSED);
}

// --- Active / ClosingByDemon ------------------------------------------------------

// Q.2963.1: the kernel's as_modify on an active call goes to call control
// (CcModify; its CcModifyResult becomes the as_okay). Without q.2963.1 it is
// answered like the original: -ENOPROTOOPT.
void SocketTable::active_modify(Socket* s, Context& ctx) {
  if (!params_.modification) {
    emit_for(*s, ctx.out, log::Id::kSocketModifyRefused, log::Errno{-ENOPROTOOPT});
    send_reply(ctx.out, as_okay, s->vcc, -ENOPROTOOPT);
    return;
  }
  emit_for(*s, ctx.out, log::Id::kSocketModify);
  ctx.out.push_back(ToCallControl{CcModify{s->id, ctx.msg->raw().qos}});
}

// Q.2963.1: call control's as_modify to the kernel (reply = the ATM_MF_*
// flags, qos = the rates to apply); its as_okay / as_error is awaited.
void SocketTable::active_cc_modify_qos(Socket* s, Context& ctx) {
  const auto& q = std::get<CcModifyQos>(*ctx.cc);
  Message& m = kernel_msg(ctx.out, as_modify);
  m.set_vcc(s->vcc);
  m.set_reply(q.flags);
  m.raw().qos = q.qos;
  s->state = SockState::kActiveQosWait;
  emit_for(*s, ctx.out, log::Id::kSocketModifyQos, log::Hex{static_cast<unsigned>(q.flags)});
}

// Q.2963.1: the kernel's answer to our as_modify, to call control.
void SocketTable::qos_wait_answer(Socket* s, Context& ctx) {
  const bool ok = ctx.event == SockEvent::kKernelOkay;
  const int err = ok ? 0 : (ctx.msg->reply() < 0 ? ctx.msg->reply() : -EIO);
  s->state = SockState::kActive;
  emit_for(*s, ctx.out, log::Id::kSocketModifyAnswer, log::Errno{err});
  ctx.out.push_back(ToCallControl{CcModifyQosAnswer{s->id, err}});
}

// Section 3.4, fig. 7: closed by the remote party or the network; the
// kernel's as_close will acknowledge ours.
void SocketTable::active_cc_released(Socket* s, Context& ctx) {
  const int err = std::get<CcReleased>(*ctx.cc).err;
  send_reply(ctx.out, as_close, s->vcc, err > 0 ? -err : err);
  s->state = SockState::kClosingByDemon;
  emit_for(*s, ctx.out, log::Id::kSocketReleased);
}

// --- Q.2971, the root: AddPartyWait / DropPartyWait (docs/multipoint.md) --------

// The kernel's as_addparty (ioctl ATM_ADDPARTY: svc = the leaf) on an active
// call: a root's goes to call control and waits for its answer. A socket
// connected without a session (SO_MULTIPOINT set only after connect(): the
// kernel's own check passes, but the call is point-to-point) gets -EINVAL,
// the kernel's answer to ATM_ADDPARTY without a session (svc_ioctl).
void SocketTable::active_add_party(Socket* s, Context& ctx) {
  const auto& leaf = ctx.msg->raw().svc;
  int err = 0;
  if (!s->multipoint)
    err = -EINVAL;
  else if (leaf.sas_family != AF_ATMSVC)
    err = -EAFNOSUPPORT;  // the kernel copies the address unchecked
  else if (!svc_addr_in_use(leaf))
    err = -EDESTADDRREQ;  // as as_connect without a destination
  if (err != 0) {
    emit_for(*s, ctx.out, log::Id::kSocketPartyRefused, type_name(as_addparty), log::Errno{err});
    send_reply(ctx.out, as_addparty, s->vcc, err);
    return;
  }
  emit_for(*s, ctx.out, log::Id::kSocketAddParty, leaf);
  ctx.out.push_back(ToCallControl{CcAddParty{s->id, leaf}});
  s->state = SockState::kAddPartyWait;
}

// The kernel's as_dropparty (ioctl ATM_DROPPARTY: reply = the endpoint
// reference) on an active root's call; as active_add_party.
void SocketTable::active_drop_party(Socket* s, Context& ctx) {
  const int ep_ref = ctx.msg->reply();
  if (!s->multipoint) {
    emit_for(*s, ctx.out, log::Id::kSocketPartyRefused, type_name(as_dropparty),
             log::Errno{-EINVAL});
    send_reply(ctx.out, as_dropparty, s->vcc, -EINVAL);
    return;
  }
  emit_for(*s, ctx.out, log::Id::kSocketDropParty, ep_ref);
  ctx.out.push_back(ToCallControl{CcDropParty{s->id, ep_ref}});
  s->state = SockState::kDropPartyWait;
}

// Call control's answer: the kernel message of the request's type with the
// reply (net/atm/signaling.c sigd_send: sk_err_soft = -reply, the ioctl
// returns it: the new endpoint reference, 0, or a negative errno).
void SocketTable::party_wait_result(Socket* s, Context& ctx) {
  const bool add = ctx.event == SockEvent::kCcAddPartyResult;
  const int reply =
      add ? std::get<CcAddPartyResult>(*ctx.cc).reply : std::get<CcDropPartyResult>(*ctx.cc).reply;
  s->state = SockState::kActive;
  emit_for(*s, ctx.out, log::Id::kSocketPartyAnswer, type_name(add ? as_addparty : as_dropparty),
           reply);
  send_reply(ctx.out, add ? as_addparty : as_dropparty, s->vcc, reply);
}

// The call ended with the party request unanswered (call control owes the
// answer first): the kernel's waiting ioctl is answered here, with the
// release's errno, before the as_close, which alone would wake it with 0
// (sk_err_soft untouched: for ATM_ADDPARTY an endpoint reference of 0).
void SocketTable::party_wait_cc_released(Socket* s, Context& ctx) {
  const int err = std::get<CcReleased>(*ctx.cc).err;
  const int reply = err < 0 ? err : -ECONNRESET;
  const auto type = s->state == SockState::kAddPartyWait ? as_addparty : as_dropparty;
  emit_for(*s, ctx.out, log::Id::kSocketPartyUnanswered, type_name(type), log::Errno{reply});
  send_reply(ctx.out, type, s->vcc, reply);
  active_cc_released(s, ctx);
}

// Section 3.4: the kernel's acknowledgement of our as_close: forget the socket.
void SocketTable::closing_by_demon_close(Socket* s, Context& /*ctx*/) {
  destroy(*s);
}

// --- Listening / ListenZombie -------------------------------------------------------

void SocketTable::unindex_listener(Socket& s) {
  if (!s.listener || s.listener->sap_key.empty()) return;
  auto& l = *s.listener;
  listener_by_sap_.erase(l.sap_key);
  auto drop = [&](std::vector<Socket*>& v) {
    auto it = std::find(v.begin(), v.end(), &s);
    if (it != v.end()) v.erase(it);  // in order: the choice among listeners depends on it
  };
  if (l.addr_key == "*") {
    drop(wildcard_listeners_);
  } else if (auto it = listeners_by_addr_.find(l.addr_key); it != listeners_by_addr_.end()) {
    drop(it->second);
    if (it->second.empty()) listeners_by_addr_.erase(it);
  }
  l.sap_key.clear();  // unindexed; a zombie keeps only its FIFO
}

// Section 3.8/3.9, fig. 6 and 11: the FIFO head (switch mode: the indication
// identified with this vcc) becomes a new socket in Accepting; a zombie
// listener goes when its FIFO is empty.
void SocketTable::listening_accept(Socket* s, Context& ctx) {
  Socket& l = *s;
  auto& out = ctx.out;
  const Vcc new_vcc = ctx.msg->vcc();
  auto& fifo = l.listener->fifo;
  if (find_vcc(new_vcc) != nullptr) {
    emit_for(l, out, log::Id::kSocketAcceptVccInUse, log::Hex{new_vcc});
    return;
  }
  if (fifo.empty()) {
    emit_for(l, out, log::Id::kSocketAcceptNoPending);
    send_reply(out, as_error, new_vcc, -EINVAL);
    return;
  }
  Pending p = fifo.front();
  if (params_.switch_mode) {
    auto id = take_pending(*l.listener, new_vcc, true);
    if (!id) return refuse_unidentified_accept(l, ctx);
    p = *id;
  } else {
    fifo.pop_front();
  }
  pending_owner_.erase(p.call);
  if (p.gone) {
    emit_for(l, out, log::Id::kSocketAcceptGone);
    send_reply(out, as_error, new_vcc, -ECONNABORTED);
  } else {
    Socket& n = create(new_vcc, SockState::kAccepting, ctx.now);
    n.call = p.call;
    emit_for(n, out, log::Id::kSocketAccepting, p.call);
    out.emplace_back(std::in_place_type<ToCallControl>, CcAccept{p.call, n.id, p.blli});
  }
  if (l.state == SockState::kListenZombie && fifo.empty()) destroy(l);
}

// The original exits ("No CI allocator"); we refuse the call: the socket
// gets -EINVAL and the caller a release (cause 45).
void SocketTable::refuse_unidentified_accept(Socket& l, Context& ctx) {
  const Vcc new_vcc = ctx.msg->vcc();
  emit_for(l, ctx.out, log::Id::kSocketAcceptUnidentified, log::Hex{new_vcc});
  send_reply(ctx.out, as_error, new_vcc, -EINVAL);
  if (auto q = take_pending(*l.listener, 0, false); q && !q->gone)
    ctx.out.push_back(ToCallControl{CcReject{q->call, RejectReason::kNotIdentified, 0}});
  if (l.state == SockState::kListenZombie && l.listener->fifo.empty()) destroy(l);
}

// Section 3.10, fig. 12: the FIFO head is rejected towards call control; not
// answered to the kernel. A zombie listener goes when its FIFO is empty.
void SocketTable::listening_reject(Socket* s, Context& ctx) {
  Socket& l = *s;
  auto& fifo = l.listener->fifo;
  if (fifo.empty()) {
    emit_for(l, ctx.out, log::Id::kSocketRejectNoPending);
    return;
  }
  Pending p = fifo.front();
  if (params_.switch_mode) {
    // The identified call if vcc names one, else the first unidentified one
    // (else the front, as in the other modes).
    auto q = take_pending(*l.listener, ctx.msg->vcc(), ctx.msg->vcc() != 0);
    if (!q) q = take_pending(*l.listener, 0, false);
    if (q)
      p = *q;
    else
      fifo.pop_front();
  } else {
    fifo.pop_front();
  }
  pending_owner_.erase(p.call);
  if (!p.gone) {
    emit_for(l, ctx.out, log::Id::kSocketKernelRejected, p.call, log::Errno{ctx.msg->reply()});
    ctx.out.push_back(
        ToCallControl{CcReject{p.call, RejectReason::kKernelRejected, ctx.msg->reply()}});
  }
  if (l.state == SockState::kListenZombie && fifo.empty()) destroy(l);
}

std::optional<Pending> SocketTable::take_pending(Listener& l, Vcc vcc, bool identified_only) {
  // Bounded by the listen backlog; the sockets themselves are hashed.
  for (auto it = l.fifo.begin(); it != l.fifo.end(); ++it) {
    if (identified_only ? (vcc != 0 && it->identified == vcc) : it->identified == 0) {
      Pending p = *it;
      l.fifo.erase(it);
      return p;
    }
  }
  return std::nullopt;
}

// Switch mode, as_identify: the oldest indication not yet identified gets the
// connection identifier in pvc and the new socket vcc (its as_accept follows).
void SocketTable::listening_identify(Socket* s, Context& ctx) {
  Socket& l = *s;
  auto& out = ctx.out;
  const Vcc new_vcc = ctx.msg->vcc();
  if (find_vcc(new_vcc) != nullptr) {
    emit_for(l, out, log::Id::kSocketIdentifyVccInUse, log::Hex{new_vcc});
    return;
  }
  Pending* p = nullptr;
  for (Pending& q : l.listener->fifo) {
    if (q.identified == new_vcc) {
      emit_for(l, out, log::Id::kSocketIdentifyTwice, log::Hex{new_vcc});
      return;
    }
    if (p == nullptr && q.identified == 0) p = &q;
  }
  if (p == nullptr) {
    emit_for(l, out, log::Id::kSocketIdentifyNoPending);
    send_reply(out, as_error, new_vcc, -EINVAL);
    return;
  }
  p->identified = new_vcc;
  if (ctx.msg->raw().pvc.sap_family != AF_ATMPVC) {
    // The original exits ("No CI allocator"); we refuse this call only. The
    // indication stays queued as gone: its as_accept gets -ECONNABORTED.
    emit_for(l, out, log::Id::kSocketIdentifyNoPvc, p->call);
    send_reply(out, as_error, new_vcc, -EINVAL);
    if (!p->gone) {
      p->gone = true;
      out.push_back(ToCallControl{CcReject{p->call, RejectReason::kNotIdentified, 0}});
    }
    return;
  }
  if (p->gone) {
    emit_for(l, out, log::Id::kSocketIdentifyGone, p->call);
    return;
  }
  emit_for(l, out, log::Id::kSocketIdentified, p->call, ctx.msg->raw().pvc, log::Hex{new_vcc});
  out.push_back(ToCallControl{CcIdentify{p->call, l.id, ctx.msg->raw().pvc}});
}

// Sections 3.4 and 3.8, fig. 11: the as_close is acknowledged at once; the
// kernel then answers the indications it still holds (as_reject with this
// listen_vcc), so a listener with a non-empty FIFO lives on as a zombie.
void SocketTable::listening_close(Socket* s, Context& ctx) {
  Socket& l = *s;
  const Vcc vcc = l.vcc;
  unindex_listener(l);
  send_reply(ctx.out, as_close, vcc, 0);
  if (l.listener->fifo.empty()) {
    destroy(l);
    return;
  }
  l.state = SockState::kListenZombie;
  zombie_deadline_[vcc] = ctx.now + params_.listen_zombie_timeout;
  emit_for(l, ctx.out, log::Id::kSocketListenZombie, l.listener->fifo.size());
}

// The kernel never answered the rest of the FIFO: the demon rejects them
// itself, so no call leaks (guard timer, listen_zombie_timeout).
void SocketTable::listen_zombie_timeout(Socket* s, Context& ctx) {
  emit_for(*s, ctx.out, log::Id::kSocketZombieTimeout, s->listener->fifo.size());
  reject_pending(*s->listener, ctx.out);
  destroy(*s);
}

void SocketTable::reject_pending(Listener& l, std::vector<Action>& out) {
  for (const Pending& p : l.fifo) {
    pending_owner_.erase(p.call);
    if (!p.gone) out.push_back(ToCallControl{CcReject{p.call, RejectReason::kListenerClosed, 0}});
  }
  l.fifo.clear();
}

void SocketTable::on_bind(const Message& m, std::vector<Action>& out) {
  // Section 3.5: no state is created.
  const auto& svc = m.raw().svc;
  Message ok(as_okay);
  ok.set_vcc(m.vcc());
  ok.raw().svc = svc;
  if (!svc_addr_in_use(svc)) {
    if (auto d = default_local()) {
      std::memcpy(&ok.raw().svc.sas_addr, &d->sas_addr, sizeof d->sas_addr);
      ok.raw().local = *d;
    }
  } else if (!is_local(svc)) {
    emit(out, log::Id::kSocketBindNotLocal, log::Hex{m.vcc()}, svc);
    send_reply(out, as_error, m.vcc(), -EADDRNOTAVAIL);
    return;
  }
  out.push_back(ToKernel{ok});
}

// The original's lookup_sap for an incoming call: the newest compatible
// listener on the called address, else the oldest compatible one on the null
// address. `res` gets the negotiated BLLI, `offered` the index of the
// caller's BLLI it came from (-1: none).
SocketTable::Socket* SocketTable::match_listener(const CcIncoming& inc, struct atm_blli& res,
                                                 int& offered) {
  auto compatible = [&](Socket* s) -> Socket* {
    if (!s->listener) return nullptr;
    const Listener& l = *s->listener;
    if (!qos_compatible(l.qos, inc.qos) || !bhli_compatible(l.sap.bhli, inc.sap.bhli) ||
        !negotiate_bllis(l.sap, inc.sap, res, offered))
      return nullptr;
    return s;
  };
  if (svc_addr_in_use(inc.called)) {
    char key[kAddrKeyMax];
    if (auto it = listeners_by_addr_.find(addr_key_at(key, inc.called));
        it != listeners_by_addr_.end())
      for (auto v = it->second.rbegin(); v != it->second.rend(); ++v)
        if (Socket* s = compatible(*v)) return s;
  }
  for (Socket* v : wildcard_listeners_)
    if (Socket* s = compatible(v)) return s;
  return nullptr;
}

// as_listen as the original (lookup_sap with exact_match): the new SAP is
// refused if an existing listener on the same address (both null, or both the
// same) would take a call with the new listener's SAP and QoS.
bool SocketTable::listen_conflict(const struct sockaddr_atmsvc& addr, const struct atm_sap& sap,
                                  const struct atm_qos& qos) {
  const std::vector<Socket*>* same = nullptr;
  if (!svc_addr_in_use(addr)) {
    same = &wildcard_listeners_;
  } else if (auto it = listeners_by_addr_.find(addr_key(addr)); it != listeners_by_addr_.end()) {
    same = &it->second;
  }
  if (same == nullptr) return false;
  for (const Socket* s : *same) {
    if (!s->listener) continue;
    const Listener& l = *s->listener;
    struct atm_blli res {};
    int offered = -1;
    if (qos_compatible(l.qos, qos) && bhli_compatible(l.sap.bhli, sap.bhli) &&
        negotiate_bllis(l.sap, sap, res, offered))
      return true;
  }
  return false;
}

void SocketTable::on_incoming(const CcIncoming& inc, std::vector<Action>& out) {
  if (const auto d = policy_.incoming(inc.calling); !d.allow) {
    if (wants(log::Id::kSocketIncomingDenied))
      emit(out, log::Id::kSocketIncomingDenied, inc.call, inc.calling, d.describe());
    out.push_back(ToCallControl{CcReject{inc.call, RejectReason::kPolicy, 0}});
    return;
  }
  if (user_stalled_) {
    emit(out, log::Id::kSocketUserStalled, inc.call, inc.calling);
    out.push_back(ToCallControl{CcReject{inc.call, RejectReason::kUserStalled, 0}});
    return;
  }
  struct atm_blli chosen {};
  int offered = -1;
  Socket* l = match_listener(inc, chosen, offered);
  if (l == nullptr) {
    emit(out, log::Id::kSocketNoListener, inc.call, inc.called);
    out.push_back(ToCallControl{CcReject{inc.call, RejectReason::kNoListener, 0}});
    return;
  }
  // CONNECT returns the selected B-LLI when the caller offered a choice or
  // the negotiation changed it (Q.2931 Annex C); else the call carries none.
  Pending p{inc.call, false};
  if (offered >= 0 &&
      (blli_count(inc.sap) > 1 || std::memcmp(&chosen, &inc.sap.blli[offered], sizeof chosen) != 0))
    p.blli = chosen;
  l->listener->fifo.push_back(p);
  pending_owner_[inc.call] = l->vcc;
  emit_for(*l, out, log::Id::kSocketIndicate, inc.call, inc.calling);
  Message& ind = kernel_msg(out, as_indicate);
  ind.set_listen_vcc(l->vcc);
  ind.raw().pvc = inc.pvc;
  ind.raw().local = inc.called;
  ind.raw().svc = inc.calling;
  // No calling party number in the SETUP: an empty ATM address, not none.
  if (ind.raw().svc.sas_family == 0) ind.raw().svc.sas_family = AF_ATMSVC;
  ind.raw().qos = inc.qos;
  // The negotiated SAP (the original's sap_equal result): the caller's BHLI,
  // the chosen BLLI alone.
  ind.raw().sap.bhli = inc.sap.bhli;
  ind.raw().sap.blli[0] = chosen;
}

void SocketTable::on_incoming_gone(const CcIncomingGone& g, std::vector<Action>& out) {
  auto it = pending_owner_.find(g.call);
  if (it == pending_owner_.end()) return;
  Socket* l = find_vcc(it->second);
  pending_owner_.erase(it);
  if (l == nullptr || !l->listener) return;
  for (Pending& p : l->listener->fifo)
    if (p.call == g.call) p.gone = true;
  emit_for(*l, out, log::Id::kSocketIncomingGone, g.call);
}

void SocketTable::set_local_addresses(int itf, std::vector<struct sockaddr_atmsvc> addrs,
                                      std::vector<Action>& out) {
  auto& cur = local_addrs_[itf];
  auto contains = [](const std::vector<struct sockaddr_atmsvc>& v,
                     const struct sockaddr_atmsvc& a) {
    return std::any_of(v.begin(), v.end(), [&](const auto& x) {
      return std::memcmp(&x.sas_addr, &a.sas_addr, sizeof a.sas_addr) == 0;
    });
  };
  for (const auto& a : addrs)
    if (!contains(cur, a)) emit(out, log::Id::kLocalAddressAdded, a, itf);
  for (const auto& a : cur)
    if (!contains(addrs, a)) emit(out, log::Id::kLocalAddressRemoved, a, itf);
  cur = std::move(addrs);
}

void SocketTable::handle_timeouts(TimePoint now, std::vector<Action>& out) {
  std::vector<Vcc> due;
  for (const auto& [vcc, t] : zombie_deadline_)
    if (t <= now) due.push_back(vcc);
  std::sort(due.begin(), due.end());  // deterministic order
  for (Vcc v : due) {
    Context ctx{nullptr, nullptr, now, out};
    zombie_deadline_.erase(v);
    step(find_vcc(v), SockEvent::kZombieTimeout, ctx);
  }
}

std::optional<TimePoint> SocketTable::next_deadline() const {
  std::optional<TimePoint> d;
  for (const auto& [vcc, t] : zombie_deadline_) d = earliest(d, t);
  return d;
}

TimePoint SocketTable::earliest_zombie() const {
  TimePoint d = TimePoint::max();
  for (const auto& [vcc, t] : zombie_deadline_) d = std::min(d, t);
  return d;
}

void SocketTable::shutdown(std::vector<Action>& out) {
  std::vector<Vcc> all;
  all.reserve(by_vcc_.size());
  for (const auto& [vcc, s] : by_vcc_) all.push_back(vcc);
  std::sort(all.begin(), all.end());
  for (Vcc v : all) {
    Socket* s = find_vcc(v);
    if (s == nullptr) continue;
    if (s->listener) reject_pending(*s->listener, out);
    if (s->state == SockState::kConnecting || s->state == SockState::kAccepting ||
        s->state == SockState::kActive || s->state == SockState::kActiveQosWait ||
        s->state == SockState::kAddPartyWait || s->state == SockState::kDropPartyWait)
      out.push_back(ToCallControl{CcRelease{s->id}});
    destroy(*s);
  }
  emit(out, log::Id::kSocketsReleased);
}

std::string SocketTable::status_dump() const {
  std::vector<Vcc> all;
  for (const auto& [vcc, s] : by_vcc_) all.push_back(vcc);
  std::sort(all.begin(), all.end());
  std::string d = "sockets: " + std::to_string(all.size()) + "\n";
  for (Vcc v : all) {
    const Socket& s = by_vcc_.at(v);
    d += "  " + vcc_text(v) + " #" + std::to_string(s.id) + " " + state_name(s.state);
    if (s.listener) {
      d += " sap=" + svc_address_text(s.listener->addr) +
           " pending=" + std::to_string(s.listener->fifo.size());
    }
    if (s.state == SockState::kAccepting) d += " call=#" + std::to_string(s.call);
    if (s.multipoint) d += " multipoint";
    d += "\n";
  }
  for (const auto& [itf, list] : local_addrs_)
    for (const auto& a : list)
      d += "  local itf " + std::to_string(itf) + ": " + svc_address_text(a) + "\n";
  return d;
}

}  // namespace atmsigd::atmsvc
