// Fuzzes a whole HTTP server connection: the input is the byte stream a
// client sends, fed through one end of a socketpair to a connection that
// runs the HTTP/WebSocket protocol handler on the other (the default iface
// and poll loop, as in an application), split at points the input picks.
// The handler serves a small document root (files, a listing, Range, SSI,
// ETags), an endpoint with a chunked reply, one that reads the body, and
// WebSocket echo. After the input the client half-closes and the manager
// runs until the connection closes (bounded). What the server sends must
// start as an HTTP response; beyond that the sanitizers are the oracle
// (no crash, no leak, no undefined behaviour).
//
// Input: byte 0 seeds the split sizes, the rest is the stream. This target
// compiles mongoose.c in.
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <sys/stat.h>

static char s_root[64];
static struct mg_serve_http_opts s_opts;

static void put_file(const char *name, const char *text) {
  char path[128];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/%s", s_root, name);
  if ((fp = fopen(path, "wb")) == NULL) abort();
  fputs(text, fp);
  fclose(fp);
}

static void remove_root(void) {
  char cmd[96];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_root);
  if (s_root[0] != '\0' && system(cmd) != 0) abort();
}

static void make_root(void) {
  char path[96];
  if (s_root[0] != '\0') return;
  snprintf(s_root, sizeof(s_root), "/tmp/mg_fuzz_connXXXXXX");
  if (mkdtemp(s_root) == NULL) abort();
  atexit(remove_root);
  put_file("a.txt", "0123456789abcdefghijklmnopqrstuvwxyz\n");
  put_file("index.html", "<p>index</p>\n");
  put_file("s.shtml",
           "[<!--#include virtual=\"/a.txt\" -->]"
           "<!--#include file=\"a.txt\" --><!--#bad -->");
  put_file(".hidden", "secret\n");
  snprintf(path, sizeof(path), "%s/sub", s_root);
  if (mkdir(path, 0755) != 0) abort();
  put_file("sub/b.txt", "b\n");
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_root;
  s_opts.enable_directory_listing = "yes";
  s_opts.hidden_file_pattern = ".hidden";
}

static int s_closed;  // The client's connection closed

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_CLOSE && !(nc->flags & MG_F_LISTENING)) s_closed = 1;
  if (ev == MG_EV_HTTP_REQUEST) {
    if (mg_vcmp(&hm->uri, "/chunk") == 0) {
      mg_send_head(nc, 200, -1, "Content-Type: text/plain");
      mg_printf_http_chunk(nc, "%.*s", (int) hm->query_string.len,
                           hm->query_string.p);
      mg_send_http_chunk(nc, "", 0);
    } else if (mg_vcmp(&hm->uri, "/body") == 0) {
      char var[32];
      int n = mg_get_http_var(&hm->body, "v", var, sizeof(var));
      mg_send_head(nc, 200, n > 0 ? n : 0, NULL);
      if (n > 0) mg_send(nc, var, n);
    } else {
      mg_serve_http(nc, hm, s_opts);
    }
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_BINARY, wm->data, wm->size);
  }
}

// Reads what the server sent; keeps the first bytes in head.
static void drain(int fd, char *head, size_t *head_len, size_t cap) {
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
    size_t take = cap - *head_len < (size_t) n ? cap - *head_len : (size_t) n;
    memcpy(head + *head_len, buf, take);
    *head_len += take;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *nc;
  char head[16];
  size_t head_len = 0, off = 1;
  unsigned seed;
  int sv[2], i;
  if (size < 1) return 0;
  make_root();
  s_closed = 0;
  seed = data[0];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) abort();
  fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL, 0) | O_NONBLOCK);
  mg_mgr_init(&mgr, NULL);
  // A listener (never connected to) makes nc an accepted, server-side
  // connection, as mg_set_protocol_http_websocket() tells them apart.
  if ((lc = mg_bind(&mgr, "127.0.0.1:0", handler)) == NULL) abort();
  mg_set_protocol_http_websocket(lc);
  if ((nc = mg_add_sock(&mgr, sv[0], handler)) == NULL) abort();
  nc->listener = lc;
  mg_set_protocol_http_websocket(nc);
  // Feed the stream in pieces of 1..64 bytes (or the rest), polling after
  // each; at most 256 rounds.
  for (i = 0; i < 256 && off < size; i++) {
    size_t piece;
    ssize_t k;
    seed = seed * 1103515245u + 12345u;
    piece = (seed >> 16) % 8 == 0 ? size - off : 1 + (seed >> 16) % 64;
    if (piece > size - off) piece = size - off;
    k = send(sv[1], data + off, piece, MSG_NOSIGNAL);
    if (k > 0) off += (size_t) k;
    mg_mgr_poll(&mgr, 0);
    drain(sv[1], head, &head_len, sizeof(head));
    if (k < 0 && errno != EAGAIN) break;  // The server closed
  }
  shutdown(sv[1], SHUT_WR);
  for (i = 0; i < 64 && !s_closed; i++) {
    mg_mgr_poll(&mgr, 0);
    drain(sv[1], head, &head_len, sizeof(head));
  }
  drain(sv[1], head, &head_len, sizeof(head));
  mg_mgr_free(&mgr);
  close(sv[1]);
#ifdef FUZZ_DEBUG
  fprintf(stderr, "%d bytes: %.*s, closed %d\n", (int) head_len, (int) head_len,
          head, s_closed);
#endif
  // Whatever came is an HTTP response (a 101 too, before its frames).
  if (head_len >= 7 && memcmp(head, "HTTP/1.", 7) != 0) abort();
  return 0;
}
