// Test helpers for common/usage: a usage slot for one message at an RFC 3339
// instant, and a price table with round numbers ($3 / $15 per million).
#pragma once

#include <string>

#include "common/base/clock.h"
#include "common/event/tokens.h"
#include "common/pricing/pricing.h"

namespace trace::testing {

inline UsageSlot MessageAt(const char* rfc3339, uint64_t input, std::string session = "s1",
                           std::string model = "claude-test") {
  UsageSlot s;
  int64_t ts = *ParseRfc3339Ms(rfc3339);
  s.slot_ms = ts - ((ts % kUsageSlotMs) + kUsageSlotMs) % kUsageSlotMs;
  s.session_id = std::move(session);
  s.model = std::move(model);
  s.tier = "standard";
  s.tokens.input = input;
  s.tokens.messages = 1;
  s.first_ts = s.last_ts = ts;
  return s;
}

inline PriceTable TestPrices() {
  auto p = PriceTable::Parse(
      R"({"models":[{"id":"claude-test","input":3,"output":15,"cache_write":3.75,"cache_read":0.3}]})",
      "test prices");
  return p.ok() ? *p : PriceTable::Embedded();
}

}  // namespace trace::testing
