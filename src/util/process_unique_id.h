// Numbers that name objects in per-thread caches (a signer's second, a client's presign state).
// An address would not do: a later object may be made where an earlier one was, and a cache
// would then take it for the earlier one.
#pragma once

#include <cstdint>

namespace swha {

// A number that no other call in this process returns, from 1 up. Thread-safe.
uint64_t NextProcessUniqueId();

}  // namespace swha
