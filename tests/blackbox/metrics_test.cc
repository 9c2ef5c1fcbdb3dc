// GET /metrics on the real server: the token rule, counters that move exactly as the requests
// made, and Debian's promtool (an independent parser of the format) accepting the exposition.
#include <filesystem>

#include "blackbox_helpers.h"

namespace swha::blackbox {
namespace {

constexpr std::string_view kToken = "metrics-token-5c1a9e";
// Where scripts/install-deps.sh unpacks Debian's prometheus package.
constexpr std::string_view kPromtool = "/opt/swha-tools/prometheus/usr/bin/promtool";

class MetricsTest : public DefaultServerTest {
 protected:
  static void SetUpTestSuite() {
    server_ = new SharedServer({.env = {{"METRICS_TOKEN", std::string(kToken)}}});
  }

  std::string Scrape() {
    httplib::Headers headers = {{"Authorization", "Bearer " + std::string(kToken)}};
    auto res = client_->Get("/metrics", headers);
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no response");
    if (res) {
      EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    }
    return res ? res->body : "";
  }
};

TEST_F(MetricsTest, OnlyTheTokenOpensTheMetrics) {
  auto none = client_->Get("/metrics");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = client_->Get("/metrics", {{"Authorization", "Bearer metrics-token-5c1a9f"}});
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->body.find("swha_"), std::string::npos);
  EXPECT_FALSE(Scrape().empty());
}

TEST_F(MetricsTest, CountersMoveExactlyAsTheRequestsMade) {
  const std::string generate =
      R"(swha_http_requests_total{route="/api/v1/tts/generate",method="POST",status="200"})";
  const std::string refused =
      R"(swha_http_requests_total{route="/api/v1/tts/generate",method="POST",status="422"})";
  const std::string unmatched =
      R"(swha_http_requests_total{route="unmatched",method="GET",status="404"})";
  const std::string latency_count =
      R"(swha_http_request_duration_seconds_count{route="/api/v1/tts/generate",method="POST"})";
  const std::string before = Scrape();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Generate(*client_, {{"text", "Counted."}}).has_value());
  auto bad = PostJson(*client_, kGeneratePath, {{"text", "x"}, {"speed", 9}});
  ASSERT_EQ(bad->status, 422);
  for (const char* path : {"/no/such/path/123", "/another/raw/path"}) {
    ASSERT_EQ(client_->Get(path)->status, 404);
  }
  const std::string after = Scrape();
  EXPECT_EQ(MetricSample(after, generate) - MetricSample(before, generate), 3) << after;
  EXPECT_EQ(MetricSample(after, refused) - MetricSample(before, refused), 1);
  EXPECT_EQ(MetricSample(after, unmatched) - MetricSample(before, unmatched), 2);
  EXPECT_EQ(MetricSample(after, latency_count) - MetricSample(before, latency_count), 4);
  EXPECT_EQ(after.find("/no/such/path"), std::string::npos) << "raw paths never become labels";
}

TEST_F(MetricsTest, GenerationIsCountedInAudioSecondsBytesAndCatalogCalls) {
  const std::string before = Scrape();
  auto made = Generate(*client_, {{"text", "One line.\nAnd another one."}, {"use_s3", false}});
  ASSERT_TRUE(made.has_value());
  const std::string after = Scrape();
  double audio = 0;
  double bytes = 0;
  for (const json& seg : (*made)["audio_segments"]) {
    audio += seg["duration"].get<double>();
    bytes += seg["size_bytes"].get<double>();
  }
  auto moved = [&](const std::string& series) {
    return MetricSample(after, series) - MetricSample(before, series);
  };
  EXPECT_NEAR(moved("swha_audio_seconds_total"), audio, 1e-6);
  EXPECT_GT(moved("swha_synthesis_seconds_total"), 0);
  EXPECT_EQ(moved(R"(swha_segments_stored_total{backend="local"})"),
            static_cast<double>((*made)["total_segments"].get<int>()));
  EXPECT_EQ(moved(R"(swha_stored_bytes_total{backend="local"})"), bytes);
  EXPECT_EQ(moved(R"(swha_catalog_query_duration_seconds_count{operation="record_session"})"), 1);
  EXPECT_EQ(moved("swha_s3_fallback_segments_total"), 0) << "S3 was not asked for";
}

// The stored totals come from the catalog at scrape time (reused for 30 s), so a new server is
// scraped only once its sessions exist.
TEST_F(MetricsTest, StoredBytesAndObjectsByBackendAreTheCatalogs) {
  SharedServer server({.env = {{"METRICS_TOKEN", std::string(kToken)}}});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  double bytes = 0;
  double files = 0;
  for (const char* text : {"First.", "Second one.\nWith two lines."}) {
    auto made = Generate(*client, {{"text", text}, {"use_s3", false}});
    ASSERT_TRUE(made.has_value());
    for (const json& seg : (*made)["audio_segments"]) {
      bytes += seg["size_bytes"].get<double>();
      files += 1;
    }
  }
  auto res = client->Get("/metrics", {{"Authorization", "Bearer " + std::string(kToken)}});
  ASSERT_TRUE(res && res->status == 200);
  EXPECT_EQ(MetricSample(res->body, R"(swha_storage_used_bytes{backend="local"})"), bytes)
      << res->body;
  EXPECT_EQ(MetricSample(res->body, R"(swha_storage_objects{backend="local"})"), files);
  EXPECT_EQ(MetricSample(res->body, R"(swha_storage_used_bytes{backend="s3"})"), 0);
  EXPECT_EQ(MetricSample(res->body, R"(swha_storage_objects{backend="s3"})"), 0);
}

TEST_F(MetricsTest, PromtoolAcceptsTheExposition) {
  ASSERT_TRUE(std::filesystem::exists(kPromtool))
      << kPromtool << " is missing: run scripts/install-deps.sh (it unpacks Debian's prometheus)";
  ASSERT_TRUE(Generate(*client_, {{"text", "For the linter."}}).has_value());
  ScopedTempDir dir;
  const std::string file = dir.path() + "/metrics.txt";
  WriteFileBytes(file, Scrape());
  int exit_code = -1;
  const std::string output =
      RunShell(std::string(kPromtool) + " check metrics < " + file + " 2>&1", &exit_code);
  EXPECT_EQ(exit_code, 0) << output;
  EXPECT_EQ(output, "") << "promtool's complaints about naming: " << output;
}

TEST_F(MetricsTest, PromtoolAcceptsTheAlertRulesWhichReadOnlyMetricsWeExpose) {
  ASSERT_TRUE(std::filesystem::exists(kPromtool))
      << kPromtool << " is missing: run scripts/install-deps.sh (it unpacks Debian's prometheus)";
  const std::string rules = std::string(SWHA_SOURCE_DIR) + "/docs/alerts.yml";
  int exit_code = -1;
  const std::string output =
      RunShell(std::string(kPromtool) + " check rules " + rules + " 2>&1", &exit_code);
  EXPECT_EQ(exit_code, 0) << output;
  EXPECT_NE(output.find("SUCCESS: 5 rules found"), std::string::npos) << output;
  // A renamed metric would leave an alert that never fires: every swha_ name the rules read is
  // declared in the exposition (swha_s3_available only with S3; the S3 suite checks it).
  const std::string exposition = Scrape();
  const std::string text = ReadFileBytes(rules);
  int names = 0;
  for (size_t at = text.find("swha_"); at != std::string::npos; at = text.find("swha_", at + 1)) {
    if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_')) {
      continue;  // inside an alert name
    }
    size_t end = at;
    while (end < text.size() &&
           (std::islower(static_cast<unsigned char>(text[end])) ||
            std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
      ++end;
    }
    std::string name = text.substr(at, end - at);
    if (name.ends_with("_bucket")) name.resize(name.size() - 7);
    if (name == "swha_s3_available") continue;
    ++names;
    EXPECT_NE(exposition.find("# TYPE " + name + " "), std::string::npos) << name;
  }
  EXPECT_GE(names, 6);
}

}  // namespace
}  // namespace swha::blackbox
