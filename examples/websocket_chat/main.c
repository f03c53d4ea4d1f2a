// WebSocket chat: serves a chat page and relays every message a client
// sends to all connected WebSocket clients (the sender too, which is how it
// sees that its message went out).
//
//   make examples/websocket_chat/websocket_chat
//   examples/websocket_chat/websocket_chat -p 127.0.0.1:8000
//   open http://127.0.0.1:8000/ in two browser tabs, type in one
//   examples/websocket_chat_client/websocket_chat_client 127.0.0.1:8000
//                                         (the same chat from a terminal)
//
// Usage: websocket_chat [-p [ADDR:]PORT] [-d DOCROOT]
//   -p  listening address, default 127.0.0.1:8000 (a bare PORT listens on
//       every interface, "tcp://[::1]:8000" on IPv6)
//   -d  directory to serve, default the web_root next to the executable
//
// The chat lives at /ws: an upgrade request for any other URI gets 404.
// Text messages are relayed unchanged; binary messages are not chat and are
// dropped. The page, web_root/index.html, sends its ?auto=TEXT parameter as
// soon as it connects (index.html?auto=hello), so a headless browser can
// take part without anyone typing.
#include "mongoose.h"

#define CHAT_URI "/ws"
#define MAX_DOCROOT_LEN 4096

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_chat_http_opts;

static void on_signal(int sig) {
  s_stop = sig;
}

// Sends msg as a text frame to every WebSocket client of the chat: the
// WebSocket connections accepted by nc's listener. (A manager may also hold
// WebSocket client connections of its own, or other servers: relaying to
// those would send the message elsewhere, or back to this server forever.)
static void chat_broadcast(struct mg_connection *nc, const struct mg_str msg) {
  struct mg_connection *c;
  for (c = mg_next(nc->mgr, NULL); c != NULL; c = mg_next(nc->mgr, c)) {
    if ((c->flags & MG_F_IS_WEBSOCKET) && c->listener == nc->listener) {
      mg_send_websocket_frame(c, WEBSOCKET_OP_TEXT, msg.p, msg.len);
    }
  }
}

// Logs "CONNECTION what (PEER)". The peer's address is gone (empty) once
// the peer has reset the connection.
static void chat_log(struct mg_connection *nc, const char *what) {
  char addr[64];
  mg_conn_addr_to_str(nc, addr, sizeof(addr),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                          MG_SOCK_STRINGIFY_REMOTE);
  printf("%p %s%s%s%s\n", (void *) nc, what, addr[0] ? " (" : "", addr,
         addr[0] ? ")" : "");
  fflush(stdout);
}

// The chat's event handler: the page from the document root, messages
// relayed between the WebSocket clients.
static void chat_ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  switch (ev) {
    case MG_EV_HTTP_REQUEST:
      mg_serve_http(nc, hm, s_chat_http_opts);
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_REQUEST:
      // Answering here refuses the upgrade.
      if (mg_vcmp(&hm->uri, CHAT_URI) != 0) {
        mg_http_send_error(nc, 404, NULL);
        nc->flags |= MG_F_SEND_AND_CLOSE;
      }
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      chat_log(nc, "joined");
      break;
    case MG_EV_WEBSOCKET_FRAME:
      // Whole messages: the library reassembles fragments.
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_TEXT) {
        chat_broadcast(nc, mg_mk_str_n((const char *) wm->data, wm->size));
      }
      break;
    case MG_EV_CLOSE:
      if (nc->flags & MG_F_IS_WEBSOCKET) chat_log(nc, "left");
      break;
    default:
      break;
  }
}

// Sets buf to the directory of prog followed by "/web_root".
static void default_docroot(const char *prog, char *buf, size_t len) {
  const char *slash = strrchr(prog, '/');
  if (slash == NULL) {
    snprintf(buf, len, "web_root");
  } else {
    snprintf(buf, len, "%.*s/web_root", (int) (slash - prog), prog);
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:8000", *err = NULL;
  char docroot[MAX_DOCROOT_LEN], bound[64];
  cs_stat_t st;
  int i;

  default_docroot(argv[0], docroot, sizeof(docroot));
  memset(&s_chat_http_opts, 0, sizeof(s_chat_http_opts));
  s_chat_http_opts.document_root = docroot;
  s_chat_http_opts.enable_directory_listing = "no";
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_chat_http_opts.document_root = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-d DOCROOT]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }
  if (mg_stat(s_chat_http_opts.document_root, &st) != 0 ||
      !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "%s is not a directory (use -d DOCROOT)\n",
            s_chat_http_opts.document_root);
    return EXIT_FAILURE;
  }

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, chat_ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("WebSocket chat on http://%s/ (WebSocket ws://%s" CHAT_URI
         "), serving %s\n",
         bound, bound, s_chat_http_opts.document_root);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
