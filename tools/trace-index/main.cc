// trace-index: stores normalized events losslessly in LMDB (proto/storage.md)
// and republishes each committed event with its seq. Thin main: flags, wiring,
// the loop; the logic is in common/ (store_writer, indexer, index_loop, catchup).
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "common/base/file_util.h"
#include "common/base/ids.h"
#include "common/base/log.h"
#include "common/base/shutdown.h"
#include "common/cli/cli.h"
#include "common/export/export_flags.h"
#include "common/index/index_loop.h"
#include "common/index/indexer.h"
#include "common/store/store.h"
#include "common/store/store_migrate.h"
#include "common/store/store_verify.h"
#include "common/store/store_writer.h"
#include "common/wire/curve_keys.h"
#include "common/wire/wire.h"

namespace po = boost::program_options;
using namespace trace;

namespace {

constexpr const char* kTool = "trace-index";

std::vector<std::string> List(const po::variables_map& vm, const char* key, const char* fallback) {
  if (vm.count(key)) return vm[key].as<std::vector<std::string>>();
  if (fallback == nullptr) return {};
  return {fallback};
}

void Describe(cli::Spec& spec) {
  spec.about =
      "Subscribes to trace-tail (or reads event JSONL on --stdin), stores every event\n"
      "exactly once in an LMDB store with indexes and per-session/task/tool aggregates,\n"
      "and republishes each committed event (with its \"seq\") on --pub once it is on\n"
      "disk. One trace-index writes a store at a time (a lock in --db keeps others out).\n"
      "Lossless: it asks trace-tail (--tail-control) to resend from its committed\n"
      "offsets on start, after gaps and restarts (proto/wire.md).\n\n"
      "Examples:\n"
      "  trace-index                                   # tail on 5556/5555, pub on 5557\n"
      "  trace-tail --stdout --once F | trace-index --stdin --db ./db\n"
      "  trace-index --verify --db ./db                # recompute aggregates and indexes, exit 1 "
      "on difference\n"
      "  trace-index --migrate --db ./db               # convert a schema 2 or 3 store in place "
      "(resumable)\n"
      "  trace-index keygen --out keys                 # CURVE keypair keys/server.{key,pub}\n"
      "  trace-index --listen-events tcp://0.0.0.0:5558 --listen-control tcp://0.0.0.0:5559 \\\n"
      "    --curve-keys keys                          # remote tails (keys/authorized/*.pub)\n\n"
      "Exit codes: 0 ok, 1 runtime failure (or --verify found differences),\n"
      "2 bad flags, 3 store cannot be opened.";
  spec.options.add_options()(
      "sub", po::value<std::vector<std::string>>()->value_name("EP")->composing(),
      "trace-tail PUB endpoint to subscribe to (repeatable; default tcp://127.0.0.1:5556)")(
      "tail-control", po::value<std::vector<std::string>>()->value_name("EP")->composing(),
      "trace-tail control endpoint, paired with --sub in order (repeatable; "
      "default tcp://127.0.0.1:5555)")("no-catchup", po::bool_switch(),
                                       "do not talk to trace-tail's control socket (lossy)")(
      "credit-window", po::value<uint64_t>()->default_value(8192),
      "flow control: messages a trace-tail may publish past the last one received\n"
      "(proto/wire.md \"Flow control\"; 0: off, the tail runs free and rewinds repair drops)")(
      "listen-events", po::value<std::string>()->value_name("EP"),
      "bind a SUB here for remote trace-tails that connect their PUB (--pub-connect)")(
      "listen-control", po::value<std::string>()->value_name("EP"),
      "bind the control ROUTER here for remote trace-tails' --control-connect")(
      "curve-keys", po::value<std::string>()->value_name("DIR"),
      "CURVE on both --listen sockets: DIR/server.key (mode 600) and the client keys allowed, "
      "DIR/authorized/*.pub")(
      "pub", po::value<std::string>()->value_name("EP"),
      "where committed events are republished (default tcp://127.0.0.1:5557; "
      "with --stdin only when given)")(
      "stdin", po::bool_switch(), "read event JSONL from stdin until EOF instead of subscribing")(
      "db", po::value<std::string>()->value_name("DIR"),
      "LMDB store directory (default <data-dir>/db)")(
      "verify", po::bool_switch(),
      "recompute all aggregates and indexes from the events and report differences")(
      "migrate", po::bool_switch(),
      "convert a schema 2 or 3 store to schema 4 (compressed event blocks, hashed ids keys) in "
      "place, then exit; resumable after a kill")(
      "no-durable", po::bool_switch(),
      "do not fsync at each commit (faster; a power cut may lose the last batches)")(
      "batch-size", po::value<size_t>()->default_value(4096), "max events per transaction")(
      "batch-ms", po::value<int>()->default_value(50),
      "max wait of a pending event before its commit")("map-size-mb",
                                                       po::value<size_t>()->default_value(1024),
                                                       "initial LMDB map size (grows when full)")(
      "commit-retries", po::value<int>()->default_value(10),
      "attempts of a commit that fails (disk full, I/O error), 1 s apart, before exiting 1; "
      "nothing of a failed batch is stored, the tails resend it after a restart");
  exporter::DescribeExportFlags(spec.options);
}

int Verify(const std::string& db) {
  auto report = VerifyStore(db);
  if (!report) return cli::Fail(kTool, "verify", report.status().message(), cli::kExitInput);
  for (const auto& line : report->differences) std::cout << line << "\n";
  std::cout << "events " << report->events << ", aggregates checked " << report->checked
            << ", index entries checked " << report->index_entries << ", differences "
            << report->difference_count << "\n";
  return report->ok() ? cli::kExitOk : cli::kExitFailure;
}

int Migrate(const std::string& db) {
  MigrateOptions mo;
  mo.dir = db;
  mo.progress = LogMigrateProgress;
  auto report = MigrateStore(mo);
  if (!report) return cli::Fail(kTool, "migrate", report.status().message());
  if (report->already_current) {
    log::Info("store is already schema " + std::to_string(kSchemaVersion) + ": nothing to migrate",
              {{"db", db}});
    return cli::kExitOk;
  }
  log::Info("migrated", {{"db", db},
                         {"from_schema", report->from_version},
                         {"events", report->events.done},
                         {"ids", report->ids.total / 2},
                         {"dictionary", static_cast<uint64_t>(report->dictionary_id)}});
  return cli::kExitOk;
}

// `trace-index keygen [--out DIR] [--name NAME]`: a CURVE keypair for the
// index (server, the default) or for a tail (any other name).
int Keygen(int argc, char** argv) {
  cli::Spec spec{"trace-index keygen",
                 "trace-index keygen [--out DIR] [--name NAME]",
                 "",
                 po::options_description("Options"),
                 {}};
  spec.about =
      "Writes a new CURVE keypair: DIR/NAME.key (the secret, mode 600) and DIR/NAME.pub.\n"
      "For the index (NAME server) it also makes DIR/authorized/, where each remote\n"
      "tail's .pub goes. Existing files are never overwritten.";
  spec.options.add_options()("out", po::value<std::string>()->value_name("DIR"),
                             "directory (default <data-dir>/curve)")(
      "name", po::value<std::string>()->default_value("server"), "file name without extension");
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;
  std::string dir = vm.count("out") ? vm["out"].as<std::string>() : cli::DataDir(vm) + "/curve";
  std::string name = vm["name"].as<std::string>();
  if (!wire::CurveAvailable())
    return cli::Fail(kTool, "keygen", "this libzmq was built without CURVE");
  auto pair = wire::WriteNewKeypair(dir, name);
  if (!pair) return cli::Fail(kTool, "keygen", pair.status().message(), cli::kExitInput);
  if (name == "server") {
    if (Status st = file::MakeDirs(dir + "/authorized", 0700); !st)
      return cli::Fail(kTool, "keygen", st.message(), cli::kExitInput);
  }
  std::cout << dir << "/" << name << ".key\n"
            << dir << "/" << name << ".pub " << pair->public_key << "\n";
  return cli::kExitOk;
}

// Remote tails: --listen-* need each other (events without catch-up are
// lossy) unless --no-catchup says so; --curve-keys needs a --listen.
Status CheckListenFlags(const po::variables_map& vm) {
  bool events = vm.count("listen-events"), control = vm.count("listen-control");
  if (events && !control && !vm["no-catchup"].as<bool>())
    return Status::Error("--listen-events needs --listen-control (or --no-catchup)");
  if (control && !events) return Status::Error("--listen-control needs --listen-events");
  if (vm.count("curve-keys") && !events)
    return Status::Error("--curve-keys is for the --listen-events/--listen-control sockets");
  return Status::Ok();
}

void SetListenOptions(const po::variables_map& vm, SubscribeOptions* so) {
  if (!vm.count("listen-events")) return;
  so->listen_events = vm["listen-events"].as<std::string>();
  if (!vm["no-catchup"].as<bool>() && vm.count("listen-control"))
    so->listen_control = vm["listen-control"].as<std::string>();
  if (!vm.count("curve-keys") && so->listen_events.find("127.0.0.1") == std::string::npos)
    log::Warn("remote tails without --curve-keys: unencrypted and unauthenticated",
              {{"listen_events", so->listen_events}});
}

int Run(const po::variables_map& vm, const std::string& db) {
  auto export_options = exporter::ExportOptionsFrom(vm, db);
  if (!export_options)
    return cli::Fail(kTool, "--otlp-export", export_options.status().message(), cli::kExitUsage);
  StoreWriter::Options wo;
  wo.dir = db;
  wo.durable = !vm["no-durable"].as<bool>();
  wo.map_size = vm["map-size-mb"].as<size_t>() << 20;
  auto writer = StoreWriter::Open(wo);
  if (!writer) return cli::Fail(kTool, "open store", writer.status().message(), cli::kExitInput);
  if (Status st = CheckListenFlags(vm); !st)
    return cli::Fail(kTool, "parse flags", st.message(), cli::kExitUsage);
  wire::Context ctx;
  std::string curve_secret;
  if (vm.count("curve-keys")) {
    auto secret = wire::StartCurveServer(ctx, vm["curve-keys"].as<std::string>());
    if (!secret)
      return cli::Fail(kTool, "load --curve-keys", secret.status().message(), cli::kExitInput);
    curve_secret = *secret;
  }
  std::unique_ptr<wire::Publisher> pub;
  bool stdin_mode = vm["stdin"].as<bool>();
  if (vm.count("pub") || !stdin_mode) {
    std::string ep = vm.count("pub") ? vm["pub"].as<std::string>() : "tcp://127.0.0.1:5557";
    pub = std::make_unique<wire::Publisher>(ctx, RandomId(), RandomId());
    if (Status st = pub->Bind(ep); !st) return cli::Fail(kTool, "bind --pub " + ep, st.message());
  }
  Indexer::Options io;
  io.max_batch = vm["batch-size"].as<size_t>();
  io.max_batch_ms = vm["batch-ms"].as<int>();
  io.max_commit_failures = std::max(1, vm["commit-retries"].as<int>());
  auto exporter = exporter::StartExport(*export_options, **writer);
  if (!exporter) return cli::Fail(kTool, "start --otlp-export", exporter.status().message());
  Indexer indexer(**writer, pub.get(), io);
  log::Info("started", {{"db", db},
                        {"last_seq", (*writer)->last_seq()},
                        {"mode", stdin_mode ? "stdin" : "subscribe"}});
  Status st;
  if (stdin_mode) {
    st = RunStdinLoop(STDIN_FILENO, indexer);
  } else {
    SubscribeOptions so;
    // With --listen-events the local tail is dialed only when named.
    bool local = !vm.count("listen-events") || vm.count("sub");
    if (local) so.sub_endpoints = List(vm, "sub", "tcp://127.0.0.1:5556");
    if (local && !vm["no-catchup"].as<bool>())
      so.control_endpoints = List(vm, "tail-control", "tcp://127.0.0.1:5555");
    so.credit_window = vm["credit-window"].as<uint64_t>();
    so.index_id = RandomId();
    so.progress_dir = db;
    SetListenOptions(vm, &so);
    so.curve_secret_key = curve_secret;
    st = RunSubscribeLoop(ctx, so, indexer);
  }
  if (*exporter) exporter::StopAndLog(**exporter);
  const Indexer::Totals t = indexer.totals();
  log::Info("stopped", {{"received", t.received},
                        {"stored", t.stored},
                        {"duplicates", t.duplicates},
                        {"invalid", t.invalid},
                        {"batches", t.batches},
                        {"last_seq", (*writer)->last_seq()},
                        {"commit_ms", t.commit_ms},
                        {"backpressure_ms", t.backpressure_ms}});
  if (!st) return cli::Fail(kTool, "index", st.message());
  return cli::kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "keygen") return Keygen(argc - 1, argv + 1);
  cli::Spec spec{kTool,
                 "trace-index [options]   |   trace-index keygen [--out DIR] [--name NAME]",
                 "",
                 po::options_description("Options"),
                 {}};
  Describe(spec);
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;
  std::string db = vm.count("db") ? vm["db"].as<std::string>() : cli::DataDir(vm) + "/db";
  if (vm["verify"].as<bool>()) return Verify(db);
  if (vm["migrate"].as<bool>()) return Migrate(db);
  shutdown::Install();
  return Run(vm, db);
}

int main(int argc, char** argv) {
  return cli::RunMain(kTool, [&] { return Main(argc, argv); });
}
