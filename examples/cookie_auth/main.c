// Cookie authentication: a login form, a session cookie, and pages that
// only a logged-in browser may see.
//
//   POST /login (form fields user, pass) checks a built-in table of users;
//   on success the answer sets "mgs=<random hex>" (HttpOnly; SameSite=
//   Strict; Path=/) and redirects to /. A failed login goes back to
//   /login.html?error=1. /logout ends the session. /login.html is public;
//   any other request without a live session is redirected to /login.html.
//   GET /whoami answers {"user": "..."} for the page to show.
//
//   Sessions live in a table of MAX_SESSIONS entries (the least recently
//   used one is dropped when it is full). A timer on the listener fires
//   every 5 s and ends sessions idle for more than -t seconds.
//
//   THIS IS A DEMO: the users and their passwords are in the source, in
//   clear text. A real application keeps salted password hashes, serves
//   the login over HTTPS (and adds "Secure" to the cookie).
//
//   make examples/cookie_auth/cookie_auth
//   examples/cookie_auth/cookie_auth -t 30
//   open http://127.0.0.1:8000/ and log in as admin/admin or guest/guest
//
// Usage: cookie_auth [-p [ADDR:]PORT] [-d DOCROOT] [-t SECONDS]
//   -p  listening address, default 127.0.0.1:8000
//   -d  directory with the pages, default web_root next to the executable
//   -t  idle time after which a session expires, default 30
#include "mongoose.h"

#define MAX_SESSIONS 10
#define TIMER_PERIOD 5.0  // Seconds between expiry sweeps
#define COOKIE_NAME "mgs"
#define COOKIE_ATTRS "; HttpOnly; SameSite=Strict; Path=/"

struct session {
  char id[33];       // 32 hex digits; "" for a free slot
  const char *user;  // Points into s_users
  double last_used;  // mg_time() of the last request
};

static const struct {
  const char *name, *pass;
} s_users[] = {{"admin", "admin"}, {"guest", "guest"}};

static volatile sig_atomic_t s_stop = 0;
static struct session s_sessions[MAX_SESSIONS];
static double s_ttl = 30;
static struct mg_serve_http_opts s_http_opts;

static void on_signal(int sig) {
  s_stop = sig;
}

// Returns the user named name whose password is pass, or NULL.
static const char *check_password(const char *name, const char *pass) {
  size_t i;
  for (i = 0; i < sizeof(s_users) / sizeof(s_users[0]); i++) {
    if (strcmp(name, s_users[i].name) == 0 &&
        strcmp(pass, s_users[i].pass) == 0) {
      return s_users[i].name;
    }
  }
  return NULL;
}

// Fills id with 32 random hex digits. Returns 0, or -1 if there is no
// randomness to be had.
static int random_id(char *id) {
  unsigned char b[16];
  FILE *fp = fopen("/dev/urandom", "rb");
  size_t i, n = fp == NULL ? 0 : fread(b, 1, sizeof(b), fp);
  if (fp != NULL) fclose(fp);
  if (n != sizeof(b)) return -1;
  for (i = 0; i < sizeof(b); i++) sprintf(id + 2 * i, "%02x", b[i]);
  return 0;
}

// Starts a session for user, in a free slot or the least recently used.
// Returns it, or NULL.
static struct session *create_session(const char *user) {
  struct session *s = &s_sessions[0];
  size_t i;
  for (i = 1; i < MAX_SESSIONS && s->id[0] != '\0'; i++) {
    if (s_sessions[i].id[0] == '\0' || s_sessions[i].last_used < s->last_used) {
      s = &s_sessions[i];
    }
  }
  if (random_id(s->id) != 0) return NULL;
  s->user = user;
  s->last_used = mg_time();
  return s;
}

// Returns the live session named by the request's cookie, or NULL.
static struct session *find_session(struct http_message *hm) {
  struct mg_str *cookie = mg_get_http_header(hm, "Cookie");
  char id[33];
  size_t i;
  if (mg_http_parse_header(cookie, COOKIE_NAME, id, sizeof(id)) != 32) {
    return NULL;
  }
  for (i = 0; i < MAX_SESSIONS; i++) {
    if (strcmp(s_sessions[i].id, id) == 0 &&
        mg_time() - s_sessions[i].last_used <= s_ttl) {
      return &s_sessions[i];
    }
  }
  return NULL;
}

// Ends the sessions idle for more than s_ttl seconds.
static void expire_sessions(void) {
  double now = mg_time();
  size_t i;
  for (i = 0; i < MAX_SESSIONS; i++) {
    if (s_sessions[i].id[0] != '\0' && now - s_sessions[i].last_used > s_ttl) {
      printf("session of %s expired\n", s_sessions[i].user);
      fflush(stdout);
      memset(&s_sessions[i], 0, sizeof(s_sessions[i]));
    }
  }
}

static void redirect(struct mg_connection *nc, const char *to,
                     const char *headers) {
  mg_http_send_redirect(nc, 302, mg_mk_str(to), mg_mk_str(headers));
}

// POST /login: user and pass from the form body.
static void login_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  char name[64], pass[64], cookie[128];
  const char *user;
  struct session *s;
  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->method, "POST") != 0 ||
      mg_get_http_var(&hm->body, "user", name, sizeof(name)) <= 0 ||
      mg_get_http_var(&hm->body, "pass", pass, sizeof(pass)) < 0 ||
      (user = check_password(name, pass)) == NULL) {
    redirect(nc, "/login.html?error=1", "");
  } else if ((s = create_session(user)) == NULL) {
    mg_http_send_error(nc, 500, "cannot make a session id");
  } else {
    snprintf(cookie, sizeof(cookie), "Set-Cookie: " COOKIE_NAME "=%s%s", s->id,
             COOKIE_ATTRS);
    redirect(nc, "/", cookie);
    printf("%s logged in\n", user);
    fflush(stdout);
  }
}

// /logout: ends the session, if any, and drops the cookie.
static void logout_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct session *s;
  if (ev != MG_EV_HTTP_REQUEST) return;
  if ((s = find_session((struct http_message *) ev_data)) != NULL) {
    printf("%s logged out\n", s->user);
    fflush(stdout);
    memset(s, 0, sizeof(*s));
  }
  redirect(nc, "/login.html",
           "Set-Cookie: " COOKIE_NAME "=; Max-Age=0" COOKIE_ATTRS);
}

// Every other request: public, or behind the session check.
static void serve(struct mg_connection *nc, struct http_message *hm) {
  struct session *s;
  char json[96];
  if (mg_vcmp(&hm->uri, "/login.html") == 0) {
    mg_serve_http(nc, hm, s_http_opts);
  } else if ((s = find_session(hm)) == NULL) {
    redirect(nc, "/login.html", "");
  } else if (mg_vcmp(&hm->uri, "/whoami") == 0) {
    s->last_used = mg_time();
    snprintf(json, sizeof(json), "{\"user\": \"%s\", \"ttl\": %g}\n", s->user,
             s_ttl);
    mg_send_head(nc, 200, (int64_t) strlen(json),
                 "Content-Type: application/json\r\nCache-Control: no-store");
    mg_printf(nc, "%s", json);
  } else {
    s->last_used = mg_time();
    mg_serve_http(nc, hm, s_http_opts);
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    serve(nc, (struct http_message *) ev_data);
  } else if (ev == MG_EV_TIMER && (nc->flags & MG_F_LISTENING)) {
    expire_sessions();
    mg_set_timer(nc, mg_time() + TIMER_PERIOD);
  }
}

// Sets buf to "web_root" in the directory of the executable argv0.
static void default_root(const char *argv0, char *buf, size_t len) {
  const char *slash = strrchr(argv0, '/');
  int dir_len = slash == NULL ? 1 : (int) (slash - argv0);
  snprintf(buf, len, "%.*s/web_root", dir_len, slash == NULL ? "." : argv0);
}

static int usage(const char *prog) {
  fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-d DOCROOT] [-t SECONDS]\n",
          prog);
  return -1;
}

// Parses the command line. Returns 0, or -1 on a bad command line.
static int parse_args(int argc, char *argv[], const char **address) {
  char *end;
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      *address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
      s_ttl = strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || !(s_ttl > 0)) {
        return usage(argv[0]);
      }
    } else {
      return usage(argv[0]);
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
  s_http_opts.enable_directory_listing = "no";
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
  mg_register_http_endpoint(nc, "/login$", login_handler);
  mg_register_http_endpoint(nc, "/logout$", logout_handler);
  mg_set_timer(nc, mg_time() + TIMER_PERIOD);
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("Cookie auth example on http://%s (sessions expire after %g s)\n",
         bound, s_ttl);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
