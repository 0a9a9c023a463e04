// The operator's view of a held call (control socket, docs/control.md): an
// established call's record keeps its local and remote address and its QoS
// as 16-bit indices into the Uni's intern tables (util::InternTable), in what
// was padding, so a held call costs no more (docs/performance.md, "Memory").
// Interned once, when the call is established (the setup part with the full
// values goes then), released when the call ends: a compare with the last
// call's value of the kind (the hint) or a hash lookup, and a count each, no
// text.
#include <cstring>

#include "atmsigd/callctl/uni.hpp"

namespace atmsigd::callctl {

namespace {

// Canonical bytes: the fields only (the public number up to its NUL), the
// padding zero, so that equal addresses are equal byte for byte.
struct sockaddr_atmsvc canonical(const struct sockaddr_atmsvc& a) {
  struct sockaddr_atmsvc c;
  std::memset(&c, 0, sizeof c);
  c.sas_family = a.sas_family;
  std::memcpy(c.sas_addr.prv, a.sas_addr.prv, sizeof c.sas_addr.prv);
  for (std::size_t i = 0; i < sizeof c.sas_addr.pub && a.sas_addr.pub[i] != '\0'; ++i)
    c.sas_addr.pub[i] = a.sas_addr.pub[i];
  c.sas_addr.lij_type = a.sas_addr.lij_type;
  c.sas_addr.lij_id = a.sas_addr.lij_id;
  return c;
}

// A null address (none given) is not kept.
bool in_use(const struct sockaddr_atmsvc& a) {
  if (a.sas_family != AF_ATMSVC) return false;
  if (a.sas_addr.pub[0] != '\0') return true;
  for (unsigned char b : a.sas_addr.prv)
    if (b != 0) return true;
  return false;
}

// With the index this kind's last value got as the hint (most calls repeat
// it: one compare), which becomes the next hint.
template <class T>
std::uint16_t intern(util::InternTable<T>& t, const T& v, std::uint16_t& hint,
                     std::uint64_t& unknown) {
  const auto i = t.acquire(v, hint);
  if (i == util::InternTable<T>::kUnknown) ++unknown;
  hint = i;
  return i;
}

}  // namespace

void Uni::keep_details(Call& c) {
  if (!c.setup) return;
  const Call::Setup& s = *c.setup;
  auto& unknown = stats_.call_details_unknown;
  if (s.local.sas_family == AF_ATMSVC)
    c.local_ix = intern(addresses_, canonical(s.local), details_hints_.local, unknown);
  if (in_use(s.remote))
    c.remote_ix = intern(addresses_, canonical(s.remote), details_hints_.remote, unknown);
  // Q.2963.1 keeps the QoS in the modification part already.
  if (!c.mod) c.qos_ix = intern(qos_, s.qos, details_hints_.qos, unknown);
}

void Uni::drop_details(const Call& c) {
  addresses_.release(c.local_ix);
  addresses_.release(c.remote_ix);
  qos_.release(c.qos_ix);
}

void Uni::view_details(const Call& c, atmsvc::CallView& v) const {
  if (const auto* a = addresses_.find(c.local_ix)) v.local = *a;
  if (const auto* a = addresses_.find(c.remote_ix)) v.remote = *a;
  if (const auto* q = qos_.find(c.qos_ix)) v.qos = *q;
  v.details_unknown = c.local_ix == util::InternTable<struct sockaddr_atmsvc>::kUnknown ||
                      c.remote_ix == util::InternTable<struct sockaddr_atmsvc>::kUnknown ||
                      c.qos_ix == util::InternTable<struct atm_qos>::kUnknown;
}

}  // namespace atmsigd::callctl
