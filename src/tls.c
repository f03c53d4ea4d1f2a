// The TLS layer on the I/O seam: a connection with MG_F_SSL reads and
// writes through here, and the TLS library (tls_openssl.c or
// tls_mbedtls.c) moves its records through the connection's iface. The
// handshake runs inside the poll loop: a step per readiness event, the
// readiness it waits for in MG_F_WANT_READ / MG_F_WANT_WRITE.
#include "tls_internal.h"
#include "uri.h"

#if MG_ENABLE_SSL

int mg_tls_raw_recv(struct mg_connection *nc, void *buf, size_t len) {
  int n = nc->iface->vtable->tcp_recv(nc, buf, len);
  if (n > 0) nc->last_io_time = time(NULL);
  return n;
}

int mg_tls_raw_send(struct mg_connection *nc, const void *buf, size_t len) {
  int n = nc->iface->vtable->tcp_send(nc, buf, len);
  if (n > 0) nc->last_io_time = time(NULL);
  return n;
}

// Turns "1.2.3.4" or "::1" (no brackets, no port) into 1; a name into 0.
static int tls_is_ip(const char *s) {
  union socket_address sa;
  int proto = SOCK_STREAM;
  char host[MG_MAX_HOST_LEN], addr[MG_MAX_HOST_LEN + 16];
  if (*s == '\0') return 0;
  snprintf(addr, sizeof(addr), strchr(s, ':') != NULL ? "[%s]:1" : "%s:1", s);
  return mg_parse_address(addr, &sa, &proto, host, sizeof(host)) > 0;
}

static const char *tls_setup(struct mg_connection *nc,
                             const struct mg_ssl_if_conn_params *p,
                             int server) {
  const char *err = NULL;
  if (nc->flags & MG_F_UDP) return "TLS over UDP is not supported";
  if (nc->ssl_if_data != NULL) mg_ssl_if_conn_free(nc);
  if (mg_ssl_if_conn_init(nc, p, server, &err) != MG_SSL_OK) {
    if (nc->ssl_if_data != NULL) mg_ssl_if_conn_free(nc);
    return err != NULL ? err : "TLS setup failed";
  }
  nc->flags |= MG_F_SSL;
  return NULL;
}

const char *mg_tls_listen(struct mg_connection *lc,
                          const struct mg_bind_opts *opts) {
  struct mg_ssl_if_conn_params p;
  memset(&p, 0, sizeof(p));
  p.cert = opts->ssl_cert;
  p.key = opts->ssl_key;
  p.ca_cert = opts->ssl_ca_cert;
  p.cipher_suites = opts->ssl_cipher_suites;
  return tls_setup(lc, &p, 1);
}

const char *mg_tls_client(struct mg_connection *nc,
                          const struct mg_connect_opts *opts,
                          const char *host) {
  struct mg_ssl_if_conn_params p;
  char ip[MG_MAX_HOST_LEN];
  const char *name = opts->ssl_server_name;
  if (!(opts->flags & MG_F_SSL) && opts->ssl_cert == NULL &&
      opts->ssl_ca_cert == NULL && opts->ssl_cipher_suites == NULL &&
      opts->ssl_server_name == NULL && opts->ssl_psk_identity == NULL) {
    return NULL;  // Plain TCP
  }
  memset(&p, 0, sizeof(p));
  p.cert = opts->ssl_cert;
  p.key = opts->ssl_key;
  p.ca_cert = opts->ssl_ca_cert;
  p.cipher_suites = opts->ssl_cipher_suites;
  p.psk_identity = opts->ssl_psk_identity;
  p.psk_key = opts->ssl_psk_key;
  if (name == NULL) name = host;
  if (name != NULL && strcmp(name, "*") == 0) name = "";
  if (name == NULL || *name == '\0') {
    // A numeric address: verified against the certificate's IP entries.
    if (opts->ssl_server_name == NULL) {
      mg_sock_addr_to_str(&nc->sa, ip, sizeof(ip), MG_SOCK_STRINGIFY_IP);
      if (ip[0] != '\0') p.server_ip = ip;
    }
  } else if (tls_is_ip(name)) {
    p.server_ip = name;  // SNI never carries an address (RFC 6066 3)
  } else {
    p.server_name = name;
  }
  return tls_setup(nc, &p, 0);
}

const char *mg_set_ssl(struct mg_connection *nc, const char *cert,
                       const char *ca_cert) {
  if (nc->flags & MG_F_LISTENING) {
    struct mg_bind_opts o;
    memset(&o, 0, sizeof(o));
    o.ssl_cert = cert;
    o.ssl_ca_cert = ca_cert;
    return mg_tls_listen(nc, &o);
  } else {
    struct mg_connect_opts o;
    if (!(nc->flags & (MG_F_CONNECTING | MG_F_RESOLVING))) {
      return "mg_set_ssl: the connection is already connected";
    }
    memset(&o, 0, sizeof(o));
    o.flags = MG_F_SSL;
    o.ssl_cert = cert;
    // 6.x: no CA means no verification.
    o.ssl_ca_cert = ca_cert != NULL ? ca_cert : "*";
    return mg_tls_client(nc, &o, "");
  }
}

int mg_tls_accept(struct mg_connection *nc, struct mg_connection *lc) {
  if (mg_ssl_if_conn_accept(nc, lc) != MG_SSL_OK) {
    MG_ERROR(("%p TLS: cannot set up the accepted connection", (void *) nc));
    return 0;
  }
  nc->flags |= MG_F_SSL;
  return 1;
}

static void tls_set_want(struct mg_connection *nc, int rc) {
  nc->flags &= ~(unsigned long) (MG_F_WANT_READ | MG_F_WANT_WRITE);
  if (rc == MG_SSL_WANT_READ) nc->flags |= MG_F_WANT_READ;
  if (rc == MG_SSL_WANT_WRITE) nc->flags |= MG_F_WANT_WRITE;
}

static void tls_fail(struct mg_connection *nc, int err) {
  nc->flags &= ~(unsigned long) (MG_F_WANT_READ | MG_F_WANT_WRITE);
  if (nc->listener == NULL) {
    // The client sees why: MG_EV_CONNECT with the reason, then the close.
    nc->flags |= MG_F_SSL_HANDSHAKE_DONE;  // So the event is delivered
    mg_if_connect_cb(nc, err);
    nc->flags &= ~(unsigned long) MG_F_SSL_HANDSHAKE_DONE;
  } else {
    char peer[64];
    mg_sock_addr_to_str(&nc->sa, peer, sizeof(peer),
                        MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
    MG_ERROR(("%p TLS handshake with %s failed: %s", (void *) nc, peer,
              mg_strerror(err)));
    nc->err = err;
  }
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

void mg_tls_handshake(struct mg_connection *nc) {
  int rc;
  if (nc->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SSL_HANDSHAKE_DONE)) return;
  rc = mg_ssl_if_handshake(nc);
  tls_set_want(nc, rc);
  if (rc == MG_SSL_ERROR) {
    tls_fail(nc, nc->err != 0 ? nc->err : MG_ETLS_PROTO);
    return;
  }
  if (rc != MG_SSL_OK) return;
  MG_DEBUG(("%p TLS handshake done", (void *) nc));
  nc->flags |= MG_F_SSL_HANDSHAKE_DONE;
  if (nc->listener == NULL) {
    mg_if_connect_cb(nc, 0);
  } else {
    mg_if_accept_tcp_cb(nc, &nc->sa, sizeof(nc->sa));
  }
  // What the handler queued goes out now, and data that came with the
  // last handshake flight is read (mg_tls_pending() covers the rest).
  if (nc->send_mbuf.len > 0 && !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    mg_if_can_send_cb(nc);
  }
}

int mg_tls_recv(struct mg_connection *nc, void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    int n = mg_ssl_if_read(nc, (char *) buf + got, len - got);
    if (n > 0) {
      got += (size_t) n;
      continue;
    }
    // Reading ends with WANT_READ once the socket is drained: nothing to
    // note. WANT_WRITE (the library must send first): watch for write.
    if (n == MG_SSL_WANT_WRITE) nc->flags |= MG_F_WANT_WRITE;
    if (n == MG_SSL_WANT_READ || n == MG_SSL_WANT_WRITE) break;
    // End of stream or error: what was read first is delivered first;
    // the next read reports the end again.
    if (got == 0) return -1;
    break;
  }
  if (got > 0) nc->flags &= ~(unsigned long) MG_F_WANT_READ;
  return (int) got;
}

int mg_tls_send(struct mg_connection *nc, const void *buf, size_t len) {
  int n = mg_ssl_if_write(nc, buf, len);
  if (n > 0) {
    tls_set_want(nc, 0);
    return n;
  }
  if (n == MG_SSL_WANT_READ || n == MG_SSL_WANT_WRITE) {
    tls_set_want(nc, n);
    return 0;
  }
  if (nc->err == 0) nc->err = MG_ETLS_PROTO;
  return -1;
}

int mg_tls_pending(const struct mg_connection *nc) {
  return (nc->flags & MG_F_SSL) && (nc->flags & MG_F_SSL_HANDSHAKE_DONE) &&
         nc->ssl_if_data != NULL &&
         !(nc->flags &
           (MG_F_CLOSE_IMMEDIATELY | MG_F_PEER_EOF | MG_F_LISTENING)) &&
         nc->recv_mbuf.len < nc->recv_mbuf_limit &&
         mg_ssl_if_pending((struct mg_connection *) nc);
}

void mg_tls_poll(struct mg_connection *nc, double now) {
  if ((nc->flags & (MG_F_SSL | MG_F_SSL_HANDSHAKE_DONE | MG_F_LISTENING |
                    MG_F_CLOSE_IMMEDIATELY)) != MG_F_SSL ||
      (nc->flags & (MG_F_CONNECTING | MG_F_RESOLVING)) ||
      nc->sock == INVALID_SOCKET) {
    return;
  }
  // The clock starts at the first poll after the TCP connection is made:
  // a handshake trickled a byte at a time still ends on time.
  if (nc->ssl_deadline == 0) {
    nc->ssl_deadline = now + MG_SSL_HANDSHAKE_TIMEOUT;
  } else if (now >= nc->ssl_deadline) {
    tls_fail(nc, MG_ETLS_TIMEOUT);
  }
}

void mg_tls_free(struct mg_connection *nc) {
  if (nc->ssl_if_data == NULL) return;
  if ((nc->flags & MG_F_SSL_HANDSHAKE_DONE) && nc->sock != INVALID_SOCKET &&
      !(nc->flags & MG_F_LISTENING)) {
    mg_ssl_if_conn_close_notify(nc);
  }
  mg_ssl_if_conn_free(nc);
}

#endif  // MG_ENABLE_SSL
