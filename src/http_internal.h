// HTTP internals shared by the http_*.c and ws*.c files: not public API.
// This header goes into mongoose.c only, never into mongoose.h.
//
// The HTTP modules point one way. At the bottom, http_parse.c and
// http_header.c (pure parsers) and http_conn.c (proto data, response
// helpers, the header builder, endpoints). Above them the features:
// http_file.c (serving one file), http_path.c (path safety), http_listing.c,
// http_auth.c, http_multipart.c, ws.c and ws_handshake.c (WebSocket),
// http_client.c (replies), http_proxy.c (reverse proxy). At the top
// http_serve.c (mg_serve_http) and http_server.c (the server protocol handler
// and mg_set_protocol_http_websocket, which picks the server or the client
// handler). No module calls one above it.
#pragma once
#include "core_internal.h"
#include "http.h"

#if MG_ENABLE_HTTP

// ---- http_conn.c ------------------------------------------------------------

// A registered endpoint (a list hangs off the listener's proto data).
struct mg_http_endpoint {
  struct mg_http_endpoint *next;
  struct mg_str uri_pattern;  // MG_MALLOC'd prefix, e.g. "/api"
  char *auth_domain;          // MG_MALLOC'd or NULL
  char *auth_file;            // MG_MALLOC'd or NULL
  mg_event_handler_t handler;
  void *user_data;
};

// A file being streamed out by mg_http_serve_file(): send_mbuf is topped up
// from fp in bounded pieces as the socket drains.
struct mg_http_file_state {
  FILE *fp;           // NULL when no file is being sent
  int64_t remaining;  // Bytes of the file still to queue
  int64_t offset;     // With sendfile: the next byte of the file to send
  int mode;           // 0: undecided, 1: read into send_mbuf, 2: sendfile
  struct mg_http_multirange *multi;  // Several ranges: the parts to send
};

// One byte range [start, start + len) of a file (http_range.c).
struct mg_http_range {
  int64_t start, len;
};

// A multipart/byteranges body being sent: r[cur - 1] is the part whose
// bytes are going out, cur == n + 1 once the closing delimiter is queued.
struct mg_http_multirange {
  int n, cur;
  struct mg_http_range r[MG_MAX_HTTP_RANGES];
  int64_t size;       // The whole file
  char boundary[24];  // Delimiter of the parts
  char *mime;         // Each part's Content-Type (stored after the struct)
};

// Parses a Range header for a file of size bytes into r (room for
// MG_MAX_HTTP_RANGES): returns how many satisfiable ranges it holds, merged
// where they overlap or touch, in the order asked; 0 if none is
// satisfiable (416); -1 if the header is ignored (malformed, another unit,
// more than MG_MAX_HTTP_RANGES specs).
int mg_http_parse_ranges(struct mg_str hdr, int64_t size,
                         struct mg_http_range *r);
// A multipart/byteranges state for n ranges of a size-byte file whose
// parts have type mime; tag (the ETag) seeds the boundary. NULL: no memory.
struct mg_http_multirange *mg_http_multirange_new(const struct mg_http_range *r,
                                                  int n, int64_t size,
                                                  struct mg_str mime,
                                                  const char *tag);
// The multipart body's exact length: part headers, data, closing line.
int64_t mg_http_multirange_length(const struct mg_http_multirange *m);
// Starts the next part of fs->multi: queues its header and seeks fs->fp to
// it. Returns 1 (fs->remaining set), 0 when the body is complete (closing
// delimiter queued), -1 on a seek or memory failure.
int mg_http_multirange_next(struct mg_connection *nc,
                            struct mg_http_file_state *fs);

// How far mg_http_scan_head() got in an incomplete request head. All zero
// for a new head.
struct mg_http_scan {
  size_t pos;        // Start of the first line not yet complete
  size_t line_scan;  // Bytes of that line already looked at end here
  size_t count;      // Request line: bytes of the current field seen
  size_t work;       // Bytes looked at in all (tests check it stays ~n)
  int stage;         // 0: start line, 1: field lines
  int field;         // Request line: 0 method, 1 target, 2 version
  int num_headers;   // Field lines seen
};

struct mg_http_multipart_stream;  // Defined in http_multipart.c
struct mg_http_ssi;               // Defined in http_ssi.c
struct mg_ws_state;               // Defined below

// Per-connection HTTP state: nc->proto_data.
struct mg_http_proto_data {
  // First, on one cache line: all MG_EV_POLL reads of a connection that
  // waits for bytes. poll_idle_len is recv_mbuf.len + 1 when the server
  // last found nothing to do but wait (0: look again), and until then no
  // timeout can fire before poll_idle_deadline.
  size_t poll_idle_len;
  double poll_idle_deadline;
  struct mg_http_endpoint *endpoints;   // Listener: registered endpoints
  mg_event_handler_t endpoint_handler;  // Handler of the current request
  void *endpoint_user_data;             // Its endpoint's user_data
  struct mg_http_file_state file;       // Static file being sent
  struct mg_http_multipart_stream *mp;  // Streaming upload in progress
  struct mg_http_ssi *ssi;              // SSI page being sent
  // Server request state (http_server.c).
  double request_start;         // When the current request's first byte came
  size_t body_decoded;          // Chunked: de-chunked body bytes after the head
  size_t chunk_off;             // Chunked: input bytes consumed so far
  uint64_t bytes_sent;          // Bytes written to the socket so far
  uint64_t out_at_dispatch;     // bytes_sent + send_mbuf.len at dispatch
  unsigned char waiting;        // Dispatched; the handler has not answered yet
  unsigned char must_close;     // Close once the current response is out
  unsigned char continue_sent;  // "100 Continue" already sent
  unsigned char is_head;        // The current request is HEAD
  unsigned char chunked_open;   // A chunked response has not ended yet
  struct mg_http_scan scan;     // The head being received (http_parse.c)
  size_t body_wait;             // Head + body bytes the request needs
  unsigned char reply_close_delimited;  // Client: reply body runs to close
  unsigned char keep_alive_10;       // HTTP/1.0 request asking for keep-alive
  struct mg_connection *proxy_peer;  // Reverse proxy: the other side
  int64_t proxy_left;         // Upstream: body (or chunk) bytes still to relay
  unsigned char proxy_state;  // Upstream: PROXY_* of http_proxy.c
  unsigned char proxy_crlf;   // Upstream: a CRLF ends the chunk's data
  unsigned char proxy_rechunk;  // Upstream: the client gets it in chunks
  unsigned char proxy_keep;     // Upstream: the reply lets it be reused
  char *proxy_key;              // Upstream: its pool key (MG_MALLOC'd)
  char *proxy_retry;  // Upstream, reused: the request to resend (MG_MALLOC'd)
  size_t proxy_retry_len;     // Its length
  unsigned char is_http10;    // Server: the current request is HTTP/1.0
  struct mg_ws_state *ws;     // WebSocket state (ws.c)
  struct mg_connection *cgi;  // CGI running for this request (stdout)
  // A request body streamed to a CGI script (MG_EV_HTTP_REQUEST_HEAD).
  unsigned char cgi_probe;  // In that event: mg_serve_http() may start a CGI
  uint64_t stream_len;      // The body's Content-Length
  uint64_t stream_left;     // Body bytes not yet taken from recv_mbuf
  size_t saved_recv_limit;  // recv_mbuf_limit while it streams
  unsigned char cgi_redirects;  // CGI local redirects of this request
};

// Returns the standard reason phrase for an HTTP status code.
const char *mg_http_status_message(int code);
// English day and month names of IMF-fixdate, whatever the C locale.
extern const char *const mg_http_days[7];
extern const char *const mg_http_months[12];
// Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
void mg_http_format_date(char *buf, size_t len, time_t t);
// The Date header's value for now: formatted once per second per manager.
const char *mg_http_date_now(struct mg_mgr *mgr);
// Closes the file being sent, if any.
void mg_http_free_file_state(struct mg_http_file_state *fs);
// Returns nc's HTTP state, creating it (NULL if out of memory).
struct mg_http_proto_data *mg_http_get_proto_data(struct mg_connection *nc);
// True if the comma-separated header value list hdr (may be NULL) has
// token, ignoring case ("Connection: keep-alive, Upgrade").
int mg_http_header_has_token(const struct mg_str *hdr, const char *token);
// True if the header lines in headers ("K: V\r\n"..., may be empty) have
// one called name (any case).
int mg_http_headers_have(struct mg_str headers, const char *name);
// True if s has a CR or LF: such bytes would split a header line.
int mg_http_has_crlf(struct mg_str s);
// Returns the endpoint of nc's listener whose pattern matches the longest
// prefix of uri, or NULL.
struct mg_http_endpoint *mg_http_find_endpoint(struct mg_connection *nc,
                                               struct mg_str uri);
// Calls the handler for the current request: the matching endpoint's, or
// the connection's.
void mg_http_call_endpoint_handler(struct mg_connection *nc, int ev,
                                   void *ev_data);
// MG_EV_CLOSE for an HTTP connection: to the user handler (if any), then to
// the handler of the endpoint that served its last request (as 6.x).
void mg_http_call_close(struct mg_connection *nc, void *ev_data);
// De-chunks the body in place: decoded data follows the head (hlen bytes)
// in recv_mbuf, and the chunk framing is cut out as it is consumed, sending
// MG_EV_HTTP_CHUNK per chunk. Returns 1 when the last chunk is in, 0 if
// more input is needed, or the negated status code that answers a
// failure: -400 (bad framing), -413 (body too large).
int mg_http_dechunk(struct mg_connection *nc, struct mg_http_proto_data *pd,
                    struct http_message *hm, size_t hlen);
// Drops the reverse-proxy link between nc and its peer, both ways.
void mg_http_unlink_proxy(struct mg_connection *nc,
                          struct mg_http_proto_data *pd);

// A growing buffer that remembers whether any append failed: the builder
// of response heads and small bodies.
struct mg_http_out {
  struct mbuf m;
  int failed;
};
void mg_http_out_add(struct mg_http_out *o, const char *p, size_t n);
void mg_http_out_vprintf(struct mg_http_out *o, const char *fmt, va_list ap);
void mg_http_out_printf(struct mg_http_out *o, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// Adds a header line to a header block: lines separated by CRLF, no CRLF at
// the end, as mg_send_response_line() wants them.
void mg_http_out_hdr(struct mg_http_out *o, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// Adds a header block given as "K: V\r\n..." (trailing CRLF optional).
void mg_http_out_hdr_block(struct mg_http_out *o, struct mg_str block);
// NUL-terminates the buffer; returns it, or NULL if an append failed.
const char *mg_http_out_str(struct mg_http_out *o);
// Sends status, the headers in h (may be NULL) and body (may be NULL:
// Content-Length 0). A HEAD request gets no body. Frees h.
void mg_http_out_send(struct mg_connection *nc, struct http_message *hm,
                      int code, struct mg_http_out *h, struct mg_str body);
// Sends a short text/plain response with the extra headers (and more_hdr,
// one more header line, if not NULL); text NULL: the reason phrase.
void mg_http_out_send_text(struct mg_connection *nc, struct http_message *hm,
                           int code, struct mg_str extra, const char *more_hdr,
                           const char *text);

// ---- ws.c, ws_handshake.c (WebSocket) -------------------------------------

#if MG_ENABLE_HTTP_WEBSOCKET
// Per-connection WebSocket state (pd->ws): one allocation, so a plain
// MG_FREE releases it.
struct mg_ws_state {
  double last_io;            // Last frame received or sent (for pings)
  double close_time;         // When we sent a close frame, 0 if not yet
  size_t msg_len;            // Reassembled bytes at the start of recv_mbuf
  unsigned long utf8;        // UTF-8 validator state of the text message
  unsigned char msg_op;      // Opcode of the message in progress, 0: none
  unsigned char msg_defrag;  // That message is being reassembled
  unsigned char close_sent;  // We sent a close frame
  unsigned char closing;     // No more input: failed, or peer's close seen
  unsigned char seeded;      // seed holds random bytes
  unsigned char pool_used;   // Bytes of pool already handed out
  unsigned char seed[16];    // Random generator: key
  unsigned char pool[20];    // Random generator: output block
  uint64_t counter;          // Random generator: block counter
  char key[28];              // Client: the Sec-WebSocket-Key we sent
  char *protocols;           // Client: subprotocols offered (after struct)
};

// Server: true if hm asks for a WebSocket upgrade (Upgrade: websocket).
int mg_ws_is_upgrade(struct http_message *hm);
// Server: hm is an upgrade request whose head is at the start of recv_mbuf
// (the caller removes it afterwards). Sends
// MG_EV_WEBSOCKET_HANDSHAKE_REQUEST (the handler may refuse by answering
// or closing), validates the request (400/426 on failure), sends 101 and
// MG_EV_WEBSOCKET_HANDSHAKE_DONE, sets MG_F_IS_WEBSOCKET and makes
// mg_ws_proto_handler the connection's protocol handler.
void mg_ws_handshake(struct mg_connection *nc, struct http_message *hm);
// The protocol handler of a WebSocket connection (both sides): every event
// reaches the user handler first; then on MG_EV_RECV frames are parsed from
// recv_mbuf (reassembly, control frames, close handshake, protocol errors),
// on MG_EV_POLL pings go out every MG_WEBSOCKET_PING_INTERVAL, and on
// MG_EV_CLOSE the state is freed.
void mg_ws_proto_handler(struct mg_connection *nc, int ev,
                         void *ev_data MG_UD_ARG(void *user_data));
// Allocates WebSocket state, with a copy of the offered subprotocols.
struct mg_ws_state *mg_ws_state_new(struct mg_str protocols);
// Fills out with n random bytes (masks, handshake nonces).
void mg_ws_random(struct mg_ws_state *ws, unsigned char *out, size_t n);
// For a connection with MG_F_IS_WEBSOCKET, without calling the user
// handler: on MG_EV_RECV parses frames from recv_mbuf, on MG_EV_POLL sends
// pings, on MG_EV_CLOSE frees the state.
void mg_ws_handler(struct mg_connection *nc, int ev, void *ev_data);
#endif  // MG_ENABLE_HTTP_WEBSOCKET

// ---- http_client.c ----------------------------------------------------------

// Longest user name or password taken from a URL, after %XX decoding.
#define MG_HTTP_URL_MAX_CRED 128

// An http:// URL split for a request. The slices point into the URL.
struct mg_http_url {
  struct mg_str host;               // Without brackets for IPv6 literals
  struct mg_str path;               // Empty: "/"
  struct mg_str query;              // Without the '?'
  unsigned int port;                // 80 (443 for https) when the URL has none
  int tls;                          // https://
  int has_auth;                     // The URL has "user[:pass]@"
  int has_pass;                     // ... with a ':'
  char user[MG_HTTP_URL_MAX_CRED];  // Decoded user, NUL-terminated
  char pass[MG_HTTP_URL_MAX_CRED];  // Decoded password, NUL-terminated
};

// Splits an http:// or https:// URL (a URL without a scheme is taken as
// http). Returns 0, or -1 with *err saying what is wrong.
int mg_http_parse_url(struct mg_str url, struct mg_http_url *u,
                      const char **err);
// Starts the connection to u's host and port (TLS for https), with the HTTP
// client protocol handler. NULL (and *opts.error_string) on failure.
struct mg_connection *mg_http_client_open(struct mg_mgr *mgr,
                                          mg_event_handler_t handler,
                                          struct mg_connect_opts opts,
                                          const struct mg_http_url *u);
// Sends "Host: host[:port]"; the port only when it is not 80.
void mg_http_send_host(struct mg_connection *nc, const struct mg_http_url *u);
// The protocol handler of an HTTP client connection: parses replies
// (Content-Length, chunked, close-delimited) into MG_EV_HTTP_REPLY.
void mg_http_client_handler(struct mg_connection *nc, int ev,
                            void *ev_data MG_UD_ARG(void *user_data));

// ---- http_proxy.c -----------------------------------------------------------

// The reverse-proxy rewrite of mg_serve_http (a url_rewrites entry
// "prefix=http://host:port").
void mg_http_proxy_rewrite(struct mg_connection *nc, struct http_message *hm,
                           struct mg_str prefix, struct mg_str upstream);

#if MG_ENABLE_FILESYSTEM
// ---- http_path.c: path safety ---------------------------------------------

#ifdef PATH_MAX
#define MG_HTTP_PATH_MAX PATH_MAX
#else
#define MG_HTTP_PATH_MAX 4096
#endif

// A file to serve: its stat() and the descriptor it is open as.
struct mg_http_open_file {
  cs_stat_t st;
  int fd;   // -1 if not open
  int err;  // errno of a failed open()
};

// Opens path for reading, non-blocking (a FIFO never blocks us).
int mg_http_open_ro(const char *path);
// Decodes and normalises the request target uri into *path (MG_MALLOC'd,
// '+' stays '+'; absolute-form targets use their path). Returns 0, or the
// status that refuses it: 400 (bad escape, bad target), 404 (NUL, '\',
// encoded separator, '..' above the root), 500 (memory).
int mg_http_path_decode(struct mg_str uri, char **path);
// root + rel: the root without its trailing '/'s, rel as it is. Sets
// *root_len to the length of the root part. MG_MALLOC'd, NULL if no memory.
char *mg_http_path_join(const char *root, const char *rel, size_t *root_len);
// dir + '/' + name (no second '/' if dir ends with one); MG_MALLOC'd.
char *mg_http_path_join_name(const char *dir, struct mg_str name);
// True if a file called name is never served nor listed: it matches
// hidden_file_pattern, or is the per-directory auth file (any case).
int mg_http_path_name_hidden(const struct mg_serve_http_opts *o,
                             struct mg_str name);
// True if any component of the URI path is hidden.
int mg_http_path_hidden(const struct mg_serve_http_opts *o, const char *path);
// True if path (fd >= 0: the file open as fd), all symlinks resolved, is
// root or below it. 0 with errno ENOMEM if memory ran out: it could not
// tell (callers answer 500, not 404).
int mg_http_path_inside_root(const char *root, const char *path, int fd);
// Opens path if it was verified inside root within the TTL and is still
// that very regular file: returns 1 with f (st from fstat(), fd) filled in.
// Otherwise returns 0 and leaves nothing open.
int mg_http_path_verified_open(const char *root, const char *path,
                               struct mg_http_open_file *f);
// Opens the regular file path (f->st: what stat() saw) and checks that
// what was opened lies inside the root. Returns 1 if inside: f->fd is then
// the open file (f->st now from fstat()), or -1 if it could not be opened
// (f->err = errno; the path was checked instead). Returns 0 (nothing left
// open) if outside, or with errno ENOMEM if it could not tell.
int mg_http_path_open_inside(const char *root, const char *path,
                             struct mg_http_open_file *f);

// ---- http_file.c: one file --------------------------------------------------

// Queues the next piece of the file being sent, if any room is left under
// the high-water mark. Closes the file at its end.
void mg_http_transfer_file_data(struct mg_connection *nc);
// Serves the regular file st that is open as fd (taken over); fd < 0: the
// open failed with errno err (404 for ENOENT, else 403).
void mg_http_serve_fd(struct mg_connection *nc, struct http_message *hm, int fd,
                      int err, const cs_stat_t *st, struct mg_str mime,
                      struct mg_str extra);
// The MIME type of path: custom_mime_types (".ext=type,...", suffix match)
// first, then the built-in table ('.' + extension), else octet-stream.
struct mg_str mg_http_mime_type(const char *path, const char *custom);

#if MG_ENABLE_HTTP_CGI
// ---- http_cgi.c: CGI/1.1 (RFC 3875) -----------------------------------------
// If a prefix of local (at a '/' boundary, below the first root_len bytes)
// is a regular file inside root whose name matches o->cgi_file_pattern,
// returns its length (the rest of local is PATH_INFO), else 0; (size_t) -1
// if memory ran out (it could not tell: 500, never the script's source).
size_t mg_http_cgi_find(const struct mg_serve_http_opts *o, const char *root,
                        const char *local, size_t root_len);
// Runs the script (local's first script_len bytes) for hm: the child's
// stdin and stdout are socketpairs driven by the poll loop, its output
// becomes the response to nc. uri_path: the decoded URI path (SCRIPT_NAME
// plus PATH_INFO). Answers 500 itself if it cannot start.
void mg_http_cgi_start(struct mg_connection *nc, struct http_message *hm,
                       const struct mg_serve_http_opts *o, const char *root,
                       const char *local, size_t script_len,
                       const char *uri_path, struct mg_str extra);
// The client side: relays more output when nc's send buffer has room.
void mg_http_cgi_pump(struct mg_connection *nc);
// http_cgi_env.c: what the script and request are, and the environment.
struct mg_cgi_paths {
  const char *script;     // Absolute path of the script (SCRIPT_FILENAME)
  const char *root;       // Absolute document root
  struct mg_str name;     // SCRIPT_NAME: URI path of the script
  const char *path_info;  // Decoded, "" if none
};
// Adds the RFC 3875 4.1 variables (and SCRIPT_FILENAME, DOCUMENT_ROOT,
// REQUEST_URI, REDIRECT_STATUS, PATH, HTTPS, HTTP_*) to e.
void mg_http_cgi_env(struct mg_http_out *e, struct mg_connection *nc,
                     struct http_message *hm, const struct mg_cgi_paths *p);
// The NULL-terminated array of the strings in e (MG_MALLOC'd), or NULL.
char **mg_http_cgi_env_array(struct mg_http_out *e);
// A body streamed to the script (pd->stream_left > 0): moves what the
// script's stdin buffer has room for from nc's recv_mbuf to it (or drops
// it if the script no longer reads); the last byte closes its stdin.
void mg_http_cgi_feed(struct mg_connection *nc);
// The client nc is closing: the CGI is killed and reaped.
void mg_http_cgi_detach(struct mg_connection *nc);
#endif
#if MG_ENABLE_HTTP_WEBDAV
// ---- http_dav.c, http_dav_props.c, http_dav_lock.c: WebDAV (RFC 4918) ------

// One WebDAV request, mapped into dav_document_root.
struct mg_dav_req {
  struct mg_connection *nc;
  struct http_message *hm;
  const struct mg_serve_http_opts *opts;
  struct mg_str extra;  // extra_headers
  const char *root;     // dav_document_root
  const char *path;     // Decoded, normalised URI path ("/a/b")
  char *local;          // root + path (MG_MALLOC'd)
  cs_stat_t st;         // stat() of local, when exists
  int exists;
};

// 1 if method is one that WebDAV adds (PUT, DELETE, MKCOL, PROPFIND,
// PROPPATCH, COPY, MOVE, LOCK, UNLOCK).
int mg_http_dav_is_method(struct mg_str method);
// The Allow and DAV headers of an OPTIONS answer with WebDAV on.
#define MG_DAV_ALLOW                                                     \
  "Allow: GET, HEAD, OPTIONS, PUT, DELETE, MKCOL, PROPFIND, PROPPATCH, " \
  "COPY, MOVE, LOCK, UNLOCK\r\nDAV: 1, 2"
// Answers a WebDAV request for the decoded URI path; opts->dav_document_root
// is set. Checks auth (dav_auth_file), hidden names, locks, then acts.
void mg_http_dav(struct mg_connection *nc, struct http_message *hm,
                 const struct mg_serve_http_opts *opts, const char *path,
                 struct mg_str extra);
// 1 for the names WebDAV keeps its metadata in (".dav." and longer).
int mg_http_dav_name_hidden(struct mg_str name);
// Sends a short answer with the request's extra headers.
void mg_dav_send(struct mg_dav_req *r, int code, const char *text);
// The file that holds local's dead properties (MG_MALLOC'd).
char *mg_dav_props_file(const char *local, int is_dir);
// The strong ETag of st, as GET sends it.
void mg_dav_etag(const cs_stat_t *st, char *buf, size_t len);
// Appends the C string s.
void mg_dav_puts(struct mbuf *out, const char *s);
// Appends s percent-encoded as an href path (collections get a '/').
void mg_dav_href(struct mbuf *out, const char *path, int is_dir);

// PROPFIND and PROPPATCH (http_dav_props.c).
void mg_dav_propfind(struct mg_dav_req *r);
void mg_dav_proppatch(struct mg_dav_req *r);

// Locks (http_dav_lock.c), kept per manager in mgr->dav_locks.
// Returns 0 if r may change path (subtree: and all below it; members: and
// its parent's membership), else the status refusing it: 400 when the If
// header is malformed, 412 when it is false, 423 when a lock covers path
// and none of its tokens is in the If header.
int mg_dav_may_write(struct mg_dav_req *r, const char *path, int subtree,
                     int members);
// Only the If header: 0 if absent or true, else 412 (400 malformed).
int mg_dav_if_check(struct mg_dav_req *r);
// Drops the locks rooted at path or below it (DELETE, MOVE).
void mg_dav_locks_drop(struct mg_mgr *mgr, const char *path);
// Appends the DAV:lockdiscovery value for path (activelock elements).
void mg_dav_lockdiscovery(struct mg_mgr *mgr, struct mbuf *out,
                          const char *path);
void mg_dav_lock(struct mg_dav_req *r);
void mg_dav_unlock(struct mg_dav_req *r);
#endif
#if MG_ENABLE_DIRECTORY_LISTING
// ---- http_listing.c ---------------------------------------------------------

// Sends the listing of the directory dir (its URI path uri_path) as one
// response with a Content-Length (HEAD gets the same length and no body).
// Hidden names (per o) are left out; extra goes into the head.
void mg_http_list_dir(struct mg_connection *nc, struct http_message *hm,
                      const struct mg_serve_http_opts *o, const char *dir,
                      const char *uri_path, struct mg_str extra);
#endif
#endif  // MG_ENABLE_FILESYSTEM

#if MG_ENABLE_HTTP_STREAMING_MULTIPART
// ---- http_parse.c: resumable head scanning ----------------------------------

// Looks at the bytes of a request head s (n bytes in all) that came since
// the last call with sc. Returns 1 when mg_http_parse() should run (the
// start line, or then the whole head, is complete), 0 if more bytes are
// needed, -1 with *status (400, 414, 431) on an error mg_http_parse()
// would report for these bytes.
int mg_http_scan_head(const char *s, size_t n, struct mg_http_scan *sc,
                      int *status);

// ---- http_ssi.c: server-side includes ---------------------------------------

#if MG_ENABLE_HTTP_SSI && MG_ENABLE_FILESYSTEM
// True if path is an SSI page (ssi_pattern, default MG_SSI_PATTERN).
int mg_http_is_ssi(const struct mg_serve_http_opts *o, const char *path);
// Answers hm with the SSI page path, open as fd (taken over), in the
// document root root: a 200 whose body is produced as the socket drains.
void mg_http_serve_ssi(struct mg_connection *nc, struct http_message *hm,
                       const char *path, int fd, const char *root,
                       const struct mg_serve_http_opts *o, struct mg_str extra);
// Produces more of the page, up to the send high-water mark; ends it.
void mg_http_ssi_continue(struct mg_connection *nc);
// Closes the page's files and frees its state (pd->ssi becomes NULL).
void mg_http_ssi_free(struct mg_http_proto_data *pd);
#endif

// ---- http_multipart.c -------------------------------------------------------

// If hm (head only, body not yet read; head_len bytes at the start of
// recv_mbuf) is a multipart/form-data request with a Content-Length,
// switches nc to streaming: sends MG_EV_HTTP_MULTIPART_REQUEST, removes the
// head from recv_mbuf and returns 1. Returns 0 for any other request, -1
// (nothing done: the caller answers 413) for an upload larger than
// MG_MAX_HTTP_UPLOAD_SIZE.
int mg_http_multipart_begin(struct mg_connection *nc, struct http_message *hm,
                            size_t head_len);
// Consumes body bytes from recv_mbuf: PART_BEGIN/DATA/END events, then
// MULTIPART_REQUEST_END. Returns 1 while the upload goes on, 0 when it has
// ended (normally or not; the state is then freed).
int mg_http_multipart_continue(struct mg_connection *nc);
// Frees the stream, telling the handler (status < 0) if it was cut short.
void mg_http_multipart_free(struct mg_connection *nc);
#endif
#endif  // MG_ENABLE_HTTP
