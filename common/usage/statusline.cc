// See statusline.h. Colours follow ccusage's status line: burn rate green
// below 2000 input+output tokens/min, yellow below 5000, red above;
// percentages (context, rate limits) green below 50, yellow below 80, red.
#include "common/usage/statusline.h"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>

#include "common/base/clock.h"
#include "common/json/json_parse.h"

namespace trace {

namespace {

const char* kGreen = "\x1b[32m";
const char* kYellow = "\x1b[33m";
const char* kRed = "\x1b[31m";
const char* kReset = "\x1b[0m";

const rapidjson::Value* Obj(const rapidjson::Value* v, const char* key) {
  if (!v || !v->IsObject()) return nullptr;
  const rapidjson::Value* m = json::Find(*v, key);
  return m && m->IsObject() ? m : nullptr;
}

std::optional<double> Num(const rapidjson::Value* v, const char* key) {
  if (!v || !v->IsObject()) return std::nullopt;
  const rapidjson::Value* m = json::Find(*v, key);
  if (!m || !m->IsNumber()) return std::nullopt;
  double d = m->GetDouble();
  return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}

std::string Str(const rapidjson::Value* v, const char* key) {
  if (!v || !v->IsObject()) return "";
  auto s = json::GetString(*v, key);
  return s ? std::string(*s) : "";
}

// resets_at: Unix seconds (Claude Code), ms, or an RFC 3339 string.
std::optional<int64_t> ResetTime(const rapidjson::Value* window) {
  if (auto n = Num(window, "resets_at")) {
    return static_cast<int64_t>(*n > 1e12 ? *n : *n * 1000);
  }
  std::string s = Str(window, "resets_at");
  return s.empty() ? std::nullopt : ParseRfc3339Ms(s);
}

std::string Paint(const std::string& text, const char* colour, bool on) {
  return on ? colour + text + kReset : text;
}

const char* PercentColour(double p) { return p < 50 ? kGreen : p < 80 ? kYellow : kRed; }

std::string Usd(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", v);
  return buf;
}

std::string Percent(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", p);
  return buf;
}

std::string TimeLeft(int64_t ms) {
  int64_t m = ms > 0 ? ms / 60000 : 0;
  char buf[32];
  if (m >= 60) {
    std::snprintf(buf, sizeof buf, "%lldh %lldm", static_cast<long long>(m / 60),
                  static_cast<long long>(m % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(m));
  }
  return buf;
}

std::string CostPart(const StatusInput& in, const StatusFacts& f) {
  std::string s;
  auto session = in.session_cost ? in.session_cost : f.store_session_cost;
  s += (session ? Usd(*session) : "N/A") + " session";
  s += " / " + (f.today_cost ? Usd(*f.today_cost) : "N/A") + " today";
  if (f.active_block) {
    s += " / " + Usd(f.active_block->totals.known_cost) + " block";
    if (f.active_block->projection) {
      s += " (" + TimeLeft(f.active_block->projection->remaining_ms) + " left)";
    }
  } else {
    s += " / N/A block";
  }
  return "💰 " + s;
}

std::string RateLimits(const StatusInput& in, const StatusOptions& o) {
  std::string s;
  auto one = [&](const char* name, const std::optional<double>& p) {
    if (!p) return;
    if (!s.empty()) s += " · ";
    s += std::string(name) + " " + Paint(Percent(*p), PercentColour(*p), o.color);
  };
  one("5h", in.five_hour_percent);
  if (in.five_hour_percent && in.five_hour_resets_ms && *in.five_hour_resets_ms > o.now_ms) {
    s += " (" + TimeLeft(*in.five_hour_resets_ms - o.now_ms) + ")";
  }
  one("7d", in.seven_day_percent);
  return s.empty() ? s : "⏳ " + s;
}

}  // namespace

StatusInput ParseStatusInput(std::string_view text) {
  StatusInput in;
  rapidjson::Document doc;
  if (!json::Parse(&doc, text) || !doc.IsObject()) return in;
  in.session_id = Str(&doc, "session_id");
  const rapidjson::Value* model = Obj(&doc, "model");
  in.model = Str(model, "display_name");
  if (in.model.empty()) in.model = Str(model, "id");
  in.session_cost = Num(Obj(&doc, "cost"), "total_cost_usd");
  const rapidjson::Value* ctx = Obj(&doc, "context_window");
  in.context_percent = Num(ctx, "used_percentage");
  if (const rapidjson::Value* cur = Obj(ctx, "current_usage")) {
    double sum = Num(cur, "input_tokens").value_or(0) +
                 Num(cur, "cache_creation_input_tokens").value_or(0) +
                 Num(cur, "cache_read_input_tokens").value_or(0);
    if (sum >= 0) in.context_tokens = static_cast<uint64_t>(sum);
    auto size = Num(ctx, "context_window_size");
    if (!in.context_percent && size && *size > 0) in.context_percent = 100.0 * sum / *size;
  }
  const rapidjson::Value* limits = Obj(&doc, "rate_limits");
  const rapidjson::Value* five = Obj(limits, "five_hour");
  in.five_hour_percent = Num(five, "used_percentage");
  in.five_hour_resets_ms = ResetTime(five);
  in.seven_day_percent = Num(Obj(limits, "seven_day"), "used_percentage");
  return in;
}

std::string FormatStatusLine(const StatusInput& in, const StatusFacts& f, const StatusOptions& o) {
  std::string line = "🤖 " + (in.model.empty() ? std::string("Claude") : in.model);
  line += " | " + CostPart(in, f);
  if (f.active_block && f.active_block->projection) {
    const BlockProjection& p = *f.active_block->projection;
    const char* colour = p.io_tokens_per_minute < 2000   ? kGreen
                         : p.io_tokens_per_minute < 5000 ? kYellow
                                                         : kRed;
    line += " | 🔥 " + Paint(Usd(p.cost_per_hour) + "/hr", colour, o.color);
  }
  if (in.context_percent || in.context_tokens) {
    std::string ctx = in.context_tokens ? Thousands(*in.context_tokens) : "";
    if (in.context_percent) {
      std::string pct =
          Paint(Percent(*in.context_percent), PercentColour(*in.context_percent), o.color);
      ctx += ctx.empty() ? pct : " (" + pct + ")";
    }
    line += " | 🧠 " + ctx;
  }
  std::string limits = RateLimits(in, o);
  if (!limits.empty()) line += " | " + limits;
  return line;
}

}  // namespace trace
