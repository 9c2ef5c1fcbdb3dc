// The fields of /api/v1/auth/* and /api/v1/users*: read by account_handlers.cc, documented by
// account_docs.cc (see http/fields.h).
#pragma once

#include "http/fields.h"

namespace swha::http::account_fields {

// register
extern const Field kUsername;
extern const Field kEmail;
extern const Field kPassword;
extern const Field kFullName;
extern const Field kBio;
// login (the OAuth2 form and its JSON twin)
extern const Field kLoginUsername;
extern const Field kLoginPassword;
extern const Field kGrantType;
// PUT /users/me: every field optional
extern const Field kNewUsername;
extern const Field kNewEmail;
// POST /users/me/password
extern const Field kCurrentPassword;
extern const Field kNewPassword;
// API keys
extern const Field kApiKeyName;
extern const Field kApiKeyExpiresInDays;
extern const Field kApiKeyId;  // path
// administration
extern const Field kSkip;
extern const Field kLimit;
extern const Field kUserId;  // path
extern const Field kIsActive;
extern const Field kIsSuperuser;

}  // namespace swha::http::account_fields
