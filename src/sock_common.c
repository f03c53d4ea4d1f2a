// POSIX socket primitives and the vtable entries shared by the select(),
// poll() and epoll ifaces, which add only their own wait loop. Together with
// the sock_* iface files, this is the only place that calls the socket API.
#include "sock_internal.h"
#include "uri.h"

#ifdef MSG_NOSIGNAL
#define MG_SEND_FLAGS MSG_NOSIGNAL
#else
#define MG_SEND_FLAGS 0
#endif

static int sock_would_block(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
         err == EINPROGRESS;
}

static socklen_t sock_sa_len(const union socket_address *sa) {
#if MG_ENABLE_IPV6
  if (sa->sa.sa_family == AF_INET6) return sizeof(sa->sin6);
#endif
  return sizeof(sa->sin);
}

void mg_set_close_on_exec(sock_t sock) {
  int flags = fcntl(sock, F_GETFD);
  if (flags >= 0) fcntl(sock, F_SETFD, flags | FD_CLOEXEC);
}

static int sock_set_non_blocking(sock_t sock) {
  int flags = fcntl(sock, F_GETFL, 0);
  return flags >= 0 && fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0;
}

static int sock_get_error(sock_t sock) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(sock, SOL_SOCKET, SO_ERROR, (char *) &err, &len) != 0) {
    err = errno;
  }
  return err;
}

// select() cannot watch a descriptor >= FD_SETSIZE; poll() and epoll
// have no limit of their own.
int mg_sock_fd_limit(const struct mg_iface *iface) {
  return iface->vtable == &mg_socket_iface_vtable ? FD_SETSIZE : INT_MAX;
}

// Opens a non-blocking, close-on-exec socket below fd_limit. Returns the
// socket, or INVALID_SOCKET with *err set.
static sock_t sock_open(int family, int type, int fd_limit, int *err) {
  sock_t s;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
  s = socket(family, type, 0);
  if (s != INVALID_SOCKET) {
    sock_set_non_blocking(s);
    mg_set_close_on_exec(s);
  }
#endif
  if (s == INVALID_SOCKET) {
    *err = errno;
  } else if (s >= fd_limit) {
    MG_ERROR(("socket %d is above the iface's limit %d: closed", s, fd_limit));
    close(s);
    s = INVALID_SOCKET;
    *err = MG_EFDSETSIZE;
  }
  return s;
}

// Opens a listener on sa for iface nc->iface.
static int sock_listen(struct mg_connection *nc, union socket_address *sa,
                       int type) {
  int err = 0, on = 1;
  socklen_t len = sock_sa_len(sa);
  sock_t s =
      sock_open(sa->sa.sa_family, type, mg_sock_fd_limit(nc->iface), &err);
  if (s == INVALID_SOCKET) return err;
  // SO_REUSEADDR only for TCP: on UDP it would let two listeners share a
  // port and hide "address in use".
  if (type == SOCK_STREAM) {
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (char *) &on, sizeof(on));
  }
  if (bind(s, &sa->sa, len) != 0 ||
      (type == SOCK_STREAM && listen(s, MG_MAX_LISTEN_BACKLOG) != 0)) {
    err = errno;
    close(s);
    return err != 0 ? err : EINVAL;
  }
  // Record the bound address: with port 0 this is where the port shows.
  len = sizeof(*sa);
  getsockname(s, &sa->sa, &len);
  nc->sa = *sa;
  nc->sock = s;
  return 0;
}

// A TLS handshake sends its flight as several small records (mbedTLS
// writes each one on its own): without TCP_NODELAY, Nagle holds back
// each after the first until the peer's delayed ACK, 40 ms a time.
static void sock_tls_nodelay(struct mg_connection *nc, sock_t s) {
#if MG_ENABLE_SSL
  int on = 1;
  if (nc->flags & MG_F_SSL) {
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *) &on, sizeof(on));
  }
#else
  (void) nc, (void) s;
#endif
}

static void sock_connect(struct mg_connection *nc,
                         const union socket_address *sa, int type) {
  int err = 0, on = 1;
  sock_t s =
      sock_open(sa->sa.sa_family, type, mg_sock_fd_limit(nc->iface), &err);
  nc->err = err;
  if (s == INVALID_SOCKET) return;
  nc->sock = s;
  if (type == SOCK_DGRAM) {
    if (nc->flags & MG_F_ENABLE_BROADCAST) {
      setsockopt(s, SOL_SOCKET, SO_BROADCAST, (char *) &on, sizeof(on));
    }
    return;  // Datagrams go out with sendto(); nothing to wait for.
  }
  sock_tls_nodelay(nc, s);
  if (connect(s, &sa->sa, sock_sa_len(sa)) != 0 && !sock_would_block(errno)) {
    nc->err = errno;  // Reported through MG_EV_CONNECT by the iface
  }
}

int mg_sock_listen_tcp(struct mg_connection *nc, union socket_address *sa) {
  return sock_listen(nc, sa, SOCK_STREAM);
}

int mg_sock_listen_udp(struct mg_connection *nc, union socket_address *sa) {
  return sock_listen(nc, sa, SOCK_DGRAM);
}

void mg_sock_connect_tcp(struct mg_connection *nc,
                         const union socket_address *sa) {
  sock_connect(nc, sa, SOCK_STREAM);
}

void mg_sock_connect_udp(struct mg_connection *nc) {
  sock_connect(nc, &nc->sa, SOCK_DGRAM);
}

static void sock_accept_conns(struct mg_connection *lc) {
  int i, fd_limit = mg_sock_fd_limit(lc->iface);
  for (i = 0; i < MG_MAX_ACCEPTS_PER_POLL; i++) {
    union socket_address sa;
    socklen_t len = sizeof(sa);
    struct mg_connection *nc;
    sock_t s;
#if defined(__linux__) && defined(SOCK_NONBLOCK)
    s = accept4(lc->sock, &sa.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    s = accept(lc->sock, &sa.sa, &len);
    if (s != INVALID_SOCKET) {
      sock_set_non_blocking(s);
      mg_set_close_on_exec(s);
    }
#endif
    if (s == INVALID_SOCKET) {
      if (errno == ECONNABORTED) continue;
      if (!sock_would_block(errno)) MG_ERROR(("accept: errno %d", errno));
      return;
    }
    if (s >= fd_limit) {
      MG_ERROR(("accepted socket %d is above the iface's limit %d: closed", s,
                fd_limit));
      close(s);
      continue;
    }
    if ((nc = mg_if_accept_new_conn(lc)) == NULL) {
      close(s);
      continue;
    }
    nc->sock = s;
    sock_tls_nodelay(nc, s);
    mg_if_accept_tcp_cb(nc, &sa, len);
  }
}

int mg_sock_wants_read(const struct mg_connection *nc) {
  // The per-peer connections of a UDP listener share its socket: only the
  // listener reads. A full recv_mbuf is not read (backpressure).
  if ((nc->flags & MG_F_UDP) && nc->listener != NULL) return 0;
  return !(nc->flags &
           (MG_F_CONNECTING | MG_F_PEER_EOF | MG_F_CLOSE_IMMEDIATELY)) &&
         nc->recv_mbuf.len < nc->recv_mbuf_limit;
}

int mg_sock_wants_write(const struct mg_connection *nc) {
#if MG_ENABLE_SSL
  // A TLS handshake (or a write that needs the peer's data first) waits
  // for what the TLS library asked for, not for queued bytes.
  if ((nc->flags & MG_F_SSL) && !(nc->flags & MG_F_CONNECTING) &&
      (!(nc->flags & MG_F_SSL_HANDSHAKE_DONE) ||
       (nc->flags & MG_F_WANT_READ))) {
    return (nc->flags & MG_F_WANT_WRITE) != 0;
  }
  if (nc->flags & MG_F_WANT_WRITE) return 1;
#endif
  return (nc->flags & (MG_F_CONNECTING | MG_F_SENDFILE)) ||
         nc->send_mbuf.len > 0;
}

// Something to do without waiting: a failed connect to report, or a
// connection to close.
int mg_sock_has_pending(const struct mg_connection *nc) {
#if MG_ENABLE_SSL
  if (mg_tls_pending(nc)) return 1;  // The core reads them (mg_mgr_poll())
#endif
  return ((nc->flags & MG_F_CONNECTING) && nc->err != 0) ||
         (nc->flags & MG_F_CLOSE_IMMEDIATELY) ||
         ((nc->flags & MG_F_SEND_AND_CLOSE) && nc->send_mbuf.len == 0);
}

void mg_sock_handle_io(struct mg_connection *nc, int can_read, int can_write) {
  if (nc->flags & MG_F_CONNECTING) {
    if (nc->err != 0) {
      mg_if_connect_cb(nc, nc->err);
      return;
    }
    if (!can_read && !can_write) return;
    mg_if_connect_cb(nc, (nc->flags & MG_F_UDP) ? 0 : sock_get_error(nc->sock));
    if (nc->err != 0) return;
  }
  if (can_read) {
    if ((nc->flags & MG_F_LISTENING) && !(nc->flags & MG_F_UDP)) {
      sock_accept_conns(nc);
    } else {
      mg_if_can_recv_cb(nc);
    }
  }
  if (can_write) mg_if_can_send_cb(nc);
}

void mg_sock_pass_begin(struct mg_sock_pass *p, struct mg_mgr *mgr) {
  memset(p, 0, sizeof(*p));
  p->head = mgr->active_connections;
}

int mg_sock_pass_note(struct mg_sock_pass *p, const struct mg_iface *iface,
                      const struct mg_connection *nc) {
  // Timers of every iface's connections: only the main iface waits.
  if (nc->ev_timer_time > 0 &&
      (p->min_timer == 0 || nc->ev_timer_time < p->min_timer)) {
    p->min_timer = nc->ev_timer_time;
  }
  if (nc->iface != iface) return 0;
  if (nc->flags & MG_F_CONNECTING) p->connecting = 1;
  if (mg_sock_has_pending(nc)) p->pending = 1;
  return 1;
}

int mg_sock_pass_wait_ms(const struct mg_sock_pass *p, int timeout_ms) {
  if (p->pending) return 0;
  if (p->min_timer > 0) {
    // Round up, so the wait does not end just before the timer is due.
    double ms = (p->min_timer - mg_time()) * 1000.0 + 1;
    if (ms < 0) ms = 0;
    if (ms < timeout_ms) timeout_ms = (int) ms;
  }
  return timeout_ms < 0 ? 0 : timeout_ms;
}

void mg_sock_pass_connects(const struct mg_sock_pass *p,
                           struct mg_iface *iface) {
  struct mg_connection *nc, *next;
  // No connection is freed before mg_mgr_poll()'s MG_EV_POLL pass, so the
  // old head is still in the list; those before it are new.
  for (nc = iface->mgr->active_connections; nc != NULL; nc = next) {
    next = nc->next;
    if (nc == p->head && !p->connecting) break;
    if (nc->iface == iface && (nc->flags & MG_F_CONNECTING) && nc->err != 0) {
      mg_sock_handle_io(nc, 0, 0);
    }
  }
}

long mg_sock_tcp_sendfile(struct mg_connection *nc, int fd, int64_t *offset,
                          size_t len) {
#if defined(__linux__)
  off_t off = (off_t) *offset;
  ssize_t n;
  // Only for our own plain sockets: an iface that wraps our entries with
  // its own tcp_send (to encrypt or record, say) must see the bytes.
  if (nc->iface->vtable->tcp_send != mg_sock_tcp_send) return -2;
  n = sendfile(nc->sock, fd, &off, len);
  if (n >= 0) {
    *offset = (int64_t) off;
    return (long) n;
  }
  if (sock_would_block(errno)) return 0;
  nc->err = errno;
  return -1;
#else
  (void) nc, (void) fd, (void) offset, (void) len;
  return -2;
#endif
}

int mg_sock_ctl_open(struct mg_mgr *mgr) {
  return mg_socketpair(mgr->ctl, SOCK_DGRAM);
}

// One datagram per message: concurrent writers never interleave, and a
// full queue blocks the writer until the poll thread drains it.
int mg_sock_ctl_send(struct mg_mgr *mgr, const void *msg, size_t len) {
  ssize_t n;
  if (mgr->ctl[0] == INVALID_SOCKET) {
    MG_ERROR(("mg_broadcast: no broadcast socket (MG_ENABLE_BROADCAST=0?)"));
    return 0;
  }
  do {
    n = send(mgr->ctl[0], msg, len, MG_SEND_FLAGS);
  } while (n < 0 && errno == EINTR);
  if (n != (ssize_t) len) {
    MG_ERROR(("mg_broadcast: send failed, errno %d", errno));
    return 0;
  }
  return 1;
}

int mg_sock_ctl_recv(struct mg_mgr *mgr, void *buf, size_t len) {
  if (mgr->ctl[1] == INVALID_SOCKET) return -1;
  return (int) recv(mgr->ctl[1], buf, len, MSG_DONTWAIT);
}

void mg_sock_ctl_close(struct mg_mgr *mgr) {
  int i;
  for (i = 0; i < 2; i++) {
    if (mgr->ctl[i] != INVALID_SOCKET) close(mgr->ctl[i]);
    mgr->ctl[i] = INVALID_SOCKET;
  }
}

int mg_sock_tcp_send(struct mg_connection *nc, const void *buf, size_t len) {
  ssize_t n = send(nc->sock, buf, len, MG_SEND_FLAGS);
  if (n >= 0) return (int) n;
  if (sock_would_block(errno)) return 0;
  nc->err = errno;
  return -1;
}

int mg_sock_udp_send(struct mg_connection *nc, const void *buf, size_t len) {
  ssize_t n = sendto(nc->sock, buf, len, MG_SEND_FLAGS, &nc->sa.sa,
                     sock_sa_len(&nc->sa));
  if (n >= 0) return (int) n;
  if (sock_would_block(errno)) return 0;
  nc->err = errno;
  return -1;
}

int mg_sock_tcp_recv(struct mg_connection *nc, void *buf, size_t len) {
  ssize_t n = recv(nc->sock, buf, len, 0);
  if (n > 0) return (int) n;
  if (n == 0) {
    nc->err = 0;  // Orderly end of stream
    return -1;
  }
  if (sock_would_block(errno)) return 0;
  nc->err = errno;
  return -1;
}

int mg_sock_udp_recv(struct mg_connection *nc, void *buf, size_t len,
                     union socket_address *sa, size_t *sa_len) {
  socklen_t slen = (socklen_t) *sa_len;
  ssize_t n = recvfrom(nc->sock, buf, len, 0, &sa->sa, &slen);
  *sa_len = slen;
  if (n >= 0) return (int) n;
  if (sock_would_block(errno)) return 0;
  nc->err = errno;
  return -1;
}

int mg_sock_create_conn(struct mg_connection *nc) {
  (void) nc;
  return 1;
}

void mg_sock_destroy_conn(struct mg_connection *nc) {
  if (nc->sock == INVALID_SOCKET) return;
  // The per-peer connections of a UDP listener borrow its socket.
  if (!(nc->flags & MG_F_UDP) || nc->listener == NULL) close(nc->sock);
  nc->sock = INVALID_SOCKET;
}

void mg_sock_sock_set(struct mg_connection *nc, sock_t sock) {
  int fd_limit = mg_sock_fd_limit(nc->iface);
  if (sock == INVALID_SOCKET) return;
  if (sock >= fd_limit) {
    MG_ERROR(("socket %d is above the iface's limit %d: refused", (int) sock,
              fd_limit));
    return;
  }
  sock_set_non_blocking(sock);
  mg_set_close_on_exec(sock);
  nc->sock = sock;
}

void mg_sock_get_conn_addr(struct mg_connection *nc, int remote,
                           union socket_address *sa) {
  socklen_t len = sizeof(*sa);
  memset(sa, 0, sizeof(*sa));
  if ((nc->flags & MG_F_UDP) && remote) {
    *sa = nc->sa;  // UDP sockets are not connected: the peer is nc->sa
  } else if (remote) {
    // A peer that has reset the connection is gone from getpeername();
    // nc->sa still holds the address it was accepted from or connected to.
    if (getpeername(nc->sock, &sa->sa, &len) != 0 &&
        !(nc->flags & MG_F_LISTENING)) {
      *sa = nc->sa;
    }
  } else {
    getsockname(nc->sock, &sa->sa, &len);
  }
}

void mg_sock_to_str(sock_t sock, char *buf, size_t len, int flags) {
  union socket_address sa;
  socklen_t slen = sizeof(sa);
  int rc;
  memset(&sa, 0, sizeof(sa));
  if (flags & MG_SOCK_STRINGIFY_REMOTE) {
    rc = getpeername(sock, &sa.sa, &slen);
  } else {
    rc = getsockname(sock, &sa.sa, &slen);
  }
  if (rc != 0) {
    if (len > 0) buf[0] = '\0';
    return;
  }
  mg_sock_addr_to_str(&sa, buf, len, flags);
}

int mg_socketpair(sock_t sp[2], int sock_type) {
  if (socketpair(AF_UNIX, sock_type, 0, sp) != 0) {
    sp[0] = sp[1] = INVALID_SOCKET;
    return 0;
  }
  mg_set_close_on_exec(sp[0]);
  mg_set_close_on_exec(sp[1]);
  sock_set_non_blocking(sp[1]);  // The reading end, polled by the iface
  return 1;
}

int mg_resolve(const char *domain_name, char *ip_addr_buf, size_t buf_len) {
  struct addrinfo hints, *res = NULL;
  union socket_address sa;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  if (getaddrinfo(domain_name, NULL, &hints, &res) != 0 || res == NULL) {
    return 0;
  }
  memset(&sa, 0, sizeof(sa));
  memcpy(&sa.sin, res->ai_addr, sizeof(sa.sin));
  freeaddrinfo(res);
  return mg_sock_addr_to_str(&sa, ip_addr_buf, buf_len, MG_SOCK_STRINGIFY_IP) >
         0;
}
