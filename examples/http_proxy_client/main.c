// HTTP proxy client: fetches a URL through an HTTP proxy, the way 6.18's
// example does it: a CONNECT tunnel. It connects to the proxy as a plain
// TCP client, asks "CONNECT host:port", and once the proxy answers 2xx the
// connection is a byte pipe to the target: it sends the GET through it and
// turns the connection into an HTTP client (mg_set_protocol_http_websocket)
// to read the reply. Prints the body (with --show-headers the whole reply)
// to stdout. Unlike 6.18, the proxy's answer is checked: a refusal, or a
// connection that ends first, exits 1.
//
//   make examples/http_proxy_client/http_proxy_client
//   P=127.0.0.1:3128    (a CONNECT proxy: squid, tinyproxy, or the small
//                        one in test/interop/test_examples.c)
//   examples/http_proxy_client/http_proxy_client $P http://127.0.0.1:8000/
//
// Usage: http_proxy_client [--show-headers] [--hexdump FILE] PROXY URL
//   PROXY  HOST:PORT of the proxy, a numeric address or localhost (the
//          resolver is not built yet)
//   URL    http://HOST[:PORT]/PATH; the proxy resolves HOST. No https://:
//          TLS is not built yet.
// Exit code 0 when a reply came (whatever its status), 1 otherwise; the
// whole exchange is bounded by 30 seconds.
#include "mongoose.h"

#define WAIT_PROXY MG_F_USER_1  // CONNECT sent, the proxy's answer pending
#define TIMEOUT 30.0            // Seconds for the whole exchange

static volatile sig_atomic_t s_signal = 0;
static int s_exit_code = -1;  // -1 while running
static int s_show_headers = 0;
static struct mg_str s_host, s_path, s_query;
static unsigned int s_port;

static void on_signal(int sig) {
  s_signal = sig;
}

static void fail(struct mg_connection *nc, const char *why) {
  fprintf(stderr, "%s\n", why);
  s_exit_code = EXIT_FAILURE;
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

// The connection to the proxy is up: ask for the tunnel.
static void send_connect(struct mg_connection *nc) {
  mg_printf(nc, "CONNECT %.*s:%u HTTP/1.1\r\nHost: %.*s:%u\r\n\r\n",
            (int) s_host.len, s_host.p, s_port, (int) s_host.len, s_host.p,
            s_port);
  nc->flags |= WAIT_PROXY;
}

// Reads the proxy's answer to CONNECT; on 2xx sends the request through
// the tunnel and lets the HTTP client protocol read the reply.
static void read_proxy_answer(struct mg_connection *nc) {
  struct http_message hm;
  int n = mg_parse_http(nc->recv_mbuf.buf, (int) nc->recv_mbuf.len, &hm, 0);
  if (n == 0 && nc->recv_mbuf.len < MG_MAX_HTTP_REQUEST_SIZE) return;
  if (n <= 0) {
    fail(nc, "The proxy's answer is not HTTP");
  } else if (hm.resp_code < 200 || hm.resp_code > 299) {
    fprintf(stderr, "The proxy refused the tunnel: %d %.*s\n", hm.resp_code,
            (int) hm.resp_status_msg.len, hm.resp_status_msg.p);
    fail(nc, "CONNECT failed");
  } else {
    mbuf_remove(&nc->recv_mbuf, (size_t) n);
    nc->flags &= ~(unsigned long) WAIT_PROXY;
    mg_printf(nc,
              "GET %.*s%s%.*s HTTP/1.1\r\nHost: %.*s:%u\r\n"
              "Connection: close\r\n\r\n",
              (int) s_path.len, s_path.p, s_query.len > 0 ? "?" : "",
              (int) s_query.len, s_query.p, (int) s_host.len, s_host.p, s_port);
    mg_set_protocol_http_websocket(nc);
  }
}

static void on_reply(struct mg_connection *nc, struct http_message *hm) {
  if (s_show_headers) {
    fwrite(hm->message.p, 1, hm->message.len, stdout);
  } else {
    fwrite(hm->body.p, 1, hm->body.len, stdout);
  }
  fflush(stdout);
  s_exit_code = EXIT_SUCCESS;
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "Cannot connect to the proxy: %s\n",
                strerror(*(int *) ev_data));
        s_exit_code = EXIT_FAILURE;
      } else {
        send_connect(nc);
      }
      break;
    case MG_EV_RECV:
      if (nc->flags & WAIT_PROXY) read_proxy_answer(nc);
      break;
    case MG_EV_HTTP_REPLY:
      on_reply(nc, (struct http_message *) ev_data);
      break;
    case MG_EV_TIMER:
      fail(nc, "Timed out");
      break;
    case MG_EV_CLOSE:
      if (s_exit_code < 0) {
        fprintf(stderr, "The connection closed before a reply came\n");
        s_exit_code = EXIT_FAILURE;
      }
      break;
    default:
      break;
  }
}

// Splits url into s_host, s_port, s_path and s_query. Returns 0, or -1.
static int parse_url(const char *url) {
  struct mg_str scheme;
  if (mg_parse_uri(mg_mk_str(url), &scheme, NULL, &s_host, &s_port, &s_path,
                   &s_query, NULL) != 0 ||
      mg_vcmp(&scheme, "http") != 0 || s_host.len == 0) {
    fprintf(stderr, "Not an http:// URL: %s\n", url);
    return -1;
  }
  if (s_port == 0) s_port = 80;
  if (s_path.len == 0) s_path = mg_mk_str("/");
  return 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_connect_opts opts;
  const char *err = NULL, *hexdump = NULL;
  int i;

  for (i = 1; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--show-headers") == 0) {
      s_show_headers = 1;
    } else if (strcmp(argv[i], "--hexdump") == 0 && i + 1 < argc) {
      hexdump = argv[++i];
    } else {
      break;
    }
  }
  if (i + 2 != argc) {
    fprintf(stderr,
            "Usage: %s [--show-headers] [--hexdump FILE] PROXY_HOST:PORT URL\n",
            argv[0]);
    return EXIT_FAILURE;
  }
  if (parse_url(argv[i + 1]) != 0) return EXIT_FAILURE;

  mg_mgr_init(&mgr, NULL);
  mgr.hexdump_file = hexdump;
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_connect_opt(&mgr, argv[i], ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot connect to %s: %s\n", argv[i], err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_timer(nc, mg_time() + TIMEOUT);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_signal == 0 && s_exit_code < 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_exit_code < 0 ? EXIT_FAILURE : s_exit_code;
}
