// Records for the catalog's tests (catalog_test.cc, pg_catalog_test.cc).
#pragma once

#include <string>

#include "catalog/catalog.h"

namespace swha::catalog {

// A user `name` with email <name>@example.com, a stand-in hash, created at unix time 1000.
inline User NewTestUser(const std::string& name) {
  User u;
  u.username = name;
  u.email = name + "@example.com";
  u.password_hash = "$argon2id$stand-in";
  u.created_at = 1000;
  return u;
}

}  // namespace swha::catalog
