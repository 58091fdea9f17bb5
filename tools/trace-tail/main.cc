// Placeholder main so the build has a tool; replaced by the real trace-tail.
#include "common/cli.h"
int main(int argc, char** argv) {
  trace::cli::Spec spec{"trace-tail", "trace-tail [options]", "Follows Claude Code JSONL files."};
  boost::program_options::variables_map vm;
  int code = 0;
  if (!trace::cli::Parse(spec, argc, argv, &vm, &code)) return code;
  return 0;
}
