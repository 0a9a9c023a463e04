// Call control's outputs split in two lists (CallControl::handle_split, the
// engine's path, issue 13): the CcEvents for the socket table, and what is
// for the shell appended straight to the engine's action list, so that a
// link PDU or a log event is made once, where the shell reads it.
#pragma once

#include <utility>
#include <variant>
#include <vector>

#include "atmsigd/atmsvc/call_control.hpp"
#include "atmsigd/atmsvc/socket_table.hpp"

namespace atmsigd::atmsvc {

struct CcOutputs {
  std::vector<NetOutput>& events;  // the CcEvents (and a stand-in's log events)
  std::vector<Action>& actions;    // ToLink, LinkState, log::Event: the engine's list

  // One output for the shell, made in place in the action list.
  template <class T>
  void to_shell(T&& x) {
    actions.emplace_back(std::in_place_type<std::decay_t<T>>, std::forward<T>(x));
  }
};

}  // namespace atmsigd::atmsvc
