// For tests of HTTP clients: a transport that records every request and answers from a script,
// and an S3 that keeps its objects in memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/http_transport.h"
#include "util/crypto.h"

namespace swha::storage {

inline HttpResponse Reply(int status, std::string body = "", HttpHeaders headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// Answers from a script, then 200 with an empty body when it runs out. Thread-safe.
class FakeTransport : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (script_.empty()) return Reply(200);
    Result<HttpResponse> next = std::move(script_.front());
    script_.pop_front();
    return next;
  }
  void Push(Result<HttpResponse> r) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(r));
  }
  // REQUIRES: no Send in progress.
  const std::vector<HttpRequest>& requests() const { return requests_; }

 private:
  std::mutex mu_;
  std::deque<Result<HttpResponse>> script_;
  std::vector<HttpRequest> requests_;
};

// S3 in memory: PUT keeps the body by URL path, HEAD answers its size and MD5 ETag, DeleteObjects
// answers that all went. `down` refuses every connection; `lose_delete_answers` carries out each
// DeleteObjects and then fails as a connection cut before the answer would (S3 acted, the caller
// cannot know); `tamper_heads` makes HEAD report one
// byte fewer than was stored (an upload that S3 did not keep whole); a PUT whose path ends in
// `refused_suffix` gets 403 AccessDenied; `before_put` (set before any request) runs first for
// every PUT, given its path, outside the lock, so it may hold that PUT back.
class MemoryS3 : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    const std::string path = PathOf(request.url);
    if (request.method == "PUT" && before_put) before_put(path);
    std::lock_guard<std::mutex> lock(mu_);
    if (down) return Status::Unavailable("connect: refused");
    HttpResponse r;
    r.status = 200;
    if (request.method == "PUT" && !refused_suffix.empty() && path.ends_with(refused_suffix)) {
      r.status = 403;
      r.body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
      return r;
    }
    if (request.method == "PUT") {
      objects_[path] = request.body;
      stored_.notify_all();
    } else if (request.method == "HEAD") {
      auto found = objects_.find(path);
      if (found == objects_.end()) {
        r.status = 404;
        return r;
      }
      const size_t size = found->second.size() - (tamper_heads ? 1 : 0);
      r.headers.emplace_back("content-length", std::to_string(size));
      r.headers.emplace_back("last-modified", "Tue, 24 Nov 2026 05:02:33 GMT");
      r.headers.emplace_back("etag", "\"" + crypto::HexEncode(crypto::Md5(found->second)) + "\"");
    } else if (request.method == "POST") {  // DeleteObjects: <Key>k</Key> per object
      ++batch_deletes_;
      for (size_t at = request.body.find("<Key>"); at != std::string::npos;
           at = request.body.find("<Key>", at + 1)) {
        const size_t end = request.body.find("</Key>", at);
        objects_.erase(path + "/" + request.body.substr(at + 5, end - at - 5));
      }
      r.body = "<DeleteResult/>";
      if (lose_delete_answers) return Status::Unavailable("recv: connection reset by peer");
    }
    return r;
  }
  std::map<std::string, std::string> objects() {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_;
  }
  // Whether an object whose path ends in `suffix` is stored, within `timeout`.
  bool WaitForObject(std::string_view suffix, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return stored_.wait_for(lock, timeout, [&] {
      return std::ranges::any_of(objects_,
                                 [&](const auto& o) { return o.first.ends_with(suffix); });
    });
  }
  int batch_deletes() {
    std::lock_guard<std::mutex> lock(mu_);
    return batch_deletes_;
  }

  std::atomic<bool> down{false};
  std::atomic<bool> tamper_heads{false};
  std::atomic<bool> lose_delete_answers{false};
  std::string refused_suffix;  // set before any request
  std::function<void(const std::string& path)> before_put;

 private:
  static std::string PathOf(const std::string& url) {
    const size_t start = url.find('/', url.find("://") + 3);
    return url.substr(start, url.find('?', start) - start);
  }
  std::mutex mu_;
  std::condition_variable stored_;  // a PUT arrived
  std::map<std::string, std::string> objects_;
  int batch_deletes_ = 0;
};

// The value of header `name` in `r` as sent (exact name), or "<missing>".
inline std::string HeaderOf(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

}  // namespace swha::storage
