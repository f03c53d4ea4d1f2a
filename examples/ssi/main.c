// Server-side includes: serves web_root/ (or -d DIR); pages named *.shtml
// have their <!--#include ... --> directives replaced by other files, and
// their <!--#call NAME --> directives by what this program writes for NAME
// (here: "uptime" and "time", from MG_EV_SSI_CALL).
//
//   make examples/ssi/ssi
//   examples/ssi/ssi -d examples/ssi/web_root
//   curl http://127.0.0.1:8000/index.shtml
//
// Usage: ssi [-p [ADDR:]PORT] [-d DIR]
//   -p  listening address, default 127.0.0.1:8000
//   -d  document root, default examples/ssi/web_root
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;
static double s_start;

static void on_signal(int sig) {
  s_stop = sig;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_http_opts);
  } else if (ev == MG_EV_SSI_CALL) {
    const char *name = (const char *) ev_data;
    if (strcmp(name, "uptime") == 0) {
      mg_printf(nc, "%.0f", mg_time() - s_start);
    } else if (strcmp(name, "time") == 0) {
      mg_printf(nc, "%lu", (unsigned long) time(NULL));
    } else {
      mg_printf_html_escape(nc, "[unknown call: %s]", name);
    }
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:8000", *err = NULL;
  int i;

  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = "examples/ssi/web_root";
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

  s_start = mg_time();
  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("Serving %s on %s\n", s_http_opts.document_root, address);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
