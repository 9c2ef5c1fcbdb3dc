#include "app/completion.h"

#include <map>

#include "audio/format.h"
#include "tts/voice_catalog.h"

namespace swha::app {
namespace {

// Every command path ("swha-tts", "swha-tts s3", ...: bash keys cannot be empty) with its
// subcommands and its options.
struct Level {
  std::string subcommands;
  std::string options;
};

void Collect(const CLI::App& app, const std::string& path, std::map<std::string, Level>* out) {
  Level& level = (*out)[path];
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) level.options += " --" + name;
    for (const std::string& name : option->get_snames()) level.options += " -" + name;
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    level.subcommands += " " + sub->get_name();
    Collect(*sub, path + " " + sub->get_name(), out);
  }
}

std::string Words(std::string_view list) {
  return std::string(list.empty() ? list : list.substr(1));
}

}  // namespace

Result<std::string> CompletionScript(const CLI::App& cli, const std::string& shell) {
  if (shell != "bash" && shell != "zsh") {
    return Status::InvalidArgument("completion is for bash or zsh, not \"" + shell + "\"");
  }
  std::map<std::string, Level> levels;
  Collect(cli, "swha-tts", &levels);
  std::string voices;
  for (const tts::Voice& v : tts::AllVoices()) voices += " " + std::string(v.name);
  std::string languages;
  for (const tts::Language& l : tts::AllLanguages()) languages += std::string(" ") + l.code;
  std::string formats;
  for (const audio::FormatInfo& f : audio::AllFormats()) formats += " " + std::string(f.name);

  std::string script =
      "# " + shell + " completion for swha-tts (`swha-tts completion " + shell + "`)\n";
  if (shell == "zsh") script += "autoload -U +X bashcompinit && bashcompinit\n";
  script += "_swha_tts() {\n  local -A subs=(";
  for (const auto& [path, level] : levels) {
    script += " [\"" + path + "\"]=\"" + Words(level.subcommands) + "\"";
  }
  script += " )\n  local -A opts=(";
  for (const auto& [path, level] : levels) {
    script += " [\"" + path + "\"]=\"" + Words(level.options) + "\"";
  }
  script += " )\n";
  // The subcommand path is the words that name a subcommand of the path so far; option values
  // ("--voice af_heart") are not subcommands and are passed over.
  script +=
      "  local node=swha-tts word i\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    word=${COMP_WORDS[i]}\n"
      "    if [[ \" ${subs[$node]} \" == *\" $word \"* ]]; then node=\"$node $word\"; fi\n"
      "  done\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words\n"
      "  case $prev in\n"
      "    --voice) words=\"" +
      Words(voices) +
      "\" ;;\n"
      "    --lang) words=\"" +
      Words(languages) +
      "\" ;;\n"
      "    -f|--format) words=\"" +
      Words(formats) +
      "\" ;;\n"
      "    *) if [[ $cur == -* ]]; then words=${opts[$node]}; else words=${subs[$node]}; fi ;;\n"
      "  esac\n"
      "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      "}\n"
      "complete -o default -F _swha_tts swha-tts\n";
  return script;
}

}  // namespace swha::app
