#include "tests/blackbox/generate_load.h"

#include <utility>

namespace swha::blackbox {

GenerateLoad::GenerateLoad(int port, GenerateLoadOptions options)
    : port_(port), options_(std::move(options)) {
  for (int c = 0; c < options_.clients; ++c) threads_.emplace_back([this, c] { Run(c); });
}

GenerateLoad::~GenerateLoad() { Stop(); }

void GenerateLoad::Stop() {
  stopping_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void GenerateLoad::Run(int client_index) {
  auto client = options_.token.empty() ? MakeClient(port_) : MakeClientFor(port_, options_.token);
  const std::string base_text = options_.request.value("text", "");
  for (int n = 0; !stopping_; ++n) {
    json request = options_.request;
    request["text"] =
        StrCat({base_text, " Request ", std::to_string(client_index), ".", std::to_string(n), "."});
    auto res = PostJson(*client, kGeneratePath, request);
    std::lock_guard<std::mutex> lock(mu_);
    if (!res) {
      if (connection_loss_expected_) return;
      ++statuses_[0];
      continue;
    }
    ++statuses_[res->status];
    if (res->status != 200) {
      if (res->status != 503 && first_unexpected_body_.empty()) {
        first_unexpected_body_ = std::to_string(res->status) + " " + res->body;
      }
      continue;
    }
    const json body = ParseJson(res->body);
    Promise promise{.session_id = body.value("session_id", ""),
                    .storage_type = body.value("storage_type", "")};
    for (const json& segment : body.value("audio_segments", json::array())) {
      promise.sha256.push_back(segment.value("sha256", ""));
    }
    promises_.push_back(std::move(promise));
  }
}

std::vector<Promise> GenerateLoad::promises() const {
  std::lock_guard<std::mutex> lock(mu_);
  return promises_;
}

size_t GenerateLoad::promise_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return promises_.size();
}

std::map<int, int> GenerateLoad::statuses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return statuses_;
}

std::string GenerateLoad::first_unexpected_body() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_unexpected_body_;
}

size_t ExpectPromisesKept(httplib::Client& client, const std::vector<Promise>& promises,
                          const std::string& expect_storage_type) {
  size_t checked = 0;
  for (const Promise& promise : promises) {
    SCOPED_TRACE("session " + promise.session_id);
    auto fetched = client.Get("/api/v1/tts/sessions/" + promise.session_id);
    if (!fetched || fetched->status != 200) {
      ADD_FAILURE() << "a session a client was told about is not served: "
                    << (fetched ? std::to_string(fetched->status) + " " + fetched->body
                                : "no answer");
      continue;
    }
    ++checked;
    const json session = ParseJson(fetched->body);
    if (!expect_storage_type.empty()) {
      EXPECT_EQ(session.value("storage_type", ""), expect_storage_type) << fetched->body;
    }
    const json urls = session.value("audio_files", json::array());
    if (urls.size() != promise.sha256.size()) {
      ADD_FAILURE() << promise.sha256.size() << " segments promised, now " << fetched->body;
      continue;
    }
    for (size_t i = 0; i < urls.size(); ++i) {
      const std::string url = urls[i].get<std::string>();
      auto wav = url.starts_with("http://") ? FetchAbsolute(url) : client.Get(url);
      if (!wav || wav->status != 200) {
        ADD_FAILURE() << "segment " << i << " is not served: " << urls[i];
        continue;
      }
      EXPECT_EQ(HexSha256(wav->body), promise.sha256[i]) << "segment " << i << " changed";
      const WavInfo info = ParseWav(wav->body);
      EXPECT_TRUE(info.valid) << "segment " << i << " is not a whole WAV: " << info.error;
    }
  }
  return checked;
}

std::string DescribeStatuses(const std::map<int, int>& statuses) {
  std::string out;
  for (const auto& [status, count] : statuses) {
    if (!out.empty()) out += ", ";
    out += std::to_string(status) + ": " + std::to_string(count);
  }
  return out.empty() ? "none" : out;
}

}  // namespace swha::blackbox
