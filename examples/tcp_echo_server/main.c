// TCP echo server: every byte a client sends comes back to it.
//
//   make examples/tcp_echo_server/tcp_echo_server
//   examples/tcp_echo_server/tcp_echo_server -p 127.0.0.1:8000
//   nc 127.0.0.1 8000        (type a line, see it echoed)
//
// Usage: tcp_echo_server [-p [ADDR:]PORT]
//   -p  listening address, default 127.0.0.1:8000 ("tcp://[::1]:8000" for IPv6)
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  char addr[64];
  switch (ev) {
    case MG_EV_ACCEPT:
      mg_sock_addr_to_str((union socket_address *) ev_data, addr,
                          sizeof(addr),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
      printf("%p connection from %s\n", (void *) nc, addr);
      break;
    case MG_EV_RECV:
      // Echo what arrived, then drop it from the receive buffer.
      mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
      mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
      break;
    case MG_EV_CLOSE:
      if (!(nc->flags & MG_F_LISTENING)) printf("%p closed\n", (void *) nc);
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:8000", *err = NULL;
  char bound[64];
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("TCP echo server listening on %s\n", bound);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
