// Power loss and at-rest damage on crafted histories (faults/src/storage.cc): exact bytes.
#include "faultline/storage.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "test_support.h"

namespace faultline::faults {
namespace {

using testing::read_file;
using testing::write_file;

FileHistory history(const std::string& name, std::uint64_t size, std::uint64_t synced, bool created = false,
                    bool dir_synced = true) {
  FileHistory h;
  h.file = name;
  h.size = size;
  h.synced_size = synced;
  h.created = created;
  h.dir_synced_after_create = dir_synced;
  return h;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + i % 26);
  return s;
}

// Garbage bytes as documented: byte i is byte (i % 8) of the (i / 8)-th next() of the run.
std::string garbage(Rng& rng, std::size_t n) {
  std::string s(n, '\0');
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 8 == 0) word = rng.next();
    s[i] = static_cast<char>(word >> (8 * (i % 8)));
  }
  return s;
}

class PowerLoss : public ::testing::Test {
 protected:
  std::filesystem::path dir() const { return tmp_.path(); }
  testing::TempDir tmp_;
};

TEST_F(PowerLoss, ModelNamesRoundTrip) {
  for (auto m : {PowerLossModel::kDropUnsynced, PowerLossModel::kRandomPrefix, PowerLossModel::kSectorTear512,
                 PowerLossModel::kSectorTear4096}) {
    EXPECT_EQ(power_loss_model_from_string(to_string(m)), m);
  }
  EXPECT_THROW(power_loss_model_from_string("meteor"), std::invalid_argument);
}

TEST_F(PowerLoss, DropUnsyncedCutsEachFileAtItsSyncedSize) {
  write_file(dir() / "wal", pattern(100));
  write_file(dir() / "synced", pattern(50));
  Rng rng(1);
  const auto actions = apply_power_loss(dir(), {{"wal", history("wal", 100, 60)}, {"synced", history("synced", 50, 50)}},
                                        PowerLossModel::kDropUnsynced, rng);
  EXPECT_EQ(read_file(dir() / "wal"), pattern(60));
  EXPECT_EQ(read_file(dir() / "synced"), pattern(50));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].file, "synced");
  EXPECT_EQ(actions[0].action, "kept");
  EXPECT_EQ(actions[1].file, "wal");
  EXPECT_EQ(actions[1].action, "truncated");
  EXPECT_EQ(actions[1].size_before, 100u);
  EXPECT_EQ(actions[1].size_after, 60u);
}

TEST_F(PowerLoss, ACreatedFileWhoseDirectoryWasNeverSyncedVanishes) {
  write_file(dir() / "new", pattern(10));
  Rng rng(1);
  const auto actions = apply_power_loss(dir(), {{"new", history("new", 10, 10, true, false)}},
                                        PowerLossModel::kDropUnsynced, rng);
  EXPECT_FALSE(std::filesystem::exists(dir() / "new"));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].action, "vanished");
}

TEST_F(PowerLoss, ACreatedFileWithASyncedDirectoryStays) {
  write_file(dir() / "new", pattern(10));
  Rng rng(1);
  apply_power_loss(dir(), {{"new", history("new", 10, 10, true, true)}}, PowerLossModel::kDropUnsynced, rng);
  EXPECT_EQ(read_file(dir() / "new"), pattern(10));
}

TEST_F(PowerLoss, RandomPrefixKeepsAPrefixOfTheUnsyncedSuffixDrawnFromTheSeed) {
  write_file(dir() / "wal", pattern(1000));
  Rng rng(99);
  Rng expect(99);
  const std::uint64_t keep = 200 + expect.below(1000 - 200 + 1);
  apply_power_loss(dir(), {{"wal", history("wal", 1000, 200)}}, PowerLossModel::kRandomPrefix, rng);
  EXPECT_EQ(read_file(dir() / "wal"), pattern(keep));
}

TEST_F(PowerLoss, SectorTearTreatsEachSectorOfTheUnsyncedSuffixIndependently) {
  // Unsynced [100, 1300): pieces [100, 512), [512, 1024), [1024, 1300).
  const std::string before = pattern(1300);
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    write_file(dir() / "wal", before);
    Rng rng(seed);
    const auto actions = apply_power_loss(dir(), {{"wal", history("wal", 1300, 100)}}, PowerLossModel::kSectorTear512, rng);
    Rng expect(seed);
    const std::pair<std::size_t, std::size_t> pieces[] = {{100, 512}, {512, 1024}, {1024, 1300}};
    int choice[3];
    std::size_t end = 100;
    for (int i = 0; i < 3; ++i) {
      choice[i] = static_cast<int>(expect.below(4));
      if (choice[i] != 0) end = pieces[i].second;
    }
    std::string want = before.substr(0, 100);
    for (int i = 0; i < 3; ++i) {
      const auto [from, to] = pieces[i];
      if (from >= end) break;
      const std::size_t n = to - from;
      if (choice[i] == 1) want += before.substr(from, n);
      else if (choice[i] == 3) want += garbage(expect, n);
      else want += std::string(n, '\0');  // old (below the new end) and zeros both read as zeros
    }
    ASSERT_EQ(read_file(dir() / "wal"), want) << "seed " << seed;
    ASSERT_EQ(actions.at(0).action, "torn");
    ASSERT_EQ(actions.at(0).size_after, end);
    // Clean: no garbage and no new sector after one that is not new (zeros at the very end are a zero-filled tail).
    bool clean = true, gap = false;
    for (int i = 0; i < 3 && pieces[i].first < end; ++i) {
      if (choice[i] == 3 || (choice[i] == 1 && gap)) clean = false;
      if (choice[i] != 1) gap = true;
    }
    ASSERT_EQ(actions.at(0).clean_prefix, clean) << "seed " << seed << ": " << actions.at(0).detail;
  }
}

TEST_F(PowerLoss, SectorTearLeavesAFullySyncedFileAlone) {
  write_file(dir() / "wal", pattern(700));
  Rng rng(3);
  const auto actions = apply_power_loss(dir(), {{"wal", history("wal", 700, 700)}}, PowerLossModel::kSectorTear4096, rng);
  EXPECT_EQ(read_file(dir() / "wal"), pattern(700));
  EXPECT_EQ(actions.at(0).action, "kept");
}

TEST_F(PowerLoss, RangesLostByAFailedFsyncReadBackAsZeros) {
  write_file(dir() / "wal", pattern(100));
  FileHistory h = history("wal", 100, 100);
  h.lost = {{10, 20}, {90, 120}};
  Rng rng(1);
  const auto actions = apply_power_loss(dir(), {{"wal", h}}, PowerLossModel::kDropUnsynced, rng);
  std::string want = pattern(100);
  want.replace(10, 10, std::string(10, '\0'));
  want.replace(90, 10, std::string(10, '\0'));
  EXPECT_EQ(read_file(dir() / "wal"), want);
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[1].action, "lost_range_zeroed");
  EXPECT_EQ(actions[2].action, "lost_range_zeroed");
}

TEST_F(PowerLoss, FilesTheJournalSaysAreGoneAreLeftAlone) {
  write_file(dir() / "gone", pattern(10));
  FileHistory h = history("gone", 0, 0);
  h.exists = false;
  Rng rng(1);
  EXPECT_TRUE(apply_power_loss(dir(), {{"gone", h}}, PowerLossModel::kDropUnsynced, rng).empty());
  EXPECT_EQ(read_file(dir() / "gone"), pattern(10));
}

// ---- at-rest damage --------------------------------------------------------------------------------------------------

TEST_F(PowerLoss, FlipBitFlipsExactlyOneBit) {
  write_file(dir() / "f", "abcd");
  flip_bit(dir() / "f", 2, 3);
  EXPECT_EQ(read_file(dir() / "f"), std::string("ab") + static_cast<char>('c' ^ 8) + "d");
}

TEST_F(PowerLoss, FlipBitBeyondTheEndNamesTheFile) {
  write_file(dir() / "f", "abcd");
  try {
    flip_bit(dir() / "f", 4, 0);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir() / "f").string()), std::string::npos);
  }
  EXPECT_THROW(flip_bit(dir() / "f", 0, 8), std::invalid_argument);
}

TEST_F(PowerLoss, ZeroRangeZeroesExactlyTheRange) {
  write_file(dir() / "f", "abcdefgh");
  zero_range(dir() / "f", 2, 3);
  EXPECT_EQ(read_file(dir() / "f"), std::string("ab") + std::string(3, '\0') + "fgh");
  EXPECT_THROW(zero_range(dir() / "f", 6, 3), std::runtime_error);
}

TEST_F(PowerLoss, GarbageRangeWritesBytesDrawnFromTheRng) {
  write_file(dir() / "f", pattern(40));
  Rng rng(5);
  garbage_range(dir() / "f", 3, 20, rng);
  Rng expect(5);
  std::string want = pattern(40);
  want.replace(3, 20, garbage(expect, 20));
  EXPECT_EQ(read_file(dir() / "f"), want);
}

TEST_F(PowerLoss, TruncateToCutsOrExtendsWithZeros) {
  write_file(dir() / "f", "abcdef");
  truncate_to(dir() / "f", 2);
  EXPECT_EQ(read_file(dir() / "f"), "ab");
  truncate_to(dir() / "f", 4);
  EXPECT_EQ(read_file(dir() / "f"), std::string("ab") + std::string(2, '\0'));
}

TEST_F(PowerLoss, DamageToAMissingFileNamesIt) {
  try {
    zero_range(dir() / "missing", 0, 1);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

}  // namespace
}  // namespace faultline::faults
