// trace-gen's simulation: Claude Code sessions writing what real ones write
// (hook spans into traces/, transcripts with multi-block assistant messages,
// parallel tool calls, tool errors, sub-agent files, history.jsonl), fully
// determined by a seed. Shapes follow proto/inputs.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace trace::gen {

struct Options {
  std::string home;  // the Claude home to write into
  uint64_t seed = 1;
  int sessions = 8;
  size_t min_bytes = 200;  // line size range (tool output is padded to it)
  size_t max_bytes = 50000;
  bool live = false;  // timestamps from the clock instead of a fixed base
};

// Appends lines to files under the home; keeps a bounded set of files open.
class Sink {
 public:
  explicit Sink(uint64_t limit) : limit_(limit) {}
  ~Sink();
  // False (nothing written) once the line limit is reached.
  bool Append(const std::string& path, const std::string& line);
  void Flush();
  uint64_t lines() const { return lines_; }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t limit_, lines_ = 0, bytes_ = 0;
  std::map<std::string, FILE*> files_;
};

class Session;

class Generator {
 public:
  explicit Generator(Options options);
  ~Generator();
  // Writes one turn of one session (a prompt, assistant blocks, tool calls
  // and results, maybe a sub-agent). False when the sink is full.
  bool Turn(Sink& sink);

 private:
  Options options_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Session>> sessions_;
  size_t next_ = 0;
};

}  // namespace trace::gen
