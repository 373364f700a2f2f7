// CSV import/export: a plant's exported history comes in, goes out and comes back identical;
// bad rows are refused naming the line and the field.
#include "data/historian/csv_io.h"

#include <gtest/gtest.h>

#include <sstream>

#include "data/historian/test_util.h"

namespace gantry::historian {
namespace {

constexpr Timestamp kT0 = 1'763'769'600 * kSecond;

TEST(HistorianCsv, ImportExportReimportIsIdentical) {
  testing::TempDir a, b;
  ManualClock clock(kT0);
  HistorianOptions o;
  o.sync = SyncPolicy::kNone;
  auto h = std::move(Historian::Open(a.path(), o, clock)).value();
  std::istringstream in(
      "timestamp,tag,value,quality\n"
      "2025-11-22T00:00:00Z,site/line1/temp,21.5,Good\n"
      "2025-11-22T00:00:01.250Z,site/line1/temp,21.75\n"
      "1763769602,site/line1/temp,,BadNotConnected\n"
      "2025-11-22T00:00:00Z,site/line1/running,true\n"
      "2025-11-22T00:00:05Z,site/line1/state,\"Stopped, jam\",Uncertain\n");
  auto st = ImportCsv(*h, CatalogResolver(*h), in);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->samples, 5u);
  std::vector<SeriesId> all = {*h->FindSeries("site/line1/temp"),
                               *h->FindSeries("site/line1/running"),
                               *h->FindSeries("site/line1/state")};
  std::ostringstream out;
  ASSERT_TRUE(ExportCsv(*h, all, INT64_MIN, INT64_MAX, out).ok());
  EXPECT_NE(out.str().find("2025-11-22T00:00:01.250Z,site/line1/temp,21.75,Good"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("\"Stopped, jam\""), std::string::npos);

  auto h2 = std::move(Historian::Open(b.path(), o, clock)).value();
  std::istringstream again(out.str());
  ASSERT_TRUE(ImportCsv(*h2, CatalogResolver(*h2), again).ok());
  std::vector<SeriesId> all2 = {*h2->FindSeries("site/line1/temp"),
                                *h2->FindSeries("site/line1/running"),
                                *h2->FindSeries("site/line1/state")};
  std::ostringstream out2;
  ASSERT_TRUE(ExportCsv(*h2, all2, INT64_MIN, INT64_MAX, out2).ok());
  EXPECT_EQ(out.str(), out2.str());
}

TEST(HistorianCsv, BadRowNamesLineAndField) {
  testing::TempDir dir;
  ManualClock clock(kT0);
  auto h = std::move(Historian::Open(dir.path(), {}, clock)).value();
  std::istringstream in("2025-11-22T00:00:00Z,a,1\nyesterday,a,2\n");
  auto st = ImportCsv(*h, CatalogResolver(*h), in);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("csv line 2: timestamp"), std::string::npos)
      << st.status().message();
  std::istringstream q("2025-11-22T00:00:00Z,a,1,Excellent\n");
  EXPECT_NE(ImportCsv(*h, CatalogResolver(*h), q).status().message().find("quality"),
            std::string::npos);
}

}  // namespace
}  // namespace gantry::historian
