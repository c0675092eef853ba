// The mode x damage table of docs/recovery.md, row by row: what each --recovery mode does with each damage class,
// and what it keeps. A refused log must be byte-for-byte untouched; a cut log must end at a frame boundary with the
// cut bytes saved beside it.
#include <gtest/gtest.h>

#include <functional>

#include "test_util.h"
#include "walkv/data_dir.h"

namespace walkv::test {
namespace {

constexpr uint64_t kFrame = 33;  // WriteRecords' first frames: key<i> value<i>
constexpr uint64_t kLast = 4 * kFrame;

std::string RawFrame(const std::string& payload) {
  std::string frame = Fixed32(static_cast<uint32_t>(payload.size())) + payload;
  return frame + Fixed32(wal::FrameChecksum(frame.data(), frame.size()));
}

struct DamageClass {
  const char* name;
  std::function<void(const std::string& log)> apply;
  uint64_t records_kept_by_a_cut;  // of the 5 written
};

const DamageClass kTornTail{"TornTail", [](const std::string& log) { TruncateTo(log, kLast + 20); }, 4};
const DamageClass kZeroTail{"ZeroTail", [](const std::string& log) { AppendToFile(log, std::string(512, '\0')); }, 5};
const DamageClass kLengthPastEof{
    "LengthPastEof", [](const std::string& log) { OverwriteAt(log, kLast, Fixed32(4000)); }, 4};
const DamageClass kLengthAboveMax{
    "LengthAboveMax", [](const std::string& log) { OverwriteAt(log, kLast, Fixed32(wal::kMaxPayloadBytes + 1)); }, 4};
const DamageClass kLastRecordBadChecksum{"LastRecordBadChecksum",
                                         [](const std::string& log) { FlipBit(log, kLast + 25); }, 4};
const DamageClass kMidLogDamage{"MidLogDamage", [](const std::string& log) { FlipBit(log, kFrame + 25); }, 1};
const DamageClass kStaleSequence{
    "StaleSequence", [](const std::string& log) { AppendToFile(log, Frame(3, "key2", "old")); }, 5};
const DamageClass kFormatError{"FormatError",
                               [](const std::string& log) {
                                 std::string payload(8, '\0');
                                 payload[0] = 6;
                                 AppendToFile(log, RawFrame(payload + "\x09" + std::string("\x01\x00", 2) +
                                                            Fixed32(1) + "kv"));
                               },
                               5};

enum class Expect { kRefuse, kCut };

struct Row {
  DamageClass damage;
  RecoveryMode mode;
  Expect expect;
};

class RecoveryTable : public ::testing::TestWithParam<Row> {};

TEST_P(RecoveryTable, BehavesAsDocumented) {
  const Row& row = GetParam();
  TempDir dir;
  WriteRecords(dir.path(), 5);
  row.damage.apply(dir.log());
  const std::string before = ReadFile(dir.log());
  const RecoverOutcome out = RecoverDir(dir.path(), row.mode);
  ASSERT_TRUE(out.result.damage) << "the damage was not detected";
  if (row.expect == Expect::kRefuse) {
    EXPECT_FALSE(out.status.ok());
    EXPECT_FALSE(out.status.IsIOError()) << out.status.ToString();
    EXPECT_EQ(ReadFile(dir.log()), before) << "a refused log must not be modified";
    EXPECT_EQ(dir.Files(), (std::vector<std::string>{"wal.log"}));
    return;
  }
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.state.size(), row.damage.records_kept_by_a_cut);
  const uint64_t cut = out.result.damage->offset;
  EXPECT_EQ(FileSize(dir.log()), cut);
  EXPECT_EQ(ReadFile(out.result.backup_path), before.substr(cut));
  EXPECT_FALSE(ReadLog(dir.log()).damage) << "the cut log must read clean";
}

const char* ModeName(RecoveryMode mode) {
  switch (mode) {
    case RecoveryMode::kStrict: return "Strict";
    case RecoveryMode::kTornTail: return "TornTailMode";
    case RecoveryMode::kPointInTime: return "PointInTime";
    case RecoveryMode::kSalvage: return "Salvage";
  }
  return "";
}

std::string RowName(const ::testing::TestParamInfo<Row>& info) {
  return std::string(info.param.damage.name) + "Under" + ModeName(info.param.mode) +
         (info.param.expect == Expect::kRefuse ? "IsRefused" : "IsCut");
}

constexpr auto S = RecoveryMode::kStrict;
constexpr auto T = RecoveryMode::kTornTail;
constexpr auto P = RecoveryMode::kPointInTime;
constexpr auto kRefuse = Expect::kRefuse;
constexpr auto kCut = Expect::kCut;

INSTANTIATE_TEST_SUITE_P(
    Modes, RecoveryTable,
    ::testing::Values(
        Row{kTornTail, S, kRefuse}, Row{kTornTail, T, kCut}, Row{kTornTail, P, kCut},
        Row{kZeroTail, S, kRefuse}, Row{kZeroTail, T, kCut}, Row{kZeroTail, P, kCut},
        Row{kLengthPastEof, S, kRefuse}, Row{kLengthPastEof, T, kCut}, Row{kLengthPastEof, P, kCut},
        Row{kLengthAboveMax, S, kRefuse}, Row{kLengthAboveMax, T, kRefuse}, Row{kLengthAboveMax, P, kCut},
        Row{kLastRecordBadChecksum, S, kRefuse}, Row{kLastRecordBadChecksum, T, kRefuse},
        Row{kLastRecordBadChecksum, P, kCut},
        Row{kMidLogDamage, S, kRefuse}, Row{kMidLogDamage, T, kRefuse}, Row{kMidLogDamage, P, kCut},
        Row{kStaleSequence, S, kRefuse}, Row{kStaleSequence, T, kRefuse}, Row{kStaleSequence, P, kCut},
        Row{kFormatError, S, kRefuse}, Row{kFormatError, T, kRefuse}, Row{kFormatError, P, kRefuse}),
    RowName);

}  // namespace
}  // namespace walkv::test
