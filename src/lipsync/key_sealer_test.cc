#include "lipsync/key_sealer.h"

#include <gtest/gtest.h>

namespace swha::lipsync {
namespace {

TEST(KeySealerTest, OpensWhatItSealedAndNothingElse) {
  const KeySealer sealer("a-secret-key-of-32-characters!!!");
  const std::string key = "sk-live-3f9a1c7e";
  const std::string sealed = sealer.Seal(key);
  EXPECT_EQ(sealed.find(key), std::string::npos);
  EXPECT_NE(sealed, sealer.Seal(key)) << "a fresh nonce each time";
  auto opened = sealer.Open(sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, key);

  // Another SECRET_KEY, an altered byte, a truncation: refused, and the message says why
  // without any part of the key.
  const KeySealer other("another-secret-key-32-characters");
  std::string altered = sealed;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  for (const Result<std::string>& r :
       {other.Open(sealed), sealer.Open(altered), sealer.Open(sealed.substr(0, 20)),
        sealer.Open("v2." + sealed.substr(3)), sealer.Open("")}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInternal);
    EXPECT_NE(r.status().message().find("SECRET_KEY"), std::string::npos);
    EXPECT_EQ(r.status().message().find("sk-live"), std::string::npos);
  }
}

}  // namespace
}  // namespace swha::lipsync
