#include "http/router.h"

#include <gtest/gtest.h>

#include "http/errors.h"

namespace swha::http {
namespace {

Router MakeRouter() {
  return Router({
      {"GET", "/items/{id}",
       [](const Request& r) {
         return Response::Json(200, {{"id", r.path_params.at("id")}});
       }},
      {"POST", "/items/{id}", [](const Request&) { return Response::Json(201, {}); }},
      {"GET", "/boom",
       [](const Request&) -> Response { throw std::runtime_error("secret detail"); }},
  });
}

Response Call(const Router& router, std::string method, std::string path) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  return router.Dispatch(req);
}

TEST(RouterTest, MatchesParameters) {
  Router router = MakeRouter();
  Response r = Call(router, "GET", "/items/42");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"id":"42"})");
  EXPECT_EQ(Call(router, "POST", "/items/42").status, 201);
  EXPECT_EQ(Call(router, "HEAD", "/items/42").status, 200);
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405) {
  Router router = MakeRouter();
  EXPECT_EQ(Call(router, "GET", "/items").status, 404);
  EXPECT_EQ(Call(router, "GET", "/items/").status, 404);
  EXPECT_EQ(Call(router, "GET", "/items/1/2").status, 404);
  Response r = Call(router, "DELETE", "/items/1");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "GET, POST");
  EXPECT_EQ(r.body, R"({"detail":"Method Not Allowed"})");
}

TEST(RouterTest, HandlerExceptionsBecomeGeneric500s) {
  Router router = MakeRouter();
  Response r = Call(router, "GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
}

std::vector<Route> GatedRoutes() {
  return {{"GET", "/health", [](const Request&) { return Response::Json(200, {}); }, nullptr,
           RateLimit::kNone},
          {"GET", "/api/thing", [](const Request&) { return Response::Json(200, {}); }},
          {"POST", "/v1/audio/speech", [](const Request&) { return Response::Json(200, {}); }}};
}

TEST(RouterTest, TheGateAnswersForRateLimitedRoutesOnly) {
  int asked = 0;
  Router router(GatedRoutes(), RouterOptions{.gate = [&asked](const Request& req) {
                  ++asked;
                  return req.remote_address == "10.0.0.9"
                             ? Status::RateLimited("Rate limit exceeded", 7)
                             : Status::Ok();
                }});
  Request req;
  req.method = "GET";
  req.path = "/api/thing";
  req.remote_address = "10.0.0.9";
  Response refused = router.Dispatch(req);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.body, R"({"detail":"Rate limit exceeded"})");
  ASSERT_EQ(refused.headers.size(), 1u);
  EXPECT_EQ(refused.headers[0], (std::pair<std::string, std::string>{"Retry-After", "7"}));
  // Under /v1/ in OpenAI's shape.
  req.method = "POST";
  req.path = "/v1/audio/speech";
  Response openai = router.Dispatch(req);
  EXPECT_EQ(openai.status, 429);
  EXPECT_NE(openai.body.find(R"("type":"rate_limit_error")"), std::string::npos) << openai.body;
  // Exempt routes never ask the gate.
  req.method = "GET";
  req.path = "/health";
  EXPECT_EQ(router.Dispatch(req).status, 200);
  EXPECT_EQ(asked, 2);
  req.path = "/api/thing";
  req.remote_address = "10.0.0.10";
  EXPECT_EQ(router.Dispatch(req).status, 200);
}

std::string HeaderOf(const Response& r, std::string_view name) {
  std::string values;
  for (const auto& [k, v] : r.headers) {
    if (k != name) continue;
    if (!values.empty()) values += " | ";
    values += v;
  }
  return values;
}

Request CorsRequest(std::string method, std::string path, std::string origin) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  req.headers.emplace("origin", std::move(origin));
  return req;
}

TEST(RouterTest, CorsAllowsListedOriginsOnlyAndAnswersTheirPreflights) {
  Router router(GatedRoutes(),
                RouterOptions{.cors_origins = {"https://app.example", "http://localhost:3000"}});
  Request allowed = CorsRequest("GET", "/api/thing", "https://APP.example");
  Response ok = router.Dispatch(allowed);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(HeaderOf(ok, "Access-Control-Allow-Origin"), "https://APP.example");
  EXPECT_EQ(HeaderOf(ok, "Vary"), "Origin");
  EXPECT_NE(HeaderOf(ok, "Access-Control-Expose-Headers").find("Retry-After"), std::string::npos);
  EXPECT_EQ(HeaderOf(ok, "Access-Control-Allow-Credentials"), "") << "never with credentials";

  Request foreign = CorsRequest("GET", "/api/thing", "https://evil.example");
  Response no = router.Dispatch(foreign);
  EXPECT_EQ(no.status, 200) << "answered, but the browser keeps it from the page";
  EXPECT_EQ(HeaderOf(no, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(HeaderOf(no, "Vary"), "Origin");

  Request preflight = CorsRequest("OPTIONS", "/v1/audio/speech", "http://localhost:3000");
  preflight.headers.emplace("access-control-request-method", "POST");
  Response pre = router.Dispatch(preflight);
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.body, "");
  EXPECT_EQ(HeaderOf(pre, "Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_EQ(HeaderOf(pre, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(HeaderOf(pre, "Access-Control-Allow-Headers"), "Authorization, Content-Type");
  EXPECT_EQ(HeaderOf(pre, "Access-Control-Max-Age"), "600");

  Request wrong_method = preflight;
  wrong_method.headers.find("access-control-request-method")->second = "DELETE";
  EXPECT_EQ(router.Dispatch(wrong_method).status, 403);
  Request evil_preflight = CorsRequest("OPTIONS", "/v1/audio/speech", "https://evil.example");
  evil_preflight.headers.emplace("access-control-request-method", "POST");
  Response refused = router.Dispatch(evil_preflight);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(HeaderOf(refused, "Access-Control-Allow-Origin"), "");
}

TEST(RouterTest, CorsWildcardAllowsAnyOriginAndNoListAllowsNone) {
  Router any(GatedRoutes(), RouterOptions{.cors_origins = {"*"}});
  Request req = CorsRequest("GET", "/api/thing", "https://anywhere.example");
  EXPECT_EQ(HeaderOf(any.Dispatch(req), "Access-Control-Allow-Origin"), "*");
  Router none(GatedRoutes());
  Response plain = none.Dispatch(req);
  EXPECT_EQ(HeaderOf(plain, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(HeaderOf(plain, "Vary"), "");
  req.method = "OPTIONS";
  req.headers.emplace("access-control-request-method", "GET");
  EXPECT_EQ(none.Dispatch(req).status, 403);
}

TEST(ErrorsTest, CatalogueMapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 422);
  EXPECT_EQ(HttpStatusFor(StatusCode::kBadRequest), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIOError), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
}

TEST(ErrorsTest, FieldStatusesBecomeFastApiValidationErrors) {
  Response r =
      ErrorFromStatus(Status::InvalidField("speed", "must be between 0.5 and 2.0"), "body");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(
      r.body,
      R"({"detail":[{"loc":["body","speed"],"msg":"must be between 0.5 and 2.0","type":"value_error"}]})");
  // The field is typed, never read out of a message.
  Response plain = ErrorFromStatus(Status::InvalidArgument("speed: looks like a field"), "body");
  EXPECT_EQ(plain.status, 422);
  EXPECT_EQ(plain.body, R"({"detail":"speed: looks like a field"})");
  Response io = ErrorFromStatus(Status::IOError("write /srv/private/path: disk full"), "body");
  EXPECT_EQ(io.status, 500);
  EXPECT_EQ(io.body.find("/srv/private"), std::string::npos);
}

}  // namespace
}  // namespace swha::http
