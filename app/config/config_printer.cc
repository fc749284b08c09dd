// Writes each setting's value under its dotted key, opening and closing the
// key's sections as the table goes from one to the next.
#include "app/config/config_printer.h"

#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "app/config/setting_table.h"
#include "common/absl_compat.h"
#include "yaml-cpp/yaml.h"

namespace memgate::app {
namespace {

void Emit(YAML::Emitter& out, const Value& value) {
  struct Visitor {
    YAML::Emitter& out;
    void operator()(const std::string& s) const { out << s; }
    void operator()(int64_t n) const { out << n; }
    void operator()(bool b) const { out << b; }
    void operator()(const std::vector<std::string>& list) const { out << list; }
    void operator()(const std::vector<int64_t>& list) const { out << YAML::Flow << list; }
    void operator()(const ListenerValues& l) const {
      out << YAML::BeginSeq;
      for (const std::string& address : l.addresses) {
        out << YAML::BeginMap << YAML::Key << "address" << YAML::Value << address << YAML::EndMap;
      }
      for (const ListenerConfig& listener : l.listeners) {
        out << YAML::BeginMap;
        if (!listener.id.empty()) out << YAML::Key << "id" << YAML::Value << listener.id;
        out << YAML::Key << "address" << YAML::Value << listener.address;
        out << YAML::Key << "max_clients" << YAML::Value << listener.max_clients;
        out << YAML::Key << "idle_timeout" << YAML::Value
            << absl::FormatDuration(listener.idle_timeout);
        out << YAML::EndMap;
      }
      out << YAML::EndSeq;
    }
  };
  std::visit(Visitor{out}, value);
}

}  // namespace

std::string FormatConfig(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  std::vector<std::string_view> open;  // the sections the last key is in
  for (const Setting& setting : SettingTable()) {
    if (setting.key.empty()) continue;
    std::vector<std::string_view> path;
    for (absl::string_view part : absl::StrSplit(ToAbsl(setting.key), '.')) {
      path.push_back(FromAbsl(part));
    }
    const std::string_view leaf = path.back();
    path.pop_back();
    std::size_t common = 0;
    while (common < open.size() && common < path.size() && open[common] == path[common]) {
      ++common;
    }
    for (; open.size() > common; open.pop_back()) out << YAML::EndMap;
    for (; open.size() < path.size(); open.push_back(path[open.size()])) {
      out << YAML::Key << std::string(path[open.size()]) << YAML::Value << YAML::BeginMap;
    }
    out << YAML::Key << std::string(leaf) << YAML::Value;
    Emit(out, setting.field.value(config));
  }
  for (; !open.empty(); open.pop_back()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace memgate::app
