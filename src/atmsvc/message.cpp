#include "atmsigd/atmsvc/message.hpp"

#include <linux/atmdev.h>

#include <cerrno>
#include <cstdio>

#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::atmsvc {
namespace {

std::string vcc_text(Vcc v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

bool awaits_reply(int type) {
  return type == as_bind || type == as_connect || type == as_listen || type == as_accept ||
         type == as_modify || type == as_addparty || type == as_dropparty;
}

std::optional<FrameError> fail(const Message& m, std::string what, int err) {
  return FrameError{std::string(type_name(m.type())) + ": " + std::move(what),
                    awaits_reply(m.type()) ? m.vcc() : m.listen_vcc(),
                    awaits_reply(m.type()) ? err : 0};
}

bool valid_aal(unsigned char aal) {
  return aal == ATM_AAL0 || aal == ATM_AAL1 || aal == ATM_AAL34 || aal == ATM_AAL5;
}

const char* traffic_class_ok(const struct atm_trafprm& tp, bool allow_any) {
  switch (tp.traffic_class) {
    case ATM_NONE:
    case ATM_UBR:
    case ATM_CBR:
    case ATM_VBR:
    case ATM_ABR:
      break;
    case ATM_ANYCLASS:
      if (!allow_any) return "traffic class ANYCLASS is only valid in as_listen";
      break;
    default:
      return "unknown traffic class";
  }
  auto rate_ok = [](int r) { return r >= 0 || r == ATM_MAX_PCR; };
  if (!rate_ok(tp.pcr) || !rate_ok(tp.min_pcr) || !rate_ok(tp.max_pcr)) return "negative cell rate";
  if (tp.max_sdu < 0 || tp.max_sdu > ATM_MAX_AAL5_PDU) return "max_sdu out of range 0..65535";
  if (tp.max_cdv < 0) return "negative max_cdv";
  if (tp.min_pcr > 0 && tp.max_pcr > 0 && tp.min_pcr > tp.max_pcr) return "min_pcr above max_pcr";
  return nullptr;
}

std::optional<std::string> qos_problem(const struct atm_qos& q, bool allow_any, bool need_traffic) {
  if (const char* p = traffic_class_ok(q.txtp, allow_any)) return std::string("qos.txtp: ") + p;
  if (const char* p = traffic_class_ok(q.rxtp, allow_any)) return std::string("qos.rxtp: ") + p;
  if (need_traffic && q.txtp.traffic_class == ATM_NONE && q.rxtp.traffic_class == ATM_NONE)
    return "qos: no traffic in either direction";
  return std::nullopt;
}

// E.164 part: NUL-terminated within ATM_E164_LEN+1, digits only.
bool pub_ok(const struct sockaddr_atmsvc& a) {
  for (std::size_t i = 0; i < sizeof a.sas_addr.pub; ++i) {
    const char c = a.sas_addr.pub[i];
    if (c == 0) return true;
    if (c < '0' || c > '9') return false;
  }
  return false;
}

bool known_l2(unsigned char p) {
  switch (p) {
    case ATM_L2_NONE:
    case ATM_L2_ISO1745:
    case ATM_L2_Q291:
    case ATM_L2_X25_LL:
    case ATM_L2_X25_ML:
    case ATM_L2_LAPB:
    case ATM_L2_HDLC_ARM:
    case ATM_L2_HDLC_NRM:
    case ATM_L2_HDLC_ABM:
    case ATM_L2_ISO8802:
    case ATM_L2_X75:
    case ATM_L2_Q922:
    case ATM_L2_USER:
    case ATM_L2_ISO7776:
      return true;
    default:
      return false;
  }
}

bool known_l3(unsigned char p) {
  switch (p) {
    case ATM_L3_NONE:
    case ATM_L3_X25:
    case ATM_L3_ISO8208:
    case ATM_L3_X223:
    case ATM_L3_ISO8473:
    case ATM_L3_T70:
    case ATM_L3_TR9577:
    case ATM_L3_H310:
    case ATM_L3_H321:
    case ATM_L3_USER:
      return true;
    default:
      return false;
  }
}

std::optional<std::string> sap_problem(const struct atm_sap& sap) {
  const auto& h = sap.bhli;
  switch (h.hl_type) {
    case ATM_HL_NONE:
      break;
    case ATM_HL_ISO:
    case ATM_HL_USER:
      if (h.hl_length < 1 || h.hl_length > ATM_MAX_HLI) return "sap.bhli: length out of range 1..8";
      break;
    case ATM_HL_HLP:
      if (h.hl_length != 4 && h.hl_length != 0) return "sap.bhli: high layer profile is 4 octets";
      break;
    case ATM_HL_VENDOR:
      if (h.hl_length != 7 && h.hl_length != 0)
        return "sap.bhli: vendor application id is 7 octets (OUI + id)";
      break;
    default:
      return "sap.bhli: unknown high layer information type " + std::to_string(h.hl_type);
  }
  for (int i = 0; i < ATM_MAX_BLLI; ++i) {
    const auto& b = sap.blli[i];
    // An unused entry (no protocol in either layer) has nothing to check: the
    // usual case, one test (this runs on every connect; issue 13).
    static_assert(ATM_L2_NONE == 0 && ATM_L3_NONE == 0);
    if ((b.l2_proto | b.l3_proto) == 0) continue;
    // The text is built only for a problem found.
    const auto where = [i] { return "sap.blli[" + std::to_string(i) + "]: "; };
    if (!known_l2(b.l2_proto))
      return where() + "unknown layer 2 protocol " + std::to_string(b.l2_proto);
    if (!known_l3(b.l3_proto))
      return where() + "unknown layer 3 protocol " + std::to_string(b.l3_proto);
    if (b.l2_proto != ATM_L2_NONE && b.l2_proto != ATM_L2_USER) {
      if (b.l2.itu.mode > ATM_IMD_EXTENDED) return where() + "layer 2 mode out of range";
      if (b.l2.itu.window > 127) return where() + "layer 2 window out of range 0..127";
    }
    if (b.l3_proto == ATM_L3_X25 || b.l3_proto == ATM_L3_ISO8208 || b.l3_proto == ATM_L3_X223) {
      if (b.l3.itu.mode > ATM_IMD_EXTENDED) return where() + "layer 3 mode out of range";
      if (b.l3.itu.def_size != 0 && (b.l3.itu.def_size < 4 || b.l3.itu.def_size > 12))
        return where() + "layer 3 default packet size out of range 4..12";
      if (b.l3.itu.window > 127) return where() + "layer 3 window out of range 0..127";
    }
    if (b.l3_proto == ATM_L3_H310 && b.l3.h310.term_type > ATM_TT_RXTX)
      return where() + "H.310 terminal type out of range";
  }
  return std::nullopt;
}

// The SVC address in `svc` (required: must name a party; otherwise may be null).
std::optional<FrameError> check_svc(const Message& m, const struct sockaddr_atmsvc& a,
                                    const char* field, bool required) {
  if (a.sas_family != AF_ATMSVC)
    return fail(m,
                std::string(field) + ": address family " + std::to_string(a.sas_family) +
                    " is not AF_ATMSVC",
                -EAFNOSUPPORT);
  if (!pub_ok(a))
    return fail(m, std::string(field) + ": E.164 part is not a digit string", -EINVAL);
  if (required && !svc_addr_in_use(a))
    return fail(m, std::string(field) + ": no destination address", -EDESTADDRREQ);
  return std::nullopt;
}

}  // namespace

const char* type_name(int type) {
  switch (type) {
    case as_catch_null:
      return "as_catch_null";
    case as_bind:
      return "as_bind";
    case as_connect:
      return "as_connect";
    case as_accept:
      return "as_accept";
    case as_reject:
      return "as_reject";
    case as_listen:
      return "as_listen";
    case as_okay:
      return "as_okay";
    case as_error:
      return "as_error";
    case as_indicate:
      return "as_indicate";
    case as_close:
      return "as_close";
    case as_itf_notify:
      return "as_itf_notify";
    case as_modify:
      return "as_modify";
    case as_identify:
      return "as_identify";
    case as_terminate:
      return "as_terminate";
    case as_addparty:
      return "as_addparty";
    case as_dropparty:
      return "as_dropparty";
    default:
      return "as_<unknown>";
  }
}

int blli_count(const struct atm_sap& sap) {
  int n = 0;
  while (n < ATM_MAX_BLLI && (sap.blli[n].l2_proto != 0 || sap.blli[n].l3_proto != 0)) ++n;
  return n;
}

bool svc_addr_in_use(const struct sockaddr_atmsvc& a) {
  return a.sas_addr.prv[0] != 0 || a.sas_addr.pub[0] != 0;
}

std::string Message::summary() const {
  const auto& r = raw_;
  std::string s = type_name(type());
  if (type() < as_catch_null || type() > as_dropparty) s += "(" + std::to_string(type()) + ")";
  if (vcc() != 0) s += " vcc=" + vcc_text(vcc());
  if (listen_vcc() != 0) s += " listen_vcc=" + vcc_text(listen_vcc());
  if (r.reply != 0) s += " reply=" + std::to_string(r.reply);
  if (r.pvc.sap_family == AF_ATMPVC) s += " pvc=" + pvc_address_text(r.pvc);
  if (type() == as_itf_notify) s += " itf=" + std::to_string(r.pvc.sap_addr.itf);
  if (r.local.sas_family == AF_ATMSVC) s += " local=" + svc_address_text(r.local);
  if (r.svc.sas_family == AF_ATMSVC) s += " svc=" + svc_address_text(r.svc);
  if (r.qos.aal != 0 || r.qos.txtp.traffic_class != 0 || r.qos.rxtp.traffic_class != 0)
    s += " qos=" + qos_text(r.qos);
  if (r.sap.bhli.hl_type != 0 || blli_count(r.sap) != 0) s += " sap=" + sap_text(r.sap);
  if (r.session != 0) s += " session=" + std::to_string(r.session);
  return s;
}

namespace {

// A frame of the wrong size: what is wrong, and whom to answer.
[[gnu::noinline]] Decoded decode_bad_size(ByteView frame) {
  Decoded d;
  FrameError e{"frame of " + std::to_string(frame.size()) + " octets, expected " +
                   std::to_string(kFrameSize) + " (sizeof struct atmsvc_msg)",
               0, 0};
  if (frame.size() >= offsetof(struct atmsvc_msg, listen_vcc)) {
    int type;
    Vcc vcc;
    std::memcpy(&type, frame.data(), sizeof type);
    std::memcpy(&vcc, frame.data() + offsetof(struct atmsvc_msg, vcc), sizeof vcc);
    e.what = std::string(type_name(type)) + ": " + e.what;
    if (awaits_reply(type) && vcc != 0) {
      e.vcc = vcc;
      e.reply_errno = -EINVAL;
    }
  }
  d.error = std::move(e);
  return d;
}

}  // namespace

Decoded decode(ByteView frame) {
  if (frame.size() != kFrameSize) [[unlikely]]
    return decode_bad_size(frame);
  return Decoded(frame.data());  // one copy of the frame, nothing zeroed first
}

Bytes encode(const Message& m) {
  Bytes b(kFrameSize);
  std::memcpy(b.data(), &m.raw(), kFrameSize);
  return b;
}

std::optional<FrameError> validate_from_kernel(const Message& m, bool switch_mode) {
  const auto& r = m.raw();
  const auto need_vcc = [&]() -> std::optional<FrameError> {
    if (m.vcc() == 0) return fail(m, "vcc is null", 0);
    return std::nullopt;
  };
  switch (m.type()) {
    case as_bind: {
      if (auto e = need_vcc()) return e;
      if (!valid_aal(r.qos.aal))
        return fail(m, "unsupported AAL " + std::to_string(r.qos.aal), -EINVAL);
      if (auto e = check_svc(m, r.svc, "svc", false)) return e;
      if (auto p = sap_problem(r.sap)) return fail(m, *p, -EINVAL);
      return std::nullopt;
    }
    case as_connect: {
      if (auto e = need_vcc()) return e;
      if (!valid_aal(r.qos.aal))
        return fail(m, "unsupported AAL " + std::to_string(r.qos.aal), -EINVAL);
      if (r.local.sas_family != 0 && r.local.sas_family != AF_ATMSVC)
        return fail(
            m, "local: address family " + std::to_string(r.local.sas_family) + " is not AF_ATMSVC",
            -EAFNOSUPPORT);
      if (r.local.sas_family == AF_ATMSVC && !pub_ok(r.local))
        return fail(m, "local: E.164 part is not a digit string", -EINVAL);
      if (auto e = check_svc(m, r.svc, "svc", true)) return e;
      if (auto p = qos_problem(r.qos, false, true)) return fail(m, *p, -EINVAL);
      if (auto p = sap_problem(r.sap)) return fail(m, *p, -EINVAL);
      return std::nullopt;
    }
    case as_listen: {
      if (auto e = need_vcc()) return e;
      if (!valid_aal(r.qos.aal))
        return fail(m, "unsupported AAL " + std::to_string(r.qos.aal), -EINVAL);
      if (auto e = check_svc(m, r.svc, "svc", false)) return e;
      if (auto p = qos_problem(r.qos, true, false)) return fail(m, *p, -EINVAL);
      if (auto p = sap_problem(r.sap)) return fail(m, *p, -EINVAL);
      return std::nullopt;
    }
    case as_accept:
      if (auto e = need_vcc()) return e;
      if (m.listen_vcc() == 0) return fail(m, "listen_vcc is null", -EINVAL);
      return std::nullopt;
    case as_reject:
      if (m.listen_vcc() == 0) return fail(m, "listen_vcc is null", 0);
      return std::nullopt;
    case as_close:
      return need_vcc();
    case as_itf_notify:
      if (r.pvc.sap_addr.itf < 0)
        return fail(m, "negative interface number " + std::to_string(r.pvc.sap_addr.itf), 0);
      return std::nullopt;
    case as_modify:
    case as_addparty:
    case as_dropparty:
      return need_vcc();
    case as_identify:
      // Switch mode: vcc is the new socket, listen_vcc the listener, pvc the
      // connection identifier (its absence is refused by the socket table,
      // which can then reject the call too).
      if (!switch_mode) break;
      if (auto e = need_vcc()) return e;
      if (m.listen_vcc() == 0) return fail(m, "listen_vcc is null", -EINVAL);
      if (r.pvc.sap_family != 0 && r.pvc.sap_family != AF_ATMPVC)
        return fail(m,
                    "pvc: address family " + std::to_string(r.pvc.sap_family) + " is not AF_ATMPVC",
                    -EINVAL);
      return std::nullopt;
    case as_terminate:
      if (!switch_mode) break;
      return std::nullopt;
    case as_okay:  // the kernel's answer to the demon's as_modify (Q.2963.1, modify_qos)
      return need_vcc();
    case as_error:
      if (auto e = need_vcc()) return e;
      if (m.reply() >= 0) return fail(m, "reply must be a negative errno", 0);
      return std::nullopt;
    case as_catch_null:
    case as_indicate:
      return fail(m, "not a message the kernel sends to the demon", 0);
    default:
      return FrameError{"unknown message type " + std::to_string(m.type()), 0, 0};
  }
  // as_identify / as_terminate outside switch mode.
  return fail(m, "not a message the kernel sends to the demon (only in switch mode)", 0);
}

std::optional<FrameError> validate_from_demon(const Message& m) {
  const auto& r = m.raw();
  auto bad = [&](std::string what) {
    return FrameError{std::string(type_name(m.type())) + ": " + std::move(what), m.vcc(), 0};
  };
  switch (m.type()) {
    case as_okay:
      if (m.vcc() == 0) return bad("vcc is null");
      if (r.pvc.sap_family != 0 && r.pvc.sap_family != AF_ATMPVC) return bad("pvc family");
      return std::nullopt;
    case as_error:
      if (m.vcc() == 0) return bad("vcc is null");
      if (m.reply() >= 0) return bad("reply must be a negative errno");
      return std::nullopt;
    case as_indicate:
      if (m.listen_vcc() == 0) return bad("listen_vcc is null");
      if (r.pvc.sap_family != AF_ATMPVC) return bad("pvc is not an AF_ATMPVC address");
      if (r.svc.sas_family != AF_ATMSVC) return bad("svc is not an AF_ATMSVC address");
      if (auto p = qos_problem(r.qos, false, true)) return bad(*p);
      return std::nullopt;
    case as_close:
      if (m.vcc() == 0) return bad("vcc is null");
      if (m.reply() > 0) return bad("reply must be 0 or a negative errno");
      return std::nullopt;
    case as_modify:  // Q.2963.1: reply carries the ATM_MF_* flags
      if (m.vcc() == 0) return bad("vcc is null");
      if (m.reply() <= 0 || (m.reply() & ~(ATM_MF_IMMED | ATM_MF_SET)) != 0)
        return bad("reply must be ATM_MF_* flags");
      return std::nullopt;
    case as_addparty:
    case as_dropparty:
      if (m.vcc() == 0) return bad("vcc is null");
      return std::nullopt;
    case as_catch_null:
    case as_bind:
    case as_connect:
    case as_accept:
    case as_reject:
    case as_listen:
    case as_itf_notify:
    case as_identify:
    case as_terminate:
      return bad("not a message the demon sends to the kernel");
    default:
      return bad("unknown message type " + std::to_string(m.type()));
  }
}

}  // namespace atmsigd::atmsvc
