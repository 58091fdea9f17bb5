// Wall-clock time as the pipeline uses it: milliseconds since the Unix epoch,
// and RFC 3339 text for it. A component that must be testable without sleeps
// takes a NowFn (the clock as a value) instead of calling NowMs itself.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace trace {

// Milliseconds since the Unix epoch, now (system clock).
int64_t NowMs();
// The clock injected into components that tests drive by hand.
using NowFn = std::function<int64_t()>;

// Parses RFC 3339 / ISO 8601 ("2026-02-12T16:02:25.284Z", "+01:00" offsets,
// no fraction, space instead of T) into ms epoch. nullopt if it is not one.
std::optional<int64_t> ParseRfc3339Ms(std::string_view s);
// "2026-02-12T16:02:25.284Z".
std::string FormatRfc3339Ms(int64_t ms);

}  // namespace trace
