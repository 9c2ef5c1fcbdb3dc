// The PostgreSQL catalog (DATABASE_URL=postgresql://…), for several instances sharing one
// database. Kept apart from catalog.h so that only the code that opens it sees libpq.
#pragma once

#include <memory>

#include "catalog/catalog.h"
#include "catalog/pg_connection.h"

namespace swha::catalog {

// Connects, migrates the schema to the current version (waiting for another instance that is
// migrating the same database), and returns the catalog. Unavailable when the server cannot
// be reached; Internal when its schema is newer than this binary's.
Result<std::unique_ptr<Catalog>> OpenPostgresCatalog(const PgPoolConfig& config);

}  // namespace swha::catalog
