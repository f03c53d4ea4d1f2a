// API server: a RESTful JSON API over key/value records kept in SQLite
// (the system's libsqlite3: build with -lsqlite3, which the Makefile adds
// for this example), next to static files.
//
// The URL scheme is 6.18's api_server: the key is the path after /api/v1/.
//   PUT    /api/v1/KEY  body (or query) value=V: creates or replaces
//                       -> 201 when new, 200 when replaced: {"key", "value"}
//   POST   /api/v1/KEY  body value=V: creates only -> 201, or 409 if it exists
//   GET    /api/v1/KEY  -> 200 {"key": "KEY", "value": "V"}, or 404
//   DELETE /api/v1/KEY  -> 200 {"deleted": "KEY"}, or 404
//   GET    /api/v1/     -> {"keys": [...]} in key order, at most 1000
//   no value=, a key or value too long -> 400; other methods -> 405
//   everything else     -> a file from the web root (a page that uses the API)
// Keys are URL-decoded path text of at most 200 bytes; values at most 4095
// bytes. Errors have a JSON body {"error": "..."}. (6.18 answered a GET with
// the bare value as text/plain; here every answer is JSON.)
//
//   make examples/api_server/api_server
//   examples/api_server/api_server -f /tmp/api.db
//   curl -X PUT -d value=123 http://127.0.0.1:8000/api/v1/foo
//   curl http://127.0.0.1:8000/api/v1/foo
//   curl -X DELETE http://127.0.0.1:8000/api/v1/foo
//
// Usage: api_server [-p [ADDR:]PORT] [-f DBFILE] [-d DOCROOT]
//   -p  listening address, default 8000 (every interface)
//   -f  database file, created if absent, default api_server.db
//   -d  directory with the static files, default web_root next to the
//       executable
#include "mongoose.h"

#include <sqlite3.h>

#define API_PREFIX "/api/v1/"
#define MAX_KEY 200
#define MAX_VALUE 4096  // Including the NUL
#define MAX_LIST 1000

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;
static sqlite3 *s_db;

static void on_signal(int sig) {
  s_stop = sig;
}

// Appends s (n bytes) to m as a JSON string, quotes included.
static void json_append_string(struct mbuf *m, const char *s, size_t n) {
  size_t i;
  char esc[8];
  mbuf_append(m, "\"", 1);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char) s[i];
    if (c < 0x20) {
      snprintf(esc, sizeof(esc), "\\u%04x", c);
      mbuf_append(m, esc, 6);
    } else {
      if (c == '"' || c == '\\') mbuf_append(m, "\\", 1);
      mbuf_append(m, &s[i], 1);
    }
  }
  mbuf_append(m, "\"", 1);
}

// Sends the JSON object {"name1": "value1"[, "name2": "value2"]}.
static void send_object(struct mg_connection *nc, int status, const char *name1,
                        const char *value1, const char *name2,
                        const char *value2) {
  struct mbuf m;
  mbuf_init(&m, 128);
  mbuf_append(&m, "{", 1);
  json_append_string(&m, name1, strlen(name1));
  mbuf_append(&m, ": ", 2);
  json_append_string(&m, value1, strlen(value1));
  if (name2 != NULL) {
    mbuf_append(&m, ", ", 2);
    json_append_string(&m, name2, strlen(name2));
    mbuf_append(&m, ": ", 2);
    json_append_string(&m, value2, strlen(value2));
  }
  mbuf_append(&m, "}\n", 2);
  mg_send_head(nc, status, (int64_t) m.len, "Content-Type: application/json");
  mg_send(nc, m.buf, (int) m.len);
  mbuf_free(&m);
}

static void send_error(struct mg_connection *nc, int status, const char *why) {
  send_object(nc, status, "error", why, NULL, NULL);
}

// Runs sql with up to two text parameters. Returns the sqlite3_step()
// result; *changes gets the rows changed.
static int db_run(const char *sql, const char *p1, const char *p2,
                  int *changes) {
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2(s_db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, p1, -1, SQLITE_STATIC);
    if (p2 != NULL) sqlite3_bind_text(stmt, 2, p2, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  *changes = sqlite3_changes(s_db);
  return rc;
}

static void op_get(struct mg_connection *nc, const char *key) {
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2(s_db, "SELECT val FROM kv WHERE key = ?", -1,
                              &stmt, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
  }
  if (rc == SQLITE_ROW) {
    send_object(nc, 200, "key", key, "value",
                (const char *) sqlite3_column_text(stmt, 0));
  } else if (rc == SQLITE_DONE) {
    send_error(nc, 404, "no such key");
  } else {
    send_error(nc, 500, sqlite3_errmsg(s_db));
  }
  sqlite3_finalize(stmt);
}

// PUT (create or replace) and POST (create only).
static void op_set(struct mg_connection *nc, const char *key, const char *value,
                   int create_only) {
  int changes = 0, rc = SQLITE_DONE;
  if (!create_only) {
    rc = db_run("UPDATE kv SET val = ?2 WHERE key = ?1", key, value, &changes);
  }
  if (rc == SQLITE_DONE && changes == 0) {
    rc = db_run("INSERT INTO kv (key, val) VALUES (?1, ?2)", key, value,
                &changes);
    if (rc == SQLITE_CONSTRAINT) {
      send_error(nc, 409, "the key exists");
      return;
    }
    changes = -1;  // Created
  }
  if (rc != SQLITE_DONE) {
    send_error(nc, 500, sqlite3_errmsg(s_db));
  } else {
    send_object(nc, changes < 0 ? 201 : 200, "key", key, "value", value);
  }
}

static void op_delete(struct mg_connection *nc, const char *key) {
  int changes = 0;
  int rc = db_run("DELETE FROM kv WHERE key = ?", key, NULL, &changes);
  if (rc != SQLITE_DONE) {
    send_error(nc, 500, sqlite3_errmsg(s_db));
  } else if (changes == 0) {
    send_error(nc, 404, "no such key");
  } else {
    send_object(nc, 200, "deleted", key, NULL, NULL);
  }
}

static void op_list(struct mg_connection *nc) {
  sqlite3_stmt *stmt = NULL;
  struct mbuf m;
  int i = 0;
  mbuf_init(&m, 256);
  mbuf_append(&m, "{\"keys\": [", 10);
  if (sqlite3_prepare_v2(s_db, "SELECT key FROM kv ORDER BY key LIMIT ?", -1,
                         &stmt, NULL) == SQLITE_OK) {
    sqlite3_bind_int(stmt, 1, MAX_LIST);
    for (; sqlite3_step(stmt) == SQLITE_ROW; i++) {
      if (i > 0) mbuf_append(&m, ", ", 2);
      json_append_string(&m, (const char *) sqlite3_column_text(stmt, 0),
                         (size_t) sqlite3_column_bytes(stmt, 0));
    }
  }
  sqlite3_finalize(stmt);
  mbuf_append(&m, "]}\n", 3);
  mg_send_head(nc, 200, (int64_t) m.len, "Content-Type: application/json");
  mg_send(nc, m.buf, (int) m.len);
  mbuf_free(&m);
}

// True if the form src has a field called name, even an empty one
// (mg_get_http_var() returns 0 for both an empty and an absent field).
static int has_field(const struct mg_str *src, const char *name) {
  size_t n = strlen(name);
  const char *p = src->p, *end = src->p + src->len, *amp;
  for (; p < end; p = amp + 1) {
    amp = (const char *) memchr(p, '&', (size_t) (end - p));
    if (amp == NULL) amp = end;
    if ((size_t) (amp - p) >= n && memcmp(p, name, n) == 0 &&
        (p + n == amp || p[n] == '=')) {
      return 1;
    }
  }
  return 0;
}

// Reads value= from the query string if there is one, else from the body
// (as 6.18 did). Returns 0, or -1 and answers.
static int read_value(struct mg_connection *nc, struct http_message *hm,
                      char *value) {
  const struct mg_str *src =
      hm->query_string.len > 0 ? &hm->query_string : &hm->body;
  int n = mg_get_http_var(src, "value", value, MAX_VALUE);
  if (!has_field(src, "value")) {
    send_error(nc, 400, "value= is missing");
  } else if (n < 0) {
    send_error(nc, 400, n == -2 ? "the value is too long" : "bad escape");
  } else {
    return 0;
  }
  return -1;
}

static void handle_api(struct mg_connection *nc, struct http_message *hm) {
  const char *p = hm->uri.p + strlen(API_PREFIX);
  int n = (int) (hm->uri.len - strlen(API_PREFIX));
  char key[MAX_KEY + 1], value[MAX_VALUE];
  int is_put = mg_vcmp(&hm->method, "PUT") == 0;
  int is_post = mg_vcmp(&hm->method, "POST") == 0;
  int len =
      n > 0 && n <= MAX_KEY ? mg_url_decode(p, n, key, sizeof(key), 0) : -1;
  if (n == 0 && mg_vcmp(&hm->method, "GET") == 0) {
    op_list(nc);
  } else if (len <= 0 || strlen(key) != (size_t) len) {  // No %00 either
    send_error(nc, 400, "bad key");
  } else if (mg_vcmp(&hm->method, "GET") == 0) {
    op_get(nc, key);
  } else if (mg_vcmp(&hm->method, "DELETE") == 0) {
    op_delete(nc, key);
  } else if (!is_put && !is_post) {
    send_error(nc, 405, "use GET, PUT, POST or DELETE");
  } else if (read_value(nc, hm, value) == 0) {
    op_set(nc, key, value, is_post);
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_str_starts_with(hm->uri, mg_mk_str(API_PREFIX))) {
    handle_api(nc, hm);
  } else if (mg_vcmp(&hm->uri, "/api/v1") == 0) {
    mg_http_send_redirect(nc, 301, mg_mk_str(API_PREFIX), mg_mk_str(NULL));
  } else {
    mg_serve_http(nc, hm, s_http_opts);
  }
}

static int db_open(const char *path) {
  if (sqlite3_open_v2(path, &s_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      NULL) != SQLITE_OK ||
      sqlite3_exec(s_db,
                   "CREATE TABLE IF NOT EXISTS kv ("
                   "key TEXT PRIMARY KEY, val TEXT NOT NULL)",
                   NULL, NULL, NULL) != SQLITE_OK) {
    fprintf(stderr, "Cannot open %s: %s\n", path, sqlite3_errmsg(s_db));
    sqlite3_close(s_db);
    return -1;
  }
  return 0;
}

// Sets buf to "web_root" in the directory of the executable argv0.
static void default_root(const char *argv0, char *buf, size_t len) {
  const char *slash = strrchr(argv0, '/');
  int dir_len = slash == NULL ? 1 : (int) (slash - argv0);
  snprintf(buf, len, "%.*s/web_root", dir_len, slash == NULL ? "." : argv0);
}

// Parses the command line. Returns 0, or -1 on a bad command line.
static int parse_args(int argc, char *argv[], const char **address,
                      const char **db_path) {
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      *address = argv[++i];
    } else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
      *db_path = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-f DBFILE] [-d DOCROOT]\n",
              argv[0]);
      return -1;
    }
  }
  return 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "8000", *db_path = "api_server.db", *err = NULL;
  char root[512];

  default_root(argv[0], root, sizeof(root));
  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = root;
  if (parse_args(argc, argv, &address, &db_path) != 0) return EXIT_FAILURE;
  if (db_open(db_path) != 0) return EXIT_FAILURE;

  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    sqlite3_close(s_db);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("API server on port %s, records in %s\n", address, db_path);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  sqlite3_close(s_db);
  return EXIT_SUCCESS;
}
