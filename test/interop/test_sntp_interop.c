// Interop: our SNTP client against chronyd (Debian's chrony), a real NTP
// server we did not write. chronyd runs in the foreground (-d) from a
// config in a scratch directory: a free port on 127.0.0.1, "local stratum
// 8" (it serves its own clock at once), no command port, its pidfile and
// driftfile in the scratch directory (no clash with a system chronyd, and
// none is needed), and -x: it never touches the system clock. As root it
// keeps root (-u root) instead of switching to the _chrony user. It is
// started once for the group and ended by its PID. Without chronyd the
// tests skip and say how to install it. MG_KEEP_TMP=1 keeps its log.
// The last test runs examples/sntp_client (make builds it first) against
// the same chronyd.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/wait.h>

#ifndef CHRONYD
#define CHRONYD "/usr/sbin/chronyd"
#endif
#define EXAMPLE "examples/sntp_client/sntp_client"
#define START_SECONDS 10.0  // Longest chronyd may take to bind its port

static char s_dir[64];   // Scratch directory: config, pid, drift, log
static pid_t s_pid;      // chronyd
static int s_port;       // Its NTP port
static char s_addr[64];  // "127.0.0.1:PORT"

static struct {
  int connects, replies, malformed, failed, closes;
  struct mg_sntp_message msg;
} s_cli;

static void client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) {
    s_cli.connects++;
    mg_sntp_send_request(nc);
  } else if (ev == MG_SNTP_REPLY) {
    s_cli.replies++;
    s_cli.msg = *(struct mg_sntp_message *) ev_data;
  } else if (ev == MG_SNTP_MALFORMED_REPLY) {
    s_cli.malformed++;
  } else if (ev == MG_SNTP_FAILED) {
    s_cli.failed++;
  } else if (ev == MG_EV_CLOSE) {
    s_cli.closes++;
  }
}

static void print_log(void) {
  char path[128], line[256];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/chronyd.log", s_dir);
  if ((fp = fopen(path, "r")) == NULL) return;
  while (fgets(line, sizeof(line), fp) != NULL) print_message("  %s", line);
  fclose(fp);
}

static int write_config(void) {
  char path[128];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/chrony.conf", s_dir);
  if ((fp = fopen(path, "w")) == NULL) return 0;
  fprintf(fp,
          "port %d\nbindaddress 127.0.0.1\nlocal stratum 8\n"
          "allow 127.0.0.1\ncmdport 0\npidfile %s/chronyd.pid\n"
          "driftfile %s/chrony.drift\n",
          s_port, s_dir, s_dir);
  return fclose(fp) == 0;
}

static pid_t spawn_chronyd(void) {
  char conf[128], log[128];
  const char *argv[8];
  int n = 0;
  pid_t pid;
  snprintf(conf, sizeof(conf), "%s/chrony.conf", s_dir);
  snprintf(log, sizeof(log), "%s/chronyd.log", s_dir);
  argv[n++] = CHRONYD, argv[n++] = "-x", argv[n++] = "-d";
  if (geteuid() == 0) argv[n++] = "-u", argv[n++] = "root";
  argv[n++] = "-f", argv[n++] = conf, argv[n] = NULL;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644), fd;
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0), dup2(out, 1), dup2(out, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return pid;
}

// Starts chronyd and waits until it has bound its port. 0: not there
// (the tests skip), -1: it did not start (they fail), 1: running.
static int start_chronyd(void) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + START_SECONDS;
  int st;
  if (access(CHRONYD, X_OK) != 0) return 0;
  snprintf(s_dir, sizeof(s_dir), "/tmp/sntp_interop.XXXXXX");
  if (mkdtemp(s_dir) == NULL ||
      (s_port = free_loopback_port(SOCK_DGRAM)) == 0 || !write_config() ||
      (s_pid = spawn_chronyd()) <= 0) {
    return -1;
  }
  snprintf(s_addr, sizeof(s_addr), "127.0.0.1:%d", s_port);
  while (!loopback_port_taken(SOCK_DGRAM, s_port)) {
    if (waitpid(s_pid, &st, WNOHANG) == s_pid || mg_time() > deadline) {
      print_message("chronyd did not start:\n");
      print_log();
      return -1;
    }
    nanosleep(&ts, NULL);
  }
  return 1;
}

static int s_state;  // start_chronyd()'s result

static int group_setup(void **state) {
  (void) state;
  s_state = start_chronyd();
  return 0;
}

static void remove_dir(void) {
  const char *names[] = {"chrony.conf", "chronyd.pid", "chrony.drift",
                         "chronyd.log", "example.out"};
  char path[128];
  size_t i;
  if (s_dir[0] == '\0' || getenv("MG_KEEP_TMP") != NULL) return;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", s_dir, names[i]);
    unlink(path);
  }
  rmdir(s_dir);
}

// Ends chronyd by its PID: SIGTERM, SIGKILL after 5 s.
static int group_teardown(void **state) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + 5;
  int st;
  (void) state;
  if (s_pid > 0) {
    kill(s_pid, SIGTERM);
    while (waitpid(s_pid, &st, WNOHANG) == 0) {
      if (mg_time() > deadline) {
        kill(s_pid, SIGKILL);
        waitpid(s_pid, &st, 0);
        break;
      }
      nanosleep(&ts, NULL);
    }
  }
  remove_dir();
  return 0;
}

static void need_chronyd(void) {
  if (s_state == 0) {
    print_message(
        "SKIP: %s is missing; install it with: apt-get install -y "
        "chrony\n",
        CHRONYD);
    skip();
  }
  if (s_state < 0) fail_msg("chronyd did not start (see above)");
}

static int cli_closed(void *arg) {
  (void) arg;
  return s_cli.closes > 0;
}

static int cli_answered(void *arg) {
  (void) arg;
  return s_cli.replies + s_cli.malformed + s_cli.failed > 0;
}

// The time is within a few seconds of ours (chronyd serves our clock).
static void assert_time_is_now(void) {
  double now = (double) time(NULL);
  assert_int_equal(s_cli.msg.kiss_of_death, 0);
  assert_true(s_cli.msg.time > now - 3 && s_cli.msg.time < now + 3);
  // And to well under a second against the precise clock.
  assert_true(s_cli.msg.time > mg_time() - 0.5);
  assert_true(s_cli.msg.time < mg_time() + 0.5);
}

static void test_chronyd_get_time_is_now(void **state) {
  struct mg_mgr mgr;
  (void) state;
  need_chronyd();
  memset(&s_cli, 0, sizeof(s_cli));
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_sntp_get_time(&mgr, client_handler, s_addr));
  assert_true(poll_until(&mgr, cli_closed, NULL, 15));
  assert_int_equal(s_cli.replies, 1);
  assert_int_equal(s_cli.failed + s_cli.malformed, 0);
  assert_time_is_now();
  mg_mgr_free(&mgr);
}

static void test_chronyd_udp_url_by_hand_twice(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  char url[80];
  (void) state;
  need_chronyd();
  memset(&s_cli, 0, sizeof(s_cli));
  mg_mgr_init(&mgr, NULL);
  snprintf(url, sizeof(url), "udp://%s", s_addr);
  c = mg_sntp_connect(&mgr, client_handler, url);
  assert_non_null(c);
  assert_true(poll_until(&mgr, cli_answered, NULL, 10));
  assert_int_equal(s_cli.connects, 1);
  assert_int_equal(s_cli.replies, 1);
  assert_time_is_now();
  // A second request on the same connection: a fresh transmit timestamp,
  // answered as well.
  s_cli.replies = 0;
  mg_sntp_send_request(c);
  assert_true(poll_until(&mgr, cli_answered, NULL, 10));
  assert_int_equal(s_cli.replies, 1);
  assert_int_equal(s_cli.malformed + s_cli.failed, 0);
  assert_time_is_now();
  mg_mgr_free(&mgr);
}

// Runs examples/sntp_client -s ADDR; returns its exit code (-1: killed
// after 20 s) and its output in out.
static int run_example(char *out, size_t len) {
  const char *argv[] = {EXAMPLE, "-s", s_addr, NULL};
  char path[128];
  double deadline = mg_time() + 20;
  struct timespec ts = {0, 10000000};
  int st = 0, code, fd;
  size_t n = 0;
  FILE *fp;
  pid_t pid;
  snprintf(path, sizeof(path), "%s/example.out", s_dir);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) _exit(126);
    dup2(fd, 1), dup2(fd, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);  // Our sockets stay ours
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  assert_true(pid > 0);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (mg_time() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
    nanosleep(&ts, NULL);
  }
  code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if ((fp = fopen(path, "r")) != NULL) {
    n = fread(out, 1, len - 1, fp);
    fclose(fp);
  }
  out[n] = '\0';
  return code;
}

static void test_chronyd_answers_the_sntp_client_example(void **state) {
  char out[1024], want[96];
  int code;
  (void) state;
  need_chronyd();
  if (access(EXAMPLE, X_OK) != 0) {
    fail_msg("%s is not built: make %s", EXAMPLE, EXAMPLE);
  }
  code = run_example(out, sizeof(out));
  print_message("%s", out);
  assert_int_equal(code, 0);
  snprintf(want, sizeof(want), "%s 20", s_addr);  // "ADDR 2026-..."
  assert_non_null(strstr(out, want));
  assert_non_null(strstr(out, "Local time"));
  assert_non_null(strstr(out, "Offset"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chronyd_get_time_is_now),
      cmocka_unit_test(test_chronyd_udp_url_by_hand_twice),
      cmocka_unit_test(test_chronyd_answers_the_sntp_client_example),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
