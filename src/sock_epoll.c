// The epoll iface (Linux): the kernel keeps the interest set, so idle
// connections cost no system calls. Level-triggered; a connection's
// registration changes only when what it wants changes (rare on the
// request path: read, answer, read again).
#include "sock_internal.h"

#if MG_ENABLE_EPOLL

#define EPOLL_IF_MAX_EVENTS 256  // Events taken per epoll_wait()

struct epoll_if_data {
  int epfd;       // The epoll instance
  int ctl_added;  // mgr->ctl[1] is registered
  struct epoll_event events[EPOLL_IF_MAX_EVENTS];
};

// What a connection has registered is kept in nc->mgr_data: the socket
// (plus one) shifted left by two, and the EPOLLIN/EPOLLOUT bits as 1 and 2.
#define EPOLL_IF_REG(sock, mask) \
  ((void *) (uintptr_t) ((((uintptr_t) (sock) + 1) << 2) | (uintptr_t) (mask)))
#define EPOLL_IF_SOCK(v) ((sock_t) (((uintptr_t) (v) >> 2) - 1))
#define EPOLL_IF_MASK(v) ((int) ((uintptr_t) (v) &3))

static void epoll_if_init(struct mg_iface *iface) {
  struct epoll_if_data *d = (struct epoll_if_data *) MG_CALLOC(1, sizeof(*d));
  if (d == NULL) return;
  if ((d->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
    MG_ERROR(("epoll_create1: errno %d", errno));
    MG_FREE(d);
    return;
  }
  iface->data = d;
}

static void epoll_if_free(struct mg_iface *iface) {
  struct epoll_if_data *d = (struct epoll_if_data *) iface->data;
  if (d != NULL) {
    close(d->epfd);
    MG_FREE(d);
  }
  iface->data = NULL;
}

// An iface whose state could not be set up (memory, epoll_create1)
// refuses connections (the caller gets NULL and an error string) instead
// of never serving them.
static int epoll_if_create_conn(struct mg_connection *nc) {
  if (nc->iface->data != NULL) return 1;
  MG_ERROR(("epoll iface not started: connection refused"));
  return 0;
}

static void epoll_if_add_conn(struct mg_connection *nc) {
  nc->mgr_data = NULL;  // Nothing registered yet
}

// Removes the registration explicitly: another process may share the
// descriptor (after fork), and then close() would not remove it.
static void epoll_if_remove_conn(struct mg_connection *nc) {
  struct epoll_if_data *d = (struct epoll_if_data *) nc->iface->data;
  if (d != NULL && nc->mgr_data != NULL && EPOLL_IF_MASK(nc->mgr_data) != 0 &&
      EPOLL_IF_SOCK(nc->mgr_data) == nc->sock) {
    epoll_ctl(d->epfd, EPOLL_CTL_DEL, nc->sock, NULL);
  }
  nc->mgr_data = NULL;
}

// Brings nc's registration in line with what it wants now. A connection
// that wants nothing is not registered at all, so a peer's hang-up cannot
// wake us while it is backpressured.
static void epoll_if_sync(struct epoll_if_data *d, struct mg_connection *nc) {
  int want =
      (mg_sock_wants_read(nc) ? 1 : 0) | (mg_sock_wants_write(nc) ? 2 : 0);
  int have = 0, op;
  struct epoll_event ev;
  if (nc->mgr_data != NULL && EPOLL_IF_SOCK(nc->mgr_data) == nc->sock) {
    have = EPOLL_IF_MASK(nc->mgr_data);
  }
  if (want == have) return;
  op = have == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  memset(&ev, 0, sizeof(ev));
  ev.events = 0;
  if (want & 1) ev.events |= (uint32_t) EPOLLIN;
  if (want & 2) ev.events |= (uint32_t) EPOLLOUT;
  ev.data.ptr = nc;
  if (epoll_ctl(d->epfd, op, nc->sock, &ev) != 0) {
    MG_ERROR(("%p epoll_ctl(%d, %d): errno %d", (void *) nc, op, (int) nc->sock,
              errno));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  nc->mgr_data = EPOLL_IF_REG(nc->sock, want);
}

// Syncs every connection's registration, in the iteration's one pass.
static void epoll_if_sync_all(struct mg_iface *iface, struct epoll_if_data *d,
                              struct mg_sock_pass *p) {
  struct mg_connection *nc, *next;
  mg_sock_pass_begin(p, iface->mgr);
  for (nc = iface->mgr->active_connections; nc != NULL; nc = next) {
    next = nc->next;
    if (!mg_sock_pass_note(p, iface, nc)) continue;
    if (nc->sock == INVALID_SOCKET) continue;
    if ((nc->flags & MG_F_UDP) && nc->listener != NULL) {
      // A UDP per-peer connection shares its listener's socket, which can
      // be registered once only: send its datagrams directly.
      if (nc->send_mbuf.len > 0) mg_sock_handle_io(nc, 0, 1);
      continue;
    }
    epoll_if_sync(d, nc);
  }
}

static void epoll_if_add_ctl(struct mg_iface *iface, struct epoll_if_data *d) {
  struct epoll_event ev;
  struct mg_mgr *mgr = iface->mgr;
  if (d->ctl_added || iface != mgr->ifaces[0] ||
      mgr->ctl[1] == INVALID_SOCKET) {
    return;
  }
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.ptr = d;  // Marks the broadcast socket
  if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, mgr->ctl[1], &ev) == 0) {
    d->ctl_added = 1;
  }
}

static void epoll_if_dispatch(struct mg_iface *iface, struct epoll_if_data *d,
                              int n) {
  int i;
  for (i = 0; i < n; i++) {
    uint32_t re = d->events[i].events;
    struct mg_connection *nc;
    int r, w;
    if (d->events[i].data.ptr == d) {
      mg_mgr_handle_ctl(iface->mgr);
      continue;
    }
    nc = (struct mg_connection *) d->events[i].data.ptr;
    r = (re & (EPOLLIN | EPOLLHUP | EPOLLERR)) && mg_sock_wants_read(nc);
    w = (re & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && mg_sock_wants_write(nc);
    if (r || w) mg_sock_handle_io(nc, r, w);
  }
}

static time_t epoll_if_poll(struct mg_iface *iface, int timeout_ms) {
  struct epoll_if_data *d = (struct epoll_if_data *) iface->data;
  struct mg_sock_pass pass;
  int n;
  if (d == NULL) return (time_t) mg_time();
  epoll_if_add_ctl(iface, d);
  epoll_if_sync_all(iface, d, &pass);
  n = epoll_wait(d->epfd, d->events, EPOLL_IF_MAX_EVENTS,
                 mg_sock_pass_wait_ms(&pass, timeout_ms));
  if (n < 0 && errno != EINTR) MG_ERROR(("epoll_wait: errno %d", errno));
  if (n > 0) epoll_if_dispatch(iface, d, n);
  mg_sock_pass_connects(&pass, iface);
  return (time_t) mg_time();
}

const struct mg_iface_vtable mg_epoll_iface_vtable = {
    epoll_if_init,          // init
    epoll_if_free,          // free
    epoll_if_add_conn,      // add_conn
    epoll_if_remove_conn,   // remove_conn
    epoll_if_poll,          // poll
    mg_sock_listen_tcp,     // listen_tcp
    mg_sock_listen_udp,     // listen_udp
    mg_sock_connect_tcp,    // connect_tcp
    mg_sock_connect_udp,    // connect_udp
    mg_sock_tcp_send,       // tcp_send
    mg_sock_udp_send,       // udp_send
    mg_sock_tcp_recv,       // tcp_recv
    mg_sock_udp_recv,       // udp_recv
    epoll_if_create_conn,   // create_conn
    mg_sock_destroy_conn,   // destroy_conn
    mg_sock_sock_set,       // sock_set
    mg_sock_get_conn_addr,  // get_conn_addr
    mg_sock_tcp_sendfile,   // sendfile
    mg_sock_ctl_open,       // ctl_open
    mg_sock_ctl_send,       // ctl_send
    mg_sock_ctl_recv,       // ctl_recv
    mg_sock_ctl_close,      // ctl_close
};

#endif  // MG_ENABLE_EPOLL
