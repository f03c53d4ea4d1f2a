// Net tests for the HTTP client (mg_connect_http) and the reverse proxy
// (mg_http_reverse_proxy, url_rewrites "/prefix=http://..."): our client
// and proxy against our server, in one manager.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <arpa/inet.h>

// What the client handler saw.
struct cli {
  int connects, connect_err, replies, chunks, chunk_bytes, closed;
  int resp_code;
  char body[1024];
  size_t body_len;
  int delete_chunks;  // Set MG_F_DELETE_CHUNK in MG_EV_HTTP_CHUNK
};

// The test server (backend): a few endpoints that show what they got.
struct fix {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
  int requests;
  char last_xff[64];   // X-Forwarded-For of the last request
  char last_host[64];  // Host of the last request
  char last_hop[64];   // X-Hop of the last request (a hop-by-hop header)
};

static void copy_header(struct http_message *hm, const char *name, char *dst,
                        size_t len) {
  struct mg_str *h = mg_get_http_header(hm, name);
  snprintf(dst, len, "%.*s", h != NULL ? (int) h->len : 0,
           h != NULL ? h->p : "");
}

// Answers "M=<method> U=<uri>?<query> CL=<Content-Length> X=<X-Test>
// A=<user>:<pass> B=<body>".
static void reply_echo(struct mg_connection *nc, struct http_message *hm) {
  char buf[800], cl[32], x[64], user[64] = "", pass[64] = "";
  int n;
  copy_header(hm, "Content-Length", cl, sizeof(cl));
  copy_header(hm, "X-Test", x, sizeof(x));
  mg_get_http_basic_auth(hm, user, sizeof(user), pass, sizeof(pass));
  n = snprintf(buf, sizeof(buf), "M=%.*s U=%.*s?%.*s CL=%s X=%s A=%s:%s B=%.*s",
               (int) hm->method.len, hm->method.p, (int) hm->uri.len, hm->uri.p,
               (int) hm->query_string.len, hm->query_string.p, cl, x, user,
               pass, (int) hm->body.len, hm->body.p);
  mg_send_head(nc, 200, n, "Content-Type: text/plain");
  mg_send(nc, buf, n);
}

static void fix_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fix *f = (struct fix *) nc->mgr->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev != MG_EV_HTTP_REQUEST) return;
  f->requests++;
  copy_header(hm, "X-Forwarded-For", f->last_xff, sizeof(f->last_xff));
  copy_header(hm, "Host", f->last_host, sizeof(f->last_host));
  copy_header(hm, "X-Hop", f->last_hop, sizeof(f->last_hop));
  if (mg_vcmp(&hm->uri, "/hello") == 0) {
    mg_send_head(nc, 200, 12, "Content-Type: text/plain");
    mg_printf(nc, "%s", "hello, world");
  } else if (mg_vcmp(&hm->uri, "/chunked") == 0) {
    mg_send_head(nc, 200, -1, NULL);
    mg_send_http_chunk(nc, "ab", 2);
    mg_send_http_chunk(nc, "cde", 3);
    mg_send_http_chunk(nc, "f", 1);
    mg_send_http_chunk(nc, "", 0);
  } else if (mg_vcmp(&hm->uri, "/missing") == 0) {
    mg_http_send_error(nc, 404, NULL);
  } else {
    reply_echo(nc, hm);
  }
}

// The running fixture, freed by teardown() if a test failed half-way (so
// tests keep their fixture in static storage, alive after a failure).
static struct fix *s_live;

static void fix_stop(struct fix *f) {
  mg_mgr_free(&f->mgr);
  s_live = NULL;
}

static int teardown(void **state) {
  (void) state;
  if (s_live != NULL) fix_stop(s_live);
  return 0;
}

static void fix_start(struct fix *f) {
  memset(f, 0, sizeof(*f));
  s_live = f;
  mg_mgr_init(&f->mgr, f);
  f->lc = mg_bind(&f->mgr, "127.0.0.1:0", fix_handler);
  assert_non_null(f->lc);
  mg_set_protocol_http_websocket(f->lc);
  f->port = conn_port(f->lc);
}

static void cli_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct cli *c = (struct cli *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (c == NULL) return;
  if (ev == MG_EV_CONNECT) {
    c->connects++;
    c->connect_err = *(int *) ev_data;
  } else if (ev == MG_EV_HTTP_CHUNK) {
    if (hm->body.len > 0) c->chunks++;
    c->chunk_bytes += (int) hm->body.len;
    if (c->delete_chunks) nc->flags |= MG_F_DELETE_CHUNK;
  } else if (ev == MG_EV_HTTP_REPLY) {
    c->replies++;
    c->resp_code = hm->resp_code;
    c->body_len =
        hm->body.len < sizeof(c->body) - 1 ? hm->body.len : sizeof(c->body) - 1;
    memcpy(c->body, hm->body.p, c->body_len);
    c->body[c->body_len] = '\0';
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    c->closed = 1;
  }
}

// mg_connect_http() with c as user_data. Returns the connection.
static struct mg_connection *cli_get(struct fix *f, struct cli *c,
                                     const char *url, const char *headers,
                                     const char *post) {
  struct mg_connect_opts opts;
  const char *err = NULL;
  struct mg_connection *nc;
  memset(c, 0, sizeof(*c));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = c;
  opts.error_string = &err;
  nc = mg_connect_http_opt(&f->mgr, cli_handler, opts, url, headers, post);
  if (nc == NULL) fail_msg("mg_connect_http_opt(%s): %s", url, err);
  return nc;
}

static void test_client_get_content_length_reply(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", f.port);
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_int_equal(c.connects, 1);
  assert_int_equal(c.connect_err, 0);
  assert_int_equal(c.replies, 1);
  assert_int_equal(c.resp_code, 200);
  assert_string_equal(c.body, "hello, world");
  snprintf(url, sizeof(url), "127.0.0.1:%d", f.port);
  assert_string_equal(f.last_host, url);
  fix_stop(&f);
}

static void test_client_url_path_and_query_sent(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/a/b?x=1&y=2#frag", f.port);
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_non_null(strstr(c.body, "M=GET U=/a/b?x=1&y=2 CL= "));
  // No path: "/".
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_non_null(strstr(c.body, "U=/? "));
  fix_stop(&f);
}

static void test_client_chunked_reply_gives_chunk_events(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/chunked", f.port);
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_int_equal(c.chunks, 3);
  assert_int_equal(c.chunk_bytes, 6);
  assert_int_equal(c.replies, 1);
  assert_int_equal(c.resp_code, 200);
  assert_string_equal(c.body, "abcdef");
  fix_stop(&f);
}

static void test_client_delete_chunk_leaves_empty_body(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/chunked", f.port);
  cli_get(&f, &c, url, NULL, NULL);
  c.delete_chunks = 1;
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_int_equal(c.chunks, 3);
  assert_int_equal(c.replies, 1);
  assert_int_equal(c.body_len, 0);
  fix_stop(&f);
}

// A raw server: answers any request head without a length, then closes.
static void close_delimited_handler(struct mg_connection *nc, int ev,
                                    void *ev_data) {
  struct mg_str in = mg_mk_str_n(nc->recv_mbuf.buf, nc->recv_mbuf.len);
  (void) ev_data;
  if (ev != MG_EV_RECV || mg_strstr(in, mg_mk_str("\r\n\r\n")) == NULL) {
    return;
  }
  mg_printf(nc, "%s",
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
            "body until close");
  mbuf_clear(&nc->recv_mbuf);
  nc->flags |= MG_F_SEND_AND_CLOSE;
}

static void test_client_close_delimited_reply(void **state) {
  static struct fix f;
  struct cli c;
  struct mg_connection *raw;
  char url[128];
  (void) state;
  fix_start(&f);
  raw = mg_bind(&f.mgr, "127.0.0.1:0", close_delimited_handler);
  assert_non_null(raw);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", conn_port(raw));
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_int_equal(c.replies, 1);
  assert_int_equal(c.resp_code, 200);
  assert_string_equal(c.body, "body until close");
  fix_stop(&f);
}

static void test_client_post_sends_body_with_length(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/post", f.port);
  cli_get(&f, &c, url, "Content-Type: application/x-www-form-urlencoded\r\n",
          "a=1&b=two");
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_string_equal(c.body, "M=POST U=/post? CL=9 X= A=: B=a=1&b=two");
  // An empty body is still a POST with Content-Length: 0.
  cli_get(&f, &c, url, NULL, "");
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_string_equal(c.body, "M=POST U=/post? CL=0 X= A=: B=");
  fix_stop(&f);
}

static void test_client_extra_headers_sent(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/h", f.port);
  cli_get(&f, &c, url, "X-Test: yes\r\n", NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_non_null(strstr(c.body, " X=yes "));
  // Without the final CRLF the header is still one header.
  cli_get(&f, &c, url, "X-Test: again", NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_int_equal(c.resp_code, 200);
  assert_non_null(strstr(c.body, " X=again "));
  fix_stop(&f);
}

static void test_client_basic_auth_from_url(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://joe:s%%40cret@127.0.0.1:%d/a", f.port);
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_non_null(strstr(c.body, " A=joe:s@cret "));
  fix_stop(&f);
}

static void test_client_connection_refused_reaches_handler(void **state) {
  static struct fix f;
  struct cli c;
  char url[128];
  (void) state;
  fix_start(&f);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/",
           free_loopback_port(SOCK_STREAM));
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_int_equal(c.connects, 1);
  assert_int_not_equal(c.connect_err, 0);
  assert_int_equal(c.replies, 0);
  fix_stop(&f);
}

// mg_connect_http_opt(url) must fail with an error string.
static void expect_bad_url(struct fix *f, const char *url) {
  struct mg_connect_opts opts;
  const char *err = NULL;
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if (mg_connect_http_opt(&f->mgr, cli_handler, opts, url, NULL, NULL) !=
      NULL) {
    fail_msg("accepted %s", url);
  }
  assert_non_null(err);
}

static void test_client_bad_urls_return_null_with_error(void **state) {
  static struct fix f;
  struct mg_connect_opts opts;
  const char *err = NULL;
  (void) state;
  fix_start(&f);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
#if !MG_ENABLE_SSL  // With TLS, https:// is tested in test/net/test_tls.c
  assert_null(mg_connect_http_opt(&f.mgr, cli_handler, opts,
                                  "https://127.0.0.1:1/", NULL, NULL));
  assert_non_null(strstr(err, "TLS not built"));
#endif
  expect_bad_url(&f, "ftp://127.0.0.1/x");
  expect_bad_url(&f, "http://[::1");
  expect_bad_url(&f, "http://127.0.0.1:1/a\r\nX-Evil: 1");
  expect_bad_url(&f, "http://127.0.0.1:1/a b");
  expect_bad_url(&f, "http://127.0.0.1:99999/");
  expect_bad_url(&f, "http:///nohost");
  expect_bad_url(&f, "/just/a/path");
  expect_bad_url(&f, NULL);
  // Nothing was connected.
  assert_ptr_equal(mg_next(&f.mgr, NULL), f.lc);
  assert_null(mg_next(&f.mgr, f.lc));
  fix_stop(&f);
}

static void test_client_ipv6_literal(void **state) {
  static struct fix f;
  struct cli c;
  struct mg_connection *lc6;
  char url[128];
  (void) state;
  fix_start(&f);
  lc6 = mg_bind(&f.mgr, "tcp://[::1]:0", fix_handler);
  if (lc6 == NULL) {
    fix_stop(&f);
    print_message(
        "SKIP: no IPv6 loopback (::1) here; enable it with: "
        "sysctl -w net.ipv6.conf.lo.disable_ipv6=0\n");
    skip();
  }
  mg_set_protocol_http_websocket(lc6);
  snprintf(url, sizeof(url), "http://[::1]:%d/hello", conn_port(lc6));
  cli_get(&f, &c, url, NULL, NULL);
  assert_true(poll_flag(&f.mgr, &c.closed, 5));
  assert_int_equal(c.replies, 1);
  assert_string_equal(c.body, "hello, world");
  snprintf(url, sizeof(url), "[::1]:%d", conn_port(lc6));
  assert_string_equal(f.last_host, url);
  fix_stop(&f);
}

// ---- Reverse proxy ----------------------------------------------------------

static char s_rewrites[128];

static void proxy_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_serve_http_opts opts;
  if (ev != MG_EV_HTTP_REQUEST) return;
  memset(&opts, 0, sizeof(opts));
  opts.document_root = "/nonexistent-mg-docroot";
  opts.url_rewrites = s_rewrites;
  mg_serve_http(nc, (struct http_message *) ev_data, opts);
}

// Starts a proxy listener in f's manager forwarding /api/ to port
// backend. Returns the proxy's port.
static int proxy_start(struct fix *f, int backend) {
  struct mg_connection *lc = mg_bind(&f->mgr, "127.0.0.1:0", proxy_handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  snprintf(s_rewrites, sizeof(s_rewrites), "/api/=http://127.0.0.1:%d/",
           backend);
  return conn_port(lc);
}

// Sends req to port and reads one response (or until close).
static size_t raw_exchange(struct fix *f, int port, const char *req, char *buf,
                           size_t cap, int *closed) {
  int fd = raw_connect(port);
  size_t n;
  raw_send(&f->mgr, fd, req, strlen(req));
  n = raw_recv(&f->mgr, fd, buf, cap, 1, closed, 5);
  close(fd);
  return n;
}

static void test_proxy_forwards_get_and_relays_reply(void **state) {
  static struct fix f;
  char buf[2048], host[64];
  int port, closed;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  raw_exchange(&f, port,
               "GET /api/hello HTTP/1.1\r\nHost: proxy\r\n"
               "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\n\r\n",
               buf, sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(buf, "Content-Type: text/plain\r\n"));
  assert_non_null(strstr(buf, "Content-Length: 12\r\n"));
  assert_non_null(strstr(buf, "\r\n\r\nhello, world"));
  assert_int_equal(closed, 0);
  // The backend's Date is relayed, once.
  assert_non_null(strstr(buf, "\r\nDate: "));
  assert_null(strstr(strstr(buf, "\r\nDate: ") + 2, "\r\nDate: "));
  assert_int_equal(f.requests, 1);
  assert_string_equal(f.last_xff, "127.0.0.1");
  assert_string_equal(f.last_hop, "");  // Named in Connection: dropped
  snprintf(host, sizeof(host), "127.0.0.1:%d", f.port);
  assert_string_equal(f.last_host, host);
  fix_stop(&f);
}

static void test_proxy_rewrites_path_and_keeps_query(void **state) {
  static struct fix f;
  char buf[2048];
  int port, closed;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  raw_exchange(&f, port,
               "GET /api/x/y?q=1 HTTP/1.1\r\nHost: proxy\r\n"
               "X-Forwarded-For: 10.0.0.1\r\n\r\n",
               buf, sizeof(buf), &closed);
  assert_non_null(strstr(buf, "\r\n\r\nM=GET U=/x/y?q=1 CL= "));
  assert_string_equal(f.last_xff, "10.0.0.1, 127.0.0.1");
  fix_stop(&f);
}

// The de-chunked body of the chunked response in buf, in place (NUL-
// terminated); fails the test on bad framing.
static const char *dechunk_body(char *buf) {
  char *p = strstr(buf, "\r\n\r\n"), *out, *e;
  unsigned long n;
  assert_non_null(p);
  out = p += 4;
  for (;;) {
    n = strtoul(p, &e, 16);
    assert_true(e > p && e[0] == '\r' && e[1] == '\n');
    p = e + 2;
    if (n == 0) break;
    memmove(out, p, n);
    out += n;
    p += n;
    assert_memory_equal(p, "\r\n", 2);
    p += 2;
  }
  assert_memory_equal(p, "\r\n", 2);
  *out = '\0';
  return strstr(buf, "\r\n\r\n") + 4;
}

static void test_proxy_reencodes_chunked_reply(void **state) {
  static struct fix f;
  char buf[2048];
  int port, closed;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  raw_exchange(&f, port, "GET /api/chunked HTTP/1.1\r\nHost: proxy\r\n\r\n",
               buf, sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  // Streamed: the body goes on in chunks (of whatever sizes came in).
  assert_non_null(strstr(buf, "\r\nTransfer-Encoding: chunked\r\n"));
  assert_null(strstr(buf, "Content-Length"));
  assert_string_equal(dechunk_body(buf), "abcdef");
  fix_stop(&f);
}

static void test_proxy_forwards_post_body(void **state) {
  static struct fix f;
  char buf[2048];
  int port, closed;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  raw_exchange(&f, port,
               "POST /api/form HTTP/1.1\r\nHost: proxy\r\nX-Test: t\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"
               "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
               buf, sizeof(buf), &closed);
  assert_non_null(strstr(buf, "\r\n\r\nM=POST U=/form? CL=5 X=t A=: B=abcde"));
  fix_stop(&f);
}

static void test_proxy_relays_error_status(void **state) {
  static struct fix f;
  char buf[2048];
  int port, closed;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  raw_exchange(&f, port, "GET /api/missing HTTP/1.1\r\nHost: proxy\r\n\r\n",
               buf, sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
  fix_stop(&f);
}

static void test_proxy_head_keeps_length_without_body(void **state) {
  static struct fix f;
  char buf[2048];
  const char *end;
  int port, closed;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  raw_exchange(&f, port, "HEAD /api/hello HTTP/1.1\r\nHost: proxy\r\n\r\n", buf,
               sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(buf, "Content-Length: 12\r\n"));
  end = strstr(buf, "\r\n\r\n");
  assert_non_null(end);
  assert_string_equal(end, "\r\n\r\n");
  fix_stop(&f);
}

static void test_proxy_two_requests_on_one_connection(void **state) {
  static struct fix f;
  char buf[2048];
  int port, closed, fd;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  fd = raw_connect(port);
  raw_sends(&f.mgr, fd, "GET /api/hello HTTP/1.1\r\nHost: proxy\r\n\r\n");
  raw_recv(&f.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "hello, world"));
  raw_sends(&f.mgr, fd, "GET /api/again HTTP/1.1\r\nHost: proxy\r\n\r\n");
  raw_recv(&f.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "M=GET U=/again?"));
  assert_int_equal(closed, 0);
  close(fd);
  fix_stop(&f);
}

static int s_backend_port;  // For direct_proxy_handler

// mg_http_reverse_proxy() called directly: /direct/... goes to the backend's
// /base/...
static void direct_proxy_handler(struct mg_connection *nc, int ev,
                                 void *ev_data) {
  char upstream[64];
  if (ev != MG_EV_HTTP_REQUEST) return;
  snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%d/base",
           s_backend_port);
  mg_http_reverse_proxy(nc, (struct http_message *) ev_data,
                        mg_mk_str("/direct"), mg_mk_str(upstream));
}

static void test_proxy_direct_maps_mount_and_refuses_dot_segments(
    void **state) {
  static struct fix f;
  struct mg_connection *lc;
  char buf[2048];
  int closed;
  (void) state;
  fix_start(&f);
  s_backend_port = f.port;
  lc = mg_bind(&f.mgr, "127.0.0.1:0", direct_proxy_handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  raw_exchange(&f, conn_port(lc), "GET /direct/a/b HTTP/1.1\r\nHost: p\r\n\r\n",
               buf, sizeof(buf), &closed);
  assert_non_null(strstr(buf, "\r\n\r\nM=GET U=/base/a/b? "));
  raw_exchange(&f, conn_port(lc), "GET /direct HTTP/1.1\r\nHost: p\r\n\r\n",
               buf, sizeof(buf), &closed);
  assert_non_null(strstr(buf, "\r\n\r\nM=GET U=/base? "));
  // Upstream, "/base/a/../../x" would leave /base.
  raw_exchange(&f, conn_port(lc),
               "GET /direct/a/%2E%2e/../x HTTP/1.1\r\nHost: p\r\n\r\n", buf,
               sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
  raw_exchange(&f, conn_port(lc), "GET /other HTTP/1.1\r\nHost: p\r\n\r\n", buf,
               sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
  assert_int_equal(f.requests, 2);
  fix_stop(&f);
}

static void test_proxy_upstream_down_gives_502(void **state) {
  static struct fix f;
  char buf[2048];
  int port, closed;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, free_loopback_port(SOCK_STREAM));
  raw_exchange(&f, port, "GET /api/hello HTTP/1.1\r\nHost: proxy\r\n\r\n", buf,
               sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 502 ", 13) == 0);
  fix_stop(&f);
}

// A raw upstream that sends part of a reply, then closes.
static void cut_reply_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev != MG_EV_RECV) return;
  mg_printf(nc, "%s", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  mbuf_clear(&nc->recv_mbuf);
  nc->flags |= MG_F_SEND_AND_CLOSE;
}

static void test_proxy_upstream_cut_closes_client(void **state) {
  static struct fix f;
  struct mg_connection *raw;
  char buf[2048];
  int port, closed;
  (void) state;
  fix_start(&f);
  raw = mg_bind(&f.mgr, "127.0.0.1:0", cut_reply_handler);
  assert_non_null(raw);
  port = proxy_start(&f, conn_port(raw));
  raw_exchange(&f, port, "GET /api/x HTTP/1.1\r\nHost: proxy\r\n\r\n", buf,
               sizeof(buf), &closed);
  // Streamed: the head and what came of the body were relayed; the cut
  // shows as a close before the Content-Length's 100 bytes.
  assert_int_equal(closed, 1);
  assert_non_null(strstr(buf, "Content-Length: 100\r\n"));
  assert_true(strlen(strstr(buf, "\r\n\r\n") + 4) < 100);
  fix_stop(&f);
}

// ---- A 1 GiB reply streamed through the proxy -------------------------------

// 1 GiB; 32 MiB under valgrind (VALGRIND=1, make valgrind), which runs
// some 50 times slower: the same code path, a shorter run.
static uint64_t s_big_size = (uint64_t) 1 << 30;
#define PROXY_BIG s_big_size

static struct mg_connection *s_big_nc;  // The backend connection sending it
static uint64_t s_big_sent;

static unsigned char big_byte(uint64_t i) {
  return (unsigned char) (i * 31 + (i >> 12));
}

// The backend answers /big with PROXY_BIG generated bytes, topping up its
// send_mbuf to 64 KiB as it drains.
static void big_backend(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  unsigned char chunk[16384];
  size_t i, n;
  if (ev == MG_EV_HTTP_REQUEST && mg_vcmp(&hm->uri, "/big") == 0) {
    mg_printf(nc, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\n\r\n",
              (unsigned long long) PROXY_BIG);
    s_big_nc = nc;
    s_big_sent = 0;
  }
  if (nc != s_big_nc || (ev != MG_EV_HTTP_REQUEST && ev != MG_EV_SEND &&
                         ev != MG_EV_POLL)) {
    return;
  }
  while (s_big_sent < PROXY_BIG && nc->send_mbuf.len < 65536) {
    n = sizeof(chunk);
    if (PROXY_BIG - s_big_sent < n) n = (size_t) (PROXY_BIG - s_big_sent);
    for (i = 0; i < n; i++) chunk[i] = big_byte(s_big_sent + i);
    mg_send(nc, chunk, (int) n);
    s_big_sent += n;
  }
}

// Memory stays flat: no connection's buffers grow past 1 MiB while 1 GiB
// goes through, every byte checked at the client.
static void test_proxy_streams_1gib_with_flat_memory(void **state) {
  static struct fix f;
  struct mg_connection *be, *c;
  static char buf[65536];
  size_t max_buf = 0, hl = 0, n, i;
  uint64_t got = 0;
  double deadline, t0 = mg_time();
  int port, fd, in_body = 0;
  const char *p = buf, *e;
  ssize_t k;
  char cl[64];
  (void) state;
  if (getenv("VALGRIND") != NULL && strcmp(getenv("VALGRIND"), "1") == 0) {
    s_big_size = (uint64_t) 32 << 20;
  }
  snprintf(cl, sizeof(cl), "\r\nContent-Length: %llu\r\n",
           (unsigned long long) s_big_size);
  fix_start(&f);
  be = mg_bind(&f.mgr, "127.0.0.1:0", big_backend);
  assert_non_null(be);
  mg_set_protocol_http_websocket(be);
  port = proxy_start(&f, conn_port(be));
  fd = raw_connect(port);
  raw_sends(&f.mgr, fd, "GET /api/big HTTP/1.1\r\nHost: proxy\r\n\r\n");
  deadline = mg_time() + 300;
  while (got < PROXY_BIG && mg_time() < deadline) {
    mg_mgr_poll(&f.mgr, 0);
    for (c = mg_next(&f.mgr, NULL); c != NULL; c = mg_next(&f.mgr, c)) {
      if (c->recv_mbuf.size > max_buf) max_buf = c->recv_mbuf.size;
      if (c->send_mbuf.size > max_buf) max_buf = c->send_mbuf.size;
    }
    if (!in_body) {
      k = recv(fd, buf + hl, sizeof(buf) - 1 - hl, 0);
      if (k == 0) break;
      if (k < 0) continue;
      hl += (size_t) k;
      buf[hl] = '\0';
      if ((e = strstr(buf, "\r\n\r\n")) == NULL) continue;
      assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
      assert_non_null(strstr(buf, cl));
      p = e + 4;
      n = hl - (size_t) (p - buf);
      in_body = 1;
    } else {
      k = recv(fd, buf, sizeof(buf), 0);
      if (k == 0) break;
      if (k < 0) continue;
      p = buf;
      n = (size_t) k;
    }
    for (i = 0; i < n; i++) {
      if ((unsigned char) p[i] != big_byte(got + i)) {
        fail_msg("byte %llu differs", (unsigned long long) (got + i));
      }
    }
    got += n;
  }
  close(fd);
  print_message("%llu bytes through the proxy in %.1f s; largest buffer "
                "%zu bytes\n",
                (unsigned long long) got, mg_time() - t0, max_buf);
  assert_true(got == PROXY_BIG);
  if (max_buf > 1024 * 1024) fail_msg("a buffer grew to %zu bytes", max_buf);
  fix_stop(&f);
}

// A backend that answers without Date.
static void no_date_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev != MG_EV_RECV ||
      memmem(nc->recv_mbuf.buf, nc->recv_mbuf.len, "\r\n\r\n", 4) == NULL) {
    return;
  }
  mg_printf(nc, "%s", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  mbuf_clear(&nc->recv_mbuf);
  nc->flags |= MG_F_SEND_AND_CLOSE;
}

// RFC 9110 6.6.1: a proxy with a clock adds Date to a reply without one.
static void test_proxy_adds_missing_date(void **state) {
  static struct fix f;
  struct mg_connection *raw;
  char buf[2048];
  const char *d;
  int port, closed;
  (void) state;
  fix_start(&f);
  raw = mg_bind(&f.mgr, "127.0.0.1:0", no_date_handler);
  assert_non_null(raw);
  port = proxy_start(&f, conn_port(raw));
  raw_exchange(&f, port, "GET /api/x HTTP/1.1\r\nHost: proxy\r\n\r\n", buf,
               sizeof(buf), &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(buf, "\r\n\r\nok"));
  d = strstr(buf, "\r\nDate: ");
  assert_non_null(d);
  assert_memory_equal(d + 8 + 25, " GMT\r\n", 6);
  assert_null(strstr(d + 2, "\r\nDate: "));
  fix_stop(&f);
}

// The client closes before the upstream answers: nothing is left behind
// (the sanitizers would see a use after free or a leak).
static void test_proxy_client_gone_before_reply(void **state) {
  static struct fix f;
  int port, fd, i;
  (void) state;
  fix_start(&f);
  port = proxy_start(&f, f.port);
  fd = raw_connect(port);
  raw_sends(&f.mgr, fd, "GET /api/hello HTTP/1.1\r\nHost: proxy\r\n\r\n");
  close(fd);
  for (i = 0; i < 50; i++) mg_mgr_poll(&f.mgr, 1);
  fix_stop(&f);
}

#define T(test) cmocka_unit_test_teardown(test, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_client_get_content_length_reply),
      T(test_client_url_path_and_query_sent),
      T(test_client_chunked_reply_gives_chunk_events),
      T(test_client_delete_chunk_leaves_empty_body),
      T(test_client_close_delimited_reply),
      T(test_client_post_sends_body_with_length),
      T(test_client_extra_headers_sent),
      T(test_client_basic_auth_from_url),
      T(test_client_connection_refused_reaches_handler),
      T(test_client_bad_urls_return_null_with_error),
      T(test_client_ipv6_literal),
      T(test_proxy_forwards_get_and_relays_reply),
      T(test_proxy_rewrites_path_and_keeps_query),
      T(test_proxy_reencodes_chunked_reply),
      T(test_proxy_forwards_post_body),
      T(test_proxy_relays_error_status),
      T(test_proxy_head_keeps_length_without_body),
      T(test_proxy_two_requests_on_one_connection),
      T(test_proxy_direct_maps_mount_and_refuses_dot_segments),
      T(test_proxy_upstream_down_gives_502),
      T(test_proxy_upstream_cut_closes_client),
      T(test_proxy_adds_missing_date),
      T(test_proxy_streams_1gib_with_flat_memory),
      T(test_proxy_client_gone_before_reply),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
