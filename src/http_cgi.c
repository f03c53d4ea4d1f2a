#include "compat.h"
#include "http_internal.h"
#include "uri.h"

// CGI/1.1 (RFC 3875) for mg_serve_http(). A script runs in a child
// process (fork + execve) whose stdin and stdout are two socketpairs; the
// parent ends are connections of the manager, so the poll loop moves the
// bytes and nothing blocks:
// - stdin: the request body (already buffered by the server, up to
//   MG_MAX_HTTP_BODY_SIZE) is queued on the "in" connection, which closes
//   once it is written: the script sees EOF. Started on
//   MG_EV_HTTP_REQUEST_HEAD, the script gets the body as it arrives
//   instead (mg_http_cgi_feed): at most MG_CGI_HIGH_WATER bytes wait for
//   its stdin, and the client is not read while they do.
// - stdout: the "out" connection collects the script's header block
//   (Status:, Location:, other fields), turns it into the response head,
//   then relays the body as it comes: with the script's Content-Length,
//   else chunked (HTTP/1.1) or close-delimited (HTTP/1.0). It reads only
//   while the client's send buffer is below MG_CGI_HIGH_WATER.
// - stderr: the server's stderr, inherited.
// - The out connection lives until the child is reaped (waitpid WNOHANG
//   on every MG_EV_POLL and MG_EV_TIMER; no SIGCHLD handler). A script
//   silent for MG_CGI_TIMEOUT seconds, or whose client went away, is
//   killed with its process group (SIGKILL). If the manager is freed
//   first, the child is killed and waited for (SIGKILL: a bounded wait).
// - The child gets only descriptors 0, 1 and 2: every other one is closed
//   before execve.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI

#define CGI_DEFAULT_PATTERN "**.cgi$|**.php$"
#define MG_CGI_HIGH_WATER (64 * 1024)  // Client send_mbuf fill we relay up to

// One running script: the out connection's user_data.
struct cgi_state {
  struct mg_connection *client;  // The HTTP connection; NULL once detached
  struct mg_connection *out;     // The child's stdout
  struct mg_connection *in;      // The child's stdin; NULL once closed
  pid_t pid;                     // The child (and its process group)
  double last_io;                // Last byte from or to the child
  int64_t remaining;             // Content-Length bytes still to relay; -1
  unsigned char head_sent;       // The response head went to the client
  unsigned char chunked;         // HTTP/1.1 request: a body without a
                                 // Content-Length goes out chunked
  unsigned char no_body;         // HEAD, 204, 304: the body is dropped
  unsigned char reaped;          // waitpid() returned the child
  unsigned char killed;          // SIGKILL sent
  char *extra;                   // extra_headers (MG_MALLOC'd copy)
  char *req;                     // The request head (MG_MALLOC'd copy), for
  size_t req_len;                // a local redirect
};

#define CGI_MAX_LOCAL_REDIRECTS 8  // Per request; more: 500

// ---- Finding the script -----------------------------------------------------

// True if path names a regular file inside root that the pattern matches;
// -1 if memory ran out checking that.
static int cgi_is_script(const struct mg_serve_http_opts *o, const char *root,
                         const char *path, int *stop) {
  const char *pat = o->cgi_file_pattern;
  struct mg_http_open_file f;
  int inside;
  if (pat == NULL) pat = CGI_DEFAULT_PATTERN;
  *stop = 0;
  if (mg_stat(path, &f.st) != 0) return 0;
  *stop = 1;  // Something exists here: the search ends either way
  if (!S_ISREG(f.st.st_mode) || *pat == '\0' ||
      mg_match_prefix(pat, (int) strlen(pat), path) == 0) {
    return 0;
  }
  f.fd = -1;
  inside = mg_http_path_open_inside(root, path, &f);
  if (inside == 0 && errno == ENOMEM) return -1;
  if (f.fd >= 0) close(f.fd);
  return inside;
}

size_t mg_http_cgi_find(const struct mg_serve_http_opts *o, const char *root,
                        const char *local, size_t root_len) {
  size_t n = strlen(local), len = n, found = 0;
  char *p = (char *) MG_MALLOC(n + 1);
  int stop = 0, is;
  if (p == NULL) return (size_t) -1;
  memcpy(p, local, n + 1);
  while (len > root_len && !stop) {
    if (local[len] == '\0' || local[len] == '/') {
      p[len] = '\0';
      if ((is = cgi_is_script(o, root, p, &stop)) < 0) {
        found = (size_t) -1;
        break;
      }
      if (is) found = len;
    }
    len--;
  }
  MG_FREE(p);
  return found;
}

// ---- The child
// ---------------------------------------------------------------

// Closes every descriptor from 3 up.
static void cgi_close_from_3(void) {
  long i, max = sysconf(_SC_OPEN_MAX);
#if defined(__linux__) && defined(SYS_close_range)
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
  if (max < 0 || max > 65536) max = 65536;
  for (i = 3; i < max; i++) close((int) i);
}

// In the child: only async-signal-safe calls until execve.
static void cgi_child(const char *dir, char **argv, char **envp, int in_fd,
                      int out_fd) {
  static const char msg[] =
      "Status: 500 Internal Server Error\r\n"
      "Content-Type: text/plain\r\n\r\nCGI: cannot run the script\n";
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);  // The server may ignore it; the script not
  setpgid(0, 0);             // Its own group, killed as one
  if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0) _exit(127);
  cgi_close_from_3();
  if (chdir(dir) == 0) execve(argv[0], argv, envp);
  if (write(1, msg, sizeof(msg) - 1) < 0) _exit(126);
  _exit(127);
}

// ---- Relaying the output ----------------------------------------------------

static struct mg_http_proto_data *cgi_pd(struct mg_connection *c) {
  return (struct mg_http_proto_data *) c->proto_data;
}

// Length of the header block at the start of s (up to and including the
// empty line; LF or CRLF line ends), 0 if it is not complete.
static size_t cgi_head_len(struct mg_str s) {
  size_t i;
  for (i = 0; i < s.len; i++) {
    if (s.p[i] != '\n') continue;
    if (i + 1 < s.len && s.p[i + 1] == '\n') return i + 2;
    if (i + 2 < s.len && s.p[i + 1] == '\r' && s.p[i + 2] == '\n') return i + 3;
  }
  return 0;
}

// The client gets nothing more from this script.
static void cgi_unlink_client(struct cgi_state *st) {
  if (st->client != NULL && cgi_pd(st->client) != NULL) {
    cgi_pd(st->client)->cgi = NULL;
  }
  st->client = NULL;
}

// Kills the script's process group.
static void cgi_kill(struct cgi_state *st) {
  if (st->reaped || st->killed) return;
  kill(-st->pid, SIGKILL);
  kill(st->pid, SIGKILL);
  st->killed = 1;
}

// Ends the response: an error if no head went out yet, else the body is
// cut (the connection closes); then the client is detached.
static void cgi_fail(struct cgi_state *st, int code) {
  struct mg_connection *c = st->client;
  MG_DEBUG(("%p CGI pid %d fails: %d", (void *) c, (int) st->pid, code));
  if (c == NULL) return;
  if (!st->head_sent) {
    mg_http_send_error(c, code, NULL);
  } else {
    cgi_pd(c)->must_close = 1;
    c->flags |= MG_F_SEND_AND_CLOSE;
  }
  cgi_unlink_client(st);
}

// Parses the status field value "NNN reason". Returns the code, 0 if bad.
static int cgi_parse_status(struct mg_str v, struct mg_str *reason) {
  int code;
  if (v.len < 3 || !isdigit((unsigned char) v.p[0]) ||
      !isdigit((unsigned char) v.p[1]) || !isdigit((unsigned char) v.p[2]) ||
      (v.len > 3 && v.p[3] != ' ')) {
    return 0;
  }
  code = (v.p[0] - '0') * 100 + (v.p[1] - '0') * 10 + (v.p[2] - '0');
  *reason = mg_strstrip(mg_mk_str_n(v.p + 3, v.len - 3));
  return code >= 200 && code <= 599 ? code : 0;
}

// Parses a Content-Length value; -1 if it is not a plain number.
static int64_t cgi_parse_length(struct mg_str v) {
  int64_t n = 0;
  size_t i;
  if (v.len == 0 || v.len > 18) return -1;
  for (i = 0; i < v.len; i++) {
    if (!isdigit((unsigned char) v.p[i])) return -1;
    n = n * 10 + (v.p[i] - '0');
  }
  return n;
}

// The parsed header block of the script.
struct cgi_head {
  int code;              // 0 until a Status: field
  struct mg_str reason;  // From Status:, else empty
  int has_location;      // A Location: field
  int has_status;        // A Status: field
  int other_fields;      // Fields other than Location
  struct mg_str location;
  int64_t length;        // Content-Length, -1 if none
  struct mg_http_out h;  // The fields to pass on, "K: V" CRLF-separated
};

// One "Name: value" line (no line end). Returns 0 if it is malformed.
static int cgi_head_field(struct cgi_head *hd, struct mg_str line) {
  const char *colon = mg_strchr(line, ':');
  struct mg_str name, value;
  // A bare CR or a NUL would reach the client as part of the head.
  if (colon == NULL || colon == line.p || mg_strchr(line, '\r') != NULL ||
      memchr(line.p, '\0', line.len) != NULL) {
    return 0;
  }
  name = mg_strstrip(mg_mk_str_n(line.p, (size_t) (colon - line.p)));
  value = mg_strstrip(
      mg_mk_str_n(colon + 1, (size_t) (line.p + line.len - colon - 1)));
  if (mg_vcasecmp(&name, "Location") != 0) hd->other_fields++;
  if (mg_vcasecmp(&name, "Status") == 0) {
    hd->has_status = 1;
    return (hd->code = cgi_parse_status(value, &hd->reason)) != 0;
  }
  if (mg_vcasecmp(&name, "Content-Length") == 0) {
    return (hd->length = cgi_parse_length(value)) >= 0;
  }
  // Framing and the connection are ours to decide.
  if (mg_vcasecmp(&name, "Transfer-Encoding") == 0 ||
      mg_vcasecmp(&name, "Connection") == 0 ||
      mg_vcasecmp(&name, "Keep-Alive") == 0) {
    return 1;
  }
  if (mg_vcasecmp(&name, "Location") == 0) {
    hd->has_location = 1;
    hd->location = value;
  }
  mg_http_out_hdr(&hd->h, "%.*s: %.*s", (int) name.len, name.p, (int) value.len,
                  value.p);
  return 1;
}

// Parses the header block (head.len bytes, the empty line included).
static int cgi_head_parse(struct cgi_head *hd, struct mg_str head) {
  const char *p = head.p, *end = head.p + head.len, *nl;
  struct mg_str line;
  while (p < end && (nl = (const char *) memchr(p, '\n', (size_t) (end - p)))) {
    line = mg_mk_str_n(p, (size_t) (nl - p));
    if (line.len > 0 && line.p[line.len - 1] == '\r') line.len--;
    p = nl + 1;
    if (line.len == 0) break;
    if (!cgi_head_field(hd, line)) return 0;
  }
  if (hd->code == 0) hd->code = hd->has_location ? 302 : 200;
  if (hd->reason.len == 0)
    hd->reason = mg_mk_str(mg_http_status_message(hd->code));
  return !hd->h.failed;
}

// Sends the response head for hd, choosing the body framing.
static void cgi_send_head(struct cgi_state *st, struct cgi_head *hd) {
  struct mg_connection *c = st->client;
  struct mg_http_proto_data *pd = cgi_pd(c);
  struct mg_str extra = mg_strstrip(mg_mk_str(st->extra));
  int no_body = hd->code == 204 || hd->code == 304;
  mg_printf(c, "HTTP/1.1 %d %.*s\r\n", hd->code, (int) hd->reason.len,
            hd->reason.p);
  if (hd->h.m.len > 0) mg_printf(c, "%.*s\r\n", (int) hd->h.m.len, hd->h.m.buf);
  if (extra.len > 0) mg_printf(c, "%.*s\r\n", (int) extra.len, extra.p);
  st->remaining = -1;
  if (no_body) {
  } else if (hd->length >= 0) {
    mg_printf(c, "Content-Length: %lld\r\n", (long long) hd->length);
    st->remaining = hd->length;
  } else if (st->chunked) {  // An HTTP/1.1 request
    mg_printf(c, "%s", "Transfer-Encoding: chunked\r\n");
  } else {
    st->chunked = 0;
    pd->must_close = 1;  // The body runs to the close
  }
  if (st->chunked && (no_body || hd->length >= 0)) st->chunked = 0;
  if (pd->must_close) {
    mg_printf(c, "%s", "Connection: close\r\n");
  } else if (pd->keep_alive_10) {
    mg_printf(c, "%s", "Connection: keep-alive\r\n");
  }
  mg_send(c, "\r\n", 2);
  st->no_body = (unsigned char) (no_body || pd->is_head);
  st->head_sent = 1;
}

// RFC 3875 6.2.2: a lone "Location: /path?query" (a local-pathquery) is
// a local redirect: the script is done (killed, any body dropped) and
// the client gets what a GET (HEAD for a HEAD) of that URI with the same
// header fields gives: the request goes to the connection's handler
// again. Returns 0 if it could not be made (500).
static int cgi_local_redirect(struct cgi_state *st, struct mg_str loc) {
  struct mg_connection *c = st->client;
  struct mg_http_proto_data *pd = cgi_pd(c);
  struct http_message orig, hm;
  struct mg_http_out m;
  int i, ok, status = 0;
  memset(&m, 0, sizeof(m));
  ok = st->req != NULL && pd->cgi_redirects < CGI_MAX_LOCAL_REDIRECTS &&
       mg_http_parse(st->req, st->req_len, &orig, 1, &status) > 0;
  if (ok) {
    mg_http_out_printf(&m, "%s %.*s %.*s\r\n", pd->is_head ? "HEAD" : "GET",
                       (int) loc.len, loc.p, (int) orig.proto.len,
                       orig.proto.p);
    for (i = 0; i < MG_MAX_HTTP_HEADERS && orig.header_names[i].len > 0; i++) {
      struct mg_str *n = &orig.header_names[i], *v = &orig.header_values[i];
      if (mg_vcasecmp(n, "Content-Length") == 0 ||
          mg_vcasecmp(n, "Transfer-Encoding") == 0 ||
          mg_vcasecmp(n, "Content-Type") == 0 ||
          mg_vcasecmp(n, "Expect") == 0) {
        continue;
      }
      mg_http_out_printf(&m, "%.*s: %.*s\r\n", (int) n->len, n->p, (int) v->len,
                         v->p);
    }
    mg_http_out_printf(&m, "%s", "\r\n");
    ok = !m.failed && mg_http_parse(m.m.buf, m.m.len, &hm, 1, &status) > 0;
  }
  if (!ok) {
    MG_ERROR(("%p CGI local redirect to %.*s failed", (void *) c, (int) loc.len,
              loc.p));
    mbuf_free(&m.m);
    return 0;
  }
  MG_DEBUG(("%p CGI local redirect to %.*s", (void *) c, (int) loc.len, loc.p));
  cgi_unlink_client(st);
  cgi_kill(st);
  pd->cgi_redirects++;
  pd->out_at_dispatch = pd->bytes_sent + c->send_mbuf.len;
  pd->waiting = 1;
  mg_http_call_endpoint_handler(c, MG_EV_HTTP_REQUEST, &hm);
  mbuf_free(&m.m);
  return 1;
}

// Parses the header block once it is complete and sends the head. Returns
// 0 if the script failed (no head, too long, malformed: 502).
static int cgi_try_head(struct cgi_state *st) {
  struct mbuf *io = &st->out->recv_mbuf;
  struct cgi_head hd;
  size_t n = cgi_head_len(mg_mk_str_n(io->buf, io->len));
  int ok;
  if (n == 0 || n > MG_CGI_MAX_HEAD) {
    if (n == 0 && io->len <= MG_CGI_MAX_HEAD &&
        !(st->out->flags & MG_F_PEER_EOF)) {
      return 1;  // More to come
    }
    return cgi_fail(st, 502), 0;
  }
  memset(&hd, 0, sizeof(hd));
  hd.length = -1;
  ok = cgi_head_parse(&hd, mg_mk_str_n(io->buf, n));
  if (ok && hd.has_location && !hd.has_status && hd.other_fields == 0 &&
      hd.location.len > 0 && hd.location.p[0] == '/' &&
      (hd.location.len == 1 || hd.location.p[1] != '/')) {
    mbuf_free(&hd.h.m);
    if (!cgi_local_redirect(st, hd.location)) return cgi_fail(st, 500), 0;
    mbuf_clear(io);
    return 1;
  }
  if (ok) cgi_send_head(st, &hd);
  mbuf_free(&hd.h.m);
  if (!ok) return cgi_fail(st, 502), 0;
  mbuf_remove(io, n);
  return 1;
}

// Moves body bytes to the client while its send buffer has room. Bytes
// past the script's Content-Length are dropped.
static void cgi_relay(struct cgi_state *st) {
  struct mbuf *io = &st->out->recv_mbuf;
  struct mg_connection *c = st->client;
  size_t n;
  while (io->len > 0 && c->send_mbuf.len < MG_CGI_HIGH_WATER) {
    n = MG_CGI_HIGH_WATER - c->send_mbuf.len;
    if (n > io->len) n = io->len;
    if (st->remaining >= 0 && (int64_t) n > st->remaining) {
      n = (size_t) st->remaining;
    }
    if (n == 0) {
      mbuf_clear(io);
      break;
    }
    if (st->no_body) {
    } else if (st->chunked) {
      mg_send_http_chunk(c, io->buf, n);
    } else {
      mg_send(c, io->buf, (int) n);
    }
    if (st->remaining > 0) st->remaining -= (int64_t) n;
    mbuf_remove(io, n);
  }
}

// The script's stdout ended and all of it is relayed.
static void cgi_finish(struct cgi_state *st) {
  if (st->remaining > 0) {
    cgi_fail(st, 502);  // Shorter than its Content-Length: cut
    return;
  }
  if (st->chunked && !st->no_body) mg_send_http_chunk(st->client, "", 0);
  cgi_unlink_client(st);
}

static void cgi_pump(struct cgi_state *st) {
  struct mg_connection *out = st->out;
  if (st->client == NULL) {
    mbuf_clear(&out->recv_mbuf);
    return;
  }
  if (!st->head_sent && (!cgi_try_head(st) || !st->head_sent)) return;
  cgi_relay(st);
  if ((out->flags & MG_F_PEER_EOF) && out->recv_mbuf.len == 0) {
    cgi_finish(st);
  }
}

// Reaps the child if it has exited (an application's own SIGCHLD handler
// may have reaped it already: ECHILD).
static void cgi_try_reap(struct cgi_state *st) {
  int status;
  pid_t r;
  if (st->reaped) return;
  r = waitpid(st->pid, &status, WNOHANG);
  if (r == st->pid || (r < 0 && errno == ECHILD)) st->reaped = 1;
}

// Every event of the out connection: relay, reap, time out, and close
// once the child is reaped and the client needs nothing more.
static void cgi_step(struct cgi_state *st) {
  double now = mg_time();
  cgi_pump(st);
  cgi_try_reap(st);
  if (now - st->last_io > MG_CGI_TIMEOUT &&
      (st->client != NULL || !st->reaped)) {
    MG_INFO(("CGI pid %d silent for %d s: killed", (int) st->pid,
             (int) MG_CGI_TIMEOUT));
    cgi_fail(st, 504);
    cgi_kill(st);
    st->last_io = now;
  }
  if (st->reaped && st->client == NULL) {
    st->out->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (st->client != NULL) {
    mg_set_timer(st->out, st->last_io + MG_CGI_TIMEOUT + 0.01);
  } else {
    mg_set_timer(st->out, now + 0.02);  // Waiting for the child to exit
  }
}

static void cgi_free(struct cgi_state *st) {
  if (st->client != NULL) cgi_fail(st, 502);
  if (st->in != NULL) {
    st->in->user_data = NULL;
    st->in->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
  cgi_try_reap(st);
  if (!st->reaped) {
    // The manager is going away (or the socket failed) while the child
    // runs: SIGKILL, then a wait that SIGKILL keeps short.
    cgi_kill(st);
    waitpid(st->pid, NULL, 0);
  }
  st->out->user_data = NULL;
  MG_FREE(st->extra);
  MG_FREE(st->req);
  MG_FREE(st);
}

static void cgi_out_handler(struct mg_connection *nc, int ev,
                            void *ev_data MG_UD_ARG(void *user_data)) {
  struct cgi_state *st = (struct cgi_state *) nc->user_data;
  MG_UD_UNUSED;
  (void) ev_data;
  if (st == NULL) return;
  if (ev == MG_EV_RECV) st->last_io = mg_time();
  if (ev == MG_EV_RECV || ev == MG_EV_POLL || ev == MG_EV_TIMER) {
    cgi_step(st);
  } else if (ev == MG_EV_CLOSE) {
    cgi_free(st);
  }
}

static void cgi_in_handler(struct mg_connection *nc, int ev,
                           void *ev_data MG_UD_ARG(void *user_data)) {
  struct cgi_state *st = (struct cgi_state *) nc->user_data;
  MG_UD_UNUSED;
  (void) ev_data;
  if (ev == MG_EV_RECV) mbuf_clear(&nc->recv_mbuf);  // Never expected
  if (st == NULL) return;
  if (ev == MG_EV_SEND) st->last_io = mg_time();
  if (ev == MG_EV_CLOSE) st->in = NULL;
  // A streamed body: room again (or no reader any more) for what waits.
  if ((ev == MG_EV_SEND || ev == MG_EV_CLOSE) && st->client != NULL &&
      cgi_pd(st->client) != NULL && cgi_pd(st->client)->stream_left > 0) {
    mg_http_cgi_feed(st->client);
  }
}

// ---- Starting
// -----------------------------------------------------------------

// Forks the child with stdin in[0] and stdout out[0]. Returns its pid or
// -1.
static pid_t cgi_spawn(const char *script, const char *interp, char **envp,
                       sock_t in[2], sock_t out[2]) {
  char dir[MG_HTTP_PATH_MAX], *argv[3];
  const char *slash = strrchr(script, '/');
  size_t n = slash == NULL || slash == script ? 1 : (size_t) (slash - script);
  pid_t pid;
  memcpy(dir, slash == NULL ? "." : script, n);
  dir[n] = '\0';
  argv[0] = (char *) script;
  argv[1] = argv[2] = NULL;
  if (interp != NULL && *interp != '\0') {
    argv[0] = (char *) interp;
    argv[1] = (char *) script;
  }
  pid = fork();
  if (pid == 0) cgi_child(dir, argv, envp, (int) in[0], (int) out[0]);
  return pid;
}

// Adds the parent ends as connections. Returns 0 if the out one failed.
static int cgi_connect(struct cgi_state *st, struct mg_connection *nc,
                       struct mg_str body, sock_t in, sock_t out) {
  struct mg_add_sock_opts ao;
  struct mg_http_proto_data *pd = cgi_pd(nc);
  int streamed = pd != NULL && pd->stream_len > 0;
  memset(&ao, 0, sizeof(ao));
  ao.user_data = st;
  st->out = mg_add_sock_opt(nc->mgr, out, MG_CB(cgi_out_handler, st), ao);
  if (st->out == NULL) {
    close((int) in);
    return 0;
  }
  st->out->flags |= MG_F_HOLD_ON_EOF;  // Relay what is left, then finish
  st->out->recv_mbuf_limit = MG_CGI_HIGH_WATER;
  if (body.len > 0 || streamed) {
    st->in = mg_add_sock_opt(nc->mgr, in, MG_CB(cgi_in_handler, st), ao);
  } else {
    close((int) in);  // No body: EOF at once
  }
  if (st->in != NULL && streamed) {
    // The body follows as it arrives (mg_http_cgi_feed).
  } else if (st->in != NULL) {
    mg_send(st->in, body.p, (int) body.len);
    st->in->flags |= MG_F_SEND_AND_CLOSE;
  } else if (body.len > 0 || streamed) {
    st->out->flags |= MG_F_CLOSE_IMMEDIATELY;  // 502 from cgi_free()
  }
  return 1;
}

// Fills p for the script local[0..script_len) and makes the environment.
// Returns the array (MG_MALLOC'd, strings in e), or NULL.
static char **cgi_prepare(struct mg_connection *nc, struct http_message *hm,
                          const char *root, const char *local,
                          size_t script_len, const char *uri_path,
                          struct mg_http_out *e, char *script, char *rootabs) {
  struct mg_cgi_paths p;
  char *rel = (char *) MG_MALLOC(script_len + 1);
  size_t info_len = strlen(local + script_len), ulen = strlen(uri_path);
  if (rel == NULL) return NULL;
  memcpy(rel, local, script_len);
  rel[script_len] = '\0';
  if (realpath(rel, script) == NULL || info_len > ulen) {
    MG_FREE(rel);
    return NULL;
  }
  MG_FREE(rel);
  if (realpath(root, rootabs) == NULL)
    snprintf(rootabs, MG_HTTP_PATH_MAX, "%s", root);
  p.script = script;
  p.root = rootabs;
  p.path_info = local + script_len;
  p.name = mg_mk_str_n(uri_path, ulen - info_len);
  mg_http_cgi_env(e, nc, hm, &p);
  return mg_http_cgi_env_array(e);
}

static void cgi_close_fds(sock_t *fds, int n) {
  int i;
  for (i = 0; i < n; i++) {
    if (fds[i] != INVALID_SOCKET) close((int) fds[i]);
  }
}

// The child runs: hands the parent ends to the manager. Returns 0 if that
// failed (the child is then killed and reaped).
static int cgi_attach(struct cgi_state *st, struct mg_connection *nc,
                      struct http_message *hm, sock_t in[2], sock_t out[2]) {
  st->client = nc;
  st->last_io = mg_time();
  st->chunked = (unsigned char) (mg_vcmp(&hm->proto, "HTTP/1.1") == 0);
  cgi_close_fds(in, 1);
  cgi_close_fds(out, 1);
  if (!cgi_connect(st, nc, hm->body, in[1], out[1])) {
    close((int) out[1]);
    cgi_kill(st);
    waitpid(st->pid, NULL, 0);
    return 0;
  }
  mg_http_get_proto_data(nc)->cgi = st->out;
  mg_set_timer(st->out, st->last_io + MG_CGI_TIMEOUT + 0.01);
  return 1;
}

// A copy of hm's head (for a local redirect), MG_MALLOC'd; NULL if memory
// ran out.
static char *cgi_copy_head(const struct http_message *hm, size_t *len) {
  const char *s = hm->message.p;
  size_t n = hm->message.len;
  char *p;
  if (hm->body.p >= s && hm->body.p <= s + n) n = (size_t) (hm->body.p - s);
  if ((p = (char *) MG_MALLOC(n + 1)) == NULL) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  *len = n;
  return p;
}

void mg_http_cgi_start(struct mg_connection *nc, struct http_message *hm,
                       const struct mg_serve_http_opts *o, const char *root,
                       const char *local, size_t script_len,
                       const char *uri_path, struct mg_str extra) {
  struct cgi_state *st = (struct cgi_state *) MG_CALLOC(1, sizeof(*st));
  char script[MG_HTTP_PATH_MAX], rootabs[MG_HTTP_PATH_MAX], **envp = NULL;
  sock_t in[2] = {INVALID_SOCKET, INVALID_SOCKET};
  sock_t out[2] = {INVALID_SOCKET, INVALID_SOCKET};
  struct mg_http_out env;
  int ok;
  memset(&env, 0, sizeof(env));
  ok = mg_http_get_proto_data(nc) != NULL && st != NULL &&
       (extra.len == 0 ||
        (st->extra = (char *) mg_strdup_nul(extra).p) != NULL) &&
       (st->req = cgi_copy_head(hm, &st->req_len)) != NULL &&
       (envp = cgi_prepare(nc, hm, root, local, script_len, uri_path, &env,
                           script, rootabs)) != NULL &&
       mg_socketpair(in, SOCK_STREAM) && mg_socketpair(out, SOCK_STREAM) &&
       (st->pid = cgi_spawn(script, o->cgi_interpreter, envp, in, out)) > 0;
  if (ok) ok = cgi_attach(st, nc, hm, in, out);
  if (!ok) {
    if (st == NULL || st->pid <= 0) {
      cgi_close_fds(in, 2);
      cgi_close_fds(out, 2);
    }
    mg_http_out_send_text(nc, hm, 500, extra, NULL, NULL);
    if (st != NULL) MG_FREE(st->extra);
    if (st != NULL) MG_FREE(st->req);
    MG_FREE(st);
  }
  MG_FREE(envp);
  mbuf_free(&env.m);
}

void mg_http_cgi_feed(struct mg_connection *nc) {
  struct mg_http_proto_data *pd = cgi_pd(nc);
  struct cgi_state *st;
  struct mbuf *io = &nc->recv_mbuf;
  size_t n;
  if (pd == NULL || pd->stream_left == 0) return;
  st = pd->cgi == NULL ? NULL : (struct cgi_state *) pd->cgi->user_data;
  n = io->len < pd->stream_left ? io->len : (size_t) pd->stream_left;
  if (st != NULL && st->in != NULL) {
    size_t queued = st->in->send_mbuf.len;
    size_t room = queued < MG_CGI_HIGH_WATER ? MG_CGI_HIGH_WATER - queued : 0;
    if (n > room) n = room;
    mg_send(st->in, io->buf, (int) n);
    st->last_io = mg_time();
  }  // Else the script stopped reading: the rest is dropped
  mbuf_remove(io, n);
  pd->stream_left -= n;
  if (pd->stream_left == 0) {
    nc->recv_mbuf_limit = pd->saved_recv_limit;
    if (st != NULL && st->in != NULL) st->in->flags |= MG_F_SEND_AND_CLOSE;
  }
}

void mg_http_cgi_pump(struct mg_connection *nc) {
  struct mg_http_proto_data *pd = cgi_pd(nc);
  struct cgi_state *st;
  if (pd == NULL || pd->cgi == NULL) return;
  st = (struct cgi_state *) pd->cgi->user_data;
  if (st != NULL) cgi_pump(st);
}

void mg_http_cgi_detach(struct mg_connection *nc) {
  struct mg_http_proto_data *pd = cgi_pd(nc);
  struct cgi_state *st;
  if (pd == NULL || pd->cgi == NULL) return;
  st = (struct cgi_state *) pd->cgi->user_data;
  pd->cgi = NULL;
  if (st == NULL) return;
  st->client = NULL;
  cgi_kill(st);
  mg_set_timer(st->out, mg_time() + 0.02);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI
