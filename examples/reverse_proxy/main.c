// Reverse proxy: forwards /api/ to a backend HTTP server and serves every
// other path from a directory. The forwarding is the url_rewrites entry
// "/api/=BACKEND/api" given to mg_serve_http() (a rewrite's target path
// replaces its prefix): /api/x goes to the backend as /api/x, with
// X-Forwarded-For set and hop-by-hop headers dropped. The backend's reply is
// streamed as it arrives; the connection to the backend is kept alive and
// reused by later requests (README: url_rewrites); a backend that cannot be
// reached gives 502.
//
//   make examples/restful_server/restful_server
//   make examples/reverse_proxy/reverse_proxy
//   examples/restful_server/restful_server &      (the backend, port 8000)
//   examples/reverse_proxy/reverse_proxy           (listens on port 8001)
//   curl 'http://127.0.0.1:8001/api/v1/sum?n1=1&n2=2'
//
// Usage: reverse_proxy [-p [ADDR:]PORT] [-b BACKEND] [-d DOCROOT]
//   -p  listening address, default 127.0.0.1:8001
//   -b  backend base URL, default http://127.0.0.1:8000 (a numeric address;
//       with a path, http://127.0.0.1:8000/v1 gets /v1/api/x)
//   -d  directory served for the other paths, default .
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;
static char s_rewrites[512];

static void on_signal(int sig) {
  s_stop = sig;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    printf("%.*s %.*s\n", (int) hm->method.len, hm->method.p,
           (int) hm->uri.len, hm->uri.p);
    fflush(stdout);
    mg_serve_http(nc, hm, s_http_opts);
  }
}

// Parses the command line. Returns 0, or -1 on a bad command line.
static int parse_args(int argc, char *argv[], const char **address,
                      const char **backend) {
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      *address = argv[++i];
    } else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) {
      *backend = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else {
      return -1;
    }
  }
  // The backend goes into a comma-separated list: no commas in it.
  return strchr(*backend, ',') != NULL ? -1 : 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:8001", *err = NULL;
  const char *backend = "http://127.0.0.1:8000";
  char bound[64];
  size_t blen;
  int n;

  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = ".";
  if (parse_args(argc, argv, &address, &backend) != 0) {
    fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-b BACKEND] [-d DOCROOT]\n",
            argv[0]);
    return EXIT_FAILURE;
  }
  blen = strlen(backend);
  while (blen > 0 && backend[blen - 1] == '/') blen--;
  n = snprintf(s_rewrites, sizeof(s_rewrites), "/api/=%.*s/api", (int) blen,
               backend);
  if (n < 0 || (size_t) n >= sizeof(s_rewrites)) {
    fprintf(stderr, "Backend URL too long\n");
    return EXIT_FAILURE;
  }
  s_http_opts.url_rewrites = s_rewrites;

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("Reverse proxy on http://%s: /api/ -> %s, the rest from %s\n", bound,
         backend, s_http_opts.document_root);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
