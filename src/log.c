#include "log.h"
#include "util.h"

static int s_log_level = MG_LL_ERROR;
static FILE *s_log_file = NULL;  // NULL means stderr

void mg_log_set_level(int level) {
  s_log_level = level;
}

void mg_log_set_file(FILE *fp) {
  s_log_file = fp;
}

int mg_log_prefix(int level, const char *file, int line) {
  FILE *fp = s_log_file == NULL ? stderr : s_log_file;
  const char *p = strrchr(file, '/');
  if (level > s_log_level) return 0;
  fprintf(fp, "%.3f %d %s:%d ", mg_time(), level, p == NULL ? file : p + 1,
          line);
  return 1;
}

void mg_log(const char *fmt, ...) {
  FILE *fp = s_log_file == NULL ? stderr : s_log_file;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(fp, fmt, ap);
  va_end(ap);
  fputc('\n', fp);
  fflush(fp);
}
