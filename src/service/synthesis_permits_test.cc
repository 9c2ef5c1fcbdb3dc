#include "service/synthesis_permits.h"

#include <gtest/gtest.h>

namespace swha::service {
namespace {

Principal User(int64_t id) { return Principal{.user_id = id, .address = "10.0.0.1"}; }
Principal Anonymous(std::string address) { return Principal{.address = std::move(address)}; }

TEST(SynthesisPermitsTest, EachCallerHasItsOwnPlacesAndGetsThemBack) {
  SynthesisPermits permits(2);
  auto a1 = permits.Acquire(User(1));
  auto a2 = permits.Acquire(User(1));
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto a3 = permits.Acquire(User(1));
  ASSERT_FALSE(a3.ok());
  EXPECT_EQ(a3.status().code(), StatusCode::kRateLimited);
  EXPECT_EQ(a3.status().retry_after_seconds(), 1);
  EXPECT_EQ(a3.status().message(),
            "Too many syntheses at once: 2 per user; retry when one has finished");
  // Another user, and anonymous callers by address, are counted apart.
  EXPECT_TRUE(permits.Acquire(User(2)).ok());
  auto anon = permits.Acquire(Anonymous("10.0.0.1"));
  ASSERT_TRUE(anon.ok());
  auto anon2 = permits.Acquire(Anonymous("10.0.0.1"));
  ASSERT_TRUE(anon2.ok());
  auto anon3 = permits.Acquire(Anonymous("10.0.0.1"));
  EXPECT_EQ(anon3.status().message(),
            "Too many syntheses at once: 2 per address; retry when one has finished");
  EXPECT_TRUE(permits.Acquire(Anonymous("10.0.0.2")).ok());
  // A permit's place comes back when its last copy goes.
  EXPECT_EQ(permits.Running(User(1)), 2);
  std::shared_ptr<SynthesisPermits::Permit> first = std::move(a1).value();
  std::shared_ptr<SynthesisPermits::Permit> copy = first;
  first.reset();
  EXPECT_EQ(permits.Running(User(1)), 2);
  copy.reset();
  EXPECT_EQ(permits.Running(User(1)), 1);
  EXPECT_TRUE(permits.Acquire(User(1)).ok());
}

TEST(SynthesisPermitsTest, NoLimitAndTheOperatorAreNeverRefused) {
  SynthesisPermits off(0);
  std::vector<std::shared_ptr<SynthesisPermits::Permit>> held;
  for (int i = 0; i < 50; ++i) {
    auto p = off.Acquire(User(1));
    ASSERT_TRUE(p.ok()) << i;
    held.push_back(*p);
  }
  SynthesisPermits one(1);
  for (int i = 0; i < 5; ++i) {
    auto p = one.Acquire(Principal::Operator());
    ASSERT_TRUE(p.ok()) << i;
    held.push_back(*p);
  }
  EXPECT_EQ(one.Running(Principal::Operator()), 0);
}

}  // namespace
}  // namespace swha::service
