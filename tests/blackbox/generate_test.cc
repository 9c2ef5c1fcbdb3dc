// POST /api/v1/tts/generate and /generate-simple against the real binary: the response shape of
// the original API, the WAV files behind the signed URLs, the files on disk, and Mandarin and
// Japanese over HTTP.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/audio_probe.h"

namespace swha::blackbox {
namespace {

const json kTwoSentences = {{"text", "Hello world! This is the second sentence."},
                            {"split_pattern", "[.!?]\\s+"}};

class GenerateTest : public DefaultServerTest {};

TEST_F(GenerateTest, HappyPathHasEveryContractFieldAndPlayableAudio) {
  const int64_t before = NowUnixSeconds();
  auto res = PostJson(*client_, kGeneratePath, kTwoSentences);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const json body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object()) << res->body;

  EXPECT_EQ(body.at("message"), "Speech generated successfully");
  ASSERT_TRUE(body.at("total_segments").is_number_integer());
  EXPECT_EQ(body.at("total_segments"), 2);
  EXPECT_EQ(body.at("language_code"), "a");
  EXPECT_EQ(body.at("voice"), "af_heart");
  ASSERT_TRUE(body.at("processing_time").is_number_float());
  EXPECT_GT(body.at("processing_time").get<double>(), 0.0);
  EXPECT_LT(body.at("processing_time").get<double>(), 60.0);
  EXPECT_EQ(body.at("storage_type"), "local");
  ASSERT_TRUE(body.at("session_id").is_string());
  const std::string session = body.at("session_id");
  // The default URL lifetime is S3_PRESIGNED_URL_EXPIRY, 3600 s.
  ASSERT_TRUE(body.at("expires_at").is_number());
  EXPECT_GE(body.at("expires_at").get<double>(), before + 3600 - 1);
  EXPECT_LE(body.at("expires_at").get<double>(), NowUnixSeconds() + 3600 + 1);

  const json& files = body.at("audio_files");
  const json& segments = body.at("audio_segments");
  ASSERT_TRUE(files.is_array());
  ASSERT_TRUE(segments.is_array());
  ASSERT_EQ(files.size(), 2u);
  ASSERT_EQ(segments.size(), 2u);
  const std::vector<std::string> graphemes = {"Hello world", "This is the second sentence."};
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE("segment " + std::to_string(i));
    const json& seg = segments[i];
    ASSERT_TRUE(seg.at("index").is_number_integer());
    EXPECT_EQ(seg.at("index"), i);
    EXPECT_EQ(seg.at("graphemes"), graphemes[i]);
    ASSERT_TRUE(seg.at("phonemes").is_string());
    EXPECT_FALSE(seg.at("phonemes").get<std::string>().empty());
    const std::string filename = "segment_00" + std::to_string(i) + ".wav";
    EXPECT_EQ(seg.at("filename"), filename);
    ASSERT_TRUE(seg.at("local_url").is_string());
    const std::string url = seg.at("local_url");
    EXPECT_EQ(url.rfind(StrCat({"/static/audio/", session, "/", filename, "?expires="}), 0), 0u)
        << url;
    EXPECT_NE(url.find("&signature="), std::string::npos) << url;
    EXPECT_TRUE(seg.at("presigned_url").is_null());
    EXPECT_TRUE(seg.at("s3_key").is_null());
    ASSERT_TRUE(seg.at("expires_at").is_number());
    EXPECT_EQ(seg.at("expires_at").get<double>(), body.at("expires_at").get<double>());
    ASSERT_TRUE(files[i].is_string());
    EXPECT_EQ(files[i], url);

    auto audio = client_->Get(url);
    ASSERT_TRUE(audio);
    ASSERT_EQ(audio->status, 200) << audio->body;
    EXPECT_EQ(audio->get_header_value("Content-Type"), "audio/wav");
    EXPECT_EQ(audio->get_header_value("Content-Length"), std::to_string(audio->body.size()));
    EXPECT_TRUE(IsSpeechWav(audio->body, 0.3, 5.0));
  }
}

TEST_F(GenerateTest, SoxAgreesWithTheWavHeaderOnDuration) {
  auto body = Generate(*client_, kTwoSentences);
  ASSERT_TRUE(body);
  auto wav = Download(*client_, body->at("audio_files")[1]);
  ASSERT_TRUE(wav);
  const WavInfo info = ParseWav(*wav);
  ASSERT_TRUE(info.valid) << info.error;

  const std::string dir = testing::MakeTempDir();
  const std::string path = dir + "/segment.wav";
  WriteFileBytes(path, *wav);
  int exit_code = -1;
  const std::string out = RunShell("soxi -D '" + path + "' 2>&1", &exit_code);
  testing::RemoveDirRecursively(dir);
  ASSERT_EQ(exit_code, 0) << out;
  const double samples = info.data_bytes / 2.0;
  EXPECT_NEAR(std::strtod(out.c_str(), nullptr), samples / kSampleRate, 1e-5) << out;
  EXPECT_GT(samples / kSampleRate, 0.3);
}

TEST_F(GenerateTest, SessionIdIsUnguessableAndFilesAreOnDiskWithoutTemporaries) {
  auto first = Generate(*client_, kTwoSentences);
  auto second = Generate(*client_, kTwoSentences);
  ASSERT_TRUE(first && second);
  const std::string session = first->at("session_id");
  EXPECT_TRUE(std::regex_match(session, std::regex("[0-9]{13}_anonymous_[0-9a-f]{32}"))) << session;
  EXPECT_NE(session, second->at("session_id").get<std::string>());
  // The leading part is the creation time in unix milliseconds.
  const int64_t millis = std::stoll(session.substr(0, 13));
  EXPECT_NEAR(static_cast<double>(millis) / 1000.0, static_cast<double>(NowUnixSeconds()), 120);

  const std::string dir = server_->process().audio_dir() + "/" + session;
  EXPECT_EQ(ListNames(dir), (std::vector<std::string>{"segment_000.wav", "segment_001.wav"}));
  // What is served is exactly what is on disk.
  auto wav = Download(*client_, first->at("audio_files")[0]);
  ASSERT_TRUE(wav);
  EXPECT_EQ(ReadFileBytes(dir + "/segment_000.wav"), *wav);
}

TEST_F(GenerateTest, LongTextIsCutAtSentencesIntoSegmentsOfAtMost510Phonemes) {
  std::string text;
  for (int i = 0; i < 30; ++i) {
    if (i > 0) text += " ";
    text += "Sentence number " + std::to_string(i) +
            " talks about the weather, the news, and other things.";
  }
  auto body = Generate(*client_, {{"text", text}});
  ASSERT_TRUE(body);
  const json& segments = body->at("audio_segments");
  EXPECT_GT(segments.size(), 1u);
  EXPECT_EQ(body->at("total_segments"), segments.size());
  std::string joined;
  for (const json& seg : segments) {
    const std::string phonemes = seg.at("phonemes");
    const std::string graphemes = seg.at("graphemes");
    size_t code_points = 0;
    for (char c : phonemes) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    EXPECT_LE(code_points, 510u) << graphemes;
    ASSERT_FALSE(graphemes.empty());
    EXPECT_EQ(graphemes.back(), '.') << "not cut at a sentence end: " << graphemes;
    joined += (joined.empty() ? "" : " ") + graphemes;
  }
  EXPECT_EQ(joined, text);
}

TEST_F(GenerateTest, GenerateSimpleTakesQueryParameters) {
  const std::string path =
      WithQuery(kGenerateSimplePath, {{"text", "Hello there, simple world & friends"},
                                      {"voice", "am_adam"},
                                      {"language_code", "a"},
                                      {"use_s3", "false"},
                                      {"presigned_url_expiry", "120"}});
  const int64_t before = NowUnixSeconds();
  auto res = client_->Post(path);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object()) << res->body;
  EXPECT_EQ(body.at("message"), "Speech generated successfully");
  ASSERT_EQ(body.at("audio_files").size(), 1u);
  ASSERT_TRUE(body.at("first_audio_url").is_string());
  EXPECT_EQ(body.at("first_audio_url"), body.at("audio_files")[0]);
  EXPECT_EQ(body.at("total_segments"), 1);
  EXPECT_EQ(body.at("storage_type"), "local");
  EXPECT_TRUE(body.at("processing_time").is_number_float());
  EXPECT_TRUE(body.at("session_id").is_string());
  EXPECT_EQ(body.at("audio_segments")[0].at("graphemes"), "Hello there, simple world & friends");
  EXPECT_GE(body.at("expires_at").get<double>(), before + 120 - 1);
  EXPECT_LE(body.at("expires_at").get<double>(), NowUnixSeconds() + 120 + 1);

  auto wav = Download(*client_, body.at("first_audio_url"));
  ASSERT_TRUE(wav);
  EXPECT_TRUE(IsSpeechWav(*wav, 0.5, 6.0));
}

TEST_F(GenerateTest, GenerateSimpleRejectsAUseS3ThatIsNotABoolean) {
  const int sessions_before = CountEntries(server_->process().audio_dir());
  auto res =
      client_->Post(WithQuery(kGenerateSimplePath, {{"text", "Hello"}, {"use_s3", "maybe"}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 422) << res->body;
  const json body = ParseJson(res->body);
  ASSERT_TRUE(body.at("detail").is_array()) << res->body;
  EXPECT_EQ(body.at("detail")[0].at("loc"), json({"query", "use_s3"}));
  EXPECT_EQ(CountEntries(server_->process().audio_dir()), sessions_before);
}

TEST_F(GenerateTest, MandarinIsReadAsMandarin) {
  auto body =
      Generate(*client_, {{"text", "你好世界"}, {"language_code", "z"}, {"voice", "zf_xiaoxiao"}});
  ASSERT_TRUE(body);
  EXPECT_EQ(body->at("language_code"), "z");
  EXPECT_EQ(body->at("voice"), "zf_xiaoxiao");
  ASSERT_GE(body->at("audio_segments").size(), 1u);
  for (const json& seg : body->at("audio_segments")) {
    const std::string phonemes = seg.at("phonemes");
    EXPECT_FALSE(phonemes.empty());
    // espeak-ng's English fallback announces itself as "(en)".
    EXPECT_EQ(phonemes.find("(en)"), std::string::npos) << phonemes;
  }
  auto wav = Download(*client_, body->at("audio_files")[0]);
  ASSERT_TRUE(wav);
  EXPECT_TRUE(IsSpeechWav(*wav, 0.3, 5.0));
}

TEST_F(GenerateTest, JapaneseKanjiAreReadAsJapanese) {
  auto body = Generate(
      *client_, {{"text", "日本語を話します"}, {"language_code", "j"}, {"voice", "jf_alpha"}});
  ASSERT_TRUE(body);
  ASSERT_GE(body->at("audio_segments").size(), 1u);
  for (const json& seg : body->at("audio_segments")) {
    const std::string phonemes = seg.at("phonemes");
    EXPECT_FALSE(phonemes.empty());
    // Without a kanji reader espeak-ng says "Chinese letter" for every kanji.
    EXPECT_EQ(phonemes.find("tʃˈaɪniːz"), std::string::npos) << phonemes;
    EXPECT_EQ(phonemes.find("(en)"), std::string::npos) << phonemes;
  }
  auto wav = Download(*client_, body->at("audio_files")[0]);
  ASSERT_TRUE(wav);
  EXPECT_TRUE(IsSpeechWav(*wav, 0.3, 5.0));
}

// "format" stores segment_NNN.<ext> in that format at the engine's rate (Opus decodes at 48 kHz,
// AAC is written at 48 kHz), served with its type, decoding to the segment's duration within
// 60 ms; generate-simple takes it as a query parameter; an unknown one is a 422 naming it.
TEST_F(GenerateTest, EveryFormatIsStoredServedAndDecodable) {
  struct Case {
    const char* format;
    const char* content_type;
    const char* codec;
    int rate;
  };
  for (const Case& c :
       {Case{"mp3", "audio/mpeg", "mp3", kSampleRate}, Case{"opus", "audio/ogg", "opus", 48000},
        Case{"aac", "audio/aac", "aac", 48000}, Case{"flac", "audio/flac", "flac", kSampleRate},
        Case{"wav", "audio/wav", "pcm_s16le", kSampleRate},
        Case{"pcm", "audio/pcm", "pcm_s16le", kSampleRate}}) {
    SCOPED_TRACE(c.format);
    json request = kTwoSentences;
    request["format"] = c.format;
    auto res = PostJson(*client_, kGeneratePath, request);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const json body = ParseJson(res->body);
    ASSERT_EQ(body.at("audio_segments").size(), 2U);
    for (const json& seg : body.at("audio_segments")) {
      const std::string url = seg.at("local_url");
      auto parsed = ParseAudioUrl(url);
      ASSERT_TRUE(parsed.has_value()) << url;
      EXPECT_EQ(parsed->filename,
                "segment_00" + std::to_string(seg.at("index").get<int>()) + "." + c.format);
      auto file = client_->Get(url);
      ASSERT_TRUE(file);
      ASSERT_EQ(file->status, 200);
      EXPECT_EQ(file->get_header_value("Content-Type"), c.content_type);
      auto probed = testing::ProbeAudio(file->body, c.format, kSampleRate);
      ASSERT_TRUE(probed.ok()) << probed.status().ToString();
      EXPECT_EQ(probed->codec, c.codec);
      EXPECT_EQ(probed->sample_rate, c.rate);
      EXPECT_EQ(probed->channels, 1);
      EXPECT_NEAR(probed->DecodedSeconds(), seg.at("duration").get<double>(), 0.060);
    }
  }
  auto simple =
      client_->Post(WithQuery(kGenerateSimplePath, {{"text", "Simple."}, {"format", "flac"}}));
  ASSERT_TRUE(simple);
  ASSERT_EQ(simple->status, 200) << simple->body;
  EXPECT_NE(
      ParseJson(simple->body).at("first_audio_url").get<std::string>().find("segment_000.flac"),
      std::string::npos);

  json bad = kTwoSentences;
  bad["format"] = "ogg";
  auto refused = PostJson(*client_, kGeneratePath, bad);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
  const json detail = ParseJson(refused->body).at("detail");
  EXPECT_EQ(detail.at(0).at("loc"), json({"body", "format"}));
}

// "marks": true adds each segment's Polly-style speech marks; their offsets cut the words out
// of the segment's text and their times lie inside its audio, and they are stored beside it as
// segment_NNN.marks.json, served by a signed URL. POST /api/v1/tts/marks gives the same marks as
// JSON lines without storing audio.
TEST_F(GenerateTest, SpeechMarksLineUpWithTheWords) {
  json request = kTwoSentences;
  request["marks"] = true;
  auto res = PostJson(*client_, kGeneratePath, request);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = ParseJson(res->body);
  std::vector<std::vector<std::string>> words_by_segment;
  for (const json& seg : body.at("audio_segments")) {
    const std::string text = seg.at("graphemes");
    const double duration_ms = seg.at("duration").get<double>() * 1000;
    ASSERT_TRUE(seg.contains("marks")) << seg.dump();
    std::vector<std::string> words;
    int64_t previous = -1;
    bool saw_viseme = false;
    for (const json& mark : seg.at("marks")) {
      const int64_t time = mark.at("time");
      EXPECT_GE(time, previous);
      EXPECT_LT(time, duration_ms);
      previous = time;
      if (mark.at("type") == "word") {
        const size_t start = mark.at("start");
        const size_t end = mark.at("end");
        EXPECT_EQ(text.substr(start, end - start), mark.at("value").get<std::string>());
        words.push_back(mark.at("value"));
      } else if (mark.at("type") == "viseme") {
        saw_viseme = true;
        EXPECT_FALSE(mark.contains("start"));
      }
    }
    EXPECT_TRUE(saw_viseme);
    words_by_segment.push_back(words);

    const std::string marks_file = seg.at("filename").get<std::string>();
    const std::string marks_name = marks_file.substr(0, marks_file.rfind('.')) + ".marks.json";
    ASSERT_TRUE(seg.contains("marks_url")) << seg.dump();
    const std::string marks_url = seg.at("marks_url");
    EXPECT_NE(marks_url.find("/" + marks_name + "?"), std::string::npos) << marks_url;
    auto served = client_->Get(marks_url);
    ASSERT_TRUE(served);
    ASSERT_EQ(served->status, 200) << served->body;
    EXPECT_EQ(served->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(ParseJson(served->body), seg.at("marks"));
    EXPECT_TRUE(std::filesystem::is_regular_file(server_->process().audio_dir() + "/" +
                                                 body.at("session_id").get<std::string>() + "/" +
                                                 marks_name));
    // The signature covers the file name: the audio's does not open the marks.
    const std::string audio_url = seg.at("local_url");
    std::string forged =
        marks_url.substr(0, marks_url.find('?')) + audio_url.substr(audio_url.find('?'));
    auto refused = client_->Get(forged);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << forged;
  }
  EXPECT_EQ(words_by_segment,
            (std::vector<std::vector<std::string>>{{"Hello", "world"},
                                                   {"This", "is", "the", "second", "sentence"}}));
  // Without "marks", none, and no marks file.
  auto plain = PostJson(*client_, kGeneratePath, kTwoSentences);
  ASSERT_TRUE(plain);
  const json plain_body = ParseJson(plain->body);
  EXPECT_FALSE(plain_body.at("audio_segments").at(0).contains("marks"));
  EXPECT_FALSE(plain_body.at("audio_segments").at(0).contains("marks_url"));
  EXPECT_EQ(CountEntries(server_->process().audio_dir() + "/" +
                         plain_body.at("session_id").get<std::string>()),
            2);

  const int sessions_before = CountEntries(server_->process().audio_dir());
  auto lines = PostJson(*client_, "/api/v1/tts/marks", kTwoSentences);
  ASSERT_TRUE(lines);
  ASSERT_EQ(lines->status, 200) << lines->body;
  EXPECT_EQ(lines->get_header_value("Content-Type"), "application/x-json-stream");
  std::vector<std::vector<std::string>> streamed(2);
  size_t count = 0;
  for (size_t at = 0, end; (end = lines->body.find('\n', at)) != std::string::npos; at = end + 1) {
    const json mark = ParseJson(lines->body.substr(at, end - at));
    ASSERT_TRUE(mark.is_object()) << lines->body.substr(at, end - at);
    ++count;
    const int segment = mark.at("segment");
    ASSERT_TRUE(segment == 0 || segment == 1);
    if (mark.at("type") == "word")
      streamed[static_cast<size_t>(segment)].push_back(mark.at("value"));
  }
  EXPECT_GT(count, 10U);
  EXPECT_EQ(streamed, words_by_segment);
  EXPECT_EQ(CountEntries(server_->process().audio_dir()), sessions_before) << "no audio stored";
  auto bad = PostJson(*client_, "/api/v1/tts/marks", {{"text", "Hi."}, {"voice", "nobody"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
}

}  // namespace
}  // namespace swha::blackbox
