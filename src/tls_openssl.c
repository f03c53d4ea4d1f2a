// The OpenSSL 3 backend of the TLS layer (MG_SSL_IF_OPENSSL): link with
// -lssl -lcrypto. Records move through a BIO of our own that calls the
// connection's iface, so TLS works over every iface. Buffers are released
// while a connection is idle (SSL_MODE_RELEASE_BUFFERS).
#include "tls_internal.h"

#if MG_ENABLE_SSL && MG_SSL_IF == MG_SSL_IF_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define OSSL_MAX_PSK 64  // Longest PSK key, in bytes

struct ossl_psk {
  char identity[128];
  unsigned char key[OSSL_MAX_PSK];
  unsigned int key_len;
};

// nc->ssl_if_data. A listener has ctx and no ssl; a client owns its ctx
// through its ssl (SSL_new() keeps a reference); an accepted connection
// shares its listener's the same way.
struct ossl_conn {
  SSL_CTX *ctx;          // Listeners only
  SSL *ssl;              // Connections only
  struct ossl_psk *psk;  // Clients with a pre-shared key
};

static BIO_METHOD *s_bio_method;
static pthread_once_t s_bio_once = PTHREAD_ONCE_INIT;

static int ossl_bio_write(BIO *b, const char *buf, int len) {
  struct mg_connection *nc = (struct mg_connection *) BIO_get_data(b);
  int n;
  BIO_clear_retry_flags(b);
  if (len <= 0) return 0;
  n = mg_tls_raw_send(nc, buf, (size_t) len);
  if (n == 0) {
    BIO_set_retry_write(b);
    return -1;
  }
  return n;
}

static int ossl_bio_read(BIO *b, char *buf, int len) {
  struct mg_connection *nc = (struct mg_connection *) BIO_get_data(b);
  int n;
  BIO_clear_retry_flags(b);
  if (len <= 0) return 0;
  n = mg_tls_raw_recv(nc, buf, (size_t) len);
  if (n == 0) {
    BIO_set_retry_read(b);
    return -1;
  }
  if (n < 0) return nc->err == 0 ? 0 : -1;  // 0: end of stream
  return n;
}

static long ossl_bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void) b, (void) num, (void) ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int ossl_bio_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static void ossl_bio_init_method(void) {
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                               "mongoose iface");
  if (m == NULL) return;
  BIO_meth_set_write(m, ossl_bio_write);
  BIO_meth_set_read(m, ossl_bio_read);
  BIO_meth_set_ctrl(m, ossl_bio_ctrl);
  BIO_meth_set_create(m, ossl_bio_create);
  s_bio_method = m;
}

// Logs and clears the thread's OpenSSL error queue.
static void ossl_log_errors(struct mg_connection *nc, const char *what) {
  unsigned long e;
  int logged = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    MG_ERROR(("%p TLS %s: %s", (void *) nc, what, buf));
    logged = 1;
  }
  if (!logged) MG_DEBUG(("%p TLS %s", (void *) nc, what));
}

static unsigned int ossl_psk_cb(SSL *ssl, const char *hint, char *identity,
                                unsigned int max_identity_len,
                                unsigned char *psk, unsigned int max_psk_len) {
  struct mg_connection *nc = (struct mg_connection *) SSL_get_app_data(ssl);
  struct ossl_conn *c = (struct ossl_conn *) nc->ssl_if_data;
  size_t id_len;
  (void) hint;
  if (c == NULL || c->psk == NULL) return 0;
  id_len = strlen(c->psk->identity);
  if (id_len + 1 > max_identity_len || c->psk->key_len > max_psk_len) {
    return 0;
  }
  memcpy(identity, c->psk->identity, id_len + 1);
  memcpy(psk, c->psk->key, c->psk->key_len);
  return c->psk->key_len;
}

// Decodes the hex key into psk. Returns 0, or -1 if malformed or too long.
static int ossl_set_psk(struct ossl_conn *c, const char *identity,
                        const char *hex) {
  size_t i, n = hex != NULL ? strlen(hex) : 0;
  if (strlen(identity) >= sizeof(c->psk->identity)) return -1;
  if (n == 0 || n % 2 != 0 || n / 2 > OSSL_MAX_PSK) return -1;
  c->psk = (struct ossl_psk *) MG_CALLOC(1, sizeof(*c->psk));
  if (c->psk == NULL) return -1;
  for (i = 0; i < n; i++) {
    int ch = hex[i], v = ch >= '0' && ch <= '9'   ? ch - '0'
                         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                  : -1;
    if (v < 0) return -1;
    c->psk->key[i / 2] = (unsigned char) ((c->psk->key[i / 2] << 4) | v);
  }
  c->psk->key_len = (unsigned int) (n / 2);
  strcpy(c->psk->identity, identity);
  return 0;
}

// Fills ctx from p. Returns NULL, or what failed.
static const char *ossl_setup_ctx(struct mg_connection *nc, SSL_CTX *ctx,
                                  const struct mg_ssl_if_conn_params *p,
                                  int server) {
  const char *ciphers = p->cipher_suites;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_IGNORE_UNEXPECTED_EOF |
                               (server ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_dh_auto(ctx, 1);
  if (ciphers == NULL) {
    ciphers = p->psk_identity != NULL ? "ECDHE-PSK:PSK:!aNULL:!eNULL"
                                      : MG_SSL_CIPHERS;
  }
  if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
    ossl_log_errors(nc, "cipher list");
    return "unknown cipher suite";
  }
  if (p->cert != NULL) {
    if (SSL_CTX_use_certificate_chain_file(ctx, p->cert) != 1) {
      ossl_log_errors(nc, p->cert);
      return "cannot load TLS certificate";
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, p->key != NULL ? p->key : p->cert,
                                    SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      ossl_log_errors(nc, p->key != NULL ? p->key : p->cert);
      return "cannot load TLS key";
    }
  } else if (server) {
    return "a TLS listener needs a certificate";
  }
  if (server) {
    if (p->ca_cert != NULL) {
      STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(p->ca_cert);
      if (names == NULL ||
          SSL_CTX_load_verify_locations(ctx, p->ca_cert, NULL) != 1) {
        if (names != NULL) sk_X509_NAME_pop_free(names, X509_NAME_free);
        ossl_log_errors(nc, p->ca_cert);
        return "cannot load TLS CA certificate";
      }
      SSL_CTX_set_client_CA_list(ctx, names);
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         NULL);
    }
  } else if (p->ca_cert != NULL && strcmp(p->ca_cert, "*") == 0) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  } else {
    if (p->ca_cert == NULL
            ? SSL_CTX_set_default_verify_paths(ctx) != 1
            : SSL_CTX_load_verify_locations(ctx, p->ca_cert, NULL) != 1) {
      ossl_log_errors(nc, p->ca_cert != NULL ? p->ca_cert : "trust store");
      return "cannot load TLS CA certificate";
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  }
  if (p->psk_identity != NULL) {
    // 6.x PSK is TLS 1.2 PSK.
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_psk_client_callback(ctx, ossl_psk_cb);
  }
  return NULL;
}

// A session on ctx for nc, reading and writing through nc's iface.
static SSL *ossl_new_ssl(struct mg_connection *nc, SSL_CTX *ctx) {
  SSL *ssl = SSL_new(ctx);
  BIO *bio;
  if (ssl == NULL) return NULL;
  if ((bio = BIO_new(s_bio_method)) == NULL) {
    SSL_free(ssl);
    return NULL;
  }
  BIO_set_data(bio, nc);
  SSL_set_bio(ssl, bio, bio);
  SSL_set_app_data(ssl, nc);
  return ssl;
}

enum mg_ssl_if_result mg_ssl_if_conn_init(struct mg_connection *nc,
                                          const struct mg_ssl_if_conn_params *p,
                                          int server, const char **err_msg) {
  struct ossl_conn *c;
  SSL_CTX *ctx;
  pthread_once(&s_bio_once, ossl_bio_init_method);
  *err_msg = "TLS: out of memory";
  if (s_bio_method == NULL) return MG_SSL_ERROR;
  if ((c = (struct ossl_conn *) MG_CALLOC(1, sizeof(*c))) == NULL) {
    return MG_SSL_ERROR;
  }
  nc->ssl_if_data = c;
  ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == NULL) return MG_SSL_ERROR;
  c->ctx = ctx;  // Freed by mg_ssl_if_conn_free() if anything fails
  if ((*err_msg = ossl_setup_ctx(nc, ctx, p, server)) != NULL) {
    return MG_SSL_ERROR;
  }
  if (p->psk_identity != NULL &&
      ossl_set_psk(c, p->psk_identity, p->psk_key) != 0) {
    *err_msg = "bad PSK identity or key";
    return MG_SSL_ERROR;
  }
  if (server) return MG_SSL_OK;
  *err_msg = "TLS: out of memory";
  if ((c->ssl = ossl_new_ssl(nc, ctx)) == NULL) return MG_SSL_ERROR;
  SSL_CTX_free(ctx);  // The session holds it now
  c->ctx = NULL;
  SSL_set_connect_state(c->ssl);
  if (p->server_name != NULL && *p->server_name != '\0') {
    if (SSL_set_tlsext_host_name(c->ssl, p->server_name) != 1 ||
        SSL_set1_host(c->ssl, p->server_name) != 1) {
      *err_msg = "bad TLS server name";
      return MG_SSL_ERROR;
    }
  } else if (p->server_ip != NULL &&
             X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
                                           p->server_ip) != 1) {
    *err_msg = "bad TLS server address";
    return MG_SSL_ERROR;
  }
  *err_msg = NULL;
  return MG_SSL_OK;
}

enum mg_ssl_if_result mg_ssl_if_conn_accept(struct mg_connection *nc,
                                            struct mg_connection *lc) {
  struct ossl_conn *lcc = (struct ossl_conn *) lc->ssl_if_data, *c;
  if (lcc == NULL || lcc->ctx == NULL) return MG_SSL_ERROR;
  if ((c = (struct ossl_conn *) MG_CALLOC(1, sizeof(*c))) == NULL) {
    return MG_SSL_ERROR;
  }
  if ((c->ssl = ossl_new_ssl(nc, lcc->ctx)) == NULL) {
    MG_FREE(c);
    return MG_SSL_ERROR;
  }
  SSL_set_accept_state(c->ssl);
  nc->ssl_if_data = c;
  return MG_SSL_OK;
}

static SSL *ossl_ssl(struct mg_connection *nc) {
  struct ossl_conn *c = (struct ossl_conn *) nc->ssl_if_data;
  return c != NULL ? c->ssl : NULL;
}

enum mg_ssl_if_result mg_ssl_if_handshake(struct mg_connection *nc) {
  SSL *ssl = ossl_ssl(nc);
  long vr;
  int rc, e;
  if (ssl == NULL) return MG_SSL_ERROR;
  ERR_clear_error();
  if ((rc = SSL_do_handshake(ssl)) == 1) return MG_SSL_OK;
  e = SSL_get_error(ssl, rc);
  if (e == SSL_ERROR_WANT_READ) return MG_SSL_WANT_READ;
  if (e == SSL_ERROR_WANT_WRITE) return MG_SSL_WANT_WRITE;
  vr = SSL_get_verify_result(ssl);
  if (vr != X509_V_OK) {
    MG_ERROR(("%p TLS: certificate: %s", (void *) nc,
              X509_verify_cert_error_string(vr)));
    nc->err = vr == X509_V_ERR_HOSTNAME_MISMATCH ||
                      vr == X509_V_ERR_IP_ADDRESS_MISMATCH
                  ? MG_ETLS_HOSTNAME
                  : MG_ETLS_CERT;
  } else if (e == SSL_ERROR_ZERO_RETURN ||
             (e == SSL_ERROR_SYSCALL && nc->err == 0)) {
    nc->err = MG_ETLS_CLOSED;
  } else {
    nc->err = MG_ETLS_PROTO;
  }
  ossl_log_errors(nc, "handshake failed");
  return MG_SSL_ERROR;
}

// Maps a failed SSL_read/SSL_write.
static int ossl_io_error(struct mg_connection *nc, SSL *ssl, int rc) {
  int e = SSL_get_error(ssl, rc);
  if (e == SSL_ERROR_WANT_READ) return MG_SSL_WANT_READ;
  if (e == SSL_ERROR_WANT_WRITE) return MG_SSL_WANT_WRITE;
  if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && nc->err == 0)) {
    ERR_clear_error();
    nc->err = 0;  // The peer closed (close_notify, or end of stream)
  } else {
    ossl_log_errors(nc, "I/O failed");
    if (nc->err == 0) nc->err = MG_ETLS_PROTO;
  }
  return MG_SSL_ERROR;
}

int mg_ssl_if_read(struct mg_connection *nc, void *buf, size_t len) {
  SSL *ssl = ossl_ssl(nc);
  int n;
  if (ssl == NULL) return MG_SSL_ERROR;
  if (len > INT_MAX) len = INT_MAX;
  ERR_clear_error();
  n = SSL_read(ssl, buf, (int) len);
  return n > 0 ? n : ossl_io_error(nc, ssl, n);
}

int mg_ssl_if_write(struct mg_connection *nc, const void *buf, size_t len) {
  SSL *ssl = ossl_ssl(nc);
  int n;
  if (ssl == NULL) return MG_SSL_ERROR;
  if (len > INT_MAX) len = INT_MAX;
  ERR_clear_error();
  n = SSL_write(ssl, buf, (int) len);
  return n > 0 ? n : ossl_io_error(nc, ssl, n);
}

int mg_ssl_if_pending(struct mg_connection *nc) {
  // Decrypted bytes only: without read-ahead OpenSSL reads a record at a
  // time, so undecrypted bytes are never held beyond the current record
  // (and SSL_has_pending() would report a partial record, which needs the
  // socket, as ready).
  SSL *ssl = ossl_ssl(nc);
  return ssl != NULL && SSL_pending(ssl) > 0;
}

void mg_ssl_if_conn_close_notify(struct mg_connection *nc) {
  SSL *ssl = ossl_ssl(nc);
  if (ssl == NULL || !SSL_is_init_finished(ssl)) return;
  ERR_clear_error();
  SSL_shutdown(ssl);  // Queues and tries to send close_notify; no waiting
  ERR_clear_error();
}

void mg_ssl_if_conn_free(struct mg_connection *nc) {
  struct ossl_conn *c = (struct ossl_conn *) nc->ssl_if_data;
  if (c == NULL) return;
  if (c->ssl != NULL) SSL_free(c->ssl);
  if (c->ctx != NULL) SSL_CTX_free(c->ctx);
  MG_FREE(c->psk);
  MG_FREE(c);
  nc->ssl_if_data = NULL;
}

#endif  // MG_ENABLE_SSL && MG_SSL_IF == MG_SSL_IF_OPENSSL
