// UDP client: sends one datagram, prints the reply and exits.
//
//   make examples/udp_client/udp_client
//   examples/udp_echo_server/udp_echo_server &
//   examples/udp_client/udp_client udp://127.0.0.1:8001 hello   (prints hello)
//
// Usage: udp_client [-t SECONDS] [udp://]ADDR:PORT MESSAGE
//   -t  how long to wait for the reply, default 3 seconds
// Exits 0 when a reply came, 1 on a bad address, a send error or a timeout.
//
// UDP has no handshake: MG_EV_CONNECT only says the socket is ready, so the
// message goes out there. The timeout is a timer on the same connection.
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static int s_exit_code = -1;  // -1 while waiting for the reply
static const char *s_message = NULL;

static void on_signal(int sig) {
  s_stop = sig;
}

static void print_reply(struct mg_connection *nc) {
  fwrite(nc->recv_mbuf.buf, 1, nc->recv_mbuf.len, stdout);
  putchar('\n');
  fflush(stdout);
  mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "Error: %s\n", strerror(*(int *) ev_data));
        s_exit_code = EXIT_FAILURE;
        break;
      }
      mg_send(nc, s_message, (int) strlen(s_message));
      break;
    case MG_EV_RECV:
      print_reply(nc);
      s_exit_code = EXIT_SUCCESS;
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_TIMER:
      fprintf(stderr, "Error: no reply, timed out\n");
      s_exit_code = EXIT_FAILURE;
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_CLOSE:
      if (s_exit_code < 0) s_exit_code = EXIT_FAILURE;
      break;
    default:
      break;
  }
}

static int usage(const char *prog) {
  fprintf(stderr, "Usage: %s [-t SECONDS] [udp://]ADDR:PORT MESSAGE\n", prog);
  return EXIT_FAILURE;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_connect_opts opts;
  const char *err = NULL;
  char url[128];
  double timeout = 3;
  int i = 1;

  if (argc > 2 && strcmp(argv[1], "-t") == 0) {
    timeout = atof(argv[2]);
    i = 3;
  }
  if (argc - i != 2 || timeout <= 0) return usage(argv[0]);
  s_message = argv[i + 1];
  // Without a scheme an address means TCP: make it UDP.
  snprintf(url, sizeof(url), "%s%s",
           strncmp(argv[i], "udp://", 6) == 0 ? "" : "udp://", argv[i]);

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_connect_opt(&mgr, url, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot connect to %s: %s\n", url, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_timer(nc, mg_time() + timeout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0 && s_exit_code < 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_exit_code < 0 ? EXIT_FAILURE : s_exit_code;
}
