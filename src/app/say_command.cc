#include "app/say_command.h"

#include <spdlog/fmt/fmt.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <vector>

#include "app/service.h"
#include "audio/encoder.h"
#include "storage/session_id.h"
#include "tts/marks.h"
#include "tts/wav.h"
#include "util/file_system.h"

namespace swha::app {
namespace {

// Width of the progress bar, in characters: with its figures the line stays within 80 columns
// (a longer one wraps, and each redraw would leave a line behind).
constexpr int kProgressBarWidth = 20;
// Plain progress lines (a pipe, a log) come at most this often, and with the last segment.
constexpr double kProgressLineSeconds = 1.0;

using SteadyClock = std::chrono::steady_clock;

std::string Clock(double seconds) {
  const auto whole = static_cast<int64_t>(std::lround(seconds));
  return whole >= 3600 ? fmt::format("{}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60)
                       : fmt::format("{}:{:02}", whole / 60, whole % 60);
}

// Segments done out of the total, audio made, how much faster than real time, and when it
// should end: a bar redrawn in place on a terminal, else a line now and then.
class Progress {
 public:
  Progress(std::ostream* err, bool bar, size_t total)
      : err_(err), bar_(bar), total_(total), start_(SteadyClock::now()) {}

  void Update(size_t done, double audio_seconds) {
    const double elapsed = Seconds(start_);
    const bool last = done == total_;
    if (!bar_ && !last && done > 0 && Seconds(last_line_) < kProgressLineSeconds) return;
    last_line_ = SteadyClock::now();
    const double rate = elapsed > 0 ? audio_seconds / elapsed : 0;
    const std::string eta =
        done == 0 ? "--:--"
                  : Clock(elapsed / static_cast<double>(done) * static_cast<double>(total_ - done));
    if (!bar_) {
      *err_ << fmt::format("say: {}/{} segments, {:.1f} s of audio, {:.1f}x real time, ETA {}\n",
                           done, total_, audio_seconds, rate, eta)
            << std::flush;
      return;
    }
    const std::string figures = fmt::format("{}/{} segments {}s {:.1f}x ETA {}", done, total_,
                                            Clock(audio_seconds), rate, eta);
    const int filled = static_cast<int>(kProgressBarWidth * done / std::max<size_t>(total_, 1));
    *err_ << "\r[" << std::string(filled, '#') << std::string(kProgressBarWidth - filled, '.')
          << "] " << figures << "  " << std::flush;
    if (last) *err_ << "\n";
  }
  // Ends a bar left mid-line (an interrupt, a failure).
  void Abandon() {
    if (bar_) *err_ << "\n";
  }

 private:
  static double Seconds(SteadyClock::time_point since) {
    return std::chrono::duration<double>(SteadyClock::now() - since).count();
  }

  std::ostream* err_;
  const bool bar_;
  const size_t total_;
  const SteadyClock::time_point start_;
  SteadyClock::time_point last_line_{};
};

// Where the audio goes: one file written as it comes (committed at the end), or one file per
// segment.
class AudioOutput {
 public:
  static Result<std::unique_ptr<AudioOutput>> Open(const SayOptions& options,
                                                   audio::AudioFormat format) {
    auto out = std::unique_ptr<AudioOutput>(new AudioOutput(options, format));
    FileSystem* fs = FileSystem::Default();
    if (!options.split_dir.empty()) {
      // Into a directory of our own making or without segment files: the files there are then
      // this run's, all of them, and can be removed again if it does not finish.
      if (auto listed = fs->ListDir(options.split_dir); listed.ok()) {
        for (const DirEntry& entry : *listed) {
          if (storage::IsValidStoredFilename(entry.name)) {
            return Status::AlreadyExists(options.split_dir + " already holds segment files (" +
                                         entry.name + "); choose an empty directory");
          }
        }
      } else {
        out->made_split_dir_ = true;
      }
      SWHA_RETURN_IF_ERROR(fs->CreateDirs(options.split_dir));
    } else {
      SWHA_ASSIGN_OR_RETURN(
          out->file_, fs->CreatePendingFile(options.output, {.durability = Durability::kSync}));
    }
    return out;
  }

  // Unless finished: the segment files written so far go again (the one file's temporary
  // name goes with its PendingFile).
  ~AudioOutput() {
    if (finished_) return;
    FileSystem* fs = FileSystem::Default();
    for (const std::string& name : written_)
      (void)fs->RemoveFile(JoinPath(options_.split_dir, name));
    if (made_split_dir_) (void)fs->RemoveDir(options_.split_dir);
  }
  AudioOutput(const AudioOutput&) = delete;
  AudioOutput& operator=(const AudioOutput&) = delete;

  Status Add(int index, const tts::PcmAudio& pcm) {
    if (!options_.split_dir.empty()) {
      SWHA_ASSIGN_OR_RETURN(std::string bytes,
                            audio::EncodeAudio(format_, pcm.samples, pcm.sample_rate));
      const std::string name = storage::SegmentFilename(index, format_);
      SWHA_RETURN_IF_ERROR(FileSystem::Default()->WriteFileAtomic(
          JoinPath(options_.split_dir, name), bytes, Durability::kNoSync));
      written_.push_back(name);
      return Status::Ok();
    }
    if (encoder_ == nullptr) {
      sample_rate_ = pcm.sample_rate;
      // WAV and raw PCM go out as they come (WAV's sizes written into its header at the end);
      // the other formats keep their encoded bytes (MP3, Opus, AAC: a tenth of the PCM; FLAC:
      // about half) until Finish fills in their own headers (FLAC's sample count, MP3's
      // gapless tag).
      SWHA_ASSIGN_OR_RETURN(
          encoder_,
          audio::CreateEncoder({.format = format_,
                                .sample_rate = sample_rate_,
                                .streaming = IsWav() || format_ == audio::AudioFormat::kPcm}));
    }
    if (pcm.sample_rate != sample_rate_) {
      return Status::Internal("the engine changed its sample rate within one text");
    }
    pcm_bytes_ += pcm.samples.size() * sizeof(int16_t);
    if (IsWav() && pcm_bytes_ > tts::kMaxWavDataBytes) {
      return Status::TooLarge(
          "the audio is longer than a WAV file can hold (4 GiB); use --split "
          "or another --format");
    }
    SWHA_ASSIGN_OR_RETURN(std::string bytes, encoder_->Write(pcm.samples));
    return file_->Append(bytes);
  }

  // The files written, by name, for the summary line.
  Result<std::string> Finish() {
    if (!options_.split_dir.empty()) {
      finished_ = true;
      return fmt::format("{} files in {}", written_.size(), options_.split_dir);
    }
    SWHA_ASSIGN_OR_RETURN(std::string rest, encoder_->Finish());
    SWHA_RETURN_IF_ERROR(file_->Append(rest));
    if (IsWav()) {
      SWHA_RETURN_IF_ERROR(
          file_->WriteAt(0, tts::WavHeader(static_cast<uint32_t>(pcm_bytes_), sample_rate_, 1)));
    }
    SWHA_RETURN_IF_ERROR(file_->Commit());
    finished_ = true;
    return options_.output;
  }

 private:
  AudioOutput(const SayOptions& options, audio::AudioFormat format)
      : options_(options), format_(format) {}
  bool IsWav() const { return format_ == audio::AudioFormat::kWav; }

  const SayOptions& options_;
  const audio::AudioFormat format_;
  std::unique_ptr<PendingFile> file_;  // one file: written to its temporary name as it comes
  std::unique_ptr<audio::Encoder> encoder_;
  int sample_rate_ = 0;
  uint64_t pcm_bytes_ = 0;
  std::vector<std::string> written_;  // --split: the names written
  bool made_split_dir_ = false;       // --split: the directory did not exist before
  bool finished_ = false;
};

int Failed(std::ostream* err, const Status& s) { return ReportCommandFailure("say", s, err); }

}  // namespace

int ReportCommandFailure(std::string_view command, const Status& s, std::ostream* err) {
  *err << "swha-tts " << command << ": "
       << (s.field().empty() ? s.message() : s.field() + ": " + s.message()) << "\n";
  return 1;
}

Result<std::string> ReadTextInput(const std::string& path) {
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return Status::NotFound("cannot read " + path + ": " + std::strerror(errno));
  }
  std::istream& in = path == "-" ? std::cin : file;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Status::IOError("reading " + (path == "-" ? "stdin" : path) + " failed");
  return text;
}

int RunSay(const config::Settings& settings, SayOptions options, const std::atomic<bool>& stop,
           std::ostream* out, std::ostream* err) {
  if (!options.input_path.empty()) {
    auto text = ReadTextInput(options.input_path);
    if (!text.ok()) return Failed(err, text.status());
    options.request.text = std::move(*text);
  }
  options.request.want_events = !options.marks_path.empty();
  const audio::AudioFormat format = options.format.value_or(
      audio::FormatOfFileName(options.output).value_or(audio::AudioFormat::kWav));

  tts::EngineConfig engine_config = EngineConfigOf(settings);
  engine_config.threads = 1;  // one segment at a time (an upstream renders several itself)
  auto engine = tts::CreateEngine(engine_config);
  if (!engine.ok()) return Failed(err, engine.status());
  const tts::Synthesizer synthesizer(engine->get());
  auto plan = synthesizer.Plan(options.request);
  if (!plan.ok()) return Failed(err, plan.status());

  auto output = AudioOutput::Open(options, format);
  if (!output.ok()) return Failed(err, output.status());
  std::unique_ptr<PendingFile> marks;
  if (!options.marks_path.empty()) {
    auto opened = FileSystem::Default()->CreatePendingFile(options.marks_path,
                                                           {.durability = Durability::kSync});
    if (!opened.ok()) return Failed(err, opened.status());
    marks = std::move(*opened);
  }

  Progress progress(err, options.progress_bar, plan->segments.size());
  progress.Update(0, 0);
  tts::SegmentRenderer renderer(&synthesizer, &*plan, 0);
  double audio_seconds = 0;
  for (size_t i = 0; i < plan->segments.size(); ++i) {
    if (stop.load()) {
      progress.Abandon();
      *err << "swha-tts say: interrupted after " << i << " of " << plan->segments.size()
           << " segments; no output file written\n";
      return 130;
    }
    auto pcm = renderer.Next();
    Status added = pcm.ok() ? (*output)->Add(static_cast<int>(i), *pcm) : pcm.status();
    if (added.ok() && marks != nullptr) {
      // Polly's JSON lines, timed from the start of the whole output; offsets stay in the
      // segment's own text, which "segment" numbers.
      const auto offset_ms = static_cast<int64_t>(std::lround(audio_seconds * 1000));
      const std::string lines = tts::MarksToJsonLines(
          tts::MarksOfSegment(plan->segments[i].graphemes, *pcm, options.request.language_code),
          static_cast<int>(i), offset_ms);
      added = marks->Append(lines);
    }
    if (!added.ok()) {
      progress.Abandon();
      return Failed(err, added);
    }
    audio_seconds += pcm->DurationSeconds();
    progress.Update(i + 1, audio_seconds);
  }
  if (stop.load()) {  // during the last segment: still nothing written
    *err << "swha-tts say: interrupted; no output file written\n";
    return 130;
  }
  auto written = (*output)->Finish();
  if (!written.ok()) return Failed(err, written.status());
  if (marks != nullptr) {
    if (Status s = marks->Commit(); !s.ok()) return Failed(err, s);
  }
  *out << fmt::format("wrote {}: {} segment(s), {:.2f} s\n", *written, plan->segments.size(),
                      audio_seconds);
  return 0;
}

}  // namespace swha::app
