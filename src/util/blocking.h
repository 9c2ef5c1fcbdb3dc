// A stretch in which the current thread waits for something outside the process (a lipsync
// job to finish) instead of working. The thread pool that runs request handlers registers hooks
// for its threads (http/server.cc), so that it can put another thread to work for the
// duration: a waiting request then never takes a worker from the others. Elsewhere (the CLI,
// tests) entering a region does nothing.
#pragma once

namespace swha {

class BlockingRegion {
 public:
  BlockingRegion();
  ~BlockingRegion();
  BlockingRegion(const BlockingRegion&) = delete;
  BlockingRegion& operator=(const BlockingRegion&) = delete;

  struct Hooks {
    // Returns whether the region was taken note of; `leave` is called only if it was.
    bool (*enter)(void* arg) = nullptr;
    void (*leave)(void* arg) = nullptr;
    void* arg = nullptr;
  };
  // Sets the current thread's hooks (empty Hooks to clear them).
  static void SetThreadHooks(Hooks hooks);

 private:
  Hooks hooks_;  // those in force when the region was entered
  bool entered_ = false;
};

}  // namespace swha
