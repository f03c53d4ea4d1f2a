// Helper clients for `make bench` (see bench/README.md). Linux, plain libc.
//
//   bench_client idle PORT N
//     Opens N TCP connections to 127.0.0.1:PORT that never send anything,
//     prints "connected K" (K < N if a connect failed; the reason goes to
//     stderr) and holds them until SIGTERM/SIGINT. On SIGUSR1 it prints
//     "alive K": how many the server has not closed. It stops early (and
//     says so on stderr) if the server stops accepting. Raises its own
//     RLIMIT_NOFILE (soft to hard; as root the hard one too if N needs it).
//     Connects are paced on the listener's accept queue (read with
//     sock_diag): a full queue drops SYNs, and each drop costs a 1 s (then
//     3 s, 7 s...) retransmission, which would measure the pacing instead.
//
//   bench_client latency PORT COUNT PATH
//     COUNT sequential "GET PATH HTTP/1.1", each on a new connection; the
//     time from before connect() to the last byte of the response (head and
//     Content-Length body). Prints "ok K median_us M p99_us P max_us X".
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t s_stop = 0, s_count = 0;

static void on_stop(int sig) {
  (void) sig;
  s_stop = 1;
}

static void on_usr1(int sig) {
  (void) sig;
  s_count = 1;
}

static struct sockaddr_in addr_of(int port) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short) port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

static void raise_nofile(long need) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_max != RLIM_INFINITY && (long) rl.rlim_max < need) {
    struct rlimit r2 = rl;
    r2.rlim_cur = r2.rlim_max = (rlim_t) need;
    if (setrlimit(RLIMIT_NOFILE, &r2) == 0) return;  // root may raise it
  }
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// Length of the accept queue of the TCP listener on 127.0.0.1:port, or -1.
static int listen_queue(int nl, int port) {
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 r;
  } req;
  char buf[8192];
  int q = -1, done = 0;
  memset(&req, 0, sizeof(req));
  req.nlh.nlmsg_len = sizeof(req);
  req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.r.sdiag_family = AF_INET;
  req.r.sdiag_protocol = IPPROTO_TCP;
  req.r.idiag_states = 1 << 10;  // TCP_LISTEN only: a walk of the listeners
  if (send(nl, &req, sizeof(req), 0) != (ssize_t) sizeof(req)) return -1;
  while (!done) {
    ssize_t n = recv(nl, buf, sizeof(buf), 0);
    struct nlmsghdr *h = (struct nlmsghdr *) buf;
    if (n <= 0) return -1;
    for (; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
      struct inet_diag_msg *m = (struct inet_diag_msg *) NLMSG_DATA(h);
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = 1;
        break;
      }
      if (ntohs(m->id.idiag_sport) == port) q = (int) m->idiag_rqueue;
    }
  }
  return q;
}

// A connection is closed by the peer if it is readable and recv sees EOF
// or an error.
static int still_open(int fd) {
  struct pollfd p;
  char c;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  if (poll(&p, 1, 0) <= 0) return 1;
  if (p.revents & (POLLERR | POLLHUP)) return 0;
  return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

static int idle_main(int port, long n) {
  struct sockaddr_in sa = addr_of(port);
  int *fds = calloc((size_t) n + 1, sizeof(int));
  long k = 0, i;
  int nl = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
  struct sigaction act;
  sigset_t block, old;

  // Signals are only taken inside sigsuspend(): none is missed.
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  memset(&act, 0, sizeof(act));
  act.sa_handler = on_stop;
  sigaction(SIGTERM, &act, NULL);
  sigaction(SIGINT, &act, NULL);
  act.sa_handler = on_usr1;
  sigaction(SIGUSR1, &act, NULL);
  raise_nofile(n + 64);
  if (fds == NULL) return 1;
  for (k = 0; k < n; k++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      fprintf(stderr, "bench_client idle: socket #%ld: %s\n", k + 1,
              strerror(errno));
      break;
    }
    if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
      fprintf(stderr, "bench_client idle: connect #%ld: %s\n", k + 1,
              strerror(errno));
      close(fd);
      break;
    }
    fds[k] = fd;
    // Keep the accept queue (backlog 128 or more) below half full. A server
    // that accepts nothing for a second has stopped accepting (civetweb
    // with every thread taken): stop there rather than hang in connect().
    if (nl >= 0 && k % 16 == 15) {
      double t0 = now_us();
      while (listen_queue(nl, port) > 48 && now_us() - t0 < 1e6) usleep(500);
      if (now_us() - t0 >= 1e6) {
        fprintf(stderr,
                "bench_client idle: server stopped accepting after %ld\n",
                k + 1);
        k++;
        break;
      }
    }
  }
  if (nl >= 0) close(nl);
  printf("connected %ld\n", k);
  fflush(stdout);
  while (!s_stop) {
    sigsuspend(&old);
    if (s_count) {
      long alive = 0;
      s_count = 0;
      for (i = 0; i < k; i++) alive += still_open(fds[i]);
      printf("alive %ld\n", alive);
      fflush(stdout);
    }
  }
  for (i = 0; i < k; i++) close(fds[i]);
  free(fds);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

// One request on a new connection; returns 0 on a complete response.
static int one_request(const struct sockaddr_in *sa, const char *req) {
  char buf[16384];
  size_t have = 0;
  long body = -1, head = -1;
  struct timeval tv = {5, 0};
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, rc = -1;
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) != 0 ||
      send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t) strlen(req)) {
    close(fd);
    return -1;
  }
  for (;;) {
    ssize_t r = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
    if (r <= 0) break;
    have += (size_t) r;
    buf[have] = '\0';
    if (head < 0) {
      char *e = strstr(buf, "\r\n\r\n"), *p;
      if (e == NULL) {
        if (have >= sizeof(buf) - 1) break;
        continue;
      }
      head = (long) (e + 4 - buf);
      for (p = buf; p != NULL && p < e; p = strstr(p, "\r\n")) {
        p += 2;
        if (strncasecmp(p, "Content-Length:", 15) == 0) {
          body = strtol(p + 15, NULL, 10);
        }
      }
      if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || body < 0) break;
    }
    if ((long) have >= head + body) {
      rc = 0;
      break;
    }
    if (have >= sizeof(buf) - 1) break;  // Bodies here are small
  }
  close(fd);
  return rc;
}

static int latency_main(int port, int count, const char *path) {
  struct sockaddr_in sa = addr_of(port);
  char req[512];
  double *t = calloc((size_t) count + 1, sizeof(double));
  int i, ok = 0;
  if (t == NULL) return 1;
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
           path);
  for (i = 0; i < count; i++) {
    double t0 = now_us();
    if (one_request(&sa, req) == 0) t[ok++] = now_us() - t0;
  }
  if (ok == 0) {
    printf("ok 0 median_us 0 p99_us 0 max_us 0\n");
    return 1;
  }
  qsort(t, (size_t) ok, sizeof(double), cmp_double);
  // p99: nearest rank, ceil(0.99 * ok).
  printf("ok %d median_us %.0f p99_us %.0f max_us %.0f\n", ok,
         ok % 2 ? t[ok / 2] : (t[ok / 2 - 1] + t[ok / 2]) / 2,
         t[(ok * 99 + 99) / 100 - 1], t[ok - 1]);
  free(t);
  return ok == count ? 0 : 1;
}

int main(int argc, char *argv[]) {
  if (argc == 4 && strcmp(argv[1], "idle") == 0) {
    return idle_main(atoi(argv[2]), atol(argv[3]));
  }
  if (argc == 5 && strcmp(argv[1], "latency") == 0) {
    return latency_main(atoi(argv[2]), atoi(argv[3]), argv[4]);
  }
  fprintf(stderr,
          "usage: %s idle PORT N | latency PORT COUNT PATH\n", argv[0]);
  return 2;
}
