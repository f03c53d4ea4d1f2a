// WebSocket chat client for the terminal: joins the chat of
// examples/websocket_chat, sends every line typed on stdin as a message and
// prints every message the server relays (its own included).
//
//   make examples/websocket_chat_client/websocket_chat_client
//   examples/websocket_chat/websocket_chat -p 127.0.0.1:8000   (elsewhere)
//   examples/websocket_chat_client/websocket_chat_client 127.0.0.1:8000
//
// Usage: websocket_chat_client [HOST:PORT | ws://HOST:PORT/PATH]
//   The server, default 127.0.0.1:8000; HOST:PORT means ws://HOST:PORT/ws.
//   Host names other than localhost need a numeric address until the DNS
//   resolver is built.
//
// A thread reads stdin, because mg_mgr_poll() cannot wait on it portably,
// and hands each line to the event loop with mg_broadcast(): the only
// mongoose call that is safe from another thread. End of input (Ctrl-D)
// sends a close frame (1000) and the client exits once the server answers.
// Exits 0 after a clean close, 1 if the connection failed or broke.
#include "mongoose.h"

#define MAX_URL_LEN 512
#define MAX_LINE_LEN (MG_MAX_BROADCAST_SIZE - 1)  // Longer lines are split

static volatile sig_atomic_t s_stop = 0;
static int s_done = 0;       // The connection is closed
static int s_exit = EXIT_FAILURE;
static int s_close_seen = 0;  // The server's close frame came
static int s_reader_started = 0;
static volatile sig_atomic_t s_reader_done = 0;  // The stdin thread ended

static void on_signal(int sig) {
  s_stop = sig;
}

// Runs in the event loop for every connection (mg_broadcast()): data is a
// NUL-terminated line, or "" for the end of input.
static void on_line(struct mg_connection *nc, int ev, void *data) {
  const char *line = (const char *) data;
  (void) ev;
  if (!(nc->flags & MG_F_IS_WEBSOCKET)) return;
  if (line[0] == '\0') {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x03\xe8", 2);  // 1000
  } else {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, line, strlen(line));
  }
}

// The stdin reader thread. Empty lines are not sent.
static void *stdin_thread(void *param) {
  struct mg_mgr *mgr = (struct mg_mgr *) param;
  char line[MAX_LINE_LEN + 1];
  size_t n;
  while (fgets(line, sizeof(line), stdin) != NULL) {
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
      line[--n] = '\0';
    }
    if (n > 0) mg_broadcast(mgr, on_line, line, n + 1);
  }
  mg_broadcast(mgr, on_line, (void *) "", 1);
  s_reader_done = 1;
  return NULL;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "Cannot connect: %s\n", strerror(*(int *) ev_data));
      }
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      if (hm->resp_code == 101) {
        fprintf(stderr, "Connected. Type a message and press Enter; Ctrl-D "
                        "quits.\n");
        s_reader_started = mg_start_thread(stdin_thread, nc->mgr) != NULL;
      } else {
        fprintf(stderr, "Upgrade refused: HTTP %d\n", hm->resp_code);
      }
      break;
    case MG_EV_WEBSOCKET_FRAME:
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_TEXT) {
        printf("%.*s\n", (int) wm->size, (const char *) wm->data);
        fflush(stdout);
      }
      break;
    case MG_EV_WEBSOCKET_CONTROL_FRAME:
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_CLOSE) {
        s_close_seen = 1;
        if (wm->size >= 2) {
          fprintf(stderr, "Closed by the server: code %d\n",
                  wm->data[0] << 8 | wm->data[1]);
        }
      }
      break;
    case MG_EV_CLOSE:
      if (s_close_seen) {
        s_exit = EXIT_SUCCESS;
      } else if (nc->flags & MG_F_IS_WEBSOCKET) {
        fprintf(stderr, "Connection lost\n");
      }
      s_done = 1;
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connect_opts opts;
  const char *server = "127.0.0.1:8000", *err = NULL;
  char url[MAX_URL_LEN];

  if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
    fprintf(stderr, "Usage: %s [HOST:PORT | ws://HOST:PORT/PATH]\n", argv[0]);
    return EXIT_FAILURE;
  }
  if (argc == 2) server = argv[1];
  if (strncmp(server, "ws://", 5) == 0) {
    snprintf(url, sizeof(url), "%s", server);
  } else {
    snprintf(url, sizeof(url), "ws://%s/ws", server);
  }

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if (mg_connect_ws_opt(&mgr, ev_handler, opts, url, NULL, NULL) == NULL) {
    fprintf(stderr, "Cannot connect to %s: %s\n", url,
            err != NULL ? err : "bad URL");
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (!s_done && s_stop == 0) mg_mgr_poll(&mgr, 1000);
  // The reader thread may still be blocked in fgets(): it uses the manager,
  // so the manager is freed only when that thread is over. Otherwise exit()
  // releases everything.
  if (!s_reader_started || s_reader_done) mg_mgr_free(&mgr);
  return s_exit;
}
