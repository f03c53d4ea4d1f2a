#include "http_internal.h"

// Server-side includes (6.x): files matching ssi_pattern are sent with
// their directives replaced:
//   <!--#include virtual="path" -->  path from the document root
//   <!--#include file="path" -->     path from the including file's folder
//   <!--#include "path" -->          the same as file=
//   <!--#include abspath="path" -->  a file-system path, as written
//   <!--#exec "command" -->          the command's output (needs
//                                    MG_ENABLE_HTTP_SSI_EXEC)
//   <!--#call arg -->                MG_EV_SSI_CALL (char *arg), then
//                                    MG_EV_SSI_CALL_CTX (mg_ssi_call_ctx)
// An included file that matches ssi_pattern is processed too, up to
// MG_MAX_SSI_DEPTH files deep; others are copied as they are.
//
// - Streamed: the page is produced as the socket drains, at most
//   HTTP_SSI_ROUND bytes of file per round; memory stays flat whatever the
//   sizes of the files.
// - The body has no known length: chunked for HTTP/1.1, to the close for
//   HTTP/1.0. What a "call" handler writes with mg_printf() goes into the
//   chunk of its round.
// - virtual= and file= go through the document root's checks (no "..",
//   no way out through a symlink, hidden files refused); a failed include
//   is logged and leaves an HTML comment in the page.
// - "exec" runs the command with popen(): the poll loop waits while it
//   runs; it is for trusted pages only, and off by default.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_SSI

#define HTTP_SSI_ROUND 16384        // File bytes looked at per round
#define HTTP_SSI_MAX_DIRECTIVE 512  // Longest "<!--# ... -->"
#define HTTP_SSI_HIGH_WATER 65536   // Rounds stop with this much queued

struct ssi_file {
  FILE *fp;
  char *path;   // MG_MALLOC'd
  int raw;      // Copied as is, no directives
  int is_pipe;  // From popen(): pclose() it
};

struct mg_http_ssi {
  struct ssi_file f[MG_MAX_SSI_DEPTH];
  int depth;    // Open files in f
  int chunked;  // Body chunked (HTTP/1.1), else to the close
  char tag[HTTP_SSI_MAX_DIRECTIVE + 1];
  size_t tag_len;                  // Bytes of a possible directive held in tag
  struct mg_serve_http_opts opts;  // root, ssi and hidden patterns (copies)
  char *strs;                      // The copies' storage
  char *head;                      // A copy of the request head, for ..._CTX
  struct http_message req;         // Parsed from head
};

static const char *s_ssi_open = "<!--#";

static void ssi_close_top(struct mg_http_ssi *s) {
  struct ssi_file *f = &s->f[--s->depth];
#if MG_ENABLE_HTTP_SSI_EXEC
  if (f->is_pipe) {
    pclose(f->fp);
  } else
#endif
  {
    fclose(f->fp);
  }
  MG_FREE(f->path);
  memset(f, 0, sizeof(*f));
}

void mg_http_ssi_free(struct mg_http_proto_data *pd) {
  struct mg_http_ssi *s = pd->ssi;
  if (s == NULL) return;
  while (s->depth > 0) ssi_close_top(s);
  MG_FREE(s->strs);
  MG_FREE(s->head);
  MG_FREE(s);
  pd->ssi = NULL;
}

// True if path's name matches the SSI pattern (default *.shtml, *.shtm).
static int ssi_matches(const char *pattern, const char *path) {
  struct mg_str p = mg_mk_str(pattern != NULL ? pattern : MG_SSI_PATTERN);
  return mg_match_prefix_n(p, mg_mk_str(path)) == strlen(path);
}

int mg_http_is_ssi(const struct mg_serve_http_opts *o, const char *path) {
  return ssi_matches(o->ssi_pattern, path);
}

// Pushes the open file fp as the current one (taken over if it returns 1;
// the caller closes it on 0).
static int ssi_push(struct mg_http_ssi *s, FILE *fp, const char *path,
                    int is_pipe) {
  struct ssi_file *f;
  if (s->depth >= MG_MAX_SSI_DEPTH) {
    MG_ERROR(("SSI: %s: more than %d files deep", path, MG_MAX_SSI_DEPTH));
    return 0;
  }
  f = &s->f[s->depth];
  if ((f->path = (char *) mg_strdup_nul(mg_mk_str(path)).p) == NULL) return 0;
  f->fp = fp;
  f->is_pipe = is_pipe;
  f->raw = is_pipe || !ssi_matches(s->opts.ssi_pattern, path);
  s->depth++;
  return 1;
}

// Opens the local file path for an include, checked against the root
// unless it is an abspath. Returns 1 if pushed.
static int ssi_open(struct mg_http_ssi *s, const char *path, int check) {
  struct mg_http_open_file of;
  FILE *fp;
  memset(&of, 0, sizeof(of));
  of.fd = -1;
  if (check) {
    if (mg_http_path_hidden(&s->opts, path) ||
        !mg_http_path_open_inside(s->opts.document_root, path, &of)) {
      MG_ERROR(("SSI: %s: missing, outside the root or hidden", path));
      return 0;
    }
  } else {
    of.fd = mg_http_open_ro(path);
    if (of.fd >= 0 && fstat(of.fd, &of.st) != 0) {
      close(of.fd);
      of.fd = -1;
    }
  }
  if (of.fd < 0 || !S_ISREG(of.st.st_mode)) {
    MG_ERROR(("SSI: cannot include %s", path));
    if (of.fd >= 0) close(of.fd);
    return 0;
  }
  if ((fp = fdopen(of.fd, "rb")) == NULL) {
    close(of.fd);
    return 0;
  }
  if (ssi_push(s, fp, path, 0)) return 1;
  fclose(fp);
  return 0;
}

// The path an include names: virtual= from the root (through the URI
// path rules), file= or bare from the current file's folder, abspath= as
// it is. MG_MALLOC'd, NULL if refused; *check says whether the root
// checks apply.
static char *ssi_include_path(struct mg_http_ssi *s, struct mg_str kind,
                              struct mg_str arg, int *check) {
  const char *cur = s->f[s->depth - 1].path, *slash = strrchr(cur, '/');
  char *uri, *decoded = NULL, *path = NULL;
  size_t root_len;
  *check = 1;
  if (mg_vcmp(&kind, "abspath") == 0) {
    *check = 0;
    return (char *) mg_strdup_nul(arg).p;
  }
  if (mg_vcmp(&kind, "virtual") == 0) {
    uri = NULL;
    mg_asprintf(&uri, 0, "%s%.*s", arg.len > 0 && arg.p[0] == '/' ? "" : "/",
                (int) arg.len, arg.p);
    if (uri != NULL && mg_http_path_decode(mg_mk_str(uri), &decoded) == 0) {
      path = mg_http_path_join(s->opts.document_root, decoded, &root_len);
    }
    MG_FREE(uri);
    MG_FREE(decoded);
    return path;
  }
  if (kind.len > 0 && mg_vcmp(&kind, "file") != 0) return NULL;
  // file=: no way up, then relative to the including file.
  if (arg.len == 0 || arg.p[0] == '/' || mg_strstr(arg, mg_mk_str("..")) ||
      mg_strchr(arg, '\\') != NULL) {
    return NULL;
  }
  mg_asprintf(&path, 0, "%.*s/%.*s", slash == NULL ? 1 : (int) (slash - cur),
              slash == NULL ? "." : cur, (int) arg.len, arg.p);
  return path;
}

// Splits `key="value"` (or `"value"`) at p (n bytes). Returns 0 if it is
// neither.
static int ssi_arg(struct mg_str a, struct mg_str *key, struct mg_str *val) {
  const char *q = mg_strchr(a, '"'), *e;
  if (q == NULL) return 0;
  *key = mg_strstrip(mg_mk_str_n(a.p, (size_t) (q - a.p)));
  if (key->len > 0 && key->p[key->len - 1] == '=') key->len--;
  key->len = mg_strstrip(*key).len;
  e = (const char *) memchr(q + 1, '"', (size_t) (a.p + a.len - q - 1));
  if (e == NULL) return 0;
  *val = mg_mk_str_n(q + 1, (size_t) (e - q - 1));
  return 1;
}

static void ssi_comment(struct mg_connection *nc, const char *what) {
  mg_printf(nc, "<!-- SSI: %s -->", what);
}

// The page cannot be what it should: the response is cut (no last chunk,
// or short of the close), so the client sees it incomplete, not whole.
static void ssi_out_of_memory(struct mg_connection *nc) {
  MG_ERROR(("%p SSI: out of memory, response cut", (void *) nc));
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

static void ssi_include(struct mg_connection *nc, struct mg_http_ssi *s,
                        struct mg_str args) {
  struct mg_str key, val;
  char *path;
  int check, ok;
  errno = 0;
  if (!ssi_arg(args, &key, &val) ||
      (path = ssi_include_path(s, key, val, &check)) == NULL) {
    if (errno == ENOMEM) {
      ssi_out_of_memory(nc);
      return;
    }
    MG_ERROR(("SSI: bad include \"%.*s\"", (int) args.len, args.p));
    ssi_comment(nc, "bad include");
    return;
  }
  errno = 0;
  ok = ssi_open(s, path, check);
  MG_FREE(path);
  if (!ok && errno == ENOMEM) {
    ssi_out_of_memory(nc);
  } else if (!ok) {
    ssi_comment(nc, "include failed");
  }
}

static void ssi_exec(struct mg_connection *nc, struct mg_http_ssi *s,
                     struct mg_str args) {
#if MG_ENABLE_HTTP_SSI_EXEC
  struct mg_str key, val;
  char *cmd;
  FILE *fp;
  if (!ssi_arg(args, &key, &val) || key.len > 0 ||
      (cmd = (char *) mg_strdup_nul(val).p) == NULL) {
    ssi_comment(nc, "bad exec");
    return;
  }
  fflush(NULL);
  if ((fp = popen(cmd, "r")) == NULL || !ssi_push(s, fp, cmd, 1)) {
    if (fp != NULL) pclose(fp);
    MG_ERROR(("SSI: cannot run %s", cmd));
    ssi_comment(nc, "exec failed");
  }
  MG_FREE(cmd);
#else
  (void) s, (void) args;
  MG_ERROR(("SSI: exec \"%.*s\" refused: MG_ENABLE_HTTP_SSI_EXEC is 0",
            (int) args.len, args.p));
  ssi_comment(nc, "exec not enabled");
#endif
}

// "call arg": the handler writes what replaces it.
static void ssi_call(struct mg_connection *nc, struct mg_http_ssi *s,
                     struct mg_str arg) {
  struct mg_ssi_call_ctx ctx;
  char *a = (char *) mg_strdup_nul(mg_strstrip(arg)).p;
  if (a == NULL) return;
  mg_http_call_endpoint_handler(nc, MG_EV_SSI_CALL, a);
  memset(&ctx, 0, sizeof(ctx));
  ctx.req = &s->req;
  ctx.file = mg_mk_str(s->f[s->depth - 1].path);
  ctx.arg = mg_mk_str(a);
  mg_http_call_endpoint_handler(nc, MG_EV_SSI_CALL_CTX, &ctx);
  MG_FREE(a);
}

// Runs the directive held in s->tag ("<!--#" ... "-->").
static void ssi_directive(struct mg_connection *nc, struct mg_http_ssi *s) {
  struct mg_str d = mg_mk_str_n(s->tag + 5, s->tag_len - 5 - 3), name;
  size_t i = 0;
  while (i < d.len && isalpha((unsigned char) d.p[i])) i++;
  name = mg_mk_str_n(d.p, i);
  d = mg_mk_str_n(d.p + i, d.len - i);
  s->tag_len = 0;
  if (mg_vcmp(&name, "include") == 0) {
    ssi_include(nc, s, d);
  } else if (mg_vcmp(&name, "exec") == 0) {
    ssi_exec(nc, s, d);
  } else if (mg_vcmp(&name, "call") == 0) {
    ssi_call(nc, s, d);
  } else {
    MG_ERROR(("SSI: unknown directive \"%.*s\"", (int) name.len, name.p));
    ssi_comment(nc, "unknown directive");
  }
}

// Feeds one byte of a processed file. Returns 1 if a directive ran (the
// current file may have changed).
static int ssi_byte(struct mg_connection *nc, struct mg_http_ssi *s, char c) {
  size_t n = s->tag_len;
  if (n < 5) {
    if (c == s_ssi_open[n]) {
      s->tag[s->tag_len++] = c;
      return 0;
    }
    if (n > 0) mg_send(nc, s->tag, (int) n);
    s->tag_len = 0;
    if (c == s_ssi_open[0]) {
      s->tag[s->tag_len++] = c;
    } else {
      mg_send(nc, &c, 1);
    }
    return 0;
  }
  s->tag[s->tag_len++] = c;
  if (s->tag_len >= 8 && memcmp(s->tag + s->tag_len - 3, "-->", 3) == 0) {
    ssi_directive(nc, s);
    return 1;
  }
  if (s->tag_len >= HTTP_SSI_MAX_DIRECTIVE) {
    MG_ERROR(("SSI: directive longer than %d bytes", HTTP_SSI_MAX_DIRECTIVE));
    mg_send(nc, s->tag, (int) s->tag_len);  // Not a directive: text
    s->tag_len = 0;
  }
  return 0;
}

// One round: up to HTTP_SSI_ROUND bytes of the current file. Returns 0 at
// the end of the page.
static int ssi_round(struct mg_connection *nc, struct mg_http_ssi *s) {
  char buf[1024];
  size_t n, i, budget = HTTP_SSI_ROUND;
  struct ssi_file *f;
  while (budget > 0 && s->depth > 0) {
    f = &s->f[s->depth - 1];
    n = fread(buf, 1, sizeof(buf) < budget ? sizeof(buf) : budget, f->fp);
    if (n == 0) {
      if (!f->raw && s->tag_len > 0) {  // A cut "<!--#...": text
        mg_send(nc, s->tag, (int) s->tag_len);
        s->tag_len = 0;
      }
      ssi_close_top(s);
      continue;
    }
    budget -= n;
    if (f->raw) {
      mg_send(nc, buf, (int) n);
      continue;
    }
    for (i = 0; i < n; i++) {
      if (ssi_byte(nc, s, buf[i]) && s->f[s->depth - 1].fp != f->fp) {
        // An include opened: go on with it, the rest of buf after it.
        if (fseeko(f->fp, (off_t) (i + 1) - (off_t) n, SEEK_CUR) != 0) {
          MG_ERROR(("SSI: %s: seek failed", f->path));
        }
        break;
      }
    }
  }
  return s->depth > 0;
}

void mg_http_ssi_continue(struct mg_connection *nc) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  struct mg_http_ssi *s = pd != NULL ? pd->ssi : NULL;
  size_t start;
  char size[24];
  int more = 1, k;
  if (s == NULL) return;
  while (more && nc->send_mbuf.len < HTTP_SSI_HIGH_WATER &&
         !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    start = nc->send_mbuf.len;
    more = ssi_round(nc, s);
    // This round's bytes (and what a "call" handler wrote) are one chunk.
    if (s->chunked && nc->send_mbuf.len > start) {
      k = snprintf(size, sizeof(size), "%lx\r\n",
                   (unsigned long) (nc->send_mbuf.len - start));
      mbuf_insert(&nc->send_mbuf, start, size, (size_t) k);
      mbuf_append(&nc->send_mbuf, "\r\n", 2);
    }
  }
  if (more) return;
  if (s->chunked) mg_send_http_chunk(nc, "", 0);
  mg_http_ssi_free(pd);
}

// Copies the options the page needs: the root, the patterns.
static int ssi_copy_opts(struct mg_http_ssi *s, const char *root,
                         const struct mg_serve_http_opts *o) {
  const char *src[4];
  const char **dst[4];
  size_t len = 0, i, k;
  char *p;
  src[0] = root, dst[0] = &s->opts.document_root;
  src[1] = o->ssi_pattern, dst[1] = &s->opts.ssi_pattern;
  src[2] = o->hidden_file_pattern, dst[2] = &s->opts.hidden_file_pattern;
  src[3] = o->per_directory_auth_file,
  dst[3] = &s->opts.per_directory_auth_file;
  for (i = 0; i < 4; i++) len += src[i] != NULL ? strlen(src[i]) + 1 : 0;
  if ((p = s->strs = (char *) MG_MALLOC(len + 1)) == NULL) return 0;
  for (i = 0; i < 4; i++) {
    if (src[i] == NULL) continue;
    k = strlen(src[i]) + 1;
    memcpy(p, src[i], k);
    *dst[i] = p;
    p += k;
  }
  return 1;
}

// A copy of the request head, parsed again, for MG_EV_SSI_CALL_CTX.
static int ssi_copy_request(struct mg_http_ssi *s, struct http_message *hm) {
  size_t n = (size_t) (hm->body.p - hm->message.p);
  int status;
  if (hm->body.p == NULL || hm->body.p < hm->message.p) n = hm->message.len;
  if ((s->head = (char *) MG_MALLOC(n + 1)) == NULL) return 0;
  memcpy(s->head, hm->message.p, n);
  s->head[n] = '\0';
  if (mg_http_parse(s->head, n, &s->req, 1, &status) <= 0) {
    memset(&s->req, 0, sizeof(s->req));
  }
  s->req.body = mg_mk_str_n(s->head + n, 0);
  return 1;
}

void mg_http_serve_ssi(struct mg_connection *nc, struct http_message *hm,
                       const char *path, int fd, const char *root,
                       const struct mg_serve_http_opts *o,
                       struct mg_str extra) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct mg_http_ssi *s = NULL;
  struct mg_http_out h;
  FILE *fp = fdopen(fd, "rb");
  int is_head = mg_vcmp(&hm->method, "HEAD") == 0;
  int http10 = mg_vcmp(&hm->proto, "HTTP/1.0") == 0;
  memset(&h, 0, sizeof(h));
  if (fp == NULL) close(fd);
  if (fp != NULL && pd != NULL) {
    s = (struct mg_http_ssi *) MG_CALLOC(1, sizeof(*s));
  }
  if (s == NULL) {
    if (fp != NULL) fclose(fp);
    MG_ERROR(("%p SSI: out of memory (or the file would not open), 500",
              (void *) nc));
    mg_http_send_error(nc, 500, NULL);
    return;
  }
  mg_http_free_file_state(&pd->file);
  mg_http_ssi_free(pd);
  pd->ssi = s;  // From here mg_http_ssi_free() cleans up
  if (!ssi_copy_opts(s, root, o) || !ssi_copy_request(s, hm) ||
      !ssi_push(s, fp, path, 0)) {
    if (s->depth == 0) fclose(fp);
    mg_http_ssi_free(pd);
    MG_ERROR(("%p SSI: out of memory, 500", (void *) nc));
    mg_http_send_error(nc, 500, NULL);
    return;
  }
  s->f[0].raw = 0;  // The page itself is processed whatever its name
  mg_http_out_hdr(&h, "Content-Type: text/html; charset=utf-8");
  mg_http_out_hdr_block(&h, extra);
  if (mg_http_out_str(&h) == NULL) {
    mg_http_ssi_free(pd);
    MG_ERROR(("%p SSI: out of memory, 500", (void *) nc));
    mg_http_send_error(nc, 500, NULL);
  } else if (is_head || http10) {
    // No length can be given: HTTP/1.0 reads to the close; HEAD says
    // what GET would (chunked) and stops.
    if (http10) pd->must_close = 1;
    mg_send_response_line(nc, 200, h.m.buf);
    if (!http10) mg_printf(nc, "%s", "Transfer-Encoding: chunked\r\n");
    mg_send(nc, "\r\n", 2);
    if (is_head) {
      mg_http_ssi_free(pd);
    } else {
      mg_http_ssi_continue(nc);
    }
  } else {
    s->chunked = 1;
    mg_send_head(nc, 200, -1, h.m.buf);
    mg_http_ssi_continue(nc);
  }
  mbuf_free(&h.m);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_SSI
