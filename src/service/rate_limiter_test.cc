#include "service/rate_limiter.h"

#include <gtest/gtest.h>

namespace swha::service {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

TEST(RateLimiterTest, AnIpv6ClientIsCountedByItsSlash64) {
  EXPECT_EQ(ClientAddressKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(ClientAddressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddressKey("2001:db8:1:2::9"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddressKey("::1"), "::/64");
  EXPECT_EQ(ClientAddressKey(""), "");
  EXPECT_EQ(ClientAddressKey("not:an:address"), "not:an:address");
}

TEST(RateLimiterTest, AddressesAndUsersHaveTheirOwnBuckets) {
  ManualClock clock(kStart);
  RequestRateLimiter limiter({.requests_per_minute = 2}, &clock);
  EXPECT_TRUE(limiter.AdmitAddress("2001:db8::1").ok());
  EXPECT_TRUE(limiter.AdmitAddress("2001:db8::2").ok());
  const Status refused = limiter.AdmitAddress("2001:db8::3");  // the same /64
  EXPECT_EQ(refused.code(), StatusCode::kRateLimited);
  EXPECT_EQ(refused.retry_after_seconds(), 30);
  EXPECT_EQ(refused.message(),
            "Rate limit exceeded: 2 requests per minute per address; retry in 30 s");
  EXPECT_TRUE(limiter.AdmitAddress("2001:db9::1").ok());
  EXPECT_TRUE(limiter.AdmitUser(7).ok());
  EXPECT_TRUE(limiter.AdmitUser(7).ok());
  EXPECT_EQ(limiter.AdmitUser(7).code(), StatusCode::kRateLimited);
  clock.AdvanceSeconds(30);
  EXPECT_TRUE(limiter.AdmitUser(7).ok());
  EXPECT_TRUE(limiter.AdmitAddress("2001:db8::3").ok());
}

TEST(RateLimiterTest, NoLimitAdmitsEverything) {
  ManualClock clock(kStart);
  RequestRateLimiter limiter({.requests_per_minute = 0}, &clock);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limiter.AdmitAddress("192.0.2.1").ok());
    ASSERT_TRUE(limiter.AdmitUser(1).ok());
  }
}

}  // namespace
}  // namespace swha::service
