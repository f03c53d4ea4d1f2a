#include "http_internal.h"
#include "uri.h"

// The reverse proxy (mg_http_reverse_proxy, url_rewrites
// "/prefix=http://host:port/base").

#if MG_ENABLE_HTTP

// ---- Reverse proxy ----------------------------------------------------------
//
// The request is forwarded as HTTP/1.1 on a client connection to the
// upstream: a keep-alive one from the manager's pool if there is one for
// the same scheme, host and port, else a new one. The reply is
// streamed: its head goes to the client with the end-to-end headers as soon
// as it is in, then the body as it arrives. A body of known length keeps
// its Content-Length; a chunked or close-delimited one is sent in chunks
// (to an HTTP/1.0 client: to the close). While the client has more than
// PROXY_HIGH_WATER bytes queued the upstream is not read (its recv_mbuf
// holds at most PROXY_HOLD), so memory stays flat for any reply size.
// The two connections point at each other through pd->proxy_peer until the
// reply is relayed or either side closes.
//
// The pool: an upstream whose reply came complete with a known framing
// (Content-Length, chunked, or none) from an HTTP/1.1 server that did not
// say "Connection: close" is parked (PROXY_F_IDLE) instead of closed, up to
// MG_MAX_PROXY_IDLE per manager, for MG_PROXY_IDLE_TIMEOUT seconds. Parked
// upstreams stay ordinary connections of the manager (found by their
// handler, flag and pd->proxy_key), so mg_mgr_free() frees them. A parked
// upstream that sends anything or closes leaves the pool. Only idempotent
// requests go on a reused upstream: if it closes before a reply byte
// (the server dropped it meanwhile), the request is sent once more on a
// new connection.

#define PROXY_HIGH_WATER (256 * 1024)  // Client bytes queued: stop reading
#define PROXY_HOLD (64 * 1024)         // Upstream bytes held meanwhile

// Reply states of an upstream connection (pd->proxy_state).
enum { PROXY_HEAD, PROXY_LENGTH, PROXY_CHUNKED, PROXY_TO_CLOSE, PROXY_DONE };

#define PROXY_F_REPLIED MG_F_USER_1    // Upstream: the reply was relayed
#define PROXY_F_GOT_BYTES MG_F_USER_2  // Upstream: reply bytes came in
#define PROXY_F_IDLE MG_F_USER_3       // Upstream: parked in the pool
#define PROXY_F_REUSED MG_F_USER_4     // Upstream: taken from the pool

// Hop-by-hop headers (RFC 9110 7.6.1), never forwarded; "Proxy-*" too.
static const char *const s_proxy_hop[] = {
    "Connection",        "Keep-Alive", "TE", "Trailer",
    "Transfer-Encoding", "Upgrade",    NULL};
// Request headers the proxy writes itself.
static const char *const s_proxy_req_own[] = {
    "Host", "Content-Length", "Expect", "X-Forwarded-For", NULL};
// Reply headers the proxy writes itself (the length of a HEAD or 304
// reply is kept).
static const char *const s_proxy_rep_own[] = {"Content-Length", NULL};
static const char *const s_proxy_none[] = {NULL};

static int proxy_name_in(struct mg_str name, const char *const *list) {
  for (; *list != NULL; list++) {
    if (mg_vcasecmp(&name, *list) == 0) return 1;
  }
  return 0;
}

// Returns hm's header called name, or NULL (mg_get_http_header for a
// const message).
static const struct mg_str *proxy_header(const struct http_message *hm,
                                         const char *name) {
  size_t i;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    if (mg_vcasecmp(&hm->header_names[i], name) == 0) {
      return &hm->header_values[i];
    }
  }
  return NULL;
}

// True if the header called name is not forwarded: hop-by-hop, listed in
// "Connection:", or in own.
static int proxy_drops(const struct http_message *hm, struct mg_str name,
                       const char *const *own) {
  const struct mg_str *conn = proxy_header(hm, "Connection");
  struct mg_str list, v, eq;
  if (proxy_name_in(name, s_proxy_hop) || proxy_name_in(name, own)) return 1;
  if (name.len >= 6 && mg_ncasecmp(name.p, "Proxy-", 6) == 0) return 1;
  list = conn != NULL ? *conn : mg_mk_str_n(NULL, 0);
  while ((list = mg_next_comma_list_entry_n(list, &v, &eq)).p != NULL) {
    if (mg_strcasecmp(mg_strstrip(v), name) == 0) return 1;
  }
  return 0;
}

// Sends hm's headers to nc, but those that proxy_drops().
static void proxy_send_headers(struct mg_connection *nc,
                               const struct http_message *hm,
                               const char *const *own) {
  size_t i;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    if (proxy_drops(hm, hm->header_names[i], own)) continue;
    mg_printf(nc, "%.*s: %.*s\r\n", (int) hm->header_names[i].len,
              hm->header_names[i].p, (int) hm->header_values[i].len,
              hm->header_values[i].p);
  }
}

// True if the path segment s is "." or ".." (also %2e-encoded).
static int proxy_is_dot_segment(struct mg_str s) {
  size_t i = 0, dots = 0;
  while (i < s.len) {
    if (s.p[i] == '.') {
      i++;
    } else if (i + 3 <= s.len && mg_ncasecmp(s.p + i, "%2e", 3) == 0) {
      i += 3;
    } else {
      return 0;
    }
    dots++;
  }
  return dots == 1 || dots == 2;
}

// True if path has a "." or ".." segment: upstream, it could climb out of
// the base path.
static int proxy_has_dot_segment(struct mg_str path) {
  size_t i, start = 0;
  for (i = 0; i <= path.len; i++) {
    if (i < path.len && path.p[i] != '/') continue;
    if (proxy_is_dot_segment(mg_mk_str_n(path.p + start, i - start))) {
      return 1;
    }
    start = i + 1;
  }
  return 0;
}

// The request's path (an absolute-form target "http://h/x" gives "/x").
static struct mg_str proxy_request_path(const struct http_message *hm) {
  struct mg_str path = MG_NULL_STR;
  if (hm->uri.len > 0 && hm->uri.p[0] == '/') return hm->uri;
  mg_parse_uri(hm->uri, NULL, NULL, NULL, NULL, &path, NULL, NULL);
  return path;
}

// Maps the request path to the upstream path: the mount prefix (a glob, as
// url_rewrites patterns are, ending at a '/' boundary) is replaced by base.
// Prints the result into *buf (size bytes, or MG_MALLOC'd if larger).
// Returns its length, -1 if the path is not under mount or climbs (400),
// -2 if out of memory.
static int proxy_target(const struct http_message *hm, struct mg_str mount,
                        struct mg_str base, char **buf, size_t size) {
  struct mg_str path = proxy_request_path(hm), rest;
  size_t n = 0;
  int len;
  if (mount.len > 0) {
    n = mg_match_prefix_n(mount, path);
    if (n == 0) return -1;
    if (n < path.len && path.p[n] != '/') {
      if (path.p[n - 1] != '/') return -1;
      n--;  // "/api/" strips "/api" from "/api/x", leaving "/x"
    }
  }
  rest = mg_mk_str_n(path.p + n, path.len - n);
  if (rest.len > 0 && rest.p[0] != '/') return -1;
  if (proxy_has_dot_segment(rest)) return -1;
  while (base.len > 0 && base.p[base.len - 1] == '/') base.len--;
  len =
      mg_asprintf(buf, size, "%.*s%.*s%s", (int) base.len, base.p,
                  (int) rest.len, rest.p, base.len + rest.len == 0 ? "/" : "");
  return len < 0 ? -2 : len;
}

// Sends the forwarded request on up. nc is the client.
static void proxy_send_request(struct mg_connection *up,
                               struct mg_connection *nc,
                               const struct http_message *hm,
                               const struct mg_http_url *u,
                               struct mg_str path) {
  const struct mg_str *xff = proxy_header(hm, "X-Forwarded-For");
  char ip[64];
  mg_sock_addr_to_str(&nc->sa, ip, sizeof(ip), MG_SOCK_STRINGIFY_IP);
  mg_printf(up, "%.*s %.*s%s%.*s HTTP/1.1\r\n", (int) hm->method.len,
            hm->method.p, (int) path.len, path.p,
            hm->query_string.len > 0 ? "?" : "", (int) hm->query_string.len,
            hm->query_string.p);
  mg_http_send_host(up, u);
  proxy_send_headers(up, hm, s_proxy_req_own);
  mg_printf(up, "X-Forwarded-For: %.*s%s%s\r\n",
            (int) (xff != NULL ? xff->len : 0), xff != NULL ? xff->p : "",
            xff != NULL ? ", " : "", ip);
  if (hm->body.len > 0 || proxy_header(hm, "Content-Length") != NULL ||
      proxy_header(hm, "Transfer-Encoding") != NULL) {
    mg_printf(up, "Content-Length: %lu\r\n", (unsigned long) hm->body.len);
  }
  mg_send(up, "\r\n", 2);  // HTTP/1.1: the connection persists
  mg_send(up, hm->body.p, (int) hm->body.len);
}

// Returns up's client, or NULL if there is none. The client is looked up
// among the live connections: if it closed first, the link is stale.
static struct mg_connection *proxy_peer_of(struct mg_connection *up) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) up->proto_data;
  struct mg_http_proto_data *ppd;
  struct mg_connection *c;
  if (pd == NULL || pd->proxy_peer == NULL) return NULL;
  for (c = mg_next(up->mgr, NULL); c != NULL; c = mg_next(up->mgr, c)) {
    if (c != pd->proxy_peer) continue;
    ppd = (struct mg_http_proto_data *) c->proto_data;
    if (ppd != NULL && ppd->proxy_peer == up) return c;
    break;
  }
  pd->proxy_peer = NULL;
  return NULL;
}

// Clears the links between up and its client nc (which may be NULL).
static void proxy_unlink(struct mg_connection *up, struct mg_connection *nc) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) up->proto_data;
  if (pd != NULL) pd->proxy_peer = NULL;
  pd = nc != NULL ? (struct mg_http_proto_data *) nc->proto_data : NULL;
  if (pd != NULL && pd->proxy_peer == up) pd->proxy_peer = NULL;
}

// Answers the client with an error (502, 504) and drops the upstream.
static void proxy_fail(struct mg_connection *up, struct mg_connection *nc,
                       int status) {
  up->flags |= MG_F_CLOSE_IMMEDIATELY;
  if (nc == NULL) return;
  proxy_unlink(up, nc);
  mg_http_send_error(nc, status, NULL);
}

// Sends the head of the upstream's reply hm to the client nc; upd is the
// upstream's state (its body mode is set here).
static void proxy_relay_head(struct mg_connection *nc,
                             struct mg_http_proto_data *upd,
                             const struct http_message *hm) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  int code = hm->resp_code, is_head = upd->is_head;
  int keep_length = is_head || code == 304;
  int has_body = !keep_length && code != 204 && !(code >= 100 && code < 200);
  int chunked = proxy_header(hm, "Transfer-Encoding") != NULL;
  upd->proxy_keep =
      code != 101 && mg_vcmp(&hm->proto, "HTTP/1.1") == 0 &&
      !mg_http_header_has_token(proxy_header(hm, "Connection"), "close");
  mg_printf(nc, "HTTP/1.1 %d %.*s\r\n", code, (int) hm->resp_status_msg.len,
            hm->resp_status_msg.p);
  proxy_send_headers(nc, hm, keep_length ? s_proxy_none : s_proxy_rep_own);
  // A recipient with a clock adds Date to a response it forwards without
  // one (RFC 9110 6.6.1).
  if (proxy_header(hm, "Date") == NULL) {
    mg_printf(nc, "Date: %s\r\n", mg_http_date_now(nc->mgr));
  }
  upd->proxy_state = PROXY_DONE;
  if (has_body && hm->body.len != (size_t) -1) {
    upd->proxy_state = hm->body.len > 0 ? PROXY_LENGTH : PROXY_DONE;
    upd->proxy_left = (int64_t) hm->body.len;
    mg_printf(nc, "Content-Length: %lu\r\n", (unsigned long) hm->body.len);
  } else if (has_body) {
    upd->proxy_state = chunked ? PROXY_CHUNKED : PROXY_TO_CLOSE;
    upd->proxy_left = 0;
    if (!chunked) upd->proxy_keep = 0;  // The close ends the body
    // The length is not known: chunks, or to the close for HTTP/1.0.
    if (pd != NULL && pd->is_http10) {
      pd->must_close = 1;
    } else {
      upd->proxy_rechunk = 1;
      mg_printf(nc, "%s", "Transfer-Encoding: chunked\r\n");
    }
  }
  // The client connection's own keep-alive rules, as mg_send_response_line.
  if (pd != NULL && pd->must_close) {
    mg_printf(nc, "%s", "Connection: close\r\n");
  } else if (pd != NULL && pd->keep_alive_10) {
    mg_printf(nc, "%s", "Connection: keep-alive\r\n");
  }
  mg_send(nc, "\r\n", 2);
}

// Sends n body bytes to the client, in a chunk if the client gets chunks.
static void proxy_out(struct mg_connection *nc, struct mg_http_proto_data *upd,
                      const char *p, size_t n) {
  if (n == 0) return;
  if (upd->proxy_rechunk) {
    mg_send_http_chunk(nc, p, n);
  } else {
    mg_send(nc, p, (int) n);
  }
}

static void proxy_upstream_handler(struct mg_connection *up, int ev,
                                   void *ev_data MG_UD_ARG(void *user_data));

// True if c is an upstream connection of the proxy.
static int proxy_is_upstream(const struct mg_connection *c) {
  return c->handler == (mg_event_handler_t) proxy_upstream_handler;
}

// The number of upstreams parked in mgr's pool.
static int proxy_idle_count(struct mg_mgr *mgr) {
  struct mg_connection *c;
  int n = 0;
  for (c = mg_next(mgr, NULL); c != NULL; c = mg_next(mgr, c)) {
    if (proxy_is_upstream(c) && (c->flags & PROXY_F_IDLE)) n++;
  }
  return n;
}

// Parks up in the pool if its reply allows it and the pool has room;
// closes it otherwise.
static void proxy_park(struct mg_connection *up,
                       struct mg_http_proto_data *upd) {
  if (!upd->proxy_keep || upd->proxy_key == NULL || up->recv_mbuf.len > 0 ||
      up->send_mbuf.len > 0 ||
      (up->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE)) ||
      proxy_idle_count(up->mgr) >= MG_MAX_PROXY_IDLE) {
    up->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  MG_FREE(upd->proxy_retry);
  upd->proxy_retry = NULL;
  upd->proxy_retry_len = 0;
  up->flags |= PROXY_F_IDLE;
  mg_set_timer(up, mg_time() + MG_PROXY_IDLE_TIMEOUT);
  MG_DEBUG(("%p parked for %s", (void *) up, upd->proxy_key));
}

// The reply is complete: the last chunk, and the upstream is parked or
// dropped.
static void proxy_done(struct mg_connection *up, struct mg_connection *nc) {
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  if (upd->proxy_rechunk) mg_send_http_chunk(nc, "", 0);
  upd->proxy_state = PROXY_DONE;
  up->flags |= PROXY_F_REPLIED;
  proxy_unlink(up, nc);
  proxy_park(up, upd);
}

// Parses the reply head at the start of up's recv_mbuf. Returns 1 if it
// was relayed (or an interim reply skipped), 0 if more bytes are needed,
// -1 if malformed.
static int proxy_head(struct mg_connection *up, struct mg_connection *nc) {
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  struct http_message hm;
  int n, status;
  n = mg_http_parse(up->recv_mbuf.buf, up->recv_mbuf.len, &hm, 0, &status);
  if (n <= 0) return n;
  if (hm.resp_code < 200 && hm.resp_code != 101) {
    mbuf_remove(&up->recv_mbuf, (size_t) n);  // 100 Continue and the like
    return 1;
  }
  proxy_relay_head(nc, upd, &hm);
  mbuf_remove(&up->recv_mbuf, (size_t) n);
  return 1;
}

// One step through a chunked body. Returns 1 on progress, 0 if more bytes
// are needed, -1 if malformed.
static int proxy_chunk_step(struct mg_connection *up, struct mg_connection *nc,
                            struct mg_http_proto_data *upd) {
  struct mbuf *io = &up->recv_mbuf;
  size_t off, len, n;
  int r;
  if (upd->proxy_crlf) {
    if (io->len < 2) return 0;
    if (memcmp(io->buf, "\r\n", 2) != 0) return -1;
    mbuf_remove(io, 2);
    upd->proxy_crlf = 0;
    return 1;
  }
  if (upd->proxy_left > 0) {
    n = (int64_t) io->len < upd->proxy_left ? io->len
                                            : (size_t) upd->proxy_left;
    proxy_out(nc, upd, io->buf, n);
    mbuf_remove(io, n);
    if ((upd->proxy_left -= (int64_t) n) == 0) upd->proxy_crlf = 1;
    return 1;
  }
  r = mg_http_parse_chunk(io->buf, io->len, &off, &len);
  if (r < 0) return -1;
  if (r > 0 && len == 0) {  // The last chunk and its trailers
    mbuf_remove(io, (size_t) r);
    proxy_done(up, nc);
    return 1;
  }
  if (off == 0 || len == 0) return 0;  // Size line or trailers incomplete
  mbuf_remove(io, off);                // The size line: the data is streamed
  upd->proxy_left = (int64_t) len;
  return 1;
}

// Relays what up holds to the client nc while the client has room (force:
// whatever it has, the upstream closed).
static void proxy_pump(struct mg_connection *up, struct mg_connection *nc,
                       int force) {
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  struct mbuf *io = &up->recv_mbuf;
  size_t n;
  int r = 1;
  while (r > 0 && io->len > 0 && upd->proxy_state != PROXY_DONE &&
         (force || nc->send_mbuf.len < PROXY_HIGH_WATER)) {
    if (upd->proxy_state == PROXY_HEAD) {
      r = proxy_head(up, nc);
    } else if (upd->proxy_state == PROXY_CHUNKED) {
      r = proxy_chunk_step(up, nc, upd);
    } else {
      n = io->len;
      if (upd->proxy_state == PROXY_LENGTH && (int64_t) n > upd->proxy_left) {
        n = (size_t) upd->proxy_left;
      }
      proxy_out(nc, upd, io->buf, n);
      mbuf_remove(io, n);
      upd->proxy_left -= (int64_t) n;
      if (upd->proxy_state == PROXY_LENGTH && upd->proxy_left == 0) {
        proxy_done(up, nc);
      }
    }
  }
  if (r < 0) {
    MG_ERROR(("%p malformed reply from upstream", (void *) up));
    if (upd->proxy_state == PROXY_HEAD) {
      proxy_fail(up, nc, 502);
    } else {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;  // The reply is cut
      up->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  } else if (upd->proxy_state == PROXY_DONE && !(up->flags & PROXY_F_REPLIED)) {
    proxy_done(up, nc);  // A reply without a body
  }
}

// ---- The upstream connections and their pool ----

// Prints u's pool key ("http://host:port", "https://[::1]:8443") into a
// MG_MALLOC'd string. NULL if out of memory.
static char *proxy_key(const struct mg_http_url *u) {
  char *key = NULL;
  int v6 = mg_strchr(u->host, ':') != NULL;
  if (mg_asprintf(&key, 0, "%s://%s%.*s%s:%u", u->tls ? "https" : "http",
                  v6 ? "[" : "", (int) u->host.len, u->host.p, v6 ? "]" : "",
                  u->port) < 0) {
    return NULL;
  }
  return key;
}

// Returns a parked upstream of mgr for key, or NULL.
static struct mg_connection *proxy_find_idle(struct mg_mgr *mgr,
                                             const char *key) {
  struct mg_connection *c;
  struct mg_http_proto_data *pd;
  for (c = mg_next(mgr, NULL); c != NULL; c = mg_next(mgr, c)) {
    pd = (struct mg_http_proto_data *) c->proto_data;
    if (!proxy_is_upstream(c) || !(c->flags & PROXY_F_IDLE) || pd == NULL ||
        (c->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE)) ||
        c->recv_mbuf.len > 0 || pd->proxy_key == NULL) {
      continue;
    }
    if (mg_casecmp(pd->proxy_key, key) == 0) return c;
  }
  return NULL;
}

// Opens a new upstream connection to u for the client nc; key
// (MG_MALLOC'd, may be NULL) becomes its pool key or is freed. NULL if it
// cannot (logged).
static struct mg_connection *proxy_connect(struct mg_connection *nc,
                                           const struct mg_http_url *u,
                                           char *key) {
  struct mg_connection *up = NULL;
  struct mg_http_proto_data *upd;
  struct mg_connect_opts opts;
  const char *err = "out of memory";
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if (key != NULL && (up = mg_http_client_open(nc->mgr, proxy_upstream_handler,
                                               opts, u)) != NULL) {
    if ((upd = mg_http_get_proto_data(up)) != NULL) {
      upd->proxy_key = key;
      // The reply is parsed and relayed here, not by the client handler.
      up->proto_handler = NULL;
      up->recv_mbuf_limit = PROXY_HOLD;
      return up;
    }
    up->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
  MG_FREE(key);
  MG_ERROR(
      ("%p upstream %.*s: %s", (void *) nc, (int) u->host.len, u->host.p, err));
  return NULL;
}

// Links the upstream up to its client nc (state pd) for a new request
// (is_head: a HEAD request) and arms the reply timer.
static void proxy_link(struct mg_connection *up, struct mg_connection *nc,
                       struct mg_http_proto_data *pd, unsigned char is_head) {
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  upd->proxy_peer = nc;
  upd->is_head = is_head;
  upd->proxy_state = PROXY_HEAD;
  upd->proxy_left = 0;
  upd->proxy_crlf = upd->proxy_rechunk = upd->proxy_keep = 0;
  up->flags &= ~(PROXY_F_REPLIED | PROXY_F_GOT_BYTES | PROXY_F_IDLE);
  pd->proxy_peer = up;
  mg_set_timer(up, mg_time() + MG_HTTP_IDLE_TIMEOUT);
}

// Keeps a copy of the request queued on the reused upstream up, to send it
// again if up turns out closed. Without memory there is no retry.
static void proxy_save_request(struct mg_connection *up) {
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  size_t n = up->send_mbuf.len;
  MG_FREE(upd->proxy_retry);
  upd->proxy_retry_len = 0;
  if ((upd->proxy_retry = (char *) MG_MALLOC(n > 0 ? n : 1)) == NULL) return;
  memcpy(upd->proxy_retry, up->send_mbuf.buf, n);
  upd->proxy_retry_len = n;
}

// The reused upstream up closed before any reply byte: its request goes
// once more to a new connection for the client nc (502 if none opens).
static void proxy_retry(struct mg_connection *up, struct mg_connection *nc) {
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  struct mg_http_url *u = (struct mg_http_url *) MG_MALLOC(sizeof(*u));
  struct mg_connection *fresh = NULL;
  const char *err = NULL;
  proxy_unlink(up, nc);
  if (u != NULL && pd != NULL &&
      mg_http_parse_url(mg_mk_str(upd->proxy_key), u, &err) == 0) {
    fresh = proxy_connect(nc, u, proxy_key(u));
  }
  if (fresh != NULL) {
    MG_DEBUG(("%p closed unused, %p retries", (void *) up, (void *) fresh));
    proxy_link(fresh, nc, pd, upd->is_head);
    mg_send(fresh, upd->proxy_retry, (int) upd->proxy_retry_len);
  } else {
    mg_http_send_error(nc, 502, NULL);
  }
  MG_FREE(u);
}

// An event of a parked upstream: bytes (nothing was asked) or the idle
// timeout drop it; so does its close (it leaves the manager).
static void proxy_idle_event(struct mg_connection *up, int ev) {
  if ((ev == MG_EV_RECV && up->recv_mbuf.len > 0) || ev == MG_EV_TIMER) {
    MG_DEBUG(("%p idle upstream dropped: %s", (void *) up,
              ev == MG_EV_RECV ? "unexpected bytes" : "idle timeout"));
    up->flags &= ~PROXY_F_IDLE;
    up->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

// The upstream closed. A reused one before any reply byte: the request is
// retried; otherwise before any reply byte came: 502; a body that runs
// to the close ends here; in the middle of any other reply: the client's
// connection is closed too (the reply is cut).
static void proxy_upstream_closed(struct mg_connection *up,
                                  struct mg_connection *nc) {
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  if (nc == NULL || upd == NULL) return;
  // (mg_mgr_free() closing everything: no retry, it could not connect.)
  if ((up->flags & PROXY_F_REUSED) && !(up->flags & PROXY_F_GOT_BYTES) &&
      upd->proxy_retry != NULL && up->mgr->num_ifaces > 0) {
    proxy_retry(up, nc);
    return;
  }
  if (!(up->flags & PROXY_F_REPLIED)) proxy_pump(up, nc, 1);
  if (!(up->flags & PROXY_F_REPLIED) && upd->proxy_state == PROXY_TO_CLOSE) {
    proxy_done(up, nc);
  }
  proxy_unlink(up, nc);
  if (up->flags & PROXY_F_REPLIED) return;
  if (upd->proxy_state != PROXY_HEAD || (up->flags & PROXY_F_GOT_BYTES)) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else {
    mg_http_send_error(nc, 502, NULL);
  }
}

// The handler of upstream connections (no protocol handler: raw bytes).
static void proxy_upstream_handler(struct mg_connection *up, int ev,
                                   void *ev_data MG_UD_ARG(void *user_data)) {
  struct mg_connection *nc;
  struct mg_http_proto_data *upd = (struct mg_http_proto_data *) up->proto_data;
  MG_UD_UNUSED;
  if (up->flags & PROXY_F_IDLE) {
    proxy_idle_event(up, ev);
    return;
  }
  if (ev == MG_EV_RECV && *(int *) ev_data > 0) {
    up->flags |= PROXY_F_GOT_BYTES;
    mg_set_timer(up, mg_time() + MG_HTTP_IDLE_TIMEOUT);
  }
  // Only these events need the client (proxy_peer_of() walks the list); a
  // poll only when bytes wait for the client to drain.
  if (ev != MG_EV_CONNECT && ev != MG_EV_TIMER && ev != MG_EV_RECV &&
      ev != MG_EV_CLOSE && !(ev == MG_EV_POLL && up->recv_mbuf.len > 0)) {
    return;
  }
  nc = proxy_peer_of(up);
  if (ev == MG_EV_CONNECT && *(int *) ev_data != 0) {
    proxy_fail(up, nc, 502);
  } else if (ev == MG_EV_TIMER) {
    if (upd != NULL && upd->proxy_state != PROXY_HEAD && nc != NULL) {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;  // Stalled in the body: cut
    }
    proxy_fail(up, nc, 504);
  } else if ((ev == MG_EV_RECV || ev == MG_EV_POLL) && nc != NULL) {
    if (ev == MG_EV_POLL) mg_set_timer(up, mg_time() + MG_HTTP_IDLE_TIMEOUT);
    proxy_pump(up, nc, 0);
  } else if (ev == MG_EV_CLOSE) {
    proxy_upstream_closed(up, nc);
  }
  // The client is gone: nobody waits for this reply.
  if (nc == NULL && ev != MG_EV_CLOSE) up->flags |= MG_F_CLOSE_IMMEDIATELY;
}

// True for the methods a proxy may send twice (RFC 9110 9.2.2): only they
// go on a reused upstream, whose request may have to be retried.
static int proxy_idempotent(struct mg_str method) {
  static const char *const idem[] = {"GET",    "HEAD",  "OPTIONS", "PUT",
                                     "DELETE", "TRACE", NULL};
  const char *const *m;
  for (m = idem; *m != NULL; m++) {
    if (mg_vcmp(&method, *m) == 0) return 1;
  }
  return 0;
}

// Takes an upstream for the client nc's request to u: a parked one if
// reuse allows and the pool has one, else a new one. Links the two.
// Returns NULL if it cannot (502 is sent).
static struct mg_connection *proxy_open(struct mg_connection *nc,
                                        const struct mg_http_url *u,
                                        int reuse) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct mg_connection *up = NULL;
  char *key = pd != NULL ? proxy_key(u) : NULL;
  if (key != NULL && reuse) up = proxy_find_idle(nc->mgr, key);
  if (up != NULL) {
    MG_FREE(key);
    up->flags |= PROXY_F_REUSED;
    MG_DEBUG(("%p reuses upstream %p", (void *) nc, (void *) up));
  } else if (pd != NULL) {
    up = proxy_connect(nc, u, key);
  }
  if (up == NULL) {
    mg_http_send_error(nc, 502, NULL);
    return NULL;
  }
  proxy_link(up, nc, pd, pd->is_head);
  return up;
}

void mg_http_reverse_proxy(struct mg_connection *nc,
                           const struct http_message *hm, struct mg_str mount,
                           struct mg_str upstream) {
  struct mg_http_url *u = (struct mg_http_url *) MG_MALLOC(sizeof(*u));
  struct mg_connection *up;
  const char *err = NULL;
  char mem[256], *path = mem;
  int len;
  if (u == NULL) {
    mg_http_send_error(nc, 500, NULL);
  } else if (mg_http_parse_url(upstream, u, &err) != 0) {
    MG_ERROR(("%p upstream %.*s: %s", (void *) nc, (int) upstream.len,
              upstream.p, err));
    mg_http_send_error(nc, 502, NULL);
  } else if ((len = proxy_target(hm, mount, u->path, &path, sizeof(mem))) < 0) {
    mg_http_send_error(nc, len == -1 ? 400 : 500, NULL);
  } else if ((up = proxy_open(nc, u, proxy_idempotent(hm->method))) != NULL) {
    proxy_send_request(up, nc, hm, u, mg_mk_str_n(path, (size_t) len));
    if (up->flags & PROXY_F_REUSED) proxy_save_request(up);
  }
  if (path != mem) MG_FREE(path);
  MG_FREE(u);
}

void mg_http_proxy_rewrite(struct mg_connection *nc, struct http_message *hm,
                           struct mg_str prefix, struct mg_str upstream) {
  mg_http_reverse_proxy(nc, hm, prefix, upstream);
}

#endif  // MG_ENABLE_HTTP
