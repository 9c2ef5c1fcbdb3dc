#include "util/blocking.h"

namespace swha {
namespace {

thread_local BlockingRegion::Hooks thread_hooks;

}  // namespace

BlockingRegion::BlockingRegion() : hooks_(thread_hooks) {
  if (hooks_.enter != nullptr) entered_ = hooks_.enter(hooks_.arg);
}

BlockingRegion::~BlockingRegion() {
  if (entered_ && hooks_.leave != nullptr) hooks_.leave(hooks_.arg);
}

void BlockingRegion::SetThreadHooks(Hooks hooks) { thread_hooks = hooks; }

}  // namespace swha
