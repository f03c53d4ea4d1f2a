// netcat: copies stdin to a TCP connection and the connection to stdout.
//
//   make examples/netcat/netcat
//   examples/netcat/netcat -l 127.0.0.1:9000 > received.txt   (terminal 1)
//   examples/netcat/netcat 127.0.0.1:9000 < file.txt          (terminal 2)
//   printf 'hello\n' | examples/netcat/netcat 127.0.0.1:8000  (against
//                                        tcp_echo_server: prints hello)
//
// Usage: netcat [-l] ADDR
//   ADDR  [tcp://]HOST:PORT with a numeric IPv4 or IPv6 ("[::1]:9000") host
//         or localhost; with -l, HOST may be omitted (":9000": any address).
//   -l    listen on ADDR and talk to the first client that connects (the
//         listener then closes), instead of connecting to ADDR.
//
// Standard input is read by a second thread (mg_start_thread), because the
// event loop cannot wait on it. Each chunk reaches the event loop through
// mg_broadcast(), which calls a function for every connection from inside
// mg_mgr_poll(); that function sends the chunk on the data connection.
// At the end of stdin, netcat half-closes: once everything queued is sent,
// it shuts down its sending side (the peer sees end of stream) and keeps
// printing what the peer sends until the peer closes. When the peer closes,
// netcat exits. Exit code 0, or 1 when the connection or the address fails.
//
// A stdin that ends before giving a single byte (/dev/null, or the stdin of
// a background job in a script) does not half-close: it says "nothing to
// send", not "done". Otherwise `netcat -l ADDR > file &` would hang up on
// its client at once, and the client would exit before sending anything.
#include "mongoose.h"

// One chunk of stdin as it travels through mg_broadcast(). The callback gets
// a copy of the bytes but not their count, so the count travels with them.
struct stdin_chunk {
  int len;  // Bytes in data; 0 means end of stdin
  char data[MG_MAX_BROADCAST_SIZE - sizeof(int)];
};

#define NC_F_STDIN_EOF MG_F_USER_1  // Stdin ended: shut down when sent

static volatile sig_atomic_t s_stop = 0;
static int s_exit_code = -1;                 // -1 while running
static struct mg_connection *s_peer = NULL;  // The data connection
static int s_stdin_had_data = 0;  // Stdin ever gave data (event loop thread)

static void on_signal(int sig) {
  s_stop = sig;
}

// Shuts down the sending side once stdin has ended and all of it is sent.
static void maybe_half_close(struct mg_connection *nc) {
  if (!(nc->flags & NC_F_STDIN_EOF) || nc->send_mbuf.len > 0) return;
  shutdown(nc->sock, SHUT_WR);
  nc->flags &= ~(unsigned long) NC_F_STDIN_EOF;
}

// The mg_broadcast() callback: runs in the event loop thread, once for each
// connection, with ev MG_EV_POLL. Only the data connection takes the chunk;
// the listener (and anything else) ignores it.
static void on_stdin_chunk(struct mg_connection *nc, int ev, void *ev_data) {
  const struct stdin_chunk *chunk = (const struct stdin_chunk *) ev_data;
  (void) ev;
  if (nc != s_peer) return;
  if (chunk->len > 0) {
    mg_send(nc, chunk->data, chunk->len);
    s_stdin_had_data = 1;
  } else if (s_stdin_had_data) {
    nc->flags |= NC_F_STDIN_EOF;
    maybe_half_close(nc);
  }
}

static void *stdin_thread(void *param) {
  struct mg_mgr *mgr = (struct mg_mgr *) param;
  struct stdin_chunk chunk;
  sigset_t set;
  ssize_t n;
  // Signals go to the event loop thread, which checks s_stop.
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  do {
    while ((n = read(STDIN_FILENO, chunk.data, sizeof(chunk.data))) < 0 &&
           errno == EINTR) {
    }
    chunk.len = n > 0 ? (int) n : 0;
    mg_broadcast(mgr, on_stdin_chunk, &chunk,
                 offsetof(struct stdin_chunk, data) + (size_t) chunk.len);
  } while (n > 0);
  return NULL;
}

// nc is connected: it becomes the data connection and stdin starts flowing.
static void start_session(struct mg_connection *nc) {
  s_peer = nc;
  if (mg_start_thread(stdin_thread, nc->mgr) == NULL) {
    fprintf(stderr, "Cannot start the stdin thread\n");
    s_exit_code = EXIT_FAILURE;
  }
}

static void on_accept(struct mg_connection *nc) {
  char addr[64];
  mg_conn_addr_to_str(
      nc, addr, sizeof(addr),
      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT | MG_SOCK_STRINGIFY_REMOTE);
  fprintf(stderr, "Connection from %s\n", addr);
  // Like nc -l: one client, then stop listening.
  nc->listener->flags |= MG_F_CLOSE_IMMEDIATELY;
  start_session(nc);
}

static void on_connect(struct mg_connection *nc, int err) {
  if (err != 0) {
    fprintf(stderr, "Cannot connect: %s\n", strerror(err));
    s_exit_code = EXIT_FAILURE;
    return;
  }
  start_session(nc);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_ACCEPT:
      on_accept(nc);
      break;
    case MG_EV_CONNECT:
      on_connect(nc, *(int *) ev_data);
      break;
    case MG_EV_RECV:
      fwrite(nc->recv_mbuf.buf, 1, nc->recv_mbuf.len, stdout);
      fflush(stdout);
      mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
      break;
    case MG_EV_SEND:
      maybe_half_close(nc);
      break;
    case MG_EV_CLOSE:
      if (nc == s_peer) {
        s_peer = NULL;
        if (s_exit_code < 0) s_exit_code = EXIT_SUCCESS;
      }
      break;
    default:
      break;
  }
}

// Opens the listener or starts the connect. Returns 0 on failure.
static int open_conn(struct mg_mgr *mgr, const char *address, int is_listen) {
  struct mg_connection *nc;
  struct mg_bind_opts bo;
  struct mg_connect_opts co;
  const char *err = NULL;
  char bound[64];
  memset(&bo, 0, sizeof(bo));
  memset(&co, 0, sizeof(co));
  bo.error_string = co.error_string = &err;
  nc = is_listen ? mg_bind_opt(mgr, address, ev_handler, bo)
                 : mg_connect_opt(mgr, address, ev_handler, co);
  if (nc == NULL) {
    fprintf(stderr, "Cannot %s %s: %s\n",
            is_listen ? "listen on" : "connect to", address, err);
    return 0;
  }
  if (is_listen) {
    mg_conn_addr_to_str(nc, bound, sizeof(bound),
                        MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
    fprintf(stderr, "Listening on %s\n", bound);
  }
  return 1;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  int is_listen = argc == 3 && strcmp(argv[1], "-l") == 0;

  if (argc != 2 + is_listen || argv[argc - 1][0] == '-') {
    fprintf(stderr, "Usage: %s [-l] ADDR\n", argv[0]);
    return EXIT_FAILURE;
  }
  mg_mgr_init(&mgr, NULL);
  if (!open_conn(&mgr, argv[argc - 1], is_listen)) {
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0 && s_exit_code < 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_exit_code < 0 ? EXIT_FAILURE : s_exit_code;
}
