// The catalog's limits that settings check too: one constant each.
#pragma once

namespace swha::catalog {

// Connections one instance may hold to PostgreSQL (DATABASE_POOL_SIZE).
constexpr int kMaxDatabaseConnections = 256;

}  // namespace swha::catalog
