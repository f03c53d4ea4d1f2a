#include "http_internal.h"

#if MG_ENABLE_HTTP

// multipart/form-data (RFC 7578 over RFC 2046): a body is
//   [preamble CRLF] "--" boundary CRLF headers CRLF CRLF data
//   CRLF "--" boundary CRLF headers ... CRLF "--" boundary "--" [epilogue]
// Blanks may follow the boundary on a delimiter line (transport padding).
// As in 6.x, bare LF line endings are accepted too, by both parsers here:
// a part's data ends at LF "--" boundary, and a CR just before that LF
// belongs to the delimiter. The sender guarantees that the delimiter never
// occurs inside a part.

#define MP_MAX_BOUNDARY 70  // RFC 2046 section 5.1.1

// Returns the offset of the first occurrence of needle (n bytes) in s
// (len bytes), or len if there is none.
static size_t mp_find(const char *s, size_t len, const char *needle, size_t n) {
  const char *p = s, *end = s + len;
  while (n > 0 && (size_t) (end - p) >= n) {
    p = (const char *) memchr(p, needle[0], (size_t) (end - p) - n + 1);
    if (p == NULL) break;
    if (memcmp(p, needle, n) == 0) return (size_t) (p - s);
    p++;
  }
  return len;
}

// Finds the end of the line that starts at s + off (s has len bytes): sets
// *eol (before its CR LF or LF) and *next (the next line). Returns 1, or 0
// if the line has no LF yet.
static int mp_line(const char *s, size_t len, size_t off, size_t *eol,
                   size_t *next) {
  const char *lf = (const char *) memchr(s + off, '\n', len - off);
  if (lf == NULL) return 0;
  *next = (size_t) (lf - s) + 1;
  *eol = *next - 1;
  if (*eol > off && s[*eol - 1] == '\r') (*eol)--;
  return 1;
}

// Length of the data before a delimiter found at lf (the offset of its LF)
// in data starting at ds: the LF and a CR before it are not data.
static size_t mp_data_len(const char *s, size_t ds, size_t lf) {
  return lf - ds - (lf > ds && s[lf - 1] == '\r');
}

// Finds the end of a part's header block at s (len bytes): the first empty
// line. dash is "--" boundary (dash_len bytes): a line starting with it is
// the next delimiter, so the block has no empty line and is malformed.
// Returns 1 with *he (the length of the header lines, each with its line
// end) and *ds (the data's start), 0 if the empty line is not there yet,
// -1 if malformed.
static int mp_header_block(const char *s, size_t len, const char *dash,
                           size_t dash_len, size_t *he, size_t *ds) {
  size_t off = 0, eol, next;
  while (mp_line(s, len, off, &eol, &next)) {
    if (eol == off) {
      *he = off, *ds = next;
      return 1;
    }
    if (eol - off >= dash_len && memcmp(s + off, dash, dash_len) == 0) {
      return -1;
    }
    off = next;
  }
  return 0;
}

// Copies parameter name of the Content-Disposition value hdr into dst (of
// dst_len bytes, at least 1), truncated if needed, NUL-terminated.
static void mp_copy_param(struct mg_str *hdr, const char *name, char *dst,
                          size_t dst_len) {
  char *p = dst;
  int n = mg_http_parse_header2(hdr, name, &p, dst_len);
  if (p != dst && p != NULL) {
    size_t len = (size_t) n < dst_len - 1 ? (size_t) n : dst_len - 1;
    memcpy(dst, p, len);
    dst[len] = '\0';
    MG_FREE(p);
  } else if (n <= 0) {
    dst[0] = '\0';
  }
}

// Finds the Content-Disposition value in a header block (len bytes of
// lines, each ending in CRLF or LF). Returns 1 and fills *cd if found.
static int mp_find_disposition(const char *s, size_t len, struct mg_str *cd) {
  static const char name[] = "Content-Disposition:";
  size_t n = sizeof(name) - 1, off = 0, eol, next;
  while (off < len) {
    if (!mp_line(s, len, off, &eol, &next)) eol = next = len;
    if (eol - off > n && mg_ncasecmp(s + off, name, n) == 0) {
      *cd = mg_strstrip(mg_mk_str_n(s + off + n, eol - off - n));
      return 1;
    }
    off = next;
  }
  return 0;
}

// Reads the first line of a buffered body, "--" boundary [blanks] (CR)LF:
// sets *dash_len (the length of "--" boundary) and *hs (the next line).
// Returns 1, 0 if the line is incomplete, the close delimiter or not a
// delimiter line.
static int mp_first_line(const char *buf, size_t len, size_t *dash_len,
                         size_t *hs) {
  size_t eol;
  if (len < 2 || buf[0] != '-' || buf[1] != '-') return 0;
  if (!mp_line(buf, len, 0, &eol, hs)) return 0;
  while (eol > 2 && (buf[eol - 1] == ' ' || buf[eol - 1] == '\t')) eol--;
  if (eol < 3 || eol > MP_MAX_BOUNDARY + 2) return 0;
  if (buf[eol - 1] == '-' && buf[eol - 2] == '-') return 0;  // Final one
  *dash_len = eol;
  return 1;
}

// Fills the names (when their buffers are usable) from the header block
// hdrs (len bytes); they stay "" without a Content-Disposition.
static void mp_fill_names(const char *hdrs, size_t len, char *var_name,
                          size_t var_name_len, char *file_name,
                          size_t file_name_len) {
  struct mg_str cd;
  if (!mp_find_disposition(hdrs, len, &cd)) return;
  if (var_name != NULL && var_name_len > 0) {
    mp_copy_param(&cd, "name", var_name, var_name_len);
  }
  if (file_name != NULL && file_name_len > 0) {
    mp_copy_param(&cd, "filename", file_name, file_name_len);
  }
}

size_t mg_parse_multipart(const char *buf, size_t buf_len, char *var_name,
                          size_t var_name_len, char *file_name,
                          size_t file_name_len, const char **chunk,
                          size_t *chunk_len) {
  char delim[MP_MAX_BOUNDARY + 3];  // LF "--" boundary
  size_t dl, hs, he, ds, lf;
  if (var_name != NULL && var_name_len > 0) var_name[0] = '\0';
  if (file_name != NULL && file_name_len > 0) file_name[0] = '\0';
  if (buf == NULL || !mp_first_line(buf, buf_len, &dl, &hs)) return 0;
  if (mp_header_block(buf + hs, buf_len - hs, buf, dl, &he, &ds) <= 0) {
    return 0;
  }
  he += hs, ds += hs;
  delim[0] = '\n';
  memcpy(delim + 1, buf, dl);
  lf = ds + mp_find(buf + ds, buf_len - ds, delim, dl + 1);
  if (lf >= buf_len) return 0;
  mp_fill_names(buf + hs, he - hs, var_name, var_name_len, file_name,
                file_name_len);
  if (chunk != NULL) *chunk = buf + ds;
  if (chunk_len != NULL) *chunk_len = mp_data_len(buf, ds, lf);
  return lf + 1;  // The next part starts at its delimiter line.
}

#if MG_ENABLE_HTTP_STREAMING_MULTIPART
// States of a streamed upload.
enum {
  MP_BEGIN,          // Expecting "--boundary" at the start of the body
  MP_PREAMBLE,       // Skipping a preamble up to the first delimiter
  MP_WAIT_BOUNDARY,  // After a delimiter: CRLF (a part) or "--" (the end)
  MP_HEADERS,        // Collecting a part's header block
  MP_DATA,           // In a part's data
  MP_FINALIZE        // After the close delimiter: skipping the epilogue
};

// Results of one step of the state machine.
enum { MP_WAIT, MP_PROGRESS, MP_ERROR };

struct mg_http_multipart_stream {
  char delim[MP_MAX_BOUNDARY + 3];  // LF "--" boundary
  size_t delim_len;                 // Bytes in delim
  int state;                        // MP_*
  int in_part;                      // PART_BEGIN sent and PART_END not yet
  char *var_name;    // The current part's name (MG_MALLOC'd) or NULL
  char *file_name;   // The current part's file name (MG_MALLOC'd) or NULL
  void *user_data;   // The handler's, kept from event to event
  size_t body_left;  // Body bytes not yet taken out of recv_mbuf
};

// Sends ev with data to the request's handler. Returns the number of data
// bytes the handler took.
static size_t mp_call(struct mg_connection *nc,
                      struct mg_http_multipart_stream *s, int ev,
                      const char *data, size_t len, int status) {
  struct mg_http_multipart_part part;
  memset(&part, 0, sizeof(part));
  part.file_name = s->file_name != NULL ? s->file_name : "";
  part.var_name = s->var_name != NULL ? s->var_name : "";
  part.data = mg_mk_str_n(data, len);
  part.status = status;
  part.user_data = s->user_data;
  mg_http_call_endpoint_handler(nc, ev, &part);
  s->user_data = part.user_data;
  if (part.num_data_consumed == 0 || part.num_data_consumed > len) return len;
  return part.num_data_consumed;
}

static void mp_end_part(struct mg_connection *nc,
                        struct mg_http_multipart_stream *s, int status) {
  if (s->in_part) mp_call(nc, s, MG_EV_HTTP_PART_END, NULL, 0, status);
  s->in_part = 0;
  MG_FREE(s->var_name);
  MG_FREE(s->file_name);
  s->var_name = s->file_name = NULL;
}

// Ends the upload: tells the handler, frees the state. An upload that went
// wrong leaves the rest of its body unread, so the connection must close
// after the answer: the leftovers are not a next request.
static void mp_finish(struct mg_connection *nc, int status) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  struct mg_http_multipart_stream *s = pd->mp;
  if (status < 0) {
    pd->must_close = 1;  // Before the events: the answer says so.
    mbuf_clear(&nc->recv_mbuf);
  }
  mp_end_part(nc, s, status);
  mp_call(nc, s, MG_EV_HTTP_MULTIPART_REQUEST_END, NULL, 0, status);
  MG_FREE(s);
  pd->mp = NULL;
}

// Length of the longest suffix of s (len bytes) that is a proper prefix of
// the delimiter, with the CR before it if there is one (or a lone CR at the
// end): those bytes may start a delimiter, so they are held back.
static size_t mp_partial_delim(const struct mg_http_multipart_stream *s,
                               const char *p, size_t len) {
  size_t k = len < s->delim_len - 1 ? len : s->delim_len - 1;
  for (; k > 0; k--) {
    if (memcmp(p + len - k, s->delim, k) == 0) break;
  }
  if (k < len && p[len - k - 1] == '\r') k++;
  return k;
}

// Extracts a parameter of the Content-Disposition value into a MG_MALLOC'd
// string ("" if absent). Returns NULL if memory ran out.
static char *mp_dup_param(struct mg_str *cd, const char *name) {
  char mem[100], *p = mem, *out;
  int n = cd == NULL ? 0 : mg_http_parse_header2(cd, name, &p, sizeof(mem));
  if (p == NULL) return NULL;
  if (n < 0) n = 0;
  if ((out = (char *) MG_MALLOC((size_t) n + 1)) != NULL) {
    memcpy(out, p, (size_t) n);
    out[n] = '\0';
  }
  if (p != mem) MG_FREE(p);
  return out;
}

// MP_BEGIN: the body should start with the delimiter minus its LF;
// anything else is a preamble.
static int mp_step_begin(struct mg_http_multipart_stream *s, const char *p,
                         size_t n, size_t *used) {
  size_t dl = s->delim_len - 1, k = n < dl ? n : dl;
  if (memcmp(p, s->delim + 1, k) != 0) {
    s->state = MP_PREAMBLE;
    return MP_PROGRESS;
  }
  if (k < dl) return MP_WAIT;
  *used = dl;
  s->state = MP_WAIT_BOUNDARY;
  return MP_PROGRESS;
}

// MP_WAIT_BOUNDARY: optional blanks (transport padding), then CRLF, LF or
// "--".
static int mp_step_after_delim(struct mg_http_multipart_stream *s,
                               const char *p, size_t n, size_t *used) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
  *used = i;
  if (i < n && p[i] == '\n') {
    s->state = MP_HEADERS;
    *used = i + 1;
    return MP_PROGRESS;
  }
  if (n - i < 2) return i > 0 ? MP_PROGRESS : MP_WAIT;
  if (p[i] == '-' && p[i + 1] == '-') {
    s->state = MP_FINALIZE;
  } else if (p[i] == '\r' && p[i + 1] == '\n') {
    s->state = MP_HEADERS;
  } else {
    return MP_ERROR;
  }
  *used = i + 2;
  return MP_PROGRESS;
}

// MP_HEADERS: waits for the whole header block, then sends PART_BEGIN. A
// block that runs into the next delimiter line, or past
// MG_MAX_HTTP_REQUEST_SIZE, is an error.
static int mp_step_headers(struct mg_connection *nc,
                           struct mg_http_multipart_stream *s, const char *p,
                           size_t n, size_t *used) {
  size_t lim = n < MG_MAX_HTTP_REQUEST_SIZE ? n : MG_MAX_HTTP_REQUEST_SIZE;
  size_t he, ds;
  struct mg_str cd;
  int has_cd, r;
  r = mp_header_block(p, lim, s->delim + 1, s->delim_len - 1, &he, &ds);
  if (r < 0 || (r == 0 && n >= MG_MAX_HTTP_REQUEST_SIZE)) return MP_ERROR;
  if (r == 0) return MP_WAIT;
  has_cd = mp_find_disposition(p, he, &cd);
  s->var_name = mp_dup_param(has_cd ? &cd : NULL, "name");
  s->file_name = mp_dup_param(has_cd ? &cd : NULL, "filename");
  if (s->var_name == NULL || s->file_name == NULL) {
    MG_ERROR(("%p multipart: out of memory", (void *) nc));
    return MP_ERROR;
  }
  *used = ds;
  s->state = MP_DATA;
  s->in_part = 1;
  mp_call(nc, s, MG_EV_HTTP_PART_BEGIN, NULL, 0, 0);
  return MP_PROGRESS;
}

// MP_DATA and MP_PREAMBLE: passes on (or, in a preamble, drops) every byte
// that cannot be the start of a delimiter; at a delimiter, ends the part.
static int mp_step_data(struct mg_connection *nc,
                        struct mg_http_multipart_stream *s, const char *p,
                        size_t n, size_t *used) {
  size_t at = mp_find(p, n, s->delim, s->delim_len), len, took;
  int in_data = s->state == MP_DATA;
  len = at < n ? mp_data_len(p, 0, at) : n - mp_partial_delim(s, p, n);
  took = len;
  if (len > 0 && in_data) {
    took = mp_call(nc, s, MG_EV_HTTP_PART_DATA, p, len, 0);
  }
  *used = took;
  if (took < len) return MP_WAIT;  // The handler wants the rest later.
  if (at >= n) return took > 0 ? MP_PROGRESS : MP_WAIT;
  if (in_data) mp_end_part(nc, s, 0);
  *used = at + s->delim_len;
  s->state = MP_WAIT_BOUNDARY;
  return MP_PROGRESS;
}

// Runs one step of the state machine over the n body bytes at p. Sets
// *used to the bytes consumed.
static int mp_step(struct mg_connection *nc, struct mg_http_multipart_stream *s,
                   const char *p, size_t n, size_t *used) {
  *used = 0;
  switch (s->state) {
    case MP_BEGIN:
      return n == 0 ? MP_WAIT : mp_step_begin(s, p, n, used);
    case MP_WAIT_BOUNDARY:
      return mp_step_after_delim(s, p, n, used);
    case MP_HEADERS:
      return mp_step_headers(nc, s, p, n, used);
    case MP_PREAMBLE:
    case MP_DATA:
      return mp_step_data(nc, s, p, n, used);
    default:  // MP_FINALIZE: the epilogue is ignored.
      *used = n;
      return n > 0 ? MP_PROGRESS : MP_WAIT;
  }
}

int mg_http_multipart_continue(struct mg_connection *nc) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  struct mg_http_multipart_stream *s = pd != NULL ? pd->mp : NULL;
  int rc = MP_PROGRESS;
  size_t avail = 0, used;
  if (s == NULL) return 0;
  while (rc == MP_PROGRESS) {
    // Bytes after the body belong to the next request.
    avail = nc->recv_mbuf.len < s->body_left ? nc->recv_mbuf.len : s->body_left;
    rc = mp_step(nc, s, nc->recv_mbuf.buf, avail, &used);
    mbuf_remove(&nc->recv_mbuf, used);
    s->body_left -= used;
    avail -= used;
  }
  if (rc == MP_ERROR) {
    mp_finish(nc, -1);
  } else if (s->state == MP_FINALIZE && s->body_left == 0) {
    mp_finish(nc, 0);
  } else if (avail == s->body_left && s->state != MP_FINALIZE) {
    // The whole rest of the body is here and does not finish the upload:
    // it ended early (unless the handler is only pacing PART_DATA).
    if (s->state != MP_DATA ||
        mp_find(nc->recv_mbuf.buf, avail, s->delim, s->delim_len) >= avail) {
      mp_finish(nc, -1);
    }
  }
  return pd->mp != NULL;
}

// Reads the boundary parameter of a multipart/form-data Content-Type into
// buf. Returns its length, 0 if the request is not such an upload.
static size_t mp_get_boundary(struct http_message *hm, char *buf, size_t size) {
  static const char type[] = "multipart/form-data";
  struct mg_str *ct = mg_get_http_header(hm, "Content-Type"), v;
  size_t n = sizeof(type) - 1;
  int len;
  if (ct == NULL) return 0;
  v = mg_strstrip(*ct);
  if (v.len < n || mg_ncasecmp(v.p, type, n) != 0) return 0;
  if (v.len > n && v.p[n] != ';' && v.p[n] != ' ' && v.p[n] != '\t') return 0;
  len = mg_http_parse_header(&v, "boundary", buf, size);
  return len > 0 ? (size_t) len : 0;
}

int mg_http_multipart_begin(struct mg_connection *nc, struct http_message *hm,
                            size_t head_len) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct mg_http_multipart_stream *s;
  struct http_message req;
  char boundary[MP_MAX_BOUNDARY + 1];
  size_t bl = mp_get_boundary(hm, boundary, sizeof(boundary));
  // Chunked uploads (no Content-Length) are buffered like other bodies.
  if (pd == NULL || pd->mp != NULL || bl == 0 ||
      mg_get_http_header(hm, "Content-Length") == NULL ||
      hm->body.len == (size_t) -1 || head_len > nc->recv_mbuf.len) {
    return 0;
  }
  if ((uint64_t) hm->body.len > (uint64_t) MG_MAX_HTTP_UPLOAD_SIZE) {
    MG_ERROR(("%p upload of %llu bytes refused (MG_MAX_HTTP_UPLOAD_SIZE)",
              (void *) nc, (unsigned long long) hm->body.len));
    return -1;
  }
  if ((s = (struct mg_http_multipart_stream *) MG_CALLOC(1, sizeof(*s))) ==
      NULL) {
    return 0;
  }
  memcpy(s->delim, "\n--", 3);
  memcpy(s->delim + 3, boundary, bl);
  s->delim_len = bl + 3;
  s->state = MP_BEGIN;
  s->body_left = hm->body.len;
  pd->mp = s;
  req = *hm;
  req.message.len = head_len;
  req.body = mg_mk_str_n(hm->message.p + head_len, 0);
  mg_http_call_endpoint_handler(nc, MG_EV_HTTP_MULTIPART_REQUEST, &req);
  mbuf_remove(&nc->recv_mbuf, head_len);
  return 1;
}

void mg_http_multipart_free(struct mg_connection *nc) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  if (pd == NULL || pd->mp == NULL) return;
  mp_finish(nc, -1);
}
#endif  // MG_ENABLE_HTTP_STREAMING_MULTIPART

#if MG_ENABLE_FILESYSTEM
// mg_file_upload_handler() state for one request, in part->user_data.
struct mp_upload {
  FILE *fp;             // The file of the current part, or NULL
  char *path;           // Its name (MG_MALLOC'd) or NULL
  uint64_t bytes;       // Bytes written to it
  int error;            // HTTP status to answer with, 0 while all is well
  struct mbuf summary;  // "Saved N bytes to NAME\n" lines
};

// True if the client's file name may name a file: no directory parts.
static int mp_safe_file_name(const char *name) {
  return name[0] != '\0' && strchr(name, '/') == NULL &&
         strchr(name, '\\') == NULL && strcmp(name, ".") != 0 &&
         strcmp(name, "..") != 0;
}

// PART_BEGIN: opens the local file for a file part.
static void mp_upload_begin(struct mg_connection *nc, struct mp_upload *u,
                            struct mg_http_multipart_part *mp,
                            mg_fu_fname_fn local_name_fn) {
  struct mg_str lfn;
  if (u->error != 0 || mp->file_name[0] == '\0') return;  // A form field
  if (!mp_safe_file_name(mp->file_name)) {
    u->error = 400;
    return;
  }
  lfn = local_name_fn(nc, mg_mk_str(mp->file_name));
  if (lfn.p == NULL || lfn.len == 0) {
    u->error = 403;
  } else if ((u->path = (char *) mg_strdup_nul(lfn).p) == NULL) {
    u->error = 500;
  } else if ((u->fp = mg_fopen(u->path, "wb")) == NULL) {
    MG_ERROR(("%p cannot open %s", (void *) nc, u->path));
    u->error = 500;
  }
  // As in 6.x, a name the callback allocated is ours to free.
  if (lfn.p != NULL && lfn.p != mp->file_name) MG_FREE((void *) lfn.p);
  u->bytes = 0;
}

// PART_END: closes the file; an unfinished one is removed.
static void mp_upload_end(struct mp_upload *u, int status) {
  char line[64];
  int n;
  if (u->fp != NULL) {
    if (fclose(u->fp) != 0 && u->error == 0) u->error = 500;
    u->fp = NULL;
    if (status < 0 || u->error != 0) {
      remove(u->path);
    } else {
      n = snprintf(line, sizeof(line), "Saved %llu bytes to ",
                   (unsigned long long) u->bytes);
      mbuf_append(&u->summary, line, (size_t) n);
      mbuf_append(&u->summary, u->path, strlen(u->path));
      mbuf_append(&u->summary, "\n", 1);
    }
  }
  MG_FREE(u->path);
  u->path = NULL;
}

// REQUEST_END: answers and frees the state.
static void mp_upload_answer(struct mg_connection *nc, struct mp_upload *u,
                             int status) {
  if (u->error == 0 && status < 0) u->error = 400;
  if (u->error != 0) {
    mg_http_send_error(nc, u->error, NULL);
  } else {
    mg_send_head(nc, 200, (int64_t) u->summary.len,
                 "Content-Type: text/plain; charset=utf-8");
    mg_send(nc, u->summary.buf, (int) u->summary.len);
  }
}

void mg_file_upload_handler(struct mg_connection *nc, int ev, void *ev_data,
                            mg_fu_fname_fn local_name_fn
                                MG_UD_ARG(void *user_data)) {
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  struct mp_upload *u;
  MG_UD_UNUSED;
  if (ev < MG_EV_HTTP_PART_BEGIN || ev > MG_EV_HTTP_MULTIPART_REQUEST_END) {
    return;
  }
  u = (struct mp_upload *) mp->user_data;
  if (u == NULL) {
    // The state lives for the whole request: user_data is kept by the
    // stream from event to event.
    if ((u = (struct mp_upload *) MG_CALLOC(1, sizeof(*u))) == NULL) {
      mg_http_send_error(nc, 500, NULL);
      nc->flags |= MG_F_SEND_AND_CLOSE;
      return;
    }
    mp->user_data = u;
  }
  if (ev == MG_EV_HTTP_PART_BEGIN) {
    mp_upload_begin(nc, u, mp, local_name_fn);
  } else if (ev == MG_EV_HTTP_PART_DATA && u->fp != NULL && u->error == 0) {
    if (mg_fwrite(mp->data.p, 1, mp->data.len, u->fp) != mp->data.len) {
      u->error = 500;
    }
    u->bytes += mp->data.len;
  } else if (ev == MG_EV_HTTP_PART_END) {
    mp_upload_end(u, mp->status);
  } else if (ev == MG_EV_HTTP_MULTIPART_REQUEST_END) {
    mp_upload_end(u, mp->status);
    mp_upload_answer(nc, u, mp->status);
    mbuf_free(&u->summary);
    MG_FREE(u);
    mp->user_data = NULL;
  }
}
#endif  // MG_ENABLE_FILESYSTEM

#endif  // MG_ENABLE_HTTP
