// Bundles (docs/report.md, "Bundles"): a trial written down as its plan, so it replays anywhere without the seed's
// draws. Format 2 stores the TrialPlan itself; format 1 (operations of the first cycle and one placement) is still
// read, into the plan it stood for.
#include <cstdint>
#include <stdexcept>

#include <fmt/format.h>

#include "faultline/harness/input.h"
#include "faultline/harness/shrink.h"
#include "trial/plan.h"

namespace faultline::harness {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

ordered_json ops_to_json(const std::vector<Op>& ops) {
  ordered_json out = ordered_json::array();
  for (const auto& op : ops) out.push_back(op.request());
  return out;
}

ordered_json spec_to_json(const faults::FaultSpec& f) {
  ordered_json j{{"kind", fault_kind_name(f.kind)}, {"file", f.file}};
  if (f.offset) j["offset"] = *f.offset;
  if (f.nth) j["nth"] = *f.nth;
  if (f.prob) j["prob"] = *f.prob;
  if (f.step) j["step"] = *f.step;
  j["count"] = f.count;
  if (f.span) j["span"] = {f.span->from, f.span->to};
  if (f.keep) j["keep"] = *f.keep;
  if (f.bit) j["bit"] = *f.bit;
  if (f.err) j["err"] = *f.err;
  if (f.shift) j["shift"] = *f.shift;
  if (f.region) j["region"] = {f.region->first, f.region->second};
  if (f.rewrite != faults::FaultSpec::Rewrite::kAny)
    j["rewrite"] = f.rewrite == faults::FaultSpec::Rewrite::kOverwrite ? "overwrite" : "append";
  return j;
}

constexpr const char* kWriteNames[] = {"first", "last", "any", "nth"};  // scenarios::FaultSpec::Write, kSpread resolved

ordered_json write_to_json(const WriteAim& w) {
  ordered_json j{{"which", kWriteNames[static_cast<int>(w.write)]}};
  if (w.write == scenarios::FaultSpec::Write::kNth) j["nth"] = w.nth;
  if (w.write == scenarios::FaultSpec::Write::kAny) j["pick"] = fmt::format("{:016x}", w.pick);
  if (w.region_optional) j["region_optional"] = true;
  return j;
}

ordered_json plan_to_json(const TrialPlan& plan) {
  ordered_json cycles = ordered_json::array();
  for (const auto& c : plan.cycles) {
    ordered_json j{{"operations", ops_to_json(c.ops)}};
    if (c.armed_op) j["armed_operation"] = *c.armed_op;
    if (c.armed) {
      j["armed"] = spec_to_json(*c.armed);
      j["plan_line"] = faults::render_fault_line(*c.armed);
      if (c.write.needs_rehearsal()) j["write"] = write_to_json(c.write);
    }
    if (c.window > 0) j["window"] = c.window;
    if (c.aim) j["aim"] = {{"record_from_end", c.aim->record_from_end}, {"offset_in_record", c.aim->offset_in_record}};
    const auto rest = c.rest.state();
    j["rest"] = ordered_json::array();
    for (const auto word : rest.word) j["rest"].push_back(fmt::format("{:016x}", word));
    cycles.push_back(std::move(j));
  }
  return {{"cycles", cycles}, {"after_operations", ops_to_json(plan.after_ops)}};
}

// Reads one bundle, every field checked before anything runs: a bundle comes from anywhere.
class BundleReader {
 public:
  BundleReader(const fs::path& file, const json& doc) : file_(file), doc_(doc) {}

  scenarios::ConfigError fail(const std::string& field, const std::string& expected) const {
    return scenarios::ConfigError(fmt::format("{}: field '{}': expected {}", file_.string(), field, expected));
  }

  const json& member(const json& object, const std::string& field, const char* key, const char* expected) const {
    if (!object.is_object() || !object.contains(key)) throw fail(field, expected);
    return object[key];
  }

  std::uint64_t count(const json& v, const std::string& field) const {
    if (!v.is_number_unsigned()) throw fail(field, "a non-negative integer");
    return v.get<std::uint64_t>();
  }

  // docs/engine-protocol.md: "PUT k v" or "DEL k", k a word of 1 to 64 characters of [A-Za-z0-9_.-] and v such a
  // word or "#" and the hex of 1 to 65536 bytes (Op::request()), so an operation can never smuggle a second request
  // (a newline) or an oversized word to the engine.
  std::vector<Op> ops(const json& list, const std::string& field) const {
    if (!list.is_array()) throw fail(field, "an array of requests");
    if (list.size() > 100000) throw fail(field, "at most 100000 requests");
    auto word = [](const std::string& w) {
      return !w.empty() && w.size() <= 64 &&
             w.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos;
    };
    std::vector<Op> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto& line = list[i];
      const std::string text = line.is_string() ? line.get<std::string>() : "";
      const auto first = text.find(' ');
      const auto second = first == std::string::npos ? first : text.find(' ', first + 1);
      Op op;
      if (text.rfind("PUT ", 0) == 0 && second != std::string::npos) {
        op.key = text.substr(4, second - 4);
        op.value = value_from_text(text.substr(second + 1)).value_or("");
      } else if (text.rfind("DEL ", 0) == 0 && second == std::string::npos) {
        op.kind = Op::Kind::kDel;
        op.key = text.substr(4);
      }
      if (op.key.empty() || !word(op.key) || (op.kind == Op::Kind::kPut && op.value.empty()))
        throw fail(fmt::format("{}[{}]", field, i),
                   fmt::format("\"PUT k v\" or \"DEL k\" with k of 1 to 64 characters of [A-Za-z0-9_.-] and v such a word "
                               "or \"#\" and the hex of 1 to 65536 bytes, got {}",
                               line.dump(-1, ' ', true, json::error_handler_t::replace).substr(0, 200)));
      out.push_back(op);
    }
    return out;
  }

  RecordAim aim(const json& a, const std::string& field) const {
    if (!a.is_object()) throw fail(field, "an object with record_from_end and offset_in_record");
    RecordAim out;
    if (a.contains("record_from_end")) out.record_from_end = count(a["record_from_end"], field + ".record_from_end");
    if (a.contains("offset_in_record")) out.offset_in_record = count(a["offset_in_record"], field + ".offset_in_record");
    return out;
  }

  faults::FaultSpec spec(const json& j, const std::string& field) const {
    faults::FaultSpec f;
    const auto& kind = member(j, field + ".kind", "kind", "a fault kind the shim injects");
    if (!kind.is_string() || !parse_fault_kind(kind.get<std::string>().c_str(), &f.kind) || !shim_injects(f.kind))
      throw fail(field + ".kind", "a fault kind the shim injects (docs/fault-plan.md)");
    if (j.contains("file")) {
      if (!j["file"].is_string()) throw fail(field + ".file", "a glob");
      f.file = j["file"].get<std::string>();
    }
    auto opt = [&](const char* key) -> std::optional<std::uint64_t> {
      if (!j.contains(key)) return std::nullopt;
      return count(j[key], fmt::format("{}.{}", field, key));
    };
    f.offset = opt("offset");
    f.nth = opt("nth");
    f.step = opt("step");
    f.keep = opt("keep");
    if (const auto c = opt("count")) f.count = static_cast<std::uint32_t>(std::min<std::uint64_t>(*c, UINT32_MAX));
    if (const auto b = opt("bit")) f.bit = static_cast<int>(std::min<std::uint64_t>(*b, 255));
    if (j.contains("prob")) {
      if (!j["prob"].is_number()) throw fail(field + ".prob", "a number");
      f.prob = j["prob"].get<double>();
    }
    if (j.contains("span")) {
      const auto& s = j["span"];
      if (!s.is_array() || s.size() != 2 || !s[0].is_number_integer() || !s[1].is_number_integer())
        throw fail(field + ".span", "[from, to], two integers");
      f.span = faults::Span{s[0].get<std::int64_t>(), s[1].get<std::int64_t>()};
    }
    if (j.contains("err")) {
      if (!j["err"].is_string()) throw fail(field + ".err", "an errno name");
      f.err = j["err"].get<std::string>();
    }
    if (j.contains("shift")) {
      if (!j["shift"].is_number_integer()) throw fail(field + ".shift", "an integer");
      f.shift = j["shift"].get<std::int64_t>();
    }
    if (j.contains("region")) {
      const auto& r = j["region"];
      if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() || !r[1].is_number_unsigned())
        throw fail(field + ".region", "[from, to], two non-negative integers");
      f.region = std::pair<std::uint64_t, std::uint64_t>{r[0].get<std::uint64_t>(), r[1].get<std::uint64_t>()};
    }
    if (j.contains("rewrite")) {
      const auto& r = j["rewrite"];
      if (r != "overwrite" && r != "append") throw fail(field + ".rewrite", "\"overwrite\" or \"append\"");
      f.rewrite = r == "overwrite" ? faults::FaultSpec::Rewrite::kOverwrite : faults::FaultSpec::Rewrite::kAppend;
    }
    faults::Plan check;  // the plan's own rules (render_plan), before any engine runs
    check.journal = check.target_dir = check.step_file = "/faultline-bundle-check";
    check.faults = {f};
    try {
      faults::render_plan(check);
    } catch (const std::invalid_argument& e) {
      throw fail(field, fmt::format("a valid fault plan line ({})", e.what()));
    }
    return f;
  }

  // Which of the armed operation's writes (WriteAim); absent: its first.
  WriteAim write(const json& w, const std::string& field) const {
    WriteAim out;
    const auto& which = member(w, field + ".which", "which", "\"first\", \"last\", \"any\" or \"nth\"");
    int i = 0;
    while (i < 4 && which != kWriteNames[i]) ++i;
    if (i == 4) throw fail(field + ".which", "\"first\", \"last\", \"any\" or \"nth\"");
    out.write = static_cast<scenarios::FaultSpec::Write>(i);
    if (w.contains("nth")) {
      out.nth = static_cast<std::uint32_t>(std::min<std::uint64_t>(count(w["nth"], field + ".nth"), UINT32_MAX));
      if (out.nth == 0) throw fail(field + ".nth", "a write number from 1");
    }
    if (w.contains("pick")) {
      const std::string p = w["pick"].is_string() ? w["pick"].get<std::string>() : "";
      if (p.size() != 16 || p.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw fail(field + ".pick", "16 hexadecimal digits (the draw)");
      out.pick = std::stoull(p, nullptr, 16);
    }
    if (w.contains("region_optional")) {
      if (!w["region_optional"].is_boolean()) throw fail(field + ".region_optional", "true or false");
      out.region_optional = w["region_optional"].get<bool>();
    }
    return out;
  }

  Rng rest(const json& words, const std::string& field) const {
    const char* expected = "four words of 16 hexadecimal digits (the stream's state)";
    if (!words.is_array() || words.size() != 4) throw fail(field, expected);
    RngState state{};
    for (std::size_t i = 0; i < 4; ++i) {
      const std::string w = words[i].is_string() ? words[i].get<std::string>() : "";
      if (w.size() != 16 || w.find_first_not_of("0123456789abcdef") != std::string::npos) throw fail(field, expected);
      state.word[i] = std::stoull(w, nullptr, 16);
    }
    return Rng::resume(state);
  }

  CyclePlan cycle(const json& c, const std::string& field, bool while_running) const {
    CyclePlan out;
    out.ops = ops(member(c, field + ".operations", "operations", "an array of requests"), field + ".operations");
    if (c.contains("armed") != while_running || c.contains("armed_operation") != while_running)
      throw fail(field, while_running ? "armed and armed_operation: the scenario's fault is placed while the engine runs"
                                      : "no armed fault: the scenario's fault is placed while the engine is down");
    if (while_running) {
      out.armed_op = count(c["armed_operation"], field + ".armed_operation");
      if (*out.armed_op >= out.ops.size()) throw fail(field + ".armed_operation", "the index of one of its operations");
      out.armed = spec(c["armed"], field + ".armed");
      if (c.contains("plan_line") && c["plan_line"] != faults::render_fault_line(*out.armed))
        throw fail(field + ".plan_line", fmt::format("the line 'armed' stands for: \"{}\"",
                                                     faults::render_fault_line(*out.armed)));
      if (c.contains("write")) out.write = write(c["write"], field + ".write");
    }
    if (c.contains("window")) {
      out.window = count(c["window"], field + ".window");
      if (out.window >= out.ops.size() || (out.armed_op && *out.armed_op < out.window))
        throw fail(field + ".window", "an operation index before the armed one (the preload's length)");
    }
    if (c.contains("aim")) out.aim = aim(c["aim"], field + ".aim");
    out.rest = rest(member(c, field + ".rest", "rest", "the cycle's stream"), field + ".rest");
    return out;
  }

  TrialPlan plan(const scenarios::Scenario& scenario) const {
    const auto& p = member(doc_, "plan", "plan", "the trial's plan");
    const auto& cycles = member(p, "plan.cycles", "cycles", "an array of cycles");
    if (!cycles.is_array() || cycles.size() != scenario.crashes)
      throw fail("plan.cycles", fmt::format("one cycle per crash of the scenario ({})", scenario.crashes));
    const bool while_running = fault_kind_info(scenario.fault.kind).placement == FaultPlacement::kWhileRunning;
    TrialPlan out;
    for (std::size_t i = 0; i < cycles.size(); ++i)
      out.cycles.push_back(cycle(cycles[i], fmt::format("plan.cycles[{}]", i), while_running));
    out.after_ops = ops(member(p, "plan.after_operations", "after_operations", "an array of requests"),
                        "plan.after_operations");
    return out;
  }

  // Format 1: the seed's plan with the first cycle's operations replaced and every cycle aimed at one placement.
  TrialPlan plan_v1(const TrialConfig& config) const {
    auto first = ops(member(doc_, "operations", "operations", "an array of requests"), "operations");
    RecordAim a;
    if (doc_.contains("fault")) a = aim(doc_["fault"], "fault");
    auto plan = detail::plan_trial(config);
    plan.cycles.front().ops = std::move(first);
    detail::aim_plan(plan, config, a);
    return plan;
  }

 private:
  const fs::path& file_;
  const json& doc_;
};

}  // namespace

ordered_json bundle_to_json(const TrialConfig& config, const std::string& violation, const std::string& trace_hash,
                            const ordered_json& original) {
  return {{"format_version", 2},
          {"kind", "faultline-bundle"},
          {"scenario", config.scenario.document},
          {"profile", config.profile.document},
          {"seed", std::to_string(config.seed)},
          {"plan", plan_to_json(config.plan ? *config.plan : detail::plan_trial(config))},
          {"expected_violation", violation},
          {"trace_hash", trace_hash},
          {"original", original}};
}

std::vector<Op> read_bundle_ops(const fs::path& file, const json& list, const std::string& field) {
  return BundleReader(file, list).ops(list, field);
}

Bundle load_bundle(const fs::path& file) {
  const auto doc = scenarios::read_json_file(file);
  const BundleReader read(file, doc);
  if (!doc.is_object() || doc.value("kind", "") != "faultline-bundle")
    throw read.fail("kind", "\"faultline-bundle\" (a trial's) or \"faultline-explore-state\" (an explore finding's)");
  const int version = doc.value("format_version", 0);
  if (version != 1 && version != 2) throw read.fail("format_version", "1 or 2");
  Bundle b;
  if (!doc.contains("scenario") || !doc.contains("profile")) throw read.fail("scenario", "the embedded scenario and profile");
  b.config.scenario = scenarios::parse_scenario(doc["scenario"], file.string() + ": scenario");
  b.config.profile = scenarios::parse_profile(doc["profile"], file.string() + ": profile");
  if (!doc.contains("seed") || !doc["seed"].is_string()) throw read.fail("seed", "a decimal string");
  b.config.seed = parse_uint(file.string() + ": field 'seed'", doc["seed"].get<std::string>());
  b.config.plan = version == 1 ? read.plan_v1(b.config) : read.plan(b.config.scenario);
  for (const char* key : {"expected_violation", "trace_hash"})
    if (doc.contains(key) && !doc[key].is_string()) throw read.fail(key, "a string");
  b.violation = doc.value("expected_violation", "");
  b.trace_hash = doc.value("trace_hash", "");
  return b;
}

}  // namespace faultline::harness
