#include "storage/s3_lifecycle.h"

#include <gtest/gtest.h>

#include "storage/http_transport_testing.h"
#include "util/crypto.h"

namespace swha::storage {
namespace {

// Three rules in the three filter forms the S3 API reference shows: the legacy Rule/Prefix,
// Filter/And with a tag, and Filter/Prefix with a transition.
constexpr char kForeignRules[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Rule><ID>logs</ID><Prefix>logs/</Prefix><Status>Enabled</Status>"
    "<Expiration><Days>365</Days></Expiration></Rule>"
    "<Rule><ID>tagged tmp</ID><Filter><And><Prefix>audio/tmp/</Prefix>"
    "<Tag><Key>tmp</Key><Value>yes</Value></Tag></And></Filter><Status>Enabled</Status>"
    "<Expiration><Days>1</Days></Expiration></Rule>"
    "<Rule><ID>archive</ID><Filter><Prefix>archive/</Prefix></Filter><Status>Disabled</Status>"
    "<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>"
    "<Expiration><Date>2027-01-01T00:00:00.000Z</Date></Expiration></Rule>"
    "</LifecycleConfiguration>";

std::string NoConfiguration() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchLifecycleConfiguration"
         "</Code><Message>The lifecycle configuration does not exist</Message></Error>";
}

TEST(S3LifecycleTest, ReadsEveryFilterForm) {
  auto rules = ParseLifecycleConfiguration(kForeignRules);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 3u);
  const LifecycleRule& logs = (*rules)[0];
  EXPECT_EQ(logs.id, "logs");
  EXPECT_EQ(logs.prefix, "logs/");
  EXPECT_TRUE(logs.enabled);
  EXPECT_FALSE(logs.narrower_filter);
  EXPECT_EQ(logs.expiration_days, 365);
  const LifecycleRule& tagged = (*rules)[1];
  EXPECT_EQ(tagged.prefix, "audio/tmp/");
  EXPECT_TRUE(tagged.narrower_filter);
  const LifecycleRule& archive = (*rules)[2];
  EXPECT_FALSE(archive.enabled);
  EXPECT_TRUE(archive.has_transitions);
  EXPECT_FALSE(archive.expiration_days.has_value());
  EXPECT_EQ(archive.expiration_date, "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(archive.xml.substr(0, 20), "<Rule><ID>archive</I");
}

TEST(S3LifecycleTest, NotAConfigurationIsTheServersFault) {
  for (const char* bad : {"", "<Error/>",
                          "<LifecycleConfiguration><Rule><ID>x</ID>"
                          "<Expiration><Days>ten</Days></Expiration></Rule>"
                          "</LifecycleConfiguration>"}) {
    auto rules = ParseLifecycleConfiguration(bad);
    ASSERT_FALSE(rules.ok()) << bad;
    EXPECT_EQ(rules.status().code(), StatusCode::kInternal) << bad;
  }
}

TEST(S3LifecycleTest, OurRuleExpiresAndAbortsIncompleteUploads) {
  auto rule = MakeExpirationRule("audio/", 30);
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->xml,
            "<Rule><ID>swha-tts-expire:audio/</ID><Filter><Prefix>audio/</Prefix></Filter>"
            "<Status>Enabled</Status><Expiration><Days>30</Days></Expiration>"
            "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation>"
            "</AbortIncompleteMultipartUpload></Rule>");
  // What we write reads back as what we meant.
  auto round_trip = ParseLifecycleConfiguration(SerializeLifecycleConfiguration({*rule}));
  ASSERT_TRUE(round_trip.ok());
  ASSERT_EQ(round_trip->size(), 1u);
  EXPECT_EQ((*round_trip)[0].id, "swha-tts-expire:audio/");
  EXPECT_EQ((*round_trip)[0].expiration_days, 30);
  EXPECT_EQ((*round_trip)[0].abort_multipart_days, 1);
  EXPECT_EQ((*round_trip)[0].xml, rule->xml);

  EXPECT_FALSE(MakeExpirationRule("audio/", 0).ok());
  EXPECT_FALSE(MakeExpirationRule("audio/", kMaxLifecycleDays + 1).ok());
  EXPECT_FALSE(MakeExpirationRule(std::string(kMaxLifecyclePrefixBytes + 1, 'a'), 1).ok());
  EXPECT_FALSE(MakeExpirationRule("audio/\n", 1).ok());
  EXPECT_FALSE(MakeExpirationRule("", 1).ok()) << "would expire the whole bucket";
  auto escaped = MakeExpirationRule("a&b<", 2);
  ASSERT_TRUE(escaped.ok());
  EXPECT_NE(escaped->xml.find("<Prefix>a&amp;b&lt;</Prefix>"), std::string::npos);
}

TEST(S3LifecycleTest, MergingKeepsEveryOtherRuleAsItWas) {
  auto foreign = ParseLifecycleConfiguration(kForeignRules);
  ASSERT_TRUE(foreign.ok());
  auto ours = MakeExpirationRule("audio/", 7);
  ASSERT_TRUE(ours.ok());
  std::vector<LifecycleRule> merged = WithRule(*foreign, *ours);
  ASSERT_EQ(merged.size(), 4u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(merged[i].xml, (*foreign)[i].xml);
  EXPECT_EQ(merged[3].id, "swha-tts-expire:audio/");

  // A new duration replaces ours in its place; a rule of ours for another prefix stays.
  auto other_prefix = MakeExpirationRule("audio/anonymous/", 1);
  ASSERT_TRUE(other_prefix.ok());
  merged = WithRule(merged, *other_prefix);
  merged = WithRule(merged, *MakeExpirationRule("audio/", 9));
  ASSERT_EQ(merged.size(), 5u);
  EXPECT_EQ(merged[3].expiration_days, 9);
  EXPECT_EQ(merged[4].id, "swha-tts-expire:audio/anonymous/");

  merged = WithoutOurRule(merged, "audio/");
  ASSERT_EQ(merged.size(), 4u);
  EXPECT_EQ(FindOurRule(merged, "audio/"), nullptr);
  EXPECT_NE(FindOurRule(merged, "audio/anonymous/"), nullptr);

  // The document written back holds the foreign rules byte for byte.
  const std::string xml = SerializeLifecycleConfiguration(merged);
  for (size_t i = 0; i < 3; ++i) EXPECT_NE(xml.find((*foreign)[i].xml), std::string::npos);
}

TEST(S3LifecycleTest, ExpiryOfAKeyIsTheSoonestRuleThatSurelyApplies) {
  std::vector<LifecycleRule> rules = *ParseLifecycleConfiguration(kForeignRules);
  // Only a tag-filtered rule covers audio/tmp/: nothing sure.
  EXPECT_EQ(ExpirationDaysFor(rules, "audio/tmp/x.wav"), std::nullopt);
  EXPECT_EQ(ExpirationDaysFor(rules, "logs/2026/a"), 365);
  rules = WithRule(rules, *MakeExpirationRule("audio/", 30));
  rules = WithRule(rules, *MakeExpirationRule("audio/anonymous/", 2));
  EXPECT_EQ(ExpirationDaysFor(rules, "audio/users/5/s/segment_000.wav"), 30);
  EXPECT_EQ(ExpirationDaysFor(rules, "audio/anonymous/s/segment_000.wav"), 2);
  EXPECT_EQ(ExpirationDaysFor(rules, "archive/x"), std::nullopt);  // disabled, and a date
}

class S3LifecycleClientTest : public ::testing::Test {
 protected:
  S3LifecycleClientTest() : clock_(1795496553000) {
    S3ClientConfig config;
    config.endpoint_url = "http://127.0.0.1:9";
    config.bucket = "swha-bucket";
    config.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
    client_ = std::move(S3Client::Create(config, &transport_, &clock_).value());
  }

  FakeTransport transport_;
  ManualClock clock_;
  std::unique_ptr<S3Client> client_;
};

TEST_F(S3LifecycleClientTest, ApplyReadsMergesAndWritesWithContentMd5) {
  transport_.Push(Reply(200, kForeignRules));
  auto change = ApplyExpirationRule(*client_, "audio/", 14);
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  EXPECT_EQ(*change, LifecycleChange::kAdded);
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[0].method, "GET");
  EXPECT_EQ(transport_.requests()[0].url, "http://127.0.0.1:9/swha-bucket?lifecycle=");
  const HttpRequest& put = transport_.requests()[1];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url, "http://127.0.0.1:9/swha-bucket?lifecycle=");
  EXPECT_EQ(HeaderOf(put, "Content-MD5"), crypto::Base64Encode(crypto::Md5(put.body)));
  auto written = ParseLifecycleConfiguration(put.body);
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->size(), 4u);
  EXPECT_EQ((*written)[3].expiration_days, 14);

  // The same rule again: read, and nothing written.
  transport_.Push(Reply(200, put.body));
  change = ApplyExpirationRule(*client_, "audio/", 14);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(*change, LifecycleChange::kUnchanged);
  EXPECT_EQ(transport_.requests().size(), 3u);
}

TEST_F(S3LifecycleClientTest, NoConfigurationIsNoRulesAndTheLastRuleGoesByDelete) {
  transport_.Push(Reply(404, NoConfiguration()));
  auto rules = ReadLifecycleRules(*client_);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_TRUE(rules->empty());

  transport_.Push(Reply(404, NoConfiguration()));
  auto change = RemoveExpirationRule(*client_, "audio/");
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(*change, LifecycleChange::kAbsent);

  transport_.Push(Reply(200, SerializeLifecycleConfiguration({*MakeExpirationRule("audio/", 3)})));
  transport_.Push(Reply(204));
  change = RemoveExpirationRule(*client_, "audio/");
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(*change, LifecycleChange::kRemoved);
  EXPECT_EQ(transport_.requests().back().method, "DELETE");
  EXPECT_EQ(transport_.requests().back().url, "http://127.0.0.1:9/swha-bucket?lifecycle=");
}

TEST_F(S3LifecycleClientTest, AMissingBucketIsStillAnError) {
  transport_.Push(Reply(404,
                        "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not "
                        "exist</Message></Error>"));
  auto rules = ReadLifecycleRules(*client_);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), StatusCode::kNotFound);
  EXPECT_NE(rules.status().message().find("NoSuchBucket"), std::string::npos);
}

}  // namespace
}  // namespace swha::storage
