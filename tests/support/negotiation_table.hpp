// The negotiation table (issue 15): listeners and calls, and what the called
// kernel sees, as Debian's original atmsigd does it. tests/interop runs every
// row against the original and ours as the called side (the same results from
// both), tests/atmsvc/negotiation_test.cpp against our socket table alone.
// docs/atmsvc.md, "Listener matching and negotiation", is this table in prose.
#pragma once

namespace atmsigd::test {

struct NegotiationRow {
  const char* what;
  const char* listen_sap;
  const char* listen_qos;
  const char* call_sap;
  const char* call_qos;
  bool indicated;
  const char* indicated_sap;  // the SAP the called kernel sees
};

// Texts are sap(7) and qos(7); the QoS is the caller's (as_connect).
// The caller always names its SDU sizes: with 0 ours codes 8192, the
// original no AAL SDU size at all (a difference of the calling side).
inline const NegotiationRow kNegotiationTable[] = {
    {"no SAP takes a BLLI", "", "ubr:max_sdu=4000", "blli:l2=iso8802", "ubr:max_sdu=4000", true,
     "blli:l2=iso8802"},
    {"a BLLI refuses a call without", "blli:l2=iso8802", "ubr:max_sdu=4000", "", "ubr:max_sdu=4000",
     false, ""},
    // Three BLLIs offered: the original cannot place a call with exactly two
    // (its kernel gets as_error with reply=+1).
    {"the third BLLI offered", "blli:l2=iso8802", "ubr:max_sdu=4000",
     "blli:l2=x75,blli:l2=lapb,blli:l2=iso8802", "ubr:max_sdu=4000", true, "blli:l2=iso8802"},
    {"the listener's order first", "blli:l2=x75,blli:l2=iso8802", "ubr:max_sdu=4000",
     "blli:l2=iso8802,blli:l2=lapb,blli:l2=x75", "ubr:max_sdu=4000", true, "blli:l2=x75"},
    {"no BLLI in common", "blli:l2=x75,blli:l2=iso8802", "ubr:max_sdu=4000",
     "blli:l2=lapb,blli:l2=q291,blli:l2=x25_ml", "ubr:max_sdu=4000", false, ""},
    {"modes negotiated", "blli:l2=x25_ll,mode=norm", "ubr:max_sdu=4000", "blli:l2=x25_ll,mode=ext",
     "ubr:max_sdu=4000", true, "blli:l2=x25_ll,mode=norm"},
    // A window (octet 6a) comes with a mode (octet 6): "normal" if none given.
    {"window down from the listener's", "blli:l2=x25_ll,window=7", "ubr:max_sdu=4000",
     "blli:l2=x25_ll,window=3", "ubr:max_sdu=4000", true, "blli:l2=x25_ll,mode=norm,window=3"},
    {"window above the listener's", "blli:l2=x25_ll,window=3", "ubr:max_sdu=4000",
     "blli:l2=x25_ll,window=7", "ubr:max_sdu=4000", true, "blli:l2=x25_ll,mode=norm,window=3"},
    {"the listener's window fills in", "blli:l2=x25_ll,window=5", "ubr:max_sdu=4000",
     "blli:l2=x25_ll", "ubr:max_sdu=4000", true, "blli:l2=x25_ll,window=5"},
    {"BHLI equal", "bhli:user=0102", "ubr:max_sdu=4000", "bhli:user=0102", "ubr:max_sdu=4000", true,
     "bhli:user=0102"},
    {"BHLI differs", "bhli:user=0102", "ubr:max_sdu=4000", "bhli:user=0103", "ubr:max_sdu=4000",
     false, ""},
    {"BHLI taken by a listener without", "", "ubr:max_sdu=4000", "bhli:user=0102",
     "ubr:max_sdu=4000", true, "bhli:user=0102"},
    {"BHLI wanted, none offered", "bhli:user=0102", "ubr:max_sdu=4000", "", "ubr:max_sdu=4000",
     false, ""},
    {"SDU sizes that fit", "", "ubr:tx:max_sdu=1000,rx:max_sdu=9000", "", "ubr:max_sdu=4000", true,
     ""},
    {"caller's SDU above the listener's", "", "ubr:max_sdu=1000", "", "ubr:max_sdu=4000", false,
     ""},
    {"listener's SDU above the caller's", "", "ubr:max_sdu=9000", "", "ubr:max_sdu=4000", false,
     ""},
    {"UBR listener, CBR call", "", "ubr:max_sdu=4000", "", "cbr:max_pcr=1000,max_sdu=4000", false,
     ""},
    {"CBR listener, UBR call", "", "cbr:max_sdu=4000", "", "ubr:max_sdu=4000", false, ""},
    {"CBR PCR above the listener's minimum", "", "cbr:min_pcr=500,max_sdu=4000", "",
     "cbr:max_pcr=1000,max_sdu=4000", true, ""},
    {"CBR PCR below the listener's minimum", "", "cbr:min_pcr=2000,max_sdu=4000", "",
     "cbr:max_pcr=1000,max_sdu=4000", false, ""},
    {"UBR listener, CBR call one way only", "", "ubr:max_sdu=4000", "",
     "cbr:tx:max_pcr=1000,max_sdu=4000,rx:none", false, ""},
    {"CBR listener, one-way CBR call", "", "cbr:max_sdu=4000", "",
     "cbr:tx:max_pcr=1000,max_sdu=4000,rx:none", true, ""},
};

// A second as_listen on the same address while the first listens: refused
// (-EADDRINUSE) when the first would take a call with the second's SAP.
struct ListenConflictRow {
  const char* first;
  const char* second;
  int second_reply;
};
inline const ListenConflictRow kListenConflictTable[] = {
    {"", "blli:l2=iso8802", -98},
    {"blli:l2=iso8802", "", 0},
    {"blli:l2=x75", "blli:l2=iso8802", 0},
    {"blli:l2=x25_ll,window=7", "blli:l2=x25_ll,window=3", -98},
    {"blli:l2=x25_ll,window=3", "blli:l2=x25_ll,window=7", -98},
    {"bhli:user=01", "bhli:user=02", 0},
    {"", "bhli:user=02", -98},
};

}  // namespace atmsigd::test
