#include "http_internal.h"
#include "uri.h"

// Path safety for mg_serve_http(): decoding and normalising the request
// path, joining it to the document root, hidden names, and the check that
// what is opened really lies under the root.
//
// - Every refusal here ends as a 404, never 403: NUL, a backslash, an
//   encoded '/' or '\' (%2f, %5c) in the raw URI, '..' that climbs above
//   the root, a symlink that resolves outside the root, a hidden file, the
//   per-directory auth file. A 404 does not tell the client what exists.
//   A malformed %-escape is a 400.
// - hidden_file_pattern is matched (whole name, any alternative) against
//   every component of the path, not only the last one.
// - Symlinks: a regular file is opened first and the check is made on the
//   file actually opened (its /proc/self/fd link on Linux, realpath()
//   elsewhere), so a rename between check and open cannot slip a file
//   from outside in. The document root's real path is cached (up to a
//   second; a path that seems outside is checked again against the root
//   resolved anew before it is refused).

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM

// Opens path for reading. O_NONBLOCK: should a FIFO take the place of the
// regular file seen by stat(), neither open() nor read() blocks.
int mg_http_open_ro(const char *path) {
  return mg_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
}

// True if the raw URI carries an encoded '/' or '\': such a path could
// mean something else once decoded, so it is refused.
static int path_has_encoded_sep(struct mg_str uri) {
  size_t i;
  for (i = 0; i + 2 < uri.len; i++) {
    if (mg_ncasecmp(uri.p + i, "%2f", 3) == 0 ||
        mg_ncasecmp(uri.p + i, "%5c", 3) == 0) {
      return 1;
    }
  }
  return 0;
}

int mg_http_path_decode(struct mg_str uri, char **path) {
  struct mg_str in, out;
  char *p;
  int n;
  *path = NULL;
  if (uri.len > 0 && uri.p[0] != '/') {
    struct mg_str target = MG_NULL_STR;
    if (mg_parse_uri(uri, NULL, NULL, NULL, NULL, &target, NULL, NULL) != 0) {
      return 400;
    }
    uri = target.len > 0 ? target : mg_mk_str("/");
  }
  if (path_has_encoded_sep(uri)) return 404;
  if ((*path = p = (char *) MG_MALLOC(uri.len + 1)) == NULL) return 500;
  n = mg_url_decode(uri.p, (int) uri.len, p, (int) uri.len + 1, 0);
  if (n < 0) return 400;
  if ((size_t) n != strlen(p) || strchr(p, '\\')) return 404;
  in = mg_mk_str_n(p, (size_t) n);
  out = in;
  if (!mg_normalize_uri_path(&in, &out)) return 404;
  p[out.len] = '\0';
  return 0;
}

// root + rel: the root without its trailing '/'s, rel as it is. Sets
// *root_len to the length of the root part.
char *mg_http_path_join(const char *root, const char *rel, size_t *root_len) {
  size_t rl = strlen(root), n = strlen(rel);
  char *p;
  while (rl > 0 && root[rl - 1] == '/') rl--;
  *root_len = rl;
  if (rl == 0 && n == 0) rel = "/", n = 1;
  if ((p = (char *) MG_MALLOC(rl + n + 2)) == NULL) return NULL;
  memcpy(p, root, rl);
  if (n > 0 && rel[0] != '/') p[rl++] = '/';
  memcpy(p + rl, rel, n + 1);
  return p;
}

// True if name matches one alternative of the glob whole ('|' or ',').
static int path_glob_full(const char *glob, struct mg_str name) {
  struct mg_str pat = mg_mk_str(glob), alt;
  size_t i, start = 0;
  for (i = 0; i <= pat.len; i++) {
    if (i < pat.len && pat.p[i] != '|' && pat.p[i] != ',') continue;
    alt = mg_mk_str_n(pat.p + start, i - start);
    if (alt.len > 0 && mg_match_prefix_n(alt, name) == name.len) return 1;
    start = i + 1;
  }
  return 0;
}

// True if a file called name is never served nor listed: it matches
// hidden_file_pattern, or is the per-directory auth file (any case).
int mg_http_path_name_hidden(const struct mg_serve_http_opts *o,
                             struct mg_str name) {
  if (name.len == 0) return 0;
#if MG_ENABLE_HTTP_WEBDAV
  // WebDAV keeps its metadata (dead properties, temporary files) there.
  if (name.len >= 5 && memcmp(name.p, ".dav.", 5) == 0) return 1;
#endif
  if (o->hidden_file_pattern != NULL && *o->hidden_file_pattern != '\0' &&
      path_glob_full(o->hidden_file_pattern, name)) {
    return 1;
  }
  return o->per_directory_auth_file != NULL &&
         mg_vcasecmp(&name, o->per_directory_auth_file) == 0;
}

// True if any component of the URI path is hidden.
int mg_http_path_hidden(const struct mg_serve_http_opts *o, const char *path) {
  const char *p = path, *e;
  while (*p != '\0') {
    while (*p == '/') p++;
    for (e = p; *e != '\0' && *e != '/'; e++) {
    }
    if (mg_http_path_name_hidden(o, mg_mk_str_n(p, (size_t) (e - p)))) return 1;
    p = e;
  }
  return 0;
}

// ---- Path safety: the real path must lie under the root ------------------

// realpath() costs a readlink() per path component, and the document root
// is the same on every request, so its real path is cached. The table is
// process-wide and keyed by the root string: url_rewrites pick the root per
// request, and the listener's proto data has no hook that would free a
// per-listener copy. Managers may poll in several threads, hence the lock
// (uncontended: no system call). No allocation: a root too long for a slot
// is resolved every time. An entry lives PATH_ROOT_TTL seconds, so a
// re-pointed root (a deploy switching a symlink, a chdir() under a relative
// root) is seen soon; and a path that seems to be outside a cached root is
// checked again against the root resolved now before it is refused.
#define PATH_ROOT_SLOTS 4
#define PATH_ROOT_TTL 1.0

struct path_root_slot {
  char root[256];  // The document root as given; "" for a free slot
  char real[512];  // realpath(root)
  double at;       // mg_time() when resolved
};

static struct path_root_slot s_path_roots[PATH_ROOT_SLOTS];
static unsigned s_path_root_next;  // The slot to reuse next
static pthread_mutex_t s_path_cache_lock = PTHREAD_MUTEX_INITIALIZER;

// Copies the cached real path of root into real; returns 0 on a miss.
static int path_root_cached(const char *root, char *real) {
  double now = mg_time();
  size_t i;
  int hit = 0;
  pthread_mutex_lock(&s_path_cache_lock);
  for (i = 0; i < PATH_ROOT_SLOTS && !hit; i++) {
    const struct path_root_slot *e = &s_path_roots[i];
    if (e->root[0] != '\0' && strcmp(e->root, root) == 0 && now >= e->at &&
        now - e->at < PATH_ROOT_TTL) {
      memcpy(real, e->real, strlen(e->real) + 1);
      hit = 1;
    }
  }
  pthread_mutex_unlock(&s_path_cache_lock);
  return hit;
}

static void path_root_store(const char *root, const char *real) {
  size_t rl = strlen(root), n = strlen(real), i;
  struct path_root_slot *e;
  if (rl >= sizeof(e->root) || n >= sizeof(e->real)) return;
  pthread_mutex_lock(&s_path_cache_lock);
  for (i = 0; i < PATH_ROOT_SLOTS; i++) {
    if (strcmp(s_path_roots[i].root, root) == 0) break;
  }
  if (i == PATH_ROOT_SLOTS) i = s_path_root_next++ % PATH_ROOT_SLOTS;
  e = &s_path_roots[i];
  memcpy(e->root, root, rl + 1);
  memcpy(e->real, real, n + 1);
  e->at = mg_time();
  pthread_mutex_unlock(&s_path_cache_lock);
}

// Sets real (MG_HTTP_PATH_MAX bytes) to the real path of root: cached,
// or resolved now if fresh is set. Returns 0 if root cannot be resolved.
static int path_root_real(const char *root, char *real, int fresh) {
  if (!fresh && path_root_cached(root, real)) return 1;
  if (realpath(root, real) == NULL) return 0;
  path_root_store(root, real);
  return 1;
}

// True if the real path p is root_real or below it.
static int path_under(const char *root_real, const char *p) {
  size_t n = strlen(root_real);
  if (n > 0 && root_real[n - 1] == '/') n--;  // The root is "/".
  return strncmp(root_real, p, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

// True if the real path real is the root or below it. buf has room for
// MG_HTTP_PATH_MAX bytes.
static int path_real_inside(const char *root, const char *real, char *buf) {
  if (path_root_real(root, buf, 0) && path_under(buf, real)) return 1;
  return path_root_real(root, buf, 1) && path_under(buf, real);
}

// Writes the real path of the file open as fd (or else of path) into buf
// (MG_HTTP_PATH_MAX bytes); returns 0 on failure. On Linux the
// /proc/self/fd link names the file actually opened, symlinks resolved, in
// one call: checking it leaves no window between check and open. Without
// /proc, realpath(path).
#ifdef __linux__
static int path_fd_real(int fd, const char *path, char *buf) {
  char link[48];
  long n;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = (long) readlink(link, buf, MG_HTTP_PATH_MAX - 1);
  if (n > 0 && n < MG_HTTP_PATH_MAX - 1 && buf[0] == '/') {
    buf[n] = '\0';
    return 1;
  }
  return realpath(path, buf) != NULL;
}
#else
static int path_fd_real(int fd, const char *path, char *buf) {
  (void) fd;
  return realpath(path, buf) != NULL;
}
#endif

// True if path (fd >= 0: the file open as fd), all symlinks resolved, is
// root or below it. 0 with errno ENOMEM: it could not tell.
int mg_http_path_inside_root(const char *root, const char *path, int fd) {
  char *a = (char *) MG_MALLOC(2 * MG_HTTP_PATH_MAX);
  char *b = a + MG_HTTP_PATH_MAX;
  int ok;
  errno = 0;
  if (a == NULL) {
    errno = ENOMEM;
    return 0;
  }
  if (fd >= 0) {
    ok = path_fd_real(fd, path, b);
  } else {
    ok = realpath(path, b) != NULL;
  }
  ok = ok && path_real_inside(root, b, a);
  MG_FREE(a);
  return ok;
}

// ---- Verified files ---------------------------------------------------------

// The /proc/self/fd readlink() above is costly (about a fifth of the CPU a
// small file takes), so a file found inside the root is remembered for
// PATH_ROOT_TTL seconds: the root, the path, and the identity of the
// file that opening the path gave (device, inode, ctime). Within that time
// the path is opened directly and the check is fstat() on the descriptor:
// only the very file that was verified passes. A link, unlink or rename of
// the file changes its ctime, and a new file reusing the inode number has
// a newer ctime, so those miss; any miss goes through the full check. Only
// files whose ctime is PATH_VERIFIED_AGE seconds old are remembered:
// timestamps are coarse (a clock tick; a second on some filesystems), and
// this way any later change is sure to show. A slot is picked by a hash of
// root and path; paths too long for a slot are not remembered.
#define PATH_VERIFIED_SLOTS 32
#define PATH_VERIFIED_KEY 320
#define PATH_VERIFIED_AGE 1.0

struct path_verified {
  char key[PATH_VERIFIED_KEY];  // root, NUL, path, NUL
  size_t len;                   // Of key; 0 for a free slot
  dev_t dev;
  ino_t ino;
  long long ctime_ns;  // st_ctime in nanoseconds
  double at;           // mg_time() when verified
};

static struct path_verified s_path_verified[PATH_VERIFIED_SLOTS];

// The inode change time in ns: it moves on every link, unlink, rename and
// chmod of the file.
#ifdef __linux__
static long long path_ctime_ns(const cs_stat_t *st) {
  return (long long) st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;
}
#else
static long long path_ctime_ns(const cs_stat_t *st) {
  return (long long) st->st_ctime * 1000000000LL;
}
#endif

// Builds the key of root and path into key; returns its length, 0 if too
// long.
static size_t path_verified_key(const char *root, const char *path, char *key) {
  size_t rl = strlen(root) + 1, pl = strlen(path) + 1;
  if (rl + pl > PATH_VERIFIED_KEY) return 0;
  memcpy(key, root, rl);
  memcpy(key + rl, path, pl);
  return rl + pl;
}

// The slot of a key (FNV-1a).
static struct path_verified *path_verified_slot(const char *key, size_t len) {
  uint32_t h = 2166136261U;
  size_t i;
  for (i = 0; i < len; i++) h = (h ^ (unsigned char) key[i]) * 16777619U;
  return &s_path_verified[h % PATH_VERIFIED_SLOTS];
}

// True if root/path has a fresh entry; with st, one for that very file.
static int path_verified_has(const char *root, const char *path,
                             const cs_stat_t *st) {
  char key[PATH_VERIFIED_KEY];
  size_t len = path_verified_key(root, path, key);
  const struct path_verified *e;
  double now = mg_time();
  int ok;
  if (len == 0) return 0;
  e = path_verified_slot(key, len);
  pthread_mutex_lock(&s_path_cache_lock);
  ok = e->len == len && memcmp(e->key, key, len) == 0 && now >= e->at &&
       now - e->at < PATH_ROOT_TTL;
  if (ok && st != NULL) {
    ok = e->dev == st->st_dev && e->ino == st->st_ino &&
         e->ctime_ns == path_ctime_ns(st);
  }
  pthread_mutex_unlock(&s_path_cache_lock);
  return ok;
}

// Remembers that opening path gave the file st, found inside root.
static void path_verified_store(const char *root, const char *path,
                                const cs_stat_t *st) {
  char key[PATH_VERIFIED_KEY];
  size_t len = path_verified_key(root, path, key);
  struct path_verified *e;
  double now = mg_time();
  if (len == 0 || (double) path_ctime_ns(st) / 1e9 > now - PATH_VERIFIED_AGE) {
    return;
  }
  e = path_verified_slot(key, len);
  pthread_mutex_lock(&s_path_cache_lock);
  memcpy(e->key, key, len);
  e->len = len;
  e->dev = st->st_dev;
  e->ino = st->st_ino;
  e->ctime_ns = path_ctime_ns(st);
  e->at = now;
  pthread_mutex_unlock(&s_path_cache_lock);
}

// Opens path if it was verified inside root within the TTL and is still
// that very regular file: returns 1 with f (st from fstat(), fd) filled in.
// Otherwise returns 0 and leaves nothing open.
int mg_http_path_verified_open(const char *root, const char *path,
                               struct mg_http_open_file *f) {
  cs_stat_t st;
  int fd;
  if (!path_verified_has(root, path, NULL)) return 0;
  if ((fd = mg_http_open_ro(path)) < 0) return 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      path_verified_has(root, path, &st)) {
    f->fd = fd;
    f->st = st;
    return 1;
  }
  close(fd);
  return 0;
}

// Opens the regular file path (f->st: what stat() saw) and checks that
// what was opened lies inside the root. Returns 1 if inside: f->fd is then
// the open file (f->st now from fstat()), or -1 if it could not be opened
// (f->err = errno; the path was checked instead). Returns 0 (nothing left
// open) if outside.
int mg_http_path_open_inside(const char *root, const char *path,
                             struct mg_http_open_file *f) {
  cs_stat_t st;
  int err;
  f->fd = mg_http_open_ro(path);
  f->err = errno;
  if (mg_http_path_inside_root(root, path, f->fd)) {
    if (f->fd >= 0 && fstat(f->fd, &st) == 0) {
      f->st = st;
      if (S_ISREG(st.st_mode)) path_verified_store(root, path, &st);
    }
    return 1;
  }
  err = errno;  // ENOMEM: could not tell (close() must not hide it)
  if (f->fd >= 0) close(f->fd);
  f->fd = -1;
  errno = err;
  return 0;
}

// dir + '/' + name (no second '/' if dir ends with one); MG_MALLOC'd.
char *mg_http_path_join_name(const char *dir, struct mg_str name) {
  size_t n = strlen(dir);
  char *p = (char *) MG_MALLOC(n + name.len + 2);
  if (p == NULL) return NULL;
  memcpy(p, dir, n);
  if (n == 0 || dir[n - 1] != '/') p[n++] = '/';
  memcpy(p + n, name.p, name.len);
  p[n + name.len] = '\0';
  return p;
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM
