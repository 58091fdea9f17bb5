// See shutdown.h.
#include "common/base/shutdown.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace trace::shutdown {
namespace {

std::atomic<bool> g_requested{false};
int g_fd = -1;

void Notify() {
  g_requested.store(true);
  if (g_fd >= 0) {
    uint64_t one = 1;
    ssize_t rc = ::write(g_fd, &one, sizeof one);  // async-signal-safe
    (void)rc;
  }
}

void OnSignal(int) { Notify(); }

}  // namespace

void Install() {
  if (g_fd < 0) g_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool Requested() { return g_requested.load(); }
void Request() { Notify(); }
int Fd() { return g_fd; }

}  // namespace trace::shutdown
