#include "http_internal.h"
#include "xml_internal.h"

// WebDAV properties: PROPFIND (RFC 4918 9.1) and PROPPATCH (9.2).
//
// - Live properties: resourcetype, getcontentlength, getcontenttype,
//   getetag (files), getlastmodified, supportedlock, lockdiscovery. They
//   cannot be set or removed (403, the rest of the PROPPATCH 424).
// - Dead properties are stored as self-contained XML elements in the
//   resource's property file (mg_dav_props_file()), at most
//   MG_MAX_DAV_PROPS_SIZE bytes (507 above); a PROPPATCH is all or nothing
//   and replaces the file atomically.
// - Depth 0 and 1; Depth infinity (also implied by no Depth header) is
//   refused with 403 and DAV:propfind-finite-depth, as RFC 4918 allows.
//   A Depth 1 answer is built in memory: its size grows with the
//   directory.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_WEBDAV

#include <dirent.h>

#define DAV_XML_HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"

static const char *const s_live[] = {
    "resourcetype",    "getcontentlength", "getcontenttype", "getetag",
    "getlastmodified", "supportedlock",    "lockdiscovery",
};

static int dav_is_live(const struct mg_xml_node *n) {
  size_t i;
  if (mg_vcmp(&n->ns, "DAV:") != 0) return 0;
  for (i = 0; i < MG_ARRAY_SIZE(s_live); i++) {
    if (mg_vcmp(&n->name, s_live[i]) == 0) return 1;
  }
  return 0;
}

// One resource being described.
struct dav_res {
  const char *path;   // URI path
  const char *local;  // File system path
  cs_stat_t st;
};

// Writes the live property name of res (with its value if with_value).
// Returns 0 if res does not have it.
static int dav_live(struct mg_dav_req *r, struct mbuf *out, const char *name,
                    const struct dav_res *res, int with_value) {
  int dir = S_ISDIR(res->st.st_mode);
  char buf[160];
  if (!dir ||
      (strcmp(name, "getcontentlength") != 0 &&
       strcmp(name, "getcontenttype") != 0 && strcmp(name, "getetag") != 0)) {
  } else {
    return 0;
  }
  if (!with_value) {
    snprintf(buf, sizeof(buf), "<D:%s/>", name);
    mg_dav_puts(out, buf);
    return 1;
  }
  if (strcmp(name, "resourcetype") == 0) {
    mg_dav_puts(out, dir ? "<D:resourcetype><D:collection/></D:resourcetype>"
                         : "<D:resourcetype/>");
  } else if (strcmp(name, "getcontentlength") == 0) {
    snprintf(buf, sizeof(buf), "<D:getcontentlength>%llu</D:getcontentlength>",
             (unsigned long long) res->st.st_size);
    mg_dav_puts(out, buf);
  } else if (strcmp(name, "getcontenttype") == 0) {
    struct mg_str m = mg_http_mime_type(res->local, r->opts->custom_mime_types);
    mg_dav_puts(out, "<D:getcontenttype>");
    mg_xml_escape(out, m);
    mg_dav_puts(out, "</D:getcontenttype>");
  } else if (strcmp(name, "getetag") == 0) {
    char etag[64];
    mg_dav_etag(&res->st, etag, sizeof(etag));
    mg_dav_puts(out, "<D:getetag>");
    mg_xml_escape(out, mg_mk_str(etag));
    mg_dav_puts(out, "</D:getetag>");
  } else if (strcmp(name, "getlastmodified") == 0) {
    char date[64];
    mg_http_format_date(date, sizeof(date), res->st.st_mtime);
    snprintf(buf, sizeof(buf), "<D:getlastmodified>%s</D:getlastmodified>",
             date);
    mg_dav_puts(out, buf);
  } else if (strcmp(name, "supportedlock") == 0) {
    mg_dav_puts(out,
                "<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/>"
                "</D:lockscope><D:locktype><D:write/></D:locktype>"
                "</D:lockentry><D:lockentry><D:lockscope><D:shared/>"
                "</D:lockscope><D:locktype><D:write/></D:locktype>"
                "</D:lockentry></D:supportedlock>");
  } else {
    mg_dav_puts(out, "<D:lockdiscovery>");
    mg_dav_lockdiscovery(r->nc->mgr, out, res->path);
    mg_dav_puts(out, "</D:lockdiscovery>");
  }
  return 1;
}

// Loads the dead properties of res: *root is a wrapper element whose
// children are the properties (NULL: none). raw keeps the text. Returns 0,
// or the status of a failure.
static int dav_props_load(const char *local, int is_dir, struct mbuf *raw,
                          struct mg_xml_node **root) {
  char *file = mg_dav_props_file(local, is_dir), buf[4096];
  FILE *fp;
  size_t n;
  int res = 0;
  *root = NULL;
  if (file == NULL) return 500;
  if ((fp = fopen(file, "rb")) != NULL) {
    mbuf_append(raw, "<x>", 3);
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
      mbuf_append(raw, buf, n);
      if (raw->len > MG_MAX_DAV_PROPS_SIZE + 3) break;
    }
    fclose(fp);
    mbuf_append(raw, "</x>", 4);
    if (raw->len > MG_MAX_DAV_PROPS_SIZE + 7) {
      res = 507;
    } else {
      int x = mg_xml_parse(mg_mk_str_n(raw->buf, raw->len), root);
      res = x == MG_XML_OK ? 0 : 500;
    }
  }
  MG_FREE(file);
  return res;
}

// The stored property with n's namespace and name, or NULL.
static struct mg_xml_node *dav_find(const struct mg_xml_node *props,
                                    const struct mg_xml_node *n) {
  struct mg_xml_node *p;
  if (props == NULL) return NULL;
  for (p = mg_xml_first_elem(props); p != NULL; p = mg_xml_next_elem(p)) {
    if (mg_strcmp(p->ns, n->ns) == 0 && mg_strcmp(p->name, n->name) == 0) {
      return p;
    }
  }
  return NULL;
}

static void dav_propstat(struct mbuf *out, struct mbuf *props,
                         const char *status) {
  mg_dav_puts(out, "<D:propstat><D:prop>");
  mbuf_append(out, props->buf, props->len);
  mg_dav_puts(out, "</D:prop><D:status>HTTP/1.1 ");
  mg_dav_puts(out, status);
  mg_dav_puts(out, "</D:status></D:propstat>");
}

// What a PROPFIND asks for.
#define DAV_ALLPROP 0
#define DAV_PROPNAME 1
#define DAV_PROP 2

// Appends the response element for res.
static void dav_propfind_one(struct mg_dav_req *r, struct mbuf *out, int mode,
                             const struct mg_xml_node *want,
                             const struct dav_res *res) {
  struct mbuf ok, missing, raw;
  struct mg_xml_node *dead = NULL, *n;
  size_t i;
  mbuf_init(&ok, 0);
  mbuf_init(&missing, 0);
  mbuf_init(&raw, 0);
  dav_props_load(res->local, S_ISDIR(res->st.st_mode), &raw, &dead);
  mg_dav_puts(out, "<D:response><D:href>");
  mg_dav_href(out, res->path, S_ISDIR(res->st.st_mode));
  mg_dav_puts(out, "</D:href>");
  if (mode != DAV_PROP) {
    for (i = 0; i < MG_ARRAY_SIZE(s_live); i++) {
      dav_live(r, &ok, s_live[i], res, mode == DAV_ALLPROP);
    }
    for (n = dead ? mg_xml_first_elem(dead) : NULL; n != NULL;
         n = mg_xml_next_elem(n)) {
      mg_xml_write(&ok, n, mode == DAV_ALLPROP);
    }
  } else {
    for (n = mg_xml_first_elem(want); n != NULL; n = mg_xml_next_elem(n)) {
      struct mg_xml_node *d = dav_find(dead, n);
      char name[64];
      int live = dav_is_live(n) && n->name.len < sizeof(name);
      if (live) {
        memcpy(name, n->name.p, n->name.len);
        name[n->name.len] = '\0';
      }
      if (live && dav_live(r, &ok, name, res, 1)) {
      } else if (d != NULL) {
        mg_xml_write(&ok, d, 1);
      } else {
        mg_xml_write(&missing, n, 0);
      }
    }
  }
  if (ok.len > 0 || missing.len == 0) dav_propstat(out, &ok, "200 OK");
  if (missing.len > 0) dav_propstat(out, &missing, "404 Not Found");
  mg_dav_puts(out, "</D:response>");
  mbuf_free(&ok);
  mbuf_free(&missing);
  mbuf_free(&raw);
  mg_xml_free(dead);
}

// Describes the members of the collection res (Depth 1).
static void dav_propfind_members(struct mg_dav_req *r, struct mbuf *out,
                                 int mode, const struct mg_xml_node *want,
                                 const struct dav_res *res) {
  DIR *d = opendir(res->local);
  struct dirent *de;
  struct dav_res c;
  char *cpath, *clocal;
  if (d == NULL) return;
  while ((de = readdir(d)) != NULL) {
    struct mg_str name = mg_mk_str(de->d_name);
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        mg_http_dav_name_hidden(name) ||
        mg_http_path_name_hidden(r->opts, name)) {
      continue;
    }
    cpath = mg_http_path_join_name(res->path, name);
    clocal = mg_http_path_join_name(res->local, name);
    if (cpath != NULL && clocal != NULL && lstat(clocal, &c.st) == 0 &&
        (!S_ISLNK(c.st.st_mode) ||
         (mg_stat(clocal, &c.st) == 0 &&
          mg_http_path_inside_root(r->root, clocal, -1)))) {
      c.path = cpath;
      c.local = clocal;
      dav_propfind_one(r, out, mode, want, &c);
    }
    MG_FREE(cpath);
    MG_FREE(clocal);
  }
  closedir(d);
}

static void dav_send_xml(struct mg_dav_req *r, int code, struct mbuf *body) {
  struct mg_http_out h;
  memset(&h, 0, sizeof(h));
  mg_http_out_hdr(&h, "Content-Type: application/xml; charset=\"utf-8\"");
  mg_http_out_hdr_block(&h, r->extra);
  mg_http_out_send(r->nc, r->hm, code, &h, mg_mk_str_n(body->buf, body->len));
}

void mg_dav_propfind(struct mg_dav_req *r) {
  struct mg_str *dh = mg_get_http_header(r->hm, "Depth");
  struct mg_xml_node *root = NULL, *want = NULL;
  struct mbuf out;
  struct dav_res res;
  int depth = -1, mode = DAV_ALLPROP, x;
  if (dh != NULL) {
    struct mg_str v = mg_strstrip(*dh);
    if (mg_vcmp(&v, "0") == 0) depth = 0;
    if (mg_vcmp(&v, "1") == 0) depth = 1;
  }
  mbuf_init(&out, 0);
  if (!r->exists) {
    mg_dav_send(r, 404, NULL);
    return;
  }
  if (depth < 0) {
    mg_dav_puts(&out, DAV_XML_HEAD
                "<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/>"
                "</D:error>\n");
    dav_send_xml(r, 403, &out);
    mbuf_free(&out);
    return;
  }
  if (r->hm->body.len > 0) {
    if ((x = mg_xml_parse(r->hm->body, &root)) != MG_XML_OK) {
      mg_dav_send(r, x == MG_XML_NOMEM ? 500 : 400, NULL);
      return;
    }
    if (!mg_xml_is(root, "DAV:", "propfind")) {
      mode = -1;
    } else if (mg_xml_child(root, "DAV:", "propname") != NULL) {
      mode = DAV_PROPNAME;
    } else if ((want = mg_xml_child(root, "DAV:", "prop")) != NULL) {
      mode = DAV_PROP;
    } else if (mg_xml_child(root, "DAV:", "allprop") == NULL) {
      mode = -1;
    }
  }
  if (mode < 0) {
    mg_dav_send(r, 400, "bad propfind");
  } else {
    res.path = r->path;
    res.local = r->local;
    res.st = r->st;
    mg_dav_puts(&out, DAV_XML_HEAD "<D:multistatus xmlns:D=\"DAV:\">");
    dav_propfind_one(r, &out, mode, want, &res);
    if (depth == 1 && S_ISDIR(r->st.st_mode)) {
      dav_propfind_members(r, &out, mode, want, &res);
    }
    mg_dav_puts(&out, "</D:multistatus>\n");
    dav_send_xml(r, 207, &out);
  }
  mbuf_free(&out);
  mg_xml_free(root);
}

// ---- PROPPATCH ------------------------------------------------------------

// Writes the properties in list (n of them) as local's property file,
// atomically; none: the file is removed. Returns 0 or a status.
static int dav_props_save(struct mg_dav_req *r, struct mg_xml_node **list,
                          size_t n) {
  char *file = mg_dav_props_file(r->local, S_ISDIR(r->st.st_mode)), *tmp = NULL;
  struct mbuf b;
  FILE *fp;
  size_t i;
  int res = 0;
  mbuf_init(&b, 0);
  for (i = 0; i < n; i++) mg_xml_write(&b, list[i], 1);
  if (file == NULL) {
    res = 500;
  } else if (b.len > MG_MAX_DAV_PROPS_SIZE) {
    res = 507;
  } else if (n == 0) {
    unlink(file);
  } else if (mg_asprintf(&tmp, 0, "%s.tmp", file) < 0 || tmp == NULL) {
    res = 500;
  } else if ((fp = fopen(tmp, "wb")) == NULL) {
    res = 500;
  } else {
    if (fwrite(b.buf, 1, b.len, fp) != b.len) res = 507;
    if (fclose(fp) != 0 && res == 0) res = 507;
    if (res == 0 && rename(tmp, file) != 0) res = 500;
    if (res != 0) unlink(tmp);
  }
  MG_FREE(file);
  MG_FREE(tmp);
  mbuf_free(&b);
  return res;
}

// Appends every property named in the update u (set and remove
// instructions) to out with the status: 403 for live ones, the rest
// fail_status ("424 Failed Dependency") or "200 OK" when all went well.
static void dav_patch_report(struct mbuf *out, const struct mg_xml_node *u,
                             const char *status, int mark_live) {
  struct mbuf ok, bad;
  struct mg_xml_node *ins, *prop, *p;
  mbuf_init(&ok, 0);
  mbuf_init(&bad, 0);
  for (ins = mg_xml_first_elem(u); ins != NULL; ins = mg_xml_next_elem(ins)) {
    prop = mg_xml_child(ins, "DAV:", "prop");
    for (p = prop ? mg_xml_first_elem(prop) : NULL; p != NULL;
         p = mg_xml_next_elem(p)) {
      mg_xml_write(mark_live && dav_is_live(p) ? &bad : &ok, p, 0);
    }
  }
  if (ok.len > 0) dav_propstat(out, &ok, status);
  if (bad.len > 0) dav_propstat(out, &bad, "403 Forbidden");
  mbuf_free(&ok);
  mbuf_free(&bad);
}

void mg_dav_proppatch(struct mg_dav_req *r) {
  struct mg_xml_node *root = NULL, *dead = NULL, *ins, *prop, *p, **list = NULL;
  struct mbuf raw, out;
  size_t n = 0, cap = 0, i;
  int st, live = 0, x;
  mbuf_init(&raw, 0);
  mbuf_init(&out, 0);
  if (!r->exists) {
    mg_dav_send(r, 404, NULL);
    return;
  }
  if ((st = mg_dav_may_write(r, r->path, 0, 0)) != 0) {
    mg_dav_send(r, st, NULL);
    return;
  }
  if ((x = mg_xml_parse(r->hm->body, &root)) != MG_XML_OK ||
      !mg_xml_is(root, "DAV:", "propertyupdate")) {
    mg_dav_send(r, x == MG_XML_NOMEM ? 500 : 400, "bad propertyupdate");
    mg_xml_free(root);
    return;
  }
  if ((st = dav_props_load(r->local, S_ISDIR(r->st.st_mode), &raw, &dead)) !=
      0) {
    mg_dav_send(r, st, NULL);
    goto done;
  }
  // Room for every stored property and every one set.
  for (p = dead ? mg_xml_first_elem(dead) : NULL; p; p = mg_xml_next_elem(p)) {
    cap++;
  }
  for (ins = mg_xml_first_elem(root); ins; ins = mg_xml_next_elem(ins)) {
    prop = mg_xml_child(ins, "DAV:", "prop");
    for (p = prop ? mg_xml_first_elem(prop) : NULL; p;
         p = mg_xml_next_elem(p)) {
      cap++;
    }
  }
  if ((list = (struct mg_xml_node **) MG_CALLOC(cap + 1, sizeof(*list))) ==
      NULL) {
    mg_dav_send(r, 500, NULL);
    goto done;
  }
  for (p = dead ? mg_xml_first_elem(dead) : NULL; p; p = mg_xml_next_elem(p)) {
    list[n++] = p;
  }
  for (ins = mg_xml_first_elem(root); ins; ins = mg_xml_next_elem(ins)) {
    int set = mg_xml_is(ins, "DAV:", "set");
    if (!set && !mg_xml_is(ins, "DAV:", "remove")) continue;
    prop = mg_xml_child(ins, "DAV:", "prop");
    for (p = prop ? mg_xml_first_elem(prop) : NULL; p;
         p = mg_xml_next_elem(p)) {
      if (dav_is_live(p)) {
        live = 1;
        continue;
      }
      for (i = 0; i < n; i++) {
        if (mg_strcmp(list[i]->ns, p->ns) == 0 &&
            mg_strcmp(list[i]->name, p->name) == 0) {
          break;
        }
      }
      if (set && i < n) {
        list[i] = p;
      } else if (set) {
        list[n++] = p;
      } else if (i < n) {
        memmove(&list[i], &list[i + 1], (n - i - 1) * sizeof(*list));
        n--;
      }
    }
  }
  st = live ? 403 : dav_props_save(r, list, n);
  mg_dav_puts(&out, DAV_XML_HEAD
              "<D:multistatus xmlns:D=\"DAV:\"><D:response>"
              "<D:href>");
  mg_dav_href(&out, r->path, S_ISDIR(r->st.st_mode));
  mg_dav_puts(&out, "</D:href>");
  dav_patch_report(&out, root,
                   st == 0     ? "200 OK"
                   : st == 507 ? "507 Insufficient Storage"
                   : st == 403 ? "424 Failed Dependency"
                               : "500 Internal Server Error",
                   st == 403);
  mg_dav_puts(&out, "</D:response></D:multistatus>\n");
  dav_send_xml(r, 207, &out);
done:
  MG_FREE(list);
  mbuf_free(&raw);
  mbuf_free(&out);
  mg_xml_free(dead);
  mg_xml_free(root);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_WEBDAV
