// LiteLLM's model_prices_and_context_window.json read as our price table:
// an object of "<model key>": {"input_cost_per_token": ..., ...} entries in
// USD per token. Internal to common/pricing (PriceTable::Parse calls it when
// the text has LiteLLM's shape); the mapping is documented in
// tests/fixtures/README.md.
#pragma once

#include <rapidjson/document.h>

#include <vector>

#include "common/pricing/pricing.h"

namespace trace {

// True when doc is an object whose entries carry "input_cost_per_token" and
// that has no "models" array (ours).
bool IsLiteLlmShape(const rapidjson::Value& doc);

// One ModelPrice per NormalizeModelId(key) of the chat entries with an input
// and an output rate; provider-routed keys ("vertex_ai/...", "openrouter/...")
// are skipped. Several keys naming one model ("claude-opus-4-6",
// "claude-opus-4-6-20260205", "anthropic.claude-opus-4-6-v1") keep the
// entry whose key is the id itself, else an "anthropic" provider entry, else
// the first. Rates absent from an entry take Anthropic's multipliers of the
// input rate: 5-minute write 1.25x, 1-hour write 2x, cache read 0.1x.
std::vector<ModelPrice> LiteLlmModels(const rapidjson::Value& doc);

}  // namespace trace
