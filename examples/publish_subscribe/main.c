// Publish/subscribe over TCP: every line a client sends goes to all the
// other connected clients.
//
//   make examples/publish_subscribe/publish_subscribe
//   examples/publish_subscribe/publish_subscribe -p 127.0.0.1:8002
//   nc 127.0.0.1 8002        (in two terminals: lines typed in one appear in
//                             the other)
//
// Usage: publish_subscribe [-p [ADDR:]PORT]
//   -p  listening address, default 127.0.0.1:8002 ("tcp://[::1]:8002" for IPv6)
//
// TCP is a byte stream: a line may arrive in pieces, or several at once. The
// bytes wait in recv_mbuf until a '\n' completes a line; only whole lines
// are forwarded, so subscribers never see two publishers' lines mixed.
#include "mongoose.h"

#define MAX_LINE_LEN 16384  // A client sending a longer line is dropped

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

// Sends len bytes of line to every client but the sender and the listener.
static void publish(struct mg_connection *sender, const char *line,
                    size_t len) {
  struct mg_connection *c;
  for (c = mg_next(sender->mgr, NULL); c != NULL; c = mg_next(sender->mgr, c)) {
    if (c == sender || (c->flags & MG_F_LISTENING)) continue;
    mg_send(c, line, (int) len);
  }
}

// Forwards each complete line in recv_mbuf and keeps the incomplete tail.
static void publish_lines(struct mg_connection *nc) {
  struct mbuf *io = &nc->recv_mbuf;
  const char *eol;
  size_t len;
  while ((eol = (const char *) memchr(io->buf, '\n', io->len)) != NULL) {
    len = (size_t) (eol - io->buf) + 1;
    publish(nc, io->buf, len);
    mbuf_remove(io, len);
  }
  if (io->len > MAX_LINE_LEN) {
    fprintf(stderr, "%p: line longer than %d bytes, dropped\n", (void *) nc,
            MAX_LINE_LEN);
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  char addr[64];
  switch (ev) {
    case MG_EV_ACCEPT:
      mg_sock_addr_to_str((union socket_address *) ev_data, addr, sizeof(addr),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
      printf("%p subscriber from %s\n", (void *) nc, addr);
      fflush(stdout);
      break;
    case MG_EV_RECV:
      publish_lines(nc);
      break;
    case MG_EV_CLOSE:
      if (!(nc->flags & MG_F_LISTENING)) printf("%p left\n", (void *) nc);
      fflush(stdout);
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:8002", *err = NULL;
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
  printf("Publish/subscribe server listening on %s\n", bound);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
