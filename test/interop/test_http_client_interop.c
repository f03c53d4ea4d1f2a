// Interop tests for the HTTP client: our mg_connect_http() against a server
// we did not write, python's http.server. The server is forked for the
// whole group, waited for with a deadline and ended by its PID.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <arpa/inet.h>
#include <signal.h>
#include <sys/wait.h>

#define PYTHON "/usr/bin/python3"
#define FILE_SIZE (200 * 1024 + 3)  // Larger than one read from the socket
#define START_SECONDS 15.0          // Longest the server may take to start

static char s_dir[64];         // Served directory
static unsigned char *s_data;  // Contents of s_dir/data.bin
static pid_t s_pid = -1;       // The python server
static int s_port;

// What the client handler saw.
struct reply {
  int done, connect_err, replies, resp_code;
  unsigned char *body;  // malloc'd copy of the reply body
  size_t body_len;
};

// Each test's manager and reply, freed by teardown() even after a failure.
static struct mg_mgr s_mgr;
static int s_mgr_live;
static struct reply s_reply;

static int teardown(void **state) {
  (void) state;
  if (s_mgr_live) mg_mgr_free(&s_mgr);
  s_mgr_live = 0;
  free(s_reply.body);
  memset(&s_reply, 0, sizeof(s_reply));
  return 0;
}

// True once something accepts connections on 127.0.0.1:port.
static int port_open(int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok = fd >= 0 && connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

static void write_data_file(void) {
  char path[128];
  FILE *fp;
  uint32_t seed = 12345;
  size_t i;
  s_data = (unsigned char *) malloc(FILE_SIZE);
  if (s_data == NULL) return;
  for (i = 0; i < FILE_SIZE; i++) {
    seed = seed * 1103515245u + 12345u;
    s_data[i] = (unsigned char) (seed >> 16);
  }
  snprintf(path, sizeof(path), "%s/data.bin", s_dir);
  if ((fp = fopen(path, "wb")) != NULL) {
    fwrite(s_data, 1, FILE_SIZE, fp);
    fclose(fp);
  }
}

// Runs `python3 -m http.server PORT --bind 127.0.0.1 --directory DIR`.
static void start_python(void) {
  char port[16];
  int fd;
  snprintf(port, sizeof(port), "%d", s_port);
  fflush(NULL);
  if ((s_pid = fork()) != 0) return;
  fd = open("/dev/null", O_RDWR);
  if (fd < 0) _exit(126);
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  for (fd = 3; fd < 1024; fd++) close(fd);
  execl(PYTHON, PYTHON, "-m", "http.server", port, "--bind", "127.0.0.1",
        "--directory", s_dir, (char *) NULL);
  _exit(127);
}

static void stop_python(void) {
  int st;
  if (s_pid <= 0) return;
  kill(s_pid, SIGTERM);
  waitpid(s_pid, &st, 0);
  s_pid = -1;
}

// Group setup: the served files and the server. Without python3 the group
// still runs, and each test skips.
static int setup_group(void **state) {
  double deadline = mg_time() + START_SECONDS;
  int st;
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_client_interop_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  write_data_file();
  if (s_data == NULL || access(PYTHON, X_OK) != 0) return 0;
  if ((s_port = free_loopback_port(SOCK_STREAM)) == 0) return -1;
  start_python();
  if (s_pid < 0) return -1;
  while (!port_open(s_port) && mg_time() < deadline) {
    if (waitpid(s_pid, &st, WNOHANG) == s_pid) {
      s_pid = -1;  // python exited: tests skip
      return 0;
    }
    usleep(20000);
  }
  if (!port_open(s_port)) stop_python();
  return 0;
}

static int teardown_group(void **state) {
  char path[128];
  (void) state;
  stop_python();
  snprintf(path, sizeof(path), "%s/data.bin", s_dir);
  unlink(path);
  rmdir(s_dir);
  free(s_data);
  return 0;
}

#define NEED_PYTHON()                                      \
  do {                                                     \
    if (s_pid <= 0) {                                      \
      print_message(                                       \
          "SKIP: %s -m http.server is not available; "     \
          "install it with: apt-get install -y python3\n", \
          PYTHON);                                         \
      skip();                                              \
    }                                                      \
  } while (0)

static void reply_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct reply *r = (struct reply *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_CONNECT) {
    r->connect_err = *(int *) ev_data;
  } else if (ev == MG_EV_HTTP_REPLY) {
    r->replies++;
    r->resp_code = hm->resp_code;
    free(r->body);
    r->body = (unsigned char *) malloc(hm->body.len + 1);
    assert_non_null(r->body);
    memcpy(r->body, hm->body.p, hm->body.len);
    r->body_len = hm->body.len;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    r->done = 1;
  }
}

// GETs path from the python server into r (s_reply).
static void fetch(const char *path, struct reply *r) {
  struct mg_connect_opts opts;
  const char *err = NULL;
  char url[256];
  memset(r, 0, sizeof(*r));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = r;
  opts.error_string = &err;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s_port, path);
  mg_mgr_init(&s_mgr, NULL);
  s_mgr_live = 1;
  if (mg_connect_http_opt(&s_mgr, reply_handler, opts, url, NULL, NULL) ==
      NULL) {
    fail_msg("mg_connect_http_opt(%s): %s", url, err);
  }
  assert_true(poll_flag(&s_mgr, &r->done, 20));
}

static void test_client_gets_file_from_python(void **state) {
  struct reply *r = &s_reply;
  (void) state;
  NEED_PYTHON();
  fetch("/data.bin", r);
  assert_int_equal(r->connect_err, 0);
  assert_int_equal(r->replies, 1);
  assert_int_equal(r->resp_code, 200);
  assert_int_equal(r->body_len, FILE_SIZE);
  assert_memory_equal(r->body, s_data, FILE_SIZE);
}

static void test_client_gets_404_from_python(void **state) {
  struct reply *r = &s_reply;
  (void) state;
  NEED_PYTHON();
  fetch("/no-such-file.txt", r);
  assert_int_equal(r->replies, 1);
  assert_int_equal(r->resp_code, 404);
  assert_true(r->body_len > 0);  // python's HTML error page
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_client_gets_file_from_python, teardown),
      cmocka_unit_test_teardown(test_client_gets_404_from_python, teardown),
  };
  return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
