// RESTful client: asks the restful_server example for a sum and prints the
// JSON answer.
//
//   make examples/restful_server/restful_server
//   make examples/restful_client/restful_client
//   examples/restful_server/restful_server &
//   examples/restful_client/restful_client 1 2.5     (prints {"result": 3.5})
//
// Usage: restful_client [-s SERVER] [N1 N2]
//   -s  the server's base URL, default http://127.0.0.1:8000
//   N1 N2  the numbers to add, default 1 and 2
//
// It sends GET SERVER/api/v1/sum?n1=N1&n2=N2 and prints the reply body to
// stdout. Exits 0 on a 200 reply, 1 otherwise (also after 10 seconds
// without an answer).
#include "mongoose.h"

#define TIMEOUT_SECONDS 10

struct state {
  int done;       // The reply came, or the request failed
  int exit_code;  // EXIT_SUCCESS for 200
};

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct state *s = (struct state *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_CONNECT && *(int *) ev_data != 0) {
    fprintf(stderr, "Cannot connect: %s\n", strerror(*(int *) ev_data));
    s->done = 1;
  } else if (ev == MG_EV_HTTP_REPLY) {
    if (hm->resp_code != 200) fprintf(stderr, "HTTP %d\n", hm->resp_code);
    printf("%.*s", (int) hm->body.len, hm->body.p);
    if (hm->body.len == 0 || hm->body.p[hm->body.len - 1] != '\n') {
      printf("\n");
    }
    if (hm->resp_code == 200) s->exit_code = EXIT_SUCCESS;
    s->done = 1;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_TIMER) {
    fprintf(stderr, "No reply within %d seconds\n", TIMEOUT_SECONDS);
    s->done = 1;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    if (!s->done) fprintf(stderr, "Connection closed before a reply\n");
    s->done = 1;
  }
}

// Builds SERVER/api/v1/sum?n1=..&n2=.. into url, the numbers URL-encoded.
// Returns 0, or -1 if it does not fit or memory ran out.
static int make_url(char *url, size_t len, const char *server, const char *n1,
                    const char *n2) {
  struct mg_str e1 = mg_url_encode(mg_mk_str(n1));
  struct mg_str e2 = mg_url_encode(mg_mk_str(n2));
  int n = -1;
  size_t slen = strlen(server);
  while (slen > 0 && server[slen - 1] == '/') slen--;
  if (e1.p != NULL && e2.p != NULL) {
    n = snprintf(url, len, "%.*s/api/v1/sum?n1=%s&n2=%s", (int) slen, server,
                 e1.p, e2.p);
  }
  mg_strfree(&e1);
  mg_strfree(&e2);
  return n < 0 || (size_t) n >= len ? -1 : 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_connect_opts opts;
  struct state s;
  const char *server = "http://127.0.0.1:8000", *n1 = "1", *n2 = "2";
  const char *err = NULL;
  char url[512];
  int i = 1;

  if (argc > 2 && strcmp(argv[1], "-s") == 0) {
    server = argv[2];
    i = 3;
  }
  if (argc - i == 2 && argv[i][0] != '\0' && argv[i + 1][0] != '\0') {
    n1 = argv[i];
    n2 = argv[i + 1];
  } else if (argc != i) {
    fprintf(stderr, "Usage: %s [-s SERVER] [N1 N2]\n", argv[0]);
    return EXIT_FAILURE;
  }
  if (make_url(url, sizeof(url), server, n1, n2) != 0) {
    fprintf(stderr, "Arguments too long\n");
    return EXIT_FAILURE;
  }

  memset(&s, 0, sizeof(s));
  s.exit_code = EXIT_FAILURE;
  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.user_data = &s;
  opts.error_string = &err;
  if ((nc = mg_connect_http_opt(&mgr, ev_handler, opts, url, NULL, NULL)) ==
      NULL) {
    fprintf(stderr, "Cannot fetch %s: %s\n", url, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_timer(nc, mg_time() + TIMEOUT_SECONDS);
  while (!s.done) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s.exit_code;
}
