// POSIX socket primitives shared by the socket ifaces. Together with the
// sock_* iface files, this is the only place that calls the socket API.
#include "internal.h"

#ifdef MSG_NOSIGNAL
#define MG_SEND_FLAGS MSG_NOSIGNAL
#else
#define MG_SEND_FLAGS 0
#endif

static int sock_would_block(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
         err == EINPROGRESS;
}

socklen_t mg_sa_len(const union socket_address *sa) {
#if MG_ENABLE_IPV6
  if (sa->sa.sa_family == AF_INET6) return sizeof(sa->sin6);
#endif
  return sizeof(sa->sin);
}

int mg_sa_equal(const union socket_address *a, const union socket_address *b) {
  if (a->sa.sa_family != b->sa.sa_family) return 0;
#if MG_ENABLE_IPV6
  if (a->sa.sa_family == AF_INET6) {
    return a->sin6.sin6_port == b->sin6.sin6_port &&
           memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
                  sizeof(a->sin6.sin6_addr)) == 0;
  }
#endif
  return a->sin.sin_port == b->sin.sin_port &&
         a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
}

void mg_set_close_on_exec(sock_t sock) {
  int flags = fcntl(sock, F_GETFD);
  if (flags >= 0) fcntl(sock, F_SETFD, flags | FD_CLOEXEC);
}

int mg_sock_set_non_blocking(sock_t sock) {
  int flags = fcntl(sock, F_GETFL, 0);
  return flags >= 0 && fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0;
}

void mg_sock_close(sock_t sock) {
  if (sock != INVALID_SOCKET) close(sock);
}

int mg_sock_get_error(sock_t sock) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(sock, SOL_SOCKET, SO_ERROR, (char *) &err, &len) != 0) {
    err = errno;
  }
  return err;
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
    mg_sock_set_non_blocking(s);
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

int mg_sock_listen(struct mg_connection *nc, union socket_address *sa, int type,
                   int fd_limit) {
  int err = 0, on = 1;
  socklen_t len = mg_sa_len(sa);
  sock_t s = sock_open(sa->sa.sa_family, type, fd_limit, &err);
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

void mg_sock_connect(struct mg_connection *nc, const union socket_address *sa,
                     int type, int fd_limit) {
  int err = 0, on = 1;
  sock_t s = sock_open(sa->sa.sa_family, type, fd_limit, &err);
  nc->err = err;
  if (s == INVALID_SOCKET) return;
  nc->sock = s;
  if (type == SOCK_DGRAM) {
    if (nc->flags & MG_F_ENABLE_BROADCAST) {
      setsockopt(s, SOL_SOCKET, SO_BROADCAST, (char *) &on, sizeof(on));
    }
    return;  // Datagrams go out with sendto(); nothing to wait for.
  }
  if (connect(s, &sa->sa, mg_sa_len(sa)) != 0 && !sock_would_block(errno)) {
    nc->err = errno;  // Reported through MG_EV_CONNECT by the iface
  }
}

void mg_sock_accept_conns(struct mg_connection *lc, int fd_limit) {
  int i;
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
      mg_sock_set_non_blocking(s);
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
  return (nc->flags & (MG_F_CONNECTING | MG_F_SENDFILE)) ||
         nc->send_mbuf.len > 0;
}

// Something to do without waiting: a failed connect to report, or a
// connection to close.
int mg_sock_has_pending(const struct mg_connection *nc) {
  return ((nc->flags & MG_F_CONNECTING) && nc->err != 0) ||
         (nc->flags & MG_F_CLOSE_IMMEDIATELY) ||
         ((nc->flags & MG_F_SEND_AND_CLOSE) && nc->send_mbuf.len == 0);
}

void mg_sock_handle_io(struct mg_connection *nc, int can_read, int can_write,
                       int fd_limit) {
  if (nc->flags & MG_F_CONNECTING) {
    if (nc->err != 0) {
      mg_if_connect_cb(nc, nc->err);
      return;
    }
    if (!can_read && !can_write) return;
    mg_if_connect_cb(nc,
                     (nc->flags & MG_F_UDP) ? 0 : mg_sock_get_error(nc->sock));
    if (nc->err != 0) return;
  }
  if (can_read) {
    if ((nc->flags & MG_F_LISTENING) && !(nc->flags & MG_F_UDP)) {
      mg_sock_accept_conns(nc, fd_limit);
    } else {
      mg_if_can_recv_cb(nc);
    }
  }
  if (can_write) mg_if_can_send_cb(nc);
}

int mg_sock_poll_timeout(struct mg_mgr *mgr, int timeout_ms) {
  double min_timer = mg_mgr_min_timer(mgr);
  if (min_timer > 0) {
    // Round up, so the wait does not end just before the timer is due.
    double ms = (min_timer - mg_time()) * 1000.0 + 1;
    if (ms < 0) ms = 0;
    if (ms < timeout_ms) timeout_ms = (int) ms;
  }
  return timeout_ms < 0 ? 0 : timeout_ms;
}

long mg_sock_sendfile(struct mg_connection *nc, int fd, int64_t *offset,
                      size_t len) {
#if defined(__linux__)
  off_t off = (off_t) *offset;
  ssize_t n;
  // Only for our own plain sockets: a TLS or custom iface must see the
  // bytes, and so must a traffic dump.
  if (nc->iface->vtable->tcp_send != mg_sock_tcp_send ||
      (nc->flags & MG_F_SSL) || nc->mgr->hexdump_file != NULL) {
    return -2;
  }
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

int mg_sock_recv_nb(sock_t sock, void *buf, size_t len) {
  return (int) recv(sock, buf, len, MSG_DONTWAIT);
}

int mg_sock_send_all(sock_t sock, const void *buf, size_t len) {
  ssize_t n;
  do {
    n = send(sock, buf, len, MG_SEND_FLAGS);
  } while (n < 0 && errno == EINTR);
  return n == (ssize_t) len;
}

int mg_sock_tcp_send(struct mg_connection *nc, const void *buf, size_t len) {
  ssize_t n = send(nc->sock, buf, len, MG_SEND_FLAGS);
  if (n >= 0) return (int) n;
  if (sock_would_block(errno)) return 0;
  nc->err = errno;
  return -1;
}

int mg_sock_udp_send(struct mg_connection *nc, const void *buf, size_t len) {
  ssize_t n =
      sendto(nc->sock, buf, len, MG_SEND_FLAGS, &nc->sa.sa, mg_sa_len(&nc->sa));
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

void mg_sock_get_conn_addr(struct mg_connection *nc, int remote,
                           union socket_address *sa) {
  socklen_t len = sizeof(*sa);
  memset(sa, 0, sizeof(*sa));
  if ((nc->flags & MG_F_UDP) && remote) {
    *sa = nc->sa;  // UDP sockets are not connected: the peer is nc->sa
  } else if (remote) {
    getpeername(nc->sock, &sa->sa, &len);
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
  mg_sock_set_non_blocking(sp[1]);  // The reading end, polled by the iface
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
