// spawn_bench: runs a command N times, each with stdin from a file and stdout
// to /dev/null, as a hook runner does (posix_spawn, no shell), and prints the
// wall-clock mean/median/p95 per run and the CPU (user+sys) per run.
// Usage: spawn_bench RUNS STDIN_FILE COMMAND [ARGS...]
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

extern char** environ;

namespace {

double NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double CpuMs(const rusage& r) {
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 +
         (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}

// One run; returns wall ms or a negative value when the child failed.
double RunOnce(const char* input, char** argv) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, input, O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  double start = NowMs();
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  double took = NowMs() - start;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? took : -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: spawn_bench RUNS STDIN_FILE COMMAND [ARGS...]\n");
    return 2;
  }
  int runs = std::atoi(argv[1]);
  std::vector<double> wall;
  rusage before, after;
  getrusage(RUSAGE_CHILDREN, &before);
  for (int i = 0; i < runs; ++i) {
    double ms = RunOnce(argv[2], argv + 3);
    if (ms < 0) {
      std::fprintf(stderr, "spawn_bench: run %d of %s failed\n", i, argv[3]);
      return 1;
    }
    wall.push_back(ms);
  }
  getrusage(RUSAGE_CHILDREN, &after);
  double sum = 0;
  for (double w : wall) sum += w;
  std::sort(wall.begin(), wall.end());
  std::printf("{\"runs\":%d,\"mean_ms\":%.4f,\"median_ms\":%.4f,\"p95_ms\":%.4f,\"cpu_ms\":%.4f}\n",
              runs, sum / runs, wall[wall.size() / 2], wall[wall.size() * 95 / 100],
              (CpuMs(after) - CpuMs(before)) / runs);
  return 0;
}
