#include "http_internal.h"

// The lower HTTP connection layer: reason phrases, per-connection state,
// response heads, errors, redirects, chunks, the header builder, endpoints,
// de-chunking. Everything above it (server, client, files, WebSocket,
// uploads, auth) uses these; nothing here calls up.

#if MG_ENABLE_HTTP

// Reason phrases (RFC 9110 section 15).
#define MG_HTTP_STATUS(X)                   \
  X(100, "Continue")                        \
  X(101, "Switching Protocols")             \
  X(200, "OK")                              \
  X(201, "Created")                         \
  X(202, "Accepted")                        \
  X(204, "No Content")                      \
  X(206, "Partial Content")                 \
  X(301, "Moved Permanently")               \
  X(302, "Found")                           \
  X(303, "See Other")                       \
  X(304, "Not Modified")                    \
  X(307, "Temporary Redirect")              \
  X(308, "Permanent Redirect")              \
  X(400, "Bad Request")                     \
  X(401, "Unauthorized")                    \
  X(403, "Forbidden")                       \
  X(404, "Not Found")                       \
  X(405, "Method Not Allowed")              \
  X(406, "Not Acceptable")                  \
  X(408, "Request Timeout")                 \
  X(409, "Conflict")                        \
  X(411, "Length Required")                 \
  X(412, "Precondition Failed")             \
  X(413, "Content Too Large")               \
  X(414, "URI Too Long")                    \
  X(415, "Unsupported Media Type")          \
  X(416, "Range Not Satisfiable")           \
  X(417, "Expectation Failed")              \
  X(426, "Upgrade Required")                \
  X(431, "Request Header Fields Too Large") \
  X(500, "Internal Server Error")           \
  X(501, "Not Implemented")                 \
  X(502, "Bad Gateway")                     \
  X(503, "Service Unavailable")             \
  X(504, "Gateway Timeout")                 \
  X(505, "HTTP Version Not Supported")

#define MG_HTTP_STATUS_ENTRY(code, msg) {code, msg},
static const struct {
  int code;
  const char *msg;
} s_http_status[] = {MG_HTTP_STATUS(MG_HTTP_STATUS_ENTRY)};

const char *mg_http_status_message(int code) {
  size_t i;
  for (i = 0; i < MG_ARRAY_SIZE(s_http_status); i++) {
    if (s_http_status[i].code == code) return s_http_status[i].msg;
  }
  return code >= 500 ? "Server Error" : code >= 400 ? "Client Error" : "OK";
}

void mg_http_free_file_state(struct mg_http_file_state *fs) {
  if (fs == NULL) return;
  if (fs->fp != NULL) fclose(fs->fp);
  MG_FREE(fs->multi);
  memset(fs, 0, sizeof(*fs));
}

static void conn_free_proto_data(void *p) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) p;
  struct mg_http_endpoint *ep = pd->endpoints, *next;
  for (; ep != NULL; ep = next) {
    next = ep->next;
    MG_FREE((void *) ep->uri_pattern.p);
    MG_FREE(ep->auth_domain);
    MG_FREE(ep->auth_file);
    MG_FREE(ep);
  }
#if MG_ENABLE_FILESYSTEM
  mg_http_free_file_state(&pd->file);
#endif
  MG_FREE(pd->proxy_key);
  MG_FREE(pd->proxy_retry);
  MG_FREE(pd);
}

struct mg_http_proto_data *mg_http_get_proto_data(struct mg_connection *nc) {
  if (nc->proto_data == NULL) {
    nc->proto_data = MG_CALLOC(1, sizeof(struct mg_http_proto_data));
    nc->proto_data_destructor = conn_free_proto_data;
    if (nc->proto_data == NULL) {
      MG_ERROR(("%p out of memory for the HTTP state", (void *) nc));
    }
  }
  return (struct mg_http_proto_data *) nc->proto_data;
}

int mg_http_headers_have(struct mg_str headers, const char *name) {
  size_t i, n = strlen(name);
  for (i = 0; i + n < headers.len; i++) {
    if ((i == 0 || headers.p[i - 1] == '\n') &&
        mg_ncasecmp(headers.p + i, name, n) == 0 && headers.p[i + n] == ':') {
      return 1;
    }
  }
  return 0;
}

// A server's chunked response is open from its head (or first chunk) to
// the last, empty chunk: until then the connection neither closes nor
// starts on the next request, wherever the chunks come from.
static void conn_set_chunked_open(struct mg_connection *nc, int open) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  // A reply to HEAD has no body to end: its handler may never send the
  // last chunk.
  if (pd != NULL && nc->listener != NULL && !(open && pd->is_head)) {
    pd->chunked_open = (unsigned char) open;
  }
}

const char *const mg_http_days[7] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
const char *const mg_http_months[12] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};

void mg_http_format_date(char *buf, size_t len, time_t t) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  gmtime_r(&t, &tm);
  snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
           mg_http_days[(unsigned) tm.tm_wday % 7], tm.tm_mday,
           mg_http_months[(unsigned) tm.tm_mon % 12], tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const char *mg_http_date_now(struct mg_mgr *mgr) {
  time_t now = time(NULL);
  if (mgr->date[0] == '\0' || now != mgr->date_time) {
    mg_http_format_date(mgr->date, sizeof(mgr->date), now);
    mgr->date_time = now;
  }
  return mgr->date;
}

void mg_send_response_line(struct mg_connection *nc, int status_code,
                           const char *extra_headers) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  mg_printf(nc, "HTTP/1.1 %d %s\r\n", status_code,
            mg_http_status_message(status_code));
  // RFC 9110 6.6.1: an origin server with a clock sends Date (optional in
  // 1xx), once, so not when the caller's headers have one.
  if (nc->listener != NULL && status_code >= 200 &&
      !mg_http_headers_have(mg_mk_str(extra_headers), "Date")) {
    mg_printf(nc, "Date: %s\r\n", mg_http_date_now(nc->mgr));
  }
  if (extra_headers != NULL && *extra_headers != '\0') {
    mg_printf(nc, "%s\r\n", extra_headers);
  }
  // Tell the client how the connection goes on, unless the caller did.
  if (pd != NULL && nc->listener != NULL &&
      !mg_http_headers_have(mg_mk_str(extra_headers), "Connection")) {
    if (pd->must_close) {
      mg_printf(nc, "Connection: close\r\n");
    } else if (pd->keep_alive_10) {
      mg_printf(nc, "Connection: keep-alive\r\n");
    }
  }
}

void mg_send_head(struct mg_connection *c, int status_code,
                  int64_t content_length, const char *extra_headers) {
  mg_send_response_line(c, status_code, extra_headers);
  // 1xx, 204 and 304 have no body and say nothing about its length.
  if ((status_code >= 100 && status_code < 200) || status_code == 204 ||
      status_code == 304) {
  } else if (content_length < 0) {
    mg_printf(c, "%s", "Transfer-Encoding: chunked\r\n");
    conn_set_chunked_open(c, 1);
  } else {
    mg_printf(c, "Content-Length: %lld\r\n", (long long) content_length);
  }
  mg_send(c, "\r\n", 2);
}

void mg_http_send_error(struct mg_connection *nc, int code,
                        const char *reason) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  if (reason == NULL) reason = mg_http_status_message(code);
  mg_send_head(nc, code, (int64_t) strlen(reason),
               "Content-Type: text/plain; charset=utf-8");
  if (pd == NULL || !pd->is_head) mg_send(nc, reason, (int) strlen(reason));
}

int mg_http_has_crlf(struct mg_str s) {
  return mg_strchr(s, '\r') != NULL || mg_strchr(s, '\n') != NULL;
}

// True if the header lines in s are separated by CRLF only: no bare CR or
// LF, and no empty line that would end the head early.
static int conn_headers_ok(struct mg_str s) {
  size_t i;
  for (i = 0; i < s.len; i++) {
    if (s.p[i] == '\r' && (i + 1 >= s.len || s.p[i + 1] != '\n')) return 0;
    if (s.p[i] == '\n' && (i == 0 || s.p[i - 1] != '\r')) return 0;
    if (s.p[i] == '\n' && i + 1 < s.len && s.p[i + 1] == '\r') return 0;
  }
  return 1;
}

void mg_http_send_redirect(struct mg_connection *nc, int status_code,
                           const struct mg_str location,
                           const struct mg_str extra_headers) {
  char mem[256], *buf = mem;
  if (mg_http_has_crlf(location) ||
      !conn_headers_ok(mg_strstrip(extra_headers))) {
    mg_http_send_error(nc, 500, "Invalid redirect");
    return;
  }
  mg_asprintf(&buf, sizeof(mem), "Location: %.*s%s%.*s", (int) location.len,
              location.p, extra_headers.len > 0 ? "\r\n" : "",
              (int) mg_strstrip(extra_headers).len,
              mg_strstrip(extra_headers).p);
  if (buf == NULL) {
    mg_http_send_error(nc, 500, NULL);
    return;
  }
  mg_send_head(nc, status_code, 0, buf);
  if (buf != mem) MG_FREE(buf);
}

void mg_send_http_chunk(struct mg_connection *nc, const char *buf, size_t len) {
  char size[24];
  int n = snprintf(size, sizeof(size), "%lx\r\n", (unsigned long) len);
  conn_set_chunked_open(nc, len > 0);
  mg_send(nc, size, n);
  mg_send(nc, buf, (int) len);
  mg_send(nc, "\r\n", 2);
}

void mg_printf_http_chunk(struct mg_connection *nc, const char *fmt, ...) {
  char mem[256], *buf = mem;
  int len;
  va_list ap;
  va_start(ap, fmt);
  len = mg_avprintf(&buf, sizeof(mem), fmt, ap);
  va_end(ap);
  // An empty result is not sent: a zero-length chunk would end the body.
  if (len > 0) mg_send_http_chunk(nc, buf, (size_t) len);
  if (buf != mem) MG_FREE(buf);
}

void mg_printf_html_escape(struct mg_connection *nc, const char *fmt, ...) {
  static const char *specials = "&<>\"'";
  static const char *entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
  char mem[256], *buf = mem;
  struct mbuf out;
  int i, len;
  va_list ap;
  va_start(ap, fmt);
  len = mg_avprintf(&buf, sizeof(mem), fmt, ap);
  va_end(ap);
  mbuf_init(&out, len > 0 ? (size_t) len : 0);
  for (i = 0; i < len; i++) {
    const char *s = strchr(specials, buf[i]);
    if (s != NULL && buf[i] != '\0') {
      const char *e = entities[s - specials];
      mbuf_append(&out, e, strlen(e));
    } else {
      mbuf_append(&out, buf + i, 1);
    }
  }
  if (out.len > 0) mg_send_http_chunk(nc, out.buf, out.len);
  mbuf_free(&out);
  if (buf != mem) MG_FREE(buf);
}

// ---- Endpoints ----------------------------------------------------------

static char *conn_strdup_or_null(const char *s) {
  return s == NULL ? NULL : (char *) mg_strdup_nul(mg_mk_str(s)).p;
}

void mg_register_http_endpoint_opt(struct mg_connection *nc,
                                   const char *uri_path,
                                   mg_event_handler_t handler,
                                   struct mg_http_endpoint_opts opts) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct mg_http_endpoint *ep;
  if (pd == NULL || uri_path == NULL ||
      (ep = (struct mg_http_endpoint *) MG_CALLOC(1, sizeof(*ep))) == NULL) {
    MG_ERROR(("%p cannot register endpoint", (void *) nc));
    return;
  }
  ep->uri_pattern = mg_strdup(mg_mk_str(uri_path));
  ep->auth_domain = conn_strdup_or_null(opts.auth_domain);
  ep->auth_file = conn_strdup_or_null(opts.auth_file);
  ep->handler = handler;
  ep->user_data = opts.user_data;
  ep->next = pd->endpoints;
  pd->endpoints = ep;
}

void mg_register_http_endpoint(struct mg_connection *nc, const char *uri_path,
                               MG_CB(mg_event_handler_t handler,
                                     void *user_data)) {
  struct mg_http_endpoint_opts opts;
  memset(&opts, 0, sizeof(opts));
  MG_UD_TO_OPTS(opts);
  mg_register_http_endpoint_opt(nc, uri_path, handler, opts);
}

// Returns the endpoint of nc's listener whose pattern matches the longest
// prefix of uri, or NULL.
struct mg_http_endpoint *mg_http_find_endpoint(struct mg_connection *nc,
                                               struct mg_str uri) {
  struct mg_connection *lc = nc->listener;
  struct mg_http_proto_data *lpd;
  struct mg_http_endpoint *ep, *best = NULL;
  size_t n, best_len = 0;
  if (lc == NULL || lc->proto_handler != nc->proto_handler) return NULL;
  lpd = (struct mg_http_proto_data *) lc->proto_data;
  for (ep = lpd != NULL ? lpd->endpoints : NULL; ep != NULL; ep = ep->next) {
    n = mg_match_prefix_n(ep->uri_pattern, uri);
    if (n > best_len) {
      best_len = n;
      best = ep;
    }
  }
  return best;
}

void mg_http_call_endpoint_handler(struct mg_connection *nc, int ev,
                                   void *ev_data) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  void *saved = nc->user_data;
  if (pd == NULL || pd->endpoint_handler == NULL) {
    mg_call_user(nc, ev, ev_data);
    return;
  }
  // The endpoint's user_data is what its handler sees as nc->user_data.
  if (pd->endpoint_user_data != NULL) nc->user_data = pd->endpoint_user_data;
  mg_call(nc, pd->endpoint_handler, ev, ev_data);
  if (pd->endpoint_user_data != NULL &&
      nc->user_data == pd->endpoint_user_data) {
    nc->user_data = saved;
  }
}

void mg_http_call_close(struct mg_connection *nc, void *ev_data) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  mg_call_user(nc, MG_EV_CLOSE, ev_data);
  if (pd != NULL && pd->endpoint_handler != NULL &&
      pd->endpoint_handler != nc->handler) {
    mg_http_call_endpoint_handler(nc, MG_EV_CLOSE, ev_data);
  }
}

int mg_http_header_has_token(const struct mg_str *hdr, const char *token) {
  struct mg_str list, v, eq;
  if (hdr == NULL) return 0;
  list = *hdr;
  while ((list = mg_next_comma_list_entry_n(list, &v, &eq)).p != NULL) {
    v = mg_strstrip(v);
    if (mg_vcasecmp(&v, token) == 0) return 1;
  }
  return 0;
}

// De-chunks the body in place: decoded data follows the head in recv_mbuf,
// and the chunk framing is cut out as it is consumed, so recv_mbuf holds
// the head, the kept body and what is not decoded yet. Returns 1 when the
// last chunk is in, 0 if more input is needed, or the negated status code
// that answers a failure: -400 (bad framing), -413 (body too large).
int mg_http_dechunk(struct mg_connection *nc, struct mg_http_proto_data *pd,
                    struct http_message *hm, size_t hlen) {
  struct mbuf *io = &nc->recv_mbuf;
  size_t off, len, rest;
  int n;
  for (;;) {
    char *body = io->buf + hlen, *in = body + pd->body_decoded;
    rest = io->len - hlen - pd->body_decoded;
    if ((n = mg_http_parse_chunk(in, rest, &off, &len)) < 0) {
      return -400;
    }
    if (n == 0) return 0;
    memmove(in, in + off, len);
    pd->chunk_off += (size_t) n;
    hm->body = mg_mk_str_n(in, len);
    nc->flags &= ~(unsigned long) MG_F_DELETE_CHUNK;
    mg_http_call_endpoint_handler(nc, MG_EV_HTTP_CHUNK, hm);
    // With MG_F_DELETE_CHUNK the handler took the data: drop it.
    if (nc->flags & MG_F_DELETE_CHUNK) len = 0;
    memmove(in + len, in + n, rest - (size_t) n);
    io->len -= (size_t) n - len;
    pd->body_decoded += len;
    if (pd->body_decoded > MG_MAX_HTTP_BODY_SIZE) {
      return -413;
    }
    if (hm->body.len == 0) break;  // The last chunk
  }
  hm->body = mg_mk_str_n(io->buf + hlen, pd->body_decoded);
  return 1;
}

// Drops the reverse-proxy link between nc and its peer, both ways.
void mg_http_unlink_proxy(struct mg_connection *nc,
                          struct mg_http_proto_data *pd) {
  struct mg_http_proto_data *peer_pd;
  if (pd->proxy_peer == NULL) return;
  peer_pd = (struct mg_http_proto_data *) pd->proxy_peer->proto_data;
  if (peer_pd != NULL && peer_pd->proxy_peer == nc) peer_pd->proxy_peer = NULL;
  pd->proxy_peer = NULL;
}

// ---- The header builder -----------------------------------------------------

void mg_http_out_add(struct mg_http_out *o, const char *p, size_t n) {
  if (n > 0 && mbuf_append(&o->m, p, n) != n) o->failed = 1;
}

void mg_http_out_vprintf(struct mg_http_out *o, const char *fmt, va_list ap) {
  char mem[256], *buf = mem;
  int len = mg_avprintf(&buf, sizeof(mem), fmt, ap);
  if (len < 0) o->failed = 1;
  if (len > 0) mg_http_out_add(o, buf, (size_t) len);
  if (buf != mem) MG_FREE(buf);
}

void mg_http_out_printf(struct mg_http_out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mg_http_out_vprintf(o, fmt, ap);
  va_end(ap);
}

// Adds a header line to a header block: lines separated by CRLF, no CRLF at
// the end, as mg_send_response_line() wants them.
void mg_http_out_hdr(struct mg_http_out *o, const char *fmt, ...) {
  va_list ap;
  size_t before = o->m.len, mid;
  if (before > 0) mg_http_out_add(o, "\r\n", 2);
  mid = o->m.len;
  va_start(ap, fmt);
  mg_http_out_vprintf(o, fmt, ap);
  va_end(ap);
  if (o->m.len == mid) o->m.len = before;  // Nothing was added.
}

// Adds a header block given as "K: V\r\n..." (trailing CRLF optional).
void mg_http_out_hdr_block(struct mg_http_out *o, struct mg_str block) {
  block = mg_strstrip(block);
  if (block.len > 0) mg_http_out_hdr(o, "%.*s", (int) block.len, block.p);
}

// NUL-terminates the buffer; returns it, or NULL if an append failed.
const char *mg_http_out_str(struct mg_http_out *o) {
  mg_http_out_add(o, "", 1);
  if (o->failed) return NULL;
  o->m.len--;
  return o->m.buf;
}

// Sends status, the headers in h (may be NULL) and body (may be NULL:
// Content-Length 0). A HEAD request gets no body. Frees h.
void mg_http_out_send(struct mg_connection *nc, struct http_message *hm,
                      int code, struct mg_http_out *h, struct mg_str body) {
  const char *hdrs = h == NULL ? "" : mg_http_out_str(h);
  if (hdrs == NULL) {
    mg_http_send_error(nc, 500, NULL);
  } else {
    mg_send_head(nc, code, (int64_t) body.len, hdrs);
    if (mg_vcmp(&hm->method, "HEAD") != 0) mg_send(nc, body.p, (int) body.len);
  }
  if (h != NULL) mbuf_free(&h->m);
}

// Sends a short text/plain response with the extra headers.
void mg_http_out_send_text(struct mg_connection *nc, struct http_message *hm,
                           int code, struct mg_str extra, const char *more_hdr,
                           const char *text) {
  struct mg_http_out h;
  memset(&h, 0, sizeof(h));
  if (text == NULL) text = mg_http_status_message(code);
  mg_http_out_hdr(&h, "Content-Type: text/plain; charset=utf-8");
  if (more_hdr != NULL) mg_http_out_hdr(&h, "%s", more_hdr);
  mg_http_out_hdr_block(&h, extra);
  mg_http_out_send(nc, hm, code, &h, mg_mk_str(text));
}

#endif  // MG_ENABLE_HTTP
