// The default iface: non-blocking BSD sockets watched with select().
// select() cannot watch a descriptor >= FD_SETSIZE: such sockets are refused
// (never put in an fd_set) and the other connections keep working.
#include "internal.h"

static void select_if_init(struct mg_iface *iface) {
  (void) iface;
}

static void select_if_free(struct mg_iface *iface) {
  (void) iface;
}

static void select_if_add_conn(struct mg_connection *nc) {
  (void) nc;
}

static void select_if_remove_conn(struct mg_connection *nc) {
  (void) nc;
}

static int select_if_listen_tcp(struct mg_connection *nc,
                                union socket_address *sa) {
  return mg_sock_listen(nc, sa, SOCK_STREAM, FD_SETSIZE);
}

static int select_if_listen_udp(struct mg_connection *nc,
                                union socket_address *sa) {
  return mg_sock_listen(nc, sa, SOCK_DGRAM, FD_SETSIZE);
}

static void select_if_connect_tcp(struct mg_connection *nc,
                                  const union socket_address *sa) {
  mg_sock_connect(nc, sa, SOCK_STREAM, FD_SETSIZE);
}

static void select_if_connect_udp(struct mg_connection *nc) {
  mg_sock_connect(nc, &nc->sa, SOCK_DGRAM, FD_SETSIZE);
}

static void select_if_sock_set(struct mg_connection *nc, sock_t sock) {
  if (sock == INVALID_SOCKET || sock >= FD_SETSIZE) {
    MG_ERROR(("socket %d cannot be watched by select()", (int) sock));
    return;
  }
  mg_sock_set_non_blocking(sock);
  mg_set_close_on_exec(sock);
  nc->sock = sock;
}

static int select_if_wants_read(const struct mg_connection *nc) {
  // The per-peer connections of a UDP listener share its socket: only the
  // listener reads. A full recv_mbuf is not read (backpressure).
  if ((nc->flags & MG_F_UDP) && nc->listener != NULL) return 0;
  return !(nc->flags & (MG_F_CONNECTING | MG_F_PEER_EOF |
                        MG_F_CLOSE_IMMEDIATELY)) &&
         nc->recv_mbuf.len < nc->recv_mbuf_limit;
}

static int select_if_wants_write(const struct mg_connection *nc) {
  return (nc->flags & MG_F_CONNECTING) || nc->send_mbuf.len > 0;
}

// Something to do without waiting: a failed connect to report, or a
// connection to close.
static int select_if_has_pending(const struct mg_connection *nc) {
  return ((nc->flags & MG_F_CONNECTING) && nc->err != 0) ||
         (nc->flags & MG_F_CLOSE_IMMEDIATELY) ||
         ((nc->flags & MG_F_SEND_AND_CLOSE) && nc->send_mbuf.len == 0);
}

// Fills the sets; returns the highest descriptor, or -1. Sets *pending if a
// connection has work that must not wait.
static int select_if_fill(struct mg_iface *iface, fd_set *rd, fd_set *wr,
                          int *pending) {
  struct mg_mgr *mgr = iface->mgr;
  struct mg_connection *nc;
  int max_fd = -1;
  if (iface == mgr->ifaces[0] && mgr->ctl[1] != INVALID_SOCKET &&
      mgr->ctl[1] < FD_SETSIZE) {
    FD_SET(mgr->ctl[1], rd);
    max_fd = mgr->ctl[1];
  }
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    if (nc->iface != iface) continue;
    if (select_if_has_pending(nc)) *pending = 1;
    if (nc->sock == INVALID_SOCKET || nc->sock >= FD_SETSIZE) continue;
    if (select_if_wants_read(nc)) FD_SET(nc->sock, rd);
    if (select_if_wants_write(nc)) FD_SET(nc->sock, wr);
    if (nc->sock > max_fd) max_fd = nc->sock;
  }
  return max_fd;
}

static void select_if_handle(struct mg_connection *nc, int can_read,
                             int can_write) {
  if (nc->flags & MG_F_CONNECTING) {
    if (nc->err != 0) {
      mg_if_connect_cb(nc, nc->err);
      return;
    }
    if (!can_read && !can_write) return;
    mg_if_connect_cb(nc, (nc->flags & MG_F_UDP) ? 0
                                                : mg_sock_get_error(nc->sock));
    if (nc->err != 0) return;
  }
  if (can_read) {
    if ((nc->flags & MG_F_LISTENING) && !(nc->flags & MG_F_UDP)) {
      mg_sock_accept_conns(nc, FD_SETSIZE);
    } else {
      mg_if_can_recv_cb(nc);
    }
  }
  if (can_write) mg_if_can_send_cb(nc);
}

static int select_if_timeout(struct mg_mgr *mgr, int timeout_ms) {
  double min_timer = mg_mgr_min_timer(mgr);
  if (min_timer > 0) {
    // Round up, so the wait does not end just before the timer is due.
    double ms = (min_timer - mg_time()) * 1000.0 + 1;
    if (ms < 0) ms = 0;
    if (ms < timeout_ms) timeout_ms = (int) ms;
  }
  return timeout_ms < 0 ? 0 : timeout_ms;
}

static time_t select_if_poll(struct mg_iface *iface, int timeout_ms) {
  struct mg_mgr *mgr = iface->mgr;
  struct mg_connection *nc, *next;
  struct timeval tv;
  fd_set rd, wr;
  int max_fd, pending = 0, n;
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  max_fd = select_if_fill(iface, &rd, &wr, &pending);
  timeout_ms = pending ? 0 : select_if_timeout(mgr, timeout_ms);
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  n = select(max_fd + 1, &rd, &wr, NULL, &tv);
  if (n < 0) {
    if (errno != EINTR) MG_ERROR(("select: errno %d", errno));
    FD_ZERO(&rd);
    FD_ZERO(&wr);
  }
  if (n > 0 && iface == mgr->ifaces[0] && mgr->ctl[1] != INVALID_SOCKET &&
      mgr->ctl[1] < FD_SETSIZE && FD_ISSET(mgr->ctl[1], &rd)) {
    mg_mgr_handle_ctl(mgr);
  }
  // Connections accepted in this loop are prepended, so not visited: their
  // descriptors are in neither set.
  for (nc = mgr->active_connections; nc != NULL; nc = next) {
    int r = 0, w = 0;
    next = nc->next;
    if (nc->iface != iface) continue;
    if (n > 0 && nc->sock != INVALID_SOCKET && nc->sock < FD_SETSIZE) {
      r = FD_ISSET(nc->sock, &rd) && select_if_wants_read(nc);
      w = FD_ISSET(nc->sock, &wr) && select_if_wants_write(nc);
    }
    if (r || w || ((nc->flags & MG_F_CONNECTING) && nc->err != 0)) {
      select_if_handle(nc, r, w);
    }
  }
  return (time_t) mg_time();
}

const struct mg_iface_vtable mg_socket_iface_vtable = {
    select_if_init,        select_if_free,        select_if_add_conn,
    select_if_remove_conn, select_if_poll,        select_if_listen_tcp,
    select_if_listen_udp,  select_if_connect_tcp, select_if_connect_udp,
    mg_sock_tcp_send,      mg_sock_udp_send,      mg_sock_tcp_recv,
    mg_sock_udp_recv,      mg_sock_create_conn,   mg_sock_destroy_conn,
    select_if_sock_set,    mg_sock_get_conn_addr,
};
