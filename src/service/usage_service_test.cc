#include "service/usage_service.h"

#include <gtest/gtest.h>

namespace swha::service {
namespace {

TEST(UsageServiceTest, KeysBelongToTheirUserPrefix) {
  EXPECT_EQ(UsageService::OwnerOfKey("audio/users/42/1_42_ab/segment_000.wav"), "42");
  EXPECT_EQ(UsageService::OwnerOfKey("audio/anonymous/1_anonymous_ab/segment_000.wav"),
            "anonymous");
  EXPECT_EQ(UsageService::OwnerOfKey("audio/users//x.wav"), "other");
  EXPECT_EQ(UsageService::OwnerOfKey("audio/users/42"), "other");
  EXPECT_EQ(UsageService::OwnerOfKey("audio/_swha-check/x/check.wav"), "other");
}

TEST(UsageServiceTest, OnlySuperusersAndTheOperatorSeeIt) {
  StorageBackends storage;
  auto catalog = catalog::NewNullCatalog();
  const UsageService usage(&storage, catalog.get(), 0.023);
  EXPECT_EQ(usage.Report(Principal::Anonymous(), true, false).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(usage.Report({.user_id = 7}, true, false).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(usage.Report({.user_id = 1, .is_superuser = true}, true, false).ok());
  auto report = usage.Report(Principal::Operator(), false, false);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->source, "catalog");
  EXPECT_EQ(report->total.sessions, 0);
  // Without S3 there is nothing to list.
  EXPECT_EQ(usage.Report(Principal::Operator(), false, true).status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace swha::service
