// Where an S3 client gets the credentials it signs with. Static keys never change; temporary
// ones (an instance role, AssumeRole, web identity) are replaced before they expire by whoever
// implements this interface (aws/refreshing_credentials.h), while clients keep signing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "storage/sigv4.h"
#include "util/status.h"

namespace swha::storage {

// One set of credentials as handed out, never changed afterwards: a new set is a new snapshot,
// so a client can tell by pointer whether the credentials it signed with last are still current.
struct CredentialsSnapshot {
  AwsCredentials credentials;
  // Unix seconds after which the credentials no longer sign; nullopt for long-term keys.
  std::optional<int64_t> expires_at_unix;
};

// Thread-safe.
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  // The credentials to sign with now. Never null, never blocks on a refresh: while a refresh
  // fails, the last good credentials are returned, even once expired (S3 then says so).
  virtual std::shared_ptr<const CredentialsSnapshot> Current() const = 0;
  // Whether `held` (which the caller keeps alive) is what Current() returns now. Overridden to
  // compare without touching reference counts: a client asks this once per signature.
  virtual bool IsCurrent(const CredentialsSnapshot& held) const { return Current().get() == &held; }
  // Why the last attempt to get newer credentials failed, or OK (static keys: always OK).
  virtual Status LastError() const { return Status::Ok(); }
};

// Long-term keys: the same snapshot for ever.
class StaticCredentialsSource : public CredentialsSource {
 public:
  explicit StaticCredentialsSource(AwsCredentials credentials,
                                   std::optional<int64_t> expires_at_unix = std::nullopt)
      : snapshot_(std::make_shared<const CredentialsSnapshot>(
            CredentialsSnapshot{std::move(credentials), expires_at_unix})) {}
  std::shared_ptr<const CredentialsSnapshot> Current() const override { return snapshot_; }
  bool IsCurrent(const CredentialsSnapshot& held) const override {
    return snapshot_.get() == &held;
  }

 private:
  const std::shared_ptr<const CredentialsSnapshot> snapshot_;
};

}  // namespace swha::storage
