// sync.so's webhook signatures (lipsync/webhook_signature.h): any header is checked without a
// crash; a signature made now verifies, one made outside the window or over another body
// does not.
#include <string>

#include "fuzz/fuzz_input.h"
#include "lipsync/webhook_signature.h"

namespace {

constexpr std::string_view kSecret = "whsec_fuzzing";
constexpr int64_t kNow = 1'800'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  const uint8_t mode = input.TakeByte();
  if (mode % 2 == 0) {
    const std::string_view header = input.TakePart();
    const std::string_view body = input.Rest();
    const swha::Status status = swha::lipsync::VerifyWebhookSignature(header, body, kSecret, kNow);
    FUZZ_CHECK(status.ok() || status.code() == swha::StatusCode::kBadRequest);
    return 0;
  }
  // The signing time, -640..+635 s from now in 5 s steps: inside and outside the window.
  const int64_t offset = (static_cast<int64_t>(input.TakeByte()) - 128) * 5;
  const std::string body(input.Rest());
  const std::string header = swha::lipsync::SignWebhook(kSecret, kNow + offset, body);
  const bool in_window = offset >= -swha::lipsync::kWebhookToleranceSeconds &&
                         offset <= swha::lipsync::kWebhookToleranceSeconds;
  FUZZ_CHECK(swha::lipsync::VerifyWebhookSignature(header, body, kSecret, kNow).ok() == in_window);
  FUZZ_CHECK(!swha::lipsync::VerifyWebhookSignature(header, body + "x", kSecret, kNow).ok());
  FUZZ_CHECK(!swha::lipsync::VerifyWebhookSignature(header, body, "another secret", kNow).ok());
  return 0;
}
