#include "core_internal.h"
#include "uri.h"

// Flags an application may pass in opts.flags when creating a connection.
#define MG_F_OPTS_ALLOWED                                                \
  (MG_F_USER_1 | MG_F_USER_2 | MG_F_USER_3 | MG_F_USER_4 | MG_F_USER_5 | \
   MG_F_USER_6 | MG_F_PROTO_1 | MG_F_PROTO_2 | MG_F_ENABLE_BROADCAST)

static const struct {
  int err;
  const char *msg;
} s_errors[] = {
    {EADDRINUSE, "address already in use"},
    {EACCES, "permission denied"},
    {EADDRNOTAVAIL, "address not available on this host"},
    {EAFNOSUPPORT, "address family not supported"},
    {EMFILE, "too many open files"},
    {ENFILE, "too many open files in the system"},
    {ENOMEM, "out of memory"},
    {ECONNREFUSED, "connection refused"},
    {ENETUNREACH, "network unreachable"},
    {MG_EFDSETSIZE, "descriptor above FD_SETSIZE: select() cannot watch it"},
    {MG_ENORESOLVER, "cannot resolve host name: the DNS resolver is not built"},
    {MG_EDNS_NXDOMAIN, "cannot resolve host name: no such name (NXDOMAIN)"},
    {MG_EDNS_NODATA, "cannot resolve host name: it has no address record"},
    {MG_EDNS_SERVFAIL, "cannot resolve host name: nameserver failure"},
    {MG_EDNS_TIMEOUT, "cannot resolve host name: no nameserver answered"},
    {MG_EDNS_FAILED, "cannot resolve host name: nameservers unreachable"},
    {MG_ETLS_CERT, "TLS: the peer's certificate did not verify"},
    {MG_ETLS_HOSTNAME, "TLS: the certificate is for another host name"},
    {MG_ETLS_PROTO, "TLS: handshake failed (protocol, cipher or alert)"},
    {MG_ETLS_TIMEOUT, "TLS: the handshake timed out"},
    {MG_ETLS_CLOSED, "TLS: the peer closed the connection in the handshake"},
};

const char *mg_strerror(int err) {
  size_t i;
  for (i = 0; i < MG_ARRAY_SIZE(s_errors); i++) {
    if (s_errors[i].err == err) return s_errors[i].msg;
  }
  return "socket error";
}

void mg_call(struct mg_connection *nc, mg_event_handler_t handler, int ev,
             void *ev_data) {
  unsigned long flags_before;
  int is_proto;
  if (handler == NULL) {
    handler = nc->proto_handler != NULL ? nc->proto_handler : nc->handler;
    if (ev != MG_EV_POLL) nc->mgr->num_calls++;
  }
  if (handler == NULL) return;
  flags_before = nc->flags;
  // Decided before the call: a protocol handler may hand the connection to
  // another one (a WebSocket upgrade) and still own the flags it set.
  is_proto = handler == nc->proto_handler;
  handler(nc, ev, ev_data MG_UD_ARG(nc->user_data));
  // A user handler (any but the protocol handler) may change only the
  // user-modifiable flags.
  if (!is_proto && nc->flags != flags_before) {
    nc->flags = (flags_before & ~(unsigned long) MG_F_USER_MODIFIABLE) |
                (nc->flags & (unsigned long) MG_F_USER_MODIFIABLE);
  }
}

void mg_call_user(struct mg_connection *nc, int ev, void *ev_data) {
  if (nc->handler != NULL) mg_call(nc, nc->handler, ev, ev_data);
}

static void mg_add_conn(struct mg_mgr *mgr, struct mg_connection *c) {
  c->mgr = mgr;
  c->prev = NULL;
  c->next = mgr->active_connections;
  if (c->next != NULL) c->next->prev = c;
  mgr->active_connections = c;
  if (c->iface->vtable->add_conn != NULL) c->iface->vtable->add_conn(c);
}

static void mg_remove_conn(struct mg_connection *c) {
  if (c->prev == NULL) c->mgr->active_connections = c->next;
  if (c->prev != NULL) c->prev->next = c->next;
  if (c->next != NULL) c->next->prev = c->prev;
  c->next = c->prev = NULL;
  if (c->iface->vtable->remove_conn != NULL) c->iface->vtable->remove_conn(c);
}

static struct mg_connection *mg_create_conn(struct mg_mgr *mgr,
                                            mg_event_handler_t handler,
                                            struct mg_add_sock_opts opts) {
  struct mg_connection *c;
  // A manager that failed to initialise, or is being freed, has no ifaces.
  if (mgr->num_ifaces == 0) return NULL;
  if ((c = (struct mg_connection *) MG_CALLOC(1, sizeof(*c))) == NULL) {
    MG_ERROR(("out of memory for a connection"));
    return NULL;
  }
  c->sock = INVALID_SOCKET;
  c->mgr = mgr;
  c->handler = handler;
  c->user_data = opts.user_data;
  c->flags = opts.flags & MG_F_OPTS_ALLOWED;
  c->iface = opts.iface != NULL ? opts.iface : mgr->ifaces[0];
  c->recv_mbuf_limit = ~(size_t) 0;
  c->last_io_time = time(NULL);
  if (!c->iface->vtable->create_conn(c)) {
    MG_FREE(c);
    return NULL;
  }
  return c;
}

// Frees a connection that is not (or no longer) in the manager's list.
static void mg_destroy_conn(struct mg_connection *c) {
  // A connection still waiting for the resolver: its query must not point
  // at freed memory (see mg_resolve_and_connect()).
  if ((c->flags & MG_F_RESOLVING) && c->priv_2 != NULL) {
    *(struct mg_connection **) c->priv_2 = NULL;
  }
#if MG_ENABLE_SSL
  mg_tls_free(c);  // close_notify while the socket is still open
#endif
  c->iface->vtable->destroy_conn(c);
  if (c->proto_data != NULL && c->proto_data_destructor != NULL) {
    c->proto_data_destructor(c->proto_data);
  }
  mbuf_free(&c->recv_mbuf);
  mbuf_free(&c->send_mbuf);
  memset(c, 0, sizeof(*c));
  MG_FREE(c);
}

// Children must not outlive their listener's pointer, and the per-peer
// connections of a UDP listener share its socket: detach them all.
static void mg_detach_children(struct mg_connection *lc) {
  struct mg_connection *c;
  for (c = lc->mgr->active_connections; c != NULL; c = c->next) {
    if (c->listener != lc) continue;
    if (c->flags & MG_F_UDP) {
      c->sock = INVALID_SOCKET;
      c->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
    c->listener = NULL;
  }
}

void mg_close_conn(struct mg_connection *c) {
  MG_DEBUG(("%p closing, sock %d", (void *) c, (int) c->sock));
  mg_call(c, NULL, MG_EV_CLOSE, NULL);
  if (c->flags & MG_F_LISTENING) mg_detach_children(c);
  mg_remove_conn(c);
  mg_destroy_conn(c);
}

void mg_mgr_init(struct mg_mgr *mgr, void *user_data) {
  struct mg_mgr_init_opts opts;
  memset(&opts, 0, sizeof(opts));
  mg_mgr_init_opt(mgr, user_data, opts);
}

void mg_mgr_init_opt(struct mg_mgr *m, void *user_data,
                     struct mg_mgr_init_opts opts) {
  int i, n;
  memset(m, 0, sizeof(*m));
  m->ctl[0] = m->ctl[1] = INVALID_SOCKET;
  m->user_data = user_data;
  m->nameserver = opts.nameserver;
  signal(SIGPIPE, SIG_IGN);
  // As in 6.x: opts.ifaces lists every iface, main_iface replaces the first.
  if (opts.num_ifaces <= 0 || opts.ifaces == NULL) {
    opts.num_ifaces = mg_num_ifaces;
    opts.ifaces = (const struct mg_iface_vtable **) mg_ifaces;
  }
  n = opts.num_ifaces;
  m->ifaces = (struct mg_iface **) MG_CALLOC((size_t) n, sizeof(*m->ifaces));
  if (m->ifaces == NULL) {
    MG_ERROR(("out of memory"));
    return;
  }
  for (i = 0; i < n; i++) {
    const struct mg_iface_vtable *vt = opts.ifaces[i];
    if (i == 0 && opts.main_iface != NULL) vt = opts.main_iface;
    if ((m->ifaces[m->num_ifaces] = mg_if_create_iface(vt, m)) == NULL) {
      MG_ERROR(("out of memory"));
      continue;
    }
    vt->init(m->ifaces[m->num_ifaces++]);
  }
  mg_mgr_open_ctl(m);
}

void mg_mgr_free(struct mg_mgr *m) {
  int i, n = m->num_ifaces;
  // With no ifaces, handlers that reconnect on MG_EV_CLOSE cannot add
  // connections, so the loop below ends.
  m->num_ifaces = 0;
  while (m->active_connections != NULL) mg_close_conn(m->active_connections);
  if (n > 0 && m->ifaces[0]->vtable->ctl_close != NULL) {
    m->ifaces[0]->vtable->ctl_close(m);
  }
  for (i = 0; i < n; i++) {
    m->ifaces[i]->vtable->free(m->ifaces[i]);
    MG_FREE(m->ifaces[i]);
  }
  MG_FREE(m->ifaces);
  m->ifaces = NULL;
  // A flat block (no pointers inside): freed here without calling up into
  // the resolver.
  MG_FREE(m->resolver);
  m->resolver = NULL;
  MG_FREE(m->dav_locks);
  m->dav_locks = NULL;
}

static int mg_must_close(const struct mg_connection *c) {
  return (c->flags & MG_F_CLOSE_IMMEDIATELY) ||
         ((c->flags & MG_F_SEND_AND_CLOSE) && c->send_mbuf.len == 0);
}

int mg_if_poll(struct mg_connection *nc, double now) {
  time_t now_t = (time_t) now;
#if MG_ENABLE_SSL
  mg_tls_poll(nc, now);
#endif
  if (mg_must_close(nc)) {
    mg_close_conn(nc);
    return 0;
  }
  if (nc->ev_timer_time > 0 && now >= nc->ev_timer_time) {
    double deadline = nc->ev_timer_time;
    nc->ev_timer_time = 0;
    mg_call(nc, NULL, MG_EV_TIMER, &deadline);
  }
  mg_call(nc, NULL, MG_EV_POLL, &now_t);
  // Close in this iteration what the timer or poll handler asked to close,
  // rather than after the next wait.
  if (mg_must_close(nc)) {
    mg_close_conn(nc);
    return 0;
  }
  return 1;
}

int mg_mgr_poll(struct mg_mgr *m, int milli) {
  int i, before = m->num_calls;
  struct mg_connection *c, *next;
  void *outer;
  double now;
  if (m->num_ifaces == 0) return 0;
  outer = mg_mgr_poll_enter(m);
  // Only the main iface waits; the others are polled without blocking.
  for (i = 0; i < m->num_ifaces; i++) {
    m->ifaces[i]->vtable->poll(m->ifaces[i], i == 0 ? milli : 0);
  }
  now = mg_time();
  // Connections created during this pass are prepended to the list, so
  // they are not visited until the next iteration.
  for (c = m->active_connections; c != NULL; c = next) {
    next = c->next;
#if MG_ENABLE_SSL
    // Bytes the TLS library holds make no socket readable: read them here.
    if (mg_tls_pending(c)) mg_if_can_recv_cb(c);
#endif
    mg_if_poll(c, now);
  }
  mg_mgr_poll_leave(outer);
  return m->num_calls - before;
}

double mg_mgr_min_timer(const struct mg_mgr *mgr) {
  double min = 0;
  const struct mg_connection *c;
  for (c = mgr->active_connections; c != NULL; c = c->next) {
    if (c->ev_timer_time <= 0) continue;
    if (min == 0 || c->ev_timer_time < min) min = c->ev_timer_time;
  }
  return min;
}

double mg_set_timer(struct mg_connection *c, double timestamp) {
  double old = c->ev_timer_time;
  c->ev_timer_time = timestamp;
  return old;
}

struct mg_connection *mg_next(struct mg_mgr *mgr, struct mg_connection *c) {
  return c == NULL ? mgr->active_connections : c->next;
}

static void mg_copy_add_opts(struct mg_add_sock_opts *dst, void *user_data,
                             unsigned int flags, const char **error_string,
                             struct mg_iface *iface) {
  memset(dst, 0, sizeof(*dst));
  dst->user_data = user_data;
  dst->flags = flags;
  dst->error_string = error_string;
  dst->iface = iface;
}

struct mg_connection *mg_add_sock(struct mg_mgr *mgr, sock_t sock,
                                  MG_CB(mg_event_handler_t handler,
                                        void *user_data)) {
  struct mg_add_sock_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_add_sock_opt(mgr, sock, MG_CB(handler, user_data), opts);
}

struct mg_connection *mg_add_sock_opt(struct mg_mgr *mgr, sock_t sock,
                                      MG_CB(mg_event_handler_t handler,
                                            void *user_data),
                                      struct mg_add_sock_opts opts) {
  struct mg_connection *c;
  MG_UD_TO_OPTS(opts);
  if ((c = mg_create_conn(mgr, handler, opts)) == NULL) {
    MG_SET_PTRPTR(opts.error_string, "cannot create connection");
    return NULL;
  }
  // No socket: a connection that lives on timers and MG_EV_POLL.
  if (sock != INVALID_SOCKET) {
    c->iface->vtable->sock_set(c, sock);
    if (c->sock == INVALID_SOCKET) {
      // The iface refused the descriptor; the caller still owns it.
      MG_SET_PTRPTR(opts.error_string, mg_strerror(MG_EFDSETSIZE));
      mg_destroy_conn(c);
      return NULL;
    }
  }
  mg_add_conn(mgr, c);
  return c;
}

// Parses an address for bind/connect: sets *proto (SOCK_STREAM or
// SOCK_DGRAM), the port in sa and, for a name, host (MG_MAX_HOST_LEN
// bytes). Returns 1 for a numeric address (all of sa set), 0 for a host
// name that needs the resolver, -1 with *error_string set.
static int mg_resolve_address(const char *address, union socket_address *sa,
                              int *proto, char *host,
                              const char **error_string) {
  int rc;
  *proto = SOCK_STREAM;
  rc = mg_parse_address(address, sa, proto, host, MG_MAX_HOST_LEN);
  if (rc < 0) {
    MG_SET_PTRPTR(error_string, "cannot parse address");
    return -1;
  }
  return rc == 0 ? 0 : 1;
}

struct mg_connection *mg_bind(struct mg_mgr *mgr, const char *address,
                              MG_CB(mg_event_handler_t handler,
                                    void *user_data)) {
  struct mg_bind_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_bind_opt(mgr, address, MG_CB(handler, user_data), opts);
}

struct mg_connection *mg_bind_opt(struct mg_mgr *mgr, const char *address,
                                  MG_CB(mg_event_handler_t handler,
                                        void *user_data),
                                  struct mg_bind_opts opts) {
  union socket_address sa;
  struct mg_add_sock_opts add;
  struct mg_connection *c;
  char host[MG_MAX_HOST_LEN];
  int proto, rc, err;
  MG_UD_TO_OPTS(opts);
  mg_copy_add_opts(&add, opts.user_data, opts.flags, opts.error_string,
                   opts.iface);
  rc = mg_resolve_address(address, &sa, &proto, host, opts.error_string);
  if (rc <= 0) {
    // Listening on a name would need it resolved before the call returns.
    if (rc == 0) {
      MG_SET_PTRPTR(opts.error_string,
                    "cannot bind to a host name: use a numeric address");
    }
    return NULL;
  }
  if ((c = mg_create_conn(mgr, handler, add)) == NULL) {
    MG_SET_PTRPTR(opts.error_string, "cannot create connection");
    return NULL;
  }
  c->sa = sa;
  c->flags |= MG_F_LISTENING | (proto == SOCK_DGRAM ? MG_F_UDP : 0);
  err = proto == SOCK_DGRAM ? c->iface->vtable->listen_udp(c, &sa)
                            : c->iface->vtable->listen_tcp(c, &sa);
  if (err != 0) {
    MG_DEBUG(("bind %s: %d", address, err));
    MG_SET_PTRPTR(opts.error_string, mg_strerror(err));
    mg_destroy_conn(c);
    return NULL;
  }
#if MG_ENABLE_SSL
  if (opts.ssl_cert != NULL) {
    const char *msg = mg_tls_listen(c, &opts);
    if (msg != NULL) {
      MG_ERROR(("bind %s: %s", address, msg));
      MG_SET_PTRPTR(opts.error_string, msg);
      mg_destroy_conn(c);
      return NULL;
    }
  }
#endif
  mg_add_conn(mgr, c);
  return c;
}

struct mg_connection *mg_connect(struct mg_mgr *mgr, const char *address,
                                 MG_CB(mg_event_handler_t handler,
                                       void *user_data)) {
  struct mg_connect_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_connect_opt(mgr, address, MG_CB(handler, user_data), opts);
}

#if !MG_ENABLE_ASYNC_RESOLVER
// Without a resolver a host name fails: MG_EV_CONNECT reports
// MG_ENORESOLVER on the first poll, as a failed lookup does in 6.x.
static void mg_resolve_and_connect(struct mg_connection *c, const char *host,
                                   int proto, const char *nameserver) {
  (void) host, (void) proto, (void) nameserver;
  MG_ERROR(("%p %s: %s", (void *) c, host, mg_strerror(MG_ENORESOLVER)));
  c->flags |= MG_F_CONNECTING;
  c->err = MG_ENORESOLVER;
}
#endif

// True if address names "localhost", which mg_parse_address() turns into
// 127.0.0.1 at once: TLS still verifies (and sends as SNI) the name.
static int mg_address_is_localhost(const char *address) {
  const char *p = strstr(address, "://");
  p = p != NULL ? p + 3 : address;
  return mg_ncasecmp(p, "localhost:", 10) == 0;
}

// Makes c a TLS client if opts ask for it. Returns 0, or -1 with c freed
// and *opts->error_string set.
static int mg_connect_tls(struct mg_connection *c,
                          const struct mg_connect_opts *opts,
                          const char *host) {
#if MG_ENABLE_SSL
  const char *msg = mg_tls_client(c, opts, host);
  if (msg != NULL) {
    MG_ERROR(("%p %s", (void *) c, msg));
    MG_SET_PTRPTR(opts->error_string, msg);
    mg_destroy_conn(c);
    return -1;
  }
#else
  (void) host;
  if (opts->flags & MG_F_SSL) {
    MG_SET_PTRPTR(opts->error_string, "TLS not built (MG_ENABLE_SSL)");
    mg_destroy_conn(c);
    return -1;
  }
#endif
  return 0;
}

// A connect to a host name: a connection without a socket that waits for
// the resolver (mg_resolve_and_connect(), the core's one hook into it),
// which connects it or fails it through MG_EV_CONNECT.
static struct mg_connection *mg_connect_unresolved(
    struct mg_mgr *mgr, mg_event_handler_t handler, struct mg_add_sock_opts add,
    const union socket_address *sa, int proto, const char *host,
    const struct mg_connect_opts *opts) {
  struct mg_connection *c;
  if ((c = mg_create_conn(mgr, handler, add)) == NULL) {
    MG_SET_PTRPTR(add.error_string, "cannot create connection");
    return NULL;
  }
  c->sa = *sa;  // The port; the address comes from the resolver
  if (proto == SOCK_DGRAM) c->flags |= MG_F_UDP;
  if (mg_connect_tls(c, opts, host) != 0) return NULL;
  mg_add_conn(mgr, c);
  mg_resolve_and_connect(c, host, proto, opts->nameserver);
  return c;
}

struct mg_connection *mg_connect_opt(struct mg_mgr *mgr, const char *address,
                                     MG_CB(mg_event_handler_t handler,
                                           void *user_data),
                                     struct mg_connect_opts opts) {
  union socket_address sa;
  struct mg_add_sock_opts add;
  struct mg_connection *c;
  char host[MG_MAX_HOST_LEN];
  int proto, rc;
  MG_UD_TO_OPTS(opts);
  mg_copy_add_opts(&add, opts.user_data, opts.flags, opts.error_string,
                   opts.iface);
  rc = mg_resolve_address(address, &sa, &proto, host, opts.error_string);
  if (rc < 0) return NULL;
  if (sa.sin.sin_port == 0) {  // sin_port and sin6_port share their place
    MG_SET_PTRPTR(opts.error_string, "cannot connect to port 0");
    return NULL;
  }
  if (rc == 0) {
    return mg_connect_unresolved(mgr, handler, add, &sa, proto, host, &opts);
  }
  if ((c = mg_create_conn(mgr, handler, add)) == NULL) {
    MG_SET_PTRPTR(opts.error_string, "cannot create connection");
    return NULL;
  }
  c->sa = sa;
  c->flags |= MG_F_CONNECTING | (proto == SOCK_DGRAM ? MG_F_UDP : 0);
  if (mg_connect_tls(
          c, &opts, mg_address_is_localhost(address) ? "localhost" : "") != 0) {
    return NULL;
  }
  if (proto == SOCK_DGRAM) {
    c->iface->vtable->connect_udp(c);
  } else {
    c->iface->vtable->connect_tcp(c, &sa);
  }
  // No socket at all is a synchronous failure; a refused connect on a
  // socket we have is reported through MG_EV_CONNECT.
  if (c->sock == INVALID_SOCKET) {
    MG_SET_PTRPTR(opts.error_string, mg_strerror(c->err));
    mg_destroy_conn(c);
    return NULL;
  }
  mg_add_conn(mgr, c);
  return c;
}

void mg_send(struct mg_connection *nc, const void *buf, int len) {
  nc->last_io_time = time(NULL);  // Seconds: time() costs ~1/10 of mg_time()
  if (len <= 0) return;
  if (mbuf_append(&nc->send_mbuf, buf, (size_t) len) != (size_t) len) {
    // Dropping part of a stream would corrupt it: fail the connection.
    MG_ERROR(("%p out of memory queueing %d bytes", (void *) nc, len));
    nc->err = ENOMEM;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

int mg_vprintf(struct mg_connection *nc, const char *fmt, va_list ap) {
  char mem[256], *buf = mem;
  int len = mg_avprintf(&buf, sizeof(mem), fmt, ap);
  if (len > 0) mg_send(nc, buf, len);
  if (buf != mem) MG_FREE(buf);
  return len < 0 ? 0 : len;
}

int mg_printf(struct mg_connection *nc, const char *fmt, ...) {
  int len;
  va_list ap;
  va_start(ap, fmt);
  len = mg_vprintf(nc, fmt, ap);
  va_end(ap);
  return len;
}

struct mg_connection *mg_if_accept_new_conn(struct mg_connection *lc) {
  struct mg_add_sock_opts opts;
  struct mg_connection *c;
  mg_copy_add_opts(&opts, lc->user_data, 0, NULL, lc->iface);
  if ((c = mg_create_conn(lc->mgr, lc->handler, opts)) == NULL) return NULL;
  c->listener = lc;
  c->proto_handler = lc->proto_handler;
  c->recv_mbuf_limit = lc->recv_mbuf_limit;
#if MG_ENABLE_SSL
  if ((lc->flags & MG_F_SSL) && !mg_tls_accept(c, lc)) {
    mg_destroy_conn(c);
    return NULL;
  }
#endif
  mg_add_conn(lc->mgr, c);
  return c;
}

void mg_if_accept_tcp_cb(struct mg_connection *nc, union socket_address *sa,
                         size_t sa_len) {
  if (sa_len > sizeof(nc->sa)) sa_len = sizeof(nc->sa);
  if (sa != &nc->sa) memcpy(&nc->sa, sa, sa_len);
#if MG_ENABLE_SSL
  // MG_EV_ACCEPT comes once the TLS handshake is done (the TLS layer
  // calls back here).
  if ((nc->flags & MG_F_SSL) && !(nc->flags & MG_F_SSL_HANDSHAKE_DONE)) {
    mg_tls_handshake(nc);
    return;
  }
#endif
  MG_DEBUG(("%p accepted, sock %d", (void *) nc, (int) nc->sock));
  mg_call(nc, NULL, MG_EV_ACCEPT, &nc->sa);
}

void mg_if_connect_cb(struct mg_connection *nc, int err) {
  nc->flags &= ~(unsigned long) MG_F_CONNECTING;
#if MG_ENABLE_SSL
  // MG_EV_CONNECT comes once the TLS handshake is done (or has failed):
  // the TLS layer calls back here.
  if (err == 0 && (nc->flags & MG_F_SSL) &&
      !(nc->flags & MG_F_SSL_HANDSHAKE_DONE)) {
    mg_tls_handshake(nc);
    return;
  }
#endif
  nc->err = err;
  if (err != 0) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  MG_DEBUG(("%p connect result %d", (void *) nc, err));
  mg_call(nc, NULL, MG_EV_CONNECT, &err);
}
