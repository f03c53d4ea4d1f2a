// The simplest web server: serves the files of a directory (the current
// one unless -d says otherwise), with directory listings, on port 8000.
// Everything is mg_serve_http(): index files, MIME types, ranges, ETags.
// (6.18's version also turned on WebDAV; WebDAV is not built yet.)
//
//   make examples/simplest_web_server/simplest_web_server
//   examples/simplest_web_server/simplest_web_server
//   curl http://127.0.0.1:8000/README.md
//   open http://127.0.0.1:8000/ for a listing of the current directory
//
// Usage: simplest_web_server [-p [ADDR:]PORT] [-d DIR]
//   -p  listening address, default 8000 (every interface); tests pass
//       127.0.0.1:PORT with a free port
//   -d  directory to serve, default .
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
  const char *address = "8000", *err = NULL;
  int i;

  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = ".";
  s_http_opts.enable_directory_listing = "yes";
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-d DIR]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("Serving %s on port %s\n", s_http_opts.document_root, address);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
