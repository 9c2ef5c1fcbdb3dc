// Where a library-backed encoder's output collects: handed out as it comes when streaming,
// all at once at the end when writing a whole file. Internal to src/audio.
#pragma once

#include <string>
#include <utility>

namespace swha::audio {

class EncodedBytes {
 public:
  explicit EncodedBytes(bool streaming) : streaming_(streaming) {}

  bool streaming() const { return streaming_; }
  std::string& buffer() { return bytes_; }
  void Append(const void* data, size_t length) {
    bytes_.append(static_cast<const char*>(data), length);
  }
  // Streaming: everything so far; whole file: "" (it is kept for TakeAll()).
  std::string TakeReady() { return streaming_ ? TakeAll() : std::string(); }
  std::string TakeAll() { return std::exchange(bytes_, std::string()); }

 private:
  const bool streaming_;
  std::string bytes_;
};

}  // namespace swha::audio
