// The read-only endpoints: voices, languages, s3-info and health.
#include <set>
#include <string>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

class CatalogueTest : public DefaultServerTest {
 protected:
  // GETs `path`, expecting 200 and a JSON object.
  json GetJson(const std::string& path) {
    auto res = client_->Get(path);
    if (!res) {
      ADD_FAILURE() << path << ": no response";
      return json();
    }
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    json body = ParseJson(res->body);
    EXPECT_TRUE(body.is_object()) << res->body;
    return body;
  }
};

TEST_F(CatalogueTest, VoicesListsTheFiftyFourKokoroVoices) {
  const json body = GetJson("/api/v1/tts/voices");
  ASSERT_TRUE(body.contains("voices") && body.at("voices").is_array()) << body.dump();
  const json& voices = body.at("voices");
  EXPECT_EQ(voices.size(), 54u);
  ASSERT_TRUE(body.at("total_count").is_number_integer());
  EXPECT_EQ(body.at("total_count"), 54);
  std::set<std::string> names;
  for (const json& v : voices) {
    ASSERT_TRUE(v.is_string());
    names.insert(v.get<std::string>());
  }
  EXPECT_EQ(names.size(), 54u) << "duplicate voice names";
  for (const char* expected : {"af_heart", "am_adam", "bf_emma", "ef_dora", "ff_siwis", "hm_psi",
                               "im_nicola", "jf_alpha", "pm_santa", "zm_yunyang"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
}

TEST_F(CatalogueTest, LanguagesMapsTheNineCodesToNames) {
  const json body = GetJson("/api/v1/tts/languages");
  EXPECT_EQ(body.size(), 9u) << body.dump();
  for (const char* code : {"a", "b", "e", "f", "h", "i", "j", "p", "z"}) {
    ASSERT_TRUE(body.contains(code)) << code;
    ASSERT_TRUE(body.at(code).is_string());
    EXPECT_FALSE(body.at(code).get<std::string>().empty());
  }
  EXPECT_NE(body.at("a").get<std::string>().find("English"), std::string::npos);
  EXPECT_NE(body.at("z").get<std::string>().find("Chinese"), std::string::npos);
  EXPECT_NE(body.at("j").get<std::string>().find("Japanese"), std::string::npos);
}

TEST_F(CatalogueTest, S3InfoReportsConfigurationWithoutSecrets) {
  const json body = GetJson("/api/v1/tts/s3-info");
  ASSERT_TRUE(body.at("s3_enabled").is_boolean()) << body.dump();
  EXPECT_EQ(body.at("s3_enabled"), false);
  ASSERT_TRUE(body.at("use_s3_storage").is_boolean());
  EXPECT_EQ(body.at("use_s3_storage"), false);
  EXPECT_EQ(body.at("bucket_name"), "swha-audio-bucket");
  EXPECT_EQ(body.at("region"), "us-east-1");
  ASSERT_TRUE(body.at("default_expiry").is_number_integer());
  EXPECT_EQ(body.at("default_expiry"), 3600);
  const std::string dump = body.dump();
  EXPECT_EQ(dump.find("secret"), std::string::npos) << dump;
}

TEST_F(CatalogueTest, HealthSaysOk) {
  const json body = GetJson("/health");
  EXPECT_EQ(body.at("status"), "ok");
}

}  // namespace
}  // namespace swha::blackbox
