// The API's own documentation: /openapi.json, built from the route table on each request (the
// limits in it are the configured ones), and /docs (Swagger UI, served from the binary).
#include "http/api.h"
#include "http/docs.h"
#include "http/errors.h"

namespace swha::http {

using nlohmann::json;

Response HandleOpenApi(const ApiContext& ctx, const Request&) {
  auto document = BuildOpenApiDocument(BuildRouteTable(ctx), DocContext{.settings = ctx.settings});
  if (!document.ok()) return ErrorResponse(document.status());
  return Response::Json(200, *document);
}

OperationDoc OpenApiDoc(const DocContext&) {
  return {.tag = "service",
          .summary = "This document: OpenAPI 3.1, from the route table",
          .responses = {
              {.status = 200,
               .description = "The OpenAPI document.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"openapi", {{"type", "string"}}}, {"paths", {{"type", "object"}}}}},
                          {"required", {"openapi", "info", "paths"}}},
               .examples = {{"default", {.summary = "The document"}}}}}};
}

}  // namespace swha::http
