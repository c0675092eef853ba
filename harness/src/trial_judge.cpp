// Storage faults while the engine is down, the expected outcome of recovery, and the judgement of what happened.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "trial_run.h"

namespace faultline::harness::detail {

namespace fs = std::filesystem;
using scenarios::TornTailPolicy;

namespace {

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::size_t leading_acked_count(const std::vector<Issued>& issued) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < issued.size(); ++i)
    if (issued[i].ack == Ack::kOk) n = i + 1;
  return n;
}

std::string power_loss_name(const std::string& scenario_name) {
  // Scenario files spell models with dashes, the faults library with underscores.
  if (scenario_name == "sector-512") return "sector_tear_512";
  if (scenario_name == "sector-4096") return "sector_tear_4096";
  std::string out = scenario_name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

bool TrialRun::apply_storage_faults(const RunResult& run, const Placement& p, Rng& rng) {
  const auto& kind = fault_.kind;
  const fs::path file = data_ / p.file;
  nlohmann::ordered_json ledger{{"phase", "engine down"}, {"kind", kind}};
  if (kind == "at_rest") {
    const auto& d = fault_.damage;
    const auto size = file_size(p.file);
    const std::string before = read_all(file);
    ledger["damage"] = d;
    if (d == "bitflip") {
      const int bit = static_cast<int>(rng.below(8));
      faults::flip_bit(file, p.offset, bit);
      ledger["offset"] = p.offset;
      ledger["bit"] = bit;
    } else if (d == "zero" || d == "garbage") {
      // Zeroing bytes that are already zero damages nothing: start at the first non-zero byte of the record from the
      // aimed offset on (or before it).
      const auto end = p.record_off + p.record_len;
      std::uint64_t at = p.offset;
      if (d == "zero") {
        while (at < end && at < before.size() && before[at] == 0) ++at;
        if (at >= end || at >= before.size())
          for (at = p.record_off; at < end && at < before.size() && before[at] == 0;) ++at;
      }
      const auto len = std::min<std::uint64_t>(1 + rng.below(8), end > at ? end - at : 1);
      d == "zero" ? faults::zero_range(file, at, len) : faults::garbage_range(file, at, len, rng);
      ledger["offset"] = at;
      ledger["length"] = len;
    } else if (d == "truncate") {
      faults::truncate_to(file, p.offset);
      ledger["size"] = p.offset;
    } else {  // zero-tail, garbage-tail: bytes appended past the last record
      const auto len = 1 + rng.below(d == "zero-tail" ? 4096 : 64);
      faults::truncate_to(file, size + len);
      if (d == "garbage-tail") faults::garbage_range(file, size, len, rng);
      ledger["offset"] = size;
      ledger["length"] = len;
    }
    result_.faults.push_back(ledger);
    if (read_all(file) == before) {
      violate("fault-not-fired", fmt::format("the {} damage left {} unchanged (the bytes already had that value)", d, p.file));
      return false;
    }
  }
  if (!fault_.power_loss.empty() || kind == "fsync_error") {
    const auto model = faults::power_loss_model_from_string(
        power_loss_name(fault_.power_loss.empty() ? "drop-unsynced" : fault_.power_loss));
    auto histories = faults::summarize(run.events);
    const auto actions = faults::apply_power_loss(data_, histories, model, rng);
    power_loss_actions_ = actions;
    nlohmann::ordered_json acts = nlohmann::ordered_json::array();
    for (const auto& a : actions)
      acts.push_back({{"file", a.file}, {"action", a.action}, {"size_before", a.size_before},
                      {"size_after", a.size_after}, {"synced_size", a.synced_size}, {"detail", a.detail}});
    result_.faults.push_back({{"phase", "engine down"}, {"kind", "power_loss"}, {"model", faults::to_string(model)},
                              {"files", acts}});
    runner_.say(fmt::format("  power loss ({}): {}", faults::to_string(model), acts.dump()));
  }
  return true;
}

Expectation TrialRun::expect(const RunResult& run, const Placement& p) const {
  Expectation e;
  e.file = p.file;
  e.keep_min = leading_acked_count(run.issued);
  const auto& kind = fault_.kind;
  const auto size_now = file_size(p.file);
  bool later = false;  // a complete record beyond the damaged one: the damage is mid-log
  for (const auto& r : run.records)
    later = later || (r.file == p.file && r.off >= p.record_off + p.record_len && r.off + r.len <= size_now);
  std::uint64_t records_end = 0;
  for (const auto& r : run.records)
    if (r.file == p.file) records_end = std::max(records_end, r.off + r.len);
  const std::size_t damaged_op = p.op < run.issued.size() ? p.op : e.keep_min;

  auto torn_tail = [&](std::uint64_t cut, const std::string& why) {
    e.size_after = cut;
    e.reason = why;
    if (size_now == cut) {
      e.reason += "; nothing past it reached the file, so recovery is clean";
      return;
    }
    const auto policy = config_.profile.torn_tail;
    e.allow_start = policy != TornTailPolicy::kAbort;
    e.allow_abort = policy != TornTailPolicy::kTruncate;
  };
  auto damaged_record = [&](const std::string& what) {
    if (later) {
      e.allow_start = false;
      e.allow_abort = true;
      e.reason = fmt::format("{} in record {} at {} with complete records after it: mid-log corruption", what,
                             p.record, p.record_off);
    } else {
      e.allow_abort = true;
      e.size_after = p.record_off;
      e.keep_min = std::min(e.keep_min, damaged_op);
      e.reason = fmt::format("{} in the last record ({} at {}): torn write or bit rot cannot be told apart, so the "
                             "engine may refuse or cut it (losing its operation)", what, p.record, p.record_off);
    }
  };

  if (kind == "crash" || kind == "write_error") {
    torn_tail(p.record_off, fmt::format("torn record at {} ({} of {} bytes written)", p.record_off,
                                        p.offset - p.record_off, p.record_len));
  } else if (kind == "short_write") {
    e.size_after = size_now;
    e.reason = "a short write must be continued by the engine, so the log is complete";
  } else if (kind == "bitflip_write" || kind == "lost_write" || kind == "misdirected_write" || kind == "bitflip_read") {
    damaged_record(kind == "bitflip_write" ? fmt::format("bit flipped at {} on its way to the file", p.offset)
                 : kind == "bitflip_read"  ? fmt::format("bit flipped at {} in what recovery reads", p.offset)
                 : kind == "lost_write"    ? std::string("write lost")
                                           : std::string("write misdirected"));
    e.transient = kind == "bitflip_read";
  } else if (kind == "read_error") {
    e.allow_abort = true;
    e.any_exit_allowed = true;
    e.transient = true;
    e.size_after = size_now;
    e.reason = fmt::format("{} reading offset {}: never the end of the log; refuse (any exit) or retry", fault_.err,
                           p.offset);
  } else if (kind == "fsync_error") {
    e.size_after = p.record_off;
    e.reason = fmt::format("fsync failed for the record at {}; its data is lost at power loss and the engine must "
                           "not have acknowledged it", p.record_off);
    if (size_now != p.record_off) torn_tail(p.record_off, e.reason);
  } else if (kind == "at_rest") {
    const auto& d = fault_.damage;
    if (d == "truncate") {
      e.keep_min = std::min(e.keep_min, damaged_op);
      torn_tail(p.record_off, fmt::format("file truncated at {} inside record {}", p.offset, p.record));
    } else if (d == "zero-tail") {
      torn_tail(records_end, "zeros past the last record: a zero-filled tail");
    } else if (d == "garbage-tail") {
      e.allow_abort = true;
      e.size_after = records_end;
      e.reason = "garbage past the last record: a torn tail or corruption, cut or refuse";
    } else {
      damaged_record(fmt::format("{} at {} while the engine was down", d, p.offset));
    }
  } else if (kind == "power_loss") {
    const auto histories = faults::summarize(run.events);
    const auto it = histories.find(p.file);
    const auto synced = it == histories.end() ? 0 : it->second.synced_size;
    if (config_.profile.sync == scenarios::SyncPromise::kNone) {
      std::size_t k = 0;
      for (const auto& r : run.records)
        if (r.file == p.file && r.off + r.len <= synced && r.op < run.issued.size()) k = std::max(k, r.op + 1);
      e.keep_min = std::min(e.keep_min, k);
      e.allow_abort = true;
    }
    for (const auto& a : power_loss_actions_) {
      // Torn sectors after the synced prefix that are not a clean prefix of what was written (garbage, or zeros before
      // newer data: out-of-order writeback) cannot be told from corruption by the engine: like a garbage tail, cutting
      // them and refusing are both defensible (docs/design-notes.md §1.9, §1.10). What must never happen is starting
      // without a covered write. A clean prefix (drop-unsynced, random-prefix) leaves no such excuse.
      if (a.file == p.file && a.action == "torn" && !a.clean_prefix) e.allow_abort = true;
    }
    e.reason = fmt::format("power loss after a crash at {}: {} bytes of {} were synced; every write the promise "
                           "(sync {}) covers must survive", p.offset, synced, p.file,
                           scenarios::to_string(config_.profile.sync));
  }
  return e;
}

// The data files as they were before recovery, kept in memory: most trials pass, and writing them out would cost a
// directory, a file and their removal each time. write_evidence() puts them under evidence-N/ when the trial is kept.
void TrialRun::snapshot_evidence() {
  auto& files = evidence_.emplace_back();
  for (const auto& entry : fs::directory_iterator(data_))
    if (entry.is_regular_file() && matches_any(entry.path().filename().string(), config_.profile.data_files))
      files[entry.path().filename().string()] = read_all(entry.path());
}

std::string TrialRun::evidence_changes() const {
  std::string changes;
  if (evidence_.empty()) return changes;
  for (const auto& [name, before] : evidence_.back()) {
    const auto now = data_ / name;
    if (!fs::exists(now)) {
      changes += fmt::format("{} was removed; ", name);
    } else if (const auto after = read_all(now); after != before) {
      changes += fmt::format("{} changed ({} bytes before, {} after); ", name, before.size(), after.size());
    }
  }
  return changes;
}

void TrialRun::write_evidence() const {
  for (std::size_t cycle = 0; cycle < evidence_.size(); ++cycle) {
    const auto dir = config_.work_dir / fmt::format("evidence-{}", cycle);
    fs::create_directories(dir);
    for (const auto& [name, bytes] : evidence_[cycle]) std::ofstream(dir / name, std::ios::binary) << bytes;
  }
}

}  // namespace faultline::harness::detail
