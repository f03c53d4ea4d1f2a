#include "util.h"

double mg_time(void) {
  struct timeval tv;
  if (gettimeofday(&tv, NULL) != 0) return (double) time(NULL);
  return (double) tv.tv_sec + (double) tv.tv_usec / 1000000.0;
}

// NUL is data, not a delimiter: the range [s, end) is explicit.
static int util_is_delim(const char *delims, char c) {
  return c != '\0' && strchr(delims, c) != NULL;
}

const char *mg_skip(const char *s, const char *end, const char *delims,
                    struct mg_str *v) {
  v->p = s;
  while (s < end && !util_is_delim(delims, *s)) s++;
  v->len = (size_t) (s - v->p);
  while (s < end && util_is_delim(delims, *s)) s++;
  return s;
}

// Formats one hexdump line for n (1..16) bytes at offset. Returns its length.
static int util_hexdump_line(const unsigned char *p, int n, int offset,
                             char line[80]) {
  int i, len = snprintf(line, 80, "%04x ", (unsigned) offset);
  for (i = 0; i < 16; i++) {
    if (i < n) {
      len += snprintf(line + len, (size_t) (80 - len), " %02x", p[i]);
    } else {
      len += snprintf(line + len, (size_t) (80 - len), "   ");
    }
  }
  line[len++] = ' ';
  line[len++] = ' ';
  for (i = 0; i < n; i++) {
    line[len++] = p[i] >= 0x20 && p[i] < 0x7f ? (char) p[i] : '.';
  }
  line[len++] = '\n';
  line[len] = '\0';
  return len;
}

int mg_hexdump(const void *buf, int len, char *dst, int dst_len) {
  const unsigned char *p = (const unsigned char *) buf;
  char line[80];
  int i, n, written = 0;
  if (dst == NULL || dst_len <= 0) return 0;
  dst[0] = '\0';
  for (i = 0; i < len && written < dst_len - 1; i += 16) {
    n = util_hexdump_line(p + i, len - i < 16 ? len - i : 16, i, line);
    if (n > dst_len - 1 - written) n = dst_len - 1 - written;
    memcpy(dst + written, line, (size_t) n);
    written += n;
    dst[written] = '\0';
  }
  return written;
}

void mg_hexdumpf(FILE *fp, const void *buf, int len) {
  const unsigned char *p = (const unsigned char *) buf;
  char line[80];
  int i;
  for (i = 0; i < len; i += 16) {
    util_hexdump_line(p + i, len - i < 16 ? len - i : 16, i, line);
    fputs(line, fp);
  }
}

int mg_is_big_endian(void) {
  static const uint16_t probe = 0x0102;
  return *(const unsigned char *) &probe == 0x01;
}

#if MG_ENABLE_FILESYSTEM
int mg_stat(const char *path, cs_stat_t *st) {
  return stat(path, st);
}

FILE *mg_fopen(const char *path, const char *mode) {
  return fopen(path, mode);
}

int mg_open(const char *path, int flag, int mode) {
  return open(path, flag, mode);
}

size_t mg_fread(void *ptr, size_t size, size_t count, FILE *f) {
  return fread(ptr, size, count, f);
}

size_t mg_fwrite(const void *ptr, size_t size, size_t count, FILE *f) {
  return fwrite(ptr, size, count, f);
}
#endif

#if MG_ENABLE_THREADS
void *mg_start_thread(void *(*thread_func)(void *), void *thread_func_param) {
  pthread_t tid;
  pthread_attr_t attr;
  int rc;
  if (pthread_attr_init(&attr) != 0) return NULL;
  (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  rc = pthread_create(&tid, &attr, thread_func, thread_func_param);
  (void) pthread_attr_destroy(&attr);
  // pthread_t is an integer or a pointer depending on the platform.
  return rc == 0 ? (void *) (uintptr_t) tid : NULL;
}
#endif
