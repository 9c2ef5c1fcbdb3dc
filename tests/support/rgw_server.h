// A real S3 server for tests and benchmarks: a throw-away Ceph RADOS Gateway started with
// scripts/s3-test-server.sh on loopback ports of the caller's choosing (so suites running in
// parallel do not collide). Starting fails loudly; nothing here ever skips.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "storage/s3_client.h"
#include "util/status.h"

namespace swha::testing {

// A role on every test gateway that its user may assume through the gateway's own STS
// (AssumeRole on the S3 endpoint), allowed everything in S3 (scripts/s3-test-server.sh).
inline constexpr std::string_view kRgwTestRoleArn = "arn:aws:iam:::role/swha-s3-test";

struct RgwEndpoint {
  std::string endpoint_url;  // http://127.0.0.1:PORT
  std::string access_key_id;
  std::string secret_access_key;
  std::string bucket;

  // The service's variables for this server: S3_ENDPOINT_URL, AWS_*, S3_BUCKET_NAME,
  // AWS_REGION.
  std::map<std::string, std::string> AsEnv() const;
  // A client configuration for this server (path style, us-east-1).
  storage::S3ClientConfig ClientConfig() const;
};

// Not thread-safe; one owner.
class RgwServer {
 public:
  // Uses a new directory under /tmp; nothing runs until Start().
  RgwServer(int s3_port, int mon_port);
  // Stops the daemons and removes the directory.
  ~RgwServer();
  RgwServer(const RgwServer&) = delete;
  RgwServer& operator=(const RgwServer&) = delete;

  // Starts the cluster, or restarts a stopped one, and waits until S3 answers. The error says
  // why and carries the end of the script's log.
  Status Start();
  // Stops every daemon (the S3 port then refuses connections). Objects do not survive a
  // restart (the OSD keeps them in memory); the bucket is made again by Start().
  Status Stop();
  // SIGKILLs the S3 daemon (radosgw) alone, as a crash would, and returns once it is gone; the
  // monitor and the OSD keep running, so the objects stay, and Start() brings the gateway back.
  Status KillGateway();

  // Before the first Start: a lifecycle "day" lasts `seconds` on this server, and lifecycle
  // rules are applied that often (Ceph's rgw_lc_debug_interval), so expiry can be tested.
  void set_lifecycle_day_seconds(int seconds) { lifecycle_day_seconds_ = seconds; }

  // Before the first Start: what the in-memory OSD holds before it is full (and writes wait);
  // the script's default is 2 GiB, which ten minutes of the soak outgrow.
  void set_store_bytes(int64_t bytes) { store_bytes_ = bytes; }

  const RgwEndpoint& endpoint() const { return endpoint_; }
  const std::string& dir() const { return dir_; }

 private:
  int s3_port_;
  int mon_port_;
  std::string dir_;
  RgwEndpoint endpoint_;
  bool started_once_ = false;
  int lifecycle_day_seconds_ = 0;  // 0: Ceph's default, a real day
  int64_t store_bytes_ = 0;        // 0: the script's default
};

}  // namespace swha::testing
