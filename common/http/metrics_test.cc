// Prometheus exposition text.
#include "common/http/metrics.h"

#include <gtest/gtest.h>

namespace trace {
namespace {

TEST(Metrics, RendersCountsHistogramAndGauges) {
  Metrics m;
  m.ObserveRequest("/api/traces", 200, 0.0007);
  m.ObserveRequest("/api/traces", 200, 0.2);
  m.ObserveRequest("/api/traces", 400, 0.0001);
  m.Register("trace_gateway_sse_clients", "Clients.", "gauge", [] { return 3.0; });
  std::string t = m.Render();
  EXPECT_NE(t.find("trace_gateway_http_requests_total{route=\"/api/traces\",code=\"200\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("trace_gateway_http_requests_total{route=\"/api/traces\",code=\"400\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("le=\"0.001\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find("# TYPE trace_gateway_sse_clients gauge\ntrace_gateway_sse_clients 3\n"),
            std::string::npos);
}

}  // namespace
}  // namespace trace
