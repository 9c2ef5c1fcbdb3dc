// `swha-tts say` for long texts, as a user runs it: a file (or stdin) to one audio file in any
// format, or one file per segment; speech marks for the whole output; progress lines on a pipe
// and a bar on a terminal; an interrupt that leaves nothing behind. And shell completion.
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/audio_probe.h"

namespace swha::blackbox {
namespace {

// `sentences` sentences of a story, one paragraph per ten.
std::string Story(int sentences) {
  std::string text;
  for (int i = 1; i <= sentences; ++i) {
    text += "This is sentence number " + std::to_string(i) + " of a rather long story. ";
    if (i % 10 == 0) text += "\n";
  }
  return text;
}

testing::CommandResult Say(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> all = {"say"};
  all.insert(all.end(), args.begin(), args.end());
  return testing::RunCommand(testing::ServerBinary(), all, {}, dir);
}

// The segment count in say's last line, "wrote <what>: <n> segment(s), <s> s"; -1 without one.
int SegmentsWritten(const std::string& output) {
  const std::regex wrote(R"(wrote .*: (\d+) segment\(s\), [0-9.]+ s)");
  std::smatch m;
  return std::regex_search(output, m, wrote) ? std::stoi(m[1]) : -1;
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(ParseJson(line));
  return lines;
}

// A file of 60 sentences (in paragraphs of ten, each cut again at Kokoro's phoneme limit)
// becomes one MP3, with progress lines on the pipe and marks timed across the whole file.
TEST(SayTest, AFileBecomesOneAudioFileWithProgressAndMarks) {
  ScopedTempDir dir;
  WriteFileBytes(dir.path() + "/chapter.txt", Story(60));
  const auto r =
      Say({"--input", "chapter.txt", "-o", "chapter.mp3", "--marks", "chapter.marks"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int segments = SegmentsWritten(r.output);
  ASSERT_GE(segments, 6) << r.output;  // one per paragraph at least
  const std::string all = std::to_string(segments);
  EXPECT_NE(r.output.find("say: 0/" + all + " segments"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("say: " + all + "/" + all + " segments"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("wrote chapter.mp3: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos) << "a bar on a pipe";
  auto probed = testing::ProbeAudio(ReadFileBytes(dir.path() + "/chapter.mp3"), "mp3");
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  const double seconds = probed->DecodedSeconds();
  EXPECT_GT(seconds, 60 * 1.5) << "sixty sentences";

  const std::vector<json> marks = JsonLines(ReadFileBytes(dir.path() + "/chapter.marks"));
  ASSERT_FALSE(marks.empty());
  int64_t previous = -1;
  int words = 0;
  int last_segment = -1;
  for (const json& mark : marks) {
    EXPECT_GE(mark.at("time").get<int64_t>(), previous) << mark.dump();
    previous = mark.at("time");
    last_segment = mark.at("segment");
    if (mark.at("type") == "word") ++words;
  }
  EXPECT_EQ(last_segment, segments - 1);
  EXPECT_GT(words, 60 * 8);
  // The marks run over the whole file, not one segment: the last is near its end.
  EXPECT_GT(previous, (seconds - 5) * 1000);
  EXPECT_LT(previous, seconds * 1000);
  // Nothing else was left in the directory (no temporary files).
  EXPECT_EQ(CountEntries(dir.path()), 3);
}

// From stdin, one file per segment in the format asked for.
TEST(SayTest, StdinToOneFilePerSegment) {
  ScopedTempDir dir;
  WriteFileBytes(dir.path() + "/in.txt", Story(25));
  int exit_code = -1;
  const std::string output =
      testing::RunShell("cd " + dir.path() + " && " + testing::ServerBinary() +
                            " say -i - --split parts --format flac < in.txt 2>&1",
                        &exit_code);
  ASSERT_EQ(exit_code, 0) << output;
  const int segments = SegmentsWritten(output);
  ASSERT_GE(segments, 3) << output;
  EXPECT_NE(output.find("wrote " + std::to_string(segments) + " files in parts"), std::string::npos)
      << output;
  EXPECT_EQ(CountEntries(dir.path() + "/parts"), segments);
  double seconds = 0;
  for (int i = 0; i < segments; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "segment_%03d.flac", i);
    auto probed = testing::ProbeAudio(ReadFileBytes(dir.path() + "/parts/" + name), "flac");
    ASSERT_TRUE(probed.ok()) << name << ": " << probed.status().ToString();
    EXPECT_GT(probed->DecodedSeconds(), 1) << name;
    seconds += probed->DecodedSeconds();
  }
  EXPECT_GT(seconds, 25 * 1.5);
}

// On a terminal the progress is a bar redrawn in place (script(1) gives it a terminal).
TEST(SayTest, ATerminalGetsABar) {
  ScopedTempDir dir;
  WriteFileBytes(dir.path() + "/in.txt", Story(30));
  int exit_code = -1;
  const std::string output =
      testing::RunShell("cd " + dir.path() + " && script -qec '" + testing::ServerBinary() +
                            " say --input in.txt -o out.wav' /dev/null",
                        &exit_code);
  ASSERT_EQ(exit_code, 0) << output;
  const std::string all = std::to_string(SegmentsWritten(output));
  EXPECT_NE(output.find("\r[....................] 0/" + all + " segments"), std::string::npos)
      << output;
  const size_t last = output.find("\r[####################] " + all + "/" + all + " segments");
  ASSERT_NE(last, std::string::npos) << output;
  // Within 80 columns: a longer line wraps, and each redraw would leave a line behind.
  EXPECT_LT(output.find_first_of("\r\n", last + 1) - last, 80u) << output.substr(last);
  EXPECT_NE(output.find("ETA"), std::string::npos) << output;
  const WavInfo wav = ParseWav(ReadFileBytes(dir.path() + "/out.wav"));
  ASSERT_TRUE(wav.valid) << wav.error;  // sizes written into the header at the end
  EXPECT_GT(wav.duration_seconds, 30 * 1.5);
}

// Runs say with `args` on a long book in `dir`, sends SIGINT once a progress line says a
// segment is done, and returns the shell's report: "exit <status>", say's stderr, and `ls -A`.
// (env --default-signal: a background job of a non-interactive shell ignores SIGINT, as say
// then does too; a terminal's Ctrl-C reaches a foreground job with its default action.)
std::string InterruptedSay(const std::string& dir, const std::string& args) {
  WriteFileBytes(dir + "/book.txt", Story(1500));
  int exit_code = -1;
  return testing::RunShell(
      "cd " + dir + " && (timeout -s KILL 300 env --default-signal=INT " + testing::ServerBinary() +
          " say " + args +
          " 2> err.txt & pid=$!; "
          "for i in $(seq 600); do grep -q 'say: [1-9]' err.txt && break; sleep 0.1; done; "
          "kill -INT $pid; wait $pid; echo \"exit $?\"; cat err.txt; rm err.txt book.txt; ls -A)",
      &exit_code);
}

// Ctrl-C stops between segments: status 130 (the signal's own, so a shell loop stops too),
// and neither the audio file nor the marks (nor a temporary file) is left.
TEST(SayTest, AnInterruptLeavesNoOutput) {
  ScopedTempDir dir;
  const std::string output =
      InterruptedSay(dir.path(), "--input book.txt -o book.wav --marks book.marks");
  EXPECT_NE(output.find("exit 130"), std::string::npos) << output;
  EXPECT_NE(output.find("interrupted after"), std::string::npos) << output;
  EXPECT_EQ(output.find("book.wav"), std::string::npos) << output;
  EXPECT_EQ(output.find("book.marks"), std::string::npos) << output;
  EXPECT_EQ(output.find(".part-"), std::string::npos) << output;
  EXPECT_EQ(CountEntries(dir.path()), 0);
}

// With --split, the segment files already written go again, and the directory say made.
TEST(SayTest, AnInterruptedSplitLeavesNoSegments) {
  ScopedTempDir dir;
  const std::string output = InterruptedSay(dir.path(), "--input book.txt --split parts");
  EXPECT_NE(output.find("exit 130"), std::string::npos) << output;
  EXPECT_EQ(CountEntries(dir.path()), 0) << output;
}

TEST(SayTest, MistakesAreOneLineAndWriteNothing) {
  ScopedTempDir dir;
  auto r = Say({"Hello.", "--input", "x.txt"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("one of them"), std::string::npos) << r.output;
  r = Say({"--input", "missing.txt"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("missing.txt"), std::string::npos) << r.output;
  r = Say({"--voice", "af_heart"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("one of them"), std::string::npos) << r.output;
  r = Say({"Hello.", "--split", "parts", "-o", "x.wav"}, dir.path());  // which would it be?
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("excludes"), std::string::npos) << r.output;
  r = Say({"Hello.", "--format", "ogg"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("ogg"), std::string::npos) << r.output;
  EXPECT_EQ(CountEntries(dir.path()), 0);
}

// Completion for bash, run by bash itself: subcommands at each level, options, and voices,
// languages and formats after their options; it needs no settings to print.
TEST(CompletionTest, BashCompletesSubcommandsOptionsAndValues) {
  ScopedTempDir dir;
  int exit_code = -1;
  const std::string output = testing::RunShell(
      "cd " + dir.path() + " && PORT=not-a-port bash -c 'source <(" + testing::ServerBinary() +
          " completion bash) && for line in \"swha-tts s3 l\" \"swha-tts say --vo\" "
          "\"swha-tts say --voice af_h\" \"swha-tts say --format fl\" "
          "\"swha-tts s3 lifecycle a\"; do read -ra COMP_WORDS <<< \"$line\"; "
          "COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _swha_tts; echo \"$line => ${COMPREPLY[*]}\"; "
          "done'",
      &exit_code);
  ASSERT_EQ(exit_code, 0) << output;
  for (const char* expected :
       {"swha-tts s3 l => ls lifecycle\n", "swha-tts say --vo => --voice\n",
        "swha-tts say --voice af_h => af_heart\n", "swha-tts say --format fl => flac\n",
        "swha-tts s3 lifecycle a => apply\n"}) {
    EXPECT_NE(output.find(expected), std::string::npos) << expected << " in\n" << output;
  }
  const auto zsh =
      testing::RunCommand(testing::ServerBinary(), {"completion", "zsh"}, {}, dir.path());
  EXPECT_EQ(zsh.exit_code, 0);
  EXPECT_NE(zsh.output.find("bashcompinit"), std::string::npos) << zsh.output;
  const auto fish =
      testing::RunCommand(testing::ServerBinary(), {"completion", "fish"}, {}, dir.path());
  EXPECT_EQ(fish.exit_code, 1);
  EXPECT_NE(fish.output.find("bash or zsh"), std::string::npos) << fish.output;
}

}  // namespace
}  // namespace swha::blackbox
