// Moving bytes: a connection's reads into recv_mbuf (TCP, UDP and the
// per-peer connections of a UDP listener), its writes from send_mbuf,
// files through the iface's sendfile, and traffic dumps. The iface calls
// in here when a socket is ready (mg_if_can_recv_cb, mg_if_can_send_cb).
#include "core_internal.h"
#include "uri.h"

static void mg_dump(struct mg_connection *nc, const void *buf, int n, int ev) {
#if MG_ENABLE_HEXDUMP
  if (nc->mgr->hexdump_file != NULL) {
    mg_hexdump_connection(nc, nc->mgr->hexdump_file, buf, n, ev);
  }
#else
  (void) nc, (void) buf, (void) n, (void) ev;
#endif
}

// Grows recv_mbuf so that want more bytes fit, by MBUF_SIZE_MULTIPLIER but
// never beyond recv_mbuf_limit (backpressure keeps memory bounded).
static void mg_recv_reserve(struct mg_connection *nc, size_t want) {
  struct mbuf *io = &nc->recv_mbuf;
  size_t need = io->len + want,
         grown = (size_t) (io->size * MBUF_SIZE_MULTIPLIER);
  if (io->size - io->len >= want) return;
  if (grown > nc->recv_mbuf_limit) grown = nc->recv_mbuf_limit;
  mbuf_resize(io, grown > need ? grown : need);
}

static void mg_recv_tcp(struct mg_connection *nc) {
  struct mbuf *io = &nc->recv_mbuf;
  size_t want;
  int n;
#if MG_ENABLE_SSL
  if ((nc->flags & MG_F_SSL) && !(nc->flags & MG_F_SSL_HANDSHAKE_DONE)) {
    mg_tls_handshake(nc);
    return;
  }
#endif
  if (io->len >= nc->recv_mbuf_limit) return;
  want = nc->recv_mbuf_limit - io->len;
  if (want > MG_MAX_IO_SIZE) want = MG_MAX_IO_SIZE;
  // The first read of a connection gets a small buffer: most peers send
  // little at first (an HTTP request), and small blocks are recycled by
  // malloc instead of growing and trimming the heap per connection. Reads
  // fill the free space the buffer has; only a full buffer grows, to take
  // MG_MAX_IO_SIZE reads at once. So a peer that trickles (a slowloris
  // client) costs MG_FIRST_RECV_SIZE, not a 16 KiB buffer per connection.
  if (io->size == 0 && want > MG_FIRST_RECV_SIZE) want = MG_FIRST_RECV_SIZE;
  if (io->size > io->len && want > io->size - io->len) {
    want = io->size - io->len;
  }
  mg_recv_reserve(nc, want);
  if (io->size == io->len) {
    MG_ERROR(("%p out of memory for the receive buffer", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (want > io->size - io->len) want = io->size - io->len;
#if MG_ENABLE_SSL
  if (nc->flags & MG_F_SSL) {
    n = mg_tls_recv(nc, io->buf + io->len, want);
  } else
#endif
    n = nc->iface->vtable->tcp_recv(nc, io->buf + io->len, want);
  if (n > 0) {
    io->len += (size_t) n;
    nc->last_io_time = time(NULL);
    mg_dump(nc, io->buf + io->len - n, n, MG_EV_RECV);
    mg_call(nc, NULL, MG_EV_RECV, &n);
    // Answer in this iteration instead of waiting for the next wait.
    if (nc->send_mbuf.len > 0 && !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
      mg_if_can_send_cb(nc);
    }
  } else if (n < 0) {
    // End of stream (err 0): flush what is queued, then close, unless a
    // protocol handler still owes a response and will close by itself.
    nc->flags |= MG_F_PEER_EOF;
    if (nc->err != 0) {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    } else if (!(nc->flags & MG_F_HOLD_ON_EOF)) {
      nc->flags |= MG_F_SEND_AND_CLOSE;
    }
  }
}

static void mg_recv_udp(struct mg_connection *nc) {
  struct mbuf *io = &nc->recv_mbuf;
  union socket_address sa;
  size_t sa_len = sizeof(sa);
  int n;
  if (io->size - io->len < MG_MAX_UDP_SIZE) {
    mbuf_resize(io, io->len + MG_MAX_UDP_SIZE);
    if (io->size - io->len < MG_MAX_UDP_SIZE) {
      MG_ERROR(("%p out of memory for a datagram", (void *) nc));
      return;
    }
  }
  memset(&sa, 0, sizeof(sa));
  n = nc->iface->vtable->udp_recv(nc, io->buf + io->len, MG_MAX_UDP_SIZE, &sa,
                                  &sa_len);
  if (n > 0) mg_if_recv_udp_cb(nc, io->buf + io->len, n, &sa, sa_len);
}

void mg_if_can_recv_cb(struct mg_connection *nc) {
  if (nc->flags & MG_F_UDP) {
    mg_recv_udp(nc);
  } else {
    mg_recv_tcp(nc);
  }
}

// Returns 1 if a and b hold the same family, address and port.
static int mg_sa_equal(const union socket_address *a,
                       const union socket_address *b) {
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

// Finds (or creates) the per-peer connection of UDP listener lc for sa.
static struct mg_connection *mg_udp_peer_conn(struct mg_connection *lc,
                                              union socket_address *sa) {
  struct mg_connection *c;
  for (c = lc->mgr->active_connections; c != NULL; c = c->next) {
    if (c->listener == lc && mg_sa_equal(&c->sa, sa)) return c;
  }
  if ((c = mg_if_accept_new_conn(lc)) == NULL) return NULL;
  c->sa = *sa;
  c->sock = lc->sock;
  // Most UDP exchanges are one request, one reply: close once the reply is
  // out. A handler that wants more clears MG_F_SEND_AND_CLOSE.
  c->flags |= MG_F_UDP | MG_F_SEND_AND_CLOSE;
  mg_call(c, NULL, MG_EV_ACCEPT, &c->sa);
  return c;
}

void mg_if_recv_udp_cb(struct mg_connection *nc, void *buf, int len,
                       union socket_address *sa, size_t sa_len) {
  struct mbuf *io;
  (void) sa_len;
  if (nc->flags & MG_F_LISTENING) {
    if ((nc = mg_udp_peer_conn(nc, sa)) == NULL) return;
  } else if (!mg_sa_equal(&nc->sa, sa)) {
    MG_DEBUG(("%p datagram from a stranger dropped", (void *) nc));
    return;
  }
  io = &nc->recv_mbuf;
  if ((char *) buf == io->buf + io->len) {
    io->len += (size_t) len;  // Received in place
  } else if (mbuf_append(io, buf, (size_t) len) != (size_t) len) {
    MG_ERROR(("%p out of memory, datagram dropped", (void *) nc));
    return;
  }
  nc->last_io_time = time(NULL);
  mg_dump(nc, buf, len, MG_EV_RECV);
  mg_call(nc, NULL, MG_EV_RECV, &len);
  if (nc->send_mbuf.len > 0 && !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    mg_if_can_send_cb(nc);
  }
}

void mg_if_can_send_cb(struct mg_connection *nc) {
  struct mbuf *io = &nc->send_mbuf;
  int n = 0;
  if (nc->flags & MG_F_CONNECTING) return;
#if MG_ENABLE_SSL
  if ((nc->flags & MG_F_SSL) && !(nc->flags & MG_F_SSL_HANDSHAKE_DONE)) {
    mg_tls_handshake(nc);
    return;
  }
#endif
  if (io->len == 0) {
#if MG_ENABLE_SSL
    // A TLS read that had to write first goes on.
    if ((nc->flags & MG_F_SSL) && (nc->flags & MG_F_WANT_WRITE)) {
      nc->flags &= ~(unsigned long) MG_F_WANT_WRITE;
      mg_if_can_recv_cb(nc);
      return;
    }
#endif
    // A protocol sending a file with sendfile continues from MG_EV_SEND.
    if (nc->flags & MG_F_SENDFILE) mg_call(nc, NULL, MG_EV_SEND, &n);
    return;
  }
  if (nc->flags & MG_F_UDP) {
    n = nc->iface->vtable->udp_send(nc, io->buf, io->len);
#if MG_ENABLE_SSL
  } else if (nc->flags & MG_F_SSL) {
    n = mg_tls_send(nc, io->buf, io->len);
#endif
  } else {
    n = nc->iface->vtable->tcp_send(nc, io->buf, io->len);
  }
  if (n > 0) {
    mg_dump(nc, io->buf, n, MG_EV_SEND);
    mbuf_remove(io, (size_t) n);
    nc->last_io_time = time(NULL);
    mg_call(nc, NULL, MG_EV_SEND, &n);
  } else if (n < 0 && (nc->flags & MG_F_UDP)) {
    // A datagram that cannot go out is lost; the "connection" stays.
    MG_ERROR(("%p udp send failed: %d, %lu bytes dropped", (void *) nc, nc->err,
              (unsigned long) io->len));
    mbuf_clear(io);
  } else if (n < 0) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

long mg_conn_sendfile(struct mg_connection *nc, int fd, int64_t *offset,
                      size_t len) {
  // TLS must encrypt the bytes and a traffic dump must see them: both need
  // them to pass through send_mbuf.
  if (nc->iface->vtable->sendfile == NULL || (nc->flags & MG_F_SSL) ||
      nc->mgr->hexdump_file != NULL) {
    return -2;
  }
  return nc->iface->vtable->sendfile(nc, fd, offset, len);
}

int mg_conn_addr_to_str(struct mg_connection *c, char *buf, size_t len,
                        int flags) {
  union socket_address sa;
  memset(&sa, 0, sizeof(sa));
  c->iface->vtable->get_conn_addr(c, flags & MG_SOCK_STRINGIFY_REMOTE, &sa);
  return mg_sock_addr_to_str(&sa, buf, len, flags);
}

void mg_hexdump_connection(struct mg_connection *nc, const char *path,
                           const void *buf, int num_bytes, int ev) {
  FILE *fp;
  char src[64], dst[64];
  int flags = MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT;
  if (strcmp(path, "-") == 0) {
    fp = stdout;
  } else if (strcmp(path, "--") == 0) {
    fp = stderr;
  } else if ((fp = fopen(path, "a")) == NULL) {
    return;
  }
  mg_conn_addr_to_str(nc, src, sizeof(src), flags);
  mg_conn_addr_to_str(nc, dst, sizeof(dst), flags | MG_SOCK_STRINGIFY_REMOTE);
  fprintf(fp, "%.3f %p %s %s %s %d\n", mg_time(), (void *) nc, src,
          ev == MG_EV_RECV   ? "<-"
          : ev == MG_EV_SEND ? "->"
                             : "--",
          dst, num_bytes);
  if (num_bytes > 0) mg_hexdumpf(fp, buf, num_bytes);
  if (fp != stdout && fp != stderr) fclose(fp);
}
