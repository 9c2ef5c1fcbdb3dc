#include "util/subprocess.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <csignal>

namespace swha {
namespace {

using Words = std::vector<std::string>;

TEST(SplitCommandLineTest, WordsAsAPosixShellSplitsThem) {
  EXPECT_EQ(SplitCommandLine("aws-vault  export --format=json\tprod").value(),
            (Words{"aws-vault", "export", "--format=json", "prod"}));
  EXPECT_EQ(SplitCommandLine(R"(/bin/sh -c 'echo "$HOME"' "a b" c\ d)").value(),
            (Words{"/bin/sh", "-c", R"(echo "$HOME")", "a b", "c d"}));
  EXPECT_EQ(SplitCommandLine(R"("say \"hi\" \n" ''x)").value(), (Words{R"(say "hi" \n)", "x"}));
}

TEST(SplitCommandLineTest, UnterminatedQuotesAndEmptyLinesAreRefused) {
  EXPECT_EQ(SplitCommandLine("run 'x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitCommandLine("run \"x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitCommandLine("   ").status().code(), StatusCode::kInvalidArgument);
}

TEST(RunProcessTest, OutputAndExitCodeAreCollected) {
  auto run = RunProcess({"/bin/sh", "-c", "printf 'out'; exit 7"}, 5000, 1024);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->stdout_text, "out");
  EXPECT_EQ(run->exit_code, 7);
}

TEST(RunProcessTest, TooSlowOrTooTalkativeProgramsAreKilled) {
  auto slow = RunProcess({"/bin/sh", "-c", "sleep 10"}, 200, 1024);
  EXPECT_EQ(slow.status().code(), StatusCode::kUnavailable);
  // Closes its output at once, then lingers: still cut off at the deadline.
  auto lingering = RunProcess({"/bin/sh", "-c", "exec >&-; sleep 10"}, 200, 1024);
  EXPECT_EQ(lingering.status().code(), StatusCode::kUnavailable);
  auto talkative = RunProcess({"/bin/sh", "-c", "yes"}, 5000, 4096);
  EXPECT_EQ(talkative.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(RunProcess({"/nonexistent/program"}, 1000, 10).status().code(),
            StatusCode::kUnavailable);
}

// The child sees none of our descriptors but its three, and no blocked signals.
TEST(RunProcessTest, TheChildInheritsNoDescriptorsAndNoSignalMask) {
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigset_t before;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &blocked, &before), 0);
  auto run = RunProcess(
      {"/bin/sh", "-c", "ls /proc/self/fd | wc -l; grep SigBlk /proc/self/status"}, 5000, 4096);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  // 0, 1, 2 and the one ls opens to list them.
  EXPECT_EQ(run->stdout_text.substr(0, run->stdout_text.find('\n')), "4") << run->stdout_text;
  EXPECT_NE(run->stdout_text.find("SigBlk:\t0000000000000000"), std::string::npos)
      << run->stdout_text;
}

}  // namespace
}  // namespace swha
