// See tail_output.h. stdout is written in ~1 MiB blocks (and at every Flush,
// i.e. after each follower step) so bursts are cheap and idle latency low.
#include "common/tail/tail_output.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/base/clock.h"
#include "common/base/log.h"
#include "common/json/json.h"

namespace trace {

namespace {
constexpr size_t kStdoutBlock = 1u << 20;
constexpr char kQuarantined[] =
    "quarantined: trace-tail crashed or stalled reading this line before; kept unparsed";
}  // namespace

TailOutput::TailOutput(wire::Publisher* publisher, int stdout_fd)
    : publisher_(publisher), stdout_fd_(stdout_fd) {
  stdout_buffer_.reserve(kStdoutBlock * 2);
}

void TailOutput::OnLine(const SourceRef& source, const Line& line, InputKind kind,
                        TimeCarry* time) {
  event_.clear();
  LineInput in{&source, line.text, kind, NowMs(), time, AgentMetaFor(source.path)};
  if (kind != InputKind::kIngest) in.origin = &origin_;
  if (guard_ && guard_->Quarantined(source)) {
    normalizer_.NormalizeUnparsed(in, kQuarantined, &event_);
  } else {
    if (guard_) guard_->Enter(source);
    line.oversized ? normalizer_.NormalizeOversized(in, &event_)
                   : normalizer_.Normalize(in, &event_);
    if (guard_) guard_->Leave();
    if (time) time->Observe(normalizer_.record_timestamp());
  }
  Emit();
}

const AgentMeta* TailOutput::AgentMetaFor(const std::string& path) {
  if (AgentFromTranscriptPath(path).empty()) return nullptr;
  MetaEntry& e = agent_meta_[path];
  if (e.meta) return &*e.meta;
  int64_t now = NowMs();
  if (now < e.next_try_ms) return nullptr;
  e.next_try_ms = now + 1000;
  std::ifstream in(AgentMetaPath(path), std::ios::binary);
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  auto meta = ParseAgentMeta(text.str());
  if (!meta) return nullptr;
  e.meta = std::move(*meta);
  return &*e.meta;
}

void TailOutput::OnNotice(const SourceRef& source, std::string_view what, std::string_view detail) {
  log::Warn("source " + std::string(what), {{"path", source.path}, {"detail", detail}});
  event_.clear();
  normalizer_.Notice(source, what, detail, NowMs(), &event_);
  Emit();
}

void TailOutput::Emit() {
  ++events_;
  if (publisher_) {
    if (Status st = publisher_->Send(normalizer_.topic(), event_); !st.ok() && status_.ok()) {
      status_ = st;
    }
  }
  if (stdout_fd_ < 0) return;
  stdout_buffer_.append(event_);
  stdout_buffer_.push_back('\n');
  if (stdout_buffer_.size() >= kStdoutBlock) (void)Flush();
}

Status TailOutput::Flush() {
  std::string_view data = stdout_buffer_;
  while (!data.empty() && status_.ok()) {
    ssize_t n = write(stdout_fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status_ = Status::Errno("write stdout");
      break;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  stdout_buffer_.clear();
  return status_;
}

uint64_t TailOutput::pub_seq() const {
  return publisher_ ? publisher_->last_header().pub_seq : events_;
}

}  // namespace trace
