// OtelTotals' metric sums against what a hostile or buggy OTLP sender
// sends: values no counter reaches are ignored (so no sum becomes infinite,
// which JSON cannot hold), and names past the bounds fold into "(other)".
#include "common/event/otel_totals.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "common/event/bounds.h"

namespace trace {
namespace {

TEST(OtelTotals, HugeAndNonFiniteValuesAreIgnored) {
  OtelTotals t;
  t.AddPoint({"claude_code.cost.usage", "", "", false, 1e308});
  t.AddPoint({"claude_code.cost.usage", "", "", false, 1e308});
  t.AddPoint({"claude_code.cost.usage", "", "", false, std::numeric_limits<double>::infinity()});
  t.AddPoint({"claude_code.cost.usage", "", "", false, std::numeric_limits<double>::quiet_NaN()});
  t.AddPoint({"claude_code.cost.usage", "", "", false, 0.25});
  ASSERT_EQ(t.metrics.size(), 1u);
  EXPECT_DOUBLE_EQ(t.metrics["claude_code.cost.usage"].value, 0.25);
}

TEST(OtelTotals, MetricNamesTypesAndSeriesAreBounded) {
  OtelTotals t;
  for (size_t i = 0; i < kMaxMetrics + 10; ++i)
    t.AddPoint({"m" + std::to_string(i), "", "", false, 1});
  EXPECT_EQ(t.metrics.size(), kMaxMetrics + 1);
  EXPECT_DOUBLE_EQ(t.metrics[std::string(kOtherName)].value, 10);
  for (size_t i = 0; i < kMaxMetricTypes + 5; ++i)
    t.AddPoint({"m0", "t" + std::to_string(i), "", false, 1});
  EXPECT_EQ(t.metrics["m0"].by_type.size(), kMaxMetricTypes + 1);
  for (size_t i = 0; i < kMaxMetricSeries + 5; ++i)
    t.AddPoint({"m1", "", "s" + std::to_string(i), true, 1});
  EXPECT_EQ(t.series.size(), kMaxMetricSeries);
  EXPECT_DOUBLE_EQ(t.metrics["m1"].value, 1 + static_cast<double>(kMaxMetricSeries));
}

}  // namespace
}  // namespace trace
