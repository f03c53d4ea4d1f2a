// Net tests for the HTTP server protocol handler: framing, keep-alive,
// pipelining, bodies, limits and the response helpers, over real sockets.
#include "net_util.h"  // First: mongoose.h sets the feature macros

struct srv {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
  int requests, chunks, chunk_bytes, deleted_chunks;
  char last_body[256];
  size_t last_body_len;
  struct mg_connection *pending;  // A request answered later, by a timer
  int chunk_stage;                // /slowchunks: chunks sent so far
};

// Answers with "<method> <uri>?<query> body=<len>" so tests can see what
// the server parsed.
static void reply_echo(struct mg_connection *nc, struct http_message *hm) {
  char buf[512];
  int n = snprintf(buf, sizeof(buf), "%.*s %.*s?%.*s body=%d",
                   (int) hm->method.len, hm->method.p, (int) hm->uri.len,
                   hm->uri.p, (int) hm->query_string.len, hm->query_string.p,
                   (int) hm->body.len);
  if (n >= (int) sizeof(buf)) n = (int) sizeof(buf) - 1;  // Long URIs: cut
  mg_send_head(nc, 200, n, "Content-Type: text/plain");
  mg_send(nc, buf, n);
}

static void srv_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct srv *s = (struct srv *) nc->mgr->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_CHUNK) {
    s->chunks++;
    s->chunk_bytes += (int) hm->body.len;
    if (mg_vcmp(&hm->uri, "/stream") == 0) {
      nc->flags |= MG_F_DELETE_CHUNK;
      s->deleted_chunks++;
    }
  } else if (ev == MG_EV_HTTP_REQUEST) {
    s->requests++;
    s->last_body_len = hm->body.len < sizeof(s->last_body)
                           ? hm->body.len
                           : sizeof(s->last_body);
    memcpy(s->last_body, hm->body.p, s->last_body_len);
    if (mg_vcmp(&hm->uri, "/headchunked") == 0) {
      // Knows HEAD has no body: the head only, no last chunk.
      mg_send_head(nc, 200, -1, NULL);
      if (mg_vcmp(&hm->method, "HEAD") != 0) {
        mg_send_http_chunk(nc, "x", 1);
        mg_send_http_chunk(nc, "", 0);
      }
    } else if (mg_vcmp(&hm->uri, "/slowchunks") == 0) {
      // A chunked reply spread over three timer events.
      mg_send_head(nc, 200, -1, NULL);
      mg_send_http_chunk(nc, "one,", 4);
      s->chunk_stage = 1;
      s->pending = nc;
      mg_set_timer(nc, mg_time() + 0.05);
    } else if (mg_vcmp(&hm->uri, "/later") == 0) {
      // Answer from a timer 50 ms from now, not from this event.
      s->pending = nc;
      mg_set_timer(nc, mg_time() + 0.05);
    } else if (mg_vcmp(&hm->uri, "/redirect") == 0) {
      mg_http_send_redirect(nc, 302, mg_mk_str("/a\r\nSet-Cookie: x=1"),
                            mg_mk_str(NULL));
    } else if (mg_vcmp(&hm->uri, "/nocontent") == 0) {
      mg_send_head(nc, 204, 0, NULL);
    } else if (mg_vcmp(&hm->uri, "/escape") == 0) {
      mg_send_head(nc, 200, -1, NULL);
      mg_printf_html_escape(nc, "%s", "<a href=\"x\">&'</a>");
      mg_send_http_chunk(nc, "", 0);
    } else if (mg_vcmp(&hm->uri, "/error") == 0) {
      mg_http_send_error(nc, 404, NULL);
    } else if (mg_vcmp(&hm->uri, "/owndate") == 0) {
      mg_send_head(nc, 200, 2, "Date: Thu, 01 Jan 1970 00:00:00 GMT");
      mg_send(nc, "ok", 2);
    } else if (mg_vcmp(&hm->uri, "/ownconn") == 0) {
      mg_send_head(nc, 200, 2, "X-A: 1\r\nconnection: close");
      mg_send(nc, "ok", 2);
    } else {
      reply_echo(nc, hm);
    }
  } else if (ev == MG_EV_TIMER && nc == s->pending && s->chunk_stage > 0) {
    if (s->chunk_stage++ == 1) {
      mg_printf_http_chunk(nc, "%s", "two,");
      mg_set_timer(nc, mg_time() + 0.05);
    } else {
      mg_send_http_chunk(nc, "three", 5);
      mg_send_http_chunk(nc, "", 0);
      s->chunk_stage = 0;
      s->pending = NULL;
    }
  } else if (ev == MG_EV_TIMER && nc == s->pending) {
    mg_send_head(nc, 200, 5, NULL);
    mg_send(nc, "later", 5);
    s->pending = NULL;
  }
}

static void srv_start(struct srv *s) {
  memset(s, 0, sizeof(*s));
  mg_mgr_init(&s->mgr, s);
  s->lc = mg_bind(&s->mgr, "127.0.0.1:0", srv_handler);
  assert_non_null(s->lc);
  mg_set_protocol_http_websocket(s->lc);
  s->port = conn_port(s->lc);
}

// Sends req on a new connection; reads `want` responses (or until close).
static size_t exchange(struct srv *s, const char *req, char *buf, size_t cap,
                       int want, int *closed) {
  int fd = raw_connect(s->port);
  size_t n;
  raw_send(&s->mgr, fd, req, strlen(req));
  n = raw_recv(&s->mgr, fd, buf, cap, want, closed, 5);
  close(fd);
  return n;
}

static void test_http_get_answered(void **state) {
  struct srv s;
  char buf[1024];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "Content-Length: 19\r\n"));
  assert_non_null(strstr(buf, "\r\n\r\nGET /a/b?x=1 body=0"));
  assert_int_equal(closed, 0);  // HTTP/1.1 keeps the connection
  mg_mgr_free(&s.mgr);
}

static void test_http_keep_alive_two_requests_one_connection(void **state) {
  struct srv s;
  char buf[2048];
  int fd, closed;
  (void) state;
  srv_start(&s);
  fd = raw_connect(s.port);
  raw_sends(&s.mgr, fd, "GET /one HTTP/1.1\r\nHost: h\r\n\r\n");
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "GET /one?"));
  raw_sends(&s.mgr, fd, "GET /two HTTP/1.1\r\nHost: h\r\n\r\n");
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "GET /two?"));
  assert_int_equal(closed, 0);
  assert_int_equal(s.requests, 2);
  close(fd);
  mg_mgr_free(&s.mgr);
}

static void test_http_pipelined_requests_answered_in_order(void **state) {
  struct srv s;
  char buf[4096];
  const char *a, *b, *c;
  int closed;
  (void) state;
  srv_start(&s);
  // The second one is answered later (from a timer): the third must wait.
  exchange(&s,
           "GET /first HTTP/1.1\r\nHost: h\r\n\r\n"
           "GET /later HTTP/1.1\r\nHost: h\r\n\r\n"
           "GET /third HTTP/1.1\r\nHost: h\r\n\r\n",
           buf, sizeof(buf), 3, &closed);
  a = strstr(buf, "GET /first?");
  b = strstr(buf, "later");
  c = strstr(buf, "GET /third?");
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(c);
  assert_true(a < b && b < c);
  assert_int_equal(s.requests, 3);
  mg_mgr_free(&s.mgr);
}

static void test_http_connection_close_closes_and_ignores_rest(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s,
           "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
           "GET /ignored HTTP/1.1\r\nHost: h\r\n\r\n",
           buf, sizeof(buf), 0, &closed);
  assert_int_equal(closed, 1);
  assert_non_null(strstr(buf, "Connection: close\r\n"));
  assert_non_null(strstr(buf, "GET /x?"));
  assert_null(strstr(buf, "ignored"));
  assert_int_equal(s.requests, 1);
  mg_mgr_free(&s.mgr);
}

// A handler that writes its own Connection header (any case, not the
// first line) gets no second one from the library.
static void test_http_handler_connection_header_not_doubled(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "GET /ownconn HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
           buf, sizeof(buf), 0, &closed);
  assert_int_equal(closed, 1);
  assert_non_null(strstr(buf, "\r\nconnection: close\r\n"));
  assert_null(strstr(buf, "Connection:"));
  mg_mgr_free(&s.mgr);
}

static void test_http_10_closes_unless_keep_alive(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "GET /old HTTP/1.0\r\n\r\n", buf, sizeof(buf), 0, &closed);
  assert_int_equal(closed, 1);
  assert_non_null(strstr(buf, "GET /old?"));
  exchange(&s, "GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", buf,
           sizeof(buf), 1, &closed);
  assert_int_equal(closed, 0);
  assert_non_null(strstr(buf, "Connection: keep-alive\r\n"));
  mg_mgr_free(&s.mgr);
}

static void test_http_content_length_body_buffered(void **state) {
  struct srv s;
  char buf[2048];
  int closed, fd;
  (void) state;
  srv_start(&s);
  fd = raw_connect(s.port);
  // The body arrives in two pieces; one request event with all of it.
  raw_sends(&s.mgr, fd,
            "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello");
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 0.2);
  assert_int_equal(s.requests, 0);
  raw_sends(&s.mgr, fd, " world");
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "POST /p? body=11"));
  assert_int_equal(s.requests, 1);
  assert_int_equal(s.last_body_len, 11);
  assert_memory_equal(s.last_body, "hello world", 11);
  close(fd);
  mg_mgr_free(&s.mgr);
}

static void test_http_expect_100_continue(void **state) {
  struct srv s;
  char buf[2048];
  int closed, fd;
  (void) state;
  srv_start(&s);
  fd = raw_connect(s.port);
  raw_sends(&s.mgr, fd,
            "PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
            "Expect: 100-continue\r\n\r\n");
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_string_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n");
  raw_sends(&s.mgr, fd, "abc");
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "PUT /u? body=3"));
  close(fd);
  mg_mgr_free(&s.mgr);
}

static void test_http_expect_100_continue_too_large_gets_413(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s,
           "PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999\r\n"
           "Expect: 100-continue\r\n\r\n",
           buf, sizeof(buf), 0, &closed);
  assert_non_null(strstr(buf, "HTTP/1.1 413 "));
  assert_null(strstr(buf, "100 Continue"));
  assert_int_equal(closed, 1);
  mg_mgr_free(&s.mgr);
}

static void test_http_chunked_body_dechunked_with_chunk_events(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s,
           "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
           "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
           buf, sizeof(buf), 1, &closed);
  assert_non_null(strstr(buf, "POST /c? body=11"));
  assert_int_equal(s.chunks, 3);  // Two data chunks and the last one
  assert_int_equal(s.chunk_bytes, 11);
  assert_memory_equal(s.last_body, "hello world", 11);
  mg_mgr_free(&s.mgr);
}

static void test_http_delete_chunk_streams_large_body(void **state) {
  struct srv s;
  char chunk[64], buf[2048];
  int fd, closed, i;
  (void) state;
  srv_start(&s);
  fd = raw_connect(s.port);
  raw_sends(&s.mgr, fd,
            "POST /stream HTTP/1.1\r\nHost: h\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  // 20 MB in 64 KB chunks: more than the buffered body limit, but each
  // chunk is dropped after its event.
  {
    static char data[65536 + 16];
    int hl = snprintf(data, sizeof(data), "%x\r\n", 65536);
    memset(data + hl, 'z', 65536);
    memcpy(data + hl + 65536, "\r\n", 2);
    for (i = 0; i < 320; i++) {
      raw_send(&s.mgr, fd, data, (size_t) hl + 65536 + 2);
    }
  }
  snprintf(chunk, sizeof(chunk), "0\r\n\r\n");
  raw_send(&s.mgr, fd, chunk, 5);
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 10);
  assert_non_null(strstr(buf, "POST /stream? body=0"));
  assert_int_equal(s.chunk_bytes, 320 * 65536);
  close(fd);
  mg_mgr_free(&s.mgr);
}

static void test_http_malformed_requests_get_error_and_close(void **state) {
  static const struct {
    const char *req;
    const char *status;
  } cases[] = {
      {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
       "Transfer-Encoding: chunked\r\n\r\n",
       "400"},
      {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
       "\r\n",
       "400"},
      {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", "400"},
      {"GET / HTTP/1.1\r\n\r\n", "400"},
      {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", "505"},
      {"GET / HTTP/1.32\r\nHost: h\r\n\r\n", "400"},
      {"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", "400"},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: blegh\r\n\r\n", "501"},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
       "zz\r\n",
       "400"},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n",
       "413"},
  };
  struct srv s;
  char buf[2048], want[32];
  size_t i;
  int closed;
  (void) state;
  srv_start(&s);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    exchange(&s, cases[i].req, buf, sizeof(buf), 0, &closed);
    snprintf(want, sizeof(want), "HTTP/1.1 %s ", cases[i].status);
    if (strncmp(buf, want, strlen(want)) != 0) {
      fail_msg("case %d: want %s, got %.40s", (int) i, want, buf);
    }
    assert_int_equal(closed, 1);
  }
  assert_int_equal(s.requests, 0);
  mg_mgr_free(&s.mgr);
}

// A first byte that cannot start a request is answered at once, without
// waiting for a line end (a TLS ClientHello on the plain port, say).
static void test_http_non_token_first_byte_gets_400_at_once(void **state) {
  // The first byte, or a later one that no request line can hold: no
  // newline is needed to tell (the wait is 5 s, the header timeout 30 s).
  static const char *const reqs[] = {
      "\x16\x03\x01\x02", " GET / HTTP/1.1", "\x01GET /", "\r\n\x7f",
      "GET\x01garbage",   "GET /\x7f\x01",  "GET / HTTQ",  "POST /x HTTP/1.1\x01"};
  struct srv s;
  char buf[1024];
  size_t i;
  int closed;
  (void) state;
  srv_start(&s);
  for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
    exchange(&s, reqs[i], buf, sizeof(buf), 0, &closed);
    if (strncmp(buf, "HTTP/1.1 400 ", 13) != 0) {
      fail_msg("case %d: got %.40s", (int) i, buf);
    }
    assert_int_equal(closed, 1);
  }
  assert_int_equal(s.requests, 0);
  mg_mgr_free(&s.mgr);
}

// A chunked reply whose chunks come from later events is sent whole,
// even when the request says Connection: close, and a pipelined request
// waits for its last chunk.
static void test_http_chunked_reply_over_several_events(void **state) {
  struct srv s;
  char buf[2048];
  const char *b, *second;
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s,
           "GET /slowchunks HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
           buf, sizeof(buf), 0, &closed);
  assert_int_equal(closed, 1);
  b = strstr(buf, "\r\n\r\n");
  assert_non_null(b);
  assert_string_equal(b + 4, "4\r\none,\r\n4\r\ntwo,\r\n5\r\nthree\r\n0\r\n\r\n");
  exchange(&s,
           "GET /slowchunks HTTP/1.1\r\nHost: h\r\n\r\n"
           "GET /next HTTP/1.1\r\nHost: h\r\n\r\n",
           buf, sizeof(buf), 2, &closed);
  second = strstr(buf, "5\r\nthree\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n");
  if (second == NULL) fail_msg("responses interleaved:\n%s", buf);
  assert_non_null(strstr(second, "GET /next?"));
  // A chunked head for HEAD, without a last chunk: the next request is
  // still served.
  exchange(&s,
           "HEAD /headchunked HTTP/1.1\r\nHost: h\r\n\r\n"
           "GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
           buf, sizeof(buf), 0, &closed);
  assert_non_null(strstr(buf, "\r\n\r\nHTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "GET /after?"));
  mg_mgr_free(&s.mgr);
}

// Counts the header lines called name in the head of resp.
static int count_header(const char *resp, const char *name) {
  const char *end = strstr(resp, "\r\n\r\n"), *p = resp;
  size_t n = strlen(name);
  int count = 0;
  while (end != NULL && (p = strstr(p, "\r\n")) != NULL && p < end) {
    p += 2;
    if (strncasecmp(p, name, n) == 0 && p[n] == ':') count++;
  }
  return count;
}

// Checks that resp has one Date, an IMF-fixdate within 2 s of now.
static void assert_date_now(const char *resp) {
  const char *d = strstr(resp, "\r\nDate: ");
  struct tm tm;
  char *end;
  time_t t;
  if (d == NULL || count_header(resp, "Date") != 1) {
    fail_msg("want one Date in:\n%.300s", resp);
  }
  memset(&tm, 0, sizeof(tm));
  end = strptime(d + 8, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  assert_non_null(end);
  assert_memory_equal(end, "\r\n", 2);
  assert_int_equal(end - (d + 8), 29);  // IMF-fixdate is 29 characters
  t = timegm(&tm);
  assert_true(t >= time(NULL) - 2 && t <= time(NULL) + 2);
}

// RFC 9110 6.6.1: every response of the server has Date (IMF-fixdate),
// errors too; a handler's own Date is not doubled.
static void test_http_date_header(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_date_now(buf);
  exchange(&s, "GET /error HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_memory_equal(buf, "HTTP/1.1 404 ", 13);
  assert_date_now(buf);
  exchange(&s, "GET / HTTP/1.1\r\n\r\n", buf, sizeof(buf), 0, &closed);
  assert_memory_equal(buf, "HTTP/1.1 400 ", 13);
  assert_date_now(buf);
  exchange(&s, "GET /owndate HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_int_equal(count_header(buf, "Date"), 1);
  assert_non_null(strstr(buf, "\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"));
  mg_mgr_free(&s.mgr);
}

// RFC 9110 2.5: HTTP/1.2 is served as HTTP/1.1 (505 stays for HTTP/2 and
// HTTP/0.9); RFC 9112 3.2: a Host that is not host[:port] gets 400; RFC
// 9112 3: an 8000-octet request line is served.
static void test_http_versions_hosts_and_long_lines(void **state) {
  static const char *bad_hosts[] = {"a b", "a/b", "[::1", "x:y"};
  static char req[9000];
  char buf[9500];
  size_t i;
  int closed, n;
  (void) state;
  {
    struct srv s;
    srv_start(&s);
    exchange(&s,
             "GET /v HTTP/1.2\r\nHost: h\r\n\r\nGET /w HTTP/1.1\r\nHost: h\r\n\r\n",
             buf, sizeof(buf), 2, &closed);
    assert_memory_equal(buf, "HTTP/1.1 200 ", 13);
    assert_non_null(strstr(buf, "GET /v?"));
    assert_non_null(strstr(buf, "GET /w?"));  // Kept alive, as 1.1
    exchange(&s, "GET / HTTP/2.0\r\nHost: h\r\n\r\n", buf, sizeof(buf), 0,
             &closed);
    assert_memory_equal(buf, "HTTP/1.1 505 ", 13);
    for (i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
      snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
               bad_hosts[i]);
      exchange(&s, req, buf, sizeof(buf), 0, &closed);
      if (strncmp(buf, "HTTP/1.1 400 ", 13) != 0 || !closed) {
        fail_msg("Host: %s: got %.40s", bad_hosts[i], buf);
      }
    }
    n = snprintf(req, sizeof(req), "GET /");
    memset(req + n, 'b', 8000 - 9 - (size_t) n);
    snprintf(req + 8000 - 9, 64, " HTTP/1.1\r\nHost: h:80\r\n\r\n");
    assert_memory_equal(req + 7990, "b HTTP/1.1\r\n", 12);
    exchange(&s, req, buf, sizeof(buf), 1, &closed);
    assert_memory_equal(buf, "HTTP/1.1 200 ", 13);
    assert_non_null(strstr(buf, "\r\n\r\nGET /bbbb"));
    assert_int_equal(s.requests, 2 + 1);
    mg_mgr_free(&s.mgr);
  }
}

static void test_http_oversized_head_gets_431_and_long_line_414(void **state) {
  struct srv s;
  static char req[MG_MAX_HTTP_REQUEST_SIZE + 512];
  char buf[2048];
  int closed, n;
  (void) state;
  srv_start(&s);
  n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\nX: ");
  memset(req + n, 'a', sizeof(req) - (size_t) n - 5);
  memcpy(req + sizeof(req) - 5, "\r\n\r\n", 5);
  exchange(&s, req, buf, sizeof(buf), 0, &closed);
  assert_memory_equal(buf, "HTTP/1.1 431 ", 13);
  assert_int_equal(closed, 1);
  n = snprintf(req, sizeof(req), "GET /");
  memset(req + n, 'a', MG_MAX_HTTP_REQUEST_LINE + 10);
  snprintf(req + n + MG_MAX_HTTP_REQUEST_LINE + 10, 40,
           " HTTP/1.1\r\nHost: h\r\n\r\n");
  exchange(&s, req, buf, sizeof(buf), 0, &closed);
  assert_memory_equal(buf, "HTTP/1.1 414 ", 13);
  assert_int_equal(closed, 1);
  mg_mgr_free(&s.mgr);
}

static void test_http_one_byte_at_a_time(void **state) {
  struct srv s;
  const char *req =
      "\r\nPOST /slow?q=2 HTTP/1.1\r\nHost: h\r\n"
      "Content-Length: 4\r\n\r\nbody";
  char buf[2048];
  size_t i;
  int fd, closed;
  (void) state;
  srv_start(&s);
  fd = raw_connect(s.port);
  for (i = 0; req[i] != '\0'; i++) {
    raw_send(&s.mgr, fd, req + i, 1);
    mg_mgr_poll(&s.mgr, 1);
  }
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "POST /slow?q=2 body=4"));
  assert_int_equal(s.requests, 1);
  close(fd);
  mg_mgr_free(&s.mgr);
}

static void test_http_half_close_still_gets_response(void **state) {
  struct srv s;
  char buf[2048];
  int fd, closed;
  (void) state;
  srv_start(&s);
  fd = raw_connect(s.port);
  // Answered later, after the client has shut down its side.
  raw_sends(&s.mgr, fd, "GET /later HTTP/1.1\r\nHost: h\r\n\r\n");
  shutdown(fd, SHUT_WR);
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 0, &closed, 5);
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "\r\n\r\nlater"));
  assert_int_equal(closed, 1);
  close(fd);
  mg_mgr_free(&s.mgr);
}

static void test_http_redirect_never_sends_crlf_from_input(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "GET /redirect HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_memory_equal(buf, "HTTP/1.1 500 ", 13);
  assert_null(strstr(buf, "Set-Cookie"));
  mg_mgr_free(&s.mgr);
}

static void test_http_204_has_no_content_length(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "GET /nocontent HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf),
           1, &closed);
  assert_memory_equal(buf, "HTTP/1.1 204 No Content\r\n", 25);
  assert_null(strstr(buf, "Content-Length"));
  assert_null(strstr(buf, "Transfer-Encoding"));
  mg_mgr_free(&s.mgr);
}

static void test_http_head_error_has_no_body(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "HEAD /error HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 0,
           &closed);
  // Content-Length says 9 ("Not Found") but no body bytes follow.
  assert_non_null(strstr(buf, "Content-Length: 9\r\n"));
  assert_int_equal(strlen(strstr(buf, "\r\n\r\n")), 4);
  mg_mgr_free(&s.mgr);
}

static void test_http_head_strips_handler_body(void **state) {
  struct srv s;
  char buf[2048];
  int closed, fd;
  (void) state;
  srv_start(&s);
  fd = raw_connect(s.port);
  // The handler writes a body for HEAD too; it must not reach the wire, or
  // the next pipelined response would be misread.
  raw_sends(&s.mgr, fd,
            "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"
            "GET /g HTTP/1.1\r\nHost: h\r\n\r\n");
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 0, &closed, 0.5);
  assert_non_null(strstr(buf, "Content-Length: 15\r\n\r\nHTTP/1.1 200 OK"));
  assert_non_null(strstr(buf, "\r\n\r\nGET /g? body=0"));
  assert_null(strstr(buf, "HEAD /h?"));
  close(fd);
  mg_mgr_free(&s.mgr);
}

static void test_http_html_escape_chunk(void **state) {
  struct srv s;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  exchange(&s, "GET /escape HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_non_null(strstr(buf, "Transfer-Encoding: chunked\r\n"));
  assert_non_null(strstr(
      buf,
      "\r\n\r\n30\r\n&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;\r\n"
      "0\r\n\r\n"));
  mg_mgr_free(&s.mgr);
}

// ---- Endpoints -------------------------------------------------------------

static void ep_api(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    (void) ev_data;
    mg_send_head(nc, 200, 3, NULL);
    mg_printf(nc, "%s", (const char *) nc->user_data);
  }
}

static void test_http_endpoint_longest_prefix_wins(void **state) {
  struct srv s;
  struct mg_http_endpoint_opts opts;
  char buf[2048];
  int closed;
  (void) state;
  srv_start(&s);
  memset(&opts, 0, sizeof(opts));
  opts.user_data = (void *) "api";
  mg_register_http_endpoint_opt(s.lc, "/api", ep_api, opts);
  opts.user_data = (void *) "v2!";
  mg_register_http_endpoint_opt(s.lc, "/api/v2", ep_api, opts);
  exchange(&s, "GET /api/v1/x HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_non_null(strstr(buf, "\r\n\r\napi"));
  exchange(&s, "GET /api/v2/x HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_non_null(strstr(buf, "\r\n\r\nv2!"));
  exchange(&s, "GET /other HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_non_null(strstr(buf, "GET /other?"));  // The default handler
  mg_mgr_free(&s.mgr);
}

static int s_secure_calls;

static void ep_secure(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev_data;
  if (ev >= MG_EV_HTTP_REQUEST) s_secure_calls++;
}

static void test_http_protected_endpoint_checks_auth_before_body(void **s0) {
  struct srv s;
  struct mg_http_endpoint_opts opts;
  char path[] = "/tmp/mg_htdigest_XXXXXX", buf[2048];
  const char *reqs[2] = {
      "POST /secure/up HTTP/1.1\r\nHost: h\r\nContent-Length: 60\r\n"
      "Content-Type: multipart/form-data; boundary=xyz\r\n\r\n"
      "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
      "--xyz--\r\n",
      "POST /secure/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"};
  int fd, closed, i;
  FILE *fp;
  (void) s0;
  fd = mkstemp(path);
  assert_true(fd >= 0);
  fp = fdopen(fd, "w");
  // user:realm:md5("user:realm:pass")
  fprintf(fp, "user:realm:%s\n", "0a6c4b9df2b4d1f4c8e10a4c1f2c3d4e");
  fclose(fp);
  srv_start(&s);
  memset(&opts, 0, sizeof(opts));
  opts.auth_domain = "realm";
  opts.auth_file = path;
  mg_register_http_endpoint_opt(s.lc, "/secure", ep_secure, opts);
  s_secure_calls = 0;
  for (i = 0; i < 2; i++) {
    exchange(&s, reqs[i], buf, sizeof(buf), 0, &closed);
    assert_memory_equal(buf, "HTTP/1.1 401 ", 13);
    assert_non_null(strstr(buf, "WWW-Authenticate: Digest "));
    assert_int_equal(closed, 1);
  }
  // Neither the multipart events nor the request reached the handler.
  assert_int_equal(s_secure_calls, 0);
  unlink(path);
  mg_mgr_free(&s.mgr);
}

// ---- Slow clients ----------------------------------------------------------

static void test_http_slow_clients_do_not_delay_others(void **state) {
  struct srv s;
  char buf[2048];
  int slow[100], i, closed;
  double t0;
  (void) state;
  srv_start(&s);
  // 100 clients that send half a request and stop.
  for (i = 0; i < 100; i++) {
    slow[i] = raw_connect(s.port);
    raw_sends(&s.mgr, slow[i], "GET /slow HTTP/1.1\r\nHo");
  }
  t0 = mg_time();
  exchange(&s, "GET /normal HTTP/1.1\r\nHost: h\r\n\r\n", buf, sizeof(buf), 1,
           &closed);
  assert_non_null(strstr(buf, "GET /normal?"));
  assert_true(mg_time() - t0 < 2);  // Generous: it is not queued behind them
  for (i = 0; i < 100; i++) close(slow[i]);
  mg_mgr_free(&s.mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_http_get_answered),
      cmocka_unit_test(test_http_keep_alive_two_requests_one_connection),
      cmocka_unit_test(test_http_pipelined_requests_answered_in_order),
      cmocka_unit_test(test_http_connection_close_closes_and_ignores_rest),
      cmocka_unit_test(test_http_handler_connection_header_not_doubled),
      cmocka_unit_test(test_http_10_closes_unless_keep_alive),
      cmocka_unit_test(test_http_content_length_body_buffered),
      cmocka_unit_test(test_http_expect_100_continue),
      cmocka_unit_test(test_http_expect_100_continue_too_large_gets_413),
      cmocka_unit_test(test_http_chunked_body_dechunked_with_chunk_events),
      cmocka_unit_test(test_http_delete_chunk_streams_large_body),
      cmocka_unit_test(test_http_malformed_requests_get_error_and_close),
      cmocka_unit_test(test_http_non_token_first_byte_gets_400_at_once),
      cmocka_unit_test(test_http_oversized_head_gets_431_and_long_line_414),
      cmocka_unit_test(test_http_date_header),
      cmocka_unit_test(test_http_chunked_reply_over_several_events),
      cmocka_unit_test(test_http_versions_hosts_and_long_lines),
      cmocka_unit_test(test_http_one_byte_at_a_time),
      cmocka_unit_test(test_http_half_close_still_gets_response),
      cmocka_unit_test(test_http_redirect_never_sends_crlf_from_input),
      cmocka_unit_test(test_http_204_has_no_content_length),
      cmocka_unit_test(test_http_head_error_has_no_body),
      cmocka_unit_test(test_http_head_strips_handler_body),
      cmocka_unit_test(test_http_html_escape_chunk),
      cmocka_unit_test(test_http_endpoint_longest_prefix_wins),
      cmocka_unit_test(test_http_protected_endpoint_checks_auth_before_body),
      cmocka_unit_test(test_http_slow_clients_do_not_delay_others),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
