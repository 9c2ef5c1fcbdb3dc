// `swha-tts say`: a text of any length (a chapter, a book) to one audio file, or one file per
// segment, with the configured engine and no server, storage or catalog. Segments are rendered
// in order (an upstream engine's several at once, tts::SegmentRenderer) and encoded as they
// come; progress goes to stderr; an interrupt leaves no partial output behind.
#pragma once

#include <atomic>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "audio/format.h"
#include "config/settings.h"
#include "tts/synthesizer.h"

namespace swha::app {

struct SayOptions {
  tts::SynthesisRequest request;  // its text is the input's
  std::string input_path;         // --input: a file, or "-" for stdin; "" when text is given
  std::string output = "out.wav";
  // --format; nullopt: by the output's extension (WAV for any other name).
  std::optional<audio::AudioFormat> format;
  std::string marks_path;  // --marks: Polly speech marks (JSON lines) for the whole output
  std::string split_dir;   // --split: segment_NNN.<ext> per segment instead of one file
  // How progress is shown: a bar redrawn in place (a terminal) or plain lines (a pipe, a log).
  bool progress_bar = false;
};

// One line on `err`, "swha-tts <command>: [<field>: ]<message>"; returns 1, the exit status.
int ReportCommandFailure(std::string_view command, const Status& s, std::ostream* err);

// The text of --input: a file (symlinks and pipes too), or stdin for "-".
Result<std::string> ReadTextInput(const std::string& path);

// Exit status: 0 written; 1 a failure (one line on `err`); 130 interrupted (`stop` became
// true). Either way short of 0, nothing is left under the output's names (with --split, the
// segment files written so far are removed again).
int RunSay(const config::Settings& settings, SayOptions options, const std::atomic<bool>& stop,
           std::ostream* out, std::ostream* err);

}  // namespace swha::app
