// See posix_tz.h. Offsets in the string are west-positive ("EST5" = UTC-5);
// stored east-positive, as TZif's utoff.
#include "common/tz/posix_tz.h"

#include <cctype>

#include "common/tz/civil.h"

namespace trace {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // <...> quoted or 3+ letters.
  bool Name() {
    if (Eat('<')) {
      while (!Done() && Peek() != '>') ++i_;
      return Eat('>');
    }
    size_t from = i_;
    while (std::isalpha(static_cast<unsigned char>(Peek()))) ++i_;
    return i_ - from >= 3;
  }
  std::optional<int> Number() {
    if (!std::isdigit(static_cast<unsigned char>(Peek()))) return std::nullopt;
    int n = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek())) && n < 100000)
      n = n * 10 + (s_[i_++] - '0');
    return n;
  }
  // [+-]hh[:mm[:ss]] in seconds, sign applied.
  std::optional<int32_t> Duration() {
    int sign = 1;
    if (Eat('-')) {
      sign = -1;
    } else {
      Eat('+');
    }
    auto h = Number();
    if (!h || *h > 167) return std::nullopt;
    int32_t secs = *h * 3600;
    for (int mul : {60, 1}) {
      if (!Eat(':')) break;
      auto n = Number();
      if (!n || *n > 59) return std::nullopt;
      secs += *n * mul;
    }
    return sign * secs;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<PosixTzRule> PosixTzRule::Parse(std::string_view spec) {
  auto bad = [&](const char* why) {
    return Status::Error("TZ rule '" + std::string(spec) + "': " + why);
  };
  Cursor c(spec);
  PosixTzRule r;
  if (!c.Name()) return bad("no standard time name");
  auto std_west = c.Duration();
  if (!std_west) return bad("no standard offset");
  r.std_offset_ = -*std_west;
  r.dst_offset_ = r.std_offset_;
  if (c.Done()) return r;
  if (!c.Name()) return bad("bad daylight time name");
  r.has_dst_ = true;
  r.dst_offset_ = r.std_offset_ + 3600;
  if (!c.Done() && c.Peek() != ',') {
    auto dst_west = c.Duration();
    if (!dst_west) return bad("bad daylight offset");
    r.dst_offset_ = -*dst_west;
  }
  r.start_ = {'M', 3, 2, 0, 7200};
  r.end_ = {'M', 11, 1, 0, 7200};
  for (DateRule* d : {&r.start_, &r.end_}) {
    if (c.Done() && d == &r.start_) break;
    if (!c.Eat(',')) return bad("expected ',' before a transition date");
    if (c.Eat('M')) {
      int m = c.Number().value_or(-1);
      int w = c.Eat('.') ? c.Number().value_or(-1) : -1;
      int wd = c.Eat('.') ? c.Number().value_or(-1) : -1;
      if (m < 1 || m > 12 || w < 1 || w > 5 || wd < 0 || wd > 6) return bad("bad Mm.w.d date");
      *d = {'M', m, w, wd, 7200};
    } else {
      char kind = c.Eat('J') ? 'J' : 'D';
      auto n = c.Number();
      if (!n || *n > 365 || (kind == 'J' && *n < 1)) return bad("bad day number");
      *d = {kind, *n, 0, 0, 7200};
    }
    if (c.Eat('/')) {
      auto t = c.Duration();
      if (!t) return bad("bad transition time");
      d->time = *t;
    }
  }
  if (!c.Done()) return bad("trailing characters");
  return r;
}

int64_t PosixTzRule::DayStart(const DateRule& r, int year) {
  int64_t jan1 = DaysFromCivil({year, 1, 1});
  int64_t day = 0;
  if (r.kind == 'J') {
    day = jan1 + r.a - 1 + (IsLeapYear(year) && r.a >= 60 ? 1 : 0);
  } else if (r.kind == 'D') {
    day = jan1 + r.a;
  } else {
    int64_t first = DaysFromCivil({year, r.a, 1});
    int64_t d = first + (r.c - WeekdayOfDays(first) + 7) % 7 + int64_t{r.b - 1} * 7;
    while (d >= first + DaysInMonth(year, r.a)) d -= 7;  // week 5 = the last one
    day = d;
  }
  return day * 86400;
}

int32_t PosixTzRule::OffsetAt(int64_t t) const {
  if (!has_dst_) return std_offset_;
  int year = CivilFromDays(FloorDiv(t + std_offset_, 86400)).year;
  // DST starts at a local standard time and ends at a local daylight time.
  int64_t start = DayStart(start_, year) + start_.time - std_offset_;
  int64_t end = DayStart(end_, year) + end_.time - dst_offset_;
  bool dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
  return dst ? dst_offset_ : std_offset_;
}

}  // namespace trace
