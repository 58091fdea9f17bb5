// See query_statusline.h. The store is read in three short calls: this
// session's buckets (only when Claude Code sent no cost), and the usage slots
// of the last two days (today's cost, the active block), widened only while
// the earliest slot read could still belong to a block that began earlier.
#include "common/query/query_statusline.h"

#include <cstdlib>
#include <iostream>
#include <iterator>

#include "common/base/clock.h"
#include "common/query/query_usage.h"
#include "common/tz/time_zone.h"
#include "common/usage/statusline.h"

namespace trace {

namespace po = boost::program_options;

namespace {

constexpr size_t kMaxInput = 1 << 20;
constexpr int64_t kDayMs = 86400 * 1000LL;

std::string ReadInput(std::istream& in) {
  std::string text;
  char buf[8192];
  while (text.size() < kMaxInput && in.read(buf, sizeof buf).gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
  }
  return text;
}

std::optional<double> SessionCost(Store& store, const std::string& session,
                                  const PriceTable& prices) {
  if (session.empty()) return std::nullopt;
  auto buckets = store.SessionUsage(session);
  if (!buckets || buckets->empty()) return std::nullopt;
  double sum = 0;
  for (const UsageBucket& b : *buckets) {
    if (auto c = prices.Cost(b.model, b.tier, b.tokens)) sum += *c;
  }
  return RoundUsd(sum);
}

// Slots from `from` on; blocks chain back to the last gap of 5 h, so widen
// until the earliest slot read lies 5 h or more after the window's start.
Result<std::vector<UsageSlot>> RecentSlots(Store& store, int64_t from, int64_t now) {
  for (int64_t days : {2, 8, 0}) {
    int64_t start = days ? std::min(from, now - days * kDayMs) : 0;
    auto slots = store.UsageSlots(start, now + kUsageSlotMs);
    if (!slots) return slots.status();
    if (days == 0 || slots->empty() || slots->front().slot_ms >= start + kBlockMs) return slots;
  }
  return std::vector<UsageSlot>{};
}

StatusFacts Facts(QueryContext& c, const StatusInput& in, int64_t now) {
  StatusFacts f;
  auto prices = QueryPrices(c);
  const PriceTable& table = prices ? *prices : PriceTable::Embedded();
  if (!in.session_cost) f.store_session_cost = SessionCost(*c.store, in.session_id, table);
  auto tz = TimeZone::Find(c.vm.count("timezone") ? c.vm["timezone"].as<std::string>() : "");
  if (!tz) return f;
  int64_t midnight = (*tz)->StartOfDay((*tz)->DayOf(now));
  auto slots = RecentSlots(*c.store, midnight, now);
  if (!slots) return f;
  double today = 0;
  for (const UsageSlot& s : *slots) {
    if (s.slot_ms < midnight) continue;
    if (auto cost = table.Cost(s.model, s.tier, s.tokens)) today += *cost;
  }
  f.today_cost = RoundUsd(today);
  std::vector<UsageBlock> blocks = BuildBlocks(*slots, table, now);
  if (const UsageBlock* active = ActiveBlock(blocks)) f.active_block = *active;
  return f;
}

}  // namespace

void AddStatusLineOptions(po::options_description& options) {
  options.add_options()("no-color", po::bool_switch(),
                        "statusline: no ANSI colours (also when $NO_COLOR is set)");
}

int RunStatusLine(QueryContext& c) {
  int64_t now = NowMs();
  StatusInput in = ParseStatusInput(ReadInput(std::cin));
  StatusFacts facts;
  if (c.store) {
    Status st = StatusOfCall([&] {
      facts = Facts(c, in, now);
      return Status::Ok();
    });
    (void)st;  // a failure leaves facts empty: the line shows what stdin had
  }
  const char* no_color = std::getenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe): main thread
  StatusOptions options{!c.vm["no-color"].as<bool>() && !(no_color && *no_color), now};
  c.out << FormatStatusLine(in, facts, options) << "\n";
  return 0;
}

}  // namespace trace
