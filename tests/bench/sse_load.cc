// SSE fan-out load client for tests/bench/gateway_bench.sh: N EventSource-style
// connections on one epoll loop, plus a publisher thread sending R events/s
// stamped with CLOCK_MONOTONIC ns ("bt"), either to a trace-gateway (as if it
// were trace-index: ZeroMQ PUB, proto/wire.md framing) or to nginx+nchan (HTTP
// POST to its publisher location). Latency = receipt - stamp, per delivery.
// Prints one JSON line: connected, sent, received, expected, p50/p99/max us.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/ids.h"
#include "common/wire/wire.h"

namespace {

struct Args {
  std::string mode = "gateway";  // gateway | nchan
  int port = 8080;               // SSE server port
  std::string path = "/api/stream";
  std::string zmq_bind = "tcp://127.0.0.1:5557";  // gateway mode: where we PUB
  int pub_port = 0;                               // nchan mode: publisher port
  std::string pub_path = "/pub";
  std::string file;  // file mode: append span lines here (end to end through tail+index)
  int clients = 100;
  int rate = 1000;
  double duration = 5;
  int payload = 200;
};

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int Connect(int port, bool nonblock) {
  int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sleeps until the monotonic time t (ns); a spinning publisher would steal
// the CPU the servers under test need.
void SleepUntil(int64_t t) {
  timespec ts{static_cast<time_t>(t / 1000000000), static_cast<long>(t % 1000000000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

struct Client {
  int fd = -1;
  bool sent_request = false;
  bool open = false;
  std::string carry;  // a partial "bt" number split across reads
};

std::string EventJson(uint64_t seq, int64_t stamp, const std::string& pad) {
  char head[160];
  std::snprintf(head, sizeof head,
                "{\"span_id\":\"bench-%llu\",\"kind\":\"bench\",\"event_type\":\"bench\","
                "\"session_id\":\"bench\",\"seq\":%llu,\"bt\":%lld,\"pad\":\"",
                static_cast<unsigned long long>(seq), static_cast<unsigned long long>(seq),
                static_cast<long long>(stamp));
  return std::string(head) + pad + "\"}";
}

// Waits for go, then calls send(seq, pad) rate times a second for duration
// seconds (seq from 1), stopping early when send returns false; returns the
// last seq sent.
uint64_t Paced(const Args& a, std::atomic<bool>* go,
               const std::function<bool(uint64_t, const std::string&)>& send) {
  while (!go->load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::string pad(a.payload, 'x');
  uint64_t seq = 0;
  int64_t start = NowNs(), period = 1000000000LL / a.rate;
  int64_t end = start + static_cast<int64_t>(a.duration * 1e9);
  for (int64_t next = start; next < end; next += period) {
    SleepUntil(next);
    if (!send(++seq, pad)) break;
  }
  return seq;
}

// Publishes rate events/s for duration seconds; returns how many were sent.
uint64_t PublishZmq(const Args& a, std::atomic<bool>* go) {
  trace::wire::Context ctx;
  trace::wire::Publisher pub(ctx, 42, trace::RandomId());
  if (!pub.Bind(a.zmq_bind).ok()) std::exit(2);
  uint64_t seq = Paced(a, go, [&](uint64_t n, const std::string& pad) {
    (void)pub.Send("bench.bench", EventJson(n, NowNs(), pad));
    return true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  return seq;
}

uint64_t PublishNchan(const Args& a, std::atomic<bool>* go) {
  int fd = Connect(a.pub_port, false);
  if (fd < 0) std::exit(2);
  // Pipelined: a reader thread drains the publisher's responses so the send
  // rate does not depend on nchan's per-message round trip.
  std::thread drain([fd] {
    char buf[65536];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
  });
  uint64_t seq = Paced(a, go, [&](uint64_t n, const std::string& pad) {
    std::string body = EventJson(n, NowNs(), pad);
    std::string req = "POST " + a.pub_path +
                      " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body;
    return send(fd, req.data(), req.size(), MSG_NOSIGNAL) >= 0;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  shutdown(fd, SHUT_RDWR);
  drain.join();
  close(fd);
  return seq;
}

// Appends rate hook-span lines/s to a file that trace-tail follows.
uint64_t PublishFile(const Args& a, std::atomic<bool>* go) {
  int fd = open(a.file.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) std::exit(2);
  int64_t run = NowNs();  // span_ids unique across runs on the same file
  uint64_t seq = Paced(a, go, [&](uint64_t n, const std::string& pad) {
    char head[200];
    std::snprintf(
        head, sizeof head,
        "{\"span_id\":\"e2e-%lld-%llu\",\"session_id\":\"bench\",\"event_type\":\"PreToolUse\","
        "\"tool_name\":\"Bash\",\"bt\":%lld,\"pad\":\"",
        static_cast<long long>(run), static_cast<unsigned long long>(n),
        static_cast<long long>(NowNs()));
    std::string line = std::string(head) + pad + "\"}\n";
    return write(fd, line.data(), line.size()) >= 0;
  });
  close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  return seq;
}

// Scans received bytes for "bt":<ns> and records receipt - stamp.
void Scan(Client& c, const char* data, size_t n, int64_t now, std::vector<uint32_t>* lat) {
  std::string_view view;
  std::string joined;
  if (!c.carry.empty()) {
    joined = c.carry + std::string(data, n);
    view = joined;
  } else {
    view = std::string_view(data, n);
  }
  c.carry.clear();
  size_t pos = 0;
  for (;;) {
    size_t k = view.find("\"bt\":", pos);
    if (k == std::string_view::npos) {
      size_t tail = view.size() > 24 ? view.size() - 24 : 0;  // a key split across reads
      c.carry = std::string(view.substr(tail));
      return;
    }
    size_t d = k + 5, e = d;
    while (e < view.size() && view[e] >= '0' && view[e] <= '9') ++e;
    if (e == view.size()) {
      c.carry = std::string(view.substr(k));
      return;
    }
    int64_t stamp = std::strtoll(std::string(view.substr(d, e - d)).c_str(), nullptr, 10);
    lat->push_back(static_cast<uint32_t>(std::max<int64_t>(0, (now - stamp) / 1000)));
    pos = e;
  }
}

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--mode")
      a->mode = v;
    else if (k == "--port")
      a->port = std::atoi(v.c_str());
    else if (k == "--path")
      a->path = v;
    else if (k == "--zmq-bind")
      a->zmq_bind = v;
    else if (k == "--pub-port")
      a->pub_port = std::atoi(v.c_str());
    else if (k == "--pub-path")
      a->pub_path = v;
    else if (k == "--file")
      a->file = v;
    else if (k == "--clients")
      a->clients = std::atoi(v.c_str());
    else if (k == "--rate")
      a->rate = std::atoi(v.c_str());
    else if (k == "--duration")
      a->duration = std::atof(v.c_str());
    else if (k == "--payload")
      a->payload = std::atoi(v.c_str());
    else
      return false;
  }
  return a->clients > 0 && a->rate > 0;
}

int OpenClients(const Args& a, int ep, std::vector<Client>* clients) {
  std::string req =
      "GET " + a.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  for (int i = 0; i < a.clients; ++i) {
    int fd = Connect(a.port, false);
    if (fd < 0) break;
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
      close(fd);
      break;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    (*clients)[i].fd = fd;
    epoll_event ev{EPOLLIN, {.u64 = static_cast<uint64_t>(i)}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) {
    std::fprintf(stderr,
                 "usage: sse_load --mode gateway|nchan|file --port P [--path /api/stream] "
                 "[--zmq-bind EP | --pub-port P --pub-path /pub | --file F] --clients N --rate R "
                 "--duration S [--payload BYTES]\n");
    return 2;
  }
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  std::atomic<bool> go{false};
  uint64_t sent = 0;
  std::thread publisher([&] {
    sent = a.mode == "nchan"  ? PublishNchan(a, &go)
           : a.mode == "file" ? PublishFile(a, &go)
                              : PublishZmq(a, &go);
  });
  if (a.mode == "gateway")
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // SUB joins

  int ep = epoll_create1(0);
  std::vector<Client> clients(a.clients);
  OpenClients(a, ep, &clients);
  std::vector<uint32_t> lat;
  lat.reserve(static_cast<size_t>(a.clients) * a.rate * (a.duration + 1));
  std::vector<epoll_event> evs(1024);
  static char buf[1 << 16];
  int64_t connect_deadline = NowNs() + 20'000'000'000LL;
  int connected = 0;
  int64_t stop_at = 0;
  for (;;) {
    int64_t now = NowNs();
    if (!go && (connected == a.clients || now > connect_deadline)) {
      go = true;  // every stream is open: start publishing
      stop_at = now + static_cast<int64_t>((a.duration + 2) * 1e9);
    }
    if (go && now > stop_at) break;
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 50);
    now = NowNs();
    for (int i = 0; i < n; ++i) {
      Client& c = clients[evs[i].data.u64];
      for (;;) {
        ssize_t r = recv(c.fd, buf, sizeof buf, 0);
        if (r <= 0) {
          if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
            close(c.fd);
            c.fd = -1;
          }
          break;
        }
        if (!c.open) {
          c.open = true;
          if (std::strncmp(buf, "HTTP/1.1 200", 12) == 0) ++connected;
        }
        Scan(c, buf, static_cast<size_t>(r), now, &lat);
      }
    }
  }
  publisher.join();
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0u : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
  };
  std::printf(
      "{\"mode\":\"%s\",\"clients\":%d,\"connected\":%d,\"rate\":%d,\"sent\":%llu,"
      "\"expected\":%llu,\"received\":%zu,\"p50_us\":%u,\"p99_us\":%u,\"max_us\":%u}\n",
      a.mode.c_str(), a.clients, connected, a.rate, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(sent) * connected, lat.size(), pct(0.5), pct(0.99),
      lat.empty() ? 0u : lat.back());
  for (Client& c : clients) {
    if (c.fd >= 0) close(c.fd);
  }
  return 0;
}
