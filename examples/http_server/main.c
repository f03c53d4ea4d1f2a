// HTTP server: serves a directory with mg_serve_http() (files, directory
// listings, Range, ETag, digest auth, IP ACL, URL rewrites) and logs one
// line per request.
//
//   make examples/http_server/http_server
//   examples/http_server/http_server          (serves ./web_root)
//   curl http://127.0.0.1:8000/
//
// Usage: http_server [-d DOCROOT] [-p [ADDR:]PORT] [-l yes|no]
//                    [-a DOMAIN -P HTDIGEST_FILE] [-x HEADER]...
//                    [-m MIME_TYPES] [-A ACL] [-r REWRITES] [-h]
//   -d  directory to serve, default ./web_root
//   -p  listening address, default 127.0.0.1:8000; a bare PORT (or :PORT)
//       listens on every interface, "tcp://[::1]:8000" on IPv6
//   -l  directory listing for directories without an index file: yes
//       (default) or no (such a directory is then answered with 403)
//   -a  digest authentication realm, used with -P
//   -P  htdigest file ("user:realm:HA1" lines, as made by `htdigest`) that
//       protects every URI; requires -a
//   -x  extra response header, e.g. -x "X-Frame-Options: DENY". Repeat -x
//       for more headers, or separate them inside one argument with the
//       two-character escape \n (the four characters \r\n work too)
//   -m  MIME type overrides: ".ext=type,...", e.g. ".txt=text/plain"
//   -A  IP ACL, e.g. "-0.0.0.0/0,+127.0.0.1": the last match wins
//   -r  URL rewrites, e.g. "/files=/var/files,/api=http://127.0.0.1:9000"
//   -h  print this help
//
// Log lines read "PEER METHOD URI STATUS BYTES": BYTES is the response's
// Content-Length ("-" when the length is not known up front, for a chunked
// or proxied response).
#include "mongoose.h"

#define EXTRA_HEADERS_SIZE 2048

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;
static char s_extra_headers[EXTRA_HEADERS_SIZE];
static const char *s_address = "127.0.0.1:8000";

static void on_signal(int sig) {
  s_stop = sig;
}

static void usage(FILE *fp, const char *prog) {
  fprintf(fp,
          "Usage: %s [-d DOCROOT] [-p [ADDR:]PORT] [-l yes|no]\n"
          "          [-a DOMAIN -P HTDIGEST_FILE] [-x HEADER]...\n"
          "          [-m MIME_TYPES] [-A ACL] [-r REWRITES] [-h]\n"
          "  -d  directory to serve (default ./web_root)\n"
          "  -p  listening address (default 127.0.0.1:8000; PORT alone "
          "means every interface)\n"
          "  -l  directory listing: yes (default) or no\n"
          "  -a  digest auth realm (with -P)\n"
          "  -P  htdigest file protecting every URI (requires -a)\n"
          "  -x  extra response header, e.g. \"X-Frame-Options: DENY\"; "
          "repeat, or\n"
          "      separate headers with the escape \\n\n"
          "  -m  MIME overrides, e.g. \".txt=text/plain,.md=text/markdown\"\n"
          "  -A  IP ACL, e.g. \"-0.0.0.0/0,+127.0.0.1\"\n"
          "  -r  URL rewrites, e.g. \"/files=/var/files\"\n"
          "  -h  this help\n",
          prog);
}

// Length of the header separator escape at s ("\r\n" or "\n" written as
// backslash sequences), 0 if there is none.
static size_t header_escape_len(const char *s) {
  if (strncmp(s, "\\r\\n", 4) == 0) return 4;
  if (strncmp(s, "\\n", 2) == 0) return 2;
  return 0;
}

// Appends the header s (len bytes, "Name: value") to s_extra_headers, which
// reads "K: V\r\nK2: V2" with no trailing CRLF. An empty header is skipped.
// Returns 0, or -1 if it is not "Name: value" or does not fit.
static int add_header(const char *s, size_t len) {
  size_t have = strlen(s_extra_headers);
  const char *colon = (const char *) memchr(s, ':', len);
  if (len == 0) return 0;
  if (colon == NULL || colon == s || have + len + 3 > sizeof(s_extra_headers)) {
    return -1;
  }
  snprintf(s_extra_headers + have, sizeof(s_extra_headers) - have, "%s%.*s",
           have > 0 ? "\r\n" : "", (int) len, s);
  return 0;
}

// Adds the headers of a -x argument: separated by the escape \n or \r\n.
// Returns 0, or -1 if one is bad or the argument has a raw CR or LF.
static int add_extra_headers(const char *arg) {
  const char *p = arg, *start = arg;
  size_t n;
  for (;;) {
    n = *p == '\0' ? 0 : header_escape_len(p);
    if (*p == '\0' || n > 0) {
      if (add_header(start, (size_t) (p - start)) != 0) return -1;
      if (*p == '\0') return 0;
      start = p += n;
    } else if (*p == '\r' || *p == '\n') {
      return -1;
    } else {
      p++;
    }
  }
}

// Checks what can be checked before serving. Returns NULL or an error.
static const char *check_options(const struct mg_serve_http_opts *o) {
  cs_stat_t st;
  if (mg_stat(o->document_root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return "DOCROOT is not a directory";
  }
  if (strcmp(o->enable_directory_listing, "yes") != 0 &&
      strcmp(o->enable_directory_listing, "no") != 0) {
    return "-l takes yes or no";
  }
  if (o->global_auth_file != NULL && o->auth_domain == NULL) {
    return "-P requires -a DOMAIN";
  }
  if (o->global_auth_file != NULL && mg_stat(o->global_auth_file, &st) != 0) {
    return "cannot read the -P file";
  }
  if (o->ip_acl != NULL && mg_check_ip_acl(o->ip_acl, 0x7f000001) < 0) {
    return "malformed -A ACL";
  }
  return NULL;
}

// The options that take a string as is, and where it goes.
static const struct {
  char name;
  const char **dst;
} s_options[] = {
    {'d', &s_http_opts.document_root},
    {'p', &s_address},
    {'l', &s_http_opts.enable_directory_listing},
    {'a', &s_http_opts.auth_domain},
    {'P', &s_http_opts.global_auth_file},
    {'m', &s_http_opts.custom_mime_types},
    {'A', &s_http_opts.ip_acl},
    {'r', &s_http_opts.url_rewrites},
};

// Stores the value of option opt. Returns 0, or -1 for an unknown option
// or a bad value.
static int set_option(char opt, const char *val) {
  size_t i;
  if (opt == 'x') return add_extra_headers(val);
  for (i = 0; i < sizeof(s_options) / sizeof(s_options[0]); i++) {
    if (s_options[i].name == opt) {
      *s_options[i].dst = val;
      return 0;
    }
  }
  return -1;
}

// Parses the command line into s_http_opts and s_address. Returns 0 to run,
// 1 after -h, -1 on a bad command line (after telling why).
static int parse_args(int argc, char *argv[]) {
  const char *err;
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0) return usage(stdout, argv[0]), 1;
    if (argv[i][0] != '-' || argv[i][1] == '\0' || argv[i][2] != '\0' ||
        i + 1 >= argc || set_option(argv[i][1], argv[i + 1]) != 0) {
      fprintf(stderr, "%s: bad option or value: %s\n", argv[0], argv[i]);
      return usage(stderr, argv[0]), -1;
    }
    i++;
  }
  if (s_extra_headers[0] != '\0') s_http_opts.extra_headers = s_extra_headers;
  if ((err = check_options(&s_http_opts)) != NULL) {
    fprintf(stderr, "%s: %s\n", argv[0], err);
    return usage(stderr, argv[0]), -1;
  }
  return 0;
}

// Prints the log line of a request. The response head starts at offset off
// of send_mbuf: mg_serve_http() queues it before returning.
static void log_request(struct mg_connection *nc, struct http_message *hm,
                        size_t off) {
  struct http_message resp;
  const struct mbuf *io = &nc->send_mbuf;
  char peer[64], status[8] = "-", bytes[24] = "-";
  memset(&resp, 0, sizeof(resp));
  if (io->len > off &&
      mg_parse_http(io->buf + off, (int) (io->len - off), &resp, 0) > 0) {
    snprintf(status, sizeof(status), "%d", resp.resp_code);
    if (resp.body.len != (size_t) -1) {
      snprintf(bytes, sizeof(bytes), "%lu", (unsigned long) resp.body.len);
    }
  }
  mg_conn_addr_to_str(nc, peer, sizeof(peer),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_REMOTE);
  printf("%s %.*s %.*s %s %s\n", peer, (int) hm->method.len, hm->method.p,
         (int) hm->uri.len, hm->uri.p, status, bytes);
  fflush(stdout);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  size_t off;
  if (ev == MG_EV_HTTP_REQUEST) {
    off = nc->send_mbuf.len;
    mg_serve_http(nc, hm, s_http_opts);
    log_request(nc, hm, off);
  } else if (ev == MG_EV_HTTP_REQUEST_HEAD) {
    // A body still coming: a CGI script (built with MG_ENABLE_HTTP_CGI)
    // starts now and reads it as it arrives; nothing else happens here.
    mg_serve_http(nc, hm, s_http_opts);
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *err = NULL;
  char bound[64];
  int r;

  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = "web_root";
  s_http_opts.enable_directory_listing = "yes";
  if ((r = parse_args(argc, argv)) != 0) {
    return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  }

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, s_address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", s_address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("Serving %s on http://%s\n", s_http_opts.document_root, bound);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
