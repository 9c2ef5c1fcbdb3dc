// For tests of HTTP clients: a transport that records every request and answers from a script.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "storage/http_transport.h"

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

// The value of header `name` in `r` as sent (exact name), or "<missing>".
inline std::string HeaderOf(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

}  // namespace swha::storage
