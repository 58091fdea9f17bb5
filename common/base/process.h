// What a tool asks of the machine and process it runs in: the host name and
// login name its events are tagged with, and the descriptor limit raised to
// what the system allows (trace-tail follows thousands of files).
#pragma once

#include <cstdint>
#include <string>

namespace trace::process {

// The name this machine goes by (gethostname), "" when unknown.
std::string HostName();
// The account the process runs as: its passwd entry (a service has no login
// terminal for getlogin), else $USER, else "". Call before starting threads.
std::string LoginName();
// Raises the soft RLIMIT_NOFILE to the hard one; returns the soft limit now.
uint64_t RaiseFdLimit();

}  // namespace trace::process
