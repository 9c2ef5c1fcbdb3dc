// The read-only endpoints: voices, languages, s3-info and health.
#include <map>
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

// The original's shape: {"languages": {code: name}, "total_count": 9}.
TEST_F(CatalogueTest, LanguagesMapsTheNineCodesToNames) {
  const json body = GetJson("/api/v1/tts/languages");
  ASSERT_TRUE(body.contains("languages") && body.at("languages").is_object()) << body.dump();
  ASSERT_TRUE(body.at("total_count").is_number_integer()) << body.dump();
  EXPECT_EQ(body.at("total_count"), 9);
  const json& languages = body.at("languages");
  EXPECT_EQ(languages.size(), 9u) << body.dump();
  const std::map<std::string, std::string> expected = {{"a", "American English"},
                                                       {"b", "British English"},
                                                       {"e", "Spanish"},
                                                       {"f", "French"},
                                                       {"h", "Hindi"},
                                                       {"i", "Italian"},
                                                       {"j", "Japanese"},
                                                       {"p", "Brazilian Portuguese"},
                                                       {"z", "Mandarin Chinese"}};
  for (const auto& [code, name] : expected) {
    ASSERT_TRUE(languages.contains(code)) << code;
    EXPECT_EQ(languages.at(code), name) << code;
  }
}

TEST_F(CatalogueTest, S3InfoReportsConfigurationWithoutSecrets) {
  const json body = GetJson("/api/v1/tts/s3-info");
  ASSERT_TRUE(body.at("s3_enabled").is_boolean()) << body.dump();
  EXPECT_EQ(body.at("s3_enabled"), false);
  ASSERT_TRUE(body.at("use_s3_storage").is_boolean());
  EXPECT_EQ(body.at("use_s3_storage"), false);
  // The original's shape: bucket and region are null while S3 storage is off.
  EXPECT_TRUE(body.at("bucket_name").is_null()) << body.dump();
  EXPECT_TRUE(body.at("region").is_null()) << body.dump();
  ASSERT_TRUE(body.at("default_expiry").is_number_integer());
  EXPECT_EQ(body.at("default_expiry"), 3600);
  const std::string dump = body.dump();
  EXPECT_EQ(dump.find("secret"), std::string::npos) << dump;
}

// The original's shape: clients check status == "healthy".
TEST_F(CatalogueTest, HealthSaysHealthyWithVersionAndEnvironment) {
  const json body = GetJson("/health");
  EXPECT_EQ(body.at("status"), "healthy") << body.dump();
  ASSERT_TRUE(body.at("version").is_string()) << body.dump();
  EXPECT_FALSE(body.at("version").get<std::string>().empty());
  EXPECT_EQ(body.at("environment"), "development") << body.dump();
}

TEST_F(CatalogueTest, RootWelcomesApiClients) {
  const json body = GetJson("/");
  ASSERT_TRUE(body.at("message").is_string()) << body.dump();
  ASSERT_TRUE(body.at("version").is_string()) << body.dump();
  ASSERT_TRUE(body.at("docs").is_string()) << body.dump();
}

}  // namespace
}  // namespace swha::blackbox
