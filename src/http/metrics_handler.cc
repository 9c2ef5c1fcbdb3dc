// GET /metrics for Prometheus. Not behind the user accounts: a scraper has none. METRICS_TOKEN,
// when set, is required as a Bearer token and compared in constant time.
#include "http/api.h"
#include "http/errors.h"
#include "util/crypto.h"

namespace swha::http {

Response HandleMetrics(const ApiContext& ctx, const Request& req) {
  const std::string& token = ctx.settings->metrics_token;
  if (!token.empty()) {
    const std::string header = req.Header("authorization").value_or("");
    constexpr std::string_view kBearer = "Bearer ";
    const bool bearer = header.size() > kBearer.size() && header.starts_with(kBearer);
    if (!bearer ||
        !crypto::ConstantTimeEquals(std::string_view{header}.substr(kBearer.size()), token)) {
      return ErrorResponse(401, "Not authenticated");
    }
  }
  Response r;
  r.status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = ctx.metrics != nullptr ? ctx.metrics->Render() : "";
  return r;
}

}  // namespace swha::http
