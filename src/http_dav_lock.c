#include "http_internal.h"
#include "md5.h"
#include "uri.h"
#include "xml_internal.h"

// WebDAV write locks (RFC 4918 6, 9.10, 9.11) and the If header (10.4).
//
// - Locks are kept in memory, per manager, in one flat block
//   (mgr->dav_locks) of variable-size records: at most MG_MAX_DAV_LOCKS
//   (503 above), each for at most MG_DAV_LOCK_TIMEOUT seconds. They do not
//   survive a restart. Expired locks are dropped whenever locks are looked
//   at.
// - Exclusive and shared write locks, Depth 0 or infinity; a LOCK on an
//   unmapped URL creates an empty file (201). A LOCK without a body
//   refreshes the lock whose token the If header names.
// - A change to a locked resource (or to the membership of a locked
//   collection) needs the lock's token in the If header, else 423; for
//   shared locks one of their tokens will do.
// - Tokens are "opaquelocktoken:" UUID-shaped MD5 digests of the time, a
//   counter and addresses: unique, not secrets (auth is what guards).

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_WEBDAV

// One lock: this header, then path_len bytes of path, then owner_len bytes
// of the owner element (self-contained XML), padded to a multiple of 8.
struct dav_lock {
  double expire;
  uint32_t size;  // Whole record
  uint16_t path_len, owner_len;
  unsigned char infinite, shared;
  char token[58];  // "opaquelocktoken:" + 36 + NUL
};

// mgr->dav_locks: this header, then the records.
struct dav_locks {
  size_t used;  // Bytes of records
  size_t count;
};

#define DAV_REC_ALIGN 8
#define DAV_HDR_SIZE                                                \
  ((sizeof(struct dav_locks) + DAV_REC_ALIGN - 1) / DAV_REC_ALIGN * \
   DAV_REC_ALIGN)

static struct dav_lock *lock_first(struct dav_locks *ls) {
  return (struct dav_lock *) (void *) ((char *) ls + DAV_HDR_SIZE);
}

static struct dav_lock *lock_next(struct dav_lock *l) {
  return (struct dav_lock *) (void *) ((char *) l + l->size);
}

static int lock_end(struct dav_locks *ls, struct dav_lock *l) {
  return (char *) l >= (char *) lock_first(ls) + ls->used;
}

static struct mg_str lock_path(const struct dav_lock *l) {
  return mg_mk_str_n((const char *) (l + 1), l->path_len);
}

static struct mg_str lock_owner(const struct dav_lock *l) {
  return mg_mk_str_n((const char *) (l + 1) + l->path_len, l->owner_len);
}

static void lock_remove(struct dav_locks *ls, struct dav_lock *l) {
  size_t off = (size_t) ((char *) l - (char *) lock_first(ls)), n = l->size;
  memmove(l, (char *) l + n, ls->used - off - n);
  ls->used -= n;
  ls->count--;
}

// The lock table with expired locks dropped; NULL if there are none.
static struct dav_locks *locks_of(struct mg_mgr *mgr) {
  struct dav_locks *ls = (struct dav_locks *) mgr->dav_locks;
  struct dav_lock *l;
  double now = mg_time();
  if (ls == NULL) return NULL;
  for (l = lock_first(ls); !lock_end(ls, l);) {
    if (l->expire <= now) {
      lock_remove(ls, l);
    } else {
      l = lock_next(l);
    }
  }
  return ls;
}

// path without a final '/' (but "/" stays).
static struct mg_str dav_trim(struct mg_str p) {
  while (p.len > 1 && p.p[p.len - 1] == '/') p.len--;
  return p;
}

// 1 if b is a or below it.
static int dav_within(struct mg_str a, struct mg_str b) {
  a = dav_trim(a);
  b = dav_trim(b);
  if (a.len == 1 && a.p[0] == '/') return 1;
  return b.len >= a.len && memcmp(a.p, b.p, a.len) == 0 &&
         (b.len == a.len || b.p[a.len] == '/');
}

// 1 if l applies to path: its root, or below a Depth infinity root.
static int lock_covers(const struct dav_lock *l, struct mg_str path) {
  struct mg_str a = dav_trim(lock_path(l)), b = dav_trim(path);
  if (a.len == b.len && memcmp(a.p, b.p, a.len) == 0) return 1;
  return l->infinite && dav_within(a, b);
}

static struct dav_lock *lock_by_token(struct dav_locks *ls, struct mg_str t) {
  struct dav_lock *l;
  if (ls == NULL) return NULL;
  for (l = lock_first(ls); !lock_end(ls, l); l = lock_next(l)) {
    if (mg_vcmp(&t, l->token) == 0) return l;
  }
  return NULL;
}

void mg_dav_locks_drop(struct mg_mgr *mgr, const char *path) {
  struct dav_locks *ls = locks_of(mgr);
  struct dav_lock *l;
  if (ls == NULL) return;
  for (l = lock_first(ls); !lock_end(ls, l);) {
    if (dav_within(mg_mk_str(path), lock_path(l))) {
      lock_remove(ls, l);
    } else {
      l = lock_next(l);
    }
  }
}

// ---- The If header ------------------------------------------------------

#define DAV_MAX_CONDS 32

// One condition of an If header.
struct dav_cond {
  struct mg_str tag;  // The resource (a URL), empty: the request URI
  struct mg_str v;    // The state token or the entity tag
  int list;           // Which list it is in
  unsigned char neg, is_etag;
};

static const char *dav_ws(const char *s, const char *e) {
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  return s;
}

// Parses the If header into c (room for DAV_MAX_CONDS). Returns the number
// of conditions, -1 if it is malformed.
static int dav_if_parse(struct mg_str h, struct dav_cond *c) {
  const char *s = h.p, *e = h.p + h.len, *q;
  struct mg_str tag = MG_NULL_STR;
  int n = 0, list = 0, tagged = -1, in_list;
  for (;;) {
    s = dav_ws(s, e);
    if (s == e) break;
    if (*s == '<') {  // A resource tag
      if (tagged == 0 || (q = (const char *) memchr(s, '>', e - s)) == NULL) {
        return -1;
      }
      tag = mg_mk_str_n(s + 1, (size_t) (q - s - 1));
      tagged = 1;
      s = q + 1;
      continue;
    }
    if (*s != '(') return -1;
    if (tagged < 0) tagged = 0;
    list++;
    s++;
    in_list = 0;
    for (;;) {
      unsigned char neg = 0;
      s = dav_ws(s, e);
      if (s < e && *s == ')') break;
      if (e - s > 3 && mg_ncasecmp(s, "Not", 3) == 0) {
        neg = 1;
        s = dav_ws(s + 3, e);
      }
      if (s == e || n >= DAV_MAX_CONDS) return -1;
      if (*s == '<' && (q = (const char *) memchr(s, '>', e - s)) != NULL) {
        c[n].is_etag = 0;
      } else if (*s == '[' &&
                 (q = (const char *) memchr(s, ']', e - s)) != NULL) {
        c[n].is_etag = 1;
      } else {
        return -1;
      }
      c[n].v = mg_mk_str_n(s + 1, (size_t) (q - s - 1));
      c[n].tag = tag;
      c[n].list = list;
      c[n].neg = neg;
      n++;
      in_list = 1;
      s = q + 1;
    }
    if (!in_list) return -1;
    s++;
  }
  return n > 0 ? n : -1;
}

// Compares entity tags, ignoring a weak prefix.
static int dav_etag_eq(struct mg_str a, const char *b) {
  if (a.len >= 2 && a.p[0] == 'W' && a.p[1] == '/') a.p += 2, a.len -= 2;
  return mg_vcmp(&a, b) == 0;
}

// The URI path of a resource tag (MG_MALLOC'd into *path), or NULL tag:
// the request's. Returns 0 if it cannot be decoded.
static int dav_tag_path(struct mg_str tag, char **path) {
  *path = NULL;
  if (tag.len == 0) return 1;
  return mg_http_path_decode(tag, path) == 0;
}

// Evaluates one condition for the resource path.
static int dav_cond_true(struct mg_dav_req *r, struct dav_locks *ls,
                         const struct dav_cond *c, const char *path) {
  int res = 0;
  if (c->is_etag) {
    size_t rl;
    char *local = mg_http_path_join(r->root, path, &rl), etag[64];
    cs_stat_t st;
    if (local != NULL && mg_stat(local, &st) == 0 && !S_ISDIR(st.st_mode)) {
      mg_dav_etag(&st, etag, sizeof(etag));
      res = dav_etag_eq(c->v, etag);
    }
    MG_FREE(local);
  } else {
    struct dav_lock *l = lock_by_token(ls, c->v);
    res = l != NULL && lock_covers(l, mg_mk_str(path));
  }
  return c->neg ? !res : res;
}

// -1 malformed, 0 false, 1 true (or no If header). *conds, *n: parsed.
static int dav_if_eval(struct mg_dav_req *r, struct dav_locks *ls,
                       struct dav_cond *c, int *n) {
  struct mg_str *h = mg_get_http_header(r->hm, "If");
  int i, list, ok, any = 0;
  *n = 0;
  if (h == NULL) return 1;
  if ((*n = dav_if_parse(*h, c)) < 0) return -1;
  for (i = 0; i < *n && !any; i = list) {
    char *tpath = NULL;
    ok = dav_tag_path(c[i].tag, &tpath);
    for (list = i; list < *n && c[list].list == c[i].list; list++) {
      if (ok && !dav_cond_true(r, ls, &c[list], tpath ? tpath : r->path)) {
        ok = 0;
      }
    }
    any = ok;
    MG_FREE(tpath);
  }
  return any;
}

// 1 if the If header (parsed into c) names token outside a Not.
static int dav_submitted(const struct dav_cond *c, int n, const char *token) {
  int i;
  for (i = 0; i < n; i++) {
    if (!c[i].neg && !c[i].is_etag && mg_vcmp(&c[i].v, token) == 0) return 1;
  }
  return 0;
}

int mg_dav_if_check(struct mg_dav_req *r) {
  struct dav_cond c[DAV_MAX_CONDS];
  int n, res = dav_if_eval(r, locks_of(r->nc->mgr), c, &n);
  return res < 0 ? 400 : res ? 0 : 412;
}

// The parent of path ("/a/b" -> "/a", "/a" -> "/").
static struct mg_str dav_parent_path(const char *path) {
  struct mg_str p = dav_trim(mg_mk_str(path));
  while (p.len > 0 && p.p[p.len - 1] != '/') p.len--;
  return dav_trim(p);
}

int mg_dav_may_write(struct mg_dav_req *r, const char *path, int subtree,
                     int members) {
  struct dav_locks *ls = locks_of(r->nc->mgr);
  struct dav_cond c[DAV_MAX_CONDS];
  struct dav_lock *l;
  struct mg_str p = mg_mk_str(path), parent = dav_parent_path(path);
  int n, res = dav_if_eval(r, ls, c, &n), shared = 0, shared_ok = 0;
  if (res <= 0) return res < 0 ? 400 : 412;  // The If header comes first
  if (ls != NULL) {
    for (l = lock_first(ls); !lock_end(ls, l); l = lock_next(l)) {
      if (!lock_covers(l, p) && !(subtree && dav_within(p, lock_path(l))) &&
          !(members && path[1] != '\0' && lock_covers(l, parent))) {
        continue;
      }
      if (!l->shared) {
        if (!dav_submitted(c, n, l->token)) return 423;
      } else {
        shared = 1;
        if (dav_submitted(c, n, l->token)) shared_ok = 1;
      }
    }
  }
  return shared && !shared_ok ? 423 : 0;
}

// ---- LOCK and UNLOCK ----------------------------------------------------

static void dav_activelock(struct mbuf *out, const struct dav_lock *l) {
  char buf[256];
  long left = (long) (l->expire - mg_time());
  struct mg_str owner = lock_owner(l);
  snprintf(buf, sizeof(buf),
           "<D:activelock><D:locktype><D:write/></D:locktype>"
           "<D:lockscope><D:%s/></D:lockscope><D:depth>%s</D:depth>",
           l->shared ? "shared" : "exclusive", l->infinite ? "infinity" : "0");
  mg_dav_puts(out, buf);
  mbuf_append(out, owner.p, owner.len);
  snprintf(buf, sizeof(buf),
           "<D:timeout>Second-%ld</D:timeout><D:locktoken><D:href>%s"
           "</D:href></D:locktoken><D:lockroot><D:href>",
           left > 0 ? left : 0, l->token);
  mg_dav_puts(out, buf);
  {
    struct mg_str p = lock_path(l);
    char *z = (char *) MG_MALLOC(p.len + 1);
    if (z != NULL) {
      memcpy(z, p.p, p.len);
      z[p.len] = '\0';
      mg_dav_href(out, z, 0);
      MG_FREE(z);
    }
  }
  mg_dav_puts(out, "</D:href></D:lockroot></D:activelock>");
}

void mg_dav_lockdiscovery(struct mg_mgr *mgr, struct mbuf *out,
                          const char *path) {
  struct dav_locks *ls = locks_of(mgr);
  struct dav_lock *l;
  if (ls == NULL) return;
  for (l = lock_first(ls); !lock_end(ls, l); l = lock_next(l)) {
    if (lock_covers(l, mg_mk_str(path))) dav_activelock(out, l);
  }
}

// Sends the lock in a DAV:prop body (and, new: its Lock-Token header).
static void dav_send_lock(struct mg_dav_req *r, int code,
                          const struct dav_lock *l, int is_new) {
  struct mg_http_out h;
  struct mbuf b;
  memset(&h, 0, sizeof(h));
  mbuf_init(&b, 0);
  mg_http_out_hdr(&h, "Content-Type: application/xml; charset=\"utf-8\"");
  if (is_new) mg_http_out_hdr(&h, "Lock-Token: <%s>", l->token);
  mg_http_out_hdr_block(&h, r->extra);
  mg_dav_puts(&b,
              "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
              "<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>");
  dav_activelock(&b, l);
  mg_dav_puts(&b, "</D:lockdiscovery></D:prop>\n");
  mg_http_out_send(r->nc, r->hm, code, &h, mg_mk_str_n(b.buf, b.len));
  mbuf_free(&b);
}

// Seconds asked for by the Timeout header, within MG_DAV_LOCK_TIMEOUT.
static double dav_timeout(struct http_message *hm) {
  struct mg_str *t = mg_get_http_header(hm, "Timeout");
  long v;
  if (t == NULL) return MG_DAV_LOCK_TIMEOUT;
  {
    struct mg_str s = mg_strstrip(*t);
    if (s.len > 7 && mg_ncasecmp(s.p, "Second-", 7) == 0 &&
        isdigit((unsigned char) s.p[7])) {
      v = atol(s.p + 7);
      if (v > 0 && v < MG_DAV_LOCK_TIMEOUT) return (double) v;
    }
  }
  return MG_DAV_LOCK_TIMEOUT;
}

// A fresh token into buf.
static void dav_new_token(struct mg_mgr *mgr, const char *path, char *buf,
                          size_t len) {
  static unsigned long s_counter;
  struct mg_md5_ctx ctx;
  unsigned char d[16];
  double now = mg_time();
  unsigned long cnt = ++s_counter;
  void *ptrs[2];
  ptrs[0] = (void *) mgr;
  ptrs[1] = (void *) &ctx;
  mg_md5_init(&ctx);
  mg_md5_update(&ctx, (const unsigned char *) &now, sizeof(now));
  mg_md5_update(&ctx, (const unsigned char *) &cnt, sizeof(cnt));
  mg_md5_update(&ctx, (const unsigned char *) ptrs, sizeof(ptrs));
  mg_md5_update(&ctx, (const unsigned char *) path, strlen(path));
  mg_md5_final(d, &ctx);
  snprintf(buf, len,
           "opaquelocktoken:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
           "%02x%02x%02x%02x%02x%02x",
           d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10],
           d[11], d[12], d[13], d[14], d[15]);
}

// Adds a lock; NULL if the table is full or memory ran out.
static struct dav_lock *dav_lock_add(struct mg_mgr *mgr, const char *path,
                                     struct mg_str owner, int infinite,
                                     int shared, double timeout) {
  struct dav_locks *ls = locks_of(mgr), *nls;
  struct mg_str p = dav_trim(mg_mk_str(path));
  size_t rec = sizeof(struct dav_lock) + p.len + owner.len, used;
  struct dav_lock *l;
  rec = (rec + DAV_REC_ALIGN - 1) / DAV_REC_ALIGN * DAV_REC_ALIGN;
  if (p.len > 0xffff || owner.len > 0xffff) return NULL;
  if (ls != NULL && ls->count >= MG_MAX_DAV_LOCKS) return NULL;
  used = ls == NULL ? 0 : ls->used;
  nls = (struct dav_locks *) MG_REALLOC(ls, DAV_HDR_SIZE + used + rec);
  if (nls == NULL) return NULL;
  if (ls == NULL) nls->used = nls->count = 0;
  mgr->dav_locks = nls;
  l = (struct dav_lock *) (void *) ((char *) lock_first(nls) + nls->used);
  memset(l, 0, sizeof(*l));
  l->expire = mg_time() + timeout;
  l->size = (uint32_t) rec;
  l->path_len = (uint16_t) p.len;
  l->owner_len = (uint16_t) owner.len;
  l->infinite = (unsigned char) infinite;
  l->shared = (unsigned char) shared;
  dav_new_token(mgr, path, l->token, sizeof(l->token));
  memcpy((char *) (l + 1), p.p, p.len);
  if (owner.len > 0) memcpy((char *) (l + 1) + p.len, owner.p, owner.len);
  nls->used += rec;
  nls->count++;
  return l;
}

// 1 if a new lock (shared or not, infinite or not) at path conflicts.
static int dav_lock_conflicts(struct mg_mgr *mgr, const char *path,
                              int infinite, int shared) {
  struct dav_locks *ls = locks_of(mgr);
  struct dav_lock *l;
  struct mg_str p = mg_mk_str(path);
  if (ls == NULL) return 0;
  for (l = lock_first(ls); !lock_end(ls, l); l = lock_next(l)) {
    if (!lock_covers(l, p) && !(infinite && dav_within(p, lock_path(l)))) {
      continue;
    }
    if (!shared || !l->shared) return 1;
  }
  return 0;
}

// A LOCK without a body: refreshes the lock the If header names.
static void dav_lock_refresh(struct mg_dav_req *r) {
  struct dav_locks *ls = locks_of(r->nc->mgr);
  struct dav_cond c[DAV_MAX_CONDS];
  struct mg_str *h = mg_get_http_header(r->hm, "If");
  struct dav_lock *l;
  int i, n;
  if (h == NULL || (n = dav_if_parse(*h, c)) < 0) {
    mg_dav_send(r, 400, "LOCK refresh needs an If header with the token");
    return;
  }
  for (i = 0; i < n; i++) {
    if (c[i].neg || c[i].is_etag) continue;
    l = lock_by_token(ls, c[i].v);
    if (l != NULL && lock_covers(l, mg_mk_str(r->path))) {
      l->expire = mg_time() + dav_timeout(r->hm);
      dav_send_lock(r, 200, l, 0);
      return;
    }
  }
  mg_dav_send(r, 412, "no such lock");
}

void mg_dav_lock(struct mg_dav_req *r) {
  struct mg_xml_node *root = NULL, *scope, *type, *owner;
  struct mg_str *dh = mg_get_http_header(r->hm, "Depth");
  struct mbuf ob;
  struct dav_lock *l;
  int infinite = 1, shared, st, created = 0, res;
  if (r->hm->body.len == 0) {
    dav_lock_refresh(r);
    return;
  }
  if (dh != NULL) {
    struct mg_str v = mg_strstrip(*dh);
    if (mg_vcmp(&v, "0") == 0) {
      infinite = 0;
    } else if (mg_vcasecmp(&v, "infinity") != 0) {
      mg_dav_send(r, 400, "bad Depth");
      return;
    }
  }
  if ((res = mg_xml_parse(r->hm->body, &root)) != MG_XML_OK) {
    mg_dav_send(r, res == MG_XML_NOMEM ? 500 : 400, NULL);
    return;
  }
  mbuf_init(&ob, 0);
  scope = mg_xml_child(root, "DAV:", "lockscope");
  type = mg_xml_child(root, "DAV:", "locktype");
  owner = mg_xml_child(root, "DAV:", "owner");
  shared = scope != NULL && mg_xml_child(scope, "DAV:", "shared") != NULL;
  if (!mg_xml_is(root, "DAV:", "lockinfo") || scope == NULL || type == NULL ||
      mg_xml_child(type, "DAV:", "write") == NULL ||
      (!shared && mg_xml_child(scope, "DAV:", "exclusive") == NULL)) {
    mg_dav_send(r, 400, "bad lockinfo");
  } else if (!r->exists && (st = mg_dav_may_write(r, r->path, 0, 1)) != 0) {
    mg_dav_send(r, st, NULL);
  } else if ((st = mg_dav_if_check(r)) != 0) {
    mg_dav_send(r, st, NULL);
  } else if (dav_lock_conflicts(r->nc->mgr, r->path, infinite, shared)) {
    mg_dav_send(r, 423, NULL);
  } else {
    if (owner != NULL) mg_xml_write(&ob, owner, 1);
    if (!r->exists) {
      int fd = open(r->local, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd < 0) {
        mg_dav_send(r, errno == ENOENT ? 409 : 500, NULL);
        goto done;
      }
      close(fd);
      created = 1;
    }
    l = dav_lock_add(r->nc->mgr, r->path, mg_mk_str_n(ob.buf, ob.len), infinite,
                     shared, dav_timeout(r->hm));
    if (l == NULL) {
      if (created) unlink(r->local);
      mg_dav_send(r, 503, "no room for another lock");
    } else {
      dav_send_lock(r, created ? 201 : 200, l, 1);
    }
  }
done:
  mbuf_free(&ob);
  mg_xml_free(root);
}

void mg_dav_unlock(struct mg_dav_req *r) {
  struct mg_str *h = mg_get_http_header(r->hm, "Lock-Token"), t;
  struct dav_locks *ls = locks_of(r->nc->mgr);
  struct dav_lock *l;
  if (h == NULL || (t = mg_strstrip(*h)).len < 2 || t.p[0] != '<' ||
      t.p[t.len - 1] != '>') {
    mg_dav_send(r, 400, "UNLOCK needs a Lock-Token header");
    return;
  }
  t.p++;
  t.len -= 2;
  l = lock_by_token(ls, t);
  if (l == NULL || !lock_covers(l, mg_mk_str(r->path))) {
    mg_dav_send(r, 409, "lock token does not match the request URI");
  } else {
    lock_remove(ls, l);
    mg_dav_send(r, 204, "");
  }
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_WEBDAV
