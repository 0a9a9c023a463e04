// Scripted emulated kernel: plays the kernel side against a demon in
// unix-socket mode and checks every reply against the protocol (through
// KernelModel). One command per line:
//
//   connect NAME to=ADDR [from=ADDR] [qos=QOS] [sap=SAP] [pvc=[ITF.]VPI.VCI]
//           [multipoint] [session=N] [lij=TYPE:ID]
//                                 (multipoint: SO_MULTIPOINT, the as_connect
//                                 carries the next session number, a Q.2971
//                                 root; session=N forces one; lij: the called
//                                 address's lij_type (none, join, rpj, nj) and
//                                 lij_id, UNI 4.0 leaf-initiated join)
//   addparty NAME to=ADDR [lij=TYPE:ID]  (ioctl ATM_ADDPARTY; the demon answers
//                                 as_addparty: reply = endpoint reference or -errno)
//   dropparty NAME ep=N|SAVED     (ioctl ATM_DROPPARTY; as_dropparty, reply 0 or -errno)
//   listen NAME [addr=ADDR] [qos=QOS] [sap=SAP]
//   bind NAME [addr=ADDR] [qos=QOS]
//   accept NAME LISTENER          (accepts LISTENER's oldest indication)
//   reject LISTENER [reply=ERRNO] (negative errno, default -111)
//   identify NAME LISTENER pvc=[ITF.]VPI.VCI  (switch controller: names the
//                                 CI of LISTENER's call before accept NAME)
//   terminate                     (switch controller: stop the demon)
//   close NAME
//   modify NAME qos=QOS           (Q.2963.1: SO_ATMQOS on a connected SVC; the
//                                 demon answers with as_okay, reply 0 or -errno)
//   modify-answer NAME [reserve=okay|none|ERRNO] [set=okay|none|ERRNO]
//                                 (how this kernel answers the demon's own
//                                 as_modify for NAME: a reservation, or
//                                 ATM_MF_SET; default okay, none = never)
//   itf_notify ITF
//   raw HEX...                    (any bytes: malformed frames)
//   expect NAME okay|error|indicate|close|modify|addparty|dropparty [reply=N]
//          [ep=N|any|SAVED] [err=-ERRNO] [save=SAVED] [within=MS]
//                                 (modify: the demon's own as_modify, reply = its
//                                 ATM_MF_* flags; addparty: ep=any any endpoint
//                                 reference > 0, save=SAVED keeps it for dropparty)
//   expect-none [within=MS]       (nothing arrives)
//   wait MS
//   # comment
//
// ADDR, QOS and SAP use the canonical text syntax (text2atm, qos(7), sap(7)).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "atmsigd/kernel_emu/kernel_model.hpp"
#include "atmsigd/kernel_emu/unix_client.hpp"

namespace atmsigd::kemu {

class ScriptRunner {
 public:
  ScriptRunner(UnixClient& client, std::ostream& out) : client_(client), out_(out) {}

  // Runs one line; false (with the reason printed) on the first failure.
  bool run_line(const std::string& line);
  bool run_lines(const std::vector<std::string>& lines);
  std::size_t failures() const { return failures_; }
  const KernelModel& model() const { return model_; }
  // The vcc given to each socket name (in order of first use: 0x1000, 0x2000, ...).
  const std::map<std::string, Vcc>& names() const { return names_; }
  std::chrono::milliseconds default_timeout{2000};

 private:
  Vcc vcc_for(const std::string& name);
  bool send(const Message& m);
  bool pump(std::chrono::milliseconds timeout);  // one frame; false on timeout
  bool fail(const std::string& why);

  UnixClient& client_;
  std::ostream& out_;
  KernelModel model_;
  std::map<std::string, Vcc> names_;
  std::map<std::string, int> eps_;  // endpoint references saved by `expect ... save=`
  Vcc next_vcc_ = 0x1000;
  std::deque<Message> unmatched_;
  std::size_t failures_ = 0;
};

}  // namespace atmsigd::kemu
