// swha-tts: the service and its command-line tools in one binary.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "app/catalog_commands.h"
#include "app/completion.h"
#include "app/doctor_command.h"
#include "app/generate_command.h"
#include "app/lipsync_commands.h"
#include "app/s3_commands.h"
#include "app/s3_lifecycle_commands.h"
#include "app/say_command.h"
#include "app/service.h"
#include "app/user_commands.h"
#include "audio/encoder.h"
#include "config/dotenv.h"
#include "config/settings.h"
#include "config/settings_table.h"
#include "service/catalog_check.h"
#include "storage/limits.h"
#include "tts/voice_catalog.h"
#include "util/file_system.h"

namespace swha {
namespace {

// Environment, then .env in the working directory (the environment wins), then validation.
Result<config::Settings> LoadConfiguration() {
  FileSystem* fs = FileSystem::Default();
  config::EnvMap dotenv;
  SWHA_ASSIGN_OR_RETURN(dotenv, config::ReadDotEnvFile(fs, ".env"));
  return config::LoadSettings(config::MergeEnvironment(config::ProcessEnvironment(), dotenv));
}

void ConfigureLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("swha");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

int Fail(const Status& s) {
  std::fprintf(stderr, "swha-tts: %s\n", s.message().c_str());
  return 1;
}

// What RunServe shares with its signal thread.
struct ShutdownState {
  std::mutex mu;
  app::Service* service = nullptr;  // guarded by mu; null once Serve() has returned
  std::atomic<bool> done{false};    // the service is gone: nothing is left to wait for
};

// The first signal starts a drain: no new connections, what is in flight finishes, background
// work stops. The process then exits 0 (RunServe returns), or 1 here if SHUTDOWN_GRACE_SECONDS
// run out first or a second signal comes (an operator who presses Ctrl-C twice means it). A
// signal that came during start-up is pending and starts the drain at once; a Stop() before
// Serve() is not lost (HttpServer::Stop).
void WatchShutdownSignals(sigset_t signals, int grace_seconds, ShutdownState* state) {
  int sig = 0;
  sigwait(&signals, &sig);
  if (state->done.load()) return;  // RunServe's wake-up: it stopped on its own
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
  spdlog::info("signal {} received: shutting down, finishing what is in flight (up to {} s)", sig,
               grace_seconds);
  {
    std::lock_guard<std::mutex> lock(state->mu);
    if (state->service != nullptr) state->service->Stop();
  }
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
    if (left.count() <= 0) {
      spdlog::error("shutdown: SHUTDOWN_GRACE_SECONDS ({} s) ran out with work in flight; exiting",
                    grace_seconds);
      break;
    }
    const timespec wait{static_cast<time_t>(left.count() / 1'000'000'000),
                        static_cast<long>(left.count() % 1'000'000'000)};
    const int got = sigtimedwait(&signals, nullptr, &wait);
    if (state->done.load()) return;
    if (got > 0) {
      spdlog::warn("signal {} received again: exiting without waiting", got);
      break;
    }
    // EAGAIN (the deadline) or EINTR: the loop's top decides.
  }
  spdlog::default_logger()->flush();
  // Threads are still inside requests or uploads: no destructor may run under them.
  std::_Exit(1);
}

int RunServe(config::Settings settings, const std::string& host, int port) {
  if (!host.empty()) settings.host = host;
  if (port >= 0) settings.port = port;
  ConfigureLogging(settings.log_level);
  if (Status s = config::EnsureSecretKey(&settings, FileSystem::Default()); !s.ok()) return Fail(s);

  // Signals are taken by one thread with sigwait, so no handler runs inside library code.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto service = app::Service::Create(settings);
  if (!service.ok()) return Fail(service.status());
  auto port_bound = (*service)->Bind();
  if (!port_bound.ok()) return Fail(port_bound.status());
  spdlog::info("swha-tts {} listening on http://{}:{} (storage: {})", SWHA_VERSION, settings.host,
               *port_bound, (*service)->StorageSummary());
  // Machine-readable line for scripts and tests that start us on port 0.
  std::printf("LISTENING %s:%d\n", settings.host.c_str(), *port_bound);
  std::fflush(stdout);

  ShutdownState state;
  state.service = service->get();
  std::thread signal_waiter(WatchShutdownSignals, signals, settings.shutdown_grace_seconds, &state);
  Status served = (*service)->Serve();
  {
    std::lock_guard<std::mutex> lock(state.mu);
    state.service = nullptr;
  }
  // The background work (the upload outbox, session removals, the lipsync poller, credential
  // refreshes) ends here, still under the waiter's deadline if a signal started the shutdown.
  (*service)->Stop();
  service->reset();
  state.done.store(true);
  kill(getpid(), SIGTERM);  // wakes the waiter if we stopped on our own; the signal is blocked
  signal_waiter.join();
  if (!served.ok()) return Fail(served);
  spdlog::info("shut down cleanly");
  return 0;
}

// The poll interval of say's signal thread: how soon it notices that say has finished.
constexpr timespec kSignalPoll{0, 100'000'000};

// `say`, with SIGINT and SIGTERM taken by a thread that asks it to stop between segments (so
// that it can remove what it had not finished writing); then the signal is raised again with
// its default action, so a shell loop around say stops too. A signal the shell had us ignore
// (a background job's SIGINT) stays ignored.
int RunSayCommand(const config::Settings& settings, app::SayOptions options,
                  const std::string& format_name) {
  ConfigureLogging("warn");
  if (options.request.text.empty() == options.input_path.empty()) {
    return Fail(
        Status::InvalidArgument("give the text or --input FILE (- for stdin): one of them"));
  }
  if (!format_name.empty()) {
    auto format = audio::ParseAudioFormat(format_name);
    if (!format.ok()) return Fail(format.status());
    options.format = *format;
  }
  if (!options.input_path.empty()) {  // read first: Ctrl-C while reading just ends the process
    auto text = app::ReadTextInput(options.input_path);
    if (!text.ok()) return Fail(text.status());
    options.request.text = std::move(*text);
    options.input_path.clear();
  }
  options.progress_bar = isatty(STDERR_FILENO) != 0;
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM}) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler != SIG_IGN) {
      sigaddset(&signals, sig);
    }
  }
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<int> caught{0};  // the signal that asked say to stop
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  std::thread signal_waiter([&] {
    while (!done.load()) {
      if (const int sig = sigtimedwait(&signals, nullptr, &kSignalPoll); sig > 0) {
        caught.store(sig);
        stop.store(true);
      }
    }
  });
  int status = 1;
  try {
    status = app::RunSay(settings, std::move(options), stop, &std::cout, &std::cerr);
  } catch (const std::exception& e) {  // the waiter must be joined whatever happens
    std::fprintf(stderr, "swha-tts say: %s\n", e.what());
  }
  done.store(true);
  signal_waiter.join();
  if (const int sig = caught.load(); sig != 0 && status == 130) {
    std::signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
    std::raise(sig);
  }
  return status;
}

int RunVoices() {
  for (const tts::Language& l : tts::AllLanguages()) {
    std::printf("%c  %s\n", l.code, std::string(l.name).c_str());
    for (const tts::Voice& v : tts::AllVoices()) {
      if (v.language_code != l.code) continue;
      std::printf("   %-14s %s\n", std::string(v.name).c_str(),
                  v.gender == tts::Gender::kFemale ? "female" : "male");
    }
  }
  return 0;
}

// The S3 tools' subcommands and what was typed for them.
struct S3Commands {
  CLI::App* s3 = nullptr;
  CLI::App* check = nullptr;
  CLI::App* ls = nullptr;
  CLI::App* info = nullptr;
  CLI::App* rm = nullptr;
  CLI::App* usage = nullptr;
  bool by_user = false;
  bool scan = false;
  CLI::App* presign = nullptr;
  CLI::App* lifecycle = nullptr;
  CLI::App* lifecycle_apply = nullptr;
  CLI::App* lifecycle_remove = nullptr;
  app::LifecycleCommand lifecycle_command;
  std::string prefix;
  std::string key;
  std::optional<std::string> expires;
};

void AddS3Commands(CLI::App* cli, S3Commands* c) {
  c->s3 = cli->add_subcommand(
      "s3", "S3 tools (bucket and credentials from the settings; any USE_S3_STORAGE)");
  c->s3->require_subcommand(1);
  c->check = c->s3->add_subcommand(
      "check", "Test the S3 setup: configuration, bucket, upload, presigned URL, info, cleanup");
  c->ls = c->s3->add_subcommand("ls", "List objects (all pages): last modified, size, key");
  c->ls->add_option("prefix", c->prefix, "Only keys starting with this");
  c->info = c->s3->add_subcommand("info", "Show an object's size, type, date, ETag, metadata");
  c->info->add_option("key", c->key, "Object key")->required();
  c->usage = c->s3->add_subcommand(
      "usage", "Objects, bytes and estimated monthly cost (S3_PRICE_PER_GB_MONTH), per user");
  c->usage->add_flag("--by-user", c->by_user, "One line per user prefix, then the total");
  c->usage->add_flag("--scan", c->scan, "Count a full listing of audio/ instead of the catalog");
  c->lifecycle = c->s3->add_subcommand(
      "lifecycle", "The bucket's lifecycle rules, and swha-tts's expiration rule for a prefix");
  c->lifecycle->require_subcommand(1);
  c->lifecycle->add_subcommand("show", "List the bucket's lifecycle rules");
  c->lifecycle_apply = c->lifecycle->add_subcommand(
      "apply", "Expire objects under a prefix after N days (other rules are kept)");
  c->lifecycle_apply->add_option("--days", c->lifecycle_command.days, "Days after creation")
      ->required()
      ->check(CLI::Range(1, storage::kMaxLifecycleDays));
  c->lifecycle_remove =
      c->lifecycle->add_subcommand("remove", "Remove swha-tts's expiration rule for a prefix");
  for (CLI::App* sub : {c->lifecycle_apply, c->lifecycle_remove}) {
    sub->add_option("--prefix", c->lifecycle_command.prefix, "Key prefix (default: audio/)");
  }
  c->rm = c->s3->add_subcommand("rm", "Delete one object");
  c->rm->add_option("key", c->key, "Object key")->required();
  c->presign = cli->add_subcommand("presign", "Print a presigned S3 GET URL for an object");
  c->presign->add_option("key", c->key, "Object key")->required();
  c->presign
      ->add_option("--expires", c->expires,
                   "Seconds the URL stays valid, 1 to " +
                       std::to_string(storage::kMaxUrlExpirySeconds) +
                       " "
                       "(default: S3_PRESIGNED_URL_EXPIRY)")
      ->type_name("SECONDS");
}

// REQUIRES: one of c's subcommands was parsed.
int RunS3Command(const S3Commands& c, const config::S3Settings& settings) {
  std::unique_ptr<storage::HttpTransport> transport = app::CreateToolTransport(settings);
  const app::S3ToolEnv env{.transport = transport.get(),
                           .clock = Clock::Real(),
                           .fs = FileSystem::Default(),
                           .retry = app::ToolRetryPolicy(),
                           .out = &std::cout,
                           .err = &std::cerr};
  if (c.presign->parsed()) return app::RunPresign(settings, c.key, c.expires, env);
  if (c.check->parsed()) return app::RunS3Check(settings, env);
  if (c.lifecycle->parsed()) {
    app::LifecycleCommand command = c.lifecycle_command;
    command.action = c.lifecycle_apply->parsed()    ? app::LifecycleAction::kApply
                     : c.lifecycle_remove->parsed() ? app::LifecycleAction::kRemove
                                                    : app::LifecycleAction::kShow;
    return app::RunS3Lifecycle(settings, command, env);
  }
  if (c.ls->parsed()) return app::RunS3List(settings, c.prefix, env);
  if (c.info->parsed()) return app::RunS3Info(settings, c.key, env);
  return app::RunS3Remove(settings, c.key, env);
}

// The operator's account subcommands and what was typed for them.
struct UserCommands {
  CLI::App* create = nullptr;
  CLI::App* list = nullptr;
  CLI::App* set_active = nullptr;
  CLI::App* token = nullptr;
  std::string username;
  std::string email;
  bool admin = false;
  std::string active;
  std::optional<int> minutes;
};

void AddUserCommands(CLI::App* cli, UserCommands* c) {
  CLI::App* user = cli->add_subcommand("user", "Manage accounts (in the configured catalog)");
  user->require_subcommand(1);
  c->create = user->add_subcommand(
      "create", "Create an account; the password is read from standard input (or a prompt)");
  c->create->add_option("username", c->username, "3 to 50 letters, digits, _ . -")->required();
  c->create->add_option("--email", c->email, "Email address")->required();
  c->create->add_flag("--admin", c->admin, "Make the account a superuser");
  c->list = user->add_subcommand("list", "List every account");
  c->set_active = user->add_subcommand("set-active", "Activate or deactivate an account");
  c->set_active->add_option("username", c->username, "Account")->required();
  c->set_active->add_option("active", c->active, "true or false")->required();
  c->token = cli->add_subcommand("token", "Print an access token for an account");
  c->token->add_option("username", c->username, "Account")->required();
  c->token->add_option("--minutes", c->minutes, "Lifetime (default ACCESS_TOKEN_EXPIRE_MINUTES)");
}

// REQUIRES: one of c's subcommands was parsed.
int RunUserCommand(const UserCommands& c, config::Settings settings) {
  const app::UserCommandIo io{.in = &std::cin,
                              .in_is_terminal = isatty(STDIN_FILENO) != 0,
                              .out = &std::cout,
                              .err = &std::cerr};
  ConfigureLogging("warn");
  if (c.create->parsed()) return app::RunUserCreate(settings, c.username, c.email, c.admin, io);
  if (c.list->parsed()) return app::RunUserList(settings, io);
  if (c.set_active->parsed()) {
    return app::RunUserSetActive(settings, c.username, c.active, io);
  }
  // Tokens are signed with the service's key, kept in DATA_DIR when SECRET_KEY is unset.
  if (Status s = config::EnsureSecretKey(&settings, FileSystem::Default()); !s.ok()) {
    return Fail(s);
  }
  return app::RunToken(settings, c.username, c.minutes, io);
}

// `swha-tts catalog check` and what was typed for it.
struct CatalogCommands {
  CLI::App* check = nullptr;
  service::CatalogCheckOptions options;
};

void AddCatalogCommands(CLI::App* cli, CatalogCommands* c) {
  CLI::App* catalog = cli->add_subcommand("catalog", "Check the catalog against stored audio");
  catalog->require_subcommand(1);
  c->check = catalog->add_subcommand(
      "check", "List rows without audio and audio without rows (local and S3); exit 1 if any");
  c->check->add_flag("--repair", c->options.repair,
                     "Delete orphan audio and rows with no audio left; report the rest");
  c->check->add_flag("--force", c->options.force,
                     "Repair even though the catalog is empty and storage is not");
  c->check
      ->add_option("--grace-seconds", c->options.orphan_grace_seconds,
                   "Audio younger than this is never an orphan (default " +
                       std::to_string(service::kDefaultOrphanGraceSeconds) +
                       "; 0 only while no instance is generating)")
      ->check(CLI::NonNegativeNumber);
}

// `swha-tts lipsync` and what was typed for it.
struct LipsyncCommands {
  CLI::App* create = nullptr;
  CLI::App* status = nullptr;
  app::LipsyncCommandOptions options;
};

void AddLipsyncCommands(CLI::App* cli, LipsyncCommands* c) {
  CLI::App* lipsync = cli->add_subcommand("lipsync", "Lipsync jobs at sync.so (SYNC_API_KEY)");
  lipsync->require_subcommand(1);
  app::LipsyncCommandOptions& o = c->options;
  c->create = lipsync->add_subcommand("create", "Hand audio and a video to sync.so");
  c->create->add_option("--user", o.user, "The account the job belongs to")->required();
  c->create->add_option("--video", o.video_url, "Absolute http(s) URL of the video")->required();
  auto* audio = c->create->add_option("--audio", o.audio_url, "Absolute URL of the audio");
  auto* session =
      c->create->add_option("--session", o.session_id, "Use this session's audio instead");
  audio->excludes(session);
  c->create->add_option("--segment", o.segment, "The session's segment (default 0)")
      ->needs(session);
  c->create->add_option("--api-key", o.api_key, "sync.so API key (default SYNC_API_KEY)");
  c->create->add_option("--model", o.model, "Model (default lipsync-2)");
  c->create->add_option("--sync-mode", o.sync_mode, "Sync mode (default cut_off)");
  c->create->add_flag("--wait", o.wait, "Wait for the job to end, showing its progress");
  c->create->add_option("--timeout", o.timeout_seconds, "Longest wait, seconds (default 600)");
  c->status = lipsync->add_subcommand("status", "Show a job, asking sync.so when not final");
  c->status->add_option("job_id", o.job_id, "The job")->required();
  c->status->add_option("--user", o.user, "The account the job belongs to")->required();
}

}  // namespace
}  // namespace swha

int main(int argc, char** argv) {
  using swha::Fail;
  using swha::LoadConfiguration;
  namespace tts = swha::tts;
  CLI::App cli{"swha-tts: text-to-speech HTTP service (espeak-ng; local or S3 storage)"};
  cli.require_subcommand(1);

  std::string host;
  int port = -1;
  auto* serve = cli.add_subcommand("serve", "Run the HTTP service (settings from env and .env)");
  serve->add_option("--host", host, "Listen address (overrides HOST)");
  serve->add_option("--port", port, "Listen port, 0 for any free port (overrides PORT)")
      ->check(CLI::Range(0, 65535));

  swha::app::SayOptions say_options;
  std::string say_format;
  tts::SynthesisRequest& say_request = say_options.request;
  auto* say = cli.add_subcommand(
      "say", "Synthesize text of any length to an audio file (no server, storage or catalog)");
  say->add_option("text", say_request.text, "Text to speak (or --input)");
  say->add_option("-i,--input", say_options.input_path, "Read the text from FILE, - for stdin");
  say->add_option("--voice", say_request.voice, "Voice name (see `swha-tts voices`)");
  say->add_option("--lang", say_request.language_code, "Language code: a b e f h i j p z");
  say->add_option("--speed", say_request.speed, "Speaking rate, 0.5 to 2.0");
  say->add_option("--split-pattern", say_request.split_pattern, "Regular expression to split at");
  say->add_option("-o,--output", say_options.output,
                  "Output file; its extension names the format (.mp3 .opus .aac .flac .pcm), "
                  "else WAV");
  say->add_option("-f,--format", say_format, "wav mp3 opus aac flac pcm (overrides the extension)");
  say->add_option(
      "--marks", say_options.marks_path,
      "Also write Polly-style speech marks (JSON lines, timed from the output's start)");
  auto* say_output = say->get_option("--output");
  say->add_option("--split", say_options.split_dir,
                  "Write segment_NNN.<format> per segment into DIR instead of one file")
      ->excludes(say_output);

  swha::app::GenerateCommandOptions generate_options;
  swha::service::GenerationRequest& generate_request = generate_options.request;
  generate_request.use_s3 = false;
  auto* generate = cli.add_subcommand(
      "generate", "Generate a session as the HTTP API does (storage, catalog, URLs) and print it");
  generate->add_option("-i,--input", generate_options.input_path, "Text file, - for stdin")
      ->required();
  generate->add_flag("--s3", generate_request.use_s3, "Store in S3 too (USE_S3_STORAGE=true)");
  generate->add_option("--user", generate_options.username, "Record it as this user's session");
  generate->add_option("--voice", generate_request.synthesis.voice, "Voice name");
  generate->add_option("--lang", generate_request.synthesis.language_code, "Language code");
  generate->add_option("--speed", generate_request.synthesis.speed, "Speaking rate, 0.5 to 2.0");
  generate->add_option("-f,--format", generate_options.format_name,
                       "wav (default) mp3 opus aac flac pcm");
  generate->add_flag("--marks", generate_request.marks, "Store each segment's speech marks too");
  generate->add_option("--expiry", generate_request.url_expiry_seconds,
                       "Seconds the URLs live (default S3_PRESIGNED_URL_EXPIRY)");

  std::string shell;
  auto* completion = cli.add_subcommand(
      "completion", "Print a shell completion script: source <(swha-tts completion bash)");
  completion->add_option("shell", shell, "bash or zsh")->required();

  cli.add_subcommand("voices", "List languages and voices");
  auto* config_command =
      cli.add_subcommand("config", "Print the effective settings, secrets redacted");
  auto* env_example = config_command->add_subcommand(
      "env-example", "Print .env.example: every setting at its default, with its meaning");
  auto* doctor = cli.add_subcommand(
      "doctor", "Check the configured service can work here: PASS, FAIL or SKIP per part");
  swha::S3Commands s3_commands;
  swha::AddS3Commands(&cli, &s3_commands);
  swha::UserCommands user_commands;
  swha::AddUserCommands(&cli, &user_commands);
  swha::CatalogCommands catalog_commands;
  swha::AddCatalogCommands(&cli, &catalog_commands);
  swha::LipsyncCommands lipsync_commands;
  swha::AddLipsyncCommands(&cli, &lipsync_commands);

  CLI11_PARSE(cli, argc, argv);
  if (completion->parsed()) {  // needs no settings: it must work whatever the environment holds
    auto script = swha::app::CompletionScript(cli, shell);
    if (!script.ok()) return Fail(script.status());
    std::cout << *script;
    return 0;
  }
  // From the settings table alone, so the checked-in file matches it whatever the environment.
  if (env_example->parsed()) {
    std::cout << swha::config::EnvExample();
    return 0;
  }

  auto settings = LoadConfiguration();
  if (!settings.ok() && s3_commands.check->parsed()) {
    return swha::app::ReportS3CheckConfigurationError(settings.status(), &std::cout);
  }
  if (!settings.ok() && doctor->parsed()) {
    return swha::app::ReportDoctorConfigurationError(settings.status(), &std::cout);
  }
  if (doctor->parsed()) {
    swha::ConfigureLogging("warn");
    return swha::app::RunDoctor(*settings, swha::FileSystem::Default(), &std::cout);
  }
  if (!settings.ok()) return Fail(settings.status());
  if (cli.got_subcommand("serve")) return swha::RunServe(*settings, host, port);
  if (cli.got_subcommand("say")) {
    return swha::RunSayCommand(*settings, std::move(say_options), say_format);
  }
  if (cli.got_subcommand("voices")) return swha::RunVoices();
  if (cli.got_subcommand("generate")) {
    swha::ConfigureLogging("warn");
    return swha::app::RunGenerateCommand(*settings, std::move(generate_options), &std::cout,
                                         &std::cerr);
  }
  if (s3_commands.usage->parsed()) {
    swha::ConfigureLogging("warn");
    return swha::app::RunS3Usage(*settings, s3_commands.by_user, s3_commands.scan, &std::cout,
                                 &std::cerr);
  }
  if (cli.got_subcommand("s3") || cli.got_subcommand("presign")) {
    return swha::RunS3Command(s3_commands, settings->s3);
  }
  if (cli.got_subcommand("user") || cli.got_subcommand("token")) {
    return swha::RunUserCommand(user_commands, *settings);
  }
  if (cli.got_subcommand("catalog")) {
    swha::ConfigureLogging("warn");
    return swha::app::RunCatalogCheck(*settings, catalog_commands.options, &std::cout, &std::cerr);
  }
  if (cli.got_subcommand("lipsync")) {
    swha::ConfigureLogging("warn");
    const swha::app::LipsyncCommandOptions& o = lipsync_commands.options;
    return lipsync_commands.create->parsed()
               ? swha::app::RunLipsyncCreate(*settings, o, &std::cout, &std::cerr)
               : swha::app::RunLipsyncStatus(*settings, o, &std::cout, &std::cerr);
  }
  if (cli.got_subcommand("config")) {
    std::cout << settings->ToString();
    return 0;
  }
  return 2;
}
