// The mongoose side of `make bench` (see bench/README.md).
//   GET /hello  -> 200, "Hello, world!" (13 bytes), Content-Type: text/plain
//   other paths -> static files from the document root, via mg_serve_http()
// Usage: bench_server -l 127.0.0.1:PORT -d DOCROOT [-i select|poll|epoll]
//                     [-c CERT [-k KEY]]
//   -i picks the manager's iface at run time (mg_mgr_init_opt main_iface);
//      without it, the build's default (MG_DEFAULT_IFACE).
//   -c serves https with this certificate (PEM, may hold the key), -k the
//      key if it is in another file; only in a build with MG_ENABLE_SSL.
// Raises its RLIMIT_NOFILE soft limit to the hard limit (for the idle
// connection scenarios). Prints "ready" on stdout once listening; stops
// cleanly on SIGINT/SIGTERM.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "mongoose.h"

static struct mg_serve_http_opts s_opts;
static volatile sig_atomic_t s_signo = 0;

static void on_signal(int signo) {
  s_signo = signo;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    struct http_message *hm = (struct http_message *) ev_data;
    if (mg_vcmp(&hm->uri, "/hello") == 0) {
      mg_send_head(nc, 200, 13, "Content-Type: text/plain");
      mg_send(nc, "Hello, world!", 13);
    } else {
      mg_serve_http(nc, hm, s_opts);
    }
  }
}

int main(int argc, char *argv[]) {
  const char *listen_addr = "127.0.0.1:8000";
  struct mg_mgr mgr;
  struct mg_mgr_init_opts opts;
  struct mg_bind_opts bopts;
  struct mg_connection *lc;
  const char *err = NULL;
  struct rlimit rl;
  int i;

  memset(&opts, 0, sizeof(opts));
  memset(&bopts, 0, sizeof(bopts));
  bopts.error_string = &err;

  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = ".";
  s_opts.enable_directory_listing = "no";
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "-l") == 0) {
      listen_addr = argv[i + 1];
    } else if (strcmp(argv[i], "-d") == 0) {
      s_opts.document_root = argv[i + 1];
    } else if (strcmp(argv[i], "-i") == 0 &&
               strcmp(argv[i + 1], "select") == 0) {
      opts.main_iface = &mg_socket_iface_vtable;
#if MG_ENABLE_POLL
    } else if (strcmp(argv[i], "-i") == 0 &&
               strcmp(argv[i + 1], "poll") == 0) {
      opts.main_iface = &mg_poll_iface_vtable;
#endif
#if MG_ENABLE_EPOLL
    } else if (strcmp(argv[i], "-i") == 0 &&
               strcmp(argv[i + 1], "epoll") == 0) {
      opts.main_iface = &mg_epoll_iface_vtable;
#endif
#if MG_ENABLE_SSL
    } else if (strcmp(argv[i], "-c") == 0) {
      bopts.ssl_cert = argv[i + 1];
    } else if (strcmp(argv[i], "-k") == 0) {
      bopts.ssl_key = argv[i + 1];
#endif
    } else {
      fprintf(stderr,
              "usage: %s [-l ADDR:PORT] [-d DOCROOT] [-i select|poll|epoll]"
              " [-c CERT [-k KEY]]\n",
              argv[0]);
      return 2;
    }
  }

  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  mg_log_set_level(MG_LL_ERROR);
  mg_mgr_init_opt(&mgr, NULL, opts);
  if ((lc = mg_bind_opt(&mgr, listen_addr, ev_handler, bopts)) == NULL) {
    fprintf(stderr, "bench_server: cannot listen on %s: %s\n", listen_addr,
            err != NULL ? err : "?");
    return 1;
  }
  mg_set_protocol_http_websocket(lc);
  printf("ready\n");
  fflush(stdout);
  while (s_signo == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
