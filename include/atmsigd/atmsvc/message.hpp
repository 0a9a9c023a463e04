// The kernel's internal signaling protocol (Linux ATM, "atmsvc"): one
// struct atmsvc_msg per datagram, in both directions. The kernel's uapi
// headers are the single source of the layout; this file only adds a value
// wrapper, the codec (size check + copy) and the validation of frames from
// the kernel against Table 1 and section 4.1 of the protocol description.
#pragma once

#include <sys/socket.h>  // must precede the ATM headers (sockaddr types)

#include <linux/atm.h>
#include <linux/atmsap.h>
#include <linux/atmsvc.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd::atmsvc {

// The wire layout is the kernel's: these guard against a header that differs
// from the one the demon was written for (sizes as on x86-64 and i386 alike,
// since atm_kptr_t is a fixed 8-octet field).
static_assert(sizeof(atm_kptr_t) == 8);
static_assert(sizeof(enum atmsvc_msg_type) == sizeof(int));
static_assert(sizeof(struct atm_blli) == 10);
static_assert(sizeof(struct atm_sap) == 40);
static_assert(sizeof(struct sockaddr_atmpvc) == 12);
static_assert(sizeof(struct sockaddr_atmsvc) == 44);
static_assert(sizeof(struct atm_trafprm) == 40);
static_assert(sizeof(struct atm_qos) == 84);
static_assert(sizeof(struct atmsvc_msg) == 252);
static_assert(offsetof(struct atmsvc_msg, vcc) == 4);
static_assert(offsetof(struct atmsvc_msg, listen_vcc) == 12);
static_assert(offsetof(struct atmsvc_msg, reply) == 20);
static_assert(offsetof(struct atmsvc_msg, pvc) == 24);
static_assert(offsetof(struct atmsvc_msg, local) == 36);
static_assert(offsetof(struct atmsvc_msg, qos) == 80);
static_assert(offsetof(struct atmsvc_msg, sap) == 164);
static_assert(offsetof(struct atmsvc_msg, session) == 204);
static_assert(offsetof(struct atmsvc_msg, svc) == 208);

inline constexpr std::size_t kFrameSize = sizeof(struct atmsvc_msg);

// A kernel socket identifier (atm_kptr_t): opaque, compared bitwise.
// 0 is the null pointer ("absent").
using Vcc = std::uint64_t;

const char* type_name(int type);

// Number of leading BLLI entries in use (section 4.1.10: in today's header the
// BLLI list is sap.blli[ATM_MAX_BLLI]; an entry is in use if it names an L2 or
// L3 protocol, and the list ends at the first unused entry).
int blli_count(const struct atm_sap& sap);

bool svc_addr_in_use(const struct sockaddr_atmsvc& a);

class Message {
 public:
  Message() { zero(); }
  explicit Message(enum atmsvc_msg_type type) : Message() { set_type(type); }
  // A frame's kFrameSize octets as they are (decode(): one copy, no zeroing first).
  explicit Message(const std::uint8_t* frame) { std::memcpy(&raw_, frame, sizeof raw_); }

  // The type is read and written as an int: a frame may carry any value, and
  // loading an out-of-range value through the enum type is undefined.
  int type() const {
    int t;
    std::memcpy(&t, &raw_.type, sizeof t);
    return t;
  }
  void set_type(int t) { std::memcpy(&raw_.type, &t, sizeof t); }
  Vcc vcc() const { return load(raw_.vcc); }
  Vcc listen_vcc() const { return load(raw_.listen_vcc); }
  int reply() const { return raw_.reply; }
  void set_vcc(Vcc v) { store(raw_.vcc, v); }
  void set_listen_vcc(Vcc v) { store(raw_.listen_vcc, v); }
  void set_reply(int r) { raw_.reply = r; }

  struct atmsvc_msg& raw() {
    return raw_;
  }
  const struct atmsvc_msg& raw() const { return raw_; }

  // One line for traces: type, vcc/listen_vcc, reply, and the fields in use.
  std::string summary() const;

  bool operator==(const Message& o) const { return std::memcmp(&raw_, &o.raw_, sizeof raw_) == 0; }

 private:
  static Vcc load(const atm_kptr_t& p) {
    Vcc v;
    std::memcpy(&v, &p, sizeof v);
    return v;
  }
  static void store(atm_kptr_t& p, Vcc v) { std::memcpy(&p, &v, sizeof v); }
  // The frame zeroed with 16-octet stores written out (15 and a 12-octet
  // tail): a memset of 252 octets becomes `rep stosq`, 31 iterations, each
  // an instruction (issue 13: a frame to the kernel is made per message).
  void zero() {
    using Zero16 = unsigned char __attribute__((vector_size(16)));
    constexpr std::size_t kWhole = sizeof raw_ / 16;
    auto* const p = reinterpret_cast<unsigned char*>(&raw_);
    [p]<std::size_t... I>(std::index_sequence<I...>) {
      const Zero16 z{};
      (std::memcpy(p + 16 * I, &z, 16), ...);
    }
    (std::make_index_sequence<kWhole>{});
    const std::uint64_t z8 = 0;
    const std::uint32_t z4 = 0;
    static_assert(sizeof raw_ - 16 * kWhole == 12);
    std::memcpy(p + 16 * kWhole, &z8, 8);
    std::memcpy(p + 16 * kWhole + 8, &z4, 4);
  }

  struct atmsvc_msg raw_;
};

// What is wrong with a frame from the kernel. `reply_errno` is the negative
// errno to send back in an as_error for `vcc` when the protocol has a reply
// for this message (0: no reply possible or owed).
struct FrameError {
  std::string what;
  Vcc vcc = 0;
  int reply_errno = 0;
};

struct Decoded {
  // Constructors, not an aggregate: GCC zero-fills an aggregate holding a
  // std::optional as a whole (312 octets) before it makes the members, the
  // frame's copy included (issue 13).
  Decoded() {}  // NOLINT(modernize-use-equals-default): see above
  // A frame of kFrameSize octets, copied once straight into msg.
  explicit Decoded(const std::uint8_t* frame) : msg(std::in_place, frame) {}
  std::optional<Message> msg;
  std::optional<FrameError> error;
};

// Decodes one datagram. Only frames of exactly sizeof(struct atmsvc_msg) are
// accepted; for a frame of the wrong size whose type and vcc are readable and
// whose type awaits a reply, the error names the vcc and -EINVAL.
Decoded decode(ByteView frame);

Bytes encode(const Message& m);

// Checks a decoded frame from the kernel against Table 1 and section 4.1
// (type valid in this direction, required fields present, AAL, address
// families, QoS classes and values, SAP coding).
// as_identify and as_terminate come only from the user of signaling of a
// demon in switch mode (-m switch); with switch_mode false they are refused as
// "not a message the kernel sends".
std::optional<FrameError> validate_from_kernel(const Message& m, bool switch_mode = false);

// Same for frames the demon sends (used by the emulated kernel to check the
// demon, and by the demon on itself in debug builds).
std::optional<FrameError> validate_from_demon(const Message& m);

}  // namespace atmsigd::atmsvc
