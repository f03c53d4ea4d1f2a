// Unit tests for src/log.c through the public API: mg_log_set_level(),
// mg_log_set_file(), mg_log_prefix(), mg_log(), the MG_ERROR/MG_INFO/
// MG_DEBUG/MG_VERBOSE macros and the 6.x names (LOG, DBG, LL_*,
// cs_log_set_level). Every test reads back the bytes the module wrote.
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

#define SINK_MAX 16384

static FILE *s_sink;  // Where each test's messages go: a fresh temporary file

// Per-test setup: the sink is a new empty file. The level is left as the
// previous test set it: the first test checks the default.
static int setup_sink(void **state) {
  (void) state;
  if ((s_sink = tmpfile()) == NULL) return -1;
  mg_log_set_file(s_sink);
  return 0;
}

static int teardown_sink(void **state) {
  (void) state;
  mg_log_set_file(NULL);
  mg_log_set_level(MG_LL_ERROR);
  fclose(s_sink);
  s_sink = NULL;
  return 0;
}

// Reads what has reached the file descriptor of fp (without flushing fp:
// bytes still in its stdio buffer are not seen) into a static buffer.
static const char *fd_text(FILE *fp) {
  static char buf[SINK_MAX + 1];
  ssize_t n = pread(fileno(fp), buf, SINK_MAX, 0);
  assert_true(n >= 0);
  buf[n] = '\0';
  return buf;
}

// Everything written to the sink so far.
static const char *sink_text(void) {
  fflush(s_sink);
  return fd_text(s_sink);
}

// Skips the "<seconds>.<3 digits> " time stamp at the start of line s,
// asserting its shape. Returns the rest of the line.
static const char *after_time(const char *s) {
  const char *p = s;
  while (*p >= '0' && *p <= '9') p++;
  assert_true(p > s);
  assert_int_equal(*p, '.');
  assert_true(p[1] >= '0' && p[1] <= '9');
  assert_true(p[2] >= '0' && p[2] <= '9');
  assert_true(p[3] >= '0' && p[3] <= '9');
  assert_int_equal(p[4], ' ');
  return p + 5;
}

// The text of the sink with the time stamp of each line cut out, so that
// whole output can be compared with assert_string_equal.
static const char *sink_without_times(void) {
  static char out[SINK_MAX + 1];
  const char *p = sink_text(), *eol;
  size_t n = 0, len;
  while (*p != '\0') {
    p = after_time(p);
    eol = strchr(p, '\n');
    assert_non_null(eol);
    len = (size_t) (eol - p) + 1;
    memcpy(out + n, p, len);
    n += len;
    p = eol + 1;
  }
  out[n] = '\0';
  return out;
}

// ---- Levels -----------------------------------------------------------------

// Must run first: no test has called mg_log_set_level() yet.
static void test_log_default_level_prints_errors_only(void **state) {
  char want[128];
  int line;
  (void) state;
  line = __LINE__ + 1;
  MG_ERROR(("an error"));
  LOG(LL_WARN, ("a warning"));
  MG_INFO(("some info"));
  MG_DEBUG(("debugging"));
  MG_VERBOSE(("chatter"));
  snprintf(want, sizeof(want), "0 test_log.c:%d an error\n", line);
  assert_string_equal(sink_without_times(), want);
}

// Logs one message at every level, each naming its level.
static void log_every_level(void) {
  MG_ERROR(("E"));
  LOG(LL_WARN, ("W"));
  MG_INFO(("I"));
  MG_DEBUG(("D"));
  MG_VERBOSE(("V"));
}

// The lines log_every_level() prints at level l, without line numbers.
static const char *every_level_seen(void) {
  static char out[256];
  const char *p = sink_without_times();
  size_t n = 0;
  // "<level> test_log.c:<line> <msg>\n" becomes "<level><msg> ".
  while (*p != '\0') {
    const char *msg = strchr(strchr(p, ':'), ' ') + 1;
    out[n++] = p[0];
    out[n++] = *msg;
    out[n++] = ' ';
    p = strchr(p, '\n') + 1;
  }
  out[n] = '\0';
  return out;
}

static void test_log_none_level_hides_errors(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_NONE);
  log_every_level();
  assert_string_equal(sink_text(), "");
}

static void test_log_error_level_hides_warnings(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_ERROR);
  log_every_level();
  assert_string_equal(every_level_seen(), "0E ");
}

static void test_log_warn_level_hides_info(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_WARN);
  log_every_level();
  assert_string_equal(every_level_seen(), "0E 1W ");
}

static void test_log_debug_hidden_at_info_level(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_INFO);
  log_every_level();
  assert_string_equal(every_level_seen(), "0E 1W 2I ");
}

static void test_log_verbose_hidden_at_debug_level(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_DEBUG);
  log_every_level();
  assert_string_equal(every_level_seen(), "0E 1W 2I 3D ");
}

static void test_log_verbose_level_prints_everything(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_VERBOSE);
  log_every_level();
  assert_string_equal(every_level_seen(), "0E 1W 2I 3D 4V ");
}

// A message prints when its level is at or below the set level.
static void test_log_prefix_enabled_iff_level_not_above_set_level(void **s) {
  int set, level;
  (void) s;
  for (set = MG_LL_NONE; set <= MG_LL_VERBOSE; set++) {
    mg_log_set_level(set);
    for (level = MG_LL_ERROR; level <= MG_LL_VERBOSE; level++) {
      assert_int_equal(mg_log_prefix(level, "f.c", 1), level <= set);
      if (level <= set) mg_log("m");
    }
  }
  // set -1 prints nothing, set 0 one line, ... set 4 five: 15 lines.
  assert_string_equal(every_level_seen(),
                      "0m 0m 1m 0m 1m 2m 0m 1m 2m 3m 0m 1m 2m 3m 4m ");
}

static void test_log_disabled_prefix_writes_nothing(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_INFO);
  assert_int_equal(mg_log_prefix(MG_LL_DEBUG, "src/x.c", 10), 0);
  assert_int_equal(mg_log_prefix(MG_LL_VERBOSE, "src/x.c", 10), 0);
  assert_string_equal(sink_text(), "");
}

// The macros call mg_log() only when the level is enabled, so the
// arguments of a hidden message cost nothing (and have no side effects).
static void test_log_hidden_message_arguments_not_evaluated(void **state) {
  int calls = 0;
  (void) state;
  mg_log_set_level(MG_LL_ERROR);
  MG_DEBUG(("%d", ++calls));
  MG_INFO(("%d", ++calls));
  assert_int_equal(calls, 0);
  mg_log_set_level(MG_LL_DEBUG);
  MG_DEBUG(("%d", ++calls));
  assert_int_equal(calls, 1);
  assert_string_equal(every_level_seen(), "31 ");
}

// mg_log() itself does not look at the level: the prefix decides.
static void test_log_body_prints_regardless_of_level(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_NONE);
  mg_log("body %s", "only");
  assert_string_equal(sink_text(), "body only\n");
}

// ---- Line format ------------------------------------------------------------

static void test_log_line_is_time_level_file_line_message(void **state) {
  char want[128];
  const char *text;
  double t0 = mg_time(), t1, t;
  int line;
  (void) state;
  line = __LINE__ + 1;
  MG_ERROR(("hello %d %s", 42, "world"));
  t1 = mg_time();
  text = sink_text();
  t = strtod(text, NULL);
  assert_true(t >= t0 - 0.001 && t <= t1 + 0.001);  // %.3f rounds
  snprintf(want, sizeof(want), "0 test_log.c:%d hello 42 world\n", line);
  assert_string_equal(after_time(text), want);
}

static void test_log_prefix_keeps_only_file_base_name(void **state) {
  (void) state;
  mg_log_set_level(MG_LL_INFO);
  assert_int_equal(mg_log_prefix(MG_LL_INFO, "a/b/c/deep.c", 7), 1);
  mg_log("m1");
  assert_int_equal(mg_log_prefix(MG_LL_INFO, "plain.c", 8), 1);
  mg_log("m2");
  assert_int_equal(mg_log_prefix(MG_LL_INFO, "dir/", 9), 1);  // No base
  mg_log("m3");
  // Only '/' separates directories: a backslash is part of the name.
  assert_int_equal(mg_log_prefix(MG_LL_INFO, "c:\\src\\w.c", 10), 1);
  mg_log("m4");
  assert_string_equal(sink_without_times(),
                      "2 deep.c:7 m1\n"
                      "2 plain.c:8 m2\n"
                      "2 :9 m3\n"
                      "2 c:\\src\\w.c:10 m4\n");
}

static void test_log_prefix_alone_ends_with_space(void **state) {
  (void) state;
  assert_int_equal(mg_log_prefix(MG_LL_ERROR, "x/y.c", 123), 1);
  assert_string_equal(after_time(sink_text()), "0 y.c:123 ");
}

static void test_log_message_gets_exactly_one_newline(void **state) {
  (void) state;
  mg_log("%s", "");
  mg_log("two\nlines");  // Printed as is: no escaping of the message
  mg_log("trailing\n");
  assert_string_equal(sink_text(), "\ntwo\nlines\ntrailing\n\n");
}

static void test_log_long_message_not_truncated(void **state) {
  char *big = (char *) malloc(SINK_MAX / 2);
  const char *text;
  (void) state;
  assert_non_null(big);
  memset(big, 'x', SINK_MAX / 2 - 1);
  big[SINK_MAX / 2 - 1] = '\0';
  mg_log("<%s>", big);
  text = sink_text();
  assert_int_equal(strlen(text), SINK_MAX / 2 - 1 + 3);
  assert_int_equal(text[0], '<');
  assert_memory_equal(text + 1, big, SINK_MAX / 2 - 1);
  assert_string_equal(text + SINK_MAX / 2, ">\n");
  free(big);
}

static void test_log_format_arguments_expanded(void **state) {
  (void) state;
  mg_log("%d|%5s|%-3d|%x|%.2f|%%|%c", -7, "ab", 1, 255, 1.5, 'z');
  assert_string_equal(sink_text(), "-7|   ab|1  |ff|1.50|%|z\n");
}

// ---- Sinks
// --------------------------------------------------------------------

// A line is on the file descriptor as soon as the call returns.
static void test_log_message_flushed_at_once(void **state) {
  (void) state;
  MG_ERROR(("now"));
  assert_non_null(strstr(fd_text(s_sink), " now\n"));
}

static void test_log_set_file_switches_sink(void **state) {
  FILE *other = tmpfile();
  (void) state;
  assert_non_null(other);
  mg_log("first");
  mg_log_set_file(other);
  mg_log("second");
  mg_log_set_file(s_sink);
  mg_log("third");
  assert_string_equal(fd_text(other), "second\n");
  assert_string_equal(sink_text(), "first\nthird\n");
  fclose(other);
}

static void test_log_null_file_writes_to_stderr(void **state) {
  FILE *capture = tmpfile();
  int saved;
  (void) state;
  assert_non_null(capture);
  fflush(stderr);
  saved = dup(2);
  assert_true(saved >= 0);
  assert_int_equal(dup2(fileno(capture), 2), 2);
  mg_log_set_file(NULL);
  MG_ERROR(("to %s", "stderr"));
  fflush(stderr);
  dup2(saved, 2);  // Restore stderr before any assertion can fail
  close(saved);
  mg_log_set_file(s_sink);
  assert_non_null(strstr(fd_text(capture), " test_log.c:"));
  assert_non_null(strstr(fd_text(capture), " to stderr\n"));
  assert_string_equal(sink_text(), "");
  fclose(capture);
}

// ---- MG_ENABLE_LOG and the 6.x names ----------------------------------------

// The default build has the macros on: they print through mg_log_prefix().
static void test_log_macros_enabled_by_default(void **state) {
  (void) state;
  assert_int_equal(MG_ENABLE_LOG, 1);
  MG_LOG(MG_LL_ERROR, ("via MG_LOG"));
  assert_string_equal(every_level_seen(), "0v ");
}

static void test_log_6x_names_map_to_levels(void **state) {
  (void) state;
  assert_int_equal(LL_NONE, -1);
  assert_int_equal(LL_ERROR, 0);
  assert_int_equal(LL_WARN, 1);
  assert_int_equal(LL_INFO, 2);
  assert_int_equal(LL_DEBUG, 3);
  assert_int_equal(LL_VERBOSE_DEBUG, 4);
  cs_log_set_level(LL_DEBUG);
  LOG(LL_DEBUG, ("d"));
  DBG(("hidden"));  // DBG is the verbose level
  cs_log_set_level(LL_VERBOSE_DEBUG);
  DBG(("shown"));
  assert_string_equal(every_level_seen(), "3d 4s ");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup_sink, teardown_sink)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_log_default_level_prints_errors_only),  // First: see its comment
      T(test_log_none_level_hides_errors),
      T(test_log_error_level_hides_warnings),
      T(test_log_warn_level_hides_info),
      T(test_log_debug_hidden_at_info_level),
      T(test_log_verbose_hidden_at_debug_level),
      T(test_log_verbose_level_prints_everything),
      T(test_log_prefix_enabled_iff_level_not_above_set_level),
      T(test_log_disabled_prefix_writes_nothing),
      T(test_log_hidden_message_arguments_not_evaluated),
      T(test_log_body_prints_regardless_of_level),
      T(test_log_line_is_time_level_file_line_message),
      T(test_log_prefix_keeps_only_file_base_name),
      T(test_log_prefix_alone_ends_with_space),
      T(test_log_message_gets_exactly_one_newline),
      T(test_log_long_message_not_truncated),
      T(test_log_format_arguments_expanded),
      T(test_log_message_flushed_at_once),
      T(test_log_set_file_switches_sink),
      T(test_log_null_file_writes_to_stderr),
      T(test_log_macros_enabled_by_default),
      T(test_log_6x_names_map_to_levels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
