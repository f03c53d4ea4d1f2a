// What one mg_mgr_poll() iteration costs with many idle HTTP connections:
// `make bench-pass` (see bench/README.md). No peer: the figure is our own,
// for comparing builds.
//
// Usage: poll_pass N ITERATIONS select|poll|epoll
// Opens N client sockets to an HTTP listener in this process, sends each
// half a request head (so every connection has its HTTP state and waits
// for bytes, like a slowloris client), lets the manager accept and read
// them all, then times ITERATIONS calls of mg_mgr_poll(&mgr, 0), in which
// nothing is ready. Prints microseconds per iteration and nanoseconds per
// connection. The client sockets count against RLIMIT_NOFILE (raised to
// its hard limit) and, for select, against FD_SETSIZE: the select iface
// refuses what does not fit, so it holds fewer than N there.
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "mongoose.h"

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev, (void) ev_data;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_mgr_init_opts opts;
  struct mg_connection *lc, *c;
  struct sockaddr_in sin;
  socklen_t slen = sizeof(sin);
  struct rlimit rl;
  int n, iters, i, held = 0, *fds;
  double t0, dt;
  if (argc != 4 || (n = atoi(argv[1])) <= 0 || (iters = atoi(argv[2])) <= 0) {
    fprintf(stderr, "usage: %s N ITERATIONS select|poll|epoll\n", argv[0]);
    return 2;
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  memset(&opts, 0, sizeof(opts));
  if (strcmp(argv[3], "select") == 0) {
    opts.main_iface = &mg_socket_iface_vtable;
  } else if (strcmp(argv[3], "poll") == 0) {
    opts.main_iface = &mg_poll_iface_vtable;
  } else if (strcmp(argv[3], "epoll") == 0) {
    opts.main_iface = &mg_epoll_iface_vtable;
  } else {
    fprintf(stderr, "%s: no iface '%s'\n", argv[0], argv[3]);
    return 2;
  }
  cs_log_set_level(LL_NONE);  // The select iface logs each refused socket
  mg_mgr_init_opt(&mgr, NULL, opts);
  if ((lc = mg_bind(&mgr, "127.0.0.1:0", ev_handler)) == NULL ||
      getsockname(lc->sock, (struct sockaddr *) &sin, &slen) != 0 ||
      (fds = (int *) calloc((size_t) n, sizeof(*fds))) == NULL) {
    fprintf(stderr, "%s: cannot listen\n", argv[0]);
    return 1;
  }
  mg_set_protocol_http_websocket(lc);
  for (i = 0; i < n; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[i] < 0 ||
        connect(fds[i], (struct sockaddr *) &sin, sizeof(sin)) != 0 ||
        send(fds[i], "GET / HTTP/1.1\r\n", 16, 0) != 16) {
      fprintf(stderr, "%s: client %d: %s\n", argv[0], i, strerror(errno));
      return 1;
    }
    if (i % 64 == 63) mg_mgr_poll(&mgr, 0);  // Keeps the backlog short
  }
  for (i = 0; i < 100; i++) mg_mgr_poll(&mgr, 0);
  for (c = mg_next(&mgr, NULL); c != NULL; c = mg_next(&mgr, c)) held++;
  t0 = mg_time();
  for (i = 0; i < iters; i++) mg_mgr_poll(&mgr, 0);
  dt = mg_time() - t0;
  printf("%-6s %6d connections  %8.1f us/iteration  %6.1f ns/connection\n",
         argv[3], held - 1, dt / iters * 1e6, dt / iters * 1e9 / held);
  for (i = 0; i < n; i++) close(fds[i]);
  free(fds);
  mg_mgr_free(&mgr);
  return 0;
}
