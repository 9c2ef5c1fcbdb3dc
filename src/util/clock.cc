#include "util/clock.h"

namespace swha {
namespace {

class RealClock : public Clock {
 public:
  int64_t NowUnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* clock = new RealClock();  // intentionally leaked: usable during shutdown
  return clock;
}

}  // namespace swha
