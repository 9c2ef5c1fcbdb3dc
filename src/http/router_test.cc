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
