// A throw-away Ceph RADOS Gateway for tests (scripts/s3-test-server.sh, docs/s3-test-server.md):
// a real S3 server on 127.0.0.1 that checks SigV4 signatures and presigned-URL expiry. A suite
// starts one in SetUpTestSuite and stops it in TearDownTestSuite; if it cannot start, the
// suite's tests fail (CI never skips S3). Each suite uses its own fixed ports so suites can run
// in parallel beside a developer's own test cluster.
#pragma once

#include <string>

#include "util/status.h"

namespace swha::testing {

// What the script prints on its last stdout line once the gateway is up.
struct S3TestServerEnv {
  std::string endpoint_url;  // http://127.0.0.1:<port>
  std::string access_key_id;
  std::string secret_access_key;
  std::string bucket;
};

// Not thread-safe; one owner. The destructor stops the gateway and removes its directory.
class S3TestServer {
 public:
  S3TestServer() = default;
  ~S3TestServer() { Stop(); }
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  // Starts a gateway with its data under /tmp/swha-s3t-<name>-<pid> (S3 on 127.0.0.1:s3_port,
  // monitor on mon_port). Takes up to a few minutes the first time (the script may install
  // Ceph). The error carries the end of the script's log.
  Status Start(const std::string& name, int s3_port, int mon_port);
  // Stops the daemons and removes the directory; returns the script's exit code (0 when not
  // started).
  int Stop();

  const S3TestServerEnv& env() const { return env_; }

 private:
  std::string dir_;  // empty until Start
  S3TestServerEnv env_;
};

}  // namespace swha::testing
