// HTTP/1.1: the message parser, the server protocol handler and helpers,
// static file serving, authentication and multipart uploads.
#pragma once
#include "net.h"

#if MG_ENABLE_HTTP

// HTTP events; ev_data is struct http_message * unless noted.
#define MG_EV_HTTP_REQUEST 100  // A complete request (headers and body)
#define MG_EV_HTTP_REPLY 101    // A complete reply (client side)
#define MG_EV_HTTP_CHUNK 102    // A body chunk of a chunked message
// Not in 6.x: a request head whose Content-Length body has not all come
// (struct http_message *, body empty). A handler that calls
// mg_serve_http() on it lets a CGI script get the body as it arrives; for
// anything else mg_serve_http() does nothing then, and MG_EV_HTTP_REQUEST
// follows once the body is in, as usual.
#define MG_EV_HTTP_REQUEST_HEAD 107
#define MG_EV_SSI_CALL 105      // char *: an SSI "call" directive
#define MG_EV_SSI_CALL_CTX 106  // struct mg_ssi_call_ctx *

// Streaming multipart/form-data uploads.
#define MG_EV_HTTP_MULTIPART_REQUEST 121      // struct http_message *, no body
#define MG_EV_HTTP_PART_BEGIN 122             // struct mg_http_multipart_part *
#define MG_EV_HTTP_PART_DATA 123              // struct mg_http_multipart_part *
#define MG_EV_HTTP_PART_END 124               // struct mg_http_multipart_part *
#define MG_EV_HTTP_MULTIPART_REQUEST_END 125  // mg_http_multipart_part *

// WebSocket events: ev_data is struct http_message * for the handshake
// events, struct websocket_message * for frames.
#define MG_EV_WEBSOCKET_HANDSHAKE_REQUEST 111  // Server: upgrade asked
#define MG_EV_WEBSOCKET_HANDSHAKE_DONE \
  112                                      // Upgrade done (or refused:
                                           // client, resp_code != 101)
#define MG_EV_WEBSOCKET_FRAME 113          // A data message (or fragment)
#define MG_EV_WEBSOCKET_CONTROL_FRAME 114  // Ping, pong or close

// WebSocket opcodes (RFC 6455 5.2), and a flag for fragmented sends.
#define WEBSOCKET_OP_CONTINUE 0
#define WEBSOCKET_OP_TEXT 1
#define WEBSOCKET_OP_BINARY 2
#define WEBSOCKET_OP_CLOSE 8
#define WEBSOCKET_OP_PING 9
#define WEBSOCKET_OP_PONG 10
// Or'ed into op_and_flags: this frame is not the last of its message.
#define WEBSOCKET_DONT_FIN 0x100

// A received WebSocket message or frame.
struct websocket_message {
  unsigned char *data;  // Payload (unmasked)
  size_t size;          // Payload length
  unsigned char flags;  // 0x80 FIN bit | opcode (WEBSOCKET_OP_*)
};

// A parsed HTTP message. Every mg_str points into the buffer it was parsed
// from (for the server: nc->recv_mbuf), valid during the event only.
struct http_message {
  struct mg_str message;  // Whole message: head and body
  struct mg_str body;     // Body (de-chunked for chunked messages)

  // Request line
  struct mg_str method;  // "GET"
  struct mg_str uri;     // "/my_file.html", without the query string
  struct mg_str proto;   // "HTTP/1.1"

  // Status line (replies)
  int resp_code;                  // 200
  struct mg_str resp_status_msg;  // "OK"

  struct mg_str query_string;  // After '?', without it; empty when absent

  // Headers, in order; unused entries are empty.
  struct mg_str header_names[MG_MAX_HTTP_HEADERS];
  struct mg_str header_values[MG_MAX_HTTP_HEADERS];
};

// A part of a multipart/form-data body.
struct mg_http_multipart_part {
  const char *file_name;  // "filename" of the part, "" if none
  const char *var_name;   // "name" of the part
  struct mg_str data;     // A piece of the part's data (PART_DATA)
  int status;             // <0 on error: the upload was cut short or malformed
  void *user_data;        // For the application, kept across all events of
                          // the upload (clear it at PART_END if per part)
  size_t num_data_consumed;  // Set by the handler in PART_DATA if it took
                             // less than data.len (0 = all)
};

// Passed with MG_EV_SSI_CALL_CTX.
struct mg_ssi_call_ctx {
  struct http_message *req;  // The request that produced the page
  struct mg_str file;        // The file being processed
  struct mg_str arg;         // The argument of the "call" directive
};

// Options for mg_serve_http(); every field is a string, NULL = default.
struct mg_serve_http_opts {
  const char *document_root;  // Directory served; "." by default
  const char *index_files;    // "index.html,index.htm,..." tried in order
  const char *per_directory_auth_file;   // htdigest file name looked up in
                                         // each directory, e.g. ".htpasswd"
  const char *auth_domain;               // Digest auth realm
  const char *global_auth_file;          // htdigest file protecting everything
  const char *enable_directory_listing;  // "yes" (default) or "no"
  const char *ssi_pattern;               // Files processed for SSI
  const char *ip_acl;        // "-0.0.0.0/0,+10.0.0.0/8": who may connect (403)
  const char *url_rewrites;  // "/prefix=/dir,@host=/root,/api=http://h:p"
  const char *dav_document_root;    // WebDAV root (MG_ENABLE_HTTP_WEBDAV)
  const char *dav_auth_file;        // WebDAV digest file, "-": no auth
  const char *hidden_file_pattern;  // Glob of names never served or listed
  const char *cgi_file_pattern;     // CGI scripts, NULL: "**.cgi$|**.php$"
  const char *cgi_interpreter;      // Runs every script (a path), NULL: #! line
  const char *custom_mime_types;    // ".ext=type,..." over the built-in table
  const char *extra_headers;        // Added to every response ("K: V\r\n"...)
};

// Options for mg_register_http_endpoint_opt().
struct mg_http_endpoint_opts {
  void *user_data;          // Passed as nc->user_data to the handler
  const char *auth_domain;  // Digest realm, with auth_file
  const char *auth_file;    // htdigest file protecting the endpoint
};

// Names the local file for an upload; return an empty mg_str to refuse.
typedef struct mg_str (*mg_fu_fname_fn)(struct mg_connection *nc,
                                        struct mg_str fname);

// Attaches the HTTP (and, later, WebSocket) protocol handler to nc. Call it
// on a listener: accepted connections inherit it.
void mg_set_protocol_http_websocket(struct mg_connection *nc);

// Parses an HTTP request (is_req = 1) or reply head from s (n bytes).
// Returns the length of the head (through the blank line, including any
// empty lines skipped before the request line), 0 if more bytes are needed,
// -1 if the message is malformed: at once, without waiting for the line's
// end, when the start line's first byte is not a token character (a lone
// CR or LF first is a possible empty line: 0). Fills hm; hm->body.len is the
// Content-Length, 0 for a request with neither Content-Length nor
// Transfer-Encoding, or (size_t) -1 when the body is chunked or runs to
// close. hm->message starts at the start line and spans head and body when
// the body length is known, else the head only.
int mg_parse_http(const char *s, int n, struct http_message *hm, int is_req);
// Like mg_parse_http(), and on -1 sets *status (if not NULL) to the status
// code that answers the error: 400, 414 (request line too long), 431 (head
// too large or too many headers), 501 (unknown transfer coding), 505
// (version).
int mg_http_parse(const char *s, size_t n, struct http_message *hm, int is_req,
                  int *status);
// Parses one chunk of a chunked body at s (n bytes). Returns the length of
// the whole chunk (size line, data, CRLF; for the last chunk the trailer
// section too), 0 if more bytes are needed, -1 if malformed (or a chunk
// over INT_MAX bytes). *data_off and *data_len locate the data (set as soon
// as the size line is complete, even when 0 is returned); *data_len == 0
// marks the last chunk.
int mg_http_parse_chunk(const char *s, size_t n, size_t *data_off,
                        size_t *data_len);

// Returns the value of header name (case-insensitive), or NULL.
struct mg_str *mg_get_http_header(struct http_message *hm, const char *name);
// Extracts var_name's value from a header like `Digest a=1, b="x"`. A value
// is a bare token or in double or single quotes (`b='x'`), where a
// backslash escapes the quote and itself. *buf (buf_size bytes) is used if
// large enough, else a MG_MALLOC'd buffer is stored in *buf (the caller
// frees it if it changed). Returns the length, 0 if not found.
int mg_http_parse_header2(struct mg_str *hdr, const char *var_name, char **buf,
                          size_t buf_size);
// Same with a fixed buffer; returns 0 if not found or it does not fit.
int mg_http_parse_header(struct mg_str *hdr, const char *var_name, char *buf,
                         size_t buf_size);
// Decodes the Basic Authorization header into user and pass. Credentials
// without a ':' give the user and an empty password. Returns 0 on success,
// -1 if absent, malformed, the user is empty, or a part is too long for its
// buffer (both buffers are "" then).
int mg_get_http_basic_auth(struct http_message *hm, char *user, size_t user_len,
                           char *pass, size_t pass_len);
int mg_parse_http_basic_auth(struct mg_str *hdr, char *user, size_t user_len,
                             char *pass, size_t pass_len);
// Reads variable name (case-insensitive) from a query string or form body,
// URL-decoded and NUL-terminated into dst. Returns the decoded length (0 for
// an empty value), or as 6.x: -2 if dst is NULL or dst_len is 0 (checked
// first); -1 if buf, buf->p or name is NULL, or buf or name is empty; -3
// on a bad %-escape or if dst is too small; -4 if name is not there. On
// every failure but -2, dst is "".
int mg_get_http_var(const struct mg_str *buf, const char *name, char *dst,
                    size_t dst_len);
// Parses one part of a multipart body in buf, which starts at the part's
// delimiter line ("--boundary", optional blanks, CRLF or LF). Lines may end
// in CRLF or in a bare LF. Returns the number of bytes consumed (the next
// part's delimiter line starts there), 0 if there is no complete part: the
// buffer is incomplete, it is the close delimiter, or the part is malformed
// (a delimiter line inside its header block). Fills the names and the
// chunk; the names are "" when 0 is returned.
size_t mg_parse_multipart(const char *buf, size_t buf_len, char *var_name,
                          size_t var_name_len, char *file_name,
                          size_t file_name_len, const char **chunk,
                          size_t *chunk_len);

// Sends "HTTP/1.1 <code> <reason>\r\n", then extra_headers (lines without
// the trailing CRLF, may be NULL), "\r\n". Does not end the head.
void mg_send_response_line(struct mg_connection *nc, int status_code,
                           const char *extra_headers);
// Sends a full head: status line, extra headers, then Content-Length
// (content_length >= 0) or Transfer-Encoding: chunked (< 0), and the blank
// line. No Content-Length for 1xx, 204 and 304.
void mg_send_head(struct mg_connection *n, int status_code,
                  int64_t content_length, const char *extra_headers);
// Sends a complete error response with a short text body (reason, or the
// standard phrase when reason is NULL).
void mg_http_send_error(struct mg_connection *nc, int code, const char *reason);
// Sends a redirect to location. CR and LF in location or extra_headers are
// never sent: a location carrying them is refused with 500.
void mg_http_send_redirect(struct mg_connection *nc, int status_code,
                           const struct mg_str location,
                           const struct mg_str extra_headers);
// Sends one chunk of a chunked body; len 0 sends the last chunk.
void mg_send_http_chunk(struct mg_connection *nc, const char *buf, size_t len);
void mg_printf_http_chunk(struct mg_connection *nc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// printf() with the result HTML-escaped (& < > " '), as one chunk.
void mg_printf_html_escape(struct mg_connection *nc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Registers handler for requests whose path matches the glob uri_path as a
// prefix (mg_match_prefix: "/api" matches "/api/x"; the longest match
// wins). Call on the listener. The handler gets MG_EV_HTTP_REQUEST,
// MG_EV_HTTP_CHUNK and the multipart events of those requests.
// The endpoint's handler also gets MG_EV_CLOSE of a connection whose last
// request it served. With MG_ENABLE_CALLBACK_USERDATA, user_data is what
// the handler gets (in the _opt form: opts.user_data).
void mg_register_http_endpoint(struct mg_connection *nc, const char *uri_path,
                               MG_CB(mg_event_handler_t handler,
                                     void *user_data));
void mg_register_http_endpoint_opt(struct mg_connection *nc,
                                   const char *uri_path,
                                   mg_event_handler_t handler,
                                   struct mg_http_endpoint_opts opts);

// ---- WebSocket ------------------------------------------------------------

#if MG_ENABLE_HTTP_WEBSOCKET
// Client: sends an upgrade request for uri with extra_headers ("K: V\r\n"...,
// may be NULL) on nc (which has the HTTP protocol handler).
void mg_send_websocket_handshake(struct mg_connection *nc, const char *uri,
                                 const char *extra_headers);
// Same, with a Host header and an optional subprotocol.
void mg_send_websocket_handshake2(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers);
// Same, with Basic credentials (user may be NULL).
void mg_send_websocket_handshake3(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers, const char *user,
                                  const char *pass);
void mg_send_websocket_handshake3v(struct mg_connection *nc,
                                   const struct mg_str path,
                                   const struct mg_str host,
                                   const struct mg_str protocol,
                                   const struct mg_str extra_headers,
                                   const struct mg_str user,
                                   const struct mg_str pass);
// Connects to a ws:// URL and performs the handshake. The handler gets
// MG_EV_WEBSOCKET_HANDSHAKE_DONE, then frames. NULL on a bad URL.
struct mg_connection *mg_connect_ws(struct mg_mgr *mgr,
                                    MG_CB(mg_event_handler_t event_handler,
                                          void *user_data),
                                    const char *url, const char *protocol,
                                    const char *extra_headers);
struct mg_connection *mg_connect_ws_opt(
    struct mg_mgr *mgr, MG_CB(mg_event_handler_t ev_handler, void *user_data),
    struct mg_connect_opts opts, const char *url, const char *protocol,
    const char *extra_headers);
// Sends one frame: op_and_flags is an opcode, or'ed with WEBSOCKET_DONT_FIN
// for a fragment. Clients mask with a fresh random key.
void mg_send_websocket_frame(struct mg_connection *nc, int op_and_flags,
                             const void *data, size_t data_len);
// Sends the concatenation of strings as one frame.
void mg_send_websocket_framev(struct mg_connection *nc, int op_and_flags,
                              const struct mg_str *strings, int num_strings);
void mg_printf_websocket_frame(struct mg_connection *nc, int op_and_flags,
                               const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#endif  // MG_ENABLE_HTTP_WEBSOCKET

// ---- HTTP client -----------------------------------------------------------

// Connects to an http:// URL and sends a request: GET, or POST with
// post_data (Content-Length set) when it is not NULL. extra_headers are
// "K: V\r\n" lines (may be NULL). Credentials in the URL ("user:pass@")
// become a Basic Authorization header. The handler gets MG_EV_CONNECT,
// then MG_EV_HTTP_CHUNK per chunk of a chunked reply and one
// MG_EV_HTTP_REPLY with the whole reply. NULL (and *opts.error_string) on a
// bad URL or address.
struct mg_connection *mg_connect_http(
    struct mg_mgr *mgr,
    MG_CB(mg_event_handler_t event_handler, void *user_data), const char *url,
    const char *extra_headers, const char *post_data);
struct mg_connection *mg_connect_http_opt(
    struct mg_mgr *mgr, MG_CB(mg_event_handler_t ev_handler, void *user_data),
    struct mg_connect_opts opts, const char *url, const char *extra_headers,
    const char *post_data);
// Forwards the request hm (received on nc) to upstream ("http://host:port"),
// replacing the mount prefix of its URI, and relays the reply back to nc.
void mg_http_reverse_proxy(struct mg_connection *nc,
                           const struct http_message *hm, struct mg_str mount,
                           struct mg_str upstream);

#if MG_ENABLE_FILESYSTEM
// Serves files from opts.document_root as a static web server would: see
// struct mg_serve_http_opts. Call it from MG_EV_HTTP_REQUEST.
void mg_serve_http(struct mg_connection *nc, struct http_message *hm,
                   struct mg_serve_http_opts opts);
// Serves one file (Range, ETag, conditional requests, HEAD) with the given
// MIME type and extra headers ("K: V\r\n"...).
void mg_http_serve_file(struct mg_connection *nc, struct http_message *hm,
                        const char *path, const struct mg_str mime_type,
                        const struct mg_str extra_headers);
// A ready-made handler for streaming uploads: each file part is written to
// the file local_name_fn names. A client file name that is ".", ".." or has
// a path separator gets 400; an empty local name 403; a write error 500.
// local_name_fn may return a MG_MALLOC'd name (freed here with MG_FREE when
// it differs from the one passed in). Answers 200 with a summary.
void mg_file_upload_handler(struct mg_connection *nc, int ev, void *ev_data,
                            mg_fu_fname_fn local_name_fn
                                MG_UD_ARG(void *user_data));

// Digest authentication (RFC 7616, MD5, qop=auth) against htdigest files
// ("user:realm:HA1" lines). Returns 1 if the request is authorized.
int mg_http_is_authorized(struct http_message *hm, struct mg_str path,
                          const char *domain, const char *passwords_file,
                          int flags);
// Checks the Authorization header of hm against the htdigest file fp.
// Returns 1 if it is valid, 0 otherwise.
int mg_http_check_digest_auth(struct http_message *hm, const char *auth_domain,
                              FILE *fp);
int mg_check_digest_auth(struct mg_str method, struct mg_str uri,
                         struct mg_str username, struct mg_str cnonce,
                         struct mg_str response, struct mg_str qop,
                         struct mg_str nc, struct mg_str nonce,
                         struct mg_str auth_domain, FILE *fp);
#endif
// Sends 401 with a fresh Digest challenge for domain.
void mg_http_send_digest_auth_request(struct mg_connection *c,
                                      const char *domain);
// Builds an Authorization header (without CRLF) answering a Digest
// challenge. Returns its length, 0 if buf is too small.
int mg_http_create_digest_auth_header(char *buf, size_t buf_len,
                                      const char *method, const char *uri,
                                      const char *auth_domain, const char *user,
                                      const char *passwd, const char *nonce);
// Appends "Authorization: Basic base64(user:pass)\r\n" to buf. With
// pass.p == NULL only the user part is encoded, without the colon.
void mg_basic_auth_header(const struct mg_str user, const struct mg_str pass,
                          struct mbuf *buf);

// Flags for mg_http_is_authorized().
#define MG_AUTH_FLAG_IS_DIRECTORY (1 << 0)         // path is a directory
#define MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE (1 << 1)  // passwords_file is global
#define MG_AUTH_FLAG_ALLOW_MISSING_FILE (1 << 2)   // No file: authorized

#endif  // MG_ENABLE_HTTP
