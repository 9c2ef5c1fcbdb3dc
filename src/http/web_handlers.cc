// The web page: compiled into the binary (src/web/assets.h), revalidated by ETag.
#include "http/api.h"
#include "http/errors.h"
#include "http/negotiation.h"
#include "web/assets.h"

namespace swha::http {
namespace {

constexpr std::string_view kPageIndex = "/ui/index.html";

// 200 with the bytes, or 304 when the browser's copy is current. "no-cache" makes browsers ask
// each time (the names carry no version, so a new build must be seen at once); the ask costs a
// 304 without a body.
Response AssetResponse(const web::Asset& asset, const Request& req) {
  Response res;
  res.content_type = std::string(asset.content_type);
  res.headers.emplace_back("ETag", std::string(asset.etag));
  res.headers.emplace_back("Cache-Control", "no-cache");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // The server gzips text for clients that accept it (server.cc), under the same ETag.
  res.headers.emplace_back("Vary", "Accept-Encoding");
  if (IfNoneMatchHits(req.Header("if-none-match").value_or(""), asset.etag)) {
    res.status = 304;
    return res;
  }
  res.body = std::string(asset.bytes);
  return res;
}

}  // namespace

Response HandleHome(const ApiContext& ctx, const Request& req) {
  const web::Asset* page = web::PageAssets().Find(kPageIndex);
  Response res = page != nullptr && PrefersHtml(req.Header("accept").value_or(""))
                     ? AssetResponse(*page, req)
                     : HandleRoot(ctx, req);
  // One URL, two representations: caches must key on Accept.
  res.headers.emplace_back("Vary", "Accept");
  return res;
}

Response HandleWebAsset(const ApiContext&, const Request& req) {
  const web::Asset* asset = web::PageAssets().Find("/ui/" + req.path_params.at("file"));
  if (asset == nullptr) return ErrorResponse(404, "Not Found");
  return AssetResponse(*asset, req);
}

}  // namespace swha::http
