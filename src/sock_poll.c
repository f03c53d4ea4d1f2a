// The poll() iface: like the select() iface, without the FD_SETSIZE limit.
// Each iteration builds a pollfd array of the connections that want I/O.
#include "sock_internal.h"

#if MG_ENABLE_POLL

struct poll_if_data {
  struct pollfd *fds;            // What poll() watches
  struct mg_connection **conns;  // conns[i] owns fds[i]; NULL: ctl socket
  size_t cap;                    // Entries allocated in both arrays
};

static void poll_if_init(struct mg_iface *iface) {
  iface->data = MG_CALLOC(1, sizeof(struct poll_if_data));
}

static void poll_if_free(struct mg_iface *iface) {
  struct poll_if_data *d = (struct poll_if_data *) iface->data;
  if (d != NULL) {
    MG_FREE(d->fds);
    MG_FREE(d->conns);
    MG_FREE(d);
  }
  iface->data = NULL;
}

// An iface whose state could not be allocated refuses connections (the
// caller gets NULL and an error string) instead of never serving them.
static int poll_if_create_conn(struct mg_connection *nc) {
  if (nc->iface->data != NULL) return 1;
  MG_ERROR(("poll iface not started (out of memory): connection refused"));
  return 0;
}

static void poll_if_add_conn(struct mg_connection *nc) {
  (void) nc;
}

static void poll_if_remove_conn(struct mg_connection *nc) {
  (void) nc;
}

// Makes room for n entries. Returns 0 if memory ran out.
static int poll_if_reserve(struct poll_if_data *d, size_t n) {
  struct pollfd *fds;
  struct mg_connection **conns;
  size_t cap = d->cap == 0 ? 64 : d->cap;
  if (n <= d->cap) return 1;
  while (cap < n) cap *= 2;
  fds = (struct pollfd *) MG_REALLOC(d->fds, cap * sizeof(*fds));
  if (fds != NULL) d->fds = fds;
  conns = (struct mg_connection **) MG_REALLOC(d->conns, cap * sizeof(*conns));
  if (conns != NULL) d->conns = conns;
  if (fds == NULL || conns == NULL) return 0;
  d->cap = cap;
  return 1;
}

static void poll_if_add(struct poll_if_data *d, size_t *n, sock_t fd,
                        short events, struct mg_connection *nc) {
  d->fds[*n].fd = fd;
  d->fds[*n].events = events;
  d->fds[*n].revents = 0;
  d->conns[*n] = nc;
  (*n)++;
}

// Fills the array from the iteration's one pass. Returns the number of
// entries, or (size_t) -1 if the array is full.
static size_t poll_if_fill_once(struct mg_iface *iface, struct poll_if_data *d,
                                struct mg_sock_pass *p) {
  struct mg_mgr *mgr = iface->mgr;
  struct mg_connection *nc;
  size_t n = 0;
  mg_sock_pass_begin(p, mgr);
  if (iface == mgr->ifaces[0] && mgr->ctl[1] != INVALID_SOCKET) {
    poll_if_add(d, &n, mgr->ctl[1], POLLIN, NULL);
  }
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    short ev = 0;
    if (!mg_sock_pass_note(p, iface, nc)) continue;
    if (nc->sock == INVALID_SOCKET) continue;
    if (mg_sock_wants_read(nc)) ev |= POLLIN;
    if (mg_sock_wants_write(nc)) ev |= POLLOUT;
    if (ev == 0) continue;
    if (n == d->cap) return (size_t) -1;
    poll_if_add(d, &n, nc->sock, ev, nc);
  }
  return n;
}

// The array keeps its size between iterations; a full one doubles and the
// fill starts over. Returns 0 if memory ran out: nothing is watched this
// iteration (and the pass knows no timer, so the wait is the caller's).
static size_t poll_if_fill(struct mg_iface *iface, struct poll_if_data *d,
                           struct mg_sock_pass *p) {
  size_t n;
  mg_sock_pass_begin(p, iface->mgr);
  if (!poll_if_reserve(d, 1)) return 0;
  while ((n = poll_if_fill_once(iface, d, p)) == (size_t) -1) {
    if (!poll_if_reserve(d, d->cap * 2)) return 0;
  }
  return n;
}

static void poll_if_dispatch(struct mg_iface *iface, struct poll_if_data *d,
                             size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    struct mg_connection *nc = d->conns[i];
    short re = d->fds[i].revents;
    int r, w;
    if (re == 0) continue;
    if (nc == NULL) {
      mg_mgr_handle_ctl(iface->mgr);
      continue;
    }
    // Errors and hang-ups are seen by the read or write that follows.
    r = (re & (POLLIN | POLLHUP | POLLERR)) && mg_sock_wants_read(nc);
    w = (re & (POLLOUT | POLLHUP | POLLERR)) && mg_sock_wants_write(nc);
    if (r || w) mg_sock_handle_io(nc, r, w);
  }
}

static time_t poll_if_poll(struct mg_iface *iface, int timeout_ms) {
  struct poll_if_data *d = (struct poll_if_data *) iface->data;
  struct mg_sock_pass pass;
  int rc;
  size_t n;
  if (d == NULL) return (time_t) mg_time();
  n = poll_if_fill(iface, d, &pass);
  rc = poll(d->fds, (nfds_t) n, mg_sock_pass_wait_ms(&pass, timeout_ms));
  if (rc < 0 && errno != EINTR) MG_ERROR(("poll: errno %d", errno));
  if (rc > 0) poll_if_dispatch(iface, d, n);
  mg_sock_pass_connects(&pass, iface);
  return (time_t) mg_time();
}

const struct mg_iface_vtable mg_poll_iface_vtable = {
    poll_if_init,           // init
    poll_if_free,           // free
    poll_if_add_conn,       // add_conn
    poll_if_remove_conn,    // remove_conn
    poll_if_poll,           // poll
    mg_sock_listen_tcp,     // listen_tcp
    mg_sock_listen_udp,     // listen_udp
    mg_sock_connect_tcp,    // connect_tcp
    mg_sock_connect_udp,    // connect_udp
    mg_sock_tcp_send,       // tcp_send
    mg_sock_udp_send,       // udp_send
    mg_sock_tcp_recv,       // tcp_recv
    mg_sock_udp_recv,       // udp_recv
    poll_if_create_conn,    // create_conn
    mg_sock_destroy_conn,   // destroy_conn
    mg_sock_sock_set,       // sock_set
    mg_sock_get_conn_addr,  // get_conn_addr
    mg_sock_tcp_sendfile,   // sendfile
    mg_sock_ctl_open,       // ctl_open
    mg_sock_ctl_send,       // ctl_send
    mg_sock_ctl_recv,       // ctl_recv
    mg_sock_ctl_close,      // ctl_close
};

#endif  // MG_ENABLE_POLL
