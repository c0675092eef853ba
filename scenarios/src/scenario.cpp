#include "faultline/scenarios/scenario.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "faultline/engine_protocol.h"
#include "json_fields.h"

namespace faultline::scenarios {
namespace detail {

nlohmann::json parse_json_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the file (does it exist and is it readable?)", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(fmt::format("{}: not valid JSON at byte {}: {}", file.string(), e.byte, e.what()));
  }
}

}  // namespace detail

using detail::Fields;

const std::vector<std::string>& fault_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> out;
    for (const auto& k : kFaultKinds) out.emplace_back(k.name);
    return out;
  }();
  return kinds;
}

const char* to_string(Aim aim) {
  switch (aim) {
    case Aim::kUniform: return "uniform";
    case Aim::kAnyRecord: return "any-record";
    case Aim::kLastRecord: return "last-record";
    case Aim::kMidLog: return "mid-log";
  }
  return "?";
}

const char* to_string(Field field) {
  switch (field) {
    case Field::kAny: return "any";
    case Field::kLength: return "length";
    case Field::kPayload: return "payload";
    case Field::kChecksum: return "checksum";
    case Field::kBoundary: return "boundary";
  }
  return "?";
}

namespace {

Aim parse_aim(const std::string& s) {
  if (s == "uniform") return Aim::kUniform;
  if (s == "any-record") return Aim::kAnyRecord;
  if (s == "last-record") return Aim::kLastRecord;
  return Aim::kMidLog;
}

Field parse_field(const std::string& s) {
  if (s == "length") return Field::kLength;
  if (s == "payload") return Field::kPayload;
  if (s == "checksum") return Field::kChecksum;
  if (s == "boundary") return Field::kBoundary;
  return Field::kAny;
}

// `value_bytes: {min, max}`: values of any byte, up to engine protocol v2's limit, sent in hex (docs/engine-protocol.md).
void parse_value_bytes(const Fields& f, WorkloadSpec& w) {
  if (f.has("value_length")) f.fail("value_bytes", "value_length or value_bytes, not both (value_length: words of "
                                                   "1 to 64 characters; value_bytes: any bytes, protocol v2)");
  const Fields v = f.object("value_bytes");
  v.only({"min", "max"});
  if (!v.has("min") || !v.has("max"))
    f.fail("value_bytes", fmt::format("{{\"min\": A, \"max\": B}} with 1 <= A <= B <= {}", protocol::kMaxValueBytes));
  w.value_min = static_cast<std::uint32_t>(v.uint("min", 1, 1, protocol::kMaxValueBytes));
  w.value_max = static_cast<std::uint32_t>(v.uint("max", 1, 1, protocol::kMaxValueBytes));
  if (w.value_min > w.value_max) v.fail("min", fmt::format("at most max ({}), got {}", w.value_max, w.value_min));
  w.any_byte = true;
  // Every value may come back in one DUMP answer, in hex, which the harness bounds (engine-protocol.md, "Timeouts").
  const std::uint64_t entries = std::uint64_t{w.preload} + w.operations;
  const std::uint64_t dump = entries * (2 * std::uint64_t{w.value_max} + 80);
  if (dump > protocol::kMaxDumpBytes)
    v.fail("max", fmt::format("at most {} for {} operations (with preload): their values in hex must fit in one DUMP "
                              "answer of {} MiB; got {}", protocol::kMaxDumpBytes / entries / 2 - 40, entries,
                              protocol::kMaxDumpBytes >> 20, w.value_max));
}

WorkloadSpec parse_workload(const Fields& f) {
  f.only({"operations", "keys", "value_length", "value_bytes", "delete_percent", "preload", "fresh_keys"});
  WorkloadSpec w;
  w.preload = static_cast<std::uint32_t>(f.uint("preload", 0, 0, 100000));
  w.fresh_keys = f.boolean("fresh_keys", !f.has("keys"));
  w.operations = static_cast<std::uint32_t>(f.uint("operations", w.operations, 1, 100000));
  w.keys = static_cast<std::uint32_t>(f.uint("keys", w.keys, 1, 100000));
  w.delete_percent = static_cast<std::uint32_t>(f.uint("delete_percent", w.delete_percent, 0, 100));
  if (f.has("value_length")) {
    const auto& v = f.raw("value_length");
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() || !v[1].is_number_unsigned() ||
        v[0].get<std::uint64_t>() < 1 || v[1].get<std::uint64_t>() > 64 || v[0] > v[1])
      f.fail("value_length", "[min, max] with 1 <= min <= max <= 64");
    w.value_min = v[0].get<std::uint32_t>();
    w.value_max = v[1].get<std::uint32_t>();
  }
  if (f.has("value_bytes")) parse_value_bytes(f, w);
  return w;
}

std::vector<std::string> damage_names() {
  std::vector<std::string> out{""};
  for (const char* name : kAtRestDamageNames) out.emplace_back(name);
  return out;
}

std::vector<std::string> power_loss_names() {
  std::vector<std::string> out{""};
  for (const auto& m : kPowerLossModels) out.emplace_back(m.scenario_name);
  return out;
}

// Which write of the armed operation, in which file and region (faults placed while the engine runs).
void parse_write_aim(const Fields& f, FaultSpec& spec) {
  spec.explicit_write_aim = f.has("write") || f.has("file") || f.has("head_bytes") || f.has("rewrite");
  if (spec.explicit_write_aim && fault_kind_info(spec.kind).placement != FaultPlacement::kWhileRunning)
    f.fail("write", "no write, file, head_bytes or rewrite for a fault placed while the engine is down");
  if (f.has("write") && f.raw("write").is_number()) {
    spec.write = FaultSpec::Write::kNth;
    spec.write_nth = static_cast<std::uint32_t>(f.uint("write", 1, 1, 1u << 20));
  } else {
    const auto w = f.one_of("write", "first", {"first", "last", "any", "spread"});
    spec.write = w == "last" ? FaultSpec::Write::kLast : w == "any" ? FaultSpec::Write::kAny
               : w == "spread" ? FaultSpec::Write::kSpread : FaultSpec::Write::kFirst;
  }
  spec.file = f.str("file", "");
  if (f.has("head_bytes")) spec.head_bytes = f.uint("head_bytes", 0, 1, std::uint64_t{1} << 40);
  const auto r = f.one_of("rewrite", "any", {"any", "overwrite", "append"});
  spec.rewrite = r == "overwrite" ? FaultSpec::Rewrite::kOverwrite
               : r == "append" ? FaultSpec::Rewrite::kAppend : FaultSpec::Rewrite::kAny;
  if (spec.rewrite != FaultSpec::Rewrite::kAny && spec.kind == FaultKind::kFsyncError)
    f.fail("rewrite", "\"any\" for fsync_error (a sync is no write)");
}

FaultSpec parse_fault(const Fields& f) {
  f.only({"kind", "aim", "field", "errno", "keep", "damage", "power_loss", "during", "write", "file", "head_bytes",
          "rewrite"});
  FaultSpec spec;
  const auto kind = f.one_of("kind", "", fault_kinds());
  parse_fault_kind(kind.c_str(), &spec.kind);
  spec.aim = parse_aim(f.one_of("aim", "uniform", {"uniform", "any-record", "last-record", "mid-log"}));
  spec.field = parse_field(f.one_of("field", "any", {"any", "length", "payload", "checksum", "boundary"}));
  spec.err = f.one_of("errno", "EIO", {"EIO", "ENOSPC", "EDQUOT", "EFBIG"});
  if (f.has("keep")) spec.keep = f.uint("keep", 0, 0, 1u << 30);
  const bool at_rest = spec.kind == FaultKind::kAtRest;
  const auto damage = f.one_of("damage", at_rest ? "bitflip" : "", damage_names());
  if (at_rest && damage.empty()) f.fail("damage", "a damage kind for an at_rest fault");
  if (!at_rest && !damage.empty()) f.fail("damage", "no damage field unless kind is at_rest");
  for (int i = 0; i < kAtRestDamageCount; ++i)
    if (damage == kAtRestDamageNames[i]) spec.damage = static_cast<AtRestDamage>(i);
  const auto model = f.one_of("power_loss", spec.kind == FaultKind::kPowerLoss ? "drop-unsynced" : "",
                              power_loss_names());
  for (const auto& m : kPowerLossModels)
    if (model == m.scenario_name) spec.power_loss = m.model;
  spec.during_recovery = f.one_of("during", "workload", {"workload", "recovery"}) == "recovery";
  if (spec.during_recovery && spec.kind != FaultKind::kCrash) f.fail("during", "\"recovery\" only with kind \"crash\"");
  parse_write_aim(f, spec);
  return spec;
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& file) { return detail::parse_json_file(file); }

Scenario load_scenario(const std::filesystem::path& file) { return parse_scenario(detail::parse_json_file(file), file); }

Scenario parse_scenario(const nlohmann::json& doc, const std::filesystem::path& file) {
  if (!doc.is_object()) throw ConfigError(fmt::format("{}: expected a JSON object at the top level", file.string()));
  Fields f(doc, file);
  f.only({"format_version", "name", "summary", "description", "workload", "fault", "crashes", "after"});
  if (f.uint("format_version", 0, 1, 1) != 1) f.fail("format_version", "1 (the field is required)");
  Scenario s;
  s.source = file;
  s.document = doc;
  s.name = f.str("name", "", true);
  if (s.name.empty() || s.name.find_first_of(" ,/") != std::string::npos)
    f.fail("name", "a non-empty name without spaces, commas or slashes");
  s.summary = f.str("summary", "", true);
  s.description = f.str("description", "");
  s.workload = parse_workload(f.object("workload"));
  if (!f.has("fault")) f.fail("fault", "an object (the field is required)");
  s.fault = parse_fault(f.object("fault"));
  s.crashes = static_cast<std::uint32_t>(f.uint("crashes", 1, 1, 100));
  Fields after = f.object("after");
  after.only({"operations"});
  s.after_operations = static_cast<std::uint32_t>(after.uint("operations", 4, 0, 100000));
  return s;
}

std::vector<Scenario> load_scenario_dir(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  if (ec) throw ConfigError(fmt::format("{}: cannot list scenario directory: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  std::vector<Scenario> out;
  for (const auto& file : files) out.push_back(load_scenario(file));
  return out;
}

std::vector<Scenario> resolve_scenarios(const std::string& name, const std::filesystem::path& dir) {
  if (name.ends_with(".json")) return {load_scenario(name)};
  if (name == "all") {
    auto all = load_scenario_dir(dir);
    if (all.empty()) throw ConfigError(fmt::format("{}: no scenario files (*.json) found", dir.string()));
    return all;
  }
  std::vector<Scenario> out;
  std::stringstream names(name);
  std::string one;
  while (std::getline(names, one, ',')) {
    const auto file = dir / (one + ".json");
    if (!std::filesystem::exists(file))
      throw ConfigError(fmt::format("scenario '{}' not found: no file {} (run `faultline scenarios` to list them)",
                                    one, file.string()));
    out.push_back(load_scenario(file));
  }
  if (out.empty()) throw ConfigError("--scenario: expected a scenario name, a list of names, 'all' or a .json path");
  return out;
}

}  // namespace faultline::scenarios
