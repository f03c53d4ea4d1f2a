// The TLS layer's internal interface: what tls.c (the backend-neutral glue
// on the I/O seam) needs from a TLS library backend, and what it offers the
// backends. Exactly one backend is compiled in: tls_openssl.c
// (MG_SSL_IF_OPENSSL, the default) or tls_mbedtls.c (MG_SSL_IF_MBEDTLS).
// Not public API: this header goes into mongoose.c only.
#pragma once
#include "core_internal.h"

#if MG_ENABLE_SSL

// Results of the backend calls (6.x names).
enum mg_ssl_if_result {
  MG_SSL_OK = 0,
  MG_SSL_WANT_READ = -1,   // Retry when the socket is readable
  MG_SSL_WANT_WRITE = -2,  // Retry when the socket is writable
  MG_SSL_ERROR = -3        // Failed: nc->err says why (0: clean close)
};

// What a connection's TLS is set up with (NULL fields: not given).
struct mg_ssl_if_conn_params {
  const char *cert;           // PEM file: own certificate (chain)
  const char *key;            // PEM file: own key (NULL: in cert)
  const char *ca_cert;        // PEM file: CAs to verify the peer with;
                              // client: "*" = no verification, NULL = the
                              // system store; server: NULL = no client
                              // certificate asked for
  const char *cipher_suites;  // TLS 1.2 list; NULL: MG_SSL_CIPHERS
  const char *server_name;    // Client: SNI and the name to verify; NULL
                              // or "" = none (then only the chain is checked)
  const char *server_ip;      // Client: a numeric peer address to verify
                              // against the certificate's IP SANs, or NULL
  const char *psk_identity;   // Client: TLS 1.2 PSK identity
  const char *psk_key;        // and key in hex
};

// Backend entry points. nc->ssl_if_data is the backend's: for a listener
// the context its accepted connections share (kept alive by them, so a
// listener may close first), for other connections their session.
// Sets up nc (a listener if server, else a client) from params. Returns
// MG_SSL_OK, or MG_SSL_ERROR with *err_msg set (a static string; the
// library's detail is logged).
enum mg_ssl_if_result mg_ssl_if_conn_init(
    struct mg_connection *nc, const struct mg_ssl_if_conn_params *params,
    int server, const char **err_msg);
// Gives nc, just accepted by listener lc, a session from lc's context.
enum mg_ssl_if_result mg_ssl_if_conn_accept(struct mg_connection *nc,
                                            struct mg_connection *lc);
// One step of the handshake: MG_SSL_OK once it is done, MG_SSL_WANT_*,
// or MG_SSL_ERROR with nc->err set to an MG_ETLS_* code (the reason is
// logged).
enum mg_ssl_if_result mg_ssl_if_handshake(struct mg_connection *nc);
// Reads/writes application data: the bytes done (> 0), MG_SSL_WANT_*, or
// MG_SSL_ERROR (nc->err: 0 when the peer closed cleanly or at end of
// stream, else an MG_ETLS_* code or errno). A write that returned
// MG_SSL_WANT_* is retried with the same bytes at least.
int mg_ssl_if_read(struct mg_connection *nc, void *buf, size_t len);
int mg_ssl_if_write(struct mg_connection *nc, const void *buf, size_t len);
// 1 if the library holds received data (decrypted or not) not read yet.
int mg_ssl_if_pending(struct mg_connection *nc);
// Queues and tries to send close_notify, without waiting for the peer's.
void mg_ssl_if_conn_close_notify(struct mg_connection *nc);
// Frees nc->ssl_if_data (and sets it to NULL).
void mg_ssl_if_conn_free(struct mg_connection *nc);

// tls.c, for the backends' transport callbacks: the raw bytes through
// nc's iface. Return the bytes moved, 0 if the socket would block, -1 at
// end of stream (nc->err 0) or on error (nc->err set).
int mg_tls_raw_recv(struct mg_connection *nc, void *buf, size_t len);
int mg_tls_raw_send(struct mg_connection *nc, const void *buf, size_t len);

#endif  // MG_ENABLE_SSL
