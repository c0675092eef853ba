// The fault-kind table (faults/include/faultline/fault_kinds.h): names, rules and the helpers both sides use.
#include "faultline/fault_kinds.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace faultline {
namespace {

TEST(FaultKinds, EveryNameParsesBackToItsKind) {
  std::set<std::string> names;
  for (const auto& k : kFaultKinds) {
    FaultKind parsed = FaultKind::kAtRest;
    ASSERT_TRUE(parse_fault_kind(k.name, &parsed)) << k.name;
    EXPECT_EQ(parsed, k.kind) << k.name;
    EXPECT_STREQ(fault_kind_name(k.kind), k.name);
    names.insert(k.name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(kFaultKindCount));
}

TEST(FaultKinds, UnknownNameDoesNotParse) {
  FaultKind k = FaultKind::kCrash;
  EXPECT_FALSE(parse_fault_kind("meteor", &k));
  EXPECT_FALSE(parse_fault_kind("crash2", &k));
  EXPECT_FALSE(parse_fault_kind("cras", &k));
  EXPECT_FALSE(parse_fault_kind("", &k));
}

TEST(FaultKinds, NineKindsAreInjectedByTheShimAndTwoByTheHarness) {
  int shim = 0;
  for (const auto& k : kFaultKinds) shim += shim_injects(k.kind) ? 1 : 0;
  EXPECT_EQ(shim, 9);
  EXPECT_FALSE(shim_injects(FaultKind::kPowerLoss));
  EXPECT_FALSE(shim_injects(FaultKind::kAtRest));
}

TEST(FaultKinds, PowerLossIsArmedAsACrash) {
  EXPECT_EQ(fault_kind_info(FaultKind::kPowerLoss).shim_kind, FaultKind::kCrash);
  EXPECT_EQ(fault_kind_info(FaultKind::kPowerLoss).placement, FaultPlacement::kWhileRunning);
  for (const auto& k : kFaultKinds) {
    if (shim_injects(k.kind)) {
      EXPECT_EQ(k.shim_kind, k.kind) << k.name;
    }
  }
}

TEST(FaultKinds, ReadFaultsAndAtRestDamageArePlacedWhileTheEngineIsDown) {
  std::set<FaultKind> down;
  for (const auto& k : kFaultKinds)
    if (k.placement == FaultPlacement::kWhileDown) down.insert(k.kind);
  EXPECT_EQ(down, (std::set<FaultKind>{FaultKind::kBitflipRead, FaultKind::kReadError, FaultKind::kAtRest}));
}

TEST(FaultKinds, ErrnoListsAreMatchedWordByWord) {
  const char* list = fault_kind_info(FaultKind::kWriteError).errnos;
  EXPECT_TRUE(word_in_list("EIO", list));
  EXPECT_TRUE(word_in_list("EFBIG", list));
  EXPECT_FALSE(word_in_list("EI", list));
  EXPECT_FALSE(word_in_list("EIOX", list));
  EXPECT_FALSE(word_in_list("", list));
  EXPECT_FALSE(word_in_list("EFBIG", fault_kind_info(FaultKind::kFsyncError).errnos));
  EXPECT_FALSE(word_in_list("EIO", fault_kind_info(FaultKind::kCrash).errnos));
}

TEST(FaultKinds, PowerLossModelsHaveTwoSpellings) {
  EXPECT_STREQ(power_loss_model_info(PowerLossModel::kSectorTear512).scenario_name, "sector-512");
  EXPECT_STREQ(power_loss_model_info(PowerLossModel::kSectorTear512).name, "sector_tear_512");
  EXPECT_STREQ(damage_name(AtRestDamage::kGarbageTail), "garbage-tail");
}

}  // namespace
}  // namespace faultline
