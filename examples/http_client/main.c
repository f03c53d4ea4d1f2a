// HTTP client: a small curl. Fetches one URL (GET, or POST with -d) and
// prints the status line to stderr and the body to stdout.
//
//   make examples/http_client/http_client
//   examples/http_client/http_client http://127.0.0.1:8000/
//   examples/http_client/http_client -d 'n1=1&n2=2' -H 'X-Demo: 1'
//       http://127.0.0.1:8000/api/v1/sum       (one command line)
//
// Usage: http_client [-s] [-C CA] [-k] [-d DATA] [-H 'NAME: VALUE']... URL
//   -d  POST DATA as the request body (Content-Length is set)
//   -H  extra request header; repeat for more
//   -s  https mode: a URL without a scheme is fetched over TLS (an
//       https:// URL always is; an http:// one is refused)
//   -C  trusted CA certificates (PEM) for https; default: the system's
//   -k  https without verifying the server's certificate
//   URL http[s]://[user:pass@]host[:port][/path][?query]; user:pass becomes
//       a Basic Authorization header.
//
//   examples/http_client/http_client -s -C ca.pem https://localhost:8443/
// Built with TLS (-DMG_ENABLE_SSL=1 -lssl -lcrypto, see the Makefile).
//
// Exits 0 on a 2xx or 3xx reply, 1 otherwise (also on a connect error or
// after 10 seconds without a complete reply).
#include "mongoose.h"

#define TIMEOUT_SECONDS 10
#define MAX_HEADERS_SIZE 4096

struct state {
  int done;       // The reply came, or the request failed
  int exit_code;  // EXIT_SUCCESS for 2xx/3xx
};

// The reason MG_EV_CONNECT gives: an errno, or a mongoose error code.
static const char *connect_error(int err) {
  switch (err) {
#if MG_ENABLE_SSL
    case MG_ETLS_CERT:
      return "TLS: the server's certificate did not verify (-C, -k)";
    case MG_ETLS_HOSTNAME:
      return "TLS: the certificate is for another host name";
    case MG_ETLS_PROTO:
      return "TLS: handshake failed";
    case MG_ETLS_TIMEOUT:
      return "TLS: handshake timed out";
    case MG_ETLS_CLOSED:
      return "TLS: the server closed the connection in the handshake";
#endif
    case MG_EDNS_NXDOMAIN:
    case MG_EDNS_NODATA:
    case MG_EDNS_SERVFAIL:
    case MG_EDNS_TIMEOUT:
    case MG_EDNS_FAILED:
      return "cannot resolve the host name";
    default:
      return strerror(err);
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct state *s = (struct state *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "Cannot connect: %s\n", connect_error(*(int *) ev_data));
        s->done = 1;
      }
      break;
    case MG_EV_HTTP_REPLY:
      fprintf(stderr, "HTTP %d %.*s\n", hm->resp_code,
              (int) hm->resp_status_msg.len, hm->resp_status_msg.p);
      fwrite(hm->body.p, 1, hm->body.len, stdout);
      fflush(stdout);
      if (hm->resp_code >= 200 && hm->resp_code < 400) {
        s->exit_code = EXIT_SUCCESS;
      }
      s->done = 1;
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_TIMER:
      fprintf(stderr, "No reply within %d seconds\n", TIMEOUT_SECONDS);
      s->done = 1;
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_CLOSE:
      if (!s->done) fprintf(stderr, "Connection closed before a reply\n");
      s->done = 1;
      break;
    default:
      break;
  }
}

// Appends "h\r\n" to headers (size bytes). Returns 0, or -1 if it does not
// fit or h has a CR or LF (one -H is one header).
static int add_header(char *headers, size_t size, const char *h) {
  size_t len = strlen(headers), n = strlen(h);
  if (strchr(h, '\r') != NULL || strchr(h, '\n') != NULL) return -1;
  if (len + n + 3 > size) return -1;
  memcpy(headers + len, h, n);
  memcpy(headers + len + n, "\r\n", 3);
  return 0;
}

// Parses the command line. Returns 0, or -1 on a bad command line.
static int parse_args(int argc, char *argv[], const char **data,
                      char *headers, size_t size, const char **url,
                      struct mg_connect_opts *opts, int *https) {
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-s") == 0) {
      *https = 1;
#if MG_ENABLE_SSL
    } else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc) {
      opts->ssl_ca_cert = argv[++i];
    } else if (strcmp(argv[i], "-k") == 0) {
      opts->ssl_ca_cert = "*";
#endif
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      *data = argv[++i];
    } else if (strcmp(argv[i], "-H") == 0 && i + 1 < argc) {
      if (add_header(headers, size, argv[++i]) != 0) return -1;
    } else if (argv[i][0] != '-' && *url == NULL) {
      *url = argv[i];
    } else {
      return -1;
    }
  }
  (void) opts;
  return *url == NULL ? -1 : 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_connect_opts opts;
  struct state s;
  const char *url = NULL, *data = NULL, *err = NULL;
  static char headers[MAX_HEADERS_SIZE], https_url[2048];
  int https = 0;

  memset(&opts, 0, sizeof(opts));
  if (parse_args(argc, argv, &data, headers, sizeof(headers), &url, &opts,
                 &https) != 0) {
    fprintf(stderr,
            "Usage: %s [-s] [-C CA] [-k] [-d DATA] [-H 'NAME: VALUE']... "
            "URL\n",
            argv[0]);
    return EXIT_FAILURE;
  }
  if (https && strstr(url, "://") == NULL) {
    snprintf(https_url, sizeof(https_url), "https://%s", url);
    url = https_url;
  } else if (https && strncmp(url, "https://", 8) != 0) {
    fprintf(stderr, "-s: %s is not an https:// URL\n", url);
    return EXIT_FAILURE;
  }

  memset(&s, 0, sizeof(s));
  s.exit_code = EXIT_FAILURE;
  mg_mgr_init(&mgr, NULL);
  opts.user_data = &s;
  opts.error_string = &err;
  nc = mg_connect_http_opt(&mgr, ev_handler, opts, url, headers, data);
  if (nc == NULL) {
    fprintf(stderr, "Cannot fetch %s: %s\n", url, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_timer(nc, mg_time() + TIMEOUT_SECONDS);
  while (!s.done) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s.exit_code;
}
