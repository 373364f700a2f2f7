#include "data/tag_registry.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

TagConfig Tag(std::string path, int line = 0) {
  TagConfig t;
  t.path = std::move(path);
  if (line > 0) t.where = ConfigLocation{"plant.yaml", line, 5};
  return t;
}

std::vector<std::string> Paths(const TagRegistry& r, const std::vector<TagId>& ids) {
  std::vector<std::string> out;
  for (TagId id : ids) out.push_back(r.Get(id).path);
  return out;
}

TEST(TagRegistry, IdsFollowConfigurationOrderAndPathsFindThem) {
  auto r = TagRegistry::Build(
      {Tag("acme/plant1/line1/filler/speed"), Tag("acme/plant1/line1/capper/state")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ(r->Get(0).path, "acme/plant1/line1/filler/speed");
  EXPECT_EQ(r->Find("acme/plant1/line1/capper/state"), TagId{1});
  EXPECT_EQ(r->Find("acme/plant1/line1/filler/speed"), TagId{0});
  EXPECT_EQ(r->Find("acme/plant1/line1/filler"), std::nullopt);
  EXPECT_EQ(r->Find(""), std::nullopt);
}

TEST(TagRegistry, PrefixMatchesWholeSegmentsOnly) {
  auto r = TagRegistry::Build({Tag("acme/line1/filler/speed"), Tag("acme/line10/filler/speed"),
                               Tag("acme/line1-b/filler/speed"), Tag("acme/line1/capper/state"),
                               Tag("acme/line1"), Tag("other/line1/x")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Paths(*r, r->WithPrefix("acme/line1")),
            (std::vector<std::string>{"acme/line1", "acme/line1/capper/state",
                                      "acme/line1/filler/speed"}));
  EXPECT_EQ(Paths(*r, r->WithPrefix("acme/line1/")), Paths(*r, r->WithPrefix("acme/line1")));
  EXPECT_EQ(Paths(*r, r->WithPrefix("acme/line1/filler/speed")),
            (std::vector<std::string>{"acme/line1/filler/speed"}));
  EXPECT_TRUE(r->WithPrefix("acme/line").empty());
  EXPECT_TRUE(r->WithPrefix("zzz").empty());
  EXPECT_EQ(r->WithPrefix("").size(), 6u);
  EXPECT_EQ(Paths(*r, r->WithPrefix("acme")).front(), "acme/line1");  // sorted by path
}

TEST(TagRegistry, DuplicatePathNamesBothDeclarations) {
  auto r = TagRegistry::Build(
      {Tag("acme/line1/speed", 12), Tag("acme/line1/state", 20), Tag("acme/line1/speed", 31)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(r.status().message().find("'acme/line1/speed'"), std::string::npos);
  EXPECT_NE(r.status().message().find("plant.yaml:12:5"), std::string::npos);
  EXPECT_NE(r.status().message().find("plant.yaml:31:5"), std::string::npos);
}

TEST(TagRegistry, MalformedPathIsRejectedWithItsLocation) {
  auto r = TagRegistry::Build({Tag("acme/line 1/speed", 7)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("plant.yaml:7:5"), std::string::npos);
}

TEST(TagRegistry, EmptyRegistryFindsNothing) {
  auto r = TagRegistry::Build({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 0u);
  EXPECT_EQ(r->Find("a/b"), std::nullopt);
  EXPECT_TRUE(r->WithPrefix("").empty());
}

}  // namespace
}  // namespace gantry
