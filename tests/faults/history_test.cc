// The recorded history's reader (faults/src/history.cc) on hand-made byte strings.
#include "faultline/history.h"

#include <cstring>
#include <stdexcept>

#include <gtest/gtest.h>

namespace faultline::faults {
namespace {

namespace h = faultline::history;

HistoryEvent write_ev(std::string name, std::uint64_t off, std::string data) {
  HistoryEvent e;
  e.type = HistoryType::kWrite;
  e.name = std::move(name);
  e.ino = 11;
  e.off = off;
  e.len = data.size();
  e.data = std::move(data);
  return e;
}

HistoryEvent rename_ev(std::string from, std::string to) {
  HistoryEvent e;
  e.type = HistoryType::kRename;
  e.name = std::move(from);
  e.name2 = std::move(to);
  return e;
}

void put_u64(std::string& s, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}

// A header and one record, byte by byte as history_format.h states them.
std::string one_record(std::uint8_t type, std::uint8_t committed, const std::string& name, const std::string& data) {
  std::string s(h::kHeaderSize, '\0');
  std::memcpy(s.data(), "faultline-hist1", 16);
  const std::size_t size = h::record_size(name.size(), 0, data.size());
  std::string r(size, '\0');
  r[0] = static_cast<char>(size);
  r[4] = static_cast<char>(type);
  r[5] = static_cast<char>(committed);
  r[6] = static_cast<char>(name.size());
  r[12] = 9;                       // pid
  put_u64(r, 16, 3);               // step
  put_u64(r, 24, 77);              // ino
  put_u64(r, 32, 5);               // off
  put_u64(r, 40, data.size());     // len
  std::memcpy(r.data() + 48, name.data(), name.size());
  std::memcpy(r.data() + 48 + name.size(), data.data(), data.size());
  s += r;
  put_u64(s, h::kEndAt, s.size());
  return s;
}

TEST(History, ReadsAHandMadeRecordFieldByField) {
  const History hist = parse_history(one_record(2, 1, "wal.log", "abc"));
  ASSERT_EQ(hist.events.size(), 1u);
  const HistoryEvent& e = hist.events[0];
  EXPECT_EQ(e.type, HistoryType::kWrite);
  EXPECT_EQ(e.pid, 9u);
  EXPECT_EQ(e.step, 3u);
  EXPECT_EQ(e.ino, 77u);
  EXPECT_EQ(e.off, 5u);
  EXPECT_EQ(e.name, "wal.log");
  EXPECT_EQ(e.data, "abc");
}

TEST(History, EncodeThenParseGivesTheEventsBack) {
  const std::vector<HistoryEvent> events = {write_ev("a", 0, "hello"), rename_ev("a", "dir/b"), write_ev("b", 9, "")};
  EXPECT_EQ(parse_history(encode_history(events)).events, events);
}

TEST(History, ARecordNotCommittedIsSkippedAndCounted) {
  std::string bytes = one_record(2, 0, "wal.log", "abc");
  const History hist = parse_history(bytes);
  EXPECT_TRUE(hist.events.empty());
  EXPECT_EQ(hist.cut_records, 1u);
}

TEST(History, AReservedRecordWithoutASizeEndsTheWalk) {
  std::string bytes = encode_history({write_ev("a", 0, "x")});
  bytes.append(48, '\0');  // reserved by a writer killed before it stored the header
  put_u64(bytes, h::kEndAt, bytes.size());
  const History hist = parse_history(bytes);
  EXPECT_EQ(hist.events.size(), 1u);
  EXPECT_TRUE(hist.truncated);
}

TEST(History, TheDroppedCountComesFromTheHeader) {
  std::string bytes = encode_history({});
  put_u64(bytes, h::kDroppedAt, 4);
  EXPECT_EQ(parse_history(bytes).dropped, 4u);
}

TEST(History, BytesThatAreNotAHistoryAreRefusedWithTheField) {
  EXPECT_THROW(parse_history(std::string(64, 'x')), std::invalid_argument);
  std::string bad_size = one_record(2, 1, "wal.log", "abc");
  bad_size[h::kHeaderSize] = 13;  // not a multiple of 8
  try {
    parse_history(bad_size);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("field 'size'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_history(one_record(99, 1, "x", "")), std::invalid_argument);
}

}  // namespace
}  // namespace faultline::faults
