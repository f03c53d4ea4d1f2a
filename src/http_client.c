#include "http_internal.h"
#include "uri.h"

// HTTP client requests (mg_connect_http), the client protocol handler that
// parses replies. The reverse proxy is in http_proxy.c.

#if MG_ENABLE_HTTP

// True if s has a byte that may not appear in a request line or header
// value: controls (CR, LF, NUL...), space, DEL and non-ASCII bytes.
static int cli_has_bad_byte(struct mg_str s) {
  size_t i;
  for (i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char) s.p[i];
    if (c <= 0x20 || c >= 0x7f) return 1;
  }
  return 0;
}

// Decodes "user[:pass]" into u. Returns 0, or -1 if malformed or too long.
static int cli_parse_user_info(struct mg_str ui, struct mg_http_url *u) {
  const char *colon = mg_strchr(ui, ':');
  size_t ulen = colon != NULL ? (size_t) (colon - ui.p) : ui.len;
  if (ui.len == 0) return 0;
  u->has_auth = 1;
  u->has_pass = colon != NULL;
  if (mg_url_decode(ui.p, (int) ulen, u->user, sizeof(u->user), 0) < 0) {
    return -1;
  }
  if (colon == NULL) return 0;
  return mg_url_decode(colon + 1, (int) (ui.len - ulen - 1), u->pass,
                       sizeof(u->pass), 0) < 0
             ? -1
             : 0;
}

// Splits an http:// URL (a URL without a scheme is taken as http). Returns
// 0, or -1 with *err saying what is wrong.
int mg_http_parse_url(struct mg_str url, struct mg_http_url *u,
                      const char **err) {
  struct mg_str scheme, user_info, fragment;
  memset(u, 0, sizeof(*u));
  // A CR or LF (or space) from the URL would split the request line.
  if (cli_has_bad_byte(url)) return *err = "invalid character in URL", -1;
  if (mg_parse_uri(url, &scheme, &user_info, &u->host, &u->port, &u->path,
                   &u->query, &fragment) != 0) {
    return *err = "malformed URL", -1;
  }
  // mg_parse_uri() keeps an IPv6 literal's brackets (as 6.x); the address
  // and the Host header are built from the bare host.
  if (u->host.len >= 2 && u->host.p[0] == '[') u->host.p++, u->host.len -= 2;
  if (mg_vcasecmp(&scheme, "https") == 0) {
#if MG_ENABLE_SSL
    u->tls = 1;
#else
    return *err = "https:// URL, but TLS not built (MG_ENABLE_SSL)", -1;
#endif
  } else if (scheme.len > 0 && mg_vcasecmp(&scheme, "http") != 0) {
    return *err = "unsupported URL scheme", -1;
  }
  if (u->host.len == 0) return *err = "URL has no host", -1;
  if (u->host.len >= MG_MAX_HOST_LEN) return *err = "host name too long", -1;
  if (cli_parse_user_info(user_info, u) != 0) {
    return *err = "bad credentials in URL", -1;
  }
  if (u->port == 0) u->port = u->tls ? 443 : 80;
  return 0;
}

// Starts the connection to u's host and port, with the HTTP protocol
// handler. NULL (and *opts.error_string) on failure.
struct mg_connection *mg_http_client_open(struct mg_mgr *mgr,
                                          mg_event_handler_t handler,
                                          struct mg_connect_opts opts,
                                          const struct mg_http_url *u) {
  char addr[MG_MAX_HOST_LEN + 32];
  int v6 = mg_strchr(u->host, ':') != NULL;
  struct mg_connection *nc;
  snprintf(addr, sizeof(addr), "tcp://%s%.*s%s:%u", v6 ? "[" : "",
           (int) u->host.len, u->host.p, v6 ? "]" : "", u->port);
  // https: TLS with what opts say, the system's trust store by default;
  // the host of the URL is the name verified and sent as SNI.
  if (u->tls) opts.flags |= MG_F_SSL;
  if ((nc = mg_connect_opt(mgr, addr, MG_CB(handler, opts.user_data), opts)) ==
      NULL) {
    return NULL;
  }
  nc->proto_handler = mg_http_client_handler;
  return nc;
}

// Sends "Host: host[:port]"; the port only when it is not 80.
void mg_http_send_host(struct mg_connection *nc, const struct mg_http_url *u) {
  int v6 = mg_strchr(u->host, ':') != NULL;
  mg_printf(nc, "Host: %s%.*s%s", v6 ? "[" : "", (int) u->host.len, u->host.p,
            v6 ? "]" : "");
  if (u->port != (u->tls ? 443u : 80u)) mg_printf(nc, ":%u", u->port);
  mg_send(nc, "\r\n", 2);
}

// Sends the Basic Authorization header for the URL's credentials.
static void cli_send_auth(struct mg_connection *nc,
                          const struct mg_http_url *u) {
  struct mbuf buf;
  // Room for the header with the longest credentials: no append can fail
  // half-way once this allocation succeeded.
  size_t need = 32 + (2 * MG_HTTP_URL_MAX_CRED + 2) / 3 * 4 + 4;
  // A NULL password encodes the user alone ("user" without ':').
  struct mg_str pass = u->has_pass ? mg_mk_str(u->pass) : mg_mk_str_n(NULL, 0);
  mbuf_init(&buf, need);
  if (buf.size < need) {
    MG_ERROR(("%p out of memory", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else {
    mg_basic_auth_header(mg_mk_str(u->user), pass, &buf);
    mg_send(nc, buf.buf, (int) buf.len);
  }
  mbuf_free(&buf);
}

// Queues the request on nc: it goes out once the connection is made.
static void cli_send_request(struct mg_connection *nc,
                             const struct mg_http_url *u,
                             const char *extra_headers, const char *post_data) {
  size_t n;
  mg_printf(nc, "%s %.*s%s%.*s HTTP/1.1\r\n",
            post_data != NULL ? "POST" : "GET",
            (int) (u->path.len > 0 ? u->path.len : 1),
            u->path.len > 0 ? u->path.p : "/", u->query.len > 0 ? "?" : "",
            (int) u->query.len, u->query.p);
  mg_http_send_host(nc, u);
  if (post_data != NULL) {
    mg_printf(nc, "Content-Length: %lu\r\n", (unsigned long) strlen(post_data));
  }
  if (u->has_auth) cli_send_auth(nc, u);
  if (extra_headers != NULL && (n = strlen(extra_headers)) > 0) {
    mg_send(nc, extra_headers, (int) n);
    if (extra_headers[n - 1] != '\n') mg_send(nc, "\r\n", 2);
  }
  mg_send(nc, "\r\n", 2);
  if (post_data != NULL) mg_send(nc, post_data, (int) strlen(post_data));
}

struct mg_connection *mg_connect_http_opt(
    struct mg_mgr *mgr, MG_CB(mg_event_handler_t ev_handler, void *user_data),
    struct mg_connect_opts opts, const char *url, const char *extra_headers,
    const char *post_data) {
  struct mg_http_url *u;
  struct mg_connection *nc = NULL;
  const char *err = NULL;
  MG_UD_TO_OPTS(opts);
  // struct mg_http_url holds the credentials: too big for some stacks.
  if ((u = (struct mg_http_url *) MG_MALLOC(sizeof(*u))) == NULL) {
    MG_ERROR(("out of memory connecting to %s", url == NULL ? "" : url));
    MG_SET_PTRPTR(opts.error_string, "out of memory");
    return NULL;
  }
  if (url == NULL) {
    MG_SET_PTRPTR(opts.error_string, "no URL");
  } else if (mg_http_parse_url(mg_mk_str(url), u, &err) != 0) {
    MG_SET_PTRPTR(opts.error_string, err);
  } else if ((nc = mg_http_client_open(mgr, ev_handler, opts, u)) != NULL) {
    cli_send_request(nc, u, extra_headers, post_data);
  }
  MG_FREE(u);
  return nc;
}

struct mg_connection *mg_connect_http(
    struct mg_mgr *mgr, MG_CB(mg_event_handler_t ev_handler, void *user_data),
    const char *url, const char *extra_headers, const char *post_data) {
  struct mg_connect_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_connect_http_opt(mgr, MG_CB(ev_handler, user_data), opts, url,
                             extra_headers, post_data);
}

// ---- Replies ---------------------------------------------------------------

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
    if ((r = mg_http_dechunk(nc, pd, hm, hlen)) <= 0) {
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
         !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
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

void mg_http_client_handler(struct mg_connection *nc, int ev,
                            void *ev_data MG_UD_ARG(void *user_data)) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  MG_UD_UNUSED;
  if (ev == MG_EV_CLOSE) {
    if (pd != NULL) reply_close(nc, pd);
    mg_call_user(nc, MG_EV_CLOSE, ev_data);
    // After the handler has seen the close: the peer must not point at us.
    if (pd != NULL) mg_http_unlink_proxy(nc, pd);
    return;
  }
  // Every core event reaches the user handler first, as in 6.x.
  mg_call_user(nc, ev, ev_data);
  if (ev != MG_EV_RECV) return;
  if ((pd = mg_http_get_proto_data(nc)) == NULL) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  reply_serve(nc, pd);
}

#endif  // MG_ENABLE_HTTP
