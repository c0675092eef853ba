#include "locate.h"

#include <algorithm>

namespace faultline::harness::detail {

using scenarios::Aim;
using scenarios::Field;

std::string field_name(std::uint64_t within, std::uint64_t len, const std::optional<scenarios::Frame>& frame) {
  return within == 0                                                         ? "boundary"
       : !frame                                                              ? "record"
       : within < frame->header_bytes                                        ? "length"
       : within >= len - std::min<std::uint64_t>(len, frame->trailer_bytes) ? "checksum"
                                                                             : "payload";
}

namespace {

// The byte a fault event names: the flipped byte, the first byte not written, or the start of the call.
std::uint64_t aimed_byte(FaultKind kind, const faults::Event& e, std::uint64_t call_off) {
  switch (kind) {
    case FaultKind::kBitflipWrite: return e.raw.value("at", call_off);
    case FaultKind::kCrash:
    case FaultKind::kPowerLoss:
    case FaultKind::kShortWrite:
    case FaultKind::kWriteError: return call_off + e.raw.value("wrote", std::uint64_t{0});
    case FaultKind::kBitflipRead:
    case FaultKind::kReadError:
    case FaultKind::kFsyncError:
    case FaultKind::kLostWrite:
    case FaultKind::kMisdirectedWrite:
    case FaultKind::kAtRest: return call_off;
  }
  return call_off;
}

}  // namespace

std::optional<Placement> locate_fired(FaultKind kind, const std::vector<faults::Event>& events,
                                      const std::vector<Record>& records, const std::vector<Issued>& issued,
                                      const std::optional<scenarios::Frame>& frame) {
  std::size_t index = 0;
  while (index < events.size() && events[index].ev != "fault") ++index;
  if (index == events.size()) return std::nullopt;
  const auto& e = events[index];
  Placement p;
  p.file = e.file;
  p.record_off = static_cast<std::uint64_t>(std::max<std::int64_t>(e.off, 0));
  p.record_len = static_cast<std::uint64_t>(std::max<std::int64_t>(e.len, 0));
  p.offset = aimed_byte(kind, e, p.record_off);
  // The record's index among those written to the file: the damaged write itself, or the next one for a write that
  // never completed (a crash) and for a failed sync.
  std::uint64_t written_end = 0;
  for (const auto& r : records) {
    if (r.file != p.file || r.journal_index >= index) continue;
    ++p.record;
    written_end = std::max(written_end, r.off + r.len);
  }
  if (kind == FaultKind::kFsyncError && p.record_len == 0) p.record_off = p.offset = written_end;  // nothing unsynced
  for (std::size_t op = 0; op < issued.size(); ++op)
    if (index >= issued[op].journal_events_before &&
        (index < issued[op].journal_events_after || issued[op].ack == Ack::kNoReply))
      p.op = op;
  p.field = field_name(p.offset - std::min(p.offset, p.record_off), p.record_len, frame);
  return p;
}

namespace {

std::size_t drawn_record(const scenarios::FaultSpec& fault, const std::vector<Record>& records, Rng& rng,
                         std::uint64_t& offset) {
  const auto count = records.size();
  switch (fault.aim) {
    case Aim::kUniform: {
      std::uint64_t total = 0;
      for (const auto& r : records) total += r.len;
      std::uint64_t u = rng.below(total);
      std::size_t i = 0;
      for (; u >= records[i].len; ++i) u -= records[i].len;
      offset = records[i].off + u;
      return i;
    }
    case Aim::kLastRecord: return count - 1;
    case Aim::kMidLog: return rng.below(count > 1 ? count - 1 : 1);
    case Aim::kAnyRecord: return rng.below(count);
  }
  return 0;
}

// [lo, hi) inside a record of `len` bytes: the scenario's field, when the frame is known and the record has a payload.
std::pair<std::uint64_t, std::uint64_t> field_range(Field field, std::uint64_t len,
                                                    const std::optional<scenarios::Frame>& frame) {
  std::uint64_t lo = 0, hi = len;
  if (!frame || len <= frame->header_bytes + frame->trailer_bytes) return {lo, hi};
  switch (field) {
    case Field::kLength: hi = frame->header_bytes; break;
    case Field::kPayload: lo = frame->header_bytes; hi = len - frame->trailer_bytes; break;
    case Field::kChecksum: lo = len - frame->trailer_bytes; break;
    case Field::kBoundary: hi = 2; break;
    case Field::kAny: break;
  }
  return {lo, hi};
}

}  // namespace

std::vector<Record> live_records(std::vector<Record> records, const std::vector<faults::Event>& events,
                                 const std::function<std::optional<std::uint64_t>(const std::string&)>& size_now) {
  for (std::size_t k = 0; k < events.size(); ++k) {
    const auto& e = events[k];
    if (e.ret != 0 || (e.ev != "rename" && e.ev != "unlink")) continue;
    const bool rename = e.ev == "rename";
    const std::string from = rename ? e.raw.value("from", std::string()) : e.file;
    const std::string to = rename ? e.raw.value("to", std::string()) : std::string();
    std::erase_if(records, [&](const Record& r) {
      return r.journal_index < k && ((r.file == from && !rename) || (!to.empty() && r.file == to));
    });
    if (rename)
      for (auto& r : records)
        if (r.journal_index < k && r.file == from) r.file = to;  // outside target_dir (absolute): dropped below
  }
  std::erase_if(records, [&](Record& r) {
    const auto size = r.file.empty() || r.file.front() == '/' ? std::nullopt : size_now(r.file);
    if (!size || r.off >= *size) return true;
    r.len = std::min(r.len, *size - r.off);
    return false;
  });
  return records;
}

Placement locate_on_records(const scenarios::FaultSpec& fault, const std::vector<Record>& records,
                            std::size_t operations, const std::optional<scenarios::Frame>& frame,
                            const std::optional<RecordAim>& aim, Rng& rng) {
  Placement p;
  p.record = drawn_record(fault, records, rng, p.offset);
  // An explicit placement replaces the seed's: the same record counted from the end, the same byte inside it.
  if (aim) {
    // The first record written for the operation that many from the last (the last record if it wrote none).
    const auto op = operations - 1 - std::min<std::uint64_t>(aim->record_from_end, operations - 1);
    p.record = records.size() - 1;
    for (std::size_t i = 0; i < records.size(); ++i)
      if (records[i].op == op) {
        p.record = i;
        break;
      }
  }
  const Record& rec = records[p.record];
  p.file = rec.file;
  p.record_off = rec.off;
  p.record_len = rec.len;
  p.op = rec.op;
  if (aim) {
    p.offset = rec.off + std::min<std::uint64_t>(aim->offset_in_record, rec.len - 1);
  } else if (fault.aim != Aim::kUniform) {
    const auto [lo, hi] = field_range(fault.field, rec.len, frame);
    p.offset = rec.off + lo + rng.below(hi - lo);
  }
  p.field = field_name(p.offset - rec.off, rec.len, frame);
  return p;
}

}  // namespace faultline::harness::detail
