#include "http_internal.h"
#include "uri.h"

// WebDAV (RFC 4918) inside mg_serve_http(): PUT, DELETE, MKCOL, COPY and
// MOVE here; PROPFIND and PROPPATCH in http_dav_props.c; LOCK, UNLOCK and
// the If header in http_dav_lock.c.
//
// - Paths map into dav_document_root with the same decoding and safety
//   checks as GET: a hidden name (hidden_file_pattern, the per-directory
//   auth file, the ".dav." metadata names) is 404 to read and 403 to
//   create; what resolves outside the root is 404.
// - Auth: dav_auth_file is an htdigest file; "-" means no auth; unset
//   refuses every WebDAV method with 403 (6.x refused them too).
// - PUT writes the body to a temporary file in the target's directory and
//   renames it over the target: readers see the old or the new file, never
//   half of one. The body is the buffered request body, so at most
//   MG_MAX_HTTP_BODY_SIZE (413 above).
// - Dead properties live next to the resource: ".dav.props.NAME" in the
//   same directory for a file, ".dav.props" inside a collection; COPY,
//   MOVE and DELETE carry them along.
// - Trees deeper than MG_MAX_DAV_TREE_DEPTH are refused (507) by COPY and
//   DELETE; symlinks inside a copied tree are left out, and DELETE removes
//   links, never what they point at.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_WEBDAV

#include <dirent.h>

static const char *const s_dav_methods[] = {
    "PUT",  "DELETE", "MKCOL", "PROPFIND", "PROPPATCH",
    "COPY", "MOVE",   "LOCK",  "UNLOCK",
};

int mg_http_dav_is_method(struct mg_str method) {
  size_t i;
  for (i = 0; i < MG_ARRAY_SIZE(s_dav_methods); i++) {
    if (mg_vcmp(&method, s_dav_methods[i]) == 0) return 1;
  }
  return 0;
}

int mg_http_dav_name_hidden(struct mg_str name) {
  return name.len >= 5 && memcmp(name.p, ".dav.", 5) == 0;
}

void mg_dav_send(struct mg_dav_req *r, int code, const char *text) {
  mg_http_out_send_text(r->nc, r->hm, code, r->extra, NULL, text);
}

void mg_dav_etag(const cs_stat_t *st, char *buf, size_t len) {
  snprintf(buf, len, "\"%lx.%llx\"", (unsigned long) st->st_mtime,
           (unsigned long long) st->st_size);
}

void mg_dav_puts(struct mbuf *out, const char *s) {
  mbuf_append(out, s, strlen(s));
}

void mg_dav_href(struct mbuf *out, const char *path, int is_dir) {
  struct mg_str e = mg_url_encode(mg_mk_str(path));
  size_t n = strlen(path);
  mbuf_append(out, e.p, e.len);
  if (is_dir && (n == 0 || path[n - 1] != '/')) mbuf_append(out, "/", 1);
  mg_strfree(&e);
}

// The last component of path (after its last '/', ignoring a final '/').
static struct mg_str dav_base(const char *path) {
  size_t n = strlen(path), i;
  while (n > 1 && path[n - 1] == '/') n--;
  for (i = n; i > 0 && path[i - 1] != '/'; i--) {
  }
  return mg_mk_str_n(path + i, n - i);
}

char *mg_dav_props_file(const char *local, int is_dir) {
  struct mg_str base = dav_base(local);
  size_t dir_len = (size_t) (base.p - local);
  char *p;
  if (is_dir) return mg_http_path_join_name(local, mg_mk_str(".dav.props"));
  if ((p = (char *) MG_MALLOC(dir_len + base.len + 12)) == NULL) return NULL;
  memcpy(p, local, dir_len);
  memcpy(p + dir_len, ".dav.props.", 11);
  memcpy(p + dir_len + 11, base.p, base.len);
  p[dir_len + 11 + base.len] = '\0';
  return p;
}

// The parent directory of the local path p (MG_MALLOC'd), or NULL.
static char *dav_parent(const char *p) {
  struct mg_str base = dav_base(p);
  size_t n = (size_t) (base.p - p);
  char *d;
  while (n > 1 && p[n - 1] == '/') n--;
  if ((d = (char *) MG_MALLOC(n + 1)) == NULL) return NULL;
  memcpy(d, p, n);
  d[n] = '\0';
  return d;
}

// 1 if the parent of local exists, is a directory and lies inside root.
static int dav_parent_ok(const char *root, const char *local) {
  char *d = dav_parent(local);
  cs_stat_t st;
  int ok = d != NULL && mg_stat(d, &st) == 0 && S_ISDIR(st.st_mode) &&
           mg_http_path_inside_root(root, d, -1);
  MG_FREE(d);
  return ok;
}

// 1 if a name on the URI path may not be created or touched by WebDAV
// (hidden names include the ".dav." ones).
static int dav_path_hidden(const struct mg_serve_http_opts *o,
                           const char *path) {
  return mg_http_path_hidden(o, path);
}

// ---- Trees --------------------------------------------------------------

// Removes the tree at p (a buffer of MG_HTTP_PATH_MAX bytes holding a NUL
// terminated path) without following symlinks. Returns 0, or errno.
static int dav_rm_tree(char *p, int depth) {
  cs_stat_t st;
  DIR *d;
  struct dirent *de;
  size_t n = strlen(p);
  int err = 0;
  if (lstat(p, &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return unlink(p) == 0 ? 0 : errno;
  if (depth >= MG_MAX_DAV_TREE_DEPTH) return ENAMETOOLONG;
  if ((d = opendir(p)) == NULL) return errno;
  while (err == 0 && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
      continue;
    }
    if (n + strlen(de->d_name) + 2 > MG_HTTP_PATH_MAX) {
      err = ENAMETOOLONG;
      break;
    }
    snprintf(p + n, MG_HTTP_PATH_MAX - n, "/%s", de->d_name);
    err = dav_rm_tree(p, depth + 1);
    p[n] = '\0';
  }
  closedir(d);
  if (err == 0 && rmdir(p) != 0) err = errno;
  return err;
}

static int dav_rm(const char *path) {
  char *p = (char *) MG_MALLOC(MG_HTTP_PATH_MAX);
  int err = ENOMEM;
  if (p != NULL && strlen(path) < MG_HTTP_PATH_MAX) {
    memcpy(p, path, strlen(path) + 1);
    err = dav_rm_tree(p, 0);
  }
  MG_FREE(p);
  return err;
}

// Copies the regular file from to to (created or truncated). 0 or errno.
static int dav_copy_file(const char *from, const char *to) {
  char buf[8192];
  int in = open(from, O_RDONLY), out = -1, err = 0;
  ssize_t n;
  if (in < 0) return errno;
  if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
    err = errno;
  }
  while (err == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
    if (n < 0) {
      if (errno != EINTR) err = errno;
    } else if (write(out, buf, (size_t) n) != n) {
      err = errno != 0 ? errno : EIO;
    }
  }
  if (out >= 0 && close(out) != 0 && err == 0) err = errno;
  close(in);
  return err;
}

// Copies a file's dead properties (if it has any) alongside it.
static int dav_copy_props(const char *from, const char *to, int is_dir) {
  char *a = mg_dav_props_file(from, is_dir), *b = mg_dav_props_file(to, is_dir);
  cs_stat_t st;
  int err = a == NULL || b == NULL ? ENOMEM : 0;
  if (err == 0 && lstat(a, &st) == 0 && S_ISREG(st.st_mode)) {
    err = dav_copy_file(a, b);
  }
  MG_FREE(a);
  MG_FREE(b);
  return err;
}

// Copies the tree from (buffer of MG_HTTP_PATH_MAX) to to (same); infinite
// 0: a collection alone. Symlinks are left out. Returns 0 or errno.
static int dav_copy_tree(char *from, char *to, int infinite, int depth) {
  cs_stat_t st;
  DIR *d;
  struct dirent *de;
  size_t fn = strlen(from), tn = strlen(to), k;
  int err = 0;
  if (lstat(from, &st) != 0) return errno;
  if (S_ISREG(st.st_mode)) {
    if ((err = dav_copy_file(from, to)) != 0) return err;
    return dav_copy_props(from, to, 0);
  }
  if (!S_ISDIR(st.st_mode)) return 0;
  if (depth >= MG_MAX_DAV_TREE_DEPTH) return ENAMETOOLONG;
  if (mkdir(to, 0755) != 0) return errno;
  if ((err = dav_copy_props(from, to, 1)) != 0 || !infinite) return err;
  if ((d = opendir(from)) == NULL) return errno;
  while (err == 0 && (de = readdir(d)) != NULL) {
    k = strlen(de->d_name);
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        mg_http_dav_name_hidden(mg_mk_str_n(de->d_name, k))) {
      continue;  // Metadata goes with the resource it belongs to
    }
    if (fn + k + 2 > MG_HTTP_PATH_MAX || tn + k + 2 > MG_HTTP_PATH_MAX) {
      err = ENAMETOOLONG;
      break;
    }
    snprintf(from + fn, MG_HTTP_PATH_MAX - fn, "/%s", de->d_name);
    snprintf(to + tn, MG_HTTP_PATH_MAX - tn, "/%s", de->d_name);
    err = dav_copy_tree(from, to, 1, depth + 1);
    from[fn] = '\0';
    to[tn] = '\0';
  }
  closedir(d);
  return err;
}

static int dav_copy(const char *from, const char *to, int infinite) {
  char *a = (char *) MG_MALLOC(MG_HTTP_PATH_MAX);
  char *b = (char *) MG_MALLOC(MG_HTTP_PATH_MAX);
  int err = ENOMEM;
  if (a != NULL && b != NULL && strlen(from) < MG_HTTP_PATH_MAX &&
      strlen(to) < MG_HTTP_PATH_MAX) {
    memcpy(a, from, strlen(from) + 1);
    memcpy(b, to, strlen(to) + 1);
    err = dav_copy_tree(a, b, infinite, 0);
  }
  MG_FREE(a);
  MG_FREE(b);
  return err;
}

// Removes local and its dead properties.
static int dav_delete_local(const char *local, int is_dir) {
  char *props = is_dir ? NULL : mg_dav_props_file(local, 0);
  int err = dav_rm(local);
  if (props != NULL) unlink(props);
  MG_FREE(props);
  return err;
}

static int dav_err_status(int err) {
  if (err == ENOSPC || err == ENAMETOOLONG || err == EDQUOT) return 507;
  if (err == EACCES || err == EPERM || err == EROFS) return 403;
  return 500;
}

// ---- Methods --------------------------------------------------------------

static void dav_put(struct mg_dav_req *r) {
  static unsigned long s_seq;
  struct mg_str body = r->hm->body;
  char *dir, *tmp = NULL;
  int fd = -1, err = 0, st;
  if (r->exists && S_ISDIR(r->st.st_mode)) {
    mg_dav_send(r, 405, "PUT on a collection");
    return;
  }
  if (!dav_parent_ok(r->root, r->local)) {
    mg_dav_send(r, 409, "no parent collection");
    return;
  }
  if ((st = mg_dav_may_write(r, r->path, 0, !r->exists)) != 0) {
    mg_dav_send(r, st, NULL);
    return;
  }
  if ((dir = dav_parent(r->local)) != NULL) {
    mg_asprintf(&tmp, 0, "%s/.dav.tmp.%ld.%lu", dir, (long) getpid(), ++s_seq);
  }
  if (tmp == NULL) {
    err = ENOMEM;
  } else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0) {
    err = errno;
  }
  while (err == 0 && body.len > 0) {
    ssize_t n = write(fd, body.p, body.len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
    } else {
      body.p += n;
      body.len -= (size_t) n;
    }
  }
  if (fd >= 0 && close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && rename(tmp, r->local) != 0) err = errno;
  if (err != 0 && fd >= 0) unlink(tmp);
  if (err != 0) {
    mg_dav_send(r, dav_err_status(err), NULL);
  } else {
    mg_dav_send(r, r->exists ? 204 : 201, r->exists ? "" : "Created");
  }
  MG_FREE(dir);
  MG_FREE(tmp);
}

static void dav_delete(struct mg_dav_req *r) {
  int st, err;
  if (!r->exists) {
    mg_dav_send(r, 404, NULL);
  } else if ((st = mg_dav_may_write(r, r->path, 1, 1)) != 0) {
    mg_dav_send(r, st, NULL);
  } else if ((err = dav_delete_local(r->local, S_ISDIR(r->st.st_mode))) != 0) {
    mg_dav_send(r, dav_err_status(err), NULL);
  } else {
    mg_dav_locks_drop(r->nc->mgr, r->path);
    mg_dav_send(r, 204, "");
  }
}

static void dav_mkcol(struct mg_dav_req *r) {
  int st;
  if (r->hm->body.len > 0) {
    mg_dav_send(r, 415, "MKCOL takes no body");
  } else if (r->exists) {
    mg_dav_send(r, 405, "exists");
  } else if (!dav_parent_ok(r->root, r->local)) {
    mg_dav_send(r, 409, "no parent collection");
  } else if ((st = mg_dav_may_write(r, r->path, 0, 1)) != 0) {
    mg_dav_send(r, st, NULL);
  } else if (mkdir(r->local, 0755) != 0) {
    mg_dav_send(r, dav_err_status(errno), NULL);
  } else {
    mg_dav_send(r, 201, "Created");
  }
}

// The Destination header as a decoded URI path (MG_MALLOC'd) in *path.
// Returns 0, or the status that refuses it.
static int dav_destination(struct mg_dav_req *r, char **path) {
  struct mg_str *d = mg_get_http_header(r->hm, "Destination");
  struct mg_str *host = mg_get_http_header(r->hm, "Host");
  struct mg_str v, scheme, dhost, p = MG_NULL_STR;
  unsigned int port = 0;
  *path = NULL;
  if (d == NULL || (v = mg_strstrip(*d)).len == 0) return 400;
  if (v.p[0] != '/') {
    if (mg_parse_uri(v, &scheme, NULL, &dhost, &port, &p, NULL, NULL) != 0 ||
        scheme.len == 0 || dhost.len == 0) {
      return 400;
    }
    // Another authority is another server: 502 (RFC 4918 9.8.5).
    if (host != NULL) {
      struct mg_str h = mg_strstrip(*host);
      size_t hl = dhost.len;
      if (h.len < hl || mg_ncasecmp(h.p, dhost.p, hl) != 0 ||
          (h.len > hl && h.p[hl] != ':') ||
          (port != 0 && h.len > hl &&
           (unsigned int) atoi(h.p + hl + 1) != port)) {
        return 502;
      }
    }
    if (p.len == 0) p = mg_mk_str("/");
    v = p;
  }
  return mg_http_path_decode(v, path);
}

// 1 if b is a or below it ("/a" and "/a/b"; not "/ab").
static int dav_path_within(const char *a, const char *b) {
  size_t n = strlen(a);
  while (n > 1 && a[n - 1] == '/') n--;
  if (n == 1 && a[0] == '/') return 1;
  return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

// Drops the final '/'s of a local path (not into its first keep bytes).
static void dav_trim_slash(char *p, size_t keep) {
  size_t n = strlen(p);
  while (n > keep + 1 && p[n - 1] == '/') p[--n] = '\0';
}

// COPY and MOVE.
static void dav_copy_move(struct mg_dav_req *r, int move) {
  struct mg_str *ow = mg_get_http_header(r->hm, "Overwrite");
  struct mg_str *dh = mg_get_http_header(r->hm, "Depth");
  char *dpath = NULL, *dlocal = NULL;
  size_t rl;
  int st, infinite = 1, overwrite = 1, dexists, is_dir, err = 0;
  cs_stat_t dst;
  if (dh != NULL) {
    struct mg_str v = mg_strstrip(*dh);
    if (mg_vcmp(&v, "0") == 0 && !move) {
      infinite = 0;
    } else if (mg_vcasecmp(&v, "infinity") != 0) {
      mg_dav_send(r, 400, "bad Depth");
      return;
    }
  }
  if (ow != NULL) {
    struct mg_str v = mg_strstrip(*ow);
    if (mg_vcasecmp(&v, "F") == 0) {
      overwrite = 0;
    } else if (mg_vcasecmp(&v, "T") != 0) {
      mg_dav_send(r, 400, "bad Overwrite");
      return;
    }
  }
  is_dir = S_ISDIR(r->st.st_mode);
  if (!r->exists) {
    st = 404;
  } else if ((st = dav_destination(r, &dpath)) != 0) {
  } else if (dav_path_hidden(r->opts, dpath)) {
    st = 403;
  } else if (dav_path_within(r->path, dpath) ||
             dav_path_within(dpath, r->path)) {
    st = 403;  // Onto itself, or a collection into itself
  } else if ((dlocal = mg_http_path_join(r->root, dpath, &rl)) == NULL) {
    st = 500;
  } else if (dav_trim_slash(dlocal, rl), 0) {
  } else if (!dav_parent_ok(r->root, dlocal)) {
    st = 409;
  }
  if (st != 0) {
    mg_dav_send(r, st, NULL);
  } else {
    dexists = lstat(dlocal, &dst) == 0;
    if (dexists && !overwrite) {
      st = 412;
    } else if (move && (st = mg_dav_may_write(r, r->path, 1, 1)) != 0) {
    } else if ((st = mg_dav_may_write(r, dpath, 1, 1)) != 0) {
    } else if (dexists &&
               (err = dav_delete_local(dlocal, S_ISDIR(dst.st_mode))) != 0) {
      st = dav_err_status(err);
    } else if (dexists) {
      mg_dav_locks_drop(r->nc->mgr, dpath);
    }
    if (st == 0 && move) {
      char *a = is_dir ? NULL : mg_dav_props_file(r->local, 0);
      char *b = is_dir ? NULL : mg_dav_props_file(dlocal, 0);
      if (rename(r->local, dlocal) == 0) {
        if (a != NULL && b != NULL) rename(a, b);
        mg_dav_locks_drop(r->nc->mgr, r->path);
      } else if (errno == EXDEV && (err = dav_copy(r->local, dlocal, 1)) == 0) {
        dav_delete_local(r->local, is_dir);
        mg_dav_locks_drop(r->nc->mgr, r->path);
      } else {
        st = dav_err_status(err != 0 ? err : errno);
      }
      MG_FREE(a);
      MG_FREE(b);
    } else if (st == 0 && (err = dav_copy(r->local, dlocal, infinite)) != 0) {
      st = dav_err_status(err);
    }
    if (st != 0) {
      mg_dav_send(r, st, NULL);
    } else {
      mg_dav_send(r, dexists ? 204 : 201, dexists ? "" : "Created");
    }
  }
  MG_FREE(dpath);
  MG_FREE(dlocal);
}

// Refused unless auth is configured: dav_auth_file "-" means none.
static int dav_authorized(struct mg_dav_req *r) {
  const struct mg_serve_http_opts *o = r->opts;
  const char *f = o->dav_auth_file;
  const char *domain = o->auth_domain != NULL ? o->auth_domain : "mongoose";
  if (f == NULL || *f == '\0') {
    mg_dav_send(r, 403, "WebDAV needs dav_auth_file (\"-\" for no auth)");
    return 0;
  }
  if (strcmp(f, "-") == 0 ||
      mg_http_is_authorized(r->hm, mg_mk_str(r->local), domain, f,
                            MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE)) {
    return 1;
  }
  mg_http_send_digest_auth_request(r->nc, domain);
  return 0;
}

void mg_http_dav(struct mg_connection *nc, struct http_message *hm,
                 const struct mg_serve_http_opts *opts, const char *path,
                 struct mg_str extra) {
  struct mg_dav_req r;
  struct mg_str m = hm->method;
  size_t rl;
  memset(&r, 0, sizeof(r));
  r.nc = nc;
  r.hm = hm;
  r.opts = opts;
  r.extra = extra;
  r.root = opts->dav_document_root;
  r.path = path;
  if ((r.local = mg_http_path_join(r.root, path, &rl)) == NULL) {
    mg_dav_send(&r, 500, NULL);
    return;
  }
  dav_trim_slash(r.local, rl);
  if (!dav_authorized(&r)) {
  } else if (dav_path_hidden(opts, path)) {
    mg_dav_send(&r, mg_vcmp(&m, "PROPFIND") == 0 ? 404 : 403, NULL);
  } else if ((r.exists = lstat(r.local, &r.st) == 0) &&
             (S_ISLNK(r.st.st_mode)
                  ? mg_stat(r.local, &r.st) != 0 ||
                        !mg_http_path_inside_root(r.root, r.local, -1)
                  : !mg_http_path_inside_root(r.root, r.local, -1))) {
    mg_dav_send(&r, errno == ENOMEM ? 500 : 404, NULL);
  } else if (mg_vcmp(&m, "PUT") == 0) {
    dav_put(&r);
  } else if (mg_vcmp(&m, "DELETE") == 0) {
    dav_delete(&r);
  } else if (mg_vcmp(&m, "MKCOL") == 0) {
    dav_mkcol(&r);
  } else if (mg_vcmp(&m, "COPY") == 0 || mg_vcmp(&m, "MOVE") == 0) {
    dav_copy_move(&r, mg_vcmp(&m, "MOVE") == 0);
  } else if (mg_vcmp(&m, "PROPFIND") == 0) {
    mg_dav_propfind(&r);
  } else if (mg_vcmp(&m, "PROPPATCH") == 0) {
    mg_dav_proppatch(&r);
  } else if (mg_vcmp(&m, "LOCK") == 0) {
    mg_dav_lock(&r);
  } else {
    mg_dav_unlock(&r);
  }
  MG_FREE(r.local);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_WEBDAV
