// trace-gen: writes a realistic Claude home (hook spans, transcripts with
// sub-agents, history) for demos, tests and benchmarks. Deterministic for a
// given --seed; --live keeps appending at a rate like busy sessions do.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "common/base/log.h"
#include "common/base/shutdown.h"
#include "common/cli/cli.h"
#include "common/json/json.h"
#include "generator.h"

namespace po = boost::program_options;
using namespace trace;

namespace {

constexpr char kTool[] = "trace-gen";
constexpr char kAbout[] =
    "Writes a realistic Claude home into --home DIR: traces/<session>.jsonl (hook spans),\n"
    "projects/<escaped cwd>/<session>.jsonl (+ <session>/subagents/agent-<id>.jsonl) and\n"
    "history.jsonl. The same --seed gives the same bytes. With --live RATE it keeps\n"
    "appending about RATE lines per second (timestamps from the clock) until stopped.\n\n"
    "Examples:\n"
    "  trace-gen --home /tmp/claude --lines 100000 --seed 7\n"
    "  trace-gen --home ~/.claude-demo --live 50\n";

int RunLive(gen::Generator& g, gen::Sink& sink, double rate, double duration_s) {
  auto start = std::chrono::steady_clock::now();
  while (!shutdown::Requested()) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (duration_s > 0 && elapsed >= duration_s) break;
    while (sink.lines() < rate * elapsed) {
      if (!g.Turn(sink)) return cli::kExitOk;  // --lines reached
    }
    sink.Flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cli::kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  gen::Options o;
  uint64_t lines = 10000;
  double live = 0, duration = 0;
  cli::Spec spec;
  spec.tool = kTool;
  spec.synopsis = "trace-gen --home DIR [--lines N] [--seed S] [--live RATE]";
  spec.about = kAbout;
  spec.options.add_options()("home", po::value(&o.home)->required(),
                             "Claude home to write into (created)")(
      "lines", po::value(&lines)->default_value(10000),
      "total lines to write (0: no limit with --live)")(
      "seed", po::value(&o.seed)->default_value(1), "random seed")(
      "sessions", po::value(&o.sessions)->default_value(8), "concurrent sessions")(
      "min-bytes", po::value(&o.min_bytes)->default_value(200), "smallest padded line size")(
      "max-bytes", po::value(&o.max_bytes)->default_value(50000), "largest padded line size")(
      "live", po::value(&live)->default_value(0), "append about RATE lines/s until stopped")(
      "duration", po::value(&duration)->default_value(0), "with --live: stop after SECONDS");
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;
  shutdown::Install();
  if (o.sessions < 1) return cli::Fail(kTool, "parse --sessions", "must be >= 1", cli::kExitUsage);
  o.live = live > 0;
  gen::Generator g(o);
  gen::Sink sink(lines == 0 ? UINT64_MAX : lines);
  if (o.live) {
    code = RunLive(g, sink, live, duration);
  } else {
    while (g.Turn(sink)) {
    }
  }
  sink.Flush();
  std::printf("{\"lines\":%llu,\"bytes\":%llu}\n", static_cast<unsigned long long>(sink.lines()),
              static_cast<unsigned long long>(sink.bytes()));
  return code;
}

int main(int argc, char** argv) {
  return cli::RunMain(kTool, [&] { return Main(argc, argv); });
}
