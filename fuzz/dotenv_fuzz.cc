// The .env parser (config/dotenv.h) and the AWS shared config and credentials files
// (aws/config_files.h): never a crash, and an error never quotes the file, which holds secrets.
#include <string>

#include "aws/config_files.h"
#include "config/dotenv.h"
#include "fuzz/fuzz_input.h"

namespace {

// Seeds put this marker in values; a message that repeats it has quoted a secret.
constexpr std::string_view kSecretMarker = "s3cr3t";
constexpr std::string_view kNameCharacters =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

void CheckQuotesNothing(const swha::Status& status) {
  FUZZ_CHECK(status.message().find(kSecretMarker) == std::string::npos);
  FUZZ_CHECK(status.message().starts_with("line "));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  const uint8_t which = input.TakeByte();
  const std::string_view text = input.Rest();
  if (which % 3 == 0) {
    auto env = swha::config::ParseDotEnv(text);
    if (!env.ok()) {
      CheckQuotesNothing(env.status());
      return 0;
    }
    for (const auto& [key, value] : *env) {
      // Names as a shell spells them: [A-Za-z_][A-Za-z0-9_]*.
      FUZZ_CHECK(!key.empty() && (key[0] < '0' || key[0] > '9'));
      FUZZ_CHECK(key.find_first_not_of(kNameCharacters) == std::string::npos);
    }
    return 0;
  }
  const auto kind =
      which % 3 == 1 ? swha::aws::AwsFileKind::kConfig : swha::aws::AwsFileKind::kCredentials;
  auto profiles = swha::aws::ParseAwsFile(text, kind);
  if (!profiles.ok()) CheckQuotesNothing(profiles.status());
  return 0;
}
