// The web page and the API reference (Swagger UI): compiled into the binary
// (src/web/assets.h), revalidated by ETag.
#include <set>

#include "http/api.h"
#include "http/docs.h"
#include "http/errors.h"
#include "http/negotiation.h"
#include "web/assets.h"

namespace swha::http {
namespace {

// The page's and Swagger UI's scripts are their own files, never inline, so a script injected
// into either cannot run. The page's audio and speech marks may come from S3 or a CDN (another
// origin). Swagger UI sets styles on its elements and draws icons from data: URLs. Nothing may
// frame either, and links leak no URL to other sites (Referrer-Policy).
constexpr std::string_view kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self' blob: https: http:; connect-src 'self' https: http:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
constexpr std::string_view kApiDocsPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";

constexpr std::string_view kPageIndex = "/ui/index.html";
constexpr std::string_view kApiDocsIndex = "/ui/api-docs.html";

// 200 with the bytes, or 304 when the browser's copy is current. "no-cache" makes browsers ask
// each time (the names carry no version, so a new build must be seen at once); the ask costs a
// 304 without a body.
Response AssetResponse(const web::Asset& asset, const Request& req,
                       std::string_view policy = kPagePolicy) {
  Response res;
  res.content_type = std::string(asset.content_type);
  res.headers.emplace_back("ETag", std::string(asset.etag));
  res.headers.emplace_back("Cache-Control", "no-cache");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Content-Security-Policy", std::string(policy));
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("X-Frame-Options", "DENY");
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

Response HandleApiDocs(const ApiContext&, const Request& req) {
  const web::Asset* page = web::PageAssets().Find(kApiDocsIndex);
  if (page == nullptr) return ErrorResponse(404, "Not Found");
  return AssetResponse(*page, req, kApiDocsPolicy);
}

Response HandleApiDocsAsset(const ApiContext&, const Request& req) {
  const web::Asset* asset = web::SwaggerUiAssets().Find("/docs/" + req.path_params.at("file"));
  if (asset == nullptr) return ErrorResponse(404, "Not Found");
  return AssetResponse(*asset, req, kApiDocsPolicy);
}

namespace {

// A file's answers: its bytes in each content type the set holds (the example's first), 304
// for a current copy, or 404.
std::vector<ResponseDoc> FileAnswers(const web::AssetSet& set, const std::string& example) {
  std::vector<ResponseDoc> answers;
  std::set<std::string> types;
  for (const web::Asset& asset : set.all()) {
    const std::string_view type = asset.content_type.substr(0, asset.content_type.find(';'));
    if (!types.insert(std::string(type)).second) continue;
    answers.push_back({.status = 200,
                       .description = "The file, with its ETag; its type from its extension.",
                       .content_type = std::string(type),
                       .schema = {{"type", "string"}},
                       .headers = {{"ETag", "Strong, from the file's SHA-256 at build time."}}});
  }
  if (!answers.empty()) answers.front().examples = {{example, {.summary = "A file"}}};
  answers.push_back(
      {.status = 304, .description = "If-None-Match named the current ETag.", .content_type = ""});
  answers.push_back({.status = 404,
                     .description = "No such file.",
                     .schema = SchemaRef("Error"),
                     .examples = {{"missing", {.value = {{"detail", "Not Found"}}}}}});
  return answers;
}

// `example` asks for `set`'s first file.
OperationDoc FileDoc(const web::AssetSet& set, std::string summary, const std::string& example,
                     std::string_view prefix) {
  const std::string first(set.all().empty() ? "" : set.all().front().path.substr(prefix.size()));
  return {.tag = "service",
          .summary = std::move(summary),
          .parameters = {{.in = "path",
                          .field = {.name = "file", .required = true, .nullable = false},
                          .examples = {{example, {.value = first}},
                                       {"missing", {.value = "no-such-file.js"}}}}},
          .responses = FileAnswers(set, example)};
}

}  // namespace

OperationDoc WebAssetDoc(const DocContext&) {
  return FileDoc(web::PageAssets(), "A file of the web page (HTML, CSS, JavaScript, icons)", "page",
                 "/ui/");
}

OperationDoc ApiDocsDoc(const DocContext&) {
  return {.tag = "service",
          .summary = "The interactive API reference (Swagger UI) for this document",
          .description =
              "Served by the service itself, offline: \"Try it out\" sends requests "
              "to this server, with the credentials given to \"Authorize\".",
          .responses = {{.status = 200,
                         .description = "The reference page.",
                         .content_type = "text/html",
                         .schema = {{"type", "string"}},
                         .examples = {{"default", {.summary = "Swagger UI"}}}}}};
}

OperationDoc ApiDocsAssetDoc(const DocContext&) {
  return FileDoc(web::SwaggerUiAssets(), "A file of Swagger UI (npm swagger-ui-dist)", "swagger",
                 "/docs/");
}

}  // namespace swha::http
