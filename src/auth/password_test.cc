#include "auth/password.h"

#include <gtest/gtest.h>

namespace swha::auth {
namespace {

TEST(PasswordTest, Argon2idHashesVerifyOnlyTheirPassword) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery stapler", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  EXPECT_FALSE(VerifyPassword("anything", "not a hash"));
  auto again = HashPassword("correct horse battery staple");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *hash);  // salted
}

}  // namespace
}  // namespace swha::auth
