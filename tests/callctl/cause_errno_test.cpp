// Cause <-> errno mapping (docs/callctl.md), as the original demon maps them.
#include "atmsigd/callctl/cause_errno.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace atmsigd::callctl {
namespace {

TEST(CauseErrno, SetupFailure_MatchesOriginalTable) {
  EXPECT_EQ(setup_failure_errno(1), -EADDRNOTAVAIL);
  EXPECT_EQ(setup_failure_errno(3), -EHOSTUNREACH);
  EXPECT_EQ(setup_failure_errno(37), -EHOSTUNREACH);
  EXPECT_EQ(setup_failure_errno(47), -EHOSTUNREACH);
  EXPECT_EQ(setup_failure_errno(22), -EREMCHG);
  EXPECT_EQ(setup_failure_errno(27), -EHOSTDOWN);
}

TEST(CauseErrno, SetupFailure_EverythingElseIsConnRefused) {
  for (int c : {0, 2, 16, 17, 18, 21, 31, 41, 51, 88, 96, 101, 102, 111, 127})
    EXPECT_EQ(setup_failure_errno(static_cast<std::uint8_t>(c)), -ECONNREFUSED) << c;
}

TEST(CauseErrno, SetupFailureTable_ListsEveryNonDefaultRow) {
  int n = 0;
  for (const auto& r : setup_failure_table()) {
    EXPECT_EQ(setup_failure_errno(r.cause), r.err);
    EXPECT_NE(r.err, kSetupFailureDefault);
    ++n;
  }
  EXPECT_EQ(n, 6);
}

TEST(CauseErrno, Reject_ZeroAndUnknownAreCallRejected) {
  EXPECT_EQ(reject_cause(0), 21);
  EXPECT_EQ(reject_cause(-EIO), 21);
  EXPECT_EQ(reject_cause(-ECONNREFUSED), 21);
}

TEST(CauseErrno, Reject_SpecificErrnos) {
  EXPECT_EQ(reject_cause(-EBUSY), 17);
  EXPECT_EQ(reject_cause(EBUSY), 17);  // a positive value is read as negative
  EXPECT_EQ(reject_cause(-ENOMEM), 47);
  EXPECT_EQ(reject_cause(-EAGAIN), 37);
  EXPECT_EQ(reject_cause(-EINVAL), 73);
  EXPECT_EQ(reject_cause(-EPROTONOSUPPORT), 88);
  EXPECT_EQ(reject_cause(-ETIMEDOUT), 18);
  for (const auto& r : reject_table()) EXPECT_EQ(reject_cause(r.err), r.cause);
}

TEST(CauseErrno, NormalRelease_31InUni30_16Otherwise) {
  EXPECT_EQ(normal_release_cause(q2931::Version::kUni30), 31);
  EXPECT_EQ(normal_release_cause(q2931::Version::kUni31), 16);
  EXPECT_EQ(normal_release_cause(q2931::Version::kUni40), 16);
}

TEST(CauseErrno, OwnDecisions_AreTheOriginalsErrnos) {
  EXPECT_EQ(kErrTimerExpiry, -ETIMEDOUT);
  EXPECT_EQ(kErrNetworkReset, -ENETRESET);
  EXPECT_EQ(kErrRemoteAbort, -ECONNRESET);
  EXPECT_EQ(kErrCallerGone, -ECONNABORTED);
}

}  // namespace
}  // namespace atmsigd::callctl
