// Graceful stop on SIGINT/SIGTERM: the signals set a flag and make an
// eventfd readable, so any loop (zmq_poll, epoll, poll) can wait on it.
// Install once from main, before starting threads.
#pragma once

namespace trace::shutdown {

// Blocks nothing; installs handlers for SIGINT and SIGTERM, ignores SIGPIPE.
void Install();
bool Requested();
// Requests a stop from inside the process (tests, fatal errors in a thread).
void Request();
// A file descriptor that becomes readable once a stop is requested.
int Fd();

}  // namespace trace::shutdown
