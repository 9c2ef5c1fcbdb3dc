// Each route's documentation (http/openapi.h), bound to it in the route table (routes.cc).
// They live beside the Fields their handlers read: tts_docs.cc, session_docs.cc,
// account_docs.cc, lipsync_docs.cc, openai_docs.cc; the pages' beside their handlers.
#pragma once

#include "http/openapi.h"

namespace swha::http {

// The service itself and speech (tts_docs.cc).
OperationDoc RootDoc(const DocContext& ctx);
OperationDoc HealthDoc(const DocContext& ctx);
OperationDoc ReadyDoc(const DocContext& ctx);
OperationDoc MetricsDoc(const DocContext& ctx);
OperationDoc OpenApiDoc(const DocContext& ctx);
OperationDoc GenerateDoc(const DocContext& ctx);
OperationDoc GenerateSimpleDoc(const DocContext& ctx);
OperationDoc MarksDoc(const DocContext& ctx);
OperationDoc S3InfoDoc(const DocContext& ctx);
OperationDoc CleanupDoc(const DocContext& ctx);
OperationDoc VoicesDoc(const DocContext& ctx);
OperationDoc LanguagesDoc(const DocContext& ctx);
OperationDoc FormatsDoc(const DocContext& ctx);
// The web page and the API reference (web_handlers.cc).
OperationDoc WebAssetDoc(const DocContext& ctx);
OperationDoc ApiDocsDoc(const DocContext& ctx);
OperationDoc ApiDocsAssetDoc(const DocContext& ctx);
// Sessions, presign, usage and stored audio (session_docs.cc).
OperationDoc ListSessionsDoc(const DocContext& ctx);
OperationDoc GetSessionDoc(const DocContext& ctx);
OperationDoc DeleteSessionDoc(const DocContext& ctx);
OperationDoc PresignDoc(const DocContext& ctx);
OperationDoc AdminUsageDoc(const DocContext& ctx);
OperationDoc StaticAudioDoc(const DocContext& ctx);
// Accounts (account_docs.cc).
OperationDoc RegisterDoc(const DocContext& ctx);
OperationDoc LoginFormDoc(const DocContext& ctx);
OperationDoc LoginJsonDoc(const DocContext& ctx);
OperationDoc CreateApiKeyDoc(const DocContext& ctx);
OperationDoc ListApiKeysDoc(const DocContext& ctx);
OperationDoc RevokeApiKeyDoc(const DocContext& ctx);
OperationDoc GetMeDoc(const DocContext& ctx);
OperationDoc UpdateMeDoc(const DocContext& ctx);
OperationDoc ChangePasswordDoc(const DocContext& ctx);
OperationDoc ListUsersDoc(const DocContext& ctx);
OperationDoc GetUserDoc(const DocContext& ctx);
OperationDoc DeleteUserDoc(const DocContext& ctx);
OperationDoc PatchUserDoc(const DocContext& ctx);
// Lipsync (lipsync_docs.cc).
OperationDoc LipsyncCreateDoc(const DocContext& ctx);
OperationDoc LipsyncCreateFromTtsDoc(const DocContext& ctx);
OperationDoc LipsyncStatusDoc(const DocContext& ctx);
OperationDoc LipsyncDebugStatusDoc(const DocContext& ctx);
OperationDoc LipsyncWaitDoc(const DocContext& ctx);
OperationDoc LipsyncJobsDoc(const DocContext& ctx);
OperationDoc LipsyncModelsDoc(const DocContext& ctx);
OperationDoc LipsyncSyncModesDoc(const DocContext& ctx);
OperationDoc LipsyncCleanupDoc(const DocContext& ctx);
OperationDoc LipsyncWebhookDoc(const DocContext& ctx);
// OpenAI-compatible (openai_docs.cc).
OperationDoc OpenAiSpeechDoc(const DocContext& ctx);
OperationDoc OpenAiVoicesDoc(const DocContext& ctx);
OperationDoc OpenAiModelsDoc(const DocContext& ctx);
OperationDoc OpenAiModelDoc(const DocContext& ctx);

}  // namespace swha::http
