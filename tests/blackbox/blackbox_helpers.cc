#include "tests/blackbox/blackbox_helpers.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace swha::blackbox {

SharedServer* DefaultServerTest::server_ = nullptr;
namespace {

uint16_t ReadLe16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) |
                               (static_cast<unsigned char>(b[at + 1]) << 8));
}

uint32_t ReadLe32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::string_view QueryValue(std::string_view query, std::string_view name) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(pos, amp - pos);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    pos = amp + 1;
  }
  return {};
}

}  // namespace

SharedServer::SharedServer(const testing::ServerOptions& options) {
  start_status_ = process_.Start(options);
}

SharedServer::~SharedServer() { process_.Stop(); }

std::unique_ptr<httplib::Client> MakeClient(int port) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
  client->set_connection_timeout(10, 0);
  client->set_read_timeout(60, 0);
  client->set_write_timeout(60, 0);
  return client;
}

json ParseJson(const std::string& body) {
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

httplib::Result PostJson(httplib::Client& client, std::string_view path, const json& body) {
  return client.Post(std::string(path), body.dump(), "application/json");
}

httplib::Result PostRaw(httplib::Client& client, std::string_view path, const std::string& body) {
  return client.Post(std::string(path), body, "application/json");
}

httplib::Result PostJsonLines(httplib::Client& client, std::string_view path, const json& body,
                              const std::function<bool(const json& line)>& on_line) {
  httplib::Request req;
  req.method = "POST";
  req.path = std::string(path);
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  std::string pending;
  req.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    pending.append(data, length);
    for (size_t newline = pending.find('\n'); newline != std::string::npos;
         newline = pending.find('\n')) {
      const json line = ParseJson(pending.substr(0, newline));
      pending.erase(0, newline + 1);
      if (!on_line(line)) return false;
    }
    return true;
  };
  auto res = client.send(req);
  EXPECT_TRUE(pending.empty()) << "an unfinished line: " << pending;
  return res;
}

std::string StrCat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (std::string_view p : parts) out.append(p);
  return out;
}

std::string UrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::string WithQuery(std::string_view path,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(path);
  char separator = '?';
  for (const auto& [name, value] : params) {
    out.push_back(separator);
    out += UrlEncode(name) + "=" + UrlEncode(value);
    separator = '&';
  }
  return out;
}

WavInfo ParseWav(std::string_view b) {
  WavInfo info;
  if (b.size() < kWavHeaderBytes) {
    info.error = "shorter than a 44-byte header: " + std::to_string(b.size()) + " bytes";
    return info;
  }
  if (b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") {
    info.error = "no RIFF/WAVE signature";
    return info;
  }
  if (ReadLe32(b, 4) != b.size() - 8) {
    info.error = "RIFF size " + std::to_string(ReadLe32(b, 4)) + " but file has " +
                 std::to_string(b.size() - 8) + " bytes after it";
    return info;
  }
  if (b.substr(12, 4) != "fmt " || ReadLe32(b, 16) != 16) {
    info.error = "no 16-byte fmt chunk at offset 12";
    return info;
  }
  info.format = ReadLe16(b, 20);
  info.channels = ReadLe16(b, 22);
  info.sample_rate = ReadLe32(b, 24);
  const uint32_t byte_rate = ReadLe32(b, 28);
  const uint16_t block_align = ReadLe16(b, 32);
  info.bits_per_sample = ReadLe16(b, 34);
  if (b.substr(36, 4) != "data") {
    info.error = "no data chunk at offset 36";
    return info;
  }
  info.data_bytes = ReadLe32(b, 40);
  if (info.data_bytes != b.size() - kWavHeaderBytes) {
    info.error = "data size " + std::to_string(info.data_bytes) + " but " +
                 std::to_string(b.size() - kWavHeaderBytes) + " bytes follow the header";
    return info;
  }
  const uint32_t frame = info.channels * (info.bits_per_sample / 8u);
  if (frame == 0 || block_align != frame || byte_rate != info.sample_rate * frame) {
    info.error = "inconsistent block align or byte rate";
    return info;
  }
  if (info.data_bytes % frame != 0) {
    info.error = "data is not a whole number of frames";
    return info;
  }
  const uint32_t frames = info.data_bytes / frame;
  info.duration_seconds = static_cast<double>(frames) / info.sample_rate;
  info.valid = true;
  return info;
}

std::string MakeWav(std::string_view data) {
  std::string samples(data);
  if (samples.size() % 2 != 0) samples.push_back('\0');
  auto le32 = [](uint32_t v) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
  };
  auto le16 = [](uint16_t v) {
    return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
  };
  const auto size = static_cast<uint32_t>(samples.size());
  return "RIFF" + le32(36 + size) + "WAVE" + "fmt " + le32(16) + le16(1) + le16(1) +
         le32(kSampleRate) + le32(kSampleRate * 2) + le16(2) + le16(16) + "data" + le32(size) +
         samples;
}

::testing::AssertionResult IsSpeechWav(std::string_view bytes, double min_seconds,
                                       double max_seconds) {
  const WavInfo w = ParseWav(bytes);
  if (!w.valid) return ::testing::AssertionFailure() << "not a valid WAV: " << w.error;
  if (w.format != 1 || w.channels != 1 || w.sample_rate != kSampleRate || w.bits_per_sample != 16) {
    return ::testing::AssertionFailure()
           << "expected PCM 22050 Hz mono 16-bit, got format " << w.format << ", " << w.sample_rate
           << " Hz, " << w.channels << " channel(s), " << w.bits_per_sample << " bits";
  }
  if (w.duration_seconds < min_seconds || w.duration_seconds > max_seconds) {
    return ::testing::AssertionFailure() << "duration " << w.duration_seconds << " s is outside ["
                                         << min_seconds << ", " << max_seconds << "]";
  }
  return ::testing::AssertionSuccess();
}

std::string AudioUrl::Path() const { return "/static/audio/" + session_id + "/" + filename; }

std::string AudioUrl::Build() const {
  return Path() + "?expires=" + expires + "&signature=" + signature;
}

std::optional<AudioUrl> ParseAudioUrl(std::string_view url) {
  constexpr std::string_view kPrefix = "/static/audio/";
  if (url.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const size_t question = url.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  const std::string_view path = url.substr(kPrefix.size(), question - kPrefix.size());
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  AudioUrl out;
  out.session_id = std::string(path.substr(0, slash));
  out.filename = std::string(path.substr(slash + 1));
  const std::string_view query = url.substr(question + 1);
  out.expires = std::string(QueryValue(query, "expires"));
  out.signature = std::string(QueryValue(query, "signature"));
  return out;
}

namespace {

std::string Hex(const unsigned char* bytes, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return Hex(digest, length);
}

std::string HexSha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, length);
}

std::string SignLocalUrl(std::string_view secret_key, std::string_view session_id,
                         std::string_view filename, int64_t expires_unix) {
  // The derived key is the raw 32-byte HMAC, not its hex form.
  unsigned char derived[EVP_MAX_MD_SIZE];
  unsigned int derived_length = 0;
  constexpr std::string_view kPurpose = "swha-tts local audio URL v1";
  HMAC(EVP_sha256(), secret_key.data(), static_cast<int>(secret_key.size()),
       reinterpret_cast<const unsigned char*>(kPurpose.data()), kPurpose.size(), derived,
       &derived_length);
  const std::string key(reinterpret_cast<const char*>(derived), derived_length);
  AudioUrl url;
  url.session_id = std::string(session_id);
  url.filename = std::string(filename);
  url.expires = std::to_string(expires_unix);
  url.signature = HmacSha256Hex(key, "GET\n" + url.Path() + "\n" + url.expires);
  return url.Build();
}

int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> ListNames(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

int CountEntries(const std::string& dir) { return static_cast<int>(ListNames(dir).size()); }

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? static_cast<int>(std::strtol(value, nullptr, 10))
                                            : fallback;
}

int CountLinesStartingWith(std::string_view text, std::string_view prefix) {
  int count = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (text.substr(start, end - start).starts_with(prefix)) ++count;
    start = end + 1;
  }
  return count;
}

int CountOccurrences(std::string_view haystack, std::string_view needle) {
  int count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

int ConnectLoopback(int port, const std::string& source_address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (!source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (inet_pton(AF_INET, source_address.c_str(), &source.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<const sockaddr*>(&source), sizeof(source)) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

RawResponse SendRawRequest(int port, std::string_view request, std::chrono::milliseconds timeout,
                           const std::string& source_address) {
  const auto start = std::chrono::steady_clock::now();
  const int fd = ConnectLoopback(port, source_address);
  if (fd < 0) return {};
  RawResponse out =
      ExchangeOnConnection(fd, request, timeout - (std::chrono::steady_clock::now() - start));
  close(fd);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

RawResponse ExchangeOnConnection(int fd, std::string_view request,
                                 std::chrono::steady_clock::duration timeout, bool head_only) {
  RawResponse out;
  const auto start = std::chrono::steady_clock::now();
  while (!request.empty()) {
    const ssize_t n = send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    request.remove_prefix(static_cast<size_t>(n));
  }
  std::string data;
  const auto deadline = start + timeout;
  while (true) {
    const size_t end_of_head = data.find("\r\n\r\n");
    if (end_of_head != std::string::npos) {
      out.head = data.substr(0, end_of_head);
      std::string lower = out.head;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const size_t cl = lower.find("\r\ncontent-length:");
      const size_t length = head_only || cl == std::string::npos
                                ? 0
                                : std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
      if (data.size() >= end_of_head + 4 + length) {
        out.body = data.substr(end_of_head + 4, length);
        out.complete = true;
        if (out.head.size() > 12) {
          out.status = static_cast<int>(std::strtol(out.head.c_str() + 9, nullptr, 10));
        }
        break;
      }
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[8192];
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::optional<int> ListenBacklog(int port) {
  const int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::nullopt;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.sdiag_family = AF_INET;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = 1u << TCP_LISTEN;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &message, sizeof(message), 0, reinterpret_cast<const sockaddr*>(&kernel),
             sizeof(kernel)) < 0) {
    close(fd);
    return std::nullopt;
  }
  std::optional<int> backlog;
  alignas(nlmsghdr) char buffer[16384];
  bool done = false;
  while (!done) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    auto length = static_cast<unsigned int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, length);
         h = NLMSG_NEXT(h, length)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = true;
        break;
      }
      const auto* diag = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
      if (ntohs(diag->id.idiag_sport) == port) backlog = static_cast<int>(diag->idiag_wqueue);
    }
  }
  close(fd);
  return backlog;
}

std::optional<json> Generate(httplib::Client& client, const json& body) {
  auto res = PostJson(client, kGeneratePath, body);
  if (!res) {
    ADD_FAILURE() << "generate: no response (" << httplib::to_string(res.error()) << ")";
    return std::nullopt;
  }
  if (res->status != 200) {
    ADD_FAILURE() << "generate: status " << res->status << ": " << res->body;
    return std::nullopt;
  }
  json parsed = ParseJson(res->body);
  if (!parsed.is_object()) {
    ADD_FAILURE() << "generate: body is not a JSON object: " << res->body;
    return std::nullopt;
  }
  return parsed;
}

std::string SignUp(httplib::Client& client, const std::string& username) {
  auto registered = PostJson(
      client, "/api/v1/auth/register",
      {{"username", username}, {"email", username + "@example.com"}, {"password", kTestPassword}});
  if (!registered || registered->status != 200) {
    ADD_FAILURE() << "register " << username << ": "
                  << (registered ? registered->body : httplib::to_string(registered.error()));
    return "";
  }
  const std::string form = StrCat({"grant_type=password&username=", UrlEncode(username),
                                   "&password=", UrlEncode(kTestPassword)});
  auto login = client.Post("/api/v1/auth/login", form, "application/x-www-form-urlencoded");
  if (!login || login->status != 200) {
    ADD_FAILURE() << "login " << username << ": "
                  << (login ? login->body : httplib::to_string(login.error()));
    return "";
  }
  const json body = ParseJson(login->body);
  if (!body.is_object() || body.value("token_type", "") != "bearer" ||
      !body.contains("access_token") || !body.at("access_token").is_string()) {
    ADD_FAILURE() << "login " << username << ": unexpected body " << login->body;
    return "";
  }
  return body.at("access_token").get<std::string>();
}

testing::SplitCommandResult RunOperatorCli(const std::string& data_dir, const std::string& args,
                                           const std::string& stdin_text,
                                           const std::map<std::string, std::string>& env) {
  const std::string script =
      StrCat({"printf '%s\\n' \"$0\" | \"", testing::ServerBinary(), "\" ", args});
  std::map<std::string, std::string> full_env = env;
  full_env["DATA_DIR"] = data_dir;
  return testing::RunCommandSplit("/bin/sh", {"-c", script, stdin_text}, full_env, data_dir);
}

std::string MakeSuperuserToken(const std::string& data_dir, const std::string& username,
                               const std::map<std::string, std::string>& env) {
  auto created = RunOperatorCli(
      data_dir, StrCat({"user create ", username, " --email ", username, "@example.com --admin"}),
      "root-password-1", env);
  if (created.exit_code != 0) {
    ADD_FAILURE() << "user create " << username << ": " << created.err;
    return "";
  }
  auto token = RunOperatorCli(data_dir, StrCat({"token ", username, " --minutes 5"}), "", env);
  if (token.exit_code != 0 || token.out.empty()) {
    ADD_FAILURE() << "token " << username << ": " << token.err;
    return "";
  }
  token.out.pop_back();  // the newline
  return token.out;
}

std::unique_ptr<httplib::Client> MakeClientFor(int port, const std::string& token) {
  auto client = MakeClient(port);
  client->set_bearer_token_auth(token);
  return client;
}

httplib::Result FetchAbsolute(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  const std::string rest = url.starts_with(kScheme) ? url.substr(kScheme.size()) : url;
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const size_t colon = authority.rfind(':');
  const int port = colon == std::string::npos ? 80 : std::stoi(authority.substr(colon + 1));
  httplib::Client c("127.0.0.1", port);  // every server a test starts is on loopback
  c.set_read_timeout(30, 0);
  return c.Get(slash == std::string::npos ? "/" : rest.substr(slash));
}

std::optional<std::string> Download(httplib::Client& client, const std::string& url) {
  auto res = client.Get(url);
  if (!res) {
    ADD_FAILURE() << "GET " << url << ": no response";
    return std::nullopt;
  }
  if (res->status != 200) {
    ADD_FAILURE() << "GET " << url << ": status " << res->status << ": " << res->body;
    return std::nullopt;
  }
  return res->body;
}

double MetricSample(const std::string& exposition, const std::string& series) {
  for (size_t at = exposition.find(series); at != std::string::npos;
       at = exposition.find(series, at + 1)) {
    const size_t value = at + series.size();
    if ((at != 0 && exposition[at - 1] != '\n') || value >= exposition.size() ||
        exposition[value] != ' ') {
      continue;
    }
    return std::stod(exposition.substr(value + 1, exposition.find('\n', value) - value - 1));
  }
  return 0;
}

std::string NodeToolsDir() { return std::string(SWHA_SOURCE_DIR) + "/tests/node"; }

::testing::AssertionResult BrowserToolsInstalled(std::string* node) {
  int exit_code = -1;
  *node = testing::LastLine(testing::RunShell("command -v node", &exit_code));
  if (exit_code != 0) {
    return ::testing::AssertionFailure()
           << "node is not installed: run `bash scripts/install-deps.sh`";
  }
  if (access(kChromium, X_OK) != 0) {
    return ::testing::AssertionFailure() << kChromium
                                         << " is missing (Debian package chromium): run "
                                            "`bash scripts/install-deps.sh`";
  }
  if (!std::filesystem::exists(NodeToolsDir() + "/node_modules/playwright-core/package.json")) {
    return ::testing::AssertionFailure()
           << "npm's playwright-core is not installed in " << NodeToolsDir()
           << ": run `bash scripts/install-deps.sh` (npm ci there)";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace swha::blackbox
