#include "atmsigd/sscf/sscf_uni.hpp"

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>

#include "atmsigd/util/buffer_pool.hpp"
#include "atmsigd/util/variant_index.hpp"

namespace atmsigd::sscf {

namespace {

// The index of alternative T in sscop::Action.
template <class T>
consteval std::size_t variant_index() {
  return index_in<T, sscop::Action>();
}

}  // namespace

std::string_view to_string(State s) {
  switch (s) {
    case State::kIdle:
      return "Idle";
    case State::kOutConnPend:
      return "OutConnPend";
    case State::kOutDisPend:
      return "OutDisPend";
    case State::kOutResyncPend:
      return "OutResyncPend";
    case State::kReady:
      return "Ready";
  }
  return "?";
}

Params Params::for_uni(UniVersion v) {
  Params p;
  switch (v) {
    case UniVersion::kUni30:
      p.sscop.mode = sscop::Mode::kQSaal1;
      break;
    case UniVersion::kUni31:
    case UniVersion::kUni31Compat30:  // the original: Q.2110 unless plain UNI 3.0
    case UniVersion::kUni40:
    case UniVersion::kQ2931:
      p.sscop.mode = sscop::Mode::kQ2110;
      break;
  }
  return p;
}

SscfUni::SscfUni(const Params& params)
    : params_(params), sscop_([&params] {
        sscop::Params sp = params.sscop;
        if (sp.max_sdu > params.max_sdu) sp.max_sdu = params.max_sdu;
        if (params.levels != nullptr) sp.levels = params.levels;  // one filter for the SAAL
        return sp;
      }()) {}

const log::Levels& SscfUni::levels() const {
  static const log::Levels kEveryLevel = log::Levels::all();
  return params_.levels != nullptr ? *params_.levels : kEveryLevel;
}

void SscfUni::handle(const Event& ev, TimePoint now, std::vector<Action>& out) {
  if (const auto* rx = std::get_if<PduReceived>(&ev)) {
    receive(rx->bytes, now, out);
    return;
  }
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, PduReceived>) {
          // Taken above.
        } else if constexpr (std::is_same_v<E, AalEstablishRequest>) {
          switch (state_) {
            case State::kIdle:
            case State::kOutDisPend:  // Q.2130: AAL-ESTABLISH.request -> AA-ESTABLISH.request
              set_state(State::kOutConnPend, out);
              run(sscop::AaEstablishRequest{e.uu, params_.clear_buffers}, now, out);
              break;
            case State::kReady:  // Q.2130: re-establishment of an established link -> AA-RESYNC
              set_state(State::kOutResyncPend, out);
              run(sscop::AaResyncRequest{e.uu}, now, out);
              break;
            case State::kOutConnPend:
            case State::kOutResyncPend:
              log::emit(levels(), out, log::Id::kSscfEstablishPending);
              break;
          }
        } else if constexpr (std::is_same_v<E, AalReleaseRequest>) {
          switch (state_) {
            case State::kIdle:  // Q.2130: nothing to release
              out.emplace_back(AalReleaseConfirm{});
              break;
            case State::kOutConnPend:
            case State::kOutResyncPend:
            case State::kReady:  // Q.2130: AAL-RELEASE.request -> AA-RELEASE.request
              set_state(State::kOutDisPend, out);
              run(sscop::AaReleaseRequest{e.uu}, now, out);
              break;
            case State::kOutDisPend:
              log::emit(levels(), out, log::Id::kSscfReleasePending);
              break;
          }
        } else if constexpr (std::is_same_v<E, AalDataRequest>) {
          data_request(pooled_copy(e.data), now, out);  // the caller keeps its message
        } else if constexpr (std::is_same_v<E, AalUnitdataRequest>) {
          if (e.data.size() > params_.max_sdu) {
            log::emit(levels(), out, log::Id::kSscfUnitdataTooLong);
            return;
          }
          run(sscop::AaUnitdataRequest{e.data}, now, out);  // Q.2130: any state
        }
      },
      ev);
}

void SscfUni::handle(Event&& ev, TimePoint now, std::vector<Action>& out) {
  if (auto* d = std::get_if<AalDataRequest>(&ev))
    data_request(std::move(d->data), now, out);  // the message moves on, not a copy
  else
    handle(static_cast<const Event&>(ev), now, out);
}

void SscfUni::receive(ByteView pdu, TimePoint now, std::vector<Action>& out) {
  // No visit, no sscop::Event built (every state takes a PDU).
  const std::size_t from = out.size();
  const std::uint64_t signals = sscop_.signals_emitted();
  sscop_.receive(pdu, now, out);
  take(from, signals, now, out);
}

void SscfUni::data_request(Bytes&& data, TimePoint now, std::vector<Action>& out) {
  if (data.size() > params_.max_sdu) {
    log::emit(levels(), out, log::Id::kSscfDataTooLong, params_.max_sdu);
    return;
  }
  switch (state_) {
    case State::kReady:  // Q.2130: AAL-DATA.request -> AA-DATA.request
      // The hot path: no sscop::Event built, the message moves on.
      {
        const std::size_t from = out.size();
        const std::uint64_t signals = sscop_.signals_emitted();
        sscop_.data_request(std::move(data), now, out);
        take(from, signals, now, out);
      }
      break;
    case State::kIdle:
    case State::kOutConnPend:
    case State::kOutDisPend:
    case State::kOutResyncPend:
      log::emit(levels(), out, log::Id::kSscfDataNotReady, to_string(state_));
      break;
  }
}

void SscfUni::handle_timeouts(TimePoint now, std::vector<Action>& out) {
  const std::size_t from = out.size();
  const std::uint64_t signals = sscop_.signals_emitted();
  sscop_.handle_timeouts(now, out);
  take(from, signals, now, out);
}

// Feeds one event to SSCOP and maps its actions; responses that SSCF gives on
// its own (AA-ESTABLISH.response, ...) are queued and fed afterwards, so the
// SSCOP core is never re-entered.
void SscfUni::run(sscop::Event ev, TimePoint now, std::vector<Action>& out) {
  const std::size_t from = out.size();
  const std::uint64_t signals = sscop_.signals_emitted();
  sscop_.handle(std::move(ev), now, out);  // not used again: its data moves on
  take(from, signals, now, out);
}

// SSCOP appended its actions to `out` from `from` on. Those of every message
// (SendPdu, the data indication) and a Trace are SSCF's own as they stand
// (the same alternatives of sscop::Action): nothing is moved or built, and
// unless SSCOP emitted another kind (its count moved from `signals`) the list
// is not even looked at.
void SscfUni::take(std::size_t from, std::uint64_t signals, TimePoint now,
                   std::vector<Action>& out) {
  if (sscop_.signals_emitted() != signals) [[unlikely]]
    take_rest(from, now, out);
}

// The rarer actions (establishment, resynchronization, recovery, release,
// ...) from index `from` on: moved aside and mapped one by one as Q.2130
// says, then SSCF's own responses fed to SSCOP (each mapped the same way).
// Member buffers, kept for their capacity: take_rest() is never re-entered
// (on_sscop only queues further events).
void SscfUni::take_rest(std::size_t from, TimePoint now, std::vector<Action>& out) {
  constexpr std::size_t kPdu = variant_index<sscop::SendPdu>();
  constexpr std::size_t kData = variant_index<sscop::AaDataIndication>();
  constexpr std::size_t kTrace = variant_index<sscop::Trace>();
  auto first = out.begin() + static_cast<std::ptrdiff_t>(from);
  while (first != out.end() &&
         (first->index() == kPdu || first->index() == kData || first->index() == kTrace))
    ++first;  // the first action to map
  scratch_.assign(std::make_move_iterator(first), std::make_move_iterator(out.end()));
  out.erase(first, out.end());
  auto& pending = run_pending_;  // empty: every take_rest() leaves it so
  for (auto& a : scratch_) on_sscop(a, pending, out);
  scratch_.clear();
  for (std::size_t i = 0; i < pending.size() && i < 63; ++i) {
    sscop_.handle(std::move(pending[i]), now, scratch_);
    for (auto& a : scratch_) on_sscop(a, pending, out);
    scratch_.clear();
  }
  pending.clear();
}

void SscfUni::on_sscop(sscop::Action& a, std::vector<sscop::Event>& pending,
                       std::vector<Action>& out) {
  std::visit(
      [&](auto& x) {
        using A = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<A, sscop::SendPdu>) {
          out.emplace_back(std::move(x));
        } else if constexpr (std::is_same_v<A, sscop::AaEstablishIndication>) {
          // Q.2130: AA-ESTABLISH.indication -> AA-ESTABLISH.response, AAL-ESTABLISH.indication
          pending.emplace_back(sscop::AaEstablishResponse{{}, params_.clear_buffers});
          set_state(State::kReady, out);
          out.emplace_back(AalEstablishIndication{std::move(x.uu)});
        } else if constexpr (std::is_same_v<A, sscop::AaEstablishConfirm>) {
          // Q.2130: AA-ESTABLISH.confirm -> AAL-ESTABLISH.confirm
          set_state(State::kReady, out);
          out.emplace_back(AalEstablishConfirm{std::move(x.uu)});
        } else if constexpr (std::is_same_v<A, sscop::AaReleaseIndication>) {
          // Q.2130: AA-RELEASE.indication -> AAL-RELEASE.indication
          if (state_ == State::kIdle) {
            log::emit(levels(), out, log::Id::kSscfReleaseWhileIdle);
          } else {
            set_state(State::kIdle, out);
            out.emplace_back(AalReleaseIndication{std::move(x.uu), x.source});
          }
        } else if constexpr (std::is_same_v<A, sscop::AaReleaseConfirm>) {
          // Q.2130: AA-RELEASE.confirm -> AAL-RELEASE.confirm
          set_state(State::kIdle, out);
          out.emplace_back(AalReleaseConfirm{});
        } else if constexpr (std::is_same_v<A, sscop::AaDataIndication>) {
          out.emplace_back(x);  // the same alternative
        } else if constexpr (std::is_same_v<A, sscop::AaUnitdataIndication>) {
          out.emplace_back(AalUnitdataIndication{std::move(x.data)});
        } else if constexpr (std::is_same_v<A, sscop::AaResyncIndication>) {
          // Q.2130: AA-RESYNC.indication -> AA-RESYNC.response, AAL-ESTABLISH.indication
          pending.emplace_back(sscop::AaResyncResponse{});
          set_state(State::kReady, out);
          out.emplace_back(AalEstablishIndication{std::move(x.uu)});
        } else if constexpr (std::is_same_v<A, sscop::AaResyncConfirm>) {
          // Q.2130: AA-RESYNC.confirm -> AAL-ESTABLISH.confirm
          set_state(State::kReady, out);
          out.emplace_back(AalEstablishConfirm{});
        } else if constexpr (std::is_same_v<A, sscop::AaRecoverIndication>) {
          // Q.2130: AA-RECOVER.indication -> AA-RECOVER.response, AAL-ESTABLISH.indication
          pending.emplace_back(sscop::AaRecoverResponse{});
          set_state(State::kReady, out);
          out.emplace_back(AalEstablishIndication{});
        } else if constexpr (std::is_same_v<A, sscop::MaaErrorIndication>) {
          out.emplace_back(MaaError{x.code, x.count});
        } else if constexpr (std::is_same_v<A, sscop::Trace>) {
          out.emplace_back(std::move(x));
        } else if constexpr (std::is_same_v<A, sscop::AaRetrieveIndication> ||
                             std::is_same_v<A, sscop::AaRetrieveCompleteIndication>) {
          log::emit(levels(), out, log::Id::kSscfRetrieval);
        } else if constexpr (std::is_same_v<A, sscop::MaaUnitdataIndication>) {
          log::emit(levels(), out, log::Id::kSscfMdIgnored, x.data.size());
        }
      },
      a);
}

void SscfUni::set_state(State s, std::vector<Action>& out) {
  if (s == state_) return;
  log::emit(levels(), out, log::Id::kSscfState, to_string(state_), to_string(s));
  state_ = s;
}

}  // namespace atmsigd::sscf
