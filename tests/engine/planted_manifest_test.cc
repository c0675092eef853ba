// The planted-bug manifest (engine/planted/manifest.h) is the one list of walkv's planted variants: walkv-planted
// takes its names, `faultline selftest` reads it from `walkv-planted manifest`, and docs/selftest.md shows it. These
// tests hold the doc and the files the manifest cites to it.
#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "planted/manifest.h"
#include "test_util.h"

namespace walkv::test {
namespace {

using planted::kVariants;

const std::string kSourceDir = FAULTLINE_SOURCE_DIR;

// "patches/a.patch, patches/b.patch" -> "`engine/planted/patches/a.patch`, `engine/planted/patches/b.patch`"
std::string CitedFiles(std::string_view planted_in) {
  std::string out;
  for (size_t start = 0; start <= planted_in.size();) {
    const size_t comma = std::min(planted_in.find(", ", start), planted_in.size());
    out += (out.empty() ? "`" : ", `") + std::string("engine/planted/") +
           std::string(planted_in.substr(start, comma - start)) + "`";
    start = comma + 2;
  }
  return out;
}

// The variant table of docs/selftest.md, as the manifest has it.
std::string ManifestTable() {
  std::string table =
      "| variant | the mistake | expected violation | where the mistake comes from | planted in | caught by |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& v : kVariants) {
    std::string caught_by = "`" + std::string(v.caught_by) + "`";
    if (!v.serve_args.empty()) caught_by += " (`serve " + std::string(v.serve_args) + "`)";
    table += "| " + std::string(v.name) + " | " + std::string(v.mistake) + " | " + std::string(v.expected) + " | " +
             std::string(v.origin) + " | " + CitedFiles(v.planted_in) + " | " + caught_by + " |\n";
  }
  return table;
}

TEST(PlantedManifest, SelftestDocShowsTheManifestTableAsItIs) {
  const std::string doc = ReadFile(kSourceDir + "/docs/selftest.md");
  EXPECT_NE(doc.find(ManifestTable()), std::string::npos)
      << "docs/selftest.md must hold this table exactly (it is made from engine/planted/manifest.h):\n"
      << ManifestTable();
}

TEST(PlantedManifest, MeasuredTableHasEveryVariantWithItsMistakeAndExpectedViolation) {
  const std::string doc = ReadFile(kSourceDir + "/docs/selftest.md");
  for (const auto& v : kVariants) {
    const std::string row_start =
        "| " + std::string(v.name) + " | " + std::string(v.mistake) + " | " + std::string(v.expected) + " | ";
    EXPECT_NE(doc.find("\n" + row_start), std::string::npos) << "no measured row starting " << row_start;
  }
}

TEST(PlantedManifest, NamesAreUniqueAndEveryCitedFileExists) {
  std::set<std::string_view> names;
  for (const auto& v : kVariants) {
    EXPECT_TRUE(names.insert(v.name).second) << v.name;
    EXPECT_EQ(planted::FindBug(v.name), v.bug) << v.name;
    std::string_view rest = v.planted_in;
    while (!rest.empty()) {
      const size_t comma = std::min(rest.find(", "), rest.size());
      const std::string file = kSourceDir + "/engine/planted/" + std::string(rest.substr(0, comma));
      EXPECT_TRUE(std::filesystem::exists(file)) << v.name << ": " << file;
      rest.remove_prefix(std::min(rest.size(), comma + 2));
    }
  }
  EXPECT_EQ(planted::FindBug("no-such-bug"), std::nullopt);
}

TEST(PlantedManifest, EveryVariantIsCaughtByACommandThatExists) {
  for (const auto& v : kVariants) {
    EXPECT_TRUE(v.caught_by == "run" || v.caught_by == "explore") << v.name << ": " << v.caught_by;
  }
}

TEST(PlantedManifest, EveryExpectedViolationIsOneTheOracleDefines) {
  const std::string violations = ReadFile(kSourceDir + "/docs/violations.md");
  for (const auto& v : kVariants) {
    if (v.expected == "harness-error") continue;  // not a violation: the run itself could not be judged
    EXPECT_NE(violations.find("`" + std::string(v.expected) + "`"), std::string::npos) << v.name << ": " << v.expected;
  }
}

}  // namespace
}  // namespace walkv::test
