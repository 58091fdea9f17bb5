// trace-hook: the command Claude Code runs for every hook event. It reads the
// event's JSON on stdin and appends one span record (proto/span.md) to
// <traces dir>/<session>.jsonl. `install`/`uninstall` wire it into settings.json.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <string>

#include "common/base/clock.h"
#include "common/base/paths.h"
#include "common/cli/cli.h"
#include "common/event/event.h"
#include "common/hook/hook_git.h"
#include "common/hook/hook_io.h"
#include "common/hook/hook_settings.h"
#include "common/hook/hook_span.h"
#include "common/hook/settings_file.h"
#include "common/hook/text_diff.h"
#include "common/json/json.h"

namespace trace {
namespace {

namespace po = boost::program_options;
constexpr char kTool[] = "trace-hook";
constexpr size_t kDefaultMaxBytes = 32u << 20;
constexpr int kDefaultReadTimeoutMs = 5000;

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

long EnvNumber(const char* name, long fallback) {
  auto v = Env(name);
  if (!v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  return (end && *end == 0 && n > 0) ? n : fallback;
}

hook::HookContext ContextFromEnv() {
  hook::HookContext ctx;
  ctx.now_ms = NowMs();
  ctx.span_id = hook::NewSpanId();
  ctx.task_id = Env("CLAUDE_TRACE_TASK_ID");
  ctx.task_status = Env("CLAUDE_TRACE_TASK_STATUS");
  ctx.parent_id = Env("CLAUDE_TRACE_PARENT_ID");
  const char* pattern = std::getenv("CLAUDE_TRACE_TASK_PATTERN");
  ctx.task_pattern = pattern ? pattern : std::string(hook::kDefaultTaskPattern);
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd)) ctx.process_cwd = cwd;
  return ctx;
}

// The hot path: no option parsing, no stdout, exit 0 whatever happens.
int RunHook() {
  std::string dir = paths::TracesDir();
  try {
    hook::HookContext ctx = ContextFromEnv();
    hook::Input in =
        hook::ReadInput(STDIN_FILENO, EnvNumber("CLAUDE_TRACE_MAX_BYTES", kDefaultMaxBytes),
                        static_cast<int>(std::min<long>(
                            EnvNumber("CLAUDE_TRACE_READ_TIMEOUT_MS", kDefaultReadTimeoutMs),
                            std::numeric_limits<int>::max())));
    ctx.input_note = in.note;
    json::StringWriter line;
    std::string parse_error;
    std::string session = hook::BuildSpanInto(in.data, ctx, &line, &parse_error);
    std::string file = hook::SessionFileStem(session) + ".jsonl";
    if (Status s = hook::AppendLine(dir, file, line.View()); !s.ok()) {
      hook::LogHookError(dir, "record span " + ctx.span_id + " failed: " + s.message());
    }
    if (!parse_error.empty()) {  // after the append, which creates the traces dir
      hook::LogHookError(dir, "payload of span " + ctx.span_id + " kept raw: " + parse_error);
    }
  } catch (const std::exception& e) {
    hook::LogHookError(dir, std::string("record span failed: ") + e.what());
  } catch (...) {
    hook::LogHookError(dir, "record span failed: unknown exception");
  }
  return 0;
}

std::string SelfPath() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string(kTool);
}

// "all" or a comma-separated list of event names.
Result<std::vector<std::string>> ParseEvents(const std::string& list) {
  if (list == "all") return ClaudeHookEvents();
  std::vector<std::string> events;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    std::string name = list.substr(start, comma - start);
    bool ok = !name.empty();
    for (char c : name) ok = ok && std::isalnum(static_cast<unsigned char>(c));
    if (!ok) return Status::Error("bad event name '" + name + "' in --events");
    events.push_back(name);
    start = comma + 1;
  }
  return events;
}

struct InstallerArgs {
  bool uninstall = false;
  bool dry_run = false;
  bool statusline = false, force = false;  // --statusline: the status line instead of hooks
  std::string settings;
  hook::InstallSpec spec;
};

int Apply(const InstallerArgs& args) {
  std::string what =
      std::string(args.uninstall ? "uninstall from '" : "install into '") + args.settings + "'";
  auto file = LoadTextFile(args.settings);
  if (!file.ok()) return cli::Fail(kTool, what, file.status().message(), cli::kExitInput);
  auto next =
      args.statusline
          ? (args.uninstall ? hook::UninstallStatusLine(file->text)
                            : hook::InstallStatusLine(file->text, args.spec.command, args.force))
          : (args.uninstall ? hook::UninstallHooks(file->text, args.spec)
                            : hook::InstallHooks(file->text, args.spec));
  if (!next.ok()) {
    return cli::Fail(kTool, what, next.status().message() + "; file left untouched",
                     cli::kExitInput);
  }
  bool same = *next == file->text || (!file->exists && args.uninstall);
  if (args.dry_run) {
    std::cout << (same ? "no change to " + file->path + "\n"
                       : UnifiedDiff(file->text, *next, file->path, file->path + " (new)"));
    return cli::kExitOk;
  }
  if (same) {
    std::cout << kTool << ": " << file->path << " already up to date, no change\n";
    return cli::kExitOk;
  }
  std::string backup = file->path + ".trace-hook.bak";
  if (Status s = ReplaceTextFile(*file, *next, backup); !s.ok()) {
    return cli::Fail(kTool, what, s.message());
  }
  std::cout << kTool << ": " << (args.uninstall ? "removed from " : "installed into ") << file->path
            << " ("
            << (args.statusline ? "statusLine"
                                : std::to_string(args.spec.events.size()) + " events")
            << (file->exists ? ", backup " + backup : "") << ")\n";
  return cli::kExitOk;
}

int RunInstaller(int argc, char** argv, bool uninstall) {
  std::string name = std::string(kTool) + (uninstall ? " uninstall" : " install");
  cli::Spec spec;
  spec.tool = name;
  spec.synopsis = name +
                  " [--settings FILE] [--events LIST] [--command PATH] [--http URL "
                  "[--token-env NAME]] [--dry-run] [--statusline [--force]]";
  spec.about = uninstall ? "Removes the trace-hook handlers that `trace-hook install` added to "
                           "Claude Code's settings.json; every other key and hook stays."
                         : "Adds trace-hook as a command hook for every Claude Code hook event "
                           "(or those in --events) in settings.json, keeping every other key "
                           "and hook; with --http, an http hook POSTing to the gateway's "
                           "/api/hooks instead, wherever Claude Code takes one (all events but "
                           "SessionStart and Setup). Idempotent; writes a backup "
                           "(<file>.trace-hook.bak) and replaces the file atomically.";
  spec.options.add_options()(
      "settings", po::value<std::string>()->value_name("FILE"),
      "settings file (default $CLAUDE_CONFIG_DIR/settings.json or ~/.claude/settings.json)")(
      "events", po::value<std::string>()->default_value("all")->value_name("LIST"),
      "comma-separated hook event names, or 'all'")(
      "command", po::value<std::string>()->value_name("PATH"),
      "the hook command to install (default: this trace-hook binary's absolute path)")(
      "timeout", po::value<int>()->default_value(10)->value_name("SECONDS"),
      "the handler's timeout in settings.json")(
      "http", po::value<std::string>()->value_name("URL"),
      "install http hooks to URL (e.g. http://127.0.0.1:8080/api/hooks); uninstall removes "
      "both kinds whatever this says")(
      "token-env", po::value<std::string>()->value_name("NAME"),
      "with --http: send 'Authorization: Bearer $NAME', NAME listed in allowedEnvVars")(
      "dry-run", po::bool_switch(), "print the change as a unified diff and write nothing")(
      "statusline", po::bool_switch(),
      "the statusLine (trace-query statusline, beside this binary) instead of the hooks")(
      "force", po::bool_switch(), "--statusline: replace a statusLine that is not ours");
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;
  InstallerArgs args;
  args.uninstall = uninstall;
  args.dry_run = vm["dry-run"].as<bool>();
  args.settings = vm.count("settings") ? vm["settings"].as<std::string>()
                                       : paths::ClaudeHome() + "/settings.json";
  args.statusline = vm["statusline"].as<bool>();
  args.force = vm["force"].as<bool>();
  std::string self = SelfPath();
  std::string default_command =
      args.statusline
          ? hook::ShellQuote(self.substr(0, self.rfind('/') + 1) + "trace-query") + " statusline"
          : hook::ShellQuote(self);
  args.spec.command = vm.count("command") ? vm["command"].as<std::string>() : default_command;
  args.spec.timeout_s = vm["timeout"].as<int>();
  if (vm.count("http")) args.spec.http_url = vm["http"].as<std::string>();
  if (vm.count("token-env")) args.spec.token_env = vm["token-env"].as<std::string>();
  auto events = ParseEvents(vm["events"].as<std::string>());
  if (!events.ok()) {
    return cli::Fail(kTool, "parse arguments", events.status().message(), cli::kExitUsage);
  }
  args.spec.events = *events;
  if (Status s = hook::CheckHttpSpec(args.spec); !s.ok()) {
    return cli::Fail(kTool, "parse arguments", s.message(), cli::kExitUsage);
  }
  return Apply(args);
}

int RunTopLevel(int argc, char** argv) {
  cli::Spec spec;
  spec.tool = kTool;
  spec.synopsis = "trace-hook < payload.json | trace-hook install|uninstall [options]";
  spec.about =
      "Run by Claude Code for each hook event: reads the event JSON on stdin and appends "
      "one span line to $CLAUDE_TRACE_DIR (default <claude home>/traces)/<session>.jsonl. "
      "Prints nothing, always exits 0; failures go to <traces dir>/hook-errors.log.\n"
      "Environment: CLAUDE_TRACE_DIR, CLAUDE_TRACE_TASK_ID, CLAUDE_TRACE_TASK_PATTERN "
      "(regex on the git branch, default [A-Z][A-Z0-9]+-[0-9]+), "
      "CLAUDE_TRACE_TASK_STATUS, CLAUDE_TRACE_PARENT_ID, CLAUDE_TRACE_MAX_BYTES, "
      "CLAUDE_TRACE_READ_TIMEOUT_MS.\n"
      "Subcommands: install, uninstall (see trace-hook install --help).";
  po::variables_map vm;
  int code = 0;
  if (!cli::Parse(spec, argc, argv, &vm, &code)) return code;
  return cli::Fail(kTool, "parse arguments", "unexpected argument (see --help)", cli::kExitUsage);
}

}  // namespace
}  // namespace trace

int main(int argc, char** argv) {
  if (argc == 1) return trace::RunHook();  // catches everything itself: a hook exits 0
  return trace::cli::RunMain(trace::kTool, [&] {
    std::string sub = argv[1];
    if (sub == "install" || sub == "uninstall") {
      return trace::RunInstaller(argc - 1, argv + 1, sub == "uninstall");
    }
    return trace::RunTopLevel(argc, argv);
  });
}
