// A ZeroMQ SUB for the system tests: connects to a PUB endpoint, checks
// every message's framing (3 frames, header magic/version, consecutive
// pub_seq within an epoch) and prints each event body as one line.
// Usage: tail_sub ENDPOINT [PREFIX]; stops on SIGTERM or after 30 s idle.
#include <cstdio>

#include "common/base/shutdown.h"
#include "common/wire/wire.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tail_sub ENDPOINT [PREFIX]\n");
    return 2;
  }
  trace::shutdown::Install();
  trace::wire::Context ctx;
  trace::wire::Subscriber sub(ctx);
  if (auto st = sub.Connect(argv[1]); !st.ok()) {
    std::fprintf(stderr, "tail_sub: %s\n", st.message().c_str());
    return 1;
  }
  sub.SubscribeTo(argc > 2 ? argv[2] : "");
  std::fprintf(stderr, "ready\n");
  uint64_t epoch = 0, last = 0;
  int idle_ms = 0;
  while (!trace::shutdown::Requested() && idle_ms < 30000) {
    trace::wire::Message m;
    auto got = sub.Receive(&m, 100);
    if (!got.ok() && trace::shutdown::Requested()) break;  // EINTR from SIGTERM
    if (!got.ok()) {
      std::fprintf(stderr, "tail_sub: bad message: %s\n", got.status().message().c_str());
      return 1;
    }
    if (!*got) {
      idle_ms += 100;
      continue;
    }
    idle_ms = 0;
    if (m.header.epoch == epoch && m.header.pub_seq != last + 1) {
      std::fprintf(stderr, "tail_sub: pub_seq gap %llu -> %llu\n",
                   static_cast<unsigned long long>(last),
                   static_cast<unsigned long long>(m.header.pub_seq));
      return 1;
    }
    epoch = m.header.epoch;
    last = m.header.pub_seq;
    std::printf("%s\t%s\n", m.topic.c_str(), m.body.c_str());
    std::fflush(stdout);
  }
  return 0;
}
