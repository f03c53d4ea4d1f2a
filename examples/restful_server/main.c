// RESTful server: a small JSON API next to static files.
//
//   GET  /api/v1/sum?n1=1&n2=2          -> {"result": 3}
//   POST /api/v1/sum  (form body n1=1&n2=2) -> {"result": 3}
//   a missing or invalid number          -> 400 {"error": "..."}
//   any other /api/ path                 -> 404 {"error": "..."}
//   everything else                      -> a file from the web root
//
// Answers are sent with chunked encoding: mg_send_head() with length -1,
// mg_printf_http_chunk(), then an empty chunk to end the body.
//
//   make examples/restful_server/restful_server
//   examples/restful_server/restful_server
//   curl 'http://127.0.0.1:8000/api/v1/sum?n1=1&n2=2'
//   curl -d 'n1=1.5&n2=2' http://127.0.0.1:8000/api/v1/sum
//   open http://127.0.0.1:8000/ for a form that calls the API with fetch()
//
// Usage: restful_server [-p [ADDR:]PORT] [-d DOCROOT]
//   -p  listening address, default 127.0.0.1:8000
//   -d  directory with the static files, default web_root next to the
//       executable
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;

static void on_signal(int sig) {
  s_stop = sig;
}

// True for a finite double: inf - inf and NaN - NaN are NaN, and NaN is
// the one value not equal to itself (math.h's isfinite() without -lm).
static int is_finite(double v) {
  double d = v - v;
  return d == d;
}

// Sends json (a complete JSON text) as a chunked body with status.
static void send_json(struct mg_connection *nc, int status, const char *json,
                      const char *extra_headers) {
  char headers[128];
  snprintf(headers, sizeof(headers), "Content-Type: application/json%s%s",
           extra_headers == NULL ? "" : "\r\n",
           extra_headers == NULL ? "" : extra_headers);
  mg_send_head(nc, status, -1, headers);
  mg_printf_http_chunk(nc, "%s\n", json);
  mg_send_http_chunk(nc, "", 0);
}

static void send_json_error(struct mg_connection *nc, int status,
                            const char *what, const char *problem) {
  char json[128];
  snprintf(json, sizeof(json), "{\"error\": \"%s%s\"}", what, problem);
  send_json(nc, status, json, NULL);
}

// Reads the number called name from a query string or form body. Returns
// NULL and sets *v, or says what is wrong with it.
static const char *read_number(const struct mg_str *src, const char *name,
                               double *v) {
  char buf[64], *end;
  int n = mg_get_http_var(src, name, buf, sizeof(buf));
  if (n == 0 || n == -4) return " is missing";  // -4: not in the request
  if (n < 0) return " is malformed";
  *v = strtod(buf, &end);
  if (end == buf || *end != '\0' || !is_finite(*v)) {
    return " is not a finite number";
  }
  return NULL;
}

// GET /api/v1/sum?n1=..&n2=.. and POST /api/v1/sum with a form body.
static void sum_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  const struct mg_str *src;
  const char *err, *what = "";
  double n1 = 0, n2 = 0;
  char json[64];
  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->method, "GET") == 0 || mg_vcmp(&hm->method, "HEAD") == 0) {
    src = &hm->query_string;  // The library drops the body of a HEAD answer
  } else if (mg_vcmp(&hm->method, "POST") == 0) {
    src = &hm->body;
  } else {
    send_json(nc, 405, "{\"error\": \"use GET or POST\"}",
              "Allow: GET, HEAD, POST");
    return;
  }
  if ((err = read_number(src, "n1", &n1)) != NULL) {
    what = "n1";
  } else if ((err = read_number(src, "n2", &n2)) != NULL) {
    what = "n2";
  } else if (!is_finite(n1 + n2)) {
    what = "the sum", err = " overflows";
  }
  if (err != NULL) {
    send_json_error(nc, 400, what, err);
  } else {
    snprintf(json, sizeof(json), "{\"result\": %.15g}", n1 + n2);
    send_json(nc, 200, json, NULL);
  }
  printf("%.*s /api/v1/sum: %s%s\n", (int) hm->method.len, hm->method.p,
         err != NULL ? what : json, err != NULL ? err : "");
  fflush(stdout);
}

// Any other /api/ path.
static void api_not_found(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    send_json(nc, 404, "{\"error\": \"no such API\"}", NULL);
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_http_opts);
  }
}

// Sets buf to "web_root" in the directory of the executable argv0.
static void default_root(const char *argv0, char *buf, size_t len) {
  const char *slash = strrchr(argv0, '/');
  int dir_len = slash == NULL ? 1 : (int) (slash - argv0);
  snprintf(buf, len, "%.*s/web_root", dir_len, slash == NULL ? "." : argv0);
}

// Parses the command line. Returns 0, or -1 on a bad command line.
static int parse_args(int argc, char *argv[], const char **address) {
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      *address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-d DOCROOT]\n", argv[0]);
      return -1;
    }
  }
  return 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:8000", *err = NULL;
  char root[512], bound[64];

  default_root(argv[0], root, sizeof(root));
  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = root;
  if (parse_args(argc, argv, &address) != 0) return EXIT_FAILURE;

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  mg_register_http_endpoint(nc, "/api/v1/sum$", sum_handler);
  mg_register_http_endpoint(nc, "/api/", api_not_found);
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("RESTful server on http://%s, files from %s\n", bound,
         s_http_opts.document_root);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
