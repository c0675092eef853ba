#include "expect.h"

#include <algorithm>

#include <fmt/format.h>

namespace faultline::harness::detail {

using scenarios::TornTailPolicy;

const std::vector<ExpectedOutcomeRow> kExpectedOutcomes = {
    {OutcomeRule::kTornWrite, "crash at a byte (torn write)",
     "the torn record is cut: the file ends exactly where it started; every acknowledged write is there. A crash "
     "exactly on a record boundary leaves nothing to cut (clean start). With `torn_tail: abort` the engine must "
     "refuse instead.",
     "the same, but the file's size after recovery is not checked (a record may be several writes); the operation "
     "in flight may be lost"},
    {OutcomeRule::kContinuedWrite, "short write",
     "nothing visible: the engine continued the write; clean start with everything",
     "the same"},
    {OutcomeRule::kDamagedRecord, "bit flip / lost / misdirected write, at-rest bit flip, zeros or garbage in a record",
     "complete records after the damage: refuse (corrupt-log exit code), files untouched. The damaged record is the "
     "last one: refuse or cut it (torn write and bit rot cannot be told apart), and its operation may be lost",
     "judged by operations, not writes: damage with writes of later operations after it is mid-log (refuse, files "
     "untouched; a start is accepted too when it keeps every acknowledged write and invents nothing: the damaged "
     "bytes may be ones the engine does not need); damage in the last operation's writes (a header, then a page) "
     "may be refused or cut with that operation; writes made at start-up come before every operation"},
    {OutcomeRule::kFlippedRead, "bit flip on read (recovery)",
     "as for a damaged record, but transient: after a refusal (files untouched) a fault-free start recovers "
     "everything",
     "as for damage without `record_per_write`; a start with every acknowledged write is accepted (the engine read "
     "again, or did not need the byte)"},
    {OutcomeRule::kFailedRead, "EIO on read (recovery)",
     "refuse with any non-zero exit, files untouched, after which a fault-free start recovers everything; or start "
     "with everything",
     "the same"},
    {OutcomeRule::kFailedWrite, "write error",
     "the failed operation and every later one unacknowledged; recovery cuts the partial record (as for a torn write)",
     "the same; the size after recovery is not checked"},
    {OutcomeRule::kFailedSync, "fsync error",
     "the same, then a power loss drops the unsynced data: recovery ends at the start of the failed record",
     "the same; the size after recovery is not checked"},
    {OutcomeRule::kTruncatedAtRest, "at-rest truncation inside a record",
     "a torn tail: cut to the start of the truncated record (or refuse with `torn_tail: abort`); its operation may be "
     "lost",
     "every operation with a write past the cut may be lost: a cut into writes made at start-up (a file header) "
     "may lose them all"},
    {OutcomeRule::kZeroTail, "zero-filled tail", "cut it (file ends at the last complete record)",
     "the same; the size after recovery is not checked"},
    {OutcomeRule::kGarbageTail, "garbage tail", "cut it or refuse; if started, nothing acknowledged lost",
     "the same"},
    {OutcomeRule::kPowerLoss, "power loss",
     "every write the durability promise covers survives; for `sync: none`, only what the journal shows synced. When "
     "a sector tear leaves an unsynced tail that is not a clean prefix of what was written (a garbage sector, or a "
     "zero/old sector before a newer one: out-of-order writeback), refusing to start is accepted too: the engine "
     "cannot tell it from corruption",
     "the same; when the promise covers nothing yet (nothing acknowledged, no earlier cycle), refusing to start is "
     "accepted too: a half-made start-up cannot be told from damage"},
};

OutcomeRule outcome_rule(const scenarios::FaultSpec& fault) {
  switch (fault.kind) {
    case FaultKind::kCrash: return OutcomeRule::kTornWrite;
    case FaultKind::kShortWrite: return OutcomeRule::kContinuedWrite;
    case FaultKind::kBitflipWrite:
    case FaultKind::kLostWrite:
    case FaultKind::kMisdirectedWrite: return OutcomeRule::kDamagedRecord;
    case FaultKind::kBitflipRead: return OutcomeRule::kFlippedRead;
    case FaultKind::kReadError: return OutcomeRule::kFailedRead;
    case FaultKind::kWriteError: return OutcomeRule::kFailedWrite;
    case FaultKind::kFsyncError: return OutcomeRule::kFailedSync;
    case FaultKind::kPowerLoss: return OutcomeRule::kPowerLoss;
    case FaultKind::kAtRest:
      switch (fault.damage) {
        case AtRestDamage::kBitflip:
        case AtRestDamage::kZero:
        case AtRestDamage::kGarbage: return OutcomeRule::kDamagedRecord;
        case AtRestDamage::kTruncate: return OutcomeRule::kTruncatedAtRest;
        case AtRestDamage::kZeroTail: return OutcomeRule::kZeroTail;
        case AtRestDamage::kGarbageTail: return OutcomeRule::kGarbageTail;
      }
      break;
  }
  return OutcomeRule::kDamagedRecord;  // not reached: every kind and damage is listed above
}

namespace {

// The rules share three shapes: a torn tail the engine's policy cuts or refuses, a damaged record classified by what
// follows it, and what a power loss leaves.
class Expecting {
 public:
  explicit Expecting(const ExpectInput& in) : in_(in), p_(in.placement) {
    e_.file = p_.file;
    e_.keep_min = in.acked_prefix;
  }

  void torn_tail(std::uint64_t cut, const std::string& why) {
    e_.size_after = cut;
    e_.reason = why;
    if (in_.size_now == cut) {
      e_.reason += "; nothing past it reached the file, so recovery is clean";
      return;
    }
    const auto policy = in_.profile.torn_tail;
    e_.allow_start = policy != TornTailPolicy::kAbort;
    e_.allow_abort = policy != TornTailPolicy::kTruncate;
  }

  // A complete record beyond the damaged one makes the damage mid-log. For a black box a write is no record: only
  // the writes of a later operation count (a record written as two calls, header then page, is one operation's).
  bool written_after_damage() const {
    const bool black = black_box(in_.profile);
    for (const auto& r : in_.records) {
      if (r.file != p_.file || r.off < p_.record_off + p_.record_len || r.off + r.len > in_.size_now) continue;
      if (!black || (r.op < in_.operations && (p_.op >= in_.operations || r.op > p_.op))) return true;
    }
    return false;
  }

  void damaged_record(const std::string& what) {
    const bool later = written_after_damage();
    e_.allow_abort = true;
    if (later) {
      e_.allow_start = false;
      e_.start_if_complete = black_box(in_.profile);
      const bool black = e_.start_if_complete;
      e_.reason = fmt::format("{} in {} {} at {} with {} after it: mid-log corruption{}", what,
                              black ? "write" : "record", p_.record, p_.record_off,
                              black ? "writes of later operations" : "complete records",
                              black ? " (a black box may also start with every acknowledged write)" : "");
    } else {
      e_.size_after = p_.record_off;
      e_.keep_min = std::min(e_.keep_min, damaged_op());
      e_.reason = fmt::format("{} in the last {} ({} at {}): torn write or bit rot cannot be told apart, so the "
                              "engine may refuse or cut it (losing its operation)", what,
                              black_box(in_.profile) ? "operation's writes" : "record", p_.record, p_.record_off);
    }
  }

  // The operations a cut at `at` leaves whole: for a black box, those before the first one with a write past it
  // (writes made at start-up, before any operation, count as operation 0's).
  std::size_t kept_by_cut(std::uint64_t at) const {
    if (!black_box(in_.profile)) return damaged_op();
    std::size_t k = in_.acked_prefix;
    for (const auto& r : in_.records)
      if (r.file == p_.file && r.off + r.len > at) k = std::min(k, r.op < in_.operations ? r.op : std::size_t{0});
    return k;
  }

  void power_loss() {
    if (in_.profile.sync == scenarios::SyncPromise::kNone) {
      std::size_t k = 0;
      for (const auto& r : in_.records)
        if (r.file == p_.file && r.off + r.len <= in_.synced_size && r.op < in_.operations) k = std::max(k, r.op + 1);
      e_.keep_min = std::min(e_.keep_min, k);
      e_.allow_abort = true;
    }
    // Torn sectors after the synced prefix that are not a clean prefix of what was written (garbage, or zeros before
    // newer data: out-of-order writeback) cannot be told from corruption by the engine: like a garbage tail, cutting
    // them and refusing are both defensible (docs/design-notes.md §1.9, §1.10). What must never happen is starting
    // without a covered write. A clean prefix (drop-unsynced, random-prefix) leaves no such excuse.
    for (const auto& a : in_.power_loss)
      if (a.file == p_.file && a.action == "torn" && !a.clean_prefix) e_.allow_abort = true;
    e_.reason = fmt::format("power loss after a crash at {}: {} bytes of {} were synced; every write the promise "
                            "(sync {}) covers must survive", p_.offset, in_.synced_size, p_.file,
                            scenarios::to_string(in_.profile.sync));
    // A black box that refuses to start when the promise covers nothing (nothing acknowledged, no earlier cycle)
    // loses nothing: its files may hold a half-made start-up it cannot tell from damage.
    if (black_box(in_.profile) && e_.keep_min == 0 && in_.base_empty && !e_.allow_abort) {
      e_.allow_abort = true;
      e_.reason += "; nothing is covered yet, so refusing to start loses nothing";
    }
  }

  std::uint64_t records_end() const {
    std::uint64_t end = 0;
    for (const auto& r : in_.records)
      if (r.file == p_.file) end = std::max(end, r.off + r.len);
    return end;
  }
  std::size_t damaged_op() const { return p_.op < in_.operations ? p_.op : in_.acked_prefix; }

  Expectation& e() { return e_; }

 private:
  const ExpectInput& in_;
  const Placement& p_;
  Expectation e_;
};

}  // namespace

Expectation expect(const ExpectInput& in) {
  Expecting x(in);
  auto& e = x.e();
  const auto& p = in.placement;
  const auto torn_record = [&] {
    x.torn_tail(p.record_off, fmt::format("torn record at {} ({} of {} bytes written)", p.record_off,
                                          p.offset - p.record_off, p.record_len));
  };
  const auto damage = damage_name(in.fault.damage);
  switch (outcome_rule(in.fault)) {
    case OutcomeRule::kTornWrite:
    case OutcomeRule::kFailedWrite: torn_record(); break;
    case OutcomeRule::kContinuedWrite:
      e.size_after = in.size_now;
      e.reason = "a short write must be continued by the engine, so the log is complete";
      break;
    case OutcomeRule::kDamagedRecord:
      x.damaged_record(in.fault.kind == FaultKind::kBitflipWrite ? fmt::format("bit flipped at {} on its way to the file", p.offset)
                       : in.fault.kind == FaultKind::kLostWrite  ? std::string("write lost")
                       : in.fault.kind == FaultKind::kMisdirectedWrite ? std::string("write misdirected")
                       : fmt::format("{} at {} while the engine was down", damage, p.offset));
      break;
    case OutcomeRule::kFlippedRead:
      x.damaged_record(fmt::format("bit flipped at {} in what recovery reads", p.offset));
      e.transient = true;
      break;
    case OutcomeRule::kFailedRead:
      e.allow_abort = true;
      e.any_exit_allowed = true;
      e.transient = true;
      e.size_after = in.size_now;
      e.reason = fmt::format("{} reading offset {}: never the end of the log; refuse (any exit) or retry", in.fault.err,
                             p.offset);
      break;
    case OutcomeRule::kFailedSync:
      e.size_after = p.record_off;
      e.reason = fmt::format("fsync failed for the record at {}; its data is lost at power loss and the engine must "
                             "not have acknowledged it", p.record_off);
      if (in.size_now != p.record_off) x.torn_tail(p.record_off, e.reason);
      break;
    case OutcomeRule::kTruncatedAtRest:
      e.keep_min = std::min(e.keep_min, x.kept_by_cut(p.offset));
      x.torn_tail(p.record_off, fmt::format("file truncated at {} inside record {}", p.offset, p.record));
      break;
    case OutcomeRule::kZeroTail: x.torn_tail(x.records_end(), "zeros past the last record: a zero-filled tail"); break;
    case OutcomeRule::kGarbageTail:
      e.allow_abort = true;
      e.size_after = x.records_end();
      e.reason = "garbage past the last record: a torn tail or corruption, cut or refuse";
      break;
    case OutcomeRule::kPowerLoss: x.power_loss(); break;
  }
  return e;
}

}  // namespace faultline::harness::detail
