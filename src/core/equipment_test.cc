#include "core/equipment.h"

#include <gtest/gtest.h>

#include "core/tag.h"

namespace gantry {
namespace {

constexpr std::string_view kPlant = R"(
enterprise: acme
sites:
  - name: plant1
    timezone: Europe/Berlin
    areas:
      - name: packaging
        lines:
          - name: line1
            work_centres: [filler, capper, {name: labeller}]
)";

TEST(Equipment, HierarchyBuildsIsa95Paths) {
  auto doc = ConfigDocument::Parse(kPlant, "plant.yaml");
  ASSERT_TRUE(doc.ok());
  EquipmentModel m = ParseEquipment(doc->Root());
  ASSERT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  const EquipmentNode* filler = m.Find("acme/plant1/packaging/line1/filler");
  ASSERT_NE(filler, nullptr);
  EXPECT_EQ(filler->level, EquipmentLevel::kWorkCentre);
  EXPECT_EQ(filler->timezone, "Europe/Berlin");
  EXPECT_EQ(filler->site_path, "acme/plant1");
  EXPECT_EQ(m.WorkCentres().size(), 3u);
  EXPECT_EQ(m.Find("acme/plant1/packaging/line1")->level, EquipmentLevel::kLine);
}

TEST(Equipment, UnknownTimeZoneIsAnError) {
  auto doc = ConfigDocument::Parse(
      "enterprise: acme\nsites:\n  - name: p\n    timezone: Europe/Atlantis\n", "plant.yaml");
  ASSERT_TRUE(doc.ok());
  (void)ParseEquipment(doc->Root());
  ASSERT_EQ(doc->Errors().size(), 1u);
  EXPECT_EQ(doc->Errors()[0].ToString(),
            "plant.yaml:4:15: sites[0].timezone: unknown time zone 'Europe/Atlantis'; expected an "
            "IANA name such as Europe/Berlin or America/Chicago");
}

TEST(Equipment, DuplicateWorkCentreIsAnError) {
  auto doc = ConfigDocument::Parse(
      "enterprise: acme\nsites:\n  - name: p\n    areas:\n      - name: a\n        lines:\n"
      "          - name: l\n            work_centres: [m, m]\n",
      "plant.yaml");
  ASSERT_TRUE(doc.ok());
  (void)ParseEquipment(doc->Root());
  ASSERT_EQ(doc->Errors().size(), 1u);
  EXPECT_NE(doc->Errors()[0].message.find("'acme/p/a/l/m' is declared twice"), std::string::npos);
}

TEST(Equipment, NamesWithSlashesOrSpacesAreRejected) {
  auto doc = ConfigDocument::Parse("enterprise: acme\nsites:\n  - name: plant 1\n", "plant.yaml");
  ASSERT_TRUE(doc.ok());
  (void)ParseEquipment(doc->Root());
  ASSERT_EQ(doc->Errors().size(), 1u);
  EXPECT_NE(doc->Errors()[0].message.find("may only contain"), std::string::npos);
}

TEST(TagPaths, ValidAndInvalidForms) {
  EXPECT_TRUE(ValidateTagPath("acme/plant1/packaging/line1/filler/speed").ok());
  EXPECT_TRUE(ValidateTagPath("acme/plant1").ok());
  EXPECT_FALSE(ValidateTagPath("acme").ok());
  EXPECT_FALSE(ValidateTagPath("acme//x").ok());
  EXPECT_FALSE(ValidateTagPath("acme/plant 1/x").ok());
  EXPECT_FALSE(ValidateTagPath("a/b/c/d/e/f/g/h/i").ok());
  EXPECT_EQ(ParentPath("a/b/c"), "a/b");
}

TEST(TagScaling, RawRangeToEngineeringRange) {
  // A Siemens analog input: 0..27648 raw is 0..100 %.
  auto doc = ConfigDocument::Parse(
      "path: acme/p/level\nscale: {raw_min: 0, raw_max: 27648, eng_min: 0, eng_max: 100}\n",
      "plant.yaml");
  ASSERT_TRUE(doc.ok());
  TagConfig tag;
  ParseTagCommon(doc->Root(), tag);
  ASSERT_TRUE(doc->Finish().ok());
  EXPECT_DOUBLE_EQ(tag.scaling.Apply(13824), 50.0);
}

TEST(TagScaling, MixingBothFormsIsAnError) {
  auto doc = ConfigDocument::Parse("path: acme/p/level\nscale: {gain: 2, raw_min: 0}\n", "p.yaml");
  ASSERT_TRUE(doc.ok());
  TagConfig tag;
  ParseTagCommon(doc->Root(), tag);
  ASSERT_EQ(doc->Errors().size(), 1u);
  EXPECT_NE(doc->Errors()[0].message.find("not both"), std::string::npos);
}

}  // namespace
}  // namespace gantry
