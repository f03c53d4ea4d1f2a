// The default iface: non-blocking BSD sockets watched with select().
// select() cannot watch a descriptor >= FD_SETSIZE: such sockets are refused
// (never put in an fd_set) and the other connections keep working.
#include "sock_internal.h"

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

// Fills the sets from the iteration's one pass; returns the highest
// descriptor, or -1.
static int select_if_fill(struct mg_iface *iface, fd_set *rd, fd_set *wr,
                          struct mg_sock_pass *p) {
  struct mg_mgr *mgr = iface->mgr;
  struct mg_connection *nc;
  int max_fd = -1;
  mg_sock_pass_begin(p, mgr);
  if (iface == mgr->ifaces[0] && mgr->ctl[1] != INVALID_SOCKET &&
      mgr->ctl[1] < FD_SETSIZE) {
    FD_SET(mgr->ctl[1], rd);
    max_fd = mgr->ctl[1];
  }
  for (nc = mgr->active_connections; nc != NULL; nc = nc->next) {
    if (!mg_sock_pass_note(p, iface, nc)) continue;
    if (nc->sock == INVALID_SOCKET || nc->sock >= FD_SETSIZE) continue;
    if (mg_sock_wants_read(nc)) FD_SET(nc->sock, rd);
    if (mg_sock_wants_write(nc)) FD_SET(nc->sock, wr);
    if (nc->sock > max_fd) max_fd = nc->sock;
  }
  return max_fd;
}

static time_t select_if_poll(struct mg_iface *iface, int timeout_ms) {
  struct mg_mgr *mgr = iface->mgr;
  struct mg_connection *nc, *next;
  struct mg_sock_pass pass;
  struct timeval tv;
  fd_set rd, wr;
  int max_fd, n;
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  max_fd = select_if_fill(iface, &rd, &wr, &pass);
  timeout_ms = mg_sock_pass_wait_ms(&pass, timeout_ms);
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  n = select(max_fd + 1, &rd, &wr, NULL, &tv);
  if (n < 0) {
    if (errno != EINTR) MG_ERROR(("select: errno %d", errno));
    n = 0;
  }
  if (n > 0 && iface == mgr->ifaces[0] && mgr->ctl[1] != INVALID_SOCKET &&
      mgr->ctl[1] < FD_SETSIZE && FD_ISSET(mgr->ctl[1], &rd)) {
    mg_mgr_handle_ctl(mgr);
  }
  // Connections accepted in this loop are prepended, so not visited: their
  // descriptors are in neither set. Nothing ready: only failed connects
  // need a look.
  if (n == 0) {
    mg_sock_pass_connects(&pass, iface);
    return (time_t) mg_time();
  }
  for (nc = mgr->active_connections; nc != NULL; nc = next) {
    int r = 0, w = 0;
    next = nc->next;
    if (nc->iface != iface) continue;
    if (nc->sock != INVALID_SOCKET && nc->sock < FD_SETSIZE) {
      r = FD_ISSET(nc->sock, &rd) && mg_sock_wants_read(nc);
      w = FD_ISSET(nc->sock, &wr) && mg_sock_wants_write(nc);
    }
    if (r || w || ((nc->flags & MG_F_CONNECTING) && nc->err != 0)) {
      mg_sock_handle_io(nc, r, w);
    }
  }
  return (time_t) mg_time();
}

const struct mg_iface_vtable mg_socket_iface_vtable = {
    select_if_init,         // init
    select_if_free,         // free
    select_if_add_conn,     // add_conn
    select_if_remove_conn,  // remove_conn
    select_if_poll,         // poll
    mg_sock_listen_tcp,     // listen_tcp
    mg_sock_listen_udp,     // listen_udp
    mg_sock_connect_tcp,    // connect_tcp
    mg_sock_connect_udp,    // connect_udp
    mg_sock_tcp_send,       // tcp_send
    mg_sock_udp_send,       // udp_send
    mg_sock_tcp_recv,       // tcp_recv
    mg_sock_udp_recv,       // udp_recv
    mg_sock_create_conn,    // create_conn
    mg_sock_destroy_conn,   // destroy_conn
    mg_sock_sock_set,       // sock_set
    mg_sock_get_conn_addr,  // get_conn_addr
    mg_sock_tcp_sendfile,   // sendfile
    mg_sock_ctl_open,       // ctl_open
    mg_sock_ctl_send,       // ctl_send
    mg_sock_ctl_recv,       // ctl_recv
    mg_sock_ctl_close,      // ctl_close
};
