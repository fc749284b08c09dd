// The settings table itself: every entry reachable by its flags and its key,
// listed in --help, printed by --check-config, and docs/configuration.md
// generated from it.
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "app/config/config_file.h"
#include "app/config/config_printer.h"
#include "app/config/config_reference.h"
#include "app/config/restart_changes.h"
#include "app/config/setting_table.h"
#include "app/config/usage.h"
#include "gtest/gtest.h"

namespace memgate::app {
namespace {

// Whether `name` is in `text` as a whole word (not a prefix of a longer flag).
bool HasFlag(const std::string& text, std::string_view name) {
  for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    const char before = at == 0 ? ' ' : text[at - 1];
    const std::size_t end = at + name.size();
    const char after = end < text.size() ? text[end] : ' ';
    if ((before == ' ' || before == ',') && !absl::ascii_isalnum(after) && after != '-' &&
        after != '_') {
      return true;
    }
  }
  return false;
}

TEST(ConfigTableTest, EveryFlagIsInTheHelp) {
  const std::string usage = Usage();
  for (const Setting& setting : SettingTable()) {
    ASSERT_FALSE(setting.flags.empty()) << setting.key;
    EXPECT_FALSE(setting.help.empty()) << setting.flags;
    EXPECT_NE(usage.find(FlagsLabel(setting)), std::string::npos) << setting.flags;
    for (std::string_view name : FlagNames(setting)) {
      EXPECT_TRUE(HasFlag(usage, name)) << name;
    }
  }
}

TEST(ConfigTableTest, EveryFlagAndKeyNamesOneSetting) {
  std::set<std::string_view> keys;
  for (const Setting& setting : SettingTable()) {
    for (std::string_view name : FlagNames(setting)) EXPECT_EQ(FindFlag(name), &setting) << name;
    if (setting.key.empty()) {
      EXPECT_EQ(setting.reload, Reload::kCommandLine) << setting.flags;
      continue;
    }
    EXPECT_TRUE(keys.insert(setting.key).second) << setting.key;
    EXPECT_EQ(FindKey(setting.key), &setting);
    EXPECT_NE(setting.reload, Reload::kCommandLine) << setting.key;
    EXPECT_TRUE(setting.field.value) << setting.key;
  }
}

TEST(ConfigTableTest, EverySettingIsInAGroup) {
  const std::vector<std::string_view>& groups = SettingGroups();
  for (const Setting& setting : SettingTable()) {
    EXPECT_NE(std::find(groups.begin(), groups.end(), setting.group), groups.end())
        << setting.flags;
  }
}

// The file's sections are written once each: a section's keys are
// neighbours in the table.
TEST(ConfigTableTest, SectionsAreContiguous) {
  std::set<std::string> closed;
  std::vector<std::string> open;
  for (const Setting& setting : SettingTable()) {
    if (setting.key.empty()) continue;
    std::vector<std::string> path = absl::StrSplit(std::string(setting.key), '.');
    path.pop_back();
    std::string prefix;
    std::vector<std::string> sections;
    for (const std::string& part : path) {
      prefix += part + ".";
      sections.push_back(prefix);
    }
    for (const std::string& section : open) {
      if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
        closed.insert(section);
      }
    }
    for (const std::string& section : sections) {
      EXPECT_FALSE(closed.contains(section)) << setting.key << " reopens " << section;
    }
    open = sections;
  }
}

TEST(ConfigTableTest, CheckConfigPrintsEveryKeyAndReadsBack) {
  const std::string printed = FormatConfig(Config{});
  for (const Setting& setting : SettingTable()) {
    if (setting.key.empty()) continue;
    const std::vector<std::string> path = absl::StrSplit(std::string(setting.key), '.');
    EXPECT_NE(printed.find(path.back() + ":"), std::string::npos) << setting.key;
  }
  absl::StatusOr<Config> again = ParseConfigYaml(printed, "printed.yaml");
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << printed;
  EXPECT_EQ(FormatConfig(*again), printed);
}

TEST(ConfigTableTest, ReferenceDocumentIsUpToDate) {
  const std::string path = std::string(MEMGATE_SOURCE_DIR) + "/docs/configuration.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const std::string document((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(document, ConfigReference())
      << "regenerate it: memgate --print-config-reference > docs/configuration.md";
}

TEST(ConfigTableTest, ReferenceListsEverySetting) {
  const std::string reference = ConfigReference();
  for (const Setting& setting : SettingTable()) {
    EXPECT_NE(reference.find(FlagsLabel(setting)), std::string::npos) << setting.flags;
    if (!setting.key.empty()) {
      EXPECT_NE(reference.find("`" + std::string(setting.key) + "`"), std::string::npos)
          << setting.key;
    }
  }
}

TEST(ConfigTableTest, ReloadReportsRestartOnlyChangesByGroupOnce) {
  const Config running;
  Config next = running;
  EXPECT_TRUE(RestartOnlyChanges(running, next).empty());
  next.log_level = "debug";
  next.shutdown_timeout = absl::Seconds(1);
  next.idle_timeout = std::chrono::seconds(5);
  next.listeners.push_back({.address = "127.0.0.1:0"});
  EXPECT_TRUE(RestartOnlyChanges(running, next).empty());
  next.redis_url = "redis://other:6379";
  next.redis_cluster_refresh = "1s";
  next.memory_limit_mb = 8;
  next.cas_enabled = false;
  next.listen_fds = {3};
  EXPECT_EQ(RestartOnlyChanges(running, next),
            (std::vector<std::string>{"listen_fds", "limits.memory_mb", "protocol", "backend"}));
}

}  // namespace
}  // namespace memgate::app
