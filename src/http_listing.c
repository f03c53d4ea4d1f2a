#include "http_internal.h"
#include "uri.h"

// Directory listings for mg_serve_http(): directories first, then names in
// byte order; hidden names left out; sizes in human units (the exact byte
// count in a tooltip); sent in one piece with a Content-Length (HEAD gets
// the same length). A few lines of inline script (no external resource)
// sort the rows by name, date or size when a column head is clicked (or
// the page is opened with #name, #date, #size, each with -desc), keeping
// directories first; without script the page is the server's order.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_DIRECTORY_LISTING

struct listing_entry {
  char *name;  // MG_MALLOC'd
  int is_dir;
  int64_t size;
  time_t mtime;
};

struct listing_entries {
  struct listing_entry *e;
  size_t n, cap;
};

// Directories first, then by name, bytewise.
static int listing_entry_cmp(const void *a, const void *b) {
  const struct listing_entry *x = (const struct listing_entry *) a;
  const struct listing_entry *y = (const struct listing_entry *) b;
  if (x->is_dir != y->is_dir) return y->is_dir - x->is_dir;
  return strcmp(x->name, y->name);
}

static void listing_entries_free(struct listing_entries *l) {
  size_t i;
  for (i = 0; i < l->n; i++) MG_FREE(l->e[i].name);
  MG_FREE(l->e);
  memset(l, 0, sizeof(*l));
}

// Adds the entry name of dir. Returns 0 if memory ran out. An entry that
// cannot be stat()ed (gone, a dangling link) is left out.
static int listing_entries_add(struct listing_entries *l, const char *dir,
                               const char *name) {
  struct listing_entry *e;
  cs_stat_t st;
  char *path = mg_http_path_join_name(dir, mg_mk_str(name));
  int found;
  if (path == NULL) return 0;
  found = mg_stat(path, &st) == 0;
  MG_FREE(path);
  if (!found) return 1;
  if (l->n == l->cap) {
    size_t cap = l->cap == 0 ? 16 : l->cap * 2;
    e = (struct listing_entry *) MG_REALLOC(l->e, cap * sizeof(*e));
    if (e == NULL) return 0;
    l->e = e;
    l->cap = cap;
  }
  e = &l->e[l->n];
  if ((e->name = (char *) mg_strdup_nul(mg_mk_str(name)).p) == NULL) return 0;
  e->is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
  e->size = (int64_t) st.st_size;
  e->mtime = st.st_mtime;
  l->n++;
  return 1;
}

// Reads and sorts the listable entries of dir. Returns 0, or the
// status to answer: 403 if the directory cannot be read, 500 (memory).
static int listing_read_dir(const char *dir, const struct mg_serve_http_opts *o,
                            struct listing_entries *l) {
  DIR *d = opendir(dir);
  struct dirent *de;
  int res = 0;
  if (d == NULL) return 403;
  while (res == 0 && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        mg_http_path_name_hidden(o, mg_mk_str(de->d_name))) {
      continue;
    }
    if (!listing_entries_add(l, dir, de->d_name)) res = 500;
  }
  closedir(d);
  if (res == 0 && l->n > 1) {
    qsort(l->e, l->n, sizeof(l->e[0]), listing_entry_cmp);
  }
  return res;
}

// Appends s with & < > " ' as HTML entities.
static void listing_html(struct mg_http_out *o, const char *s) {
  static const char *specials = "&<>\"'";
  static const char *entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
  const char *x;
  for (; *s != '\0'; s++) {
    if ((x = strchr(specials, *s)) != NULL) {
      mg_http_out_printf(o, "%s", entities[x - specials]);
    } else {
      mg_http_out_add(o, s, 1);
    }
  }
}

// A size in human units: "512 B", "1.5 KiB", "23 MiB" (1024-based; one
// decimal below 10).
static void listing_size(struct mg_http_out *o, int64_t size) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = (double) size;
  int u = 0;
  while (v >= 1024 && u < 5) v /= 1024, u++;
  if (u == 0) {
    mg_http_out_printf(o, "%lld B", (long long) size);
  } else if (v < 10) {
    mg_http_out_printf(o, "%.1f %s", (double) ((long long) (v * 10)) / 10,
                       units[u]);
  } else {
    mg_http_out_printf(o, "%lld %s", (long long) v, units[u]);
  }
}

// One row: the name (URL-encoded in the href, HTML-escaped as text), the
// modification time (UTC) and the size ("-" for directories). The data-
// attributes are what the script sorts by.
static void listing_row(struct mg_http_out *o, const struct listing_entry *e) {
  struct mg_str href = mg_url_encode(mg_mk_str(e->name));
  const char *slash = e->is_dir ? "/" : "";
  struct tm tm;
  if (href.p == NULL) {
    o->failed = 1;
    return;
  }
  memset(&tm, 0, sizeof(tm));
  gmtime_r(&e->mtime, &tm);
  mg_http_out_printf(o, "<tr data-d=\"%d\" data-t=\"%lld\" data-s=\"%lld\" ",
                     e->is_dir, (long long) e->mtime,
                     (long long) (e->is_dir ? -1 : e->size));
  mg_http_out_printf(o, "data-n=\"");
  listing_html(o, e->name);
  mg_http_out_printf(o, "\"><td><a href=\"%s%s\">", href.p, slash);
  listing_html(o, e->name);
  mg_http_out_printf(o, "%s</a></td><td>%04d-%02d-%02d %02d:%02d</td>", slash,
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min);
  if (e->is_dir) {
    mg_http_out_printf(o, "<td class=\"s\">-</td></tr>\n");
  } else {
    mg_http_out_printf(o, "<td class=\"s\" title=\"%lld bytes\">",
                       (long long) e->size);
    listing_size(o, e->size);
    mg_http_out_printf(o, "</td></tr>\n");
  }
  mg_strfree(&href);
}

// The style and the sorting script: the rows with data-d are sorted by
// the key the hash names, directories first; each head then links to the
// other order of its key.
static const char *s_listing_style =
    "<style>body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse}th,td{padding:.25em 1em;"
    "text-align:left}th a{color:inherit}td.s{text-align:right}"
    "tbody tr:nth-child(even){background:#f2f2f2}</style>\n";
static const char *s_listing_script =
    "<script>(function(){var b=document.querySelector('#list tbody'),"
    "k={name:'n',date:'t',size:'s'};function go(){var h=location.hash"
    ".slice(1).split('-'),f=k[h[0]],z=h[1]=='desc'?-1:1;if(!f)return;"
    "[].slice.call(b.querySelectorAll('tr[data-d]')).sort(function(x,y){"
    "var a=x.dataset,c=y.dataset;return c.d-a.d||z*(f=='n'?(a.n<c.n?-1:"
    "a.n>c.n?1:0):a[f]-c[f]);}).forEach(function(r){b.appendChild(r);});"
    "[].forEach.call(document.querySelectorAll('th a'),function(a){var n="
    "a.getAttribute('data-k');a.href='#'+n+(n==h[0]&&z>0?'-desc':'');});}"
    "window.addEventListener('hashchange',go);go();})();</script>\n";

// The whole page for the sorted entries.
static void listing_page(struct mg_http_out *o, const char *uri_path,
                         const struct listing_entries *l) {
  size_t i;
  mg_http_out_printf(o,
                     "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                     "<title>Index of ");
  listing_html(o, uri_path);
  mg_http_out_printf(o, "</title>\n%s</head>\n<body><h1>Index of ",
                     s_listing_style);
  listing_html(o, uri_path);
  mg_http_out_printf(o,
                     "</h1>\n<table id=\"list\">\n<thead><tr>"
                     "<th><a href=\"#name\" data-k=\"name\">Name</a></th>"
                     "<th><a href=\"#date\" data-k=\"date\">Modified (UTC)"
                     "</a></th><th><a href=\"#size\" data-k=\"size\">Size"
                     "</a></th></tr></thead>\n<tbody>\n");
  if (strcmp(uri_path, "/") != 0) {
    mg_http_out_printf(o,
                       "<tr><td><a href=\"../\">..</a></td><td></td>"
                       "<td class=\"s\">-</td></tr>\n");
  }
  for (i = 0; i < l->n; i++) listing_row(o, &l->e[i]);
  mg_http_out_printf(o, "</tbody>\n</table>\n%s</body></html>\n",
                     s_listing_script);
}

void mg_http_list_dir(struct mg_connection *nc, struct http_message *hm,
                      const struct mg_serve_http_opts *o, const char *dir,
                      const char *uri_path, struct mg_str extra) {
  struct listing_entries l;
  struct mg_http_out body, h;
  int res;
  memset(&l, 0, sizeof(l));
  memset(&body, 0, sizeof(body));
  memset(&h, 0, sizeof(h));
  if ((res = listing_read_dir(dir, o, &l)) == 0) {
    listing_page(&body, uri_path, &l);
    if (body.failed) res = 500;
  }
  if (res != 0) {
    if (res == 500) MG_ERROR(("%p %s: out of memory, 500", (void *) nc, dir));
    mg_http_out_send_text(nc, hm, res, extra, NULL, NULL);
  } else {
    mg_http_out_hdr(&h, "Content-Type: text/html; charset=utf-8");
    mg_http_out_hdr_block(&h, extra);
    mg_http_out_send(nc, hm, 200, &h, mg_mk_str_n(body.m.buf, body.m.len));
  }
  mbuf_free(&body.m);
  listing_entries_free(&l);
}

#endif
