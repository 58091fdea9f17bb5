// trace-tail: follows Claude Code's JSONL files (and any named files),
// normalizes every line into an event and publishes it on ZeroMQ and/or
// prints it on stdout. Flags and wiring here; the work is in common/
// (follower, normalize, tail_output, tail_control, checkpoint).
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "common/base/clock.h"
#include "common/base/file_util.h"
#include "common/base/ids.h"
#include "common/base/log.h"
#include "common/base/paths.h"
#include "common/base/process.h"
#include "common/base/shutdown.h"
#include "common/cli/cli.h"
#include "common/event/event.h"
#include "common/json/json.h"
#include "common/tail/checkpoint.h"
#include "common/tail/credit_gate.h"
#include "common/tail/follower.h"
#include "common/tail/line_guard.h"
#include "common/tail/tail_control.h"
#include "common/tail/tail_links.h"
#include "common/tail/tail_loop.h"
#include "common/tail/tail_output.h"
#include "common/wire/wire.h"

namespace po = boost::program_options;
using namespace trace;

namespace {

constexpr char kTool[] = "trace-tail";
constexpr char kAbout[] =
    "Follows JSONL trace files and turns every line into one normalized event\n"
    "(proto/event.schema.json), published on ZeroMQ (--pub) and/or printed as\n"
    "JSON lines (--stdout). Without FILE arguments it follows the Claude home:\n"
    "  <traces dir>/*.jsonl            hook spans ($CLAUDE_TRACE_DIR or ~/.claude/traces)\n"
    "  <claude home>/projects/**/*.jsonl  transcripts ($CLAUDE_CONFIG_DIR or ~/.claude)\n"
    "  <claude home>/history.jsonl     prompt history\n"
    "  <data dir>/spool/*.jsonl        events POSTed to trace-gateway\n"
    "including files and directories created later. Read positions are kept in\n"
    "--state FILE (default <data dir>/tail-state.json when following the Claude\n"
    "home) so a restart neither re-sends nor skips a line.\n\n"
    "Examples:\n"
    "  trace-tail --once --stdout ~/.claude/history.jsonl | jq .\n"
    "  trace-tail --stdout 'logs/*.jsonl' --kind span\n"
    "  trace-tail                       # the pipeline default: PUB 5556, control 5555\n"
    "  trace-tail --pub-connect tcp://index.lan:5558 --control-connect tcp://index.lan:5559 \\\n"
    "    --curve-server-key server.pub --curve-key ~/.config/claude-trace/laptop.key\n"
    "                                   # a remote tail: opens both connections itself\n";

struct Flags {
  std::vector<std::string> files;
  TailLinks links;
  std::string state, kind, quarantine, user, host;
  bool to_stdout = false, stdin_source = false, once = false, from_end = false;
  size_t max_line_bytes = 16u << 20, max_open_files = 0;
  int poll_ms = 1000, checkpoint_ms = 1000, hwm = 1'000'000;
  int64_t stall_ms = 30000, credit_wait_ms = 1000;
};

void DefineFlags(cli::Spec& spec, Flags& f) {
  spec.options.add_options()("files", po::value(&f.files)->multitoken(),
                             "FILE or GLOB to follow (repeatable)")(
      "pub", po::value(&f.links.pubs)->multitoken(),
      "ZeroMQ PUB endpoint to bind (repeatable; default tcp://127.0.0.1:5556 unless --stdout)")(
      "control", po::value(&f.links.control),
      "control ROUTER endpoint (default tcp://127.0.0.1:5555 when publishing)")(
      "pub-connect", po::value(&f.links.pub_connect)->value_name("EP"),
      "remote tail: connect the event PUB to this trace-index --listen-events endpoint "
      "(instead of binding --pub)")(
      "control-connect", po::value(&f.links.control_connect)->value_name("EP"),
      "remote tail: connect the control socket to this trace-index --listen-control endpoint "
      "(instead of binding --control)")(
      "curve-server-key", po::value(&f.links.curve_server_key)->value_name("KEY|FILE"),
      "encrypt both connections with CURVE to the index with this public key (Z85, or a file "
      "such as server.pub); needs --curve-key")(
      "curve-key", po::value(&f.links.curve_key)->value_name("FILE"),
      "this tail's CURVE secret key file (from trace-index keygen; mode 600); its .pub must be in "
      "the index's authorized/ directory")("stdout", po::bool_switch(&f.to_stdout),
                                           "print events as JSON lines on stdout")(
      "stdin", po::bool_switch(&f.stdin_source), "also read lines from stdin (path \"-\")")(
      "once", po::bool_switch(&f.once), "read what exists (partial last lines too), then exit 0")(
      "from-start", "files seen for the first time are read from the beginning (default)")(
      "from-end", po::bool_switch(&f.from_end), "files seen at the first start: only new lines")(
      "state", po::value(&f.state), "checkpoint file of read positions ('' disables)")(
      "kind", po::value(&f.kind)->default_value("auto"),
      "input kind of named files: auto|span|transcript|history|ingest")(
      "max-line-bytes", po::value(&f.max_line_bytes)->default_value(16u << 20),
      "longer lines become one raw event with parse_error \"line too long\"")(
      "max-open-files", po::value(&f.max_open_files),
      "followed files open at once; more are read in turn, least recently read closed first\n"
      "(default: the descriptor limit RLIMIT_NOFILE less 64 for sockets, 8..4096)")(
      "poll-ms", po::value(&f.poll_ms)->default_value(1000),
      "full rescan interval, the safety net under inotify")(
      "checkpoint-ms", po::value(&f.checkpoint_ms)->default_value(1000),
      "how often --state is written while running")(
      "quarantine", po::value(&f.quarantine),
      "file of lines trace-tail crashed or stalled on (default --state FILE + \".quarantine\";"
      " '' disables); such a line is emitted raw, unparsed, on every later read")(
      "stall-ms", po::value(&f.stall_ms)->default_value(30000),
      "a line still being parsed after this long is quarantined and trace-tail exits 70"
      " (its supervisor restarts it past the line); 0 disables")(
      "user", po::value(&f.user),
      "user of the events read here whose record names none (default: the login name;"
      " '' leaves them without); not the spool's, which come from other machines")(
      "host", po::value(&f.host),
      "host of the events read here whose record names none (default: the host name)")(
      "credit-wait-ms", po::value(&f.credit_wait_ms)->default_value(1000),
      "at start, how long to wait for a trace-index to grant credit before reading unbounded\n"
      "(proto/wire.md \"Flow control\"; 0: do not wait)")(
      "hwm", po::value(&f.hwm)->default_value(1'000'000),
      "PUB high-water mark: messages queued per subscriber before ZeroMQ drops");
  spec.positional.add("files", -1);
}

std::vector<WatchSpec> DefaultSpecs(const po::variables_map& vm) {
  std::string home = paths::ClaudeHome();
  return {{paths::TracesDir() + "/*.jsonl", InputKind::kSpan},
          {home + "/projects/**/*.jsonl", InputKind::kTranscript},
          {home + "/history.jsonl", InputKind::kHistory},
          {cli::DataDir(vm) + "/spool/*.jsonl", InputKind::kIngest}};
}

// Named plain files must be readable now; globs may match later.
bool CheckNamedFiles(const std::vector<std::string>& files, std::string* bad, std::string* why) {
  for (const std::string& f : files) {
    if (f.find_first_of("*?[") != std::string::npos) continue;
    if (access(f.c_str(), R_OK) != 0) {
      *bad = f;
      *why =
          std::error_code(errno, std::generic_category()).message();  // strerror is not thread-safe
      return false;
    }
  }
  return true;
}

// Descriptors for followed files: the limit less what sockets, inotify and
// directory scans need.
size_t DefaultMaxOpenFiles(uint64_t fd_limit) {
  uint64_t n = fd_limit > 64 ? fd_limit - 64 : 0;
  return static_cast<size_t>(std::clamp<uint64_t>(n, 8, 4096));
}

}  // namespace

int Run(int argc, char** argv) {
  Flags flags;
  cli::Spec spec;
  spec.tool = kTool;
  spec.synopsis = "trace-tail [options] [FILE|GLOB...]";
  spec.about = kAbout;
  DefineFlags(spec, flags);
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;
  shutdown::Install();
  uint64_t fd_limit = process::RaiseFdLimit();

  InputKind kind;
  if (!ParseInputKind(flags.kind, &kind)) {
    return cli::Fail(kTool, "parse --kind", "unknown kind '" + flags.kind + "'", cli::kExitUsage);
  }
  if (vm.count("from-start") && flags.from_end) {
    return cli::Fail(kTool, "parse flags", "--from-start and --from-end exclude each other",
                     cli::kExitUsage);
  }
  std::string bad, why;
  if (!CheckNamedFiles(flags.files, &bad, &why)) {
    return cli::Fail(kTool, "open '" + bad + "'", why, cli::kExitInput);
  }
  TailLinks& links = flags.links;
  if (Status st = CheckTailLinks(links); !st)
    return cli::Fail(kTool, "parse flags", st.message(), cli::kExitUsage);
  auto curve = LoadTailCurve(links);
  if (!curve) return cli::Fail(kTool, "load curve keys", curve.status().message(), cli::kExitInput);
  bool defaults = flags.files.empty() && !flags.stdin_source;
  if (!vm.count("state") && defaults && !flags.once)
    flags.state = cli::DataDir(vm) + "/tail-state.json";
  if (links.pubs.empty() && !flags.to_stdout && !links.remote())
    links.pubs.push_back("tcp://127.0.0.1:5556");
  if (links.control.empty() && !links.pubs.empty() && !flags.once && !links.remote())
    links.control = "tcp://127.0.0.1:5555";
  if (!links.pub_connect.empty() && links.control_connect.empty() && !flags.once)
    log::Warn("no --control-connect: lines the index misses are not resent");

  std::vector<WatchSpec> specs;
  for (const std::string& f : flags.files) specs.push_back({file::AbsolutePath(f), kind});
  if (defaults) specs = DefaultSpecs(vm);

  wire::Context ctx;
  uint64_t publisher_id = PublisherIdFor(flags.state), epoch = RandomId();
  std::unique_ptr<wire::Publisher> publisher;
  if (links.publishes()) {
    publisher = std::make_unique<wire::Publisher>(ctx, publisher_id, epoch);
    if (Status st = publisher->SetHighWaterMark(flags.hwm); !st.ok())
      return cli::Fail(kTool, "set --hwm", st.message(), cli::kExitUsage);
    std::string what;
    if (Status st = OpenPublisher(links, *curve, *publisher, &what); !st.ok())
      return cli::Fail(kTool, what, st.message());
  }
  std::unique_ptr<DirWatcher> watcher;
  if (!flags.once) {
    auto w = NewInotifyWatcher();
    if (w.ok())
      watcher = std::move(*w);
    else
      log::Warn("no inotify; polling only", {{"error", w.status().message()}});
  }
  FollowerOptions options;
  options.from_end = flags.from_end;
  options.max_line_bytes = flags.max_line_bytes;
  options.max_open_files =
      flags.max_open_files > 0 ? flags.max_open_files : DefaultMaxOpenFiles(fd_limit);
  options.interrupted = [] { return shutdown::Requested(); };
  TailOutput output(publisher.get(), flags.to_stdout ? STDOUT_FILENO : -1);
  output.SetOrigin({vm.count("user") ? flags.user : process::LoginName(),
                    vm.count("host") ? flags.host : process::HostName()});
  // Flow control engages only with a control socket an index can attach to.
  std::unique_ptr<CreditGate> gate;
  if (links.has_control()) {
    CreditGate::Options go;
    go.start_wait_ms = std::max<int64_t>(0, flags.credit_wait_ms);
    // ZeroMQ's PUB learns what its peer took only every half HWM: a quarter
    // of it is what can safely be in flight.
    go.max_ahead = std::max<uint64_t>(1, static_cast<uint64_t>(std::max(1, flags.hwm)) / 4);
    gate = std::make_unique<CreditGate>(go, publisher_id, epoch, NowMs());
    options.hold = [&] { return !gate->Open(output.pub_seq(), NowMs()); };
  }
  if (!vm.count("quarantine") && !flags.state.empty())
    flags.quarantine = flags.state + ".quarantine";
  std::unique_ptr<LineGuard> guard;
  if (!flags.quarantine.empty()) {
    auto opened = LineGuard::Open(flags.quarantine, flags.stall_ms);
    if (!opened.ok())
      return cli::Fail(kTool, "open --quarantine", opened.status().message(), cli::kExitInput);
    guard = std::move(*opened);
    output.SetGuard(guard.get());
    if (guard->quarantined_count() > 0)
      log::Warn("quarantined lines will be emitted unparsed",
                {{"file", flags.quarantine}, {"lines", guard->quarantined_count()}});
  }
  TailFollower follower(specs, options, watcher.get(), &output);
  if (!flags.state.empty()) {
    auto restored = LoadCheckpoint(flags.state);
    if (!restored.ok())
      return cli::Fail(kTool, "load --state", restored.status().message(), cli::kExitInput);
    if (*restored) follower.Restore(**restored);
  }
  if (flags.stdin_source) follower.AddStream(STDIN_FILENO, "-", kind);
  std::unique_ptr<TailControl> control;
  if (links.has_control()) {
    control = std::make_unique<TailControl>(
        ctx, &follower, [&] { return output.pub_seq(); }, publisher_id, epoch);
    std::string what;
    if (Status st = OpenControl(links, *curve, *control, &what); !st.ok())
      return cli::Fail(kTool, what, st.message());
    control->SetCreditGate(gate.get(), NowMs);
  }
  log::Info("started", {{"publisher_id", Hex16(publisher_id)},
                        {"epoch", Hex16(epoch)},
                        {"patterns", specs.size()},
                        {"curve", curve->on},
                        {"state", flags.state}});
  TailLoopOptions loop_options;
  loop_options.state = flags.state;
  loop_options.once = flags.once;
  loop_options.stdin_source = flags.stdin_source;
  loop_options.stdin_only = flags.stdin_source && flags.files.empty();
  loop_options.poll_ms = flags.poll_ms;
  loop_options.checkpoint_ms = flags.checkpoint_ms;
  TailLoop loop(loop_options, &follower, &output, control.get(), watcher.get());
  loop.SetCreditGate(gate.get());
  Status st = loop.Run();
  log::Info("stopped", {{"events", output.events()},
                        {"pub_seq", output.pub_seq()},
                        {"credit_stalls", gate ? gate->stalls() : 0}});
  if (!st.ok()) return cli::Fail(kTool, "run", st.message());
  return cli::kExitOk;
}

int main(int argc, char** argv) {
  return cli::RunMain(kTool, [&] { return Run(argc, argv); });
}
