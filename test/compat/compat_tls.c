// A 6.x-style TLS program: an https server made as 6.x programs make it
// (mg_bind_opt() with ssl_cert and ssl_key in struct mg_bind_opts, then
// mg_set_protocol_http_websocket() and mg_serve_http()), fetched with
// mg_connect_http_opt() over https:// with ssl_ca_cert, and the deprecated
// mg_set_ssl() on a listener. The certificate is made by `openssl req` at
// run time. Built like every compat program (C and C++, both callback
// modes); in a build without TLS (MG_ENABLE_SSL 0), where a 6.x program
// guards its TLS code with #if MG_ENABLE_SSL, it checks that https:// is
// refused with a message.
#include "compat.h"

#include <sys/wait.h>

struct tls_state {
  int replies, code, closed;
  char body[64];
};

static void client_handler(struct mg_connection *nc, int ev,
                           void *ev_data MG_UD_ARG(void *user_data)) {
  struct tls_state *s = (struct tls_state *) COMPAT_UD(nc);
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REPLY) {
    s->code = hm->resp_code;
    snprintf(s->body, sizeof(s->body), "%.*s", (int) hm->body.len,
             hm->body.p);
    s->replies++;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    s->closed = 1;
  }
}

#if MG_ENABLE_SSL
static char s_dir[64], s_cert[128], s_key[128];
static struct mg_serve_http_opts s_opts;

static void server_handler(struct mg_connection *nc, int ev,
                           void *ev_data MG_UD_ARG(void *user_data)) {
#if MG_ENABLE_CALLBACK_USERDATA
  (void) user_data;
#endif
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_opts);
  }
}


static int setup(void **state) {
  char cmd[768], path[160];
  FILE *fp;
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_compat_tls_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  snprintf(s_cert, sizeof(s_cert), "%s/cert.pem", s_dir);
  snprintf(s_key, sizeof(s_key), "%s/key.pem", s_dir);
  snprintf(cmd, sizeof(cmd),
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
           "-nodes -days 2 -subj /CN=localhost -addext "
           "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout %s -out %s "
           ">/dev/null 2>&1",
           s_key, s_cert);
  if (system(cmd) != 0) return -1;
  snprintf(path, sizeof(path), "%s/hello.txt", s_dir);
  if ((fp = fopen(path, "w")) == NULL) return -1;
  fputs("hello over TLS", fp);
  fclose(fp);
  return 0;
}

static int teardown(void **state) {
  char cmd[128];
  (void) state;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_dir);
  return system(cmd) == 0 ? 0 : -1;
}

// Fetches https://127.0.0.1:port/hello.txt trusting ca; fills s.
static void fetch(struct mg_mgr *mgr, int port, const char *ca,
                  struct tls_state *s) {
  struct mg_connect_opts opts;
  char url[64];
  const char *err = NULL;
  memset(s, 0, sizeof(*s));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = s;
  opts.error_string = &err;
  opts.ssl_ca_cert = ca;
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello.txt", port);
  assert_non_null(mg_connect_http_opt(mgr, MG_CB(client_handler, s), opts,
                                      url, NULL, NULL));
  compat_poll(mgr, &s->closed, 10);
}

static void test_bind_opts_ssl_cert_serves_https(void **state) {
  struct mg_mgr mgr;
  struct mg_bind_opts bopts;
  struct mg_connection *nc;
  struct tls_state s;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_dir;
  memset(&bopts, 0, sizeof(bopts));
  bopts.ssl_cert = s_cert;
  bopts.ssl_key = s_key;
  bopts.error_string = &err;
  nc = mg_bind_opt(&mgr, "127.0.0.1:0", MG_CB(server_handler, NULL), bopts);
  assert_non_null(nc);
  assert_true(nc->flags & MG_F_SSL);
  mg_set_protocol_http_websocket(nc);
  fetch(&mgr, compat_port(nc), s_cert, &s);
  assert_int_equal(s.replies, 1);
  assert_int_equal(s.code, 200);
  assert_string_equal(s.body, "hello over TLS");
  mg_mgr_free(&mgr);
}

// The deprecated 6.x call on a plain listener: it becomes a TLS one (cert
// holds the key as well here). A bad certificate path is an error string.
static void test_mg_set_ssl_on_a_listener(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct tls_state s;
  char combined[160], cmd[512];
  (void) state;
  snprintf(combined, sizeof(combined), "%s/combined.pem", s_dir);
  snprintf(cmd, sizeof(cmd), "cat %s %s > %s", s_cert, s_key, combined);
  assert_int_equal(system(cmd), 0);
  mg_mgr_init(&mgr, NULL);
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_dir;
  nc = mg_bind(&mgr, "127.0.0.1:0", MG_CB(server_handler, NULL));
  assert_non_null(nc);
  assert_non_null(mg_set_ssl(nc, "/nonexistent.pem", NULL));
  assert_null(mg_set_ssl(nc, combined, NULL));
  mg_set_protocol_http_websocket(nc);
  fetch(&mgr, compat_port(nc), s_cert, &s);
  assert_int_equal(s.code, 200);
  assert_string_equal(s.body, "hello over TLS");
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bind_opts_ssl_cert_serves_https),
      cmocka_unit_test(test_mg_set_ssl_on_a_listener),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

#else  // !MG_ENABLE_SSL

static void test_https_refused_without_tls(void **state) {
  struct mg_mgr mgr;
  struct mg_connect_opts opts;
  struct tls_state s;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  memset(&s, 0, sizeof(s));
  opts.error_string = &err;
  assert_null(mg_connect_http_opt(&mgr, MG_CB(client_handler, &s), opts,
                                  "https://127.0.0.1:1/", NULL, NULL));
  assert_non_null(err);
  assert_non_null(strstr(err, "TLS not built"));
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_https_refused_without_tls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
