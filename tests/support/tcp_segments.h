// What the kernel counts on a TCP socket, for tests of how an answer is sent.
#pragma once

#include <cstdint>
#include <optional>

namespace swha::testing {

// How many TCP segments carrying data connected socket `fd` has received (Linux's
// tcpi_data_segs_in, RFC 4898's tcpEStatsDataSegsIn), or nullopt if the kernel does not say.
std::optional<uint32_t> DataSegmentsReceived(int fd);

}  // namespace swha::testing
