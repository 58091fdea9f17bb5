// See line_parser.h.
#include "common/index/line_parser.h"

#include <cstring>

#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/json/json.h"
#include "common/json/json_insitu.h"

namespace trace {

namespace {

// Below this many lines a batch is parsed on the calling thread alone
// (waking the helper costs more than it saves).
constexpr size_t kHelperMinLines = 64;

// An event for a line that is not a valid event: kept as data, never dropped.
// The span_id is derived from the text and its source position, so a resent
// line dedupes.
std::string RawEvent(std::string_view body, const std::string& error,
                     const rapidjson::Value* source) {
  json::StringWriter w;
  w.StartObject();
  // Two identical bad lines at different places are two events.
  std::string where = source && source->IsObject() ? json::Serialize(*source) : "";
  w.Key("span_id");
  w.String("raw-" + StableHashHex(where + std::string(body)));
  w.Key("kind");
  w.String(kKindRaw);
  w.Key("event_type");
  w.String("raw");
  w.Key("timestamp");
  w.Int64(NowMs());
  w.Key("raw");
  w.String(json::SanitizeUtf8(body));
  w.Key("parse_error");
  w.String(error);
  if (source && source->IsObject()) {  // keeps the committed offset moving
    w.Key("source");
    w.Value(*source);
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

LineParseState::LineParseState()
    : arena_(std::make_unique<char[]>(kArenaBytes)),
      pool_(std::make_unique<rapidjson::MemoryPoolAllocator<>>(arena_.get(), kArenaBytes)) {}

void LineParseState::Parse(std::string_view line, ParsedLine* out) {
  struct ClearPool {
    rapidjson::MemoryPoolAllocator<>* pool;
    ~ClearPool() { pool->Clear(); }
  } clear_after{pool_.get()};
  out->facts.reset();
  out->raw.clear();
  out->error = Status::Ok();
  rapidjson::Document doc(pool_.get());
  Status valid = json::ParseLine(&doc, &insitu_, line, json::kMaxEventDepth);
  if (valid) {
    valid = ReadEventKeys(doc, &out->keys);
  } else {
    valid = valid.Wrap("not valid JSON");
  }
  if (!valid) {
    const rapidjson::Value* source = doc.IsObject() ? json::Find(doc, "source") : nullptr;
    out->raw = RawEvent(line, valid.message(), source);
    Status st = json::Parse(&doc, out->raw, json::kMaxEventDepth);
    if (st) st = ReadEventKeys(doc, &out->keys);
    if (!st) {
      out->error = st.Wrap("raw event");
      return;
    }
  }
  out->has_seq = doc.HasMember("seq");
  out->facts.emplace(ExtractFacts(doc, out->keys));
}

LineParser::LineParser() : helper_([this] { HelperLoop(); }) {}

LineParser::~LineParser() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  helper_.join();
}

bool LineParser::ParseClaimed(LineParseState& state) {
  const std::vector<IncomingLine>& lines = *lines_;
  bool any = false;
  for (size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < lines.size(); any = true) {
    state.Parse(lines[i].body, parsed_[i].get());
    parsed_[i]->ready.store(true, std::memory_order_release);
  }
  return any;
}

LineParser::Batch::Batch(LineParser& parser, const std::vector<IncomingLine>& lines)
    : parser_(parser) {
  auto& parsed = parser.parsed_;
  while (parsed.size() < lines.size()) parsed.push_back(std::make_unique<ParsedLine>());
  for (size_t i = 0; i < lines.size(); ++i)
    parsed[i]->ready.store(false, std::memory_order_relaxed);
  parser.lines_ = &lines;
  parser.next_.store(0, std::memory_order_relaxed);
  if (lines.size() < kHelperMinLines) return;  // Get parses each line in place
  {
    std::lock_guard lock(parser.mu_);
    ++parser.posted_;
  }
  parser.cv_.notify_all();
}

LineParser::Batch::~Batch() {
  std::unique_lock lock(parser_.mu_);
  parser_.next_.store(parser_.lines_->size());  // whatever is left stays unparsed
  parser_.cv_.wait(lock, [&] { return parser_.finished_ == parser_.posted_; });
  parser_.lines_ = nullptr;
}

ParsedLine& LineParser::Batch::Get(size_t i) {
  ParsedLine& line = *parser_.parsed_[i];
  const std::vector<IncomingLine>& lines = *parser_.lines_;
  if (lines.size() < kHelperMinLines) {
    parser_.mine_.Parse(lines[i].body, &line);
    return line;
  }
  while (!line.ready.load(std::memory_order_acquire)) {
    // Help instead of waiting: parse the next unclaimed line, if any.
    size_t j = parser_.next_.fetch_add(1, std::memory_order_relaxed);
    if (j < lines.size()) {
      parser_.mine_.Parse(lines[j].body, parser_.parsed_[j].get());
      parser_.parsed_[j]->ready.store(true, std::memory_order_release);
    } else {
      std::this_thread::yield();  // the helper is parsing line i
    }
  }
  return line;
}

void LineParser::HelperLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || finished_ < posted_; });
    if (stopping_) return;
    lock.unlock();
    ParseClaimed(helpers_);
    lock.lock();
    ++finished_;
    cv_.notify_all();
  }
}

}  // namespace trace
