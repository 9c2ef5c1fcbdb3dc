// /api/v1/tts/sessions: the caller's own sessions, listed, fetched with fresh URLs, deleted.
#include <cstdint>

#include "http/api.h"
#include "http/errors.h"
#include "http/params.h"

namespace swha::http {

using nlohmann::json;

Response HandleListSessions(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  int limit = service::kDefaultSessionPageSize;
  if (auto v = req.Query("limit")) {
    auto n = ParseInt(*v);
    if (!n || *n < INT32_MIN || *n > INT32_MAX) {
      return ValidationError("query", "limit", "must be an integer", "type_error");
    }
    limit = static_cast<int>(*n);
  }
  const std::optional<std::string> cursor = req.Query("cursor");
  auto listing = ctx.sessions->List(*caller, limit, cursor);
  if (!listing.ok()) return ErrorFromStatus(listing.status(), "query");
  json sessions = json::array();
  for (const service::Session& s : listing->sessions) {
    json item = SessionJson(s);
    item.erase("message");
    item.erase("audio_files");  // no URLs in a listing: GET the session for fresh ones
    item.erase("processing_time");
    item.erase("expires_at");
    item.erase("warnings");
    for (json& seg : item["audio_segments"]) {
      for (const char* url_field : {"local_url", "presigned_url", "expires_at"}) {
        seg.erase(url_field);
      }
    }
    sessions.push_back(std::move(item));
  }
  return Response::Json(200, {{"sessions", sessions},
                              {"count", sessions.size()},
                              {"next_cursor", OptionalJson(listing->next_cursor)}});
}

Response HandleGetSession(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  std::optional<int64_t> expiry;
  if (auto v = req.Query("presigned_url_expiry"); v && !v->empty()) {
    expiry = ParseInt(*v);
    if (!expiry) {
      return ValidationError("query", "presigned_url_expiry",
                             "must be an integer number of seconds", "type_error");
    }
  }
  auto session = ctx.sessions->Get(*caller, req.path_params.at("session_id"), expiry);
  if (!session.ok()) {
    return ErrorFromStatus(session.status(), session.status().field().empty() ? "path" : "query");
  }
  json out = SessionJson(*session);
  out["message"] = "Session found";
  out.erase("processing_time");
  return Response::Json(200, out);
}

Response HandleDeleteSession(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  const std::string& id = req.path_params.at("session_id");
  auto report = ctx.sessions->Delete(*caller, id);
  if (!report.ok()) return ErrorFromStatus(report.status(), "path");
  json out = {{"session_id", id},
              {"local_files_removed", report->local_files_removed},
              {"s3_objects_removed", report->s3_objects_removed}};
  if (report->complete()) {
    out["message"] = "Session deleted";
    return Response::Json(200, out);
  }
  // Some audio is still there: the session stays listed, and a later delete may finish it.
  out["message"] = "Session partly deleted; what could not be removed is listed";
  out["local_failures"] = report->local_failures;
  out["s3_failures"] = report->s3_failures;
  return Response::Json(207, out);
}

}  // namespace swha::http
