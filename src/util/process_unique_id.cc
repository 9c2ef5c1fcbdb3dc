#include "util/process_unique_id.h"

#include <atomic>

namespace swha {

uint64_t NextProcessUniqueId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace swha
