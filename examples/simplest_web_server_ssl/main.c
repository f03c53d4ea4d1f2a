// The simplest web server over TLS (6.x's simplest_web_server_ssl): serves
// the files of a directory on https://...:8443 with the certificate and key
// given. Build and try it with a throw-away self-signed certificate:
//
//   make examples/simplest_web_server_ssl/simplest_web_server_ssl
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
//     -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost
//     -keyout /tmp/key.pem -out /tmp/cert.pem          (one line)
//   examples/simplest_web_server_ssl/simplest_web_server_ssl
//     -c /tmp/cert.pem -k /tmp/key.pem                 (one line)
//   curl --cacert /tmp/cert.pem https://localhost:8443/README.md
//
// Usage: simplest_web_server_ssl [-p [ADDR:]PORT] [-d DIR] [-c CERT]
//                                [-k KEY] [-a CA]
//   -p  listening address, default 8443; tests pass 127.0.0.1:PORT
//   -d  directory to serve, default .
//   -c  certificate (PEM, may hold the key too), default server.pem
//   -k  key (PEM), default: in the certificate file
//   -a  CA (PEM): require client certificates signed by it
// Built with OpenSSL (-DMG_ENABLE_SSL=1 -lssl -lcrypto, see the Makefile).
#include "mongoose.h"

#if !MG_ENABLE_SSL
// Built without TLS (the cross builds have no TLS library): it says so.
int main(void) {
  fprintf(stderr, "simplest_web_server_ssl: built without TLS (MG_ENABLE_SSL=0)\n");
  return EXIT_FAILURE;
}
#else
static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;

static void on_signal(int sig) {
  s_stop = sig;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_http_opts);
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "8443", *err = NULL;
  int i;

  memset(&s_http_opts, 0, sizeof(s_http_opts));
  memset(&opts, 0, sizeof(opts));
  s_http_opts.document_root = ".";
  s_http_opts.enable_directory_listing = "yes";
  opts.ssl_cert = "server.pem";
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
      opts.ssl_cert = argv[++i];
    } else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc) {
      opts.ssl_key = argv[++i];
    } else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc) {
      opts.ssl_ca_cert = argv[++i];
    } else {
      fprintf(stderr,
              "Usage: %s [-p [ADDR:]PORT] [-d DIR] [-c CERT] [-k KEY] "
              "[-a CA]\n",
              argv[0]);
      return EXIT_FAILURE;
    }
  }

  mg_mgr_init(&mgr, NULL);
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("Serving %s on https port %s\n", s_http_opts.document_root, address);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
#endif  // MG_ENABLE_SSL
