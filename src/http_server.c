#include "internal.h"

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

static void srv_free_proto_data(void *p) {
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
  MG_FREE(pd);
}

struct mg_http_proto_data *mg_http_get_proto_data(struct mg_connection *nc) {
  if (nc->proto_data == NULL) {
    nc->proto_data = MG_CALLOC(1, sizeof(struct mg_http_proto_data));
    nc->proto_data_destructor = srv_free_proto_data;
  }
  return (struct mg_http_proto_data *) nc->proto_data;
}

// True if extra_headers already has a header called name.
static int srv_has_header(const char *headers, const char *name) {
  size_t len = strlen(name);
  const char *p = headers;
  while (p != NULL && *p != '\0') {
    if (mg_ncasecmp(p, name, len) == 0 && p[len] == ':') return 1;
    if ((p = strchr(p, '\n')) != NULL) p++;
  }
  return 0;
}

void mg_send_response_line(struct mg_connection *nc, int status_code,
                           const char *extra_headers) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  mg_printf(nc, "HTTP/1.1 %d %s\r\n", status_code,
            mg_http_status_message(status_code));
  if (extra_headers != NULL && *extra_headers != '\0') {
    mg_printf(nc, "%s\r\n", extra_headers);
  }
  // Tell the client how the connection goes on, unless the caller did.
  if (pd != NULL && nc->listener != NULL &&
      !srv_has_header(extra_headers, "Connection")) {
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

// True if s has a CR or LF: such bytes would split a header.
static int srv_has_crlf(struct mg_str s) {
  return mg_strchr(s, '\r') != NULL || mg_strchr(s, '\n') != NULL;
}

// True if the header lines in s are separated by CRLF only: no bare CR or
// LF, and no empty line that would end the head early.
static int srv_headers_ok(struct mg_str s) {
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
  if (srv_has_crlf(location) || !srv_headers_ok(mg_strstrip(extra_headers))) {
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

static char *srv_strdup_or_null(const char *s) {
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
  ep->auth_domain = srv_strdup_or_null(opts.auth_domain);
  ep->auth_file = srv_strdup_or_null(opts.auth_file);
  ep->handler = handler;
  ep->user_data = opts.user_data;
  ep->next = pd->endpoints;
  pd->endpoints = ep;
}

void mg_register_http_endpoint(struct mg_connection *nc, const char *uri_path,
                               mg_event_handler_t handler) {
  struct mg_http_endpoint_opts opts;
  memset(&opts, 0, sizeof(opts));
  mg_register_http_endpoint_opt(nc, uri_path, handler, opts);
}

// Returns the endpoint of nc's listener whose pattern matches the longest
// prefix of uri, or NULL.
static struct mg_http_endpoint *srv_find_endpoint(struct mg_connection *nc,
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
    mg_call(nc, nc->handler, ev, ev_data);
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

// ---- The server protocol handler -------------------------------------------

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

// Answers a request that cannot be processed, and closes after it.
static void srv_reply_error(struct mg_connection *nc, int status) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  MG_DEBUG(("%p HTTP error %d", (void *) nc, status));
  if (pd != NULL) {
    pd->must_close = 1;
    pd->is_head = 0;
  }
  mg_http_send_error(nc, status, NULL);
  nc->flags |= MG_F_SEND_AND_CLOSE;
  mbuf_clear(&nc->recv_mbuf);
}

// Per-request connection rules: keep-alive, HEAD, the endpoint (returned,
// NULL if none matches).
static struct mg_http_endpoint *srv_prepare_request(
    struct mg_connection *nc, struct mg_http_proto_data *pd,
    struct http_message *hm) {
  struct mg_str *conn = mg_get_http_header(hm, "Connection");
  struct mg_http_endpoint *ep = srv_find_endpoint(nc, hm->uri);
  pd->is_head = mg_vcmp(&hm->method, "HEAD") == 0;
  pd->keep_alive_10 = 0;
  if (mg_vcmp(&hm->proto, "HTTP/1.0") == 0) {
    pd->keep_alive_10 =
        (unsigned char) mg_http_header_has_token(conn, "keep-alive");
    if (!pd->keep_alive_10) pd->must_close = 1;
  } else if (mg_http_header_has_token(conn, "close")) {
    pd->must_close = 1;
  }
  pd->endpoint_handler = ep != NULL ? ep->handler : NULL;
  pd->endpoint_user_data = ep != NULL ? ep->user_data : NULL;
  return ep;
}

// Total bytes ever queued for sending on nc.
static uint64_t srv_bytes_out(struct mg_connection *nc,
                              struct mg_http_proto_data *pd) {
  return pd->bytes_sent + nc->send_mbuf.len;
}

// After a request: decides whether its handler has answered, and whether
// the connection must close once the answer is out.
static void srv_check_answered(struct mg_connection *nc,
                               struct mg_http_proto_data *pd) {
  int busy;
  if (pd->waiting && srv_bytes_out(nc, pd) > pd->out_at_dispatch) {
    pd->waiting = 0;
  }
  busy = pd->waiting || pd->file.fp != NULL || pd->mp != NULL;
  if (pd->waiting) {
    nc->flags |= MG_F_HOLD_ON_EOF;
  } else {
    nc->flags &= ~(unsigned long) MG_F_HOLD_ON_EOF;
  }
  // A peer that half-closed gets its answer, then the connection closes.
  if (!pd->waiting && (nc->flags & MG_F_PEER_EOF)) pd->must_close = 1;
  if (pd->must_close && !busy) nc->flags |= MG_F_SEND_AND_CLOSE;
}

// A response to HEAD has no body, even if the handler wrote one: cut what
// follows the first blank line of the response queued for this request.
static void srv_strip_head_body(struct mg_connection *nc,
                                struct mg_http_proto_data *pd) {
  struct mbuf *io = &nc->send_mbuf;
  size_t i, start;
  if (pd->out_at_dispatch < pd->bytes_sent) return;
  start = (size_t) (pd->out_at_dispatch - pd->bytes_sent);
  for (i = start; i + 4 <= io->len; i++) {
    if (memcmp(io->buf + i, "\r\n\r\n", 4) == 0) {
      io->len = i + 4;
      return;
    }
  }
}

static void srv_dispatch(struct mg_connection *nc,
                         struct mg_http_proto_data *pd, struct http_message *hm,
                         size_t total) {
  hm->message.len = total;
  pd->out_at_dispatch = srv_bytes_out(nc, pd);
  pd->waiting = 1;
  mg_http_call_endpoint_handler(nc, MG_EV_HTTP_REQUEST, hm);
  if (pd->is_head) srv_strip_head_body(nc, pd);
  mbuf_remove(&nc->recv_mbuf, total);
  pd->request_start = 0;
  pd->continue_sent = 0;
  pd->body_decoded = pd->chunk_off = 0;
  // Bytes after a request that ends the connection are ignored.
  if (pd->must_close) mbuf_clear(&nc->recv_mbuf);
  srv_check_answered(nc, pd);
}

// De-chunks the body in place: decoded data follows the head in recv_mbuf,
// and the chunk framing is cut out as it is consumed, so recv_mbuf holds
// the head, the kept body and what is not decoded yet. Returns 1 when the
// last chunk is in, 0 if more input is needed, or the negated status code
// that answers a failure: -400 (bad framing), -413 (body too large).
static int srv_dechunk(struct mg_connection *nc, struct mg_http_proto_data *pd,
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

// Checks the credentials a protected endpoint needs, as soon as the head
// is in (before any body is read or streamed). On failure answers 401 with
// a challenge, closes after it, and returns 0.
static int srv_authorized(struct mg_connection *nc,
                          struct mg_http_proto_data *pd,
                          struct http_message *hm,
                          struct mg_http_endpoint *ep) {
#if MG_ENABLE_FILESYSTEM
  if (ep == NULL || ep->auth_file == NULL ||
      mg_http_is_authorized(hm, hm->uri, ep->auth_domain, ep->auth_file,
                            MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE)) {
    return 1;
  }
  pd->must_close = 1;  // The body, if any, is not read
  mg_http_send_digest_auth_request(nc, ep->auth_domain);
  nc->flags |= MG_F_SEND_AND_CLOSE;
  mbuf_clear(&nc->recv_mbuf);
  return 0;
#else
  (void) nc, (void) pd, (void) hm, (void) ep;
  return 1;
#endif
}

// Checks "Expect:". Returns 1 if the client waits for "100 Continue", 0
// if there is nothing to do, -1 if the request failed (417 is sent).
static int srv_expect(struct mg_connection *nc, struct mg_http_proto_data *pd,
                      struct http_message *hm) {
  struct mg_str *expect = mg_get_http_header(hm, "Expect");
  if (expect == NULL) return 0;
  if (mg_vcasecmp(expect, "100-continue") != 0) {
    return srv_reply_error(nc, 417), -1;
  }
  return !pd->continue_sent && mg_vcmp(&hm->proto, "HTTP/1.1") == 0;
}

static void srv_send_continue(struct mg_connection *nc,
                              struct mg_http_proto_data *pd) {
  mg_printf(nc, "%s", "HTTP/1.1 100 Continue\r\n\r\n");
  pd->continue_sent = 1;
}

// Hands the frames that came right behind a handshake to the WebSocket
// handler.
static void srv_ws_leftover(struct mg_connection *nc) {
  int n = (int) nc->recv_mbuf.len;
  if (n > 0) mg_ws_handler(nc, MG_EV_RECV, &n);
}

// A WebSocket upgrade request: the handshake replaces the request event.
// Returns 1 if the connection stays HTTP (the upgrade was refused).
static int srv_upgrade(struct mg_connection *nc, struct mg_http_proto_data *pd,
                       struct http_message *hm, size_t hlen) {
  pd->out_at_dispatch = srv_bytes_out(nc, pd);
  pd->waiting = 1;
  mg_ws_handshake(nc, hm);
  mbuf_remove(&nc->recv_mbuf, hlen);
  pd->request_start = 0;
  if (nc->flags & MG_F_IS_WEBSOCKET) {
    pd->waiting = 0;
    nc->flags &= ~(unsigned long) MG_F_HOLD_ON_EOF;
    srv_ws_leftover(nc);
    return 0;
  }
  srv_check_answered(nc, pd);
  return 1;
}

// Processes the head at the start of recv_mbuf (hlen bytes). Returns 1 if
// a request was dispatched or handed to a stream, 0 if more input is needed
// or the connection failed.
static int srv_serve_one(struct mg_connection *nc,
                         struct mg_http_proto_data *pd, struct http_message *hm,
                         size_t hlen) {
  struct mbuf *io = &nc->recv_mbuf;
  struct mg_http_endpoint *ep;
  int expect, r;
  if (pd->body_decoded == 0 && pd->chunk_off == 0) {
    ep = srv_prepare_request(nc, pd, hm);
    if (!srv_authorized(nc, pd, hm, ep)) return 0;
    if (mg_ws_is_upgrade(hm) && hm->body.len == 0) {
      return srv_upgrade(nc, pd, hm, hlen);
    }
  }
  if ((expect = srv_expect(nc, pd, hm)) < 0) return 0;
  if (hm->body.len == (size_t) -1) {  // Chunked
    if (expect) srv_send_continue(nc, pd);
    if ((r = srv_dechunk(nc, pd, hm, hlen)) <= 0) {
      if (r < 0) srv_reply_error(nc, -r);
      return 0;
    }
    srv_dispatch(nc, pd, hm, hlen + pd->body_decoded);
    return 1;
  }
#if MG_ENABLE_HTTP_STREAMING_MULTIPART
  // A multipart upload streams through events instead of being buffered.
  if (hm->body.len > 0 && mg_http_multipart_begin(nc, hm, hlen)) {
    if (expect) srv_send_continue(nc, pd);
    pd->request_start = 0;
    srv_check_answered(nc, pd);
    return 1;
  }
#endif
  if (hm->body.len > MG_MAX_HTTP_BODY_SIZE) return srv_reply_error(nc, 413), 0;
  if (io->len - hlen < hm->body.len) {
    if (expect) srv_send_continue(nc, pd);
    return 0;
  }
  srv_dispatch(nc, pd, hm, hlen + hm->body.len);
  return 1;
}

// True while the connection must not start on the next request.
static int srv_busy(struct mg_connection *nc, struct mg_http_proto_data *pd) {
  return pd->waiting || pd->file.fp != NULL || pd->mp != NULL ||
         (nc->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE)) ||
         pd->must_close;
}

// Serves the requests in recv_mbuf, in order, one at a time.
static void srv_serve(struct mg_connection *nc, struct mg_http_proto_data *pd) {
  struct mbuf *io = &nc->recv_mbuf;
  struct http_message hm;
  int n, status = 400;
#if MG_ENABLE_HTTP_STREAMING_MULTIPART
  if (pd->mp != NULL) {
    if (mg_http_multipart_continue(nc)) return;
    srv_check_answered(nc, pd);
  }
#endif
  while (io->len > 0 && !srv_busy(nc, pd)) {
    n = mg_http_parse(io->buf, io->len, &hm, 1, &status);
    if (n < 0) {
      srv_reply_error(nc, status);
      return;
    }
    if (n == 0) {
      if (pd->request_start == 0) pd->request_start = mg_time();
      return;
    }
    if (pd->request_start == 0) pd->request_start = mg_time();
    if (!srv_serve_one(nc, pd, &hm, (size_t) n)) return;
  }
}

// Closes connections whose client stalls: a head not finished within
// MG_HTTP_HEADER_TIMEOUT, or no traffic for MG_HTTP_IDLE_TIMEOUT.
static void srv_check_timeouts(struct mg_connection *nc,
                               struct mg_http_proto_data *pd, double now) {
  if (pd->waiting || pd->file.fp != NULL) return;
  if (pd->request_start > 0 && pd->mp == NULL && pd->body_decoded == 0 &&
      now - pd->request_start > MG_HTTP_HEADER_TIMEOUT) {
    srv_reply_error(nc, 408);
  } else if (now - (double) nc->last_io_time > MG_HTTP_IDLE_TIMEOUT) {
    MG_DEBUG(("%p idle timeout", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

// ---- Client side: replies ------------------------------------------------

// Delivers the reply at the start of recv_mbuf (head hlen bytes, body
// complete) and removes it.
static void reply_deliver(struct mg_connection *nc, struct http_message *hm,
                          size_t total) {
  hm->message.len = total;
  mg_http_call_endpoint_handler(nc, MG_EV_HTTP_REPLY, hm);
  mbuf_remove(&nc->recv_mbuf, total);
}

// Processes one reply head. Returns 1 to go on with the next reply.
static int reply_serve_one(struct mg_connection *nc,
                           struct mg_http_proto_data *pd,
                           struct http_message *hm, size_t hlen) {
  struct mbuf *io = &nc->recv_mbuf;
  int r;
  if (pd->ws_client) {
    pd->ws_client = 0;
    mg_ws_client_handshake_done(nc, hm);
    mbuf_remove(io, hlen);
    if (nc->flags & MG_F_IS_WEBSOCKET) srv_ws_leftover(nc);
    return 0;
  }
  if (hm->resp_code >= 100 && hm->resp_code < 200 && hm->resp_code != 101) {
    mbuf_remove(io, hlen);  // Interim replies (100 Continue) are skipped
    return 1;
  }
  if (pd->is_head) hm->body.len = 0;  // A reply to HEAD has no body
  if (hm->body.len == (size_t) -1 &&
      mg_get_http_header(hm, "Transfer-Encoding") == NULL) {
    pd->reply_close_delimited = 1;  // Delivered when the server closes
    return 0;
  }
  if (hm->body.len == (size_t) -1) {
    if ((r = srv_dechunk(nc, pd, hm, hlen)) <= 0) {
      if (r < 0) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      return 0;
    }
    reply_deliver(nc, hm, hlen + pd->body_decoded);
    pd->body_decoded = pd->chunk_off = 0;
    return 1;
  }
  if (hm->body.len > MG_MAX_HTTP_BODY_SIZE) {
    MG_ERROR(("%p reply body too large", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return 0;
  }
  if (io->len - hlen < hm->body.len) return 0;
  reply_deliver(nc, hm, hlen + hm->body.len);
  return 1;
}

static void reply_serve(struct mg_connection *nc,
                        struct mg_http_proto_data *pd) {
  struct mbuf *io = &nc->recv_mbuf;
  struct http_message hm;
  int n, status;
  while (io->len > 0 && !pd->reply_close_delimited &&
         !(nc->flags & (MG_F_IS_WEBSOCKET | MG_F_CLOSE_IMMEDIATELY))) {
    n = mg_http_parse(io->buf, io->len, &hm, 0, &status);
    if (n < 0) {
      MG_ERROR(("%p malformed HTTP reply", (void *) nc));
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      mbuf_clear(io);
      return;
    }
    if (n == 0 || !reply_serve_one(nc, pd, &hm, (size_t) n)) return;
  }
}

// The server closed: a reply whose body runs to close is complete now.
static void reply_close(struct mg_connection *nc,
                        struct mg_http_proto_data *pd) {
  struct http_message hm;
  int n, status;
  if (pd == NULL || !pd->reply_close_delimited) return;
  n = mg_http_parse(nc->recv_mbuf.buf, nc->recv_mbuf.len, &hm, 0, &status);
  if (n <= 0) return;
  hm.body = mg_mk_str_n(nc->recv_mbuf.buf + n, nc->recv_mbuf.len - (size_t) n);
  pd->reply_close_delimited = 0;
  reply_deliver(nc, &hm, nc->recv_mbuf.len);
}

// Drops the reverse-proxy link between nc and its peer, both ways.
static void srv_unlink_proxy(struct mg_connection *nc,
                             struct mg_http_proto_data *pd) {
  struct mg_http_proto_data *peer_pd;
  if (pd->proxy_peer == NULL) return;
  peer_pd = (struct mg_http_proto_data *) pd->proxy_peer->proto_data;
  if (peer_pd != NULL && peer_pd->proxy_peer == nc) peer_pd->proxy_peer = NULL;
  pd->proxy_peer = NULL;
}

static void srv_handle_close(struct mg_connection *nc, void *ev_data) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  if (pd != NULL && nc->listener == NULL) reply_close(nc, pd);
#if MG_ENABLE_HTTP_STREAMING_MULTIPART
  if (pd != NULL) mg_http_multipart_free(nc);
#endif
  mg_call(nc, nc->handler, MG_EV_CLOSE, ev_data);
  if (pd == NULL) return;
  // After the handler has seen the close: the peer must not point at us.
  srv_unlink_proxy(nc, pd);
  if (pd->ws != NULL || (nc->flags & MG_F_IS_WEBSOCKET)) {
    mg_ws_handler(nc, MG_EV_CLOSE, ev_data);
  }
}

static void srv_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_http_proto_data *pd;
  if (ev == MG_EV_CLOSE) {
    srv_handle_close(nc, ev_data);
    return;
  }
  // Every core event reaches the user handler first, as in 6.x.
  mg_call(nc, nc->handler, ev, ev_data);
  if (nc->flags & MG_F_LISTENING) return;
  // An accepted connection gets its HTTP state with its first bytes: until
  // then it costs only its struct, and the idle timeout still applies.
  if (nc->proto_data == NULL && nc->listener != NULL && ev != MG_EV_RECV) {
    if (ev == MG_EV_POLL &&
        (double) *(time_t *) ev_data - (double) nc->last_io_time >
            MG_HTTP_IDLE_TIMEOUT) {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
    return;
  }
  if ((pd = mg_http_get_proto_data(nc)) == NULL) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (nc->flags & MG_F_IS_WEBSOCKET) {
    mg_ws_handler(nc, ev, ev_data);
    return;
  }
  if (nc->listener == NULL) {
    if (ev == MG_EV_RECV) reply_serve(nc, pd);
    return;
  }
  if (ev == MG_EV_SEND) pd->bytes_sent += (uint64_t) * (int *) ev_data;
#if MG_ENABLE_FILESYSTEM
  if (pd->file.fp != NULL) mg_http_transfer_file_data(nc);
#endif
  if (ev != MG_EV_ACCEPT) srv_check_answered(nc, pd);
  if (ev == MG_EV_RECV || ev == MG_EV_SEND || ev == MG_EV_POLL) {
    srv_serve(nc, pd);
  }
  // The poll time comes with the event: no clock read per connection.
  if (ev == MG_EV_POLL)
    srv_check_timeouts(nc, pd, (double) *(time_t *) ev_data);
}

void mg_set_protocol_http_websocket(struct mg_connection *nc) {
  nc->proto_handler = srv_handler;
}

#endif  // MG_ENABLE_HTTP
