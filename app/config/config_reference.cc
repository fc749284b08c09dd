// The reference is markdown: one table per --help group, one row per setting.
#include "app/config/config_reference.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "app/config/setting_table.h"
#include "common/absl_compat.h"

namespace memgate::app {
namespace {

constexpr std::string_view kIntroduction = R"(# Configuration reference

Every setting memgate takes, generated from its settings table
(`app/config/setting_table.cc`) by `memgate --print-config-reference`; a test
fails when this file and the table differ. Flags override the config file
(`--config FILE`, see `examples/memgate.yaml`), whose keys are dotted here:
`limits.memory_mb` is `memory_mb` under `limits:`.

Reload says what a reload (SIGHUP, or the admin RPC ReloadConfig) does with a
changed value: *live* applies it; *restart* reports it ("takes a restart")
and keeps the running value; *command line* settings are not in the file and
a reload keeps the command line memgate started with.
)";

std::string_view ReloadText(Reload reload) {
  switch (reload) {
    case Reload::kLive:
      return "live";
    case Reload::kRestart:
      return "restart";
    case Reload::kCommandLine:
      return "command line";
  }
  return "";
}

std::string Code(std::string_view text) {
  if (text.empty()) return "";
  return absl::StrCat("`", absl::StrReplaceAll(ToAbsl(text), {{"|", "\\|"}}), "`");
}

std::string Cell(std::string_view text) {
  return absl::StrReplaceAll(ToAbsl(text),
                             {{"\n", " "}, {"|", "\\|"}, {"<", "&lt;"}, {">", "&gt;"}});
}

}  // namespace

std::string ConfigReference() {
  std::string out(kIntroduction);
  for (std::string_view group : SettingGroups()) {
    absl::StrAppend(&out, "\n## ", ToAbsl(group), "\n\n",
                    "| Flags | YAML key | Default | Reload | Description |\n",
                    "|---|---|---|---|---|\n");
    for (const Setting& setting : SettingTable()) {
      if (setting.group != group) continue;
      const std::string default_value =
          setting.field.value ? ValueText(setting.field.value(Config{})) : "";
      absl::StrAppend(&out, "| ", Code(FlagsLabel(setting)), " | ", Code(setting.key), " | ",
                      Code(default_value), " | ", ToAbsl(ReloadText(setting.reload)), " | ",
                      Cell(setting.help), " |\n");
    }
  }
  return out;
}

}  // namespace memgate::app
