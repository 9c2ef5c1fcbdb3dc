#include "app/doctor_command.h"

#include <cstdio>
#include <memory>
#include <string_view>

#include "app/lipsync_stack.h"
#include "app/s3_commands.h"
#include "app/service.h"
#include "audio/encoder.h"
#include "audio/format.h"
#include "storage/http_transport.h"
#include "tts/engine.h"
#include "tts/voice_catalog.h"
#include "util/clock.h"
#include "util/crypto.h"

namespace swha::app {
namespace {

constexpr std::string_view kConfiguration = "configuration";
constexpr std::string_view kSpeechEngine = "speech engine";
constexpr std::string_view kAudioFormats = "audio formats";
constexpr std::string_view kAudioDirectory = "audio directory";
constexpr std::string_view kCatalog = "catalog";
constexpr std::string_view kS3 = "S3";
constexpr std::string_view kUpstream = "upstream TTS";
constexpr std::string_view kSync = "sync.so";

// A job id sync.so cannot have: asking for it costs nothing and needs a valid key.
constexpr std::string_view kSyncProbeJob = "swha-doctor-probe";

CheckResult Pass(std::string detail) { return {CheckOutcome::kPass, std::move(detail)}; }
CheckResult Fail(std::string detail) { return {CheckOutcome::kFail, std::move(detail)}; }
CheckResult Skip(std::string detail) { return {CheckOutcome::kSkip, std::move(detail)}; }

std::string Seconds(const Stopwatch& watch) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f s", watch.ElapsedSeconds());
  return buf;
}

// A short word in each language's own script; digits for a language added later.
std::string_view WordFor(char language_code) {
  switch (language_code) {
    case 'a':
    case 'b': return "Hello.";
    case 'e': return "Hola.";
    case 'f': return "Bonjour.";
    case 'h': return "नमस्ते।";
    case 'i': return "Ciao.";
    case 'j': return "こんにちは。";
    case 'p': return "Olá.";
    case 'z': return "你好。";
    default: return "1 2 3.";
  }
}

// The first voice of `language`, as the engine is asked for it.
tts::VoiceSelection SelectionFor(const tts::Language& language) {
  tts::VoiceSelection selection{.language_code = language.code};
  for (const tts::Voice& voice : tts::AllVoices()) {
    if (voice.language_code != language.code) continue;
    selection.espeak_voice = tts::EspeakVoiceName(language, voice);
    selection.kokoro_voice = std::string(voice.name);
    return selection;
  }
  selection.espeak_voice = std::string(language.espeak);
  return selection;
}

// Speaks `language`'s word; why not, or "" when there was audio.
std::string SpeakOneWord(tts::Engine* engine, const tts::Language& language, double* seconds) {
  const tts::VoiceSelection voice = SelectionFor(language);
  Result<tts::PcmAudio> audio = engine->Synthesize(WordFor(language.code), voice, {});
  if (!audio.ok()) return audio.status().message();
  if (audio->samples.empty()) return "no audio";
  *seconds += audio->DurationSeconds();
  return "";
}

std::string_view OutcomeName(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kPass: return "PASS";
    case CheckOutcome::kFail: return "FAIL";
    case CheckOutcome::kSkip: return "SKIP";
  }
  return "FAIL";
}

void Print(std::ostream* out, std::string_view check, const CheckResult& result) {
  *out << OutcomeName(result.outcome) << ' ' << check << ": " << result.detail << '\n';
  out->flush();
}

std::string ConfigurationSummary(const config::Settings& s) {
  std::string catalog = config::IsPostgresUrl(s.database_url) ? "PostgreSQL" : "SQLite";
  return "valid; TTS_ENGINE=" + s.tts.engine + ", audio in " + s.audio_dir +
         (s.s3.use_s3_storage ? " and S3 bucket " + s.s3.bucket_name : "") + ", " + catalog +
         " catalog";
}

}  // namespace

CheckResult CheckSpeechEngine(const config::Settings& /*settings*/) {
  // espeak-ng whatever TTS_ENGINE says: an upstream engine phonemizes and times with it too.
  Stopwatch watch;
  auto engine = tts::CreateEspeakEngine({.type = tts::EngineType::kEspeakNg, .threads = 1});
  if (!engine.ok()) return Fail("espeak-ng did not load: " + engine.status().message());
  double seconds = 0;
  std::string codes;
  for (const tts::Language& language : tts::AllLanguages()) {
    const std::string problem = SpeakOneWord(engine->get(), language, &seconds);
    if (!problem.empty()) {
      return Fail("espeak-ng could not speak " + std::string(language.name) + " (" +
                  std::string(language.espeak) + "): " + problem);
    }
    codes += (codes.empty() ? "" : " ") + std::string(1, language.code);
  }
  char audio[32];
  std::snprintf(audio, sizeof(audio), "%.2f s", seconds);
  return Pass("espeak-ng spoke a word in each of " + std::to_string(tts::AllLanguages().size()) +
              " languages (" + codes + "): " + audio + " of audio in " + Seconds(watch));
}

// Every format encodes a moment of silence: AAC's libavcodec is loaded at its first use, so a
// missing one would otherwise show only when a client asks for AAC.
CheckResult CheckAudioFormats() {
  const std::vector<int16_t> silence(480, 0);
  std::string names;
  for (const audio::FormatInfo& info : audio::AllFormats()) {
    auto encoded = audio::EncodeAudio(info.format, silence, 24000);
    if (!encoded.ok()) {
      return Fail(std::string(info.name) + " cannot be encoded: " + encoded.status().message());
    }
    names += names.empty() ? "" : ", ";
    names += info.name;
  }
  return Pass("each format encodes (" + names + ")");
}

CheckResult CheckAudioDirectory(const config::Settings& settings, FileSystem* fs) {
  const std::string& dir = settings.audio_dir;
  // What StorageStack::Create does first at start-up.
  if (Status made = fs->CreateDirs(dir); !made.ok()) {
    return Fail("AUDIO_DIR " + dir + " cannot be created: " + made.message());
  }
  const std::string probe = JoinPath(dir, ".swha-doctor-" + crypto::RandomHex(8));
  if (Status written = fs->CreateFileExclusive(probe, "swha-tts doctor\n", Durability::kSync);
      !written.ok()) {
    return Fail("AUDIO_DIR " + dir + " is not writable: " + written.message());
  }
  if (Status removed = fs->RemoveFile(probe); !removed.ok()) {
    return Fail("AUDIO_DIR " + dir +
                ": a test file was written but cannot be removed: " + removed.message());
  }
  return Pass(dir + " is writable (a test file was created and removed)");
}

CheckResult CheckCatalog(const config::Settings& settings) {
  const bool postgres = config::IsPostgresUrl(settings.database_url);
  const std::string where = postgres
                                ? "PostgreSQL " + config::RedactDatabaseUrl(settings.database_url)
                                : "SQLite at " + SqliteCatalogPath(settings);
  Stopwatch watch;
  // Opening is what `serve` does: connect, migrate what is behind, refuse a newer schema.
  auto catalog = OpenCatalog(settings);
  if (!catalog.ok()) return Fail(where + ": " + catalog.status().message());
  // A read through the migrated tables proves they answer, not just the connection.
  if (auto users = (*catalog)->ListUsers(0, 1); !users.ok()) {
    return Fail(where + ": " + users.status().message());
  }
  return Pass(where + ", schema version " + std::to_string(catalog::LatestSchemaVersion()) +
              " (this binary's), answered in " + Seconds(watch));
}

CheckResult CheckS3RoundTrip(const config::Settings& settings, FileSystem* fs) {
  const config::S3Settings& s3 = settings.s3;
  if (!s3.use_s3_storage) return Skip("USE_S3_STORAGE is false");
  std::unique_ptr<storage::HttpTransport> transport = CreateToolTransport(s3);
  const S3ToolEnv env{
      .transport = transport.get(), .clock = Clock::Real(), .fs = fs, .retry = ToolRetryPolicy()};
  const std::string where =
      "bucket " + s3.bucket_name + " at " +
      (s3.endpoint_url.empty() ? "AWS " + s3.region : storage::RedactUrl(s3.endpoint_url));
  auto client = CreateToolClient(s3, env);
  if (!client.ok()) return Fail(where + ": " + client.status().message());
  const storage::S3Client& bucket = **client;
  const std::string key = "doctor/" + crypto::RandomHex(8) + ".txt";
  const std::string body = "swha-tts doctor " + crypto::RandomHex(16) + "\n";
  Stopwatch watch;
  if (Status put = bucket.PutObject(key, body, "text/plain"); !put.ok()) {
    return Fail(where + ": PUT " + key + ": " + put.message());
  }
  // Whatever GET says, the object is deleted again.
  Result<std::string> got = bucket.GetObject(key);
  const Status deleted = bucket.DeleteObject(key);
  if (!got.ok()) return Fail(where + ": GET " + key + ": " + got.status().message());
  if (*got != body) {
    return Fail(where + ": GET " + key + " returned " + std::to_string(got->size()) +
                " bytes that differ from the " + std::to_string(body.size()) + " uploaded");
  }
  if (!deleted.ok()) return Fail(where + ": DELETE " + key + ": " + deleted.message());
  return Pass(where + ": PUT, GET (the same " + std::to_string(body.size()) + " bytes), DELETE " +
              key + " in " + Seconds(watch));
}

CheckResult CheckUpstreamEngine(const config::Settings& settings) {
  if (!settings.tts.upstream()) return Skip("TTS_ENGINE is " + settings.tts.engine);
  const std::string where = storage::RedactUrl(settings.tts.upstream_url) + " (model " +
                            settings.tts.upstream_model + ")";
  Stopwatch watch;
  auto engine = tts::CreateEngine(EngineConfigOf(settings));
  if (!engine.ok()) return Fail(where + ": " + engine.status().message());
  const tts::Language& english = tts::AllLanguages().front();
  Result<tts::PcmAudio> audio =
      (*engine)->Synthesize(WordFor(english.code), SelectionFor(english), {});
  if (!audio.ok()) return Fail(where + ": " + audio.status().message());
  if (audio->samples.empty()) return Fail(where + ": answered with no audio");
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2f s", audio->DurationSeconds());
  return Pass(where + " spoke a word: " + seconds + " of audio in " + Seconds(watch));
}

CheckResult CheckSyncApi(const config::Settings& settings) {
  if (settings.sync_api_key.empty()) return Skip("SYNC_API_KEY is not set");
  auto sync = ConnectSync(settings);
  if (!sync.ok()) return Fail(sync.status().message());
  const std::string request =
      "GET " + sync->config.base_url + "/v2/generate/" + std::string(kSyncProbeJob);
  Stopwatch watch;
  Result<lipsync::ProviderJob> job = sync->provider->Get(settings.sync_api_key, kSyncProbeJob);
  // Not found is the answer expected: the key was accepted and there is no such job.
  if (job.ok() || job.status().code() == StatusCode::kNotFound) {
    return Pass(request + " answered (API key accepted) in " + Seconds(watch));
  }
  return Fail(request + ": " + job.status().message());
}

int RunDoctor(const config::Settings& settings, FileSystem* fs, std::ostream* out) {
  bool failed = false;
  auto report = [&](std::string_view check, const CheckResult& result) {
    failed = failed || result.outcome == CheckOutcome::kFail;
    Print(out, check, result);
  };
  report(kConfiguration, Pass(ConfigurationSummary(settings)));
  report(kSpeechEngine, CheckSpeechEngine(settings));
  report(kAudioFormats, CheckAudioFormats());
  report(kAudioDirectory, CheckAudioDirectory(settings, fs));
  report(kCatalog, CheckCatalog(settings));
  report(kS3, CheckS3RoundTrip(settings, fs));
  report(kUpstream, CheckUpstreamEngine(settings));
  report(kSync, CheckSyncApi(settings));
  return failed ? 1 : 0;
}

int ReportDoctorConfigurationError(const Status& error, std::ostream* out) {
  Print(out, kConfiguration, Fail(error.message()));
  for (std::string_view check :
       {kSpeechEngine, kAudioFormats, kAudioDirectory, kCatalog, kS3, kUpstream, kSync}) {
    Print(out, check, Skip("the configuration failed"));
  }
  return 1;
}

}  // namespace swha::app
