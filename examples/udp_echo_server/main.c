// UDP echo server: every datagram that arrives goes back to its sender.
//
//   make examples/udp_echo_server/udp_echo_server
//   examples/udp_echo_server/udp_echo_server -p udp://127.0.0.1:8001
//   examples/udp_client/udp_client udp://127.0.0.1:8001 hello
//   (or: echo hello | nc -u -w1 127.0.0.1 8001)
//
// Usage: udp_echo_server [-p [udp://][ADDR:]PORT]
//   -p  listening address, default udp://127.0.0.1:8001 ("udp://[::1]:8001"
//       for IPv6); the udp:// prefix is added when missing.
//
// A UDP listener hands each peer's datagrams to a per-peer connection: it
// gets MG_EV_ACCEPT for the first datagram, then MG_EV_RECV for each one.
// That connection starts with MG_F_SEND_AND_CLOSE set, so it goes away once
// the reply is out; mg_send() on it replies to that peer.
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  char addr[64];
  int n;
  switch (ev) {
    case MG_EV_RECV:
      n = *(int *) ev_data;
      mg_conn_addr_to_str(nc, addr, sizeof(addr),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                              MG_SOCK_STRINGIFY_REMOTE);
      printf("%d bytes from %s\n", n, addr);
      fflush(stdout);
      // recv_mbuf holds this datagram (and any not yet consumed): echo it.
      mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
      mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "udp://127.0.0.1:8001", *err = NULL;
  char url[128], bound[64];
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [udp://][ADDR:]PORT]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }
  // Without a scheme an address means TCP: make it UDP.
  snprintf(url, sizeof(url), "%s%s",
           strncmp(address, "udp://", 6) == 0 ? "" : "udp://", address);

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, url, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", url, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("UDP echo server listening on udp://%s\n", bound);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
