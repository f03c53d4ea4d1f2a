// Directory listings in a real browser: headless chromium loads a listing
// served by mg_serve_http(), its inline script sorts the rows (by the
// #name/#date/#size[-desc] the URL names), and the DOM chromium dumps is
// checked row by row; a screenshot of the page is taken and its PNG header
// checked (size as asked, not empty).
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <dirent.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#define CHROMIUM "/usr/bin/chromium"

static char s_dir[64];  // Temporary: the served tree, chromium's output
static char s_root[128];
static struct mg_serve_http_opts s_opts;

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_opts);
  }
}

// A file of size bytes with mtime t.
static void make_file(const char *name, size_t size, time_t t) {
  char path[256];
  struct timeval tv[2];
  FILE *fp;
  size_t i;
  snprintf(path, sizeof(path), "%s/%s", s_root, name);
  fp = fopen(path, "wb");
  assert_non_null(fp);
  for (i = 0; i < size; i++) fputc('x', fp);
  fclose(fp);
  tv[0].tv_sec = tv[1].tv_sec = t;
  tv[0].tv_usec = tv[1].tv_usec = 0;
  assert_int_equal(utimes(path, tv), 0);
}

static void remove_tree(const char *dir, int depth) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[1024];
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0) {
      remove_tree(path, depth - 1);
    } else {
      unlink(path);
    }
  }
  closedir(d);
  rmdir(dir);
}

static int setup(void **state) {
  char sub[160];
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_listing_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  snprintf(s_root, sizeof(s_root), "%s/root", s_dir);
  if (mkdir(s_root, 0755) != 0) return -1;
  // Names, sizes and dates in three different orders.
  make_file("b-small.txt", 10, 1700000300);
  make_file("a-big.bin", 300000, 1700000100);
  make_file("c-mid.dat", 5000, 1700000200);
  snprintf(sub, sizeof(sub), "%s/zdir", s_root);
  if (mkdir(sub, 0755) != 0) return -1;
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_root;
  return 0;
}

static int teardown(void **state) {
  (void) state;
  remove_tree(s_dir, 8);
  return 0;
}

// Runs chromium with args on url while mgr serves, for at most 60 s.
// Returns chromium's stdout (the caller frees), NULL if it did not end.
static char *run_chromium(struct mg_mgr *mgr, const char *url,
                          const char *extra) {
  char out[160], err[160], prof[160];
  double deadline = mg_time() + 60;
  pid_t pid;
  int st = 0, done = 0;
  FILE *fp;
  char *buf;
  long n;
  snprintf(out, sizeof(out), "%s/chromium.out", s_dir);
  snprintf(err, sizeof(err), "%s/chromium.err", s_dir);
  snprintf(prof, sizeof(prof), "--user-data-dir=%s/profile", s_dir);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fd;
    if (o < 0 || e < 0) _exit(126);
    setpgid(0, 0);
    dup2(o, 1);
    dup2(e, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);
    execl(CHROMIUM, CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--no-first-run", "--disable-breakpad",
          "--hide-scrollbars", prof, "--virtual-time-budget=3000", extra, url,
          (char *) NULL);
    _exit(127);
  }
  setpgid(pid, pid);
  while (!done && mg_time() < deadline) {
    mg_mgr_poll(mgr, 10);
    done = waitpid(pid, &st, WNOHANG) == pid;
  }
  if (!done) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return NULL;
  }
  kill(-pid, SIGKILL);  // Helpers it may have left
  fp = fopen(out, "rb");
  assert_non_null(fp);
  fseek(fp, 0, SEEK_END);
  n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  buf = (char *) calloc(1, (size_t) n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t) n, fp), (size_t) n);
  fclose(fp);
  return buf;
}

// The data-n values of the rows of dom, in order, joined with ','.
static void row_order(const char *dom, char *out, size_t len) {
  const char *p = dom, *q;
  size_t n = 0;
  out[0] = '\0';
  while ((p = strstr(p, "data-n=\"")) != NULL) {
    p += 8;
    if ((q = strchr(p, '"')) == NULL) break;
    n += (size_t) snprintf(out + n, len - n, "%s%.*s", n ? "," : "",
                           (int) (q - p), p);
    p = q;
  }
}

static void check_sort(struct mg_mgr *mgr, int port, const char *hash,
                       const char *want) {
  char url[128], order[256];
  char *dom;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", port, hash);
  dom = run_chromium(mgr, url, "--dump-dom");
  if (dom == NULL) fail_msg("chromium did not end for %s", url);
  row_order(dom, order, sizeof(order));
  if (strcmp(order, want) != 0) {
    fail_msg("%s: rows %s, want %s; DOM:\n%.600s", hash, order, want, dom);
  }
  free(dom);
}

static void test_listing_sorted_in_chromium(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
  (void) state;
  if (access(CHROMIUM, X_OK) != 0) {
    print_message("SKIP: %s is missing: apt-get install -y chromium\n",
                  CHROMIUM);
    skip();
  }
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  port = conn_port(lc);
  // The server's order, then the script's; directories stay first.
  check_sort(&mgr, port, "", "zdir,a-big.bin,b-small.txt,c-mid.dat");
  check_sort(&mgr, port, "#name-desc", "zdir,c-mid.dat,b-small.txt,a-big.bin");
  check_sort(&mgr, port, "#size", "zdir,b-small.txt,c-mid.dat,a-big.bin");
  check_sort(&mgr, port, "#size-desc", "zdir,a-big.bin,c-mid.dat,b-small.txt");
  check_sort(&mgr, port, "#date", "zdir,a-big.bin,c-mid.dat,b-small.txt");
  check_sort(&mgr, port, "#date-desc", "zdir,b-small.txt,c-mid.dat,a-big.bin");
  mg_mgr_free(&mgr);
}

// A screenshot of the page: a PNG of the asked size, not a blank one.
static void test_listing_screenshot(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char url[128], shot[160], arg[200];
  unsigned char png[24];
  struct stat st;
  FILE *fp;
  char *out;
  (void) state;
  if (access(CHROMIUM, X_OK) != 0) {
    print_message("SKIP: %s is missing: apt-get install -y chromium\n",
                  CHROMIUM);
    skip();
  }
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/#size", conn_port(lc));
  snprintf(shot, sizeof(shot), "%s/listing.png", s_dir);
  snprintf(arg, sizeof(arg), "--screenshot=%s", shot);
  out = run_chromium(&mgr, url, arg);
  assert_non_null(out);
  free(out);
  assert_int_equal(stat(shot, &st), 0);
  fp = fopen(shot, "rb");
  assert_non_null(fp);
  assert_int_equal(fread(png, 1, sizeof(png), fp), sizeof(png));
  fclose(fp);
  assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
  assert_memory_equal(png + 12, "IHDR", 4);
  // A blank 800x600 PNG compresses to well under 4 KB; text and stripes
  // make it larger.
  if (st.st_size < 8000)
    fail_msg("screenshot only %ld bytes", (long) st.st_size);
  mg_mgr_free(&mgr);
  if (getenv("MG_KEEP_SHOT") != NULL) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "cp %s %s", shot, getenv("MG_KEEP_SHOT"));
    assert_int_equal(system(cmd), 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_listing_sorted_in_chromium),
      cmocka_unit_test(test_listing_screenshot),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
