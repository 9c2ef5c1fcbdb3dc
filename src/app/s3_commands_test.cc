// `s3 check` against an in-memory S3 that can be told to misbehave in the ways a real server
// or proxy does (wrong bytes behind a presigned URL, dropped metadata, a delete that does not
// delete, a failing upload), which the real gateway in the black-box tests never does.
#include "app/s3_commands.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace swha::app {
namespace {

constexpr char kSecret[] = "unit-secret-9f8e7d6c5b4a";

class FakeS3 : public storage::HttpTransport {
 public:
  struct Object {
    std::string body;
    storage::HttpHeaders headers;  // content-type and x-amz-meta-*
  };

  bool corrupt_presigned_get = false;
  bool drop_graphemes = false;
  bool ignore_delete = false;
  int put_status = 200;
  // What GET /bucket?accelerate answers: "" = never configured.
  std::string accelerate_status = "Enabled";

  Result<storage::HttpResponse> Send(const storage::HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string prefix = "http://s3.test:9000";
    EXPECT_EQ(request.url.rfind(prefix, 0), 0U) << request.url;
    const std::string rest = request.url.substr(prefix.size());
    const std::string path = rest.substr(0, rest.find('?'));
    const bool presigned = rest.find("X-Amz-Signature=") != std::string::npos;
    log_.push_back(request.method + " " + path + (presigned ? " (presigned)" : ""));
    storage::HttpResponse response;
    response.status = 200;
    if (path == "/bucket") {
      if (request.method == "GET" && rest.ends_with("?accelerate=")) {
        response.body =
            "<AccelerateConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
            (accelerate_status.empty() ? std::string()
                                       : "<Status>" + accelerate_status + "</Status>") +
            "</AccelerateConfiguration>";
      } else if (request.method != "HEAD") {
        response.status = 405;
      }
      return response;
    }
    auto it = objects_.find(path);
    if (request.method == "PUT") {
      response.status = put_status;
      if (put_status != 200) return response;
      Object object{request.body, {}};
      for (const auto& [name, value] : request.headers) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (drop_graphemes && lower == "x-amz-meta-graphemes") continue;
        if (lower == "content-type" || lower.rfind("x-amz-meta-", 0) == 0) {
          object.headers.emplace_back(lower, value);
        }
      }
      objects_[path] = object;
    } else if (it == objects_.end()) {
      response.status = 404;
    } else if (request.method == "GET") {
      response.body = it->second.body;
      if (corrupt_presigned_get && presigned) response.body[50] ^= 1;
    } else if (request.method == "HEAD") {
      response.headers = it->second.headers;
      response.headers.emplace_back("content-length", std::to_string(it->second.body.size()));
      response.headers.emplace_back("last-modified", "Wed, 12 Oct 2026 17:50:00 GMT");
      response.headers.emplace_back("etag", "\"abc\"");
    } else if (request.method == "DELETE") {
      if (!ignore_delete) objects_.erase(it);
      response.status = 204;
    }
    return response;
  }

  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  size_t object_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_.size();
  }

 private:
  std::mutex mu_;
  std::map<std::string, Object> objects_;
  std::vector<std::string> log_;
};

class S3CheckTest : public ::testing::Test {
 protected:
  S3CheckTest() {
    settings_.endpoint_url = "http://s3.test:9000";
    settings_.bucket_name = "bucket";
    settings_.access_key_id = "AKIDUNITTEST";
    settings_.secret_access_key = kSecret;
    env_.transport = &s3_;
    env_.clock = &clock_;
    env_.fs = FileSystem::Default();
    env_.retry = ToolRetryPolicy();
    env_.retry.sleep = [](double) {};
    env_.out = &out_;
    env_.err = &err_;
  }

  // Runs the check; returns its exit code and leaves its lines in lines_.
  int Check() {
    const int code = RunS3Check(settings_, env_);
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines_.push_back(line);
    EXPECT_EQ(out_.str().find(kSecret), std::string::npos) << out_.str();
    EXPECT_EQ(out_.str().find("Signature"), std::string::npos) << out_.str();
    EXPECT_EQ(err_.str(), "");
    return code;
  }

  config::S3Settings settings_;
  FakeS3 s3_;
  ManualClock clock_{1790000000000};
  std::ostringstream out_;
  std::ostringstream err_;
  S3ToolEnv env_;
  std::vector<std::string> lines_;
};

TEST_F(S3CheckTest, AFaithfulServerPassesEveryStepInOrder) {
  EXPECT_EQ(Check(), 0) << out_.str();
  ASSERT_EQ(lines_.size(), 7U) << out_.str();
  const char* const steps[] = {"configuration",        "bucket access", "upload with metadata",
                               "presigned URL",        "file info",     "cleanup",
                               "transfer acceleration"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(lines_[i].rfind(std::string("PASS ") + steps[i] + ": ", 0), 0U) << lines_[i];
  }
  const std::vector<std::string> log = s3_.log();
  ASSERT_EQ(log.size(), 7U);
  EXPECT_EQ(log[0], "HEAD /bucket");
  EXPECT_EQ(log[1].rfind("PUT /bucket/audio/_swha-check/", 0), 0U) << log[1];
  EXPECT_EQ(log[1].substr(log[1].size() - 10), "/check.wav");
  EXPECT_EQ(log[2], "GET " + log[1].substr(4) + " (presigned)");
  EXPECT_EQ(log[3], "HEAD " + log[1].substr(4));
  EXPECT_EQ(log[4], "DELETE " + log[1].substr(4));
  EXPECT_EQ(log[5], "HEAD " + log[1].substr(4));
  EXPECT_EQ(log[6], "GET /bucket");
  EXPECT_EQ(lines_[6], "PASS transfer acceleration: Enabled on the bucket");
  EXPECT_EQ(s3_.object_count(), 0U);
}

// Without S3_USE_ACCELERATE_ENDPOINT, a bucket without acceleration is only reported.
TEST_F(S3CheckTest, ABucketWithoutAccelerationIsReportedNotFailed) {
  s3_.accelerate_status = "";
  EXPECT_EQ(Check(), 0) << out_.str();
  ASSERT_EQ(lines_.size(), 7U) << out_.str();
  EXPECT_EQ(lines_[6], "PASS transfer acceleration: not configured on the bucket");
}

TEST_F(S3CheckTest, WrongBytesBehindThePresignedUrlFailThatStepOnly) {
  s3_.corrupt_presigned_get = true;
  EXPECT_EQ(Check(), 1);
  ASSERT_EQ(lines_.size(), 7U) << out_.str();
  EXPECT_EQ(lines_[3],
            "FAIL presigned URL: unsigned GET returned 4454 bytes that differ from the 4454 "
            "uploaded");
  EXPECT_EQ(lines_[4].rfind("PASS file info: ", 0), 0U) << lines_[4];
  EXPECT_EQ(lines_[5].rfind("PASS cleanup: ", 0), 0U) << lines_[5];
  EXPECT_EQ(s3_.object_count(), 0U);
}

TEST_F(S3CheckTest, DroppedMetadataFailsFileInfoAndCleanupStillRuns) {
  s3_.drop_graphemes = true;
  EXPECT_EQ(Check(), 1);
  ASSERT_EQ(lines_.size(), 7U) << out_.str();
  EXPECT_EQ(lines_[4],
            "FAIL file info: HeadObject differs from the upload: metadata graphemes "
            "missing");
  EXPECT_EQ(lines_[5].rfind("PASS cleanup: ", 0), 0U) << lines_[5];
  EXPECT_EQ(s3_.object_count(), 0U);
}

TEST_F(S3CheckTest, ADeleteThatDoesNotDeleteFailsCleanup) {
  s3_.ignore_delete = true;
  EXPECT_EQ(Check(), 1);
  ASSERT_EQ(lines_.size(), 7U) << out_.str();
  EXPECT_EQ(lines_[5].rfind("FAIL cleanup: DeleteObject audio/_swha-check/", 0), 0U) << lines_[5];
  EXPECT_NE(lines_[5].find("succeeded but the object still exists"), std::string::npos);
}

TEST_F(S3CheckTest, AFailedUploadSkipsTheRestAndDeletesNothing) {
  s3_.put_status = 500;
  EXPECT_EQ(Check(), 1);
  ASSERT_EQ(lines_.size(), 7U) << out_.str();
  EXPECT_EQ(lines_[1].rfind("PASS bucket access: ", 0), 0U) << lines_[1];
  EXPECT_EQ(lines_[2].rfind("FAIL upload with metadata: S3 PutObject ", 0), 0U) << lines_[2];
  EXPECT_NE(lines_[2].find("HTTP 500"), std::string::npos) << lines_[2];
  for (size_t i = 3; i < 6; ++i) {
    EXPECT_NE(lines_[i].find(": skipped: upload with metadata failed"), std::string::npos)
        << lines_[i];
  }
  // Two attempts (the tool's retry policy), then only the acceleration query.
  const std::vector<std::string> log = s3_.log();
  ASSERT_EQ(log.size(), 4U);
  EXPECT_EQ(log[1].rfind("PUT ", 0), 0U);
  EXPECT_EQ(log[2].rfind("PUT ", 0), 0U);
}

TEST_F(S3CheckTest, CheckObjectCarriesTheServicesMetadataNames) {
  s3_.ignore_delete = true;  // keep the object to look at it
  Check();
  const std::vector<std::string> log = s3_.log();
  ASSERT_GE(log.size(), 2U);
  env_.out = &out_;
  std::ostringstream info;
  env_.out = &info;
  const std::string key = log[1].substr(std::string("PUT /bucket/").size());
  ASSERT_EQ(RunS3Info(settings_, key, env_), 0) << err_.str();
  for (const char* name : {"session-id", "user-id", "generated-at", "filename", "voice",
                           "language-code", "speed", "segment-index", "graphemes"}) {
    EXPECT_NE(info.str().find(std::string("\nx-amz-meta-") + name + ": "), std::string::npos)
        << name << "\n"
        << info.str();
  }
  EXPECT_NE(info.str().find("\nx-amz-meta-generated-at: 2026-09-21T"), std::string::npos)
      << info.str();
}

}  // namespace
}  // namespace swha::app
