// Tests for multipart/form-data: streaming uploads (MG_EV_HTTP_PART_*
// events) over real sockets, and mg_file_upload_handler(). The buffered
// parser mg_parse_multipart() is tested in test/unit/test_multipart.c.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/stat.h>

#define BOUNDARY "XyZ"
#define CT "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
#define CD(name) "Content-Disposition: form-data; name=\"" name "\"\r\n"
#define CDF(name, file)                          \
  "Content-Disposition: form-data; name=\"" name \
  "\"; "                                         \
  "filename=\"" file "\"\r\n"

// What the handler saw.
struct rec {
  struct mbuf log;       // "REQ /u;B(var,file);E(0):data|R(0)"
  struct mbuf part;      // Data of the current part
  int requests;          // MG_EV_HTTP_REQUEST (buffered requests)
  int ended;             // MG_EV_HTTP_MULTIPART_REQUEST_END seen
  int end_status;        // Its status
  int user_data_ok;      // user_data came back in every event of a part
  int quiet;             // Count data instead of logging it
  size_t data_bytes;     // PART_DATA bytes seen
  size_t data_events;    // PART_DATA events
  size_t data_errors;    // Bytes that were not the expected pattern
  size_t max_recv_mbuf;  // Largest nc->recv_mbuf.len seen in PART_DATA
  int take_half;         // Consume only half of each PART_DATA
};

static struct rec s_rec;
static char s_dir[64];  // A temporary directory for mg_file_upload_handler

static void rec_printf(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  mbuf_append(&s_rec.log, buf, (size_t) n);
}

// The byte at offset i of a large test upload.
static char pattern(size_t i) {
  return (char) ('a' + (i * 7 + i / 1000) % 26);
}

static void on_part(struct mg_connection *nc, int ev,
                    struct mg_http_multipart_part *mp) {
  if (ev == MG_EV_HTTP_PART_BEGIN) {
    rec_printf("B(%s,%s);", mp->var_name, mp->file_name);
    s_rec.part.len = 0;
    mp->user_data = &s_rec;
  } else if (ev == MG_EV_HTTP_PART_DATA) {
    size_t i, n = mp->data.len;
    if (s_rec.take_half && n > 1) n = n / 2;
    if (nc->recv_mbuf.len > s_rec.max_recv_mbuf) {
      s_rec.max_recv_mbuf = nc->recv_mbuf.len;
    }
    for (i = 0; s_rec.quiet && i < n; i++) {
      if (mp->data.p[i] != pattern(s_rec.data_bytes + i)) s_rec.data_errors++;
    }
    if (!s_rec.quiet) mbuf_append(&s_rec.part, mp->data.p, n);
    s_rec.data_bytes += n;
    s_rec.data_events++;
    mp->num_data_consumed = n;
    if (mp->user_data != &s_rec) s_rec.user_data_ok = 0;
  } else if (ev == MG_EV_HTTP_PART_END) {
    rec_printf("E(%d):%.*s|", mp->status, (int) s_rec.part.len,
               s_rec.part.buf == NULL ? "" : s_rec.part.buf);
    if (mp->user_data != &s_rec) s_rec.user_data_ok = 0;
    mp->user_data = NULL;
  }
}

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  char buf[64];
  int n;
  if (ev == MG_EV_HTTP_REQUEST) {
    s_rec.requests++;
    n = snprintf(buf, sizeof(buf), "%.*s %.*s body=%d", (int) hm->method.len,
                 hm->method.p, (int) hm->uri.len, hm->uri.p,
                 (int) hm->body.len);
    mg_send_head(nc, 200, n, "Content-Type: text/plain");
    mg_send(nc, buf, n);
  } else if (ev == MG_EV_HTTP_MULTIPART_REQUEST) {
    rec_printf("REQ %.*s body=%d;", (int) hm->uri.len, hm->uri.p,
               (int) hm->body.len);
  } else if (ev >= MG_EV_HTTP_PART_BEGIN && ev <= MG_EV_HTTP_PART_END) {
    on_part(nc, ev, mp);
  } else if (ev == MG_EV_HTTP_MULTIPART_REQUEST_END) {
    rec_printf("R(%d)", mp->status);
    s_rec.ended = 1;
    s_rec.end_status = mp->status;
    n = snprintf(buf, sizeof(buf), "upload %d", mp->status);
    mg_send_head(nc, 200, n, "Content-Type: text/plain");
    mg_send(nc, buf, n);
  }
}

struct srv {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
};

static void srv_start(struct srv *s, mg_event_handler_t h) {
  mbuf_free(&s_rec.log);
  mbuf_free(&s_rec.part);
  memset(&s_rec, 0, sizeof(s_rec));
  s_rec.user_data_ok = 1;
  mg_mgr_init(&s->mgr, NULL);
  s->lc = mg_bind(&s->mgr, "127.0.0.1:0", h);
  assert_non_null(s->lc);
  mg_set_protocol_http_websocket(s->lc);
  s->port = conn_port(s->lc);
}

static void srv_stop(struct srv *s) {
  mg_mgr_free(&s->mgr);
  mbuf_free(&s_rec.part);
}

// The event log, NUL-terminated (valid until the next event).
static const char *rec_log(void) {
  mbuf_append(&s_rec.log, "", 1);
  s_rec.log.len--;
  return s_rec.log.buf;
}

// Sends a multipart POST to /u announcing a body of declared bytes, and
// the first body_len of them.
static void send_upload(struct srv *s, int fd, const char *body,
                        size_t body_len, size_t declared) {
  char head[512];
  int n = snprintf(head, sizeof(head),
                   "POST /u HTTP/1.1\r\nHost: x\r\n" CT
                   "Content-Length: %lu\r\n\r\n",
                   (unsigned long) declared);
  raw_send(&s->mgr, fd, head, (size_t) n);
  raw_send(&s->mgr, fd, body, body_len);
}

// Uploads body on a new connection and returns the response in buf.
static int upload(struct srv *s, const char *body, char *buf, size_t cap) {
  int fd = raw_connect(s->port), closed;
  send_upload(s, fd, body, strlen(body), strlen(body));
  raw_recv(&s->mgr, fd, buf, cap, 1, &closed, 5);
  close(fd);
  return closed;
}

// ---- Streaming ---------------------------------------------------------

static void test_stream_one_part(void **state) {
  struct srv s;
  char buf[1024];
  (void) state;
  srv_start(&s, handler);
  upload(&s, "--" BOUNDARY "\r\n" CD("a") "\r\nhello\r\n--" BOUNDARY "--\r\n",
         buf, sizeof(buf));
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "\r\n\r\nupload 0"));
  assert_string_equal(rec_log(), "REQ /u body=0;B(a,);E(0):hello|R(0)");
  assert_true(s_rec.user_data_ok);
  assert_int_equal(s_rec.requests, 0);
  srv_stop(&s);
}

static void test_stream_two_parts_and_a_file(void **state) {
  struct srv s;
  char buf[1024];
  (void) state;
  srv_start(&s, handler);
  upload(&s,
         "--" BOUNDARY "\r\n" CD("a") "\r\n1\r\n"
         "--" BOUNDARY "\r\n" CD("b") "\r\n\r\n"
         "--" BOUNDARY "\r\n" CDF("c", "x.bin")
         "Content-Type: application/octet-stream\r\n\r\nbin\x01\xff\r\n\r\n"
         "--" BOUNDARY "--\r\n",
         buf, sizeof(buf));
  assert_string_equal(rec_log(),
                      "REQ /u body=0;B(a,);E(0):1|B(b,);E(0):|B(c,x.bin);"
                      "E(0):bin\x01\xff\r\n|R(0)");
  srv_stop(&s);
}

// A preamble, data that looks like a delimiter but is not one, transport
// padding after a delimiter, a part without headers, an epilogue.
static const char s_tricky[] =
    "preamble\r\n--" BOUNDARY "\r\n" CDF("f", "t.txt")
    "\r\n\r\n--XyQ\r\n--Xy\r\n-\r\r\n--\r\n"
    "--" BOUNDARY "  \r\n\r\nno headers\r\n--" BOUNDARY "--\r\nepilogue";

static const char s_tricky_log[] =
    "REQ /u body=0;B(f,t.txt);E(0):\r\n--XyQ\r\n--Xy\r\n-\r\r\n--|"
    "B(,);E(0):no headers|R(0)";

static void test_stream_delimiter_followed_by_junk_is_malformed(void **state) {
  struct srv s;
  char buf[1024];
  (void) state;
  srv_start(&s, handler);
  // CRLF "--XyZ" ends the part wherever it is; "X" cannot follow it.
  upload(&s,
         "--" BOUNDARY "\r\n" CD("a") "\r\ndata\r\n--" BOUNDARY
                                      "X\r\n"
                                      "--" BOUNDARY "--\r\n",
         buf, sizeof(buf));
  assert_string_equal(rec_log(), "REQ /u body=0;B(a,);E(0):data|R(-1)");
  srv_stop(&s);
}

static void test_stream_boundary_like_data_preamble_epilogue(void **state) {
  struct srv s;
  char buf[1024];
  (void) state;
  srv_start(&s, handler);
  upload(&s, s_tricky, buf, sizeof(buf));
  assert_string_equal(rec_log(), s_tricky_log);
  assert_non_null(strstr(buf, "upload 0"));
  srv_stop(&s);
}

static void test_stream_one_byte_at_a_time(void **state) {
  const char *body = s_tricky;
  struct srv s;
  char head[256], buf[1024];
  int fd, closed, i, n;
  (void) state;
  srv_start(&s, handler);
  fd = raw_connect(s.port);
  n = snprintf(head, sizeof(head),
               "POST /u HTTP/1.1\r\nHost: x\r\n" CT
               "Content-Length: %d\r\n\r\n",
               (int) sizeof(s_tricky) - 1);
  raw_send(&s.mgr, fd, head, (size_t) n);
  for (i = 0; i < (int) sizeof(s_tricky) - 1; i++) {
    raw_send(&s.mgr, fd, body + i, 1);
    mg_mgr_poll(&s.mgr, 1);
    mg_mgr_poll(&s.mgr, 1);
  }
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  close(fd);
  assert_string_equal(rec_log(), s_tricky_log);
  // Data is passed on as soon as it cannot be part of a delimiter.
  assert_true(s_rec.data_events > 10);
  srv_stop(&s);
}

// Uploads body one byte per poll on a new connection, until the upload
// ends (a malformed one ends early, and the server then closes).
static void upload_bytewise(struct srv *s, const char *body) {
  char buf[1024];
  size_t i, len = strlen(body);
  int fd = raw_connect(s->port), closed;
  send_upload(s, fd, "", 0, len);
  for (i = 0; i < len && !s_rec.ended; i++) {
    raw_send(&s->mgr, fd, body + i, 1);
    mg_mgr_poll(&s->mgr, 1);
    mg_mgr_poll(&s->mgr, 1);
  }
  raw_recv(&s->mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  close(fd);
}

// As in 6.x, bare LF line endings work, whole or one byte at a time. A CR
// just before the LF of a delimiter belongs to the delimiter.
static const char s_lf_body[] =
    "--" BOUNDARY
    "\nContent-Disposition: form-data; name=\"a\"\n\n"
    "hello\nworld\n--XyQ\n--" BOUNDARY
    " \n"
    "Content-Disposition: form-data; name=\"f\"; filename=\"t\"\n"
    "Content-Type: text/plain\n\nab\r\r\n--" BOUNDARY "--\n";
static const char s_lf_log[] =
    "REQ /u body=0;B(a,);E(0):hello\nworld\n--XyQ|B(f,t);E(0):ab\r|R(0)";

static void test_stream_lf_line_endings(void **state) {
  struct srv s;
  char buf[1024];
  (void) state;
  srv_start(&s, handler);
  upload(&s, s_lf_body, buf, sizeof(buf));
  assert_string_equal(rec_log(), s_lf_log);
  assert_non_null(strstr(buf, "upload 0"));
  srv_stop(&s);
  srv_start(&s, handler);
  upload_bytewise(&s, s_lf_body);
  assert_string_equal(rec_log(), s_lf_log);
  srv_stop(&s);
}

// Headers that run into the next delimiter line (no empty line after them)
// make the upload malformed: the next part's name and data are never
// reported for this one.
static void test_stream_headers_without_blank_line_rejected(void **state) {
  static const char *const bodies[] = {
      "--" BOUNDARY "\r\n" CD("a") "AAA\r\n--" BOUNDARY
                                   "\r\n" CD("b") "\r\nBBB\r\n--" BOUNDARY
                                                  "--\r\n",
      "--" BOUNDARY "\n" CD("a") "--" BOUNDARY "\n" CD("b") "\nBBB\n--" BOUNDARY
                                                            "--\n",
      "--" BOUNDARY "\r\n" CD("a") "--" BOUNDARY "--\r\n"};
  struct srv s;
  char buf[1024];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    srv_start(&s, handler);
    upload(&s, bodies[i], buf, sizeof(buf));
    assert_string_equal(rec_log(), "REQ /u body=0;R(-1)");
    assert_non_null(strstr(buf, "upload -1"));
    srv_stop(&s);
    srv_start(&s, handler);
    upload_bytewise(&s, bodies[i]);
    assert_string_equal(rec_log(), "REQ /u body=0;R(-1)");
    srv_stop(&s);
  }
}

static void test_stream_large_part_keeps_memory_bounded(void **state) {
  const size_t total = 5 * 1024 * 1024, piece = 64 * 1024;
  struct srv s;
  char head[256], buf[1024], *data = (char *) malloc(piece);
  static const char start[] = "--" BOUNDARY "\r\n" CDF("big", "big.bin") "\r\n";
  static const char end[] = "\r\n--" BOUNDARY "--\r\n";
  size_t off, i;
  int fd, closed, n;
  (void) state;
  assert_non_null(data);
  srv_start(&s, handler);
  s_rec.quiet = 1;
  fd = raw_connect(s.port);
  n = snprintf(head, sizeof(head),
               "POST /u HTTP/1.1\r\nHost: x\r\n" CT
               "Content-Length: %lu\r\n\r\n",
               (unsigned long) (sizeof(start) - 1 + total + sizeof(end) - 1));
  raw_send(&s.mgr, fd, head, (size_t) n);
  raw_send(&s.mgr, fd, start, sizeof(start) - 1);
  for (off = 0; off < total; off += piece) {
    for (i = 0; i < piece; i++) data[i] = pattern(off + i);
    raw_send(&s.mgr, fd, data, piece);
  }
  raw_send(&s.mgr, fd, end, sizeof(end) - 1);
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 10);
  close(fd);
  assert_string_equal(rec_log(), "REQ /u body=0;B(big,big.bin);E(0):|R(0)");
  assert_int_equal(s_rec.data_bytes, total);
  assert_int_equal(s_rec.data_errors, 0);
  assert_true(s_rec.max_recv_mbuf <= 64 * 1024);
  free(data);
  srv_stop(&s);
}

static void test_stream_handler_may_take_less_data(void **state) {
  struct srv s;
  char buf[1024];
  (void) state;
  srv_start(&s, handler);
  s_rec.take_half = 1;
  upload(&s, "--" BOUNDARY "\r\n" CD("a") "\r\n0123456789\r\n--" BOUNDARY "--",
         buf, sizeof(buf));
  assert_string_equal(rec_log(), "REQ /u body=0;B(a,);E(0):0123456789|R(0)");
  assert_true(s_rec.data_events >= 4);
  srv_stop(&s);
}

static void test_stream_cut_short_by_close(void **state) {
  static const char body[] = "--" BOUNDARY "\r\n" CD("a") "\r\npartial data";
  struct srv s;
  int fd;
  double deadline;
  (void) state;
  srv_start(&s, handler);
  fd = raw_connect(s.port);
  send_upload(&s, fd, body, sizeof(body) - 1, sizeof(body) - 1 + 100);
  deadline = mg_time() + 2;
  while (s_rec.data_bytes < 12 && mg_time() < deadline) {
    mg_mgr_poll(&s.mgr, 1);
  }
  close(fd);
  poll_flag(&s.mgr, &s_rec.ended, 5);
  assert_string_equal(rec_log(),
                      "REQ /u body=0;B(a,);E(-1):partial data|R(-1)");
  srv_stop(&s);
}

static void test_stream_malformed_bodies(void **state) {
  static const char *const bodies[][2] = {
      // The body ends (Content-Length) before the close delimiter.
      {"--" BOUNDARY "\r\n" CD("a") "\r\nabc", "B(a,);E(-1):abc|R(-1)"},
      {"--" BOUNDARY "\r\n" CD("a") "\r\nabc\r\n--" BOUNDARY,
       "B(a,);E(0):abc|R(-1)"},
      {"--" BOUNDARY "\r\n" CD("a") "\r\nabc\r\n--XyZ-",
       "B(a,);E(0):abc|R(-1)"},
      {"--" BOUNDARY "\r\n" CD("a") "\r\nabc\r\n--X", "B(a,);E(-1):abc|R(-1)"},
      {"--" BOUNDARY "\r\n" CD("a"), "R(-1)"},
      {"no boundary at all", "R(-1)"},
      // After a delimiter comes CRLF or "--", nothing else.
      {"--" BOUNDARY "X\r\n" CD("a") "\r\n\r\n--" BOUNDARY "--", "R(-1)"},
      {"--" BOUNDARY "\r\n" CD("a") "\r\nabc\r\n--" BOUNDARY "-x",
       "B(a,);E(0):abc|R(-1)"},
  };
  struct srv s;
  char buf[1024], want[256];
  size_t i;
  int closed;
  (void) state;
  for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    srv_start(&s, handler);
    closed = upload(&s, bodies[i][0], buf, sizeof(buf));
    snprintf(want, sizeof(want), "REQ /u body=0;%s", bodies[i][1]);
    assert_string_equal(rec_log(), want);
    assert_non_null(strstr(buf, "upload -1"));
    // The rest of a broken upload is not read as a request: the server
    // closes after its answer.
    assert_non_null(strstr(buf, "Connection: close"));
    (void) closed;
    srv_stop(&s);
  }
}

static void test_stream_headers_too_long(void **state) {
  struct srv s;
  char buf[1024];
  size_t len = MG_MAX_HTTP_REQUEST_SIZE + 100;
  char *body = (char *) malloc(len + 200);
  (void) state;
  assert_non_null(body);
  strcpy(body, "--" BOUNDARY "\r\nX-Long: ");
  memset(body + strlen(body), 'x', len);
  strcpy(body + 14 + len, "\r\n\r\ndata\r\n--" BOUNDARY "--");
  srv_start(&s, handler);
  upload(&s, body, buf, sizeof(buf));
  assert_string_equal(rec_log(), "REQ /u body=0;R(-1)");
  free(body);
  srv_stop(&s);
}

static void test_pipelined_get_after_upload(void **state) {
  static const char body[] =
      "--" BOUNDARY "\r\n" CD("a") "\r\nhi\r\n--" BOUNDARY "--";
  struct srv s;
  char buf[2048], req[1024];
  const char *second;
  int fd, closed, n;
  (void) state;
  srv_start(&s, handler);
  fd = raw_connect(s.port);
  // Upload and GET in one write: the body ends exactly at Content-Length.
  n = snprintf(req, sizeof(req),
               "POST /u HTTP/1.1\r\nHost: x\r\n" CT
               "Content-Length: %d\r\n\r\n%sGET /next HTTP/1.1\r\n"
               "Host: x\r\n\r\n",
               (int) sizeof(body) - 1, body);
  raw_send(&s.mgr, fd, req, (size_t) n);
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 2, &closed, 5);
  close(fd);
  assert_string_equal(rec_log(), "REQ /u body=0;B(a,);E(0):hi|R(0)");
  second = strstr(buf, "upload 0");
  assert_non_null(second);
  assert_non_null(strstr(second, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(second, "GET /next body=0"));
  assert_int_equal(s_rec.requests, 1);
  srv_stop(&s);
}

// MG_MAX_HTTP_UPLOAD_SIZE bounds a streamed upload: one byte more is
// refused from the head alone (413, close, no event), the limit itself is
// taken (100 Continue: the client may send it).
static void test_stream_total_size_limited(void **state) {
  struct srv s;
  char head[512], buf[1024];
  int fd, closed, n;
  (void) state;
  srv_start(&s, handler);
  fd = raw_connect(s.port);
  send_upload(&s, fd, "--b\r\n", 5,
              (size_t) MG_MAX_HTTP_UPLOAD_SIZE + 1);
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 0, &closed, 5);
  close(fd);
  assert_memory_equal(buf, "HTTP/1.1 413 ", 13);
  assert_int_equal(closed, 1);
  assert_string_equal(rec_log(), "");
  fd = raw_connect(s.port);
  n = snprintf(head, sizeof(head),
               "POST /u HTTP/1.1\r\nHost: x\r\n" CT
               "Expect: 100-continue\r\nContent-Length: %llu\r\n\r\n",
               (unsigned long long) MG_MAX_HTTP_UPLOAD_SIZE);
  raw_send(&s.mgr, fd, head, (size_t) n);
  raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  close(fd);
  assert_memory_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25);
  srv_stop(&s);
}

static void test_not_streamed_when_not_multipart_or_no_length(void **state) {
  static const char long_boundary[] =
      "POST /u HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
      "boundary=\"0123456789012345678901234567890123456789012345678901234567"
      "89012345678901\"\r\nContent-Length: 4\r\n\r\nbody";
  static const char chunked[] =
      "POST /u HTTP/1.1\r\nHost: x\r\n" CT
      "Transfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n";
  static const char form[] =
      "POST /u HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-datax; "
      "boundary=" BOUNDARY "\r\nContent-Length: 4\r\n\r\nbody";
  const char *reqs[3];
  struct srv s;
  char buf[1024];
  int fd, closed, i;
  (void) state;
  reqs[0] = long_boundary, reqs[1] = chunked, reqs[2] = form;
  for (i = 0; i < 3; i++) {
    srv_start(&s, handler);
    fd = raw_connect(s.port);
    raw_send(&s.mgr, fd, reqs[i], strlen(reqs[i]));
    raw_recv(&s.mgr, fd, buf, sizeof(buf), 1, &closed, 5);
    close(fd);
    assert_non_null(strstr(buf, "POST /u body=4"));
    assert_string_equal(rec_log(), "");
    srv_stop(&s);
  }
}

// ---- mg_file_upload_handler --------------------------------------------

static struct mg_str local_name(struct mg_connection *nc, struct mg_str f) {
  char *path = (char *) malloc(strlen(s_dir) + f.len + 2);
  (void) nc;
  if (mg_vcmp(&f, "refuse.txt") == 0) {
    free(path);
    return mg_mk_str(NULL);
  }
  sprintf(path, "%s/%.*s", s_dir, (int) f.len, f.p);
  return mg_mk_str(path);  // mg_file_upload_handler frees it.
}

static void upload_handler(struct mg_connection *nc, int ev, void *ev_data) {
  mg_file_upload_handler(nc, ev, ev_data, local_name);
}

static int count_files(void) {
  char cmd[128];
  FILE *fp;
  int n = -1;
  snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", s_dir);
  fp = popen(cmd, "r");
  if (fp != NULL && fscanf(fp, "%d", &n) != 1) n = -1;
  if (fp != NULL) pclose(fp);
  return n;
}

static void test_file_upload_handler_saves_files(void **state) {
  struct srv s;
  char buf[1024], path[128], want[256], data[64];
  FILE *fp;
  size_t n;
  (void) state;
  srv_start(&s, upload_handler);
  upload(&s,
         "--" BOUNDARY "\r\n" CD("comment") "\r\nnot a file\r\n"
         "--" BOUNDARY "\r\n" CDF("f", "a.txt") "\r\nhello\r\n"
         "--" BOUNDARY "\r\n" CDF("g", "b.txt") "\r\nsecond\r\nfile\r\n"
         "--" BOUNDARY "--\r\n",
         buf, sizeof(buf));
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  snprintf(want, sizeof(want),
           "\r\n\r\nSaved 5 bytes to %s/a.txt\nSaved 12 bytes to %s/b.txt\n",
           s_dir, s_dir);
  assert_non_null(strstr(buf, want));
  snprintf(path, sizeof(path), "%s/b.txt", s_dir);
  fp = fopen(path, "rb");
  assert_non_null(fp);
  n = fread(data, 1, sizeof(data), fp);
  fclose(fp);
  assert_int_equal(n, 12);
  assert_memory_equal(data, "second\r\nfile", 12);
  assert_int_equal(count_files(), 2);
  srv_stop(&s);
}

static void test_file_upload_handler_refuses_bad_names(void **state) {
  static const char *const names[] = {"../x", "a/b", "..", ".", "a\\\\b", ""};
  struct srv s;
  char buf[1024], body[512];
  size_t i;
  int before = count_files();
  (void) state;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    srv_start(&s, upload_handler);
    snprintf(body, sizeof(body),
             "--" BOUNDARY
             "\r\nContent-Disposition: form-data; name=\"f\"; "
             "filename=\"%s\"\r\n\r\nevil\r\n--" BOUNDARY "--\r\n",
             names[i]);
    upload(&s, body, buf, sizeof(buf));
    // An empty file name is a form field: nothing saved, nothing refused.
    assert_non_null(
        strstr(buf, names[i][0] == '\0' ? "HTTP/1.1 200" : "HTTP/1.1 400"));
    srv_stop(&s);
  }
  srv_start(&s, upload_handler);
  upload(&s,
         "--" BOUNDARY "\r\n" CDF("f", "refuse.txt") "\r\nx\r\n--" BOUNDARY
                                                     "--\r\n",
         buf, sizeof(buf));
  assert_non_null(strstr(buf, "HTTP/1.1 403"));
  srv_stop(&s);
  assert_int_equal(count_files(), before);
}

static void test_file_upload_handler_removes_partial_file(void **state) {
  static const char body[] =
      "--" BOUNDARY "\r\n" CDF("f", "partial.txt") "\r\nsome data";
  struct srv s;
  char path[128];
  struct stat st;
  int fd;
  double deadline;
  (void) state;
  srv_start(&s, upload_handler);
  snprintf(path, sizeof(path), "%s/partial.txt", s_dir);
  fd = raw_connect(s.port);
  send_upload(&s, fd, body, sizeof(body) - 1, sizeof(body) - 1 + 100);
  deadline = mg_time() + 5;
  while (stat(path, &st) != 0 && mg_time() < deadline) mg_mgr_poll(&s.mgr, 1);
  assert_int_equal(stat(path, &st), 0);
  close(fd);
  deadline = mg_time() + 5;
  while (stat(path, &st) == 0 && mg_time() < deadline) mg_mgr_poll(&s.mgr, 1);
  assert_int_not_equal(stat(path, &st), 0);
  srv_stop(&s);
}

static int setup_dir(void **state) {
  (void) state;
  strcpy(s_dir, "/tmp/mg_upload_XXXXXX");
  return mkdtemp(s_dir) == NULL ? -1 : 0;
}

static int teardown_dir(void **state) {
  char cmd[128];
  (void) state;
  mbuf_free(&s_rec.log);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", s_dir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_one_part),
      cmocka_unit_test(test_stream_two_parts_and_a_file),
      cmocka_unit_test(test_stream_delimiter_followed_by_junk_is_malformed),
      cmocka_unit_test(test_stream_boundary_like_data_preamble_epilogue),
      cmocka_unit_test(test_stream_one_byte_at_a_time),
      cmocka_unit_test(test_stream_lf_line_endings),
      cmocka_unit_test(test_stream_headers_without_blank_line_rejected),
      cmocka_unit_test(test_stream_large_part_keeps_memory_bounded),
      cmocka_unit_test(test_stream_handler_may_take_less_data),
      cmocka_unit_test(test_stream_cut_short_by_close),
      cmocka_unit_test(test_stream_malformed_bodies),
      cmocka_unit_test(test_stream_headers_too_long),
      cmocka_unit_test(test_pipelined_get_after_upload),
      cmocka_unit_test(test_stream_total_size_limited),
      cmocka_unit_test(test_not_streamed_when_not_multipart_or_no_length),
      cmocka_unit_test(test_file_upload_handler_saves_files),
      cmocka_unit_test(test_file_upload_handler_refuses_bad_names),
      cmocka_unit_test(test_file_upload_handler_removes_partial_file),
  };
  return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
