// The bodies of the aggregate routes (GET /api/tasks/{id}/tree,
// /api/sessions, /api/tools), streamed part by part like /api/traces: each
// part is about kAggregatePartBytes read in a fresh read transaction, so a
// response never holds the whole body, a large event set or a transaction
// across a slow client (issue 13: gateway RSS <= 100 MB + 1 MB per client).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/http/http_message.h"
#include "common/store/store.h"

namespace trace {

class StoreOpener;
class PriceTable;
class PricedCache;

inline constexpr size_t kAggregatePartBytes = 512 << 10;

// The task's tree (task_tree.h) of its first max_events events in seq order
// ("truncated" when it has more); nullopt when the task has no events. The
// shape is found from the events' span_id/parent_id first (their keys are
// all that is kept), then each node is read again when it is written.
Result<std::optional<http::Response>> StreamTaskTree(StoreOpener* store, const std::string& task_id,
                                                     size_t max_events);

// {"sessions":[...],"total":N,"limit":L,"offset":O}: the sessions matching
// filter, most recent activity first, each priced (cache: PricedCache, prices: may be null). Parts
// continue by offset, so a session whose activity moves it while a long list is read may be listed
// twice or not at all, as with any offset paging.
Result<http::Response> StreamSessions(StoreOpener* store, PricedCache* cache,
                                      const PriceTable* prices, const SessionFilter& filter,
                                      size_t limit, size_t offset);

// {"tools":[...]} by tool name; parts continue after the last name sent.
Result<http::Response> StreamTools(StoreOpener* store);

}  // namespace trace
