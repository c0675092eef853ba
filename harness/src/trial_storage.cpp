// Storage faults while the engine is down (at-rest damage, power loss) and the evidence kept before recovery.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "trial_run.h"

namespace faultline::harness::detail {

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Zeroing bytes that are already zero damages nothing: start at the first non-zero byte of the record from the aimed
// offset on (or before it).
std::uint64_t first_nonzero(const std::string& bytes, const Placement& p) {
  const auto end = p.record_off + p.record_len;
  std::uint64_t at = p.offset;
  while (at < end && at < bytes.size() && bytes[at] == 0) ++at;
  if (at >= end || at >= bytes.size())
    for (at = p.record_off; at < end && at < bytes.size() && bytes[at] == 0;) ++at;
  return at;
}

}  // namespace

void TrialRun::apply_at_rest(const Placement& p, Rng& rng) {
  const fs::path file = data_ / p.file;
  const auto d = fault_.damage;
  const auto size = file_size(p.file);
  const std::string before = read_all(file);
  reports::FaultEntry ledger;
  ledger.phase = "engine down";
  ledger.kind = fault_kind_name(FaultKind::kAtRest);
  ledger.damage = damage_name(d);
  switch (d) {
    case AtRestDamage::kBitflip: {
      const int bit = static_cast<int>(rng.below(8));
      faults::flip_bit(file, p.offset, bit);
      ledger.offset = p.offset;
      ledger.bit = static_cast<std::uint64_t>(bit);
      break;
    }
    case AtRestDamage::kZero:
    case AtRestDamage::kGarbage: {
      const auto end = p.record_off + p.record_len;
      const std::uint64_t at = d == AtRestDamage::kZero ? first_nonzero(before, p) : p.offset;
      const auto len = std::min<std::uint64_t>(1 + rng.below(8), end > at ? end - at : 1);
      d == AtRestDamage::kZero ? faults::zero_range(file, at, len) : faults::garbage_range(file, at, len, rng);
      ledger.offset = at;
      ledger.length = len;
      break;
    }
    case AtRestDamage::kTruncate:
      faults::truncate_to(file, p.offset);
      ledger.size = p.offset;
      break;
    case AtRestDamage::kZeroTail:
    case AtRestDamage::kGarbageTail: {  // bytes appended past the last record
      const auto len = 1 + rng.below(d == AtRestDamage::kZeroTail ? 4096 : 64);
      faults::truncate_to(file, size + len);
      if (d == AtRestDamage::kGarbageTail) faults::garbage_range(file, size, len, rng);
      ledger.offset = size;
      ledger.length = len;
      break;
    }
  }
  result_.faults.push_back(ledger);
  if (read_all(file) == before)
    violate("fault-not-fired", fmt::format("the {} damage left {} unchanged (the bytes already had that value)",
                                           damage_name(d), p.file));
}

void TrialRun::apply_power_loss(const RunRecord& run, Rng& rng) {
  const auto model = fault_.power_loss.value_or(PowerLossModel::kDropUnsynced);
  auto touched = run.histories;  // files this run never touched were made durable before it: nothing to lose
  std::erase_if(touched, [&](const auto& entry) { return run.untouched.contains(entry.first); });
  const auto actions = faults::apply_power_loss(data_, touched, model, rng);
  power_loss_actions_ = actions;
  reports::FaultEntry ledger;
  ledger.phase = "engine down";
  ledger.kind = fault_kind_name(FaultKind::kPowerLoss);
  ledger.model = faults::to_string(model);
  for (const auto& a : actions)
    ledger.files.push_back({a.file, a.action, a.size_before, a.size_after, a.synced_size, a.detail});
  runner_.say(fmt::format("  power loss ({}): {}", ledger.model, reports::to_json(ledger)["files"].dump()));
  result_.faults.push_back(std::move(ledger));
}

bool TrialRun::apply_storage_faults(const RunRecord& run, const Placement& p, Rng& rng) {
  before_damage_.reset();
  const bool power_loss = fault_.power_loss || fault_.kind == FaultKind::kFsyncError;
  if (fault_.kind != FaultKind::kAtRest && !power_loss) return true;
  std::string before = read_all(data_ / p.file);  // for the dump of the bytes before the damage
  if (fault_.kind == FaultKind::kAtRest) {
    apply_at_rest(p, rng);
    if (!result_.violations.empty()) return false;
  }
  if (power_loss) apply_power_loss(run, rng);
  if (read_all(data_ / p.file) != before) before_damage_ = std::move(before);
  return true;
}

// The hex dump of the aimed bytes before the damage: the file before the harness damaged it, or, for a bit flipped on
// its way to disk, the file with the bit the shim's fault line names flipped back. "" when not known (a torn, short,
// lost or misdirected write: the bytes the engine meant to write never reached the file).
std::string TrialRun::hexdump_before_damage(const RunRecord& run, const Placement& p,
                                            const std::vector<Record>& labelled) const {
  if (before_damage_) return hexdump_of_bytes(*before_damage_, p.offset, labelled, config_.profile);
  if (fault_.kind != FaultKind::kBitflipWrite) return "";
  for (const auto& e : run.events) {
    if (e.ev != "fault" || e.kind != FaultKind::kBitflipWrite || e.file != p.file) continue;
    const auto at = e.raw.value("at", std::int64_t{-1});
    const auto bit = e.raw.value("bit", std::int64_t{-1});
    auto bytes = read_all(data_ / p.file);
    if (at < 0 || static_cast<std::uint64_t>(at) >= bytes.size() || bit < 0 || bit > 7) return "";
    bytes[static_cast<std::size_t>(at)] = static_cast<char>(bytes[static_cast<std::size_t>(at)] ^ (1 << bit));
    return hexdump_of_bytes(bytes, p.offset, labelled, config_.profile);
  }
  return "";
}

// The transcript `repro` prints and the report keeps: each request, its reply, acknowledged or not.
void TrialRun::record_transcript(const RunRecord& run) {
  auto ack_name = [](Ack ack) { return ack == Ack::kOk ? "ok" : ack == Ack::kErr ? "error" : "no-reply"; };
  std::vector<reports::TranscriptOp> ops;
  for (std::size_t i = 0; i < run.issued.size(); ++i) {
    const auto& is = run.issued[i];
    if (config_.narrate)
      runner_.say(fmt::format("    #{:<3} {:<40} → {}", i, is.op.brief(),
                              is.ack == Ack::kNoReply ? std::string("no reply (not acknowledged)")
                                  : fmt::format("\"{}\"{}", is.reply, is.ack == Ack::kOk ? " (acknowledged)" : "")));
    ops.push_back({i, is.op.brief(), is.reply, ack_name(is.ack), is.journal_events_before,
                   is.ack == Ack::kNoReply ? std::nullopt : std::optional<std::size_t>(is.journal_events_after)});
  }
  if (result_.transcript.size() == reports::kTranscriptRuns) return;
  auto name = run.journal.filename().string();
  if (const auto dot = name.find(".journal"); dot != std::string::npos) name.resize(dot);
  result_.transcript.push_back(reports::bounded_transcript(std::move(name), std::move(ops)));
}

// The data files as they were before recovery, kept in memory: most trials pass, and writing them out would cost a
// directory, a file and their removal each time. write_evidence() puts them under evidence-N/ when the trial is kept.
void TrialRun::snapshot_evidence() {
  auto& files = evidence_.emplace_back();
  for (const auto& entry : fs::directory_iterator(data_))
    if (entry.is_regular_file() && matches_any(entry.path().filename().string(), config_.profile.data_files) &&
        !result_.untracked_files.contains(entry.path().filename().string()))  // not data: an engine may recreate it
      files[entry.path().filename().string()] = read_all(entry.path());
}

std::string TrialRun::evidence_changes() const {
  std::vector<std::string> changes;
  if (evidence_.empty()) return {};
  for (const auto& [name, before] : evidence_.back()) {
    const auto now = data_ / name;
    if (!fs::exists(now)) {
      changes.push_back(fmt::format("{} was removed", name));
    } else if (const auto after = read_all(now); after != before) {
      changes.push_back(fmt::format("{} changed ({} bytes before, {} after)", name, before.size(), after.size()));
    }
  }
  return join_capped(changes);
}

void TrialRun::write_evidence() const {
  for (std::size_t cycle = 0; cycle < evidence_.size(); ++cycle) {
    const auto dir = config_.work_dir / fmt::format("evidence-{}", cycle);
    fs::create_directories(dir);
    for (const auto& [name, bytes] : evidence_[cycle]) std::ofstream(dir / name, std::ios::binary) << bytes;
  }
}

}  // namespace faultline::harness::detail
