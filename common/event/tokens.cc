// See tokens.h.
#include "common/event/tokens.h"

namespace trace {

void TokenCounts::Add(const TokenCounts& o, int sign) {
  auto add = [sign](uint64_t& a, uint64_t b) { a = sign > 0 ? a + b : (a > b ? a - b : 0); };
  add(input, o.input);
  add(output, o.output);
  add(cache_creation, o.cache_creation);
  add(cache_creation_5m, o.cache_creation_5m);
  add(cache_creation_1h, o.cache_creation_1h);
  add(cache_read, o.cache_read);
  add(messages, o.messages);
}

}  // namespace trace
