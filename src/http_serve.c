#include "http_internal.h"
#include "uri.h"

// mg_serve_http(): a request mapped to the document root, answered with a
// file (http_file.c), an index file, a listing (http_listing.c), a
// redirect, an error, or handed to the reverse proxy (http_proxy.c).
// Order: IP ACL, method, path decoding and safety (http_path.c), rewrites,
// auth, the file.
//
// - extra_headers go into every response mg_serve_http() sends, except
//   the 401 challenge (mg_http_send_digest_auth_request() takes none) and
//   500s for lack of memory.
// - Files that are neither regular nor directories (FIFOs, devices) and
//   unreadable files are 403; what path safety refuses is 404.
// - Per-directory auth: the auth file of the nearest directory, from the
//   requested one up to the root, decides, so it protects a subtree. A
//   global_auth_file that does not exist refuses every request.
// - OPTIONS answers 200 with Allow for any path, existing or not.
// - A FILE.gz sibling is used only when FILE itself exists.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM

// What mg_serve_http() does with a method; other tokens get 501.
#define STATIC_M_NOT_ALLOWED 0  // 405 with Allow
#define STATIC_M_SERVE 1        // GET, HEAD
#define STATIC_M_OPTIONS 2      // 200 with Allow
#define STATIC_ALLOW "Allow: GET, HEAD, OPTIONS"

// One mg_serve_http() call.
struct static_req {
  struct mg_connection *nc;
  struct http_message *hm;
  const struct mg_serve_http_opts *opts;
  struct mg_str extra;            // opts->extra_headers
  const char *root;               // The document root picked for this request
  char *root_buf;                 // MG_MALLOC'd root from a rewrite, or NULL
  char *uri_path;                 // Decoded, normalised URI path (MG_MALLOC'd)
  const char *rel;                // The part of uri_path below root
  char *local;                    // root + rel (MG_MALLOC'd)
  size_t root_len;                // Length of the root part of local
  struct mg_http_open_file file;  // local: st when exists, fd when regular
  int exists;                     // mg_stat(local) succeeded
  int method;                     // STATIC_M_SERVE or (CGI) another method
  int probe;  // MG_EV_HTTP_REQUEST_HEAD: start a CGI or answer nothing
};

// Sends a text response with the extra headers; returns 0 for chaining.
static int static_fail(struct static_req *r, int code, const char *text) {
  if (r->probe) return 0;  // The full request answers later
  if (code == 500) {       // Here always for lack of memory
    MG_ERROR(("%p %.*s: out of memory, 500", (void *) r->nc,
              (int) r->hm->uri.len, r->hm->uri.p));
  }
  mg_http_out_send_text(r->nc, r->hm, code, r->extra, NULL, text);
  return 0;
}

// Returns 1 if the peer may be served. IPv4 peers, IPv4-mapped IPv6 peers
// and ::1 (as 127.0.0.1) are checked against the ACL. Other IPv6 peers are
// refused whenever an ACL is set: its grammar is IPv4 only, and refusing
// is the safe reading. A malformed ACL refuses everyone.
static int static_acl_allows(struct mg_connection *nc, const char *acl) {
  const union socket_address *sa = &nc->sa;
  uint32_t ip;
  if (acl == NULL || *acl == '\0') return 1;
  if (sa->sa.sa_family == AF_INET) {
    ip = ntohl(sa->sin.sin_addr.s_addr);
  } else if (sa->sa.sa_family == AF_INET6 &&
             IN6_IS_ADDR_V4MAPPED(&sa->sin6.sin6_addr)) {
    memcpy(&ip, sa->sin6.sin6_addr.s6_addr + 12, 4);
    ip = ntohl(ip);
  } else if (sa->sa.sa_family == AF_INET6 &&
             IN6_IS_ADDR_LOOPBACK(&sa->sin6.sin6_addr)) {
    ip = 0x7f000001;
  } else {
    return 0;
  }
  return mg_check_ip_acl(acl, ip) == 1;
}

// Decodes and normalises the request path into r->uri_path. Returns 0 if
// it answered (400, 404, 500).
static int static_decode_uri(struct static_req *r) {
  int status = mg_http_path_decode(r->hm->uri, &r->uri_path);
  if (status != 0) return static_fail(r, status, NULL);
  r->rel = r->uri_path;
  return 1;
}

// True if the Host header, without its port, equals host (any case).
static int static_host_is(struct http_message *hm, struct mg_str host) {
  struct mg_str *h = mg_get_http_header(hm, "Host"), v;
  const char *colon;
  if (h == NULL) return 0;
  v = mg_strstrip(*h);
  if (v.len > 0 && v.p[0] == '[') {
    colon = mg_strchr(v, ']');
    if (colon != NULL) v.len = (size_t) (colon + 1 - v.p);
  } else if ((colon = mg_strchr(v, ':')) != NULL) {
    v.len = (size_t) (colon - v.p);
  }
  return mg_strcasecmp(v, host) == 0;
}

// True if nc came in on port (decimal digits), its listener's port.
static int static_port_is(struct mg_connection *nc, struct mg_str port) {
  char buf[64];
  size_t i;
  if (port.len == 0 || port.len > 5) return 0;
  for (i = 0; i < port.len; i++) {
    if (!isdigit((unsigned char) port.p[i])) return 0;
  }
  mg_conn_addr_to_str(nc, buf, sizeof(buf), MG_SOCK_STRINGIFY_PORT);
  return strlen(buf) == port.len && memcmp(buf, port.p, port.len) == 0;
}

// "%port=url": 301 to url with the request's target (path and query)
// appended, as 6.x does ("%80=https://example.com"). Returns 0.
static int static_port_redirect(struct static_req *r, struct mg_str url) {
  struct http_message *hm = r->hm;
  char *loc = NULL;
  if (url.len > 0 && url.p[url.len - 1] == '/') url.len--;
  mg_asprintf(&loc, 0, "%.*s%.*s%s%.*s", (int) url.len, url.p,
              (int) hm->uri.len, hm->uri.p, hm->query_string.len > 0 ? "?" : "",
              (int) hm->query_string.len, hm->query_string.p);
  if (loc == NULL) return static_fail(r, 500, NULL);
  mg_http_send_redirect(r->nc, 301, mg_mk_str(loc), r->extra);
  MG_FREE(loc);
  return 0;
}

// Length of the URI-path prefix that the glob pat matches, ending at a '/'
// boundary ("/x" matches "/x" and "/x/y", not "/xy"; "/" matches all), and
// not counting a final '/'; -1 if none.
static long static_prefix_len(struct mg_str pat, const char *path) {
  size_t n = mg_match_prefix_n(pat, mg_mk_str(path));
  if (n == 0) return -1;
  if (path[n] == '\0' || path[n] == '/') return (long) n;
  return path[n - 1] == '/' ? (long) n - 1 : -1;
}

// Applies url_rewrites: the first matching entry picks the root; a prefix
// entry also strips its prefix from the path; "%port" redirects; an
// http(s):// target is proxied. Returns 0 if it answered.
static int static_rewrite(struct static_req *r) {
  const char *list = r->opts->url_rewrites;
  struct mg_str pat, target;
  long n;
  while ((list = mg_next_comma_list_entry(list, &pat, &target)) != NULL) {
    pat = mg_strstrip(pat);
    target = mg_strstrip(target);
    if (target.p == NULL || pat.len == 0 || target.len == 0) continue;
    if (pat.p[0] == '%') {
      if (!static_port_is(r->nc, mg_mk_str_n(pat.p + 1, pat.len - 1))) continue;
      return r->probe ? 0 : static_port_redirect(r, target);
    }
    if (pat.p[0] == '@') {
      // A virtual host keeps the whole path under its own root.
      n = static_host_is(r->hm, mg_mk_str_n(pat.p + 1, pat.len - 1)) ? 0 : -1;
    } else {
      n = static_prefix_len(pat, r->uri_path);
    }
    if (n < 0) continue;
    if (mg_ncasecmp(target.p, "http://", 7) == 0 ||
        mg_ncasecmp(target.p, "https://", 8) == 0) {
      if (r->probe) return 0;
      // A virtual host forwards its whole path: no mount prefix.
      mg_http_proxy_rewrite(
          r->nc, r->hm, pat.p[0] == '@' ? mg_mk_str_n(pat.p, 0) : pat, target);
      return 0;
    }
    if ((r->root_buf = (char *) mg_strdup_nul(target).p) == NULL) {
      return static_fail(r, 500, NULL);
    }
    r->root = r->root_buf;
    r->rel = r->uri_path + n;
    return 1;
  }
  return 1;
}

// Per-directory auth: the auth file in the nearest directory, from the
// requested one up to the root, decides (so a file protects its subtree).
static int static_dir_authorized(struct static_req *r, const char *domain) {
  const char *name = r->opts->per_directory_auth_file;
  size_t rootlen = r->root_len, len = strlen(r->local);
  char *buf = (char *) MG_MALLOC(len + strlen(name) + 2);
  int res = 1;
  cs_stat_t st;
  if (buf == NULL) return 0;
  memcpy(buf, r->local, len + 1);
  if (!(r->exists && S_ISDIR(r->file.st.st_mode))) {
    while (len > rootlen && buf[len - 1] != '/') len--;
  }
  for (;;) {
    while (len > 0 && buf[len - 1] == '/') len--;
    snprintf(buf + len, strlen(name) + 2, "/%s", name);
    if (mg_stat(buf, &st) == 0) {
      buf[len] = '\0';
      res = mg_http_is_authorized(r->hm, mg_mk_str(buf), domain, name,
                                  MG_AUTH_FLAG_IS_DIRECTORY);
      break;
    }
    if (len <= rootlen) break;
    while (len > rootlen && buf[len - 1] != '/') len--;
  }
  MG_FREE(buf);
  return res;
}

// The digest realm: auth_domain, or "mongoose".
static const char *static_auth_domain(const struct mg_serve_http_opts *o) {
  return o->auth_domain != NULL ? o->auth_domain : "mongoose";
}

// Checks global_auth_file (a missing file refuses: fail closed), then the
// per-directory auth files.
static int static_authorized(struct static_req *r) {
  const struct mg_serve_http_opts *o = r->opts;
  const char *domain = static_auth_domain(o);
  int flags =
      r->exists && S_ISDIR(r->file.st.st_mode) ? MG_AUTH_FLAG_IS_DIRECTORY : 0;
  if (o->global_auth_file != NULL && *o->global_auth_file != '\0' &&
      !mg_http_is_authorized(r->hm, mg_mk_str(r->local), domain,
                             o->global_auth_file,
                             flags | MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE)) {
    return 0;
  }
  if (o->per_directory_auth_file == NULL ||
      *o->per_directory_auth_file == '\0') {
    return 1;
  }
  return static_dir_authorized(r, domain);
}

// True if the parameters after a content coding (";q=0.5") give a q-value
// other than zero; no q means 1.
static int http_q_nonzero(struct mg_str params) {
  size_t i = 0, j;
  while (i < params.len) {
    if (params.p[i++] != ';') continue;
    while (i < params.len && (params.p[i] == ' ' || params.p[i] == '\t')) i++;
    if (i + 1 < params.len && (params.p[i] == 'q' || params.p[i] == 'Q') &&
        params.p[i + 1] == '=') {
      for (j = i + 2; j < params.len && (isdigit((unsigned char) params.p[j]) ||
                                         params.p[j] == '.');
           j++) {
        if (params.p[j] >= '1' && params.p[j] <= '9') return 1;
      }
      return 0;
    }
  }
  return 1;
}

// Returns 1 if Accept-Encoding accepts gzip: "gzip" or "x-gzip" with a
// non-zero q, or else "*" with a non-zero q.
static int static_accepts_gzip(struct http_message *hm) {
  struct mg_str *h = mg_get_http_header(hm, "Accept-Encoding");
  struct mg_str list, item, coding, params;
  const char *semi;
  int star = 0;
  if (h == NULL) return 0;
  list = *h;
  while ((list = mg_next_comma_list_entry_n(list, &item, NULL)).p != NULL) {
    semi = mg_strchr(item, ';');
    if (semi == NULL) semi = item.p + item.len;
    coding = mg_strstrip(mg_mk_str_n(item.p, (size_t) (semi - item.p)));
    params = mg_mk_str_n(semi, (size_t) (item.p + item.len - semi));
    if (mg_vcasecmp(&coding, "gzip") == 0 ||
        mg_vcasecmp(&coding, "x-gzip") == 0) {
      return http_q_nonzero(params);
    }
    if (mg_vcmp(&coding, "*") == 0) star = http_q_nonzero(params);
  }
  return star;
}

static void static_close(int fd) {
  if (fd >= 0) close(fd);
}

// Looks for the .gz sibling of path: a regular file inside the root.
// Returns 1 (g filled in) if there is one, 0 if not, -1 if out of memory.
static int static_gz_sibling(struct static_req *r, const char *path,
                             struct mg_http_open_file *g) {
  size_t n = strlen(path);
  char *gz = (char *) MG_MALLOC(n + 4);
  int has;
  g->fd = -1;
  if (gz == NULL) return -1;
  memcpy(gz, path, n);
  memcpy(gz + n, ".gz", 4);
  has = mg_stat(gz, &g->st) == 0 && S_ISREG(g->st.st_mode) &&
        mg_http_path_open_inside(r->root, gz, g);
  MG_FREE(gz);
  return has;
}

// Serves the regular file path, already found inside the root and opened
// as f (taken over), with the MIME type of its name. A .gz sibling is
// served instead (Content-Encoding: gzip) when the client accepts gzip;
// any response for a file that has one says "Vary: Accept-Encoding".
static void static_serve_regular(struct static_req *r, const char *path,
                                 struct mg_http_open_file *f) {
  struct mg_str mime = mg_http_mime_type(path, r->opts->custom_mime_types);
  struct mg_http_open_file g, *use = f;
  struct mg_http_out h;
  int has_gz;
#if MG_ENABLE_HTTP_SSI
  if (mg_http_is_ssi(r->opts, path)) {
    mg_http_serve_ssi(r->nc, r->hm, path, f->fd, r->root, r->opts, r->extra);
    f->fd = -1;
    return;
  }
#endif
  has_gz = static_gz_sibling(r, path, &g);
  memset(&h, 0, sizeof(h));
  if (has_gz > 0 && static_accepts_gzip(r->hm)) use = &g;
  if (has_gz > 0) mg_http_out_hdr(&h, "Vary: Accept-Encoding");
  if (use == &g) mg_http_out_hdr(&h, "Content-Encoding: gzip");
  mg_http_out_hdr_block(&h, r->extra);
  if (has_gz < 0 || mg_http_out_str(&h) == NULL) {
    static_fail(r, 500, NULL);
  } else {
    mg_http_serve_fd(r->nc, r->hm, use->fd, use->err, &use->st, mime,
                     mg_mk_str_n(h.m.buf, h.m.len));
    use->fd = -1;
  }
  static_close(f->fd);
  static_close(g.fd);
  f->fd = -1;
  mbuf_free(&h.m);
}

// 301 to the request URI with a '/' added, keeping the query string.
static void static_redirect_slash(struct static_req *r) {
  struct http_message *hm = r->hm;
  struct mg_str extra = mg_strstrip(r->extra);
  struct mg_http_out loc, h;
  memset(&loc, 0, sizeof(loc));
  memset(&h, 0, sizeof(h));
  mg_http_out_printf(&loc, "%.*s/", (int) hm->uri.len, hm->uri.p);
  if (hm->query_string.len > 0) {
    mg_http_out_printf(&loc, "?%.*s", (int) hm->query_string.len,
                       hm->query_string.p);
  }
  if (loc.failed) {
    static_fail(r, 500, NULL);
  } else if (mg_strchr(extra, '\n') == NULL) {
    mg_http_send_redirect(r->nc, 301, mg_mk_str_n(loc.m.buf, loc.m.len), extra);
  } else if (mg_strchr(mg_mk_str_n(loc.m.buf, loc.m.len), '\n') == NULL &&
             mg_strchr(mg_mk_str_n(loc.m.buf, loc.m.len), '\r') == NULL) {
    // mg_http_send_redirect() takes one extra header line, not a block.
    mg_http_out_hdr(&h, "Location: %.*s", (int) loc.m.len, loc.m.buf);
    mg_http_out_hdr_block(&h, extra);
    mg_http_out_send(r->nc, hm, 301, &h, mg_mk_str(""));
  } else {
    static_fail(r, 500, NULL);
  }
  mbuf_free(&loc.m);
  mbuf_free(&h.m);
}

// Serves the first index file of the directory that exists. Returns 0 if
// there is none.
static int static_try_index(struct static_req *r) {
  const char *list = r->opts->index_files;
  struct mg_str name;
  struct mg_http_open_file f;
  char *p;
  if (list == NULL) list = "index.html,index.htm,index.shtml";
  while ((list = mg_next_comma_list_entry(list, &name, NULL)) != NULL) {
    name = mg_strstrip(name);
    if (name.len == 0 || mg_strchr(name, '/') != NULL ||
        mg_http_path_name_hidden(r->opts, name)) {
      continue;
    }
    if ((p = mg_http_path_join_name(r->local, name)) == NULL) {
      static_fail(r, 500, NULL);
      return 1;
    }
    if (mg_stat(p, &f.st) == 0 && S_ISREG(f.st.st_mode)) {
      if (mg_http_path_open_inside(r->root, p, &f)) {
        static_serve_regular(r, p, &f);
      } else {
        static_fail(r, errno == ENOMEM ? 500 : 404, NULL);
      }
      MG_FREE(p);
      return 1;
    }
    MG_FREE(p);
  }
  return 0;
}

// A directory: 301 without the trailing '/', else an index file, else a
// listing (unless enable_directory_listing is "no"), else 403.
static void static_serve_dir(struct static_req *r) {
  struct mg_str uri = r->hm->uri;
  const char *listing = r->opts->enable_directory_listing;
  if (uri.len == 0 || uri.p[uri.len - 1] != '/') {
    static_redirect_slash(r);
  } else if (!static_try_index(r)) {
#if MG_ENABLE_DIRECTORY_LISTING
    if (listing == NULL || strcmp(listing, "no") != 0) {
      mg_http_list_dir(r->nc, r->hm, r->opts, r->local, r->uri_path, r->extra);
      return;
    }
#endif
    (void) listing;
    static_fail(r, 403, NULL);
  }
}

// Finds r->local: sets r->exists and r->file (st; fd for a regular file,
// opened here so that the check is made on what was opened). Returns 0 if
// it exists but resolves outside the root, -1 if memory ran out.
static int static_lookup(struct static_req *r) {
  struct mg_http_open_file *f = &r->file;
  int inside;
  r->exists = 1;
  if (mg_http_path_verified_open(r->root, r->local, f)) return 1;
  if (!(r->exists = mg_stat(r->local, &f->st) == 0)) return 1;
  if (S_ISREG(f->st.st_mode)) {
    inside = mg_http_path_open_inside(r->root, r->local, f);
  } else {
    inside = mg_http_path_inside_root(r->root, r->local, -1);
  }
  return inside == 0 && errno == ENOMEM ? -1 : inside;
}

#if MG_ENABLE_HTTP_CGI
// A CGI script (http_cgi.c), maybe followed by PATH_INFO, answers any
// method. Returns 0 if local is not one.
static int static_try_cgi(struct static_req *r) {
  size_t n = mg_http_cgi_find(r->opts, r->root, r->local, r->root_len);
  if (n == 0) return 0;
  if (n == (size_t) -1) {
    static_fail(r, 500, NULL);  // Out of memory: not served as a file
    return 1;
  }
  static_close(r->file.fd);
  r->file.fd = -1;
  mg_http_cgi_start(r->nc, r->hm, r->opts, r->root, r->local, n, r->uri_path,
                    r->extra);
  return 1;
}
#endif

// GET and HEAD (and with CGI, other methods): maps the path to a file and
// answers.
static void static_serve(struct static_req *r) {
  int found;
  if (mg_http_path_hidden(r->opts, r->uri_path)) {
    static_fail(r, 404, NULL);
  } else if ((r->local = mg_http_path_join(r->root, r->rel, &r->root_len)) ==
             NULL) {
    static_fail(r, 500, NULL);
  } else if ((found = static_lookup(r)) <= 0) {
    static_fail(r, found < 0 ? 500 : 404, NULL);
  } else if (!static_authorized(r)) {
    mg_http_send_digest_auth_request(r->nc, static_auth_domain(r->opts));
#if MG_ENABLE_HTTP_CGI
  } else if (static_try_cgi(r)) {
  } else if (r->method != STATIC_M_SERVE) {
    mg_http_out_send_text(r->nc, r->hm, 405, r->extra, STATIC_ALLOW, NULL);
#endif
  } else if (!r->exists) {
    static_fail(r, 404, NULL);
  } else if (S_ISDIR(r->file.st.st_mode)) {
    static_serve_dir(r);
  } else if (S_ISREG(r->file.st.st_mode)) {
    static_serve_regular(r, r->local, &r->file);
  } else {
    static_fail(r, 403, NULL);
  }
}

static const struct {
  const char *name;
  int what;
} s_static_methods[] = {
    {"GET", STATIC_M_SERVE},         {"HEAD", STATIC_M_SERVE},
    {"OPTIONS", STATIC_M_OPTIONS},   {"POST", STATIC_M_NOT_ALLOWED},
    {"PUT", STATIC_M_NOT_ALLOWED},   {"DELETE", STATIC_M_NOT_ALLOWED},
    {"PATCH", STATIC_M_NOT_ALLOWED}, {"CONNECT", STATIC_M_NOT_ALLOWED},
    {"TRACE", STATIC_M_NOT_ALLOWED},
};

static int static_method(struct mg_str method) {
  size_t i;
  for (i = 0; i < MG_ARRAY_SIZE(s_static_methods); i++) {
    if (mg_vcmp(&method, s_static_methods[i].name) == 0) {
      return s_static_methods[i].what;
    }
  }
  return -1;
}

#if MG_ENABLE_HTTP_WEBDAV
// WebDAV is on: built in, and opts->dav_document_root set.
static int static_dav_on(const struct mg_serve_http_opts *o) {
  return o->dav_document_root != NULL && *o->dav_document_root != '\0';
}
#endif

// 200 with Allow (and DAV, with WebDAV on) and an empty body.
static void static_send_options(struct static_req *r) {
  struct mg_http_out h;
  memset(&h, 0, sizeof(h));
#if MG_ENABLE_HTTP_WEBDAV
  if (static_dav_on(r->opts)) {
    mg_http_out_hdr(&h, MG_DAV_ALLOW);
  } else
#endif
    mg_http_out_hdr(&h, STATIC_ALLOW);
  mg_http_out_hdr_block(&h, r->extra);
  mg_http_out_send(r->nc, r->hm, 200, &h, mg_mk_str(""));
}

// Order: IP ACL (403), unknown method (501), OPTIONS *, path decoding
// (400/404), rewrites (a reverse-proxy target goes to
// mg_http_proxy_rewrite), OPTIONS (200) and other known methods (405), then
// the file.
#if MG_ENABLE_HTTP_CGI
// MG_EV_HTTP_REQUEST_HEAD: if the request maps to a CGI script the client
// may run, the script starts now and gets the body as it arrives.
// Anything else answers nothing now (static_fail() is silent): the whole
// request comes back with MG_EV_HTTP_REQUEST. The credentials are checked
// last, on a script only: a digest check counts the nonce use.
static void static_probe_cgi(struct static_req *r) {
  size_t n;
  if (mg_http_path_hidden(r->opts, r->uri_path) ||
      (r->local = mg_http_path_join(r->root, r->rel, &r->root_len)) == NULL ||
      static_lookup(r) <= 0) {
    return;
  }
  n = mg_http_cgi_find(r->opts, r->root, r->local, r->root_len);
  if (n == 0 || n == (size_t) -1 || !static_authorized(r)) return;
  static_close(r->file.fd);
  r->file.fd = -1;
  mg_http_cgi_start(r->nc, r->hm, r->opts, r->root, r->local, n, r->uri_path,
                    r->extra);
}
#endif

void mg_serve_http(struct mg_connection *nc, struct http_message *hm,
                   struct mg_serve_http_opts opts) {
  struct static_req r;
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  int m = static_method(hm->method), dav = 0;
  memset(&r, 0, sizeof(r));
  r.file.fd = -1;
  r.nc = nc;
  r.hm = hm;
  r.method = m;
  r.opts = &opts;
  r.extra = mg_mk_str(opts.extra_headers);
  r.root = opts.document_root != NULL && *opts.document_root != '\0'
               ? opts.document_root
               : ".";
#if MG_ENABLE_HTTP_WEBDAV
  dav = static_dav_on(&opts) && mg_http_dav_is_method(hm->method);
#endif
  r.probe = pd != NULL && pd->cgi_probe;
  if (r.probe) {
#if MG_ENABLE_HTTP_CGI
    if (static_acl_allows(nc, opts.ip_acl) && m >= 0 && !dav &&
        m != STATIC_M_OPTIONS && static_decode_uri(&r) && static_rewrite(&r)) {
      static_probe_cgi(&r);
    }
#endif
  } else if (!static_acl_allows(nc, opts.ip_acl)) {
    static_fail(&r, 403, NULL);
  } else if (m < 0 && !dav) {
    static_fail(&r, 501, NULL);
  } else if (m == STATIC_M_OPTIONS && mg_vcmp(&hm->uri, "*") == 0) {
    static_send_options(&r);
  } else if (static_decode_uri(&r) && static_rewrite(&r)) {
    if (m == STATIC_M_OPTIONS) {
      static_send_options(&r);
#if MG_ENABLE_HTTP_WEBDAV
    } else if (dav) {
      mg_http_dav(nc, hm, &opts, r.uri_path, r.extra);
#endif
    } else if (m == STATIC_M_NOT_ALLOWED && !MG_ENABLE_HTTP_CGI) {
      mg_http_out_send_text(nc, hm, 405, r.extra, STATIC_ALLOW, NULL);
    } else {
      static_serve(&r);
    }
  }
  static_close(r.file.fd);
  MG_FREE(r.root_buf);
  MG_FREE(r.uri_path);
  MG_FREE(r.local);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM
