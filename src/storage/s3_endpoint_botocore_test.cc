// Differential test of where the client sends requests on AWS: the regional, dual-stack and
// Transfer Acceleration endpoints (S3_USE_DUALSTACK_ENDPOINT, S3_USE_ACCELERATE_ENDPOINT) in
// every addressing style. A real botocore S3 client resolves each configuration
// (tests/oracles/botocore_s3_endpoints.py); its presigned GET URLs and PutObject Authorization
// headers must equal ours byte for byte.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "storage/http_transport_testing.h"
#include "storage/s3_client.h"
#include "tests/support/python_oracle.h"
#include "util/clock.h"

namespace swha::storage {
namespace {

constexpr int64_t kTimestamp = 1369353600;  // 2013-05-24, AWS's SigV4 examples' day
constexpr const char* kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

struct Case {
  S3ClientConfig config;
  std::string key;
  int64_t expires = 0;
  std::string body;
};

TEST(S3EndpointBotocoreTest, AccelerateAndDualStackUrlsAndHeadersEqualBotocores) {
  std::vector<Case> cases;
  const std::vector<std::string> keys = {"audio/users/7/1_7_ab/segment_000.wav", "a b+c~d",
                                         "é/日本", "x"};
  int n = 0;
  for (bool accelerate : {false, true}) {
    for (bool dualstack : {false, true}) {
      // Plain regional endpoints are out of scope here: botocore presigns those for the legacy
      // global host (<bucket>.s3.amazonaws.com, whatever the region), where we keep the
      // regional one that needs no redirect (sigv4_botocore_test.cc covers their signing).
      if (!accelerate && !dualstack) continue;
      for (const char* style : {"auto", "virtual", "path"}) {
        for (const char* region : {"us-east-1", "eu-west-1", "ap-south-1", "us-west-2"}) {
          for (const char* bucket : {"swha-audio", "b-1", "audio0bucket"}) {
            for (const std::string& key : keys) {
              Case c;
              c.config.region = region;
              c.config.bucket = bucket;
              c.config.addressing_style = style;
              c.config.credentials = {kAccessKey, kSecretKey, ""};
              c.config.use_accelerate_endpoint = accelerate;
              c.config.use_dualstack_endpoint = dualstack;
              c.key = key;
              c.expires = 60 + 97 * (n++ % 50);
              c.body = "RIFF" + std::to_string(n);
              cases.push_back(std::move(c));
            }
          }
        }
      }
    }
  }
  std::vector<nlohmann::json> requests;
  requests.reserve(cases.size());
  for (const Case& c : cases) {
    requests.push_back({{"bucket", c.config.bucket},
                        {"region", c.config.region},
                        {"key", c.key},
                        {"accelerate", c.config.use_accelerate_endpoint},
                        {"dualstack", c.config.use_dualstack_endpoint},
                        {"addressing_style", c.config.addressing_style},
                        {"access_key", kAccessKey},
                        {"secret_key", kSecretKey},
                        {"timestamp", kTimestamp},
                        {"expires", c.expires},
                        {"put_headers", nlohmann::json::array(
                                            {nlohmann::json::array({"Content-Type", "audio/wav"}),
                                             nlohmann::json::array({"x-amz-meta-voice", "af"})})},
                        {"put_body", c.body}});
  }
  auto run = testing::RunPythonOracle("botocore_s3_endpoints.py", {}, requests);
  ASSERT_TRUE(run.ok()) << run.status().message();
  std::cout << run->stderr_text;

  ManualClock clock(kTimestamp * 1000);
  size_t mismatches = 0;
  size_t accelerated = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const nlohmann::json& theirs = run->answers[i];
    ASSERT_FALSE(theirs.contains("error")) << requests[i].dump() << "\n" << theirs.dump();
    FakeTransport transport;
    auto client = S3Client::Create(c.config, &transport, &clock);
    ASSERT_TRUE(client.ok()) << client.status().message();
    const std::string get_url = (*client)->PresignGet(c.key, c.expires).value();
    ASSERT_TRUE((*client)->PutObject(c.key, c.body, "audio/wav", {{"voice", "af"}}).ok());
    ASSERT_EQ(transport.requests().size(), 1u);
    const HttpRequest& put = transport.requests()[0];
    std::string authorization;
    for (const auto& [name, value] : put.headers) {
      if (name == "Authorization") authorization = value;
    }
    accelerated += get_url.find(".s3-accelerate.") != std::string::npos ? 1 : 0;
    if ((get_url != theirs["get_url"] || put.url != theirs["put_url"] ||
         authorization != theirs["put_authorization"]) &&
        ++mismatches <= 5) {
      ADD_FAILURE() << "case " << i << ": " << requests[i].dump() << "\nours:     " << get_url
                    << "\n          " << put.url << "\n          " << authorization
                    << "\nbotocore: " << theirs.dump();
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << cases.size();
  EXPECT_GE(cases.size(), 400u);
  EXPECT_EQ(accelerated, cases.size() * 2 / 3);
}

TEST(S3EndpointBotocoreTest, AccelerationIsRefusedWhereItCannotWork) {
  S3ClientConfig config;
  config.bucket = "swha-audio";
  config.credentials = {kAccessKey, kSecretKey, ""};
  config.use_accelerate_endpoint = true;
  EXPECT_TRUE(config.Validate().ok());
  S3ClientConfig dotted = config;
  dotted.bucket = "swha.audio";
  EXPECT_NE(dotted.Validate().message().find("without dots"), std::string::npos);
  S3ClientConfig custom = config;
  custom.endpoint_url = "http://127.0.0.1:9000";
  EXPECT_NE(custom.Validate().message().find("custom endpoint"), std::string::npos);
  custom.use_accelerate_endpoint = false;
  custom.use_dualstack_endpoint = true;
  EXPECT_FALSE(custom.Validate().ok());
  S3ClientConfig china = config;
  china.region = "cn-north-1";
  EXPECT_FALSE(china.Validate().ok());
}

}  // namespace
}  // namespace swha::storage
