// A web server that runs CGI scripts: files whose names end in .cgi (the
// default cgi_file_pattern, "**.cgi$|**.php$") are executed and their
// output is the response; everything else is served as a static file.
// Built with MG_ENABLE_HTTP_CGI=1 (the Makefile sets it for this example).
//
//   make examples/cgi/cgi
//   examples/cgi/cgi -d examples/cgi/web_root
//   curl 'http://127.0.0.1:8000/hello.cgi/some/path?name=world'
//   curl -d 'posted data' http://127.0.0.1:8000/hello.cgi
//
// hello.cgi (a #!/bin/sh script next to this file) prints its CGI
// environment (PATH_INFO, QUERY_STRING, ...) and the request body.
//
// Usage: cgi [-p [ADDR:]PORT] [-d DIR] [-i INTERPRETER]
//   -p  listening address, default 8000; tests pass 127.0.0.1:PORT
//   -d  document root, default examples/cgi/web_root
//   -i  run every script with this program (a path, e.g. /usr/bin/php-cgi)
//       instead of the script's own #! line
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;

static void on_signal(int sig) {
  s_stop = sig;
}

// MG_EV_HTTP_REQUEST_HEAD comes when a request's head is in but not yet
// its body: mg_serve_http() then starts a script, which reads the body as
// it arrives (uploads of any size, memory held to 64 KiB). For anything
// else it does nothing and MG_EV_HTTP_REQUEST follows with the body.
static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST || ev == MG_EV_HTTP_REQUEST_HEAD) {
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
  s_http_opts.document_root = "examples/cgi/web_root";
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) {
      s_http_opts.cgi_interpreter = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-d DIR] [-i INTERP]\n",
              argv[0]);
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
  printf("Serving %s (CGI: *.cgi) on port %s\n", s_http_opts.document_root,
         address);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);  // Kills and reaps scripts still running
  return EXIT_SUCCESS;
}
