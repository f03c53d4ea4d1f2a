// Net tests for WebDAV (RFC 4918) in mg_serve_http(): the cases litmus does
// not reach (auth refusal, hidden metadata, path safety, Depth infinity,
// limits, lock expiry), over real sockets against a mkdtemp() root.
// litmus itself runs in test/interop/test_examples.c. WebDAV and small
// lock limits are compiled in: this test builds mongoose.c itself.
#define MG_ENABLE_HTTP_WEBDAV 1
#define MG_MAX_DAV_LOCKS 2
#define MG_MAX_DAV_PROPS_SIZE 512
#include "../../mongoose.c"
#include "net_util.h"

static struct mg_mgr s_mgr;
static int s_port;
static char s_tmp[64];    // mkdtemp() directory
static char s_root[256];  // The root (real path), s_tmp/root
static struct mg_serve_http_opts s_opts;

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_opts);
  }
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
  fclose(fp);
}

static int exists(const char *name) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof(path), "%s/%s", s_root, name);
  return lstat(path, &st) == 0;
}

static int setup(void **state) {
  char real[MG_HTTP_PATH_MAX], path[512];
  struct mg_connection *lc;
  (void) state;
  snprintf(s_tmp, sizeof(s_tmp), "/tmp/mg_dav_XXXXXX");
  assert_non_null(mkdtemp(s_tmp));
  assert_non_null(realpath(s_tmp, real));
  assert_true(strlen(real) < 200);
  memcpy(s_root, real, strlen(real));
  memcpy(s_root + strlen(real), "/root", 6);
  assert_int_equal(mkdir(s_root, 0755), 0);
  memcpy(path, real, strlen(real));
  memcpy(path + strlen(real), "/outside", 9);
  assert_int_equal(mkdir(path, 0755), 0);
  write_file(path, "secret.txt", "secret\n");
  write_file(s_root, "a.txt", "aaa");
  // A link from inside the root to a directory outside it.
  memcpy(real, s_root, strlen(s_root));
  memcpy(real + strlen(s_root), "/out", 5);
  assert_int_equal(symlink(path, real), 0);
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_root;
  s_opts.dav_document_root = s_root;
  s_opts.dav_auth_file = "-";
  s_opts.per_directory_auth_file = ".htpasswd";
  mg_mgr_init(&s_mgr, NULL);
  lc = mg_bind(&s_mgr, "127.0.0.1:0", handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  s_port = conn_port(lc);
  return 0;
}

static int teardown(void **state) {
  char cmd[256];
  (void) state;
  mg_mgr_free(&s_mgr);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", s_tmp);
  assert_int_equal(system(cmd), 0);
  return 0;
}

static char s_buf[65536];

// One request (method, uri, extra header lines, body) on a new connection;
// returns the status, the response in s_buf.
static int req(const char *method, const char *uri, const char *hdrs,
               const char *body) {
  char r[4096];
  int fd = raw_connect(s_port), n;
  n = snprintf(r, sizeof(r),
               "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: "
               "%d\r\n\r\n%s",
               method, uri, hdrs, (int) strlen(body), body);
  assert_true(n > 0 && (size_t) n < sizeof(r));
  raw_send(&s_mgr, fd, r, (size_t) n);
  raw_recv(&s_mgr, fd, s_buf, sizeof(s_buf), 1, NULL, 10);
  close(fd);
  assert_true(strncmp(s_buf, "HTTP/1.1 ", 9) == 0);
  return atoi(s_buf + 9);
}

static void test_dav_off_without_auth_file_refuses(void **state) {
  (void) state;
  s_opts.dav_auth_file = NULL;
  assert_int_equal(req("PUT", "/new.txt", "", "x"), 403);
  assert_non_null(strstr(s_buf, "dav_auth_file"));
  assert_int_equal(req("PROPFIND", "/", "Depth: 0\r\n", ""), 403);
  assert_false(exists("new.txt"));
  assert_int_equal(req("GET", "/a.txt", "", ""), 200);  // Reading still works
  s_opts.dav_auth_file = "-";
  assert_int_equal(req("PUT", "/new.txt", "", "x"), 201);
  assert_true(exists("new.txt"));
  assert_int_equal(req("DELETE", "/new.txt", "", ""), 204);
}

static void test_dav_options_and_no_dav_root(void **state) {
  (void) state;
  assert_int_equal(req("OPTIONS", "/", "", ""), 200);
  assert_non_null(strstr(s_buf, "\r\nDAV: 1, 2\r\n"));
  assert_non_null(strstr(s_buf, "PROPFIND"));
  s_opts.dav_document_root = NULL;
  assert_int_equal(req("OPTIONS", "/", "", ""), 200);
  assert_null(strstr(s_buf, "DAV:"));
  assert_int_equal(req("PUT", "/x.txt", "", "x"), 405);
  assert_int_equal(req("PROPFIND", "/", "Depth: 0\r\n", ""), 501);
  s_opts.dav_document_root = s_root;
}

static void test_dav_put_replaces_atomically_and_leaves_no_temp(void **state) {
  DIR *d;
  struct dirent *de;
  (void) state;
  assert_int_equal(req("PUT", "/p.txt", "", "first"), 201);
  assert_int_equal(req("PUT", "/p.txt", "", "second version"), 204);
  assert_int_equal(req("GET", "/p.txt", "", ""), 200);
  assert_non_null(strstr(s_buf, "\r\n\r\nsecond version"));
  d = opendir(s_root);
  assert_non_null(d);
  while ((de = readdir(d)) != NULL) {
    assert_null(strstr(de->d_name, ".dav.tmp"));
  }
  closedir(d);
  assert_int_equal(req("PUT", "/nodir/p.txt", "", "x"), 409);
  assert_int_equal(req("DELETE", "/p.txt", "", ""), 204);
}

static void test_dav_metadata_and_auth_files_are_hidden(void **state) {
  (void) state;
  assert_int_equal(
      req("PROPPATCH", "/a.txt", "",
          "<?xml version=\"1.0\"?><D:propertyupdate xmlns:D=\"DAV:\">"
          "<D:set><D:prop><Z:color xmlns:Z=\"urn:z\">red</Z:color></D:prop>"
          "</D:set></D:propertyupdate>"),
      207);
  assert_non_null(strstr(s_buf, "200 OK"));
  assert_true(exists(".dav.props.a.txt"));
  assert_int_equal(req("PROPFIND", "/", "Depth: 1\r\n", ""), 207);
  assert_non_null(strstr(s_buf, "<D:href>/a.txt</D:href>"));
  assert_non_null(strstr(s_buf, ">red</p0:color>"));
  assert_null(strstr(s_buf, ".dav."));
  assert_int_equal(req("GET", "/.dav.props.a.txt", "", ""), 404);
  assert_int_equal(req("PUT", "/.dav.props.a.txt", "", "<x/>"), 403);
  assert_int_equal(req("PUT", "/.htpasswd", "", "u:mongoose:0"), 403);
  assert_false(exists(".htpasswd"));
  assert_int_equal(req("MOVE", "/a.txt",
                       "Destination: http://127.0.0.1/.htpasswd\r\n", ""),
                   403);
  // MOVE takes the properties along, DELETE removes them.
  assert_int_equal(
      req("MOVE", "/a.txt", "Destination: http://127.0.0.1/b.txt\r\n", ""),
      201);
  assert_false(exists(".dav.props.a.txt"));
  assert_true(exists(".dav.props.b.txt"));
  assert_int_equal(
      req("PROPFIND", "/b.txt", "Depth: 0\r\n",
          "<D:propfind xmlns:D=\"DAV:\"><D:prop><color xmlns=\"urn:z\"/>"
          "</D:prop></D:propfind>"),
      207);
  assert_non_null(strstr(s_buf, ">red</p0:color>"));
  assert_int_equal(req("DELETE", "/b.txt", "", ""), 204);
  assert_false(exists(".dav.props.b.txt"));
  write_file(s_root, "a.txt", "aaa");
}

static void test_dav_paths_outside_root_refused(void **state) {
  (void) state;
  assert_int_equal(req("PROPFIND", "/out/secret.txt", "Depth: 0\r\n", ""), 404);
  assert_int_equal(req("DELETE", "/out/secret.txt", "", ""), 404);
  assert_int_equal(req("PUT", "/out/new.txt", "", "x"), 409);
  assert_int_equal(
      req("COPY", "/a.txt", "Destination: http://127.0.0.1/out/c.txt\r\n", ""),
      409);
  assert_int_equal(req("PROPFIND", "/out", "Depth: 0\r\n", ""), 404);
  assert_int_equal(req("PUT", "/../x.txt", "", "x"), 404);
}

static void test_dav_destination_rules(void **state) {
  (void) state;
  assert_int_equal(req("MKCOL", "/col", "", ""), 201);
  // Another server: 502; into itself: 403; no Destination: 400.
  assert_int_equal(
      req("COPY", "/a.txt", "Destination: http://example.com/z.txt\r\n", ""),
      502);
  assert_int_equal(
      req("MOVE", "/col", "Destination: http://127.0.0.1/col/sub\r\n", ""),
      403);
  assert_int_equal(req("MOVE", "/col", "Destination: /col\r\n", ""), 403);
  assert_int_equal(req("COPY", "/a.txt", "", ""), 400);
  assert_int_equal(req("COPY", "/a.txt", "Destination: /col/a.txt\r\n", ""),
                   201);
  assert_int_equal(req("COPY", "/a.txt",
                       "Destination: /col/a.txt\r\nOverwrite: F\r\n", ""),
                   412);
  assert_int_equal(req("MOVE", "/col", "Depth: 0\r\nDestination: /c2\r\n", ""),
                   400);
  assert_int_equal(req("DELETE", "/col", "", ""), 204);
  assert_false(exists("col"));
}

static void test_dav_propfind_depth_infinity_and_bad_xml(void **state) {
  (void) state;
  assert_int_equal(req("PROPFIND", "/", "Depth: infinity\r\n", ""), 403);
  assert_non_null(strstr(s_buf, "<D:propfind-finite-depth/>"));
  assert_int_equal(req("PROPFIND", "/", "", ""), 403);
  assert_int_equal(
      req("PROPFIND", "/", "Depth: 0\r\n",
          "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><D:propfind xmlns:D=\"DAV:\">"
          "<D:allprop/></D:propfind>"),
      400);
  assert_int_equal(req("PROPFIND", "/", "Depth: 0\r\n", "<D:propfind>"), 400);
  assert_int_equal(req("PROPFIND", "/", "Depth: 0\r\n", "<a xmlns=\"DAV:\"/>"),
                   400);
  assert_int_equal(req("PROPFIND", "/nope", "Depth: 0\r\n", ""), 404);
}

static void test_dav_props_size_limit(void **state) {
  char body[2048], val[700];
  (void) state;
  memset(val, 'v', sizeof(val) - 1);
  val[sizeof(val) - 1] = '\0';
  snprintf(body, sizeof(body),
           "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
           "<Z:big xmlns:Z=\"urn:z\">%s</Z:big></D:prop></D:set>"
           "</D:propertyupdate>",
           val);
  assert_int_equal(req("PROPPATCH", "/a.txt", "", body), 207);
  assert_non_null(strstr(s_buf, "507 Insufficient Storage"));
  assert_false(exists(".dav.props.a.txt"));
  // Live properties cannot be set: 403 for it, 424 for the rest.
  assert_int_equal(
      req("PROPPATCH", "/a.txt", "",
          "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
          "<D:getetag>x</D:getetag><Z:ok xmlns:Z=\"urn:z\">1</Z:ok>"
          "</D:prop></D:set></D:propertyupdate>"),
      207);
  assert_non_null(strstr(s_buf, "403 Forbidden"));
  assert_non_null(strstr(s_buf, "424 Failed Dependency"));
  assert_false(exists(".dav.props.a.txt"));
}

#define LOCKINFO                                               \
  "<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/>" \
  "</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>"

// The Lock-Token header of s_buf into tok ("<...>").
static void lock_token(char *tok, size_t len) {
  const char *p = strstr(s_buf, "\r\nLock-Token: "), *e;
  assert_non_null(p);
  p += 14;
  e = strstr(p, "\r\n");
  assert_true(e != NULL && (size_t) (e - p) < len);
  memcpy(tok, p, (size_t) (e - p));
  tok[e - p] = '\0';
}

static void test_dav_lock_limit_and_expiry(void **state) {
  char tok[128], hdr[256];
  double start;
  (void) state;
  write_file(s_root, "l1", "1");
  write_file(s_root, "l2", "2");
  write_file(s_root, "l3", "3");
  assert_int_equal(req("LOCK", "/l1", "Timeout: Second-1\r\n", LOCKINFO), 200);
  lock_token(tok, sizeof(tok));
  assert_int_equal(req("LOCK", "/l2", "Timeout: Second-1\r\n", LOCKINFO), 200);
  assert_int_equal(req("LOCK", "/l3", "", LOCKINFO), 503);  // MG_MAX_DAV_LOCKS
  assert_int_equal(req("PUT", "/l1", "", "x"), 423);
  snprintf(hdr, sizeof(hdr), "If: (%s)\r\n", tok);
  assert_int_equal(req("PUT", "/l1", hdr, "y"), 204);
  assert_int_equal(req("LOCK", "/l1", "", LOCKINFO), 423);  // Exclusive
  // Malformed If header: 400.
  assert_int_equal(req("PUT", "/l1", "If: (<x\r\n", "z"), 400);
  start = mg_time();
  while (mg_time() < start + 1.2) mg_mgr_poll(&s_mgr, 50);
  assert_int_equal(req("PUT", "/l1", "", "z"), 204);  // Expired
  assert_int_equal(req("LOCK", "/l3", "", LOCKINFO), 200);
  lock_token(tok, sizeof(tok));
  snprintf(hdr, sizeof(hdr), "Lock-Token: %s\r\n", tok);
  assert_int_equal(req("UNLOCK", "/l1", hdr, ""), 409);  // Not this one's
  assert_int_equal(req("UNLOCK", "/l3", hdr, ""), 204);
  assert_int_equal(req("UNLOCK", "/l3", hdr, ""), 409);
  assert_int_equal(req("UNLOCK", "/l3", "", ""), 400);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dav_off_without_auth_file_refuses),
      cmocka_unit_test(test_dav_options_and_no_dav_root),
      cmocka_unit_test(test_dav_put_replaces_atomically_and_leaves_no_temp),
      cmocka_unit_test(test_dav_metadata_and_auth_files_are_hidden),
      cmocka_unit_test(test_dav_paths_outside_root_refused),
      cmocka_unit_test(test_dav_destination_rules),
      cmocka_unit_test(test_dav_propfind_depth_infinity_and_bad_xml),
      cmocka_unit_test(test_dav_props_size_limit),
      cmocka_unit_test(test_dav_lock_limit_and_expiry),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
