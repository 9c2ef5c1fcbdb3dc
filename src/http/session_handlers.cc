// /api/v1/tts/sessions: the caller's own sessions, listed, fetched with fresh URLs, deleted;
// /api/v1/tts/presign: fresh URLs for many of them, or many of their S3 objects, at once.
#include <algorithm>
#include <cstdint>

#include "http/api.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/params.h"
#include "http/session_fields.h"
#include "http/tts_fields.h"

namespace swha::http {

using nlohmann::json;

Response HandleListSessions(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  FieldErrors errors("query");
  FieldReader reader(req.query, &errors);
  const std::optional<int64_t> requested_limit = reader.Int(session_fields::kListLimit);
  std::optional<std::string> cursor;
  reader.Read(session_fields::kListCursor, &cursor);
  if (!errors.empty()) return errors.ToResponse();
  // The service checks the range; a value past int's is as far out of it as INT32_MAX.
  const int limit = static_cast<int>(std::clamp<int64_t>(
      requested_limit.value_or(service::kDefaultSessionPageSize), INT32_MIN, INT32_MAX));
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
    // A bucket lifecycle rule removed its audio: GET would answer 410.
    item["audio_expired_at"] = s.audio_expired_at.has_value()
                                   ? json(FormatIso8601Utc(*s.audio_expired_at))
                                   : json(nullptr);
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
  FieldErrors errors("query");
  std::optional<int64_t> expiry;
  FieldReader(req.query, &errors).Read(tts_fields::kUrlExpiry, &expiry);
  if (!errors.empty()) return errors.ToResponse();
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
  if (report->finished()) {
    out["message"] = "Session deleted";
    return Response::Json(200, out);
  }
  // The session is gone for its owner all the same; what storage kept is removed in the
  // background (service/session_removal.h).
  out["message"] = report->complete()
                       ? "Session deleted; its catalog entry is removed in the background"
                       : "Session deleted; what could not be removed yet is listed, and is retried";
  out["local_failures"] = report->local_failures;
  out["s3_failures"] = report->s3_failures;
  return Response::Json(202, out);
}

namespace {

json PresignedSessionJson(const service::Session& session) {
  json files = json::array();
  json segments = json::array();
  for (const service::Segment& seg : session.segments) {
    files.push_back(OptionalJson(seg.PreferredUrl()));
    segments.push_back({{"index", seg.index},
                        {"filename", seg.stored.filename},
                        {"storage_type", storage::StorageTypeName(seg.stored.location)},
                        {"s3_key", OptionalJson(seg.stored.s3_key)},
                        {"url", OptionalJson(seg.PreferredUrl())},
                        {"expires_at", OptionalJson(seg.expires_at)}});
  }
  return {{"session_id", session.session_id},
          {"storage_type", session.StorageType()},
          {"audio_files", files},
          {"audio_segments", segments},
          {"expires_at", OptionalJson(session.EarliestExpiry())},
          {"warnings", session.warnings}};
}

}  // namespace

Response HandlePresign(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  service::PresignBatchRequest in;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  reader.Read(session_fields::kSessionIds, &in.session_ids);
  reader.Read(session_fields::kS3Keys, &in.s3_keys);
  reader.Read(tts_fields::kUrlExpiry, &in.url_expiry_seconds);
  if (!errors.empty()) return errors.ToResponse();
  auto batch = ctx.sessions->Presign(*caller, in);
  if (!batch.ok()) return ErrorFromStatus(batch.status(), "body");

  json items = json::array();
  int64_t presigned = 0;
  for (const service::PresignedItem& item : batch->items) {
    json out = {{batch->by_session ? "session_id" : "s3_key", item.name}};
    if (item.error) {
      out["error"] = *item.error;
    } else if (item.session) {
      out.update(PresignedSessionJson(*item.session));
      // A session counts only when every segment got a URL (its warnings say why not).
      const auto& segments = item.session->segments;
      presigned +=
          std::all_of(segments.begin(), segments.end(),
                      [](const service::Segment& seg) { return seg.PreferredUrl().has_value(); })
              ? 1
              : 0;
    } else {
      out["url"] = OptionalJson(item.url);
      out["expires_at"] = OptionalJson(item.expires_at);
      ++presigned;
    }
    items.push_back(std::move(out));
  }
  return Response::Json(200, {{"presigned_url_expiry", batch->expiry_seconds},
                              {"count", items.size()},
                              {"presigned", presigned},
                              {"failed", static_cast<int64_t>(items.size()) - presigned},
                              {"items", std::move(items)}});
}

namespace {

json UsageLineJson(const service::UsageLine& line) {
  return {{"owner", line.owner.empty() ? json(nullptr) : json(line.owner)},
          {"sessions", OptionalJson(line.sessions)},
          {"s3_objects", line.s3_objects},
          {"s3_bytes", line.s3_bytes},
          {"estimated_monthly_cost_usd", line.monthly_cost},
          {"local_files", OptionalJson(line.local_files)},
          {"local_bytes", OptionalJson(line.local_bytes)}};
}

}  // namespace

Response HandleAdminUsage(const ApiContext& ctx, const Request& req) {
  FieldErrors errors("query");
  FieldReader reader(req.query, &errors);
  bool by_user = true;
  bool scan = false;
  reader.Read(session_fields::kByUser, &by_user);
  reader.Read(session_fields::kScan, &scan);
  if (!errors.empty()) return errors.ToResponse();
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto report = ctx.usage->Report(*caller, by_user, scan);
  if (!report.ok()) return ErrorFromStatus(report.status(), "query");
  json owners = json::array();
  for (const service::UsageLine& line : report->owners) owners.push_back(UsageLineJson(line));
  return Response::Json(200, {{"source", report->source},
                              {"price_per_gb_month_usd", report->price_per_gb_month},
                              {"owners", std::move(owners)},
                              {"total", UsageLineJson(report->total)}});
}

}  // namespace swha::http
