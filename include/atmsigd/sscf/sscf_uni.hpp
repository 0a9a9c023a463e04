// SSCF-UNI (ITU-T Q.2130), sans-I/O: the signaling AAL as Q.2931 sees it.
//
// SscfUni owns an sscop::Sscop and maps Q.2931's AAL primitives onto SSCOP
// signals and back. Like the SSCOP core it owns no socket, no timer and no
// clock: feed it events with the current time, carry out the returned actions
// in order, and call handle_timeouts() at next_deadline().
//
// Contract for the user (Q.2931 call control):
//  * Inputs (Event):
//      AalEstablishRequest   bring the link up (or re-establish it when up: resync)
//      AalReleaseRequest     take the link down
//      AalDataRequest        send a Q.2931 message (assured, in order); only while
//                            established (after AalEstablishConfirm/Indication),
//                            otherwise it is dropped with a Trace
//      AalUnitdataRequest    unassured data (UD); any state
//      PduReceived           one SSCOP PDU from the link (bytes valid during the call)
//  * Outputs (Action):
//      SendPdu               one SSCOP PDU to put on the link (VPI/VCI 0/5 or UDP)
//      AalEstablishIndication the link is (re)established by the peer or after an
//                            SSCOP recovery/resync: Q.2931 may have lost messages
//                            and should run its restart/status procedures
//      AalEstablishConfirm   the link requested by AalEstablishRequest is up
//      AalReleaseIndication  the link went down (peer release or SSCOP failure)
//      AalReleaseConfirm     the AalReleaseRequest completed
//      AalDataIndication     a Q.2931 message received in order, exactly once; its
//                            data is a view (SSCOP's AaDataIndication): valid until
//                            the next PduReceived or handle_timeouts() (an
//                            AalDataRequest made meanwhile leaves it valid), and
//                            no longer than the caller keeps the PduReceived bytes
//      AalUnitdataIndication unassured data received
//      MaaError              SSCOP's MAA-ERROR (code 'A'..'X'), for logging/statistics
//      Trace                 a log::Event of group saal (SSCF's and SSCOP's steps),
//                            emitted only if Params::levels wants its ID
//  * The link is usable for AalDataRequest iff established() is true.
//  * handle(), receive(), data_request() and handle_timeouts() append to
//    `out` (never clear it): a caller may keep one list for several calls.
//  * Never throws, never re-enters; every (state, input) pair is decided.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "atmsigd/log/log.hpp"
#include "atmsigd/sscop/sscop.hpp"
#include "atmsigd/util/bytes.hpp"
#include "atmsigd/util/time.hpp"
#include "atmsigd/util/uni_version.hpp"

namespace atmsigd::sscf {

using ::atmsigd::UniVersion;

// SSCF-UNI states (Q.2130). SSCF-UNI answers every incoming establishment,
// resynchronization and recovery itself, so it has no "incoming pending" state.
enum class State : std::uint8_t {
  kIdle,           // released
  kOutConnPend,    // outgoing connection pending (AA-ESTABLISH.request sent)
  kOutDisPend,     // outgoing disconnection pending (AA-RELEASE.request sent)
  kOutResyncPend,  // outgoing resynchronization pending (AA-RESYNC.request sent)
  kReady,          // data transfer ready
};
std::string_view to_string(State s);

struct Params {
  sscop::Params sscop;         // timers, MaxCC/MaxPD/MaxSTAT, window, mode
  bool clear_buffers = true;   // BR in AA-ESTABLISH.request/response
  std::size_t max_sdu = 4096;  // Q.2130: longest AAL-DATA/UNITDATA (k)
  // Which log events anyone wants, for SSCF and (when set) its SSCOP too;
  // null: every level, as tests want.
  const log::Levels* levels = nullptr;

  // The UNI's parameter set: Q.2110 SSCOP for UNI 3.1/4.0, the Q.SAAL1 draft for
  // UNI 3.0; timer values as the original demon uses them (see docs/saal.md).
  static Params for_uni(UniVersion v);
};

// ---- Inputs
struct PduReceived {
  ByteView bytes;
};
struct AalEstablishRequest {
  Bytes uu;  // SSCF-UU carried in BGN/RS (normally empty for Q.2931)
};
struct AalReleaseRequest {
  Bytes uu;
};
struct AalDataRequest {
  Bytes data;
};
struct AalUnitdataRequest {
  Bytes data;
};
using Event = std::variant<PduReceived, AalEstablishRequest, AalReleaseRequest, AalDataRequest,
                           AalUnitdataRequest>;

// ---- Outputs
// SSCF's actions are SSCOP's (one variant, sscop::Action): SSCOP appends its
// actions straight to the caller's list and SSCF maps in place only the few
// that differ (establishment, resynchronization, recovery, release, retrieval),
// so a message's SendPdu and data indication are built once and never moved
// from one list to another (docs/saal.md, "SSCF-UNI"). The names below are
// SSCF's primitives; an output list of SSCF holds only these alternatives
// (never AaResyncIndication, AaResyncConfirm, AaRecoverIndication,
// AaRetrieve*Indication or MaaUnitdataIndication: SSCF maps or logs them).
using SendPdu = sscop::SendPdu;
using Trace = sscop::Trace;
using AalEstablishIndication = sscop::AaEstablishIndication;  // uu
using AalEstablishConfirm = sscop::AaEstablishConfirm;        // uu
using AalReleaseIndication = sscop::AaReleaseIndication;      // uu, source
using AalReleaseConfirm = sscop::AaReleaseConfirm;
using AalDataIndication = sscop::AaDataIndication;  // data: a view, see the contract above
using AalUnitdataIndication = sscop::AaUnitdataIndication;
using MaaError = sscop::MaaErrorIndication;  // code, count
using Action = sscop::Action;

class SscfUni {
 public:
  explicit SscfUni(const Params& params = {});

  void handle(const Event& ev, TimePoint now, std::vector<Action>& out);
  // The same; an AAL-DATA.request's message is moved on instead of copied.
  void handle(Event&& ev, TimePoint now, std::vector<Action>& out);
  // The two inputs of every message without building an Event (the hot
  // path): the same as handle(PduReceived{pdu}) and
  // handle(AalDataRequest{std::move(data)}) (the message moved on, not
  // copied), action for action.
  void receive(ByteView pdu, TimePoint now, std::vector<Action>& out);
  // AAL-DATA.request (Q.2130): AA-DATA.request in Ready, else refused.
  void data_request(Bytes&& data, TimePoint now, std::vector<Action>& out);
  void handle_timeouts(TimePoint now, std::vector<Action>& out);
  std::optional<TimePoint> next_deadline() const { return sscop_.next_deadline(); }
  // TimePoint::max() when no timer runs.
  TimePoint earliest_deadline() const { return sscop_.earliest_deadline(); }
  State state() const { return state_; }
  bool established() const { return state_ == State::kReady; }

  const sscop::Sscop& sscop() const { return sscop_; }
  const Params& params() const { return params_; }

 private:
  void run(sscop::Event ev, TimePoint now, std::vector<Action>& out);
  // Maps in place the actions SSCOP appended to `out` from index `from` on
  // (`signals`: SSCOP's signals_emitted() before); the actions of a message
  // (SendPdu, the data indication, a Trace) are SSCF's as they are, and only
  // a rarer one goes to take_rest().
  void take(std::size_t from, std::uint64_t signals, TimePoint now, std::vector<Action>& out);
  [[gnu::noinline]] void take_rest(std::size_t from, TimePoint now, std::vector<Action>& out);
  void on_sscop(sscop::Action& a, std::vector<sscop::Event>& pending, std::vector<Action>& out);
  void set_state(State s, std::vector<Action>& out);
  const log::Levels& levels() const;

  Params params_;
  sscop::Sscop sscop_;
  State state_ = State::kIdle;
  std::vector<sscop::Action> scratch_;     // take_rest()'s: the actions it maps
  std::vector<sscop::Event> run_pending_;  // take_rest()'s: SSCF's own responses
};

}  // namespace atmsigd::sscf
