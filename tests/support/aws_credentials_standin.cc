#include "tests/support/aws_credentials_standin.h"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "aws/sts_client.h"
#include "storage/s3_codec.h"
#include "storage/sigv4.h"
#include "tests/support/loopback_listener.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::testing {
namespace {

constexpr int kMaxImdsTokenTtlSeconds = 21600;

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> Split(std::string_view s, char separator) {
  std::vector<std::string> parts;
  for (;;) {
    const size_t at = s.find(separator);
    parts.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> form;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    const size_t eq = pair.find('=');
    form[PercentDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
  }
  return form;
}

std::string StsError(std::string_view code, std::string_view message) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
         "</Type><Code>" +
         std::string(code) + "</Code><Message>" + std::string(message) +
         "</Message></Error><RequestId>standin</RequestId></ErrorResponse>";
}

// The value after `name=` in an Authorization header, up to the next ',' (or the end).
std::string AuthField(std::string_view header, std::string_view name) {
  const std::string key = std::string(name) + "=";
  const size_t at = header.find(key);
  if (at == std::string_view::npos) return "";
  const size_t start = at + key.size();
  const size_t end = header.find(',', start);
  return std::string(TrimWhitespace(header.substr(start, end - start)));
}

}  // namespace

struct AwsCredentialsStandin::State {
  AwsCredentialsStandinOptions options;
  httplib::Server server;
  LoopbackListener listener;
  std::mutex mu;
  std::set<std::string> imds_tokens;      // GUARDED_BY(mu)
  std::map<std::string, int> handed_out;  // GUARDED_BY(mu)
  std::atomic<int> refused{0};

  // Vends credentials reported to expire after the configured lifetime (or theirs, if sooner).
  Result<storage::CredentialsSnapshot> Vend(const std::string& protocol) {
    Result<storage::CredentialsSnapshot> made = options.vendor();
    if (!made.ok()) return made;
    const int64_t reported = Clock::Real()->NowUnixSeconds() + options.reported_lifetime_seconds;
    made->expires_at_unix = std::min(made->expires_at_unix.value_or(reported), reported);
    std::lock_guard<std::mutex> lock(mu);
    ++handed_out[protocol];
    return made;
  }

  void Refuse(httplib::Response& res, int status, const std::string& body,
              const std::string& type) {
    ++refused;
    res.status = status;
    res.set_content(body, type);
  }

  std::string JsonCredentials(const storage::CredentialsSnapshot& c, bool imds) const {
    nlohmann::json out = {{"AccessKeyId", c.credentials.access_key_id},
                          {"SecretAccessKey", c.credentials.secret_access_key},
                          {"Token", c.credentials.session_token},
                          {"Expiration", FormatIso8601Utc(*c.expires_at_unix)}};
    if (imds) {
      out["Code"] = "Success";
      out["Type"] = "AWS-HMAC";
      out["LastUpdated"] = FormatIso8601Utc(Clock::Real()->NowUnixSeconds());
    } else {
      out["RoleArn"] = "arn:aws:iam::123456789012:role/swha-task";
    }
    return out.dump();
  }

  bool ImdsTokenValid(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    return imds_tokens.count(req.get_header_value("x-aws-ec2-metadata-token")) != 0;
  }

  // Whether the request carries a valid SigV4 signature (service sts) by a known caller.
  bool SignatureValid(const httplib::Request& req) {
    const std::string auth = req.get_header_value("Authorization");
    if (!auth.starts_with("AWS4-HMAC-SHA256 ")) return false;
    const std::string credential = AuthField(auth, "Credential");
    const std::vector<std::string> scope = Split(credential, '/');
    if (scope.size() != 5 || scope[3] != "sts" || scope[4] != "aws4_request") return false;
    auto caller = options.sts_callers.find(scope[0]);
    if (caller == options.sts_callers.end()) return false;
    storage::SigningRequest signing;
    signing.method = req.method;
    signing.host = req.get_header_value("Host");
    signing.path = req.path;
    for (const std::string& name : Split(AuthField(auth, "SignedHeaders"), ';')) {
      if (name == "host") continue;
      if (!req.has_header(name)) return false;
      signing.headers.emplace_back(name, req.get_header_value(name));
    }
    signing.payload_sha256_hex = crypto::HexEncode(crypto::Sha256(req.body));
    const std::string amz_date = req.get_header_value("x-amz-date");
    Result<std::string> canonical = storage::SigV4Signer::CanonicalRequest(signing);
    if (!canonical.ok() || amz_date.size() < 8) return false;
    const storage::SigV4Signer signer({scope[0], caller->second, ""}, scope[2], "sts");
    const std::string expected = crypto::HexEncode(crypto::HmacSha256(
        signer.SigningKey(amz_date.substr(0, 8)), signer.StringToSign(amz_date, *canonical)));
    return crypto::ConstantTimeEquals(expected, AuthField(auth, "Signature"));
  }

  void ServeSts(const httplib::Request& req, httplib::Response& res) {
    const std::map<std::string, std::string> form = ParseForm(req.body);
    auto field = [&form](const std::string& name) {
      auto it = form.find(name);
      return it == form.end() ? std::string() : it->second;
    };
    const std::string action = field("Action");
    if (field("Version") != "2011-06-15" || field("RoleArn").empty() ||
        field("RoleSessionName").empty()) {
      return Refuse(res, 400, StsError("MissingParameter", "Version, RoleArn, RoleSessionName"),
                    "text/xml");
    }
    if (action == "AssumeRole") {
      if (!SignatureValid(req)) {
        return Refuse(res, 403, StsError("SignatureDoesNotMatch", "signature"), "text/xml");
      }
    } else if (action == "AssumeRoleWithWebIdentity") {
      if (!req.get_header_value("Authorization").empty() ||
          field("WebIdentityToken") != options.web_identity_token) {
        return Refuse(res, 400, StsError("InvalidIdentityToken", "token"), "text/xml");
      }
    } else {
      return Refuse(res, 400, StsError("InvalidAction", "action"), "text/xml");
    }
    Result<storage::CredentialsSnapshot> c = Vend("sts");
    if (!c.ok()) return Refuse(res, 500, StsError("InternalFailure", "vendor"), "text/xml");
    res.set_content(aws::FormatStsResponse(action, *c), "text/xml");
  }

  void Route() {
    server.Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string ttl = req.get_header_value("x-aws-ec2-metadata-token-ttl-seconds");
      int seconds = 0;
      try {
        seconds = std::stoi(ttl);
      } catch (const std::exception&) {
        seconds = 0;
      }
      if (seconds < 1 || seconds > kMaxImdsTokenTtlSeconds) return Refuse(res, 400, "", "");
      const std::string token = crypto::RandomHex(16);
      std::lock_guard<std::mutex> lock(mu);
      imds_tokens.insert(token);
      res.set_content(token, "text/plain");
    });
    server.Get(R"(/latest/meta-data/iam/security-credentials/(.*))",
               [this](const httplib::Request& req, httplib::Response& res) {
                 if (!ImdsTokenValid(req)) return Refuse(res, 401, "", "");
                 const std::string role = req.matches[1];
                 if (role.empty()) return res.set_content(options.role_name, "text/plain");
                 if (role != options.role_name) return Refuse(res, 404, "", "");
                 Result<storage::CredentialsSnapshot> c = Vend("imds");
                 if (!c.ok()) return Refuse(res, 500, "", "");
                 res.set_content(JsonCredentials(*c, /*imds=*/true), "text/plain");
               });
    server.Get("/v1/credentials", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != options.container_authorization) {
        return Refuse(res, 401, R"({"message":"unauthorized"})", "application/json");
      }
      Result<storage::CredentialsSnapshot> c = Vend("container");
      if (!c.ok()) return Refuse(res, 500, "{}", "application/json");
      res.set_content(JsonCredentials(*c, /*imds=*/false), "application/json");
    });
    server.Post(
        "/", [this](const httplib::Request& req, httplib::Response& res) { ServeSts(req, res); });
  }
};

Result<std::unique_ptr<AwsCredentialsStandin>> AwsCredentialsStandin::Start(
    AwsCredentialsStandinOptions options) {
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  state->Route();
  SWHA_RETURN_IF_ERROR(state->listener.Start(&state->server, "AWS credentials stand-in"));
  return std::unique_ptr<AwsCredentialsStandin>(new AwsCredentialsStandin(std::move(state)));
}

AwsCredentialsStandin::AwsCredentialsStandin(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

AwsCredentialsStandin::~AwsCredentialsStandin() { state_->listener.Stop(); }

std::string AwsCredentialsStandin::base_url() const { return state_->listener.base_url(); }

int AwsCredentialsStandin::handed_out(const std::string& protocol) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->handed_out.find(protocol);
  return it == state_->handed_out.end() ? 0 : it->second;
}

int AwsCredentialsStandin::refused() const { return state_->refused.load(); }

}  // namespace swha::testing
