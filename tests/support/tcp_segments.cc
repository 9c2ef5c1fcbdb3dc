// Apart from the other support files: <linux/tcp.h> has the kernel's whole tcp_info, and it
// clashes with <netinet/tcp.h>, which httplib includes.
#include "tests/support/tcp_segments.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace swha::testing {

std::optional<uint32_t> DataSegmentsReceived(int fd) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  // An older kernel fills less of the struct than this header knows of.
  if (length < offsetof(tcp_info, tcpi_data_segs_in) + sizeof(info.tcpi_data_segs_in)) {
    return std::nullopt;
  }
  return info.tcpi_data_segs_in;
}

}  // namespace swha::testing
