// The mbedTLS 2.28 backend of the TLS layer (the contract is tls_internal.h).
// A listener holds a shared context (configuration, own certificate and key,
// CA chain, random generator) that every accepted connection references; a
// client has a context of its own. Bytes go through tls.c's raw I/O
// (mg_tls_raw_send/recv), never to a socket directly, so TLS works over
// every iface. mbedTLS 2.28 has no production TLS 1.3: TLS 1.2 only.
#include "tls_internal.h"

#if MG_ENABLE_SSL && MG_SSL_IF == MG_SSL_IF_MBEDTLS

#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/entropy_poll.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

// A parsed CA file, shared by every context that names it: the system
// store is ~140 certificates, 420 KB once parsed, which each client
// connection would otherwise parse and hold. An entry lives while a
// context uses it (so a changed file is read again once none does).
struct tls_mbed_ca {
  struct tls_mbed_ca *next;
  char *path;
  mbedtls_x509_crt crt;
  int refs;
};

// The CA files in use; contexts of managers in other threads share them.
static struct tls_mbed_ca *s_tls_mbed_cas;
static pthread_mutex_t s_tls_mbed_ca_lock = PTHREAD_MUTEX_INITIALIZER;

// What a listener and its accepted connections share (a client has one of
// its own). The configuration points into the other fields, so they live
// as long as it does: until the last reference is dropped.
struct mg_tls_ctx {
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert;  // Own certificate chain
  mbedtls_pk_context key;
  struct tls_mbed_ca *ca;  // CAs to verify the peer with, or NULL
#if defined(MBEDTLS_NO_PLATFORM_ENTROPY)
  mbedtls_entropy_context entropy;  // The sources the platform configured
#endif
  mbedtls_ctr_drbg_context drbg;
  int *suites;  // Chosen cipher suites (0-terminated), or NULL: the default
  int refs;     // The listener or client, and each accepted connection
};

// nc->ssl_if_data: a listener's has has_ssl 0 and only refers to the
// context; a connection's has its session.
struct mg_tls_conn {
  struct mg_tls_ctx *ctx;
  int has_ssl;              // ssl is set up (not a listener)
  int psk;                  // A PSK is configured: a peer may have no cert
  unsigned char ip[16];     // Client: the address the peer's cert must have
  size_t ip_len;            // 4, 16, or 0: no IP SAN check
  size_t wlen;              // Length of a write that would block, or 0
  mbedtls_ssl_context ssl;  // The session (unused on a listener)
};

// The default suites: forward secrecy and AEAD only.
static const int tls_mbed_default_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
    0};

// The default suites of a client with a PSK: PSK suites with forward
// secrecy first, then the certificate suites above.
static const int tls_mbed_psk_suites[] = {
    MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_DHE_PSK_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_DHE_PSK_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_PSK_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0};

static void tls_mbed_log(const char *what, int ret) {
  char buf[128];
  mbedtls_strerror(ret, buf, sizeof(buf));
  MG_ERROR(("%s: -0x%04x %s", what, (unsigned int) -ret, buf));
}

// The transport: tls.c's raw I/O, mapped to what mbedTLS expects.
static int tls_mbed_send(void *arg, const unsigned char *buf, size_t len) {
  struct mg_connection *nc = (struct mg_connection *) arg;
  int n = mg_tls_raw_send(nc, buf, len);
  if (n == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  return n < 0 ? MBEDTLS_ERR_NET_SEND_FAILED : n;
}

static int tls_mbed_recv(void *arg, unsigned char *buf, size_t len) {
  struct mg_connection *nc = (struct mg_connection *) arg;
  int n = mg_tls_raw_recv(nc, buf, len);
  if (n == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  if (n < 0) return nc->err == 0 ? 0 : MBEDTLS_ERR_NET_RECV_FAILED;
  return n;
}

// Parses path into a new entry of the list. Returns 0 or mbedTLS's error.
static int tls_mbed_ca_load(const char *path, struct tls_mbed_ca **out) {
  size_t n = strlen(path) + 1;
  struct tls_mbed_ca *ca =
      (struct tls_mbed_ca *) MG_CALLOC(1, sizeof(struct tls_mbed_ca) + n);
  int ret;
  if ((*out = ca) == NULL) return MBEDTLS_ERR_X509_ALLOC_FAILED;
  ca->path = (char *) (ca + 1);
  memcpy(ca->path, path, n);
  mbedtls_x509_crt_init(&ca->crt);
  // A positive result counts certificates that did not parse (a system
  // store may hold some mbedTLS does not support): the others are loaded.
  if ((ret = mbedtls_x509_crt_parse_file(&ca->crt, path)) < 0) {
    mbedtls_x509_crt_free(&ca->crt);
    MG_FREE(ca);
    *out = NULL;
    return ret;
  }
  ca->next = s_tls_mbed_cas;
  s_tls_mbed_cas = ca;
  return 0;
}

// Takes a reference to path's entry, loading the file if no one has.
static int tls_mbed_ca_ref(const char *path, struct tls_mbed_ca **out) {
  struct tls_mbed_ca *ca;
  int ret = 0;
  pthread_mutex_lock(&s_tls_mbed_ca_lock);
  for (ca = s_tls_mbed_cas; ca != NULL; ca = ca->next) {
    if (strcmp(ca->path, path) == 0) break;
  }
  if (ca == NULL) ret = tls_mbed_ca_load(path, &ca);
  if (ca != NULL) ca->refs++;
  pthread_mutex_unlock(&s_tls_mbed_ca_lock);
  *out = ca;
  return ret;
}

static void tls_mbed_ca_unref(struct tls_mbed_ca *ca) {
  struct tls_mbed_ca **p;
  if (ca == NULL) return;
  pthread_mutex_lock(&s_tls_mbed_ca_lock);
  if (--ca->refs == 0) {
    for (p = &s_tls_mbed_cas; *p != ca; p = &(*p)->next) (void) 0;
    *p = ca->next;
    mbedtls_x509_crt_free(&ca->crt);
    MG_FREE(ca);
  }
  pthread_mutex_unlock(&s_tls_mbed_ca_lock);
}

static struct mg_tls_ctx *tls_mbed_ctx_new(void) {
  struct mg_tls_ctx *ctx =
      (struct mg_tls_ctx *) MG_CALLOC(1, sizeof(struct mg_tls_ctx));
  if (ctx == NULL) return NULL;
  mbedtls_ssl_config_init(&ctx->conf);
  mbedtls_x509_crt_init(&ctx->cert);
  mbedtls_pk_init(&ctx->key);
#if defined(MBEDTLS_NO_PLATFORM_ENTROPY)
  mbedtls_entropy_init(&ctx->entropy);
#endif
  mbedtls_ctr_drbg_init(&ctx->drbg);
  ctx->refs = 1;
  return ctx;
}

static void tls_mbed_ctx_unref(struct mg_tls_ctx *ctx) {
  if (ctx == NULL || --ctx->refs > 0) return;
  mbedtls_ssl_config_free(&ctx->conf);
  mbedtls_x509_crt_free(&ctx->cert);
  mbedtls_pk_free(&ctx->key);
  tls_mbed_ca_unref(ctx->ca);
  mbedtls_ctr_drbg_free(&ctx->drbg);
#if defined(MBEDTLS_NO_PLATFORM_ENTROPY)
  mbedtls_entropy_free(&ctx->entropy);
#endif
  MG_FREE(ctx->suites);
  MG_FREE(ctx);
}

// Parses a ':'-separated list of mbedTLS ("TLS-ECDHE-RSA-WITH-...") or
// IANA ("TLS_ECDHE_RSA_WITH_...") names into a 0-terminated array.
static const char *tls_mbed_parse_suites(struct mg_tls_ctx *ctx,
                                         const char *list) {
  size_t n = 1, i = 0, k;
  const char *p;
  char name[100];
  for (p = list; *p != '\0'; p++) n += (*p == ':');
  ctx->suites = (int *) MG_CALLOC(n + 1, sizeof(int));
  if (ctx->suites == NULL) return "TLS: out of memory";
  for (p = list; *p != '\0'; p += (*p == ':')) {
    for (k = 0; p[k] != '\0' && p[k] != ':'; k++) {
      if (k + 1 >= sizeof(name)) return "unknown cipher suite";
      name[k] = p[k] == '_' ? '-' : p[k];
    }
    name[k] = '\0';
    p += k;
    if (k == 0) continue;
    if ((ctx->suites[i++] = mbedtls_ssl_get_ciphersuite_id(name)) == 0) {
      MG_ERROR(("unknown cipher suite %s", name));
      return "unknown cipher suite";
    }
  }
  if (i == 0) return "unknown cipher suite";
  return NULL;
}

static int tls_mbed_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static const char *tls_mbed_set_psk(struct mg_tls_ctx *ctx, const char *id,
                                    const char *hex) {
  unsigned char key[MBEDTLS_PSK_MAX_LEN];
  size_t i, n = strlen(hex) / 2;
  int ret;
  if (strlen(hex) % 2 != 0 || n == 0 || n > sizeof(key)) return "bad PSK key";
  for (i = 0; i < n; i++) {
    int hi = tls_mbed_hex(hex[2 * i]), lo = tls_mbed_hex(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return "bad PSK key";
    key[i] = (unsigned char) (hi << 4 | lo);
  }
  ret = mbedtls_ssl_conf_psk(&ctx->conf, key, n, (const unsigned char *) id,
                             strlen(id));
  mbedtls_platform_zeroize(key, sizeof(key));
  if (ret != 0) tls_mbed_log("mbedtls_ssl_conf_psk", ret);
  return ret == 0 ? NULL : "bad PSK identity";
}

// Own certificate and key (NULL key: in the certificate file).
static const char *tls_mbed_load_cert(struct mg_tls_ctx *ctx, const char *cert,
                                      const char *key) {
  int ret;
  if ((ret = mbedtls_x509_crt_parse_file(&ctx->cert, cert)) != 0) {
    MG_ERROR(("%s", cert));
    tls_mbed_log("mbedtls_x509_crt_parse_file", ret);
    return "cannot load TLS certificate";
  }
  if (key == NULL) key = cert;
  if ((ret = mbedtls_pk_parse_keyfile(&ctx->key, key, NULL)) != 0) {
    MG_ERROR(("%s", key));
    tls_mbed_log("mbedtls_pk_parse_keyfile", ret);
    return "cannot load TLS key";
  }
  if ((ret = mbedtls_pk_check_pair(&ctx->cert.pk, &ctx->key)) != 0) {
    MG_ERROR(("%s does not belong to %s", key, cert));
    return "cannot load TLS key";
  }
  if ((ret = mbedtls_ssl_conf_own_cert(&ctx->conf, &ctx->cert, &ctx->key))) {
    tls_mbed_log("mbedtls_ssl_conf_own_cert", ret);
    return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? "TLS: out of memory"
                                               : "cannot load TLS key";
  }
  return NULL;
}

// The peer's verification: a server asks for a client certificate only
// with ca_cert; a client verifies unless ca_cert is "*", with the system
// store when ca_cert is NULL.
static const char *tls_mbed_set_verify(struct mg_tls_ctx *ctx,
                                       const char *ca_cert, int server) {
  int ret;
  if (server && ca_cert == NULL) {
    mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_NONE);
    return NULL;
  }
  if (!server && ca_cert != NULL && strcmp(ca_cert, "*") == 0) {
    mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_NONE);
    return NULL;
  }
  if (ca_cert == NULL) ca_cert = MG_SSL_CA_FILE;
  if ((ret = tls_mbed_ca_ref(ca_cert, &ctx->ca)) != 0) {
    MG_ERROR(("%s", ca_cert));
    tls_mbed_log("mbedtls_x509_crt_parse_file", ret);
    return ret == MBEDTLS_ERR_X509_ALLOC_FAILED
               ? "TLS: out of memory"
               : "cannot load TLS CA certificate";
  }
  mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca->crt, NULL);
  mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  return NULL;
}

#if defined(MBEDTLS_NO_PLATFORM_ENTROPY)
static int tls_mbed_seed(struct mg_tls_ctx *ctx) {
  static const char pers[] = "mongoose";
  return mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
                               (const unsigned char *) pers, sizeof(pers) - 1);
}
#else
// The random generator is seeded straight from the OS (getrandom() or
// /dev/urandom): an mbedtls_entropy_context is 38 KB, which a client
// would otherwise carry per connection.
static int tls_mbed_os_entropy(void *arg, unsigned char *buf, size_t len) {
  size_t n;
  (void) arg;
  while (len > 0) {
    if (mbedtls_platform_entropy_poll(NULL, buf, len, &n) != 0 || n == 0) {
      return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    buf += n, len -= n;
  }
  return 0;
}

static int tls_mbed_seed(struct mg_tls_ctx *ctx) {
  static const char pers[] = "mongoose";
  return mbedtls_ctr_drbg_seed(&ctx->drbg, tls_mbed_os_entropy, NULL,
                               (const unsigned char *) pers, sizeof(pers) - 1);
}
#endif

static const mbedtls_ecp_group_id tls_mbed_curves[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
    MBEDTLS_ECP_DP_CURVE25519,
#endif
    MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_SECP521R1, MBEDTLS_ECP_DP_NONE};

// Builds a context's configuration from params. Returns NULL or the error.
static const char *tls_mbed_ctx_setup(struct mg_tls_ctx *ctx,
                                      const struct mg_ssl_if_conn_params *p,
                                      int server) {
  const char *e = NULL;
  int ret = mbedtls_ssl_config_defaults(
      &ctx->conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
      MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0) return "TLS: out of memory";
  if ((ret = tls_mbed_seed(ctx)) != 0) {
    tls_mbed_log("mbedtls_ctr_drbg_seed", ret);
    return "TLS: cannot seed the random generator";
  }
  mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
  mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  // The fast curves first: mbedTLS's own order starts with P-521, whose
  // key exchange costs ten times P-256's.
  mbedtls_ssl_conf_curves(&ctx->conf, tls_mbed_curves);
  if (p->cipher_suites != NULL && p->cipher_suites[0] != '\0') {
    if ((e = tls_mbed_parse_suites(ctx, p->cipher_suites)) != NULL) return e;
    mbedtls_ssl_conf_ciphersuites(&ctx->conf, ctx->suites);
  } else {
    int psk = !server && p->psk_identity != NULL && p->psk_key != NULL;
    mbedtls_ssl_conf_ciphersuites(
        &ctx->conf, psk ? tls_mbed_psk_suites : tls_mbed_default_suites);
  }
  if (p->cert != NULL && (e = tls_mbed_load_cert(ctx, p->cert, p->key))) {
    return e;
  }
  if (!server && p->psk_identity != NULL && p->psk_key != NULL &&
      (e = tls_mbed_set_psk(ctx, p->psk_identity, p->psk_key)) != NULL) {
    return e;
  }
  return tls_mbed_set_verify(ctx, p->ca_cert, server);
}

// Sets up conn's session on its context, talking through nc.
static enum mg_ssl_if_result tls_mbed_ssl_setup(struct mg_connection *nc,
                                                struct mg_tls_conn *conn) {
  int ret;
  mbedtls_ssl_init(&conn->ssl);
  conn->has_ssl = 1;
  if ((ret = mbedtls_ssl_setup(&conn->ssl, &conn->ctx->conf)) != 0) {
    tls_mbed_log("mbedtls_ssl_setup", ret);
    return MG_SSL_ERROR;
  }
  mbedtls_ssl_set_bio(&conn->ssl, nc, tls_mbed_send, tls_mbed_recv, NULL);
  return MG_SSL_OK;
}

static void tls_mbed_conn_free(struct mg_tls_conn *conn) {
  if (conn == NULL) return;
  if (conn->has_ssl) mbedtls_ssl_free(&conn->ssl);
  tls_mbed_ctx_unref(conn->ctx);
  MG_FREE(conn);
}

// The client's session: SNI and name check, the address to check.
static const char *tls_mbed_client_setup(
    struct mg_connection *nc, struct mg_tls_conn *conn,
    const struct mg_ssl_if_conn_params *p) {
  const char *ca = p->ca_cert;
  int verify = ca == NULL || strcmp(ca, "*") != 0;
  conn->psk = p->psk_identity != NULL && p->psk_key != NULL;
  if (p->server_ip != NULL && verify) {
    if (inet_pton(AF_INET, p->server_ip, conn->ip) == 1) {
      conn->ip_len = 4;
    } else if (inet_pton(AF_INET6, p->server_ip, conn->ip) == 1) {
      conn->ip_len = 16;
    } else {
      return "bad TLS server address";
    }
  }
  if (tls_mbed_ssl_setup(nc, conn) != MG_SSL_OK) return "TLS: out of memory";
  if (p->server_name != NULL && p->server_name[0] != '\0' &&
      mbedtls_ssl_set_hostname(&conn->ssl, p->server_name) != 0) {
    return "TLS: bad server name";
  }
  return NULL;
}

enum mg_ssl_if_result mg_ssl_if_conn_init(
    struct mg_connection *nc, const struct mg_ssl_if_conn_params *params,
    int server, const char **err_msg) {
  const char *e = "TLS: out of memory";
  struct mg_tls_conn *conn =
      (struct mg_tls_conn *) MG_CALLOC(1, sizeof(struct mg_tls_conn));
  if (conn == NULL || (conn->ctx = tls_mbed_ctx_new()) == NULL) goto err;
  if ((e = tls_mbed_ctx_setup(conn->ctx, params, server)) != NULL) goto err;
  if (server && params->cert == NULL) {
    e = "cannot load TLS certificate";
    goto err;
  }
  if (!server && (e = tls_mbed_client_setup(nc, conn, params)) != NULL) {
    goto err;
  }
  nc->ssl_if_data = conn;
  return MG_SSL_OK;
err:
  tls_mbed_conn_free(conn);
  *err_msg = e;
  return MG_SSL_ERROR;
}

enum mg_ssl_if_result mg_ssl_if_conn_accept(struct mg_connection *nc,
                                            struct mg_connection *lc) {
  struct mg_tls_conn *lconn = (struct mg_tls_conn *) lc->ssl_if_data;
  struct mg_tls_conn *conn;
  if (lconn == NULL) return MG_SSL_ERROR;
  conn = (struct mg_tls_conn *) MG_CALLOC(1, sizeof(struct mg_tls_conn));
  if (conn == NULL) return MG_SSL_ERROR;
  conn->ctx = lconn->ctx;
  conn->ctx->refs++;
  if (tls_mbed_ssl_setup(nc, conn) != MG_SSL_OK) {
    tls_mbed_conn_free(conn);
    return MG_SSL_ERROR;
  }
  nc->ssl_if_data = conn;
  return MG_SSL_OK;
}

// Finds the SubjectAltName extension in a certificate's extensions
// (SEQUENCE OF Extension ::= SEQUENCE { extnID OID, critical BOOLEAN
// DEFAULT FALSE, extnValue OCTET STRING }): on success *p, *end delimit
// its value (the GeneralNames). 0 if found.
static int tls_mbed_find_san(const mbedtls_x509_crt *crt, unsigned char **p,
                             unsigned char **end) {
  const int seq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
  unsigned char *q = crt->v3_ext.p, *qend = q + crt->v3_ext.len, *ext_end;
  size_t len;
  int crit;
  mbedtls_x509_buf oid;
  if (q == NULL || mbedtls_asn1_get_tag(&q, qend, &len, seq) != 0) return -1;
  for (qend = q + len; q < qend; q = ext_end) {
    if (mbedtls_asn1_get_tag(&q, qend, &len, seq) != 0) return -1;
    ext_end = q + len;
    if (mbedtls_asn1_get_tag(&q, ext_end, &oid.len, MBEDTLS_ASN1_OID) != 0) {
      return -1;
    }
    oid.p = q;
    q += oid.len;
    if (q < ext_end && *q == MBEDTLS_ASN1_BOOLEAN &&
        mbedtls_asn1_get_bool(&q, ext_end, &crit) != 0) {
      return -1;
    }
    if (mbedtls_asn1_get_tag(&q, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING)) {
      return -1;
    }
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_ALT_NAME, &oid) == 0) {
      *p = q, *end = q + len;
      return 0;
    }
  }
  return -1;
}

// 1 if the certificate has an iPAddress SAN equal to the address.
static int tls_mbed_has_ip(const mbedtls_x509_crt *crt, const unsigned char *ip,
                           size_t ip_len) {
  unsigned char *p, *end;
  size_t len;
  if (tls_mbed_find_san(crt, &p, &end) != 0 ||
      mbedtls_asn1_get_tag(&p, end, &len,
                           MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
          0) {
    return 0;
  }
  end = p + len;
  while (p + 2 <= end) {
    unsigned char tag = *p++;
    if (mbedtls_asn1_get_len(&p, end, &len) != 0) return 0;
    if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == ip_len &&
        memcmp(p, ip, ip_len) == 0) {
      return 1;
    }
    p += len;
  }
  return 0;
}

// The handshake failed with ret: sets nc->err and logs why.
static void tls_mbed_handshake_error(struct mg_connection *nc,
                                     struct mg_tls_conn *conn, int ret) {
  char buf[256];
  uint32_t flags = mbedtls_ssl_get_verify_result(&conn->ssl);
  size_t n;
  if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    n = (size_t) mbedtls_x509_crt_verify_info(buf, sizeof(buf), "", flags);
    while (n > 0 && n < sizeof(buf) && buf[n - 1] == '\n') buf[--n] = '\0';
    MG_ERROR(("%p TLS certificate: %s", (void *) nc, buf));
    nc->err = (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? MG_ETLS_HOSTNAME
                                                         : MG_ETLS_CERT;
  } else if (ret == MBEDTLS_ERR_SSL_CONN_EOF ||
             ret == MBEDTLS_ERR_NET_RECV_FAILED ||
             ret == MBEDTLS_ERR_NET_SEND_FAILED) {
    // End of stream, or the transport failed (reset): the peer is gone.
    MG_ERROR(
        ("%p TLS handshake: the peer closed (errno %d)", (void *) nc, nc->err));
    nc->err = MG_ETLS_CLOSED;
  } else {
    tls_mbed_log("TLS handshake", ret);
    nc->err = ret == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE ? MG_ETLS_CERT
                                                           : MG_ETLS_PROTO;
  }
}

// After a client handshake: the certificate must name server_ip.
static enum mg_ssl_if_result tls_mbed_check_ip(struct mg_connection *nc,
                                               struct mg_tls_conn *conn) {
  const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&conn->ssl);
  if (conn->ip_len == 0) return MG_SSL_OK;
  if (crt == NULL && conn->psk) return MG_SSL_OK;  // PSK: no certificate
  if (crt != NULL && tls_mbed_has_ip(crt, conn->ip, conn->ip_len)) {
    return MG_SSL_OK;
  }
  MG_ERROR(
      ("%p TLS certificate: no IP SAN for the peer's address", (void *) nc));
  nc->err = MG_ETLS_HOSTNAME;
  return MG_SSL_ERROR;
}

enum mg_ssl_if_result mg_ssl_if_handshake(struct mg_connection *nc) {
  struct mg_tls_conn *conn = (struct mg_tls_conn *) nc->ssl_if_data;
  int ret;
  if (conn == NULL || !conn->has_ssl) {
    nc->err = MG_ETLS_PROTO;
    return MG_SSL_ERROR;
  }
  ret = mbedtls_ssl_handshake(&conn->ssl);
  if (ret == MBEDTLS_ERR_SSL_WANT_READ) return MG_SSL_WANT_READ;
  if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) return MG_SSL_WANT_WRITE;
  if (ret != 0) {
    tls_mbed_handshake_error(nc, conn, ret);
    return MG_SSL_ERROR;
  }
  MG_DEBUG(("%p TLS %s %s", (void *) nc, mbedtls_ssl_get_version(&conn->ssl),
            mbedtls_ssl_get_ciphersuite(&conn->ssl)));
  return tls_mbed_check_ip(nc, conn);
}

// Maps an mbedTLS read/write result to the interface's.
static int tls_mbed_io_result(struct mg_connection *nc, int ret,
                              const char *what) {
  if (ret > 0) return ret;
  if (ret == MBEDTLS_ERR_SSL_WANT_READ) return MG_SSL_WANT_READ;
  if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) return MG_SSL_WANT_WRITE;
  if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
      ret == MBEDTLS_ERR_SSL_CONN_EOF) {
    nc->err = 0;  // A clean close, or end of stream
  } else if (ret == MBEDTLS_ERR_NET_RECV_FAILED ||
             ret == MBEDTLS_ERR_NET_SEND_FAILED) {
    if (nc->err == 0) nc->err = MG_ETLS_PROTO;  // Else tls.c's errno
  } else {
    tls_mbed_log(what, ret);
    nc->err = MG_ETLS_PROTO;
  }
  return MG_SSL_ERROR;
}

int mg_ssl_if_read(struct mg_connection *nc, void *buf, size_t len) {
  struct mg_tls_conn *conn = (struct mg_tls_conn *) nc->ssl_if_data;
  if (conn == NULL || !conn->has_ssl) return MG_SSL_ERROR;
  return tls_mbed_io_result(
      nc, mbedtls_ssl_read(&conn->ssl, (unsigned char *) buf, len),
      "mbedtls_ssl_read");
}

int mg_ssl_if_write(struct mg_connection *nc, const void *buf, size_t len) {
  struct mg_tls_conn *conn = (struct mg_tls_conn *) nc->ssl_if_data;
  int ret;
  if (conn == NULL || !conn->has_ssl) return MG_SSL_ERROR;
  if (len > INT_MAX) len = INT_MAX;  // The result must fit an int
  // After a would-block, mbedTLS has the record encrypted already and its
  // retry returns the length it is given: give the same, not more.
  if (conn->wlen > 0 && len >= conn->wlen) len = conn->wlen;
  if (len == 0) return 0;
  ret = mbedtls_ssl_write(&conn->ssl, (const unsigned char *) buf, len);
  conn->wlen =
      (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ)
          ? len
          : 0;
  return tls_mbed_io_result(nc, ret, "mbedtls_ssl_write");
}

int mg_ssl_if_pending(struct mg_connection *nc) {
  struct mg_tls_conn *conn = (struct mg_tls_conn *) nc->ssl_if_data;
  if (conn == NULL || !conn->has_ssl) return 0;
  return mbedtls_ssl_get_bytes_avail(&conn->ssl) > 0 ||
         mbedtls_ssl_check_pending(&conn->ssl);
}

void mg_ssl_if_conn_close_notify(struct mg_connection *nc) {
  struct mg_tls_conn *conn = (struct mg_tls_conn *) nc->ssl_if_data;
  if (conn == NULL || !conn->has_ssl) return;
  // One try: a would-block leaves the alert in the output buffer, never
  // wait for the socket or for the peer's close_notify.
  (void) mbedtls_ssl_close_notify(&conn->ssl);
}

void mg_ssl_if_conn_free(struct mg_connection *nc) {
  tls_mbed_conn_free((struct mg_tls_conn *) nc->ssl_if_data);
  nc->ssl_if_data = NULL;
}

#endif  // MG_ENABLE_SSL && MG_SSL_IF == MG_SSL_IF_MBEDTLS
