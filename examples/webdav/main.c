// WebDAV: serves a directory for reading (GET) and writing (PUT, DELETE,
// MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK) with the same
// root for both. Without -a anyone who can connect may write, so the
// default address is loopback only; with -a FILE (an htdigest file, as
// `htdigest -c FILE mongoose USER` writes) WebDAV methods need a login.
//
//   make examples/webdav/webdav
//   mkdir -p /tmp/dav && examples/webdav/webdav -d /tmp/dav
//   curl -T README.md http://127.0.0.1:8000/readme.txt     (PUT)
//   curl http://127.0.0.1:8000/readme.txt                  (GET)
//   curl -X DELETE http://127.0.0.1:8000/readme.txt
//   cadaver http://127.0.0.1:8000/                         (a DAV shell)
//
// Usage: webdav [-p [ADDR:]PORT] [-d DIR] [-a HTDIGEST_FILE] [-r REALM]
//   -p  listening address, default 127.0.0.1:8000
//   -d  the directory served and written, default "."
//   -a  digest auth file for the WebDAV methods, default none
//   -r  auth realm, default "mongoose"
#include "mongoose.h"

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
  const char *address = "127.0.0.1:8000", *err = NULL;
  int i;

  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = ".";
  s_http_opts.dav_auth_file = "-";  // "-": WebDAV without auth
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc) {
      s_http_opts.dav_auth_file = argv[++i];
    } else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
      s_http_opts.auth_domain = argv[++i];
    } else {
      fprintf(stderr,
              "Usage: %s [-p [ADDR:]PORT] [-d DIR] [-a HTDIGEST_FILE] "
              "[-r REALM]\n",
              argv[0]);
      return EXIT_FAILURE;
    }
  }
  // Reads and writes go to the same directory.
  s_http_opts.dav_document_root = s_http_opts.document_root;

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("WebDAV on %s for %s (%s)\n", address, s_http_opts.document_root,
         strcmp(s_http_opts.dav_auth_file, "-") == 0 ? "no auth"
                                                     : "digest auth");
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
