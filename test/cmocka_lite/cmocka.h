// A header-only stand-in for the part of cmocka the tests use, for the
// cross builds (make test-cross): Debian has no libcmocka for armhf or
// mips on an amd64 machine, and a test binary for qemu must be linked for
// the target. The x86 builds use the real libcmocka.
//
// What it does as cmocka does: a failed assertion ends the test (longjmp
// back to the runner) with a message and its line; skip() ends it as
// skipped; the output lines are cmocka's ("[  PASSED  ] N test(s).",
// "[  FAILED  ] N test(s), listed below:", "[  SKIPPED ] N test(s)"), which
// tools/run_tests.sh counts; the exit code is the number of failures.
// What it adds: CMOCKA_LITE_EXCLUDE="name,name" leaves the named tests out
// (printed as "[ EXCLUDED ] name", counted nowhere): for the few tests an
// emulator cannot run, named in cross.mk with the reason.
#ifndef CMOCKA_LITE_H
#define CMOCKA_LITE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GNUC__
#define CML_UNUSED __attribute__((unused))
#define CML_NORETURN __attribute__((noreturn))
#define CML_FORMAT(a, b) __attribute__((format(printf, a, b)))
#else
#define CML_UNUSED
#define CML_NORETURN
#define CML_FORMAT(a, b)
#endif

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
  const char *name;
  CMUnitTestFunction test_func;
  CMFixtureFunction setup_func;
  CMFixtureFunction teardown_func;
  void *initial_state;
};

#define cmocka_unit_test(f) {#f, f, NULL, NULL, NULL}
#define cmocka_unit_test_setup(f, s) {#f, f, s, NULL, NULL}
#define cmocka_unit_test_teardown(f, t) {#f, f, NULL, t, NULL}
#define cmocka_unit_test_setup_teardown(f, s, t) {#f, f, s, t, NULL}

static jmp_buf *cml_jmp CML_UNUSED;

// Ends the running test: how 1 failed, 2 skipped.
static inline CML_NORETURN void cml_end(int how) {
  if (cml_jmp == NULL) abort();  // An assertion outside a test
  longjmp(*cml_jmp, how);
}

static inline CML_NORETURN CML_FORMAT(3, 4) void cml_fail(const char *file,
                                                          int line,
                                                          const char *fmt,
                                                          ...) {
  va_list ap;
  printf("[  ERROR   ] --- ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n[   LINE   ] --- %s:%d: error: Failure!\n", file, line);
  fflush(stdout);
  cml_end(1);
}

#define print_message(...) (printf(__VA_ARGS__), fflush(stdout))
#define print_error(...) (fprintf(stderr, __VA_ARGS__), fflush(stderr))
#define fail() cml_fail(__FILE__, __LINE__, "fail()")
#define fail_msg(...) cml_fail(__FILE__, __LINE__, __VA_ARGS__)
#define skip() cml_end(2)

#define assert_true(c) \
  do { \
    if (!(c)) cml_fail(__FILE__, __LINE__, "%s", #c); \
  } while (0)
#define assert_false(c) \
  do { \
    if (c) cml_fail(__FILE__, __LINE__, "!(%s)", #c); \
  } while (0)
#define assert_int_equal(a, b) \
  do { \
    uintmax_t cml_a = (uintmax_t) (a), cml_b = (uintmax_t) (b); \
    if (cml_a != cml_b) { \
      cml_fail(__FILE__, __LINE__, "%jd != %jd", (intmax_t) cml_a, \
               (intmax_t) cml_b); \
    } \
  } while (0)
#define assert_int_not_equal(a, b) \
  do { \
    uintmax_t cml_a = (uintmax_t) (a), cml_b = (uintmax_t) (b); \
    if (cml_a == cml_b) { \
      cml_fail(__FILE__, __LINE__, "%jd == %jd", (intmax_t) cml_a, \
               (intmax_t) cml_b); \
    } \
  } while (0)
#define assert_ptr_equal(a, b) \
  do { \
    const void *cml_a = (const void *) (a), *cml_b = (const void *) (b); \
    if (cml_a != cml_b) cml_fail(__FILE__, __LINE__, "%p != %p", cml_a, cml_b); \
  } while (0)
#define assert_ptr_not_equal(a, b) \
  do { \
    const void *cml_a = (const void *) (a), *cml_b = (const void *) (b); \
    if (cml_a == cml_b) cml_fail(__FILE__, __LINE__, "%p == %p", cml_a, cml_b); \
  } while (0)
#define assert_null(p) \
  do { \
    if ((uintptr_t) (p) != 0) cml_fail(__FILE__, __LINE__, "%s is not NULL", #p); \
  } while (0)
#define assert_non_null(p) \
  do { \
    if ((uintptr_t) (p) == 0) cml_fail(__FILE__, __LINE__, "%s is NULL", #p); \
  } while (0)
#define assert_string_equal(a, b) \
  do { \
    const char *cml_a = (a), *cml_b = (b); \
    if (strcmp(cml_a, cml_b) != 0) { \
      cml_fail(__FILE__, __LINE__, "\"%s\" != \"%s\"", cml_a, cml_b); \
    } \
  } while (0)
#define assert_string_not_equal(a, b) \
  do { \
    const char *cml_a = (a), *cml_b = (b); \
    if (strcmp(cml_a, cml_b) == 0) { \
      cml_fail(__FILE__, __LINE__, "\"%s\" == \"%s\"", cml_a, cml_b); \
    } \
  } while (0)
#define assert_memory_equal(a, b, n) \
  do { \
    if (memcmp((a), (b), (n)) != 0) { \
      cml_fail(__FILE__, __LINE__, "%s and %s differ", #a, #b); \
    } \
  } while (0)
#define assert_memory_not_equal(a, b, n) \
  do { \
    if (memcmp((a), (b), (n)) == 0) { \
      cml_fail(__FILE__, __LINE__, "%s and %s are equal", #a, #b); \
    } \
  } while (0)

// True if name is in the comma-separated list CMOCKA_LITE_EXCLUDE.
static inline int cml_excluded(const char *name) {
  const char *list = getenv("CMOCKA_LITE_EXCLUDE"), *p;
  size_t n = strlen(name);
  for (p = list; p != NULL && *p != '\0';) {
    const char *e = strchr(p, ',');
    size_t len = e != NULL ? (size_t) (e - p) : strlen(p);
    if (len == n && memcmp(p, name, n) == 0) return 1;
    p = e != NULL ? e + 1 : NULL;
  }
  return 0;
}

// Runs one test with its fixtures: 0 passed, 1 failed, 2 skipped.
static inline int cml_run_one(const struct CMUnitTest *t) {
  jmp_buf jb;
  void *state = t->initial_state;
  volatile int res = 0, stage = 0;
  int how;
  cml_jmp = &jb;
  how = setjmp(jb);
  if (how != 0) {
    res = how;
  } else {
    if (t->setup_func != NULL && t->setup_func(&state) != 0) {
      printf("Could not run test: Test setup failed\n");
      res = 1;
    } else {
      stage = 1;
      t->test_func(&state);
    }
  }
  if (stage == 1 && t->teardown_func != NULL) {
    stage = 2;
    how = setjmp(jb);
    if (how == 0 && t->teardown_func(&state) != 0) res = 1;
    if (how != 0) res = 1;
  }
  cml_jmp = NULL;
  return res;
}

static inline int cml_run_group(const struct CMUnitTest *tests, size_t n,
                                CMFixtureFunction gsetup,
                                CMFixtureFunction gteardown) {
  void *gstate = NULL;
  size_t i, passed = 0, failed = 0, skipped = 0, run = 0;
  int *res = (int *) calloc(n + 1, sizeof(int));
  if (res == NULL) return 1;
  printf("[==========] Running %zu test(s).\n", n);
  if (gsetup != NULL && gsetup(&gstate) != 0) {
    printf("[  ERROR   ] Group setup failed\n");
    free(res);
    return (int) n > 0 ? (int) n : 1;
  }
  for (i = 0; i < n; i++) {
    struct CMUnitTest t = tests[i];
    if (cml_excluded(t.name)) {
      printf("[ EXCLUDED ] %s\n", t.name);
      res[i] = -1;
      continue;
    }
    if (t.initial_state == NULL) t.initial_state = gstate;
    printf("[ RUN      ] %s\n", t.name);
    fflush(stdout);
    res[i] = cml_run_one(&t);
    run++;
    if (res[i] == 0) {
      passed++;
      printf("[       OK ] %s\n", t.name);
    } else if (res[i] == 2) {
      skipped++;
      printf("[  SKIPPED ] %s\n", t.name);
    } else {
      failed++;
      printf("[  FAILED  ] %s\n", t.name);
    }
    fflush(stdout);
  }
  if (gteardown != NULL) gteardown(&gstate);
  printf("[==========] %zu test(s) run.\n", run);
  printf("[  PASSED  ] %zu test(s).\n", passed);
  if (skipped > 0) {
    printf("[  SKIPPED ] %zu test(s), listed below:\n", skipped);
    for (i = 0; i < n; i++) {
      if (res[i] == 2) printf("[  SKIPPED ] %s\n", tests[i].name);
    }
  }
  if (failed > 0) {
    printf("[  FAILED  ] %zu test(s), listed below:\n", failed);
    for (i = 0; i < n; i++) {
      if (res[i] == 1) printf("[  FAILED  ] %s\n", tests[i].name);
    }
    printf("\n %zu FAILED TEST(S)\n", failed);
  }
  fflush(stdout);
  free(res);
  return (int) failed;
}

#define cmocka_run_group_tests(tests, gs, gt) \
  cml_run_group((tests), sizeof(tests) / sizeof((tests)[0]), (gs), (gt))

#endif  // CMOCKA_LITE_H
