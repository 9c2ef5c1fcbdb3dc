// The TTS flow with USE_S3_STORAGE=true against a real S3 server (Ceph RADOS Gateway, started
// here on its own ports): presigned URLs that serve the exact audio, the original's keys and
// metadata, cleanup by age, KEEP_LOCAL_COPY=false, and honest local fallback while the gateway
// is down, with S3 used again once it is back. One CTest test runs the whole suite in order
// (the last test stops and restarts the gateway). If the gateway cannot start, every test
// fails: nothing here is ever skipped.
#include <filesystem>
#include <thread>

#include "s3_storage_fixture.h"
#include "tests/support/audio_probe.h"

namespace swha::blackbox {
namespace {

TEST_F(S3StorageTest, SeedRequestGivesPresignedUrlsServingTheExactBytes) {
  auto r = Generate(*client_, kSeedRequest);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ((*r)["total_segments"], 3);
  ExpectStoredInS3(*client_, *r, /*keep_local_copy=*/true);
  EXPECT_EQ((*r)["expires_at"], (*r)["audio_segments"][0]["expires_at"]);
}

// format=opus: segment_NNN.opus in the bucket, uploaded as audio/ogg, served as such by S3
// through the presigned URL, and decodable.
TEST_F(S3StorageTest, AnotherFormatIsStoredWithItsExtensionAndType) {
  json request = kSeedRequest;
  request["format"] = "opus";
  auto r = Generate(*client_, request);
  ASSERT_TRUE(r.has_value());
  const std::vector<std::string> keys = S3KeysOf(*r);
  ASSERT_FALSE(keys.empty());
  for (size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(keys[i]);
    EXPECT_TRUE(keys[i].ends_with(".opus"));
    auto info = s3_->HeadObject(keys[i]);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->content_type, "audio/ogg");
    auto fetched = FetchAbsolute((*r)["audio_files"][i]);
    ASSERT_TRUE(fetched);
    ASSERT_EQ(fetched->status, 200);
    EXPECT_EQ(fetched->get_header_value("Content-Type"), "audio/ogg");
    auto probed = testing::ProbeAudio(fetched->body, "opus");
    ASSERT_TRUE(probed.ok()) << probed.status().ToString();
    EXPECT_EQ(probed->codec, "opus");
  }
}

TEST_F(S3StorageTest, TamperedOrForeignPresignedUrlIsRefusedByS3) {
  auto r = Generate(*client_, kSeedRequest);
  ASSERT_TRUE(r.has_value());
  std::string url = (*r)["audio_files"][0];
  const size_t sig = url.find("X-Amz-Signature=") + std::string_view("X-Amz-Signature=").size();
  url[sig] = url[sig] == '0' ? '1' : '0';
  auto tampered = FetchAbsolute(url);
  ASSERT_TRUE(tampered);
  EXPECT_EQ(tampered->status, 403);
  // The signature covers the key: segment 0's signature does not open segment 1.
  std::string other = (*r)["audio_files"][1];
  const std::string first = (*r)["audio_files"][0];
  other = other.substr(0, other.find("X-Amz-Signature=")) +
          first.substr(first.find("X-Amz-Signature="));
  auto foreign = FetchAbsolute(other);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
}

TEST_F(S3StorageTest, GenerateSimpleAndOptingOut) {
  auto res =
      client_->Post(WithQuery(kGenerateSimplePath, {{"text", "Hello there."}, {"use_s3", "true"}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json simple = ParseJson(res->body);
  EXPECT_EQ(simple["storage_type"], "s3");
  const std::string first = simple["first_audio_url"];
  EXPECT_EQ(first, simple["audio_segments"][0]["presigned_url"]);
  auto fetched = FetchAbsolute(first);
  ASSERT_TRUE(fetched);
  EXPECT_EQ(fetched->status, 200);
  EXPECT_NE(first.find("X-Amz-Expires=3600"), std::string::npos);  // the configured default

  auto local = Generate(*client_, {{"text", "Stay here."}, {"use_s3", false}});
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ((*local)["storage_type"], "local");
  EXPECT_TRUE((*local)["warnings"].empty());
  EXPECT_TRUE((*local)["audio_segments"][0]["s3_key"].is_null());
  EXPECT_EQ(CountObjects(StrCat({kAnonymousPrefix, (*local)["session_id"].get<std::string>()})),
            0u);
}

TEST_F(S3StorageTest, S3InfoChecksTheBucketLiveAndHidesSecrets) {
  auto res = client_->Get("/api/v1/tts/s3-info");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json info = ParseJson(res->body);
  EXPECT_EQ(info["s3_enabled"], true) << res->body;
  EXPECT_EQ(info["reachable"], true);
  EXPECT_EQ(info["use_s3_storage"], true);
  EXPECT_EQ(info["bucket_name"], rgw_->endpoint().bucket);
  EXPECT_EQ(info["endpoint_url"], rgw_->endpoint().endpoint_url);
  EXPECT_EQ(info["default_expiry"], 3600);
  EXPECT_EQ(info["credentials_source"], "environment");
  EXPECT_EQ(res->body.find(rgw_->endpoint().secret_access_key), std::string::npos);
  EXPECT_EQ(server_->process().ReadLog().find(rgw_->endpoint().secret_access_key),
            std::string::npos);
}

// A user's cleanup deletes their sessions' objects (from the catalog, by when each session was
// made) and nothing else: not another user's, not an anonymous session's. The session is then
// gone from the catalog too.
TEST_F(S3StorageTest, CleanupDeletesTheCallersSessionsOnly) {
  const std::string token = SignUp(*client_, "s3-cleanup-user");
  ASSERT_FALSE(token.empty());
  auto user = MakeClientFor(server_->port(), token);
  auto made = Generate(*user, kSeedRequest);
  ASSERT_TRUE(made.has_value());
  const std::string session = made->at("session_id").get<std::string>();
  const std::string id =
      session.substr(session.find('_') + 1, session.rfind('_') - session.find('_') - 1);
  const std::string my_prefix = StrCat({"audio/users/", id, "/"});
  const size_t mine = CountObjects(my_prefix);
  ASSERT_GE(mine, 3u);
  ASSERT_TRUE(Generate(*client_, kSeedRequest).has_value());  // anonymous: not the user's
  const size_t anonymous = CountObjects(kAnonymousPrefix);
  // Someone else's object, which this user's cleanup must not touch.
  const std::string foreign =
      "audio/users/424242/1_424242_00000000000000000000000000000000/segment_000.wav";
  ASSERT_TRUE(s3_->PutObject(foreign, MakeWav("x"), "audio/wav").ok());

  auto fresh =
      user->Post(WithQuery("/api/v1/tts/cleanup", {{"days_old", "1"}, {"cleanup_s3", "true"}}));
  ASSERT_TRUE(fresh);
  ASSERT_EQ(fresh->status, 200) << fresh->body;
  EXPECT_EQ(ParseJson(fresh->body)["s3_files_cleaned"], 0) << fresh->body;
  EXPECT_EQ(CountObjects(my_prefix), mine);

  auto old =
      user->Post(WithQuery("/api/v1/tts/cleanup", {{"days_old", "0"}, {"cleanup_s3", "true"}}));
  ASSERT_TRUE(old);
  ASSERT_EQ(old->status, 200) << old->body;
  json out = ParseJson(old->body);
  EXPECT_EQ(out["s3_files_cleaned"], mine) << old->body;
  EXPECT_EQ(out["message"], "Cleanup completed for files older than 0 days") << old->body;
  EXPECT_FALSE(out.contains("s3_cleanup_error")) << old->body;
  EXPECT_EQ(out["local_files_cleaned"], mine);
  EXPECT_EQ(CountObjects(my_prefix), 0u);
  EXPECT_EQ(CountObjects(kAnonymousPrefix), anonymous);
  EXPECT_TRUE(s3_->HeadObject(foreign).ok());
  ASSERT_TRUE(s3_->DeleteObject(foreign).ok());
  auto row = user->Get("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, 404) << row->body;
}

// GET /sessions/{id} presigns every segment again, in one batch, for the expiry asked for; a
// DELETE removes the objects and the row.
TEST_F(S3StorageTest, ASessionIsFetchedWithFreshPresignedUrlsAndDeletedWhole) {
  const std::string token = SignUp(*client_, "s3-session-user");
  ASSERT_FALSE(token.empty());
  auto user = MakeClientFor(server_->port(), token);
  auto made = Generate(*user, kSeedRequest);
  ASSERT_TRUE(made.has_value());
  const std::string session = made->at("session_id").get<std::string>();
  auto fetched = user->Get("/api/v1/tts/sessions/" + session + "?presigned_url_expiry=900");
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->status, 200) << fetched->body;
  const json body = ParseJson(fetched->body);
  EXPECT_EQ(body["storage_type"], "s3");
  ASSERT_EQ(body["audio_files"].size(), made->at("audio_files").size());
  for (size_t i = 0; i < body["audio_files"].size(); ++i) {
    const std::string url = body["audio_files"][i].get<std::string>();
    EXPECT_NE(url.find("X-Amz-Expires=900"), std::string::npos) << url;
    auto direct = FetchAbsolute(url);
    ASSERT_TRUE(direct) << url;
    ASSERT_EQ(direct->status, 200) << url;
    EXPECT_EQ(HexSha256(direct->body), body["audio_segments"][i]["sha256"]) << i;
  }
  auto deleted = user->Delete("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_EQ(ParseJson(deleted->body)["s3_objects_removed"], body["audio_files"].size());
  for (const json& seg : body["audio_segments"]) {
    EXPECT_FALSE(s3_->HeadObject(seg["s3_key"].get<std::string>()).ok());
  }
}

// "marks": true stores segment_NNN.marks.json beside each segment's audio, in the bucket too:
// a presigned marks_url serves the same marks as the answer's, the catalog remembers them (a
// later GET presigns them again), and deleting the session removes them with the audio.
TEST_F(S3StorageTest, StoredMarksGoWithTheirAudioToS3AndAway) {
  const std::string token = SignUp(*client_, "s3-marks-user");
  ASSERT_FALSE(token.empty());
  auto user = MakeClientFor(server_->port(), token);
  json request = kSeedRequest;
  request["marks"] = true;
  request["format"] = "mp3";
  auto made = Generate(*user, request);
  ASSERT_TRUE(made.has_value());
  const std::string session = made->at("session_id");
  std::vector<std::string> marks_keys;
  for (const json& seg : made->at("audio_segments")) {
    SCOPED_TRACE(seg.dump());
    ASSERT_EQ(seg["storage_type"], "s3");
    const std::string audio_key = seg["s3_key"];
    const std::string marks_key =
        audio_key.substr(0, audio_key.rfind('.')) + ".marks.json";  // segment_NNN.marks.json
    marks_keys.push_back(marks_key);
    ASSERT_TRUE(seg["marks_url"].is_string());
    const std::string marks_url = seg["marks_url"];
    EXPECT_NE(marks_url.find("X-Amz-Signature="), std::string::npos);
    EXPECT_NE(marks_url.find(marks_key.substr(marks_key.rfind('/'))), std::string::npos);
    auto fetched = FetchAbsolute(marks_url);
    ASSERT_TRUE(fetched);
    ASSERT_EQ(fetched->status, 200) << fetched->body;
    EXPECT_EQ(ParseJson(fetched->body), seg["marks"]);
    auto info = s3_->HeadObject(marks_key);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->content_type, "application/json");
    EXPECT_EQ(info->metadata["session-id"], session);
    // The local copy is kept beside the local audio too.
    EXPECT_TRUE(std::filesystem::is_regular_file(server_->process().audio_dir() + "/" + session +
                                                 marks_key.substr(marks_key.rfind('/'))));
  }

  auto again = user->Get("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  const json listed = ParseJson(again->body);
  for (size_t i = 0; i < listed["audio_segments"].size(); ++i) {
    const json& seg = listed["audio_segments"][i];
    ASSERT_TRUE(seg["marks_url"].is_string()) << seg.dump();
    EXPECT_FALSE(seg.contains("marks"));  // the marks themselves are fetched by their URL
    auto fetched = FetchAbsolute(seg["marks_url"]);
    ASSERT_TRUE(fetched);
    ASSERT_EQ(fetched->status, 200);
    EXPECT_EQ(ParseJson(fetched->body), made->at("audio_segments")[i]["marks"]);
  }

  // Batch presigning takes a marks key as it takes an audio key; nobody else gets it.
  auto batch = PostJson(*user, "/api/v1/tts/presign", {{"s3_keys", {marks_keys[0]}}});
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->status, 200) << batch->body;
  const json item = ParseJson(batch->body)["items"][0];
  ASSERT_TRUE(item["url"].is_string()) << item.dump();
  auto by_batch = FetchAbsolute(item["url"]);
  ASSERT_TRUE(by_batch);
  EXPECT_EQ(by_batch->status, 200);
  auto stranger = MakeClientFor(server_->port(), SignUp(*client_, "s3-marks-stranger"));
  auto refused = PostJson(*stranger, "/api/v1/tts/presign", {{"s3_keys", {marks_keys[0]}}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(ParseJson(refused->body)["items"][0]["error"], "not found") << refused->body;

  auto deleted = user->Delete("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_EQ(ParseJson(deleted->body)["s3_objects_removed"], 2 * marks_keys.size());
  for (const std::string& key : marks_keys) EXPECT_FALSE(ObjectExists(*s3_, key)) << key;
  EXPECT_FALSE(std::filesystem::exists(server_->process().audio_dir() + "/" + session));
}

TEST_F(S3StorageTest, WithoutLocalCopyOnlyS3HoldsTheAudio) {
  SharedServer no_copy({.env = ServiceEnv(rgw_->endpoint(), {{"KEEP_LOCAL_COPY", "false"}})});
  ASSERT_TRUE(no_copy.started()) << no_copy.start_error();
  auto client = MakeClient(no_copy.port());
  auto r = Generate(*client, kSeedRequest);
  ASSERT_TRUE(r.has_value());
  ExpectStoredInS3(*client, *r, /*keep_local_copy=*/false);
  EXPECT_EQ(CountEntries(no_copy.process().audio_dir()), 0)
      << "local files remain after a successful upload with KEEP_LOCAL_COPY=false";
  // Marks leave with their audio, and are served from the bucket.
  json with_marks = kSeedRequest;
  with_marks["marks"] = true;
  auto marked = Generate(*client, with_marks);
  ASSERT_TRUE(marked.has_value());
  EXPECT_EQ(CountEntries(no_copy.process().audio_dir()), 0);
  for (const json& seg : marked->at("audio_segments")) {
    auto fetched = FetchAbsolute(seg["marks_url"]);
    ASSERT_TRUE(fetched);
    ASSERT_EQ(fetched->status, 200) << seg.dump();
    EXPECT_EQ(ParseJson(fetched->body), seg["marks"]);
  }
}

// POST /api/v1/tts/presign: URLs for many of the caller's objects or sessions at once, never
// for anybody else's (their items say "not found", as for keys that do not exist).
TEST_F(S3StorageTest, BatchPresigningServesOnlyTheCallersOwnObjects) {
  auto alice = MakeClientFor(server_->port(), SignUp(*client_, "batch_alice"));
  auto bob = MakeClientFor(server_->port(), SignUp(*client_, "batch_bob"));
  auto first = Generate(*alice, kSeedRequest);
  auto second = Generate(*alice, {{"text", "One more.\nAnd the last."}, {"use_s3", true}});
  auto foreign = Generate(*bob, kSeedRequest);
  ASSERT_TRUE(first && second && foreign);
  std::vector<std::string> keys;
  std::map<std::string, std::string> sha_by_key;
  for (const json* made : {&*first, &*second}) {
    for (const json& seg : (*made)["audio_segments"]) {
      keys.push_back(seg["s3_key"]);
      sha_by_key[seg["s3_key"]] = seg["sha256"];
    }
  }
  const std::string bobs_key = (*foreign)["audio_segments"][0]["s3_key"];
  const std::string missing = StrCat({keys[0].substr(0, keys[0].rfind('/')), "/segment_099.wav"});
  json asked = keys;
  asked.push_back(bobs_key);
  asked.push_back(missing);
  asked.push_back("not/a/key");
  asked.push_back(keys[1]);  // a repeat is answered again

  auto res =
      PostJson(*alice, "/api/v1/tts/presign", {{"s3_keys", asked}, {"presigned_url_expiry", 600}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = ParseJson(res->body);
  EXPECT_EQ(body["presigned_url_expiry"], 600);
  ASSERT_EQ(body["items"].size(), asked.size());
  EXPECT_EQ(body["count"], asked.size());
  EXPECT_EQ(body["presigned"], keys.size() + 1);
  EXPECT_EQ(body["failed"], 3);
  for (size_t i = 0; i < asked.size(); ++i) {
    const json& item = body["items"][i];
    EXPECT_EQ(item["s3_key"], asked[i]);
    const std::string key = asked[i];
    if (!sha_by_key.contains(key)) {
      EXPECT_EQ(item["error"], "not found") << item.dump();
      EXPECT_FALSE(item.contains("url")) << "a URL for " << key;
      continue;
    }
    ASSERT_TRUE(item["url"].is_string()) << item.dump();
    const std::string url = item["url"];
    EXPECT_NE(url.find("X-Amz-Expires=600"), std::string::npos) << url;
    EXPECT_NEAR(item["expires_at"].get<double>(), static_cast<double>(NowUnixSeconds() + 600), 30);
    auto fetched = FetchAbsolute(url);
    ASSERT_TRUE(fetched) << url;
    ASSERT_EQ(fetched->status, 200) << url;
    EXPECT_EQ(HexSha256(fetched->body), sha_by_key[key]) << key;
  }
  // Bob's key was not his to ask for, but it is a real object: Bob himself gets it.
  auto own = PostJson(*bob, "/api/v1/tts/presign", {{"s3_keys", {bobs_key}}});
  ASSERT_TRUE(own && own->status == 200);
  EXPECT_TRUE(ParseJson(own->body)["items"][0]["url"].is_string()) << own->body;
  EXPECT_EQ(ParseJson(own->body)["presigned_url_expiry"], 3600);

  // By session: every segment's URL, or "not found".
  const std::string alices = (*first)["session_id"];
  const std::string bobs = (*foreign)["session_id"];
  auto sessions =
      PostJson(*alice, "/api/v1/tts/presign", {{"session_ids", {alices, bobs, alices}}});
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->status, 200) << sessions->body;
  const json by_session = ParseJson(sessions->body);
  const json& mine = by_session["items"][0];
  EXPECT_EQ(mine["session_id"], alices);
  EXPECT_EQ(mine["storage_type"], "s3");
  ASSERT_EQ(mine["audio_files"].size(), (*first)["audio_files"].size()) << mine.dump();
  for (size_t i = 0; i < mine["audio_files"].size(); ++i) {
    auto fetched = FetchAbsolute(mine["audio_files"][i]);
    ASSERT_TRUE(fetched && fetched->status == 200);
    EXPECT_EQ(HexSha256(fetched->body), (*first)["audio_segments"][i]["sha256"]);
  }
  EXPECT_EQ(by_session["items"][1], json({{"session_id", bobs}, {"error", "not found"}}));
  EXPECT_EQ(by_session["items"][2], mine);  // a repeat is the same answer, not minted again
  EXPECT_EQ(by_session["presigned"], 2);
  EXPECT_EQ(by_session["failed"], 1);
}

TEST_F(S3StorageTest, BatchPresigningRefusesMalformedBatches) {
  auto user = MakeClientFor(server_->port(), SignUp(*client_, "batch_carol"));
  auto status_of = [&](httplib::Client& c, const json& body) {
    auto res = PostJson(c, "/api/v1/tts/presign", body);
    return res ? res->status : -1;
  };
  EXPECT_EQ(status_of(*client_, {{"s3_keys", {"audio/x"}}}), 401);  // anonymous
  EXPECT_EQ(status_of(*user, json::object()), 422);
  EXPECT_EQ(status_of(*user, {{"s3_keys", json::array()}}), 422);
  EXPECT_EQ(status_of(*user, {{"s3_keys", {"a"}}, {"session_ids", {"b"}}}), 422);
  EXPECT_EQ(status_of(*user, {{"s3_keys", {1, 2}}}), 422);
  EXPECT_EQ(status_of(*user, {{"s3_keys", "audio/x"}}), 422);
  EXPECT_EQ(status_of(*user, {{"s3_keys", {"a"}}, {"presigned_url_expiry", 604801}}), 422);
  EXPECT_EQ(status_of(*user, {{"s3_keys", {"a"}}, {"presigned_url_expiry", "60"}}), 422);
  EXPECT_EQ(status_of(*user, {{"s3_keys", std::vector<std::string>(1001, "a")}}), 422);
  auto limit =
      PostJson(*user, "/api/v1/tts/presign", {{"s3_keys", std::vector<std::string>(1001, "a")}});
  ASSERT_TRUE(limit);
  EXPECT_NE(limit->body.find("at most 1000"), std::string::npos) << limit->body;
  auto at_limit =
      PostJson(*user, "/api/v1/tts/presign", {{"s3_keys", std::vector<std::string>(1000, "a")}});
  ASSERT_TRUE(at_limit);
  ASSERT_EQ(at_limit->status, 200) << at_limit->body;
  EXPECT_EQ(ParseJson(at_limit->body)["failed"], 1000);
  auto malformed = PostRaw(*user, "/api/v1/tts/presign", "{");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
}

// Last: it stops the gateway.
TEST_F(S3StorageTest, MetricsCountUploadsPresignsAndTheirCache) {
  // Sessions are read back by their owner only: this one is made by a signed-in user.
  auto user = MakeClientFor(server_->port(), SignUp(*client_, "metrics_user"));
  const std::string before = client_->Get("/metrics")->body;
  auto made = Generate(*user, kSeedRequest);
  ASSERT_TRUE(made.has_value());
  ASSERT_EQ((*made)["storage_type"], "s3");
  auto again = user->Get("/api/v1/tts/sessions/" + (*made)["session_id"].get<std::string>() +
                         "?presigned_url_expiry=7200");
  ASSERT_TRUE(again && again->status == 200);
  const std::string after = client_->Get("/metrics")->body;
  auto moved = [&](const std::string& series) {
    return MetricSample(after, series) - MetricSample(before, series);
  };
  const double segments = (*made)["total_segments"].get<double>();
  double bytes = 0;
  for (const json& seg : (*made)["audio_segments"]) bytes += seg["size_bytes"].get<double>();
  EXPECT_EQ(moved(R"(swha_s3_operations_total{operation="PutObject",outcome="success"})"), segments)
      << after;
  EXPECT_EQ(moved(R"(swha_s3_operation_duration_seconds_count{operation="PutObject"})"), segments);
  EXPECT_EQ(moved(R"(swha_segments_stored_total{backend="s3"})"), segments);
  EXPECT_EQ(moved(R"(swha_stored_bytes_total{backend="s3"})"), bytes);
  // The generate presigned each segment; the session read within the window reused them.
  EXPECT_EQ(moved(R"(swha_presigned_urls_total{cache="miss"})"), segments);
  EXPECT_EQ(moved(R"(swha_presigned_urls_total{cache="hit"})"), segments);
  EXPECT_EQ(MetricSample(after, "swha_s3_available"), 1);
}

TEST_F(S3StorageTest, HonestLocalFallbackWhileS3IsDownThenS3AgainWhenBack) {
  const std::string before = client_->Get("/metrics")->body;
  ASSERT_TRUE(rgw_->Stop().ok());
  auto down = Generate(*client_, kSeedRequest);
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ((*down)["storage_type"], "local");
  ASSERT_FALSE((*down)["warnings"].empty());
  EXPECT_NE((*down)["warnings"][0].get<std::string>().find("S3"), std::string::npos);
  for (size_t i = 0; i < (*down)["audio_segments"].size(); ++i) {
    const json& seg = (*down)["audio_segments"][i];
    EXPECT_EQ(seg["storage_type"], "local");
    EXPECT_TRUE(seg["presigned_url"].is_null());
    EXPECT_TRUE(seg["s3_key"].is_null());
    EXPECT_EQ((*down)["audio_files"][i], seg["local_url"]);
    auto audio = Download(*client_, seg["local_url"]);
    ASSERT_TRUE(audio.has_value());
    EXPECT_TRUE(IsSpeechWav(*audio, 0.3, 10));
  }
  // Counted as they happened: every segment fell back, S3 is marked unavailable, and each
  // upload that was tried failed.
  const std::string during = client_->Get("/metrics")->body;
  const double segments = (*down)["total_segments"].get<double>();
  EXPECT_EQ(MetricSample(during, "swha_s3_fallback_segments_total") -
                MetricSample(before, "swha_s3_fallback_segments_total"),
            segments);
  EXPECT_EQ(MetricSample(during, "swha_s3_available"), 0);
  // Uploads run concurrently: those already started when the first failed fail too.
  const std::string failed = R"(swha_s3_operations_total{operation="PutObject",outcome="failed"})";
  const double failures = MetricSample(during, failed) - MetricSample(before, failed);
  EXPECT_GE(failures, 1);
  EXPECT_LE(failures, segments);
  auto info = client_->Get("/api/v1/tts/s3-info");
  ASSERT_TRUE(info);
  json i = ParseJson(info->body);
  EXPECT_EQ(i["reachable"], false) << info->body;
  EXPECT_EQ(i["s3_enabled"], false);
  EXPECT_TRUE(i["error"].is_string());

  // A second service started while S3 is down: the original decided "no S3" for good here.
  SharedServer born_while_down({.env = ServiceEnv(rgw_->endpoint())});
  ASSERT_TRUE(born_while_down.started()) << born_while_down.start_error();
  auto late_client = MakeClient(born_while_down.port());
  auto late_down = Generate(*late_client, kSeedRequest);
  ASSERT_TRUE(late_down.has_value());
  EXPECT_EQ((*late_down)["storage_type"], "local");

  ASSERT_TRUE(rgw_->Start().ok());
  // Neither service was restarted: each must find S3 again by itself (S3_RECHECK_SECONDS=1).
  for (httplib::Client* client : {client_.get(), late_client.get()}) {
    std::optional<json> back;
    const bool in_s3 = WaitFor(
        [&] {
          back = Generate(*client, kSeedRequest);
          return back.has_value() && (*back)["storage_type"] == "s3";
        },
        std::chrono::seconds(30));
    ASSERT_TRUE(in_s3) << (back ? back->dump(2) : "no response");
    ExpectStoredInS3(*client, *back, /*keep_local_copy=*/true);
  }
}

}  // namespace
}  // namespace swha::blackbox
