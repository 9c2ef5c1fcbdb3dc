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
    if (res)
      EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return res ? res->body : "";
  }

  // The value of the sample line starting with `series` (name and labels), or -1.
  static double Sample(const std::string& exposition, const std::string& series) {
    for (size_t at = exposition.find(series); at != std::string::npos;
         at = exposition.find(series, at + 1)) {
      if (at != 0 && exposition[at - 1] != '\n') continue;
      const size_t value = at + series.size();
      if (exposition[value] != ' ') continue;
      return std::stod(exposition.substr(value + 1, exposition.find('\n', value) - value - 1));
    }
    return -1;
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
  auto count = [](double v) { return v < 0 ? 0 : v; };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Generate(*client_, {{"text", "Counted."}}).has_value());
  auto bad = PostJson(*client_, kGeneratePath, {{"text", "x"}, {"speed", 9}});
  ASSERT_EQ(bad->status, 422);
  for (const char* path : {"/no/such/path/123", "/another/raw/path"}) {
    ASSERT_EQ(client_->Get(path)->status, 404);
  }
  const std::string after = Scrape();
  EXPECT_EQ(Sample(after, generate) - count(Sample(before, generate)), 3) << after;
  EXPECT_EQ(Sample(after, refused) - count(Sample(before, refused)), 1);
  EXPECT_EQ(Sample(after, unmatched) - count(Sample(before, unmatched)), 2);
  EXPECT_EQ(Sample(after, latency_count) - count(Sample(before, latency_count)), 4);
  EXPECT_EQ(after.find("/no/such/path"), std::string::npos) << "raw paths never become labels";
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

}  // namespace
}  // namespace swha::blackbox
