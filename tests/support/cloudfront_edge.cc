#include "tests/support/cloudfront_edge.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "storage/cloudfront_signer.h"
#include "storage/http_transport.h"
#include "util/clock.h"
#include "util/rsa.h"
#include "util/strings.h"

namespace swha::testing {
namespace {

// Whether `pattern` (where '*' matches any run of characters) matches all of `text`.
bool WildcardMatch(std::string_view pattern, std::string_view text) {
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  if (!text.starts_with(pattern.substr(0, star))) return false;
  const std::string_view rest = pattern.substr(star + 1);
  for (size_t i = star; i <= text.size(); ++i) {
    if (WildcardMatch(rest, text.substr(i))) return true;
  }
  return false;
}

// Whether `address` (dotted IPv4, as httplib reports it) is inside `cidr` ("a.b.c.d/n").
bool InCidr(const std::string& address, const std::string& cidr) {
  const size_t slash = cidr.find('/');
  const int bits = slash == std::string::npos ? 32 : std::stoi(cidr.substr(slash + 1));
  in_addr a{};
  in_addr net{};
  if (inet_pton(AF_INET, address.c_str(), &a) != 1 ||
      inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &net) != 1) {
    return false;
  }
  const uint32_t mask = bits == 0 ? 0 : htonl(~uint32_t{0} << (32 - bits));
  return (a.s_addr & mask) == (net.s_addr & mask);
}

}  // namespace

class CloudFrontEdge::Impl {
 public:
  explicit Impl(CloudFrontEdgeOptions options) : options_(std::move(options)) {}
  ~Impl() {
    server_.stop();
    if (listener_.joinable()) listener_.join();
  }

  Status Start() {
    transport_ = storage::CreateCurlTransport();
    auto origin = storage::S3Client::Create(options_.origin, transport_.get(), Clock::Real());
    if (!origin.ok()) return origin.status();
    origin_ = std::move(origin).value();
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      Serve(req, res);
      if (res.status == 403) ++refused_;
    });
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return Status::Unavailable("CloudFront edge: cannot bind 127.0.0.1");
    listener_ = std::thread([this] {
      server_.listen_after_bind();
      listener_done_ = true;
    });
    while (!server_.is_running() && !listener_done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return server_.is_running() ? Status::Ok()
                                : Status::Unavailable("CloudFront edge: server did not start");
  }

  int port() const { return port_; }
  int requests() const { return requests_; }
  int refused() const { return refused_; }
  const CloudFrontEdgeOptions& options() const { return options_; }

 private:
  static void Deny(httplib::Response& res, const std::string& message) {
    res.status = 403;
    res.set_content(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
        "<Message>" +
            message + "</Message></Error>",
        "text/xml");
  }

  void Serve(const httplib::Request& req, httplib::Response& res) {
    const std::string raw_path = req.target.substr(0, req.target.find('?'));
    const std::string resource = "https://" + options_.domain + raw_path;
    if (!req.has_param("Key-Pair-Id") || !req.has_param("Signature")) {
      return Deny(res, "Missing Key-Pair-Id query parameter or cookie value");
    }
    if (req.get_param_value("Key-Pair-Id") != options_.key_pair_id) {
      return Deny(res, "Unknown Key");
    }
    const auto signature =
        storage::CloudFrontSigner::UrlSafeBase64Decode(req.get_param_value("Signature"));
    std::string policy;
    if (req.has_param("Policy")) {
      auto decoded = storage::CloudFrontSigner::UrlSafeBase64Decode(req.get_param_value("Policy"));
      if (!decoded) return Deny(res, "Malformed Policy");
      policy = *decoded;
    } else if (req.has_param("Expires")) {
      const std::string expires = req.get_param_value("Expires");
      int64_t expires_unix = 0;
      const auto [end, error] =
          std::from_chars(expires.data(), expires.data() + expires.size(), expires_unix);
      if (error != std::errc() || end != expires.data() + expires.size()) {
        return Deny(res, "Malformed Expires");
      }
      policy = storage::CloudFrontSigner::CannedPolicy(resource, expires_unix);
    } else {
      return Deny(res, "Missing Expires or Policy query parameter");
    }
    if (!signature || !crypto::RsaVerifySha1(options_.public_key_pem, policy, *signature)) {
      return Deny(res, "Access denied");
    }
    // The signature verified, so the policy is one we signed; a malformed one is still
    // refused, never a crash.
    const nlohmann::json parsed = nlohmann::json::parse(policy, nullptr, false);
    int64_t date_less_than = 0;
    std::string resource_pattern;
    std::optional<std::string> source_ip;
    try {
      const nlohmann::json& statement = parsed.at("Statement").at(0);
      const nlohmann::json& condition = statement.at("Condition");
      resource_pattern = statement.at("Resource").get<std::string>();
      date_less_than = condition.at("DateLessThan").at("AWS:EpochTime").get<int64_t>();
      if (condition.contains("IpAddress")) {
        source_ip = condition.at("IpAddress").at("AWS:SourceIp").get<std::string>();
      }
    } catch (const nlohmann::json::exception&) {
      return Deny(res, "Malformed Policy");
    }
    if (!WildcardMatch(resource_pattern, resource) || options_.now_unix() >= date_less_than ||
        (source_ip && !InCidr(req.remote_addr, *source_ip))) {
      return Deny(res, "Access denied");
    }
    std::string key;
    if (!UrlDecode(raw_path.substr(1), &key)) return Deny(res, "Access denied");
    Result<std::string> body = origin_->GetObject(key);
    if (!body.ok()) {
      res.status = body.status().code() == StatusCode::kNotFound ? 404 : 502;
      res.set_content(body.status().message(), "text/plain");
      return;
    }
    res.set_content(*body, "audio/wav");
  }

  CloudFrontEdgeOptions options_;
  std::unique_ptr<storage::HttpTransport> transport_;
  std::unique_ptr<storage::S3Client> origin_;
  httplib::Server server_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> refused_{0};
  int port_ = 0;
};

CloudFrontEdge::CloudFrontEdge(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CloudFrontEdge::~CloudFrontEdge() = default;

Result<std::unique_ptr<CloudFrontEdge>> CloudFrontEdge::Start(CloudFrontEdgeOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  SWHA_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<CloudFrontEdge>(new CloudFrontEdge(std::move(impl)));
}

int CloudFrontEdge::port() const { return impl_->port(); }
int CloudFrontEdge::requests() const { return impl_->requests(); }
int CloudFrontEdge::refused() const { return impl_->refused(); }

std::string CloudFrontEdge::LocalUrl(const std::string& signed_url) const {
  const std::string prefix = "https://" + impl_->options().domain;
  if (!signed_url.starts_with(prefix)) return signed_url;
  return "http://127.0.0.1:" + std::to_string(port()) + signed_url.substr(prefix.size());
}

}  // namespace swha::testing
