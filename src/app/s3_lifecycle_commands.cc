#include "app/s3_lifecycle_commands.h"

#include <utility>

#include "storage/s3_lifecycle.h"
#include "util/strings.h"

namespace swha::app {
namespace {

using storage::LifecycleChange;
using storage::LifecycleRule;

int Fail(const S3ToolEnv& env, const Status& status) {
  *env.err << "swha-tts: " << status.message() << '\n';
  return 1;
}

std::string Describe(const LifecycleRule& rule) {
  std::string line = (rule.id.empty() ? std::string("(no id)") : rule.id) + ": prefix " +
                     QuoteForMessage(rule.prefix);
  if (rule.narrower_filter) line += " (and tags or sizes)";
  line += rule.enabled ? ", Enabled" : ", Disabled";
  if (rule.expiration_days.has_value()) {
    line += ", expire after " + std::to_string(*rule.expiration_days) + " day(s)";
  }
  if (rule.expiration_date.has_value()) line += ", expire on " + *rule.expiration_date;
  if (rule.abort_multipart_days.has_value()) {
    line += ", abort incomplete multipart uploads after " +
            std::to_string(*rule.abort_multipart_days) + " day(s)";
  }
  if (rule.has_transitions) line += ", with transitions";
  return line;
}

int Show(const storage::S3Client& client, const S3ToolEnv& env) {
  Result<std::vector<LifecycleRule>> rules = storage::ReadLifecycleRules(client);
  if (!rules.ok()) return Fail(env, rules.status());
  if (rules->empty()) *env.out << "no lifecycle rules\n";
  for (const LifecycleRule& rule : *rules) {
    const bool ours = storage::FindOurRule(*rules, rule.prefix) == &rule;
    *env.out << Describe(rule) << (ours ? " [swha-tts]" : "") << '\n';
  }
  return 0;
}

}  // namespace

int RunS3Lifecycle(const config::S3Settings& settings, const LifecycleCommand& command,
                   const S3ToolEnv& env) {
  Result<std::unique_ptr<storage::S3Client>> client = CreateToolClient(settings, env);
  if (!client.ok()) return Fail(env, client.status());
  if (command.action == LifecycleAction::kShow) return Show(**client, env);

  Result<LifecycleChange> change =
      command.action == LifecycleAction::kApply
          ? storage::ApplyExpirationRule(**client, command.prefix, command.days)
          : storage::RemoveExpirationRule(**client, command.prefix);
  if (!change.ok()) return Fail(env, change.status());
  *env.out << "rule " << storage::ExpirationRuleId(command.prefix) << ": "
           << storage::LifecycleChangeName(*change);
  if (command.action == LifecycleAction::kApply) {
    *env.out << " (objects under " << QuoteForMessage(command.prefix) << " expire after "
             << command.days << " day(s); incomplete multipart uploads are aborted after "
             << storage::kAbortMultipartDays << " day(s))";
  }
  *env.out << '\n';
  return 0;
}

}  // namespace swha::app
