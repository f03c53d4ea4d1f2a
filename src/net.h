// The event manager and connections: the core of the library.
#pragma once
#include "log.h"
#include "mbuf.h"
#include "str.h"
#include "util.h"

struct mg_connection;
struct mg_iface;
struct mg_iface_vtable;

// 6.x callback modes. With MG_ENABLE_CALLBACK_USERDATA=1 (set it when
// compiling mongoose.c and the application alike) every handler gets a
// fourth argument, user_data, and the calls that take a handler take it as
// well. Write code for both modes with MG_CB(handler, user_data) and
// MG_UD_ARG(void *user_data):
//   static void cb(struct mg_connection *nc, int ev, void *ev_data
//                  MG_UD_ARG(void *user_data)) { ... }
//   mg_bind(&mgr, "8000", MG_CB(cb, my_data));
// The handler's user_data is nc->user_data (an endpoint's own user_data for
// an endpoint handler).
#if MG_ENABLE_CALLBACK_USERDATA
#define MG_UD_ARG(ud) , ud
#define MG_CB(cb, ud) cb, ud
#else
#define MG_UD_ARG(ud)
#define MG_CB(cb, ud) cb
#endif

// An event handler. ev is one of MG_EV_*; ev_data depends on ev.
typedef void (*mg_event_handler_t)(struct mg_connection *nc, int ev,
                                   void *ev_data MG_UD_ARG(void *user_data));

// MG_EV_CONNECT errors for a host name that could not be resolved (not
// errno values; mg_strerror() has a text for each). MG_ENORESOLVER: no DNS
// resolver is built (MG_ENABLE_ASYNC_RESOLVER 0).
#define MG_ENORESOLVER 100002
#define MG_EDNS_NXDOMAIN 100003  // The name does not exist
#define MG_EDNS_NODATA 100004    // The name has no A or AAAA record
#define MG_EDNS_SERVFAIL 100005  // The nameservers answered SERVFAIL
#define MG_EDNS_TIMEOUT 100006   // No nameserver answered in time
#define MG_EDNS_FAILED 100007    // The nameservers could not be queried
// MG_EV_CONNECT errors of a TLS connection (the handshake failed; the
// library's own reason is logged with MG_ERROR).
#define MG_ETLS_CERT 100010      // The peer's certificate did not verify
#define MG_ETLS_HOSTNAME 100011  // The certificate names another host
#define MG_ETLS_PROTO 100012     // Handshake failed: protocol, cipher, alert
#define MG_ETLS_TIMEOUT 100013   // No handshake in MG_SSL_HANDSHAKE_TIMEOUT s
#define MG_ETLS_CLOSED 100014    // The peer closed during the handshake

// Core events: what ev_data points to is in the comment.
#define MG_EV_POLL 0     // time_t *now: every poll iteration
#define MG_EV_ACCEPT 1   // union socket_address *peer: new inbound conn
#define MG_EV_CONNECT 2  // int *err: outbound connect done, 0 = success
#define MG_EV_RECV 3     // int *num_bytes: new bytes in recv_mbuf
#define MG_EV_SEND 4     // int *num_bytes: bytes written from send_mbuf
#define MG_EV_CLOSE 5    // NULL: the connection is about to be freed
#define MG_EV_TIMER 6    // double *deadline: the mg_set_timer() time came

// Connection flags (nc->flags).
#define MG_F_LISTENING (1 << 0)                // Listening socket
#define MG_F_UDP (1 << 1)                      // UDP socket
#define MG_F_RESOLVING (1 << 2)                // Waiting for a DNS answer
#define MG_F_CONNECTING (1 << 3)               // connect() in progress
#define MG_F_SSL (1 << 4)                      // TLS connection
#define MG_F_SSL_HANDSHAKE_DONE (1 << 5)       // TLS handshake finished
#define MG_F_WANT_READ (1 << 6)                // TLS wants to read
#define MG_F_WANT_WRITE (1 << 7)               // TLS wants to write
#define MG_F_IS_WEBSOCKET (1 << 8)             // WebSocket connection
#define MG_F_RECV_AND_CLOSE (1 << 9)           // Drain receive data, then close
#define MG_F_SEND_AND_CLOSE (1 << 10)          // Send send_mbuf, then close
#define MG_F_CLOSE_IMMEDIATELY (1 << 11)       // Close now, dropping send_mbuf
#define MG_F_PROTO_1 (1 << 12)                 // Protocol-specific flag
#define MG_F_PROTO_2 (1 << 13)                 // Protocol-specific flag
#define MG_F_WEBSOCKET_NO_DEFRAG MG_F_PROTO_1  // Deliver WS fragments as is
#define MG_F_DELETE_CHUNK MG_F_PROTO_2   // Drop HTTP chunks after the event
#define MG_F_ENABLE_BROADCAST (1 << 14)  // SO_BROADCAST on a UDP socket
#define MG_F_USER_1 (1 << 20)            // Free for the application
#define MG_F_USER_2 (1 << 21)
#define MG_F_USER_3 (1 << 22)
#define MG_F_USER_4 (1 << 23)
#define MG_F_USER_5 (1 << 24)
#define MG_F_USER_6 (1 << 25)

// The flags a user handler may change; the core restores the others.
#define MG_F_USER_MODIFIABLE                                             \
  (MG_F_USER_1 | MG_F_USER_2 | MG_F_USER_3 | MG_F_USER_4 | MG_F_USER_5 | \
   MG_F_USER_6 | MG_F_SEND_AND_CLOSE | MG_F_CLOSE_IMMEDIATELY |          \
   MG_F_WEBSOCKET_NO_DEFRAG | MG_F_DELETE_CHUNK | MG_F_IS_WEBSOCKET)

// The event manager: owns every connection and the ifaces that do I/O.
struct mg_mgr {
  struct mg_connection *active_connections;  // List of connections
  const char *hexdump_file;  // Dump traffic here: a path, "-" for stdout
  sock_t ctl[2];             // mg_broadcast() socketpair
  void *user_data;           // From mg_mgr_init()
  int num_ifaces;            // Entries in ifaces
  int num_calls;             // Non-POLL events dispatched so far
  struct mg_iface **ifaces;  // ifaces[0] is the main iface
  const char *nameserver;    // DNS server for the resolver
  void *resolver;            // The resolver's state (cache): one flat block
                             // that mg_mgr_free() frees
  time_t date_time;          // HTTP: the second date was formatted for
  char date[32];             // HTTP: that second's Date value (IMF-fixdate)
  void *dav_locks;           // WebDAV locks: one flat block that
                             // mg_mgr_free() frees
};

// A connection: a socket, its buffers and its handlers.
struct mg_connection {
  struct mg_connection *next, *prev;  // Links in mgr->active_connections
  struct mg_connection *listener;     // The listener that accepted this one
  struct mg_mgr *mgr;                 // The manager this belongs to
  sock_t sock;                        // Socket, INVALID_SOCKET if none
  int err;                            // Last error (an errno value)
  union socket_address sa;            // Peer (or bound) address
  size_t recv_mbuf_limit;            // Stop reading while recv_mbuf.len >= this
  struct mbuf recv_mbuf;             // Received bytes
  struct mbuf send_mbuf;             // Bytes waiting to be sent
  time_t last_io_time;               // Time of the last read or write
  double ev_timer_time;              // When MG_EV_TIMER fires; 0 = no timer
  mg_event_handler_t proto_handler;  // Protocol handler, sees events first
  void *proto_data;                  // Protocol handler's state
  void (*proto_data_destructor)(void *proto_data);  // Frees proto_data
  mg_event_handler_t handler;                       // User event handler
  void *user_data;                                  // For the application
  union {
    void *v;
    mg_event_handler_t f;
  } priv_1;                // Used by protocol handlers
  void *priv_2;            // Used by protocol handlers
  void *mgr_data;          // Used by the manager
  struct mg_iface *iface;  // The iface doing this connection's I/O
  unsigned long flags;     // MG_F_*
  void *ssl_if_data;       // TLS state
#if MG_ENABLE_SSL
  double ssl_deadline;  // When the TLS handshake must be done (mg_time())
#endif
};

// Options for mg_mgr_init_opt(); zero means default.
struct mg_mgr_init_opts {
  const struct mg_iface_vtable *main_iface;  // NULL: mg_ifaces[0]
  int num_ifaces;                            // Extra ifaces
  const struct mg_iface_vtable **ifaces;     // num_ifaces vtables
  const char *nameserver;                    // DNS server
};

// Options for mg_add_sock_opt().
struct mg_add_sock_opts {
  void *user_data;            // Becomes nc->user_data
  unsigned int flags;         // Added to nc->flags (MG_F_USER_*...)
  const char **error_string;  // Gets a message when the call fails
  struct mg_iface *iface;     // NULL: the main iface
};

// Options for mg_bind_opt().
struct mg_bind_opts {
  void *user_data;
  unsigned int flags;
  const char **error_string;
  struct mg_iface *iface;
#if MG_ENABLE_SSL
  // TLS: a listener with ssl_cert accepts TLS connections only.
  const char *ssl_cert;           // PEM file: certificate (chain), maybe key
  const char *ssl_key;            // PEM file: key (NULL: in ssl_cert)
  const char *ssl_ca_cert;        // PEM file: require client certificates
                                  // signed by these CAs (NULL: none asked)
  const char *ssl_cipher_suites;  // TLS 1.2 cipher list (NULL: MG_SSL_CIPHERS)
#endif
};

// Options for mg_connect_opt().
struct mg_connect_opts {
  void *user_data;
  unsigned int flags;  // MG_F_SSL: TLS with the defaults below
  const char **error_string;
  struct mg_iface *iface;
  const char *nameserver;  // DNS server for this connection's name lookup
#if MG_ENABLE_SSL
  // TLS: any of these (or MG_F_SSL in flags, or an https://, wss:// URL)
  // makes the connection TLS.
  const char *ssl_cert;     // PEM file: client certificate (chain)
  const char *ssl_key;      // PEM file: its key (NULL: in ssl_cert)
  const char *ssl_ca_cert;  // PEM file of trusted CAs; "*": no verification
                            // (NULL: the system's trust store)
  const char *ssl_cipher_suites;  // TLS 1.2 cipher list (NULL: MG_SSL_CIPHERS)
  const char *ssl_server_name;    // SNI and verified name (NULL: the host
                                  // of the address; "*": no name check)
  const char *ssl_psk_identity;   // TLS 1.2 pre-shared key identity
  const char *ssl_psk_key;        // and key, in hex
#endif
};

// Initialises mgr with the default iface. Ignores SIGPIPE.
void mg_mgr_init(struct mg_mgr *mgr, void *user_data);
// Initialises mgr with the ifaces named in opts.
void mg_mgr_init_opt(struct mg_mgr *mgr, void *user_data,
                     struct mg_mgr_init_opts opts);
// Closes every connection (each gets MG_EV_CLOSE) and frees the manager.
void mg_mgr_free(struct mg_mgr *mgr);
// Runs one iteration: waits at most milli ms (less if a timer is due) for
// I/O, performs it, fires timers and MG_EV_POLL, closes what must close.
// Returns the number of non-POLL events dispatched.
int mg_mgr_poll(struct mg_mgr *mgr, int milli);
// Calls cb(nc, MG_EV_POLL, copy of data) for every connection, from the
// thread that runs mg_mgr_poll(), and returns once that is done (as 6.x:
// what the caller does next cannot overtake the callbacks). Safe to call
// from any thread, including many at once (each waits for its own
// message). The wait is bounded: after MG_BROADCAST_TIMEOUT_MS without a
// poll the call logs and returns (the message is still delivered by the
// next poll). Called from inside a handler of mgr's poll thread it does
// not wait. len is at most MG_MAX_BROADCAST_SIZE; larger is refused.
void mg_broadcast(struct mg_mgr *mgr, mg_event_handler_t cb, void *data,
                  size_t len);
// Iterates connections: mg_next(mgr, NULL) is the first, NULL ends.
struct mg_connection *mg_next(struct mg_mgr *mgr, struct mg_connection *c);

// Wraps an existing socket (made non-blocking) in a connection. With
// sock == INVALID_SOCKET the connection has no socket (the 6.x way to make
// a timer-only connection): it gets MG_EV_POLL and MG_EV_TIMER and closes
// like any other.
struct mg_connection *mg_add_sock(struct mg_mgr *mgr, sock_t sock,
                                  MG_CB(mg_event_handler_t handler,
                                        void *user_data));
struct mg_connection *mg_add_sock_opt(struct mg_mgr *mgr, sock_t sock,
                                      MG_CB(mg_event_handler_t handler,
                                            void *user_data),
                                      struct mg_add_sock_opts opts);
// Opens a listener on address ("8000", ":8000", "udp://:53",
// "tcp://[::1]:8000"). Port 0 picks a free port: read it back with
// mg_conn_addr_to_str(). Returns NULL (and sets *opts.error_string) on
// failure.
struct mg_connection *mg_bind(struct mg_mgr *mgr, const char *address,
                              MG_CB(mg_event_handler_t handler,
                                    void *user_data));
struct mg_connection *mg_bind_opt(struct mg_mgr *mgr, const char *address,
                                  MG_CB(mg_event_handler_t handler,
                                        void *user_data),
                                  struct mg_bind_opts opts);
// Starts a non-blocking connect. The handler gets MG_EV_CONNECT with 0 or
// the errno. Returns NULL (and sets *opts.error_string) if the address is
// malformed or no socket can be created. A host name other than localhost
// is not an error here: the connection waits with MG_F_RESOLVING while the
// resolver (src/resolv.h; opts.nameserver, else the manager's, else
// resolv.conf) looks it up, A first, then AAAA, and then connects. If the
// name cannot be resolved the handler gets MG_EV_CONNECT with an
// MG_EDNS_* error (MG_ENORESOLVER when the resolver is not built) and the
// connection closes. Closing the connection while it resolves is safe.
struct mg_connection *mg_connect(struct mg_mgr *mgr, const char *address,
                                 MG_CB(mg_event_handler_t handler,
                                       void *user_data));
struct mg_connection *mg_connect_opt(struct mg_mgr *mgr, const char *address,
                                     MG_CB(mg_event_handler_t handler,
                                           void *user_data),
                                     struct mg_connect_opts opts);

#if MG_ENABLE_SSL
// Deprecated (6.x): makes nc a TLS listener (cert, and ca_cert to require
// client certificates) or, for an outbound connection that has not
// connected yet, a TLS client (cert: client certificate, ca_cert: trusted
// CAs, NULL: no verification, as 6.x). Returns NULL or an error message.
const char *mg_set_ssl(struct mg_connection *nc, const char *cert,
                       const char *ca_cert);
#endif

// Appends to send_mbuf; the bytes go out as the socket drains. For UDP,
// what is queued when the socket turns writable leaves as one datagram.
void mg_send(struct mg_connection *, const void *buf, int len);
// printf() into send_mbuf, of any length. Returns the bytes appended.
int mg_printf(struct mg_connection *c, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int mg_vprintf(struct mg_connection *, const char *fmt, va_list ap);

// Creates a connected pair of local sockets (SOCK_STREAM or SOCK_DGRAM);
// sp[1] is non-blocking. Returns 1 on success, 0 on failure.
int mg_socketpair(sock_t[2], int sock_type);
// Resolves a host name synchronously (blocking) to a dotted IPv4 address.
// Returns 1 on success, 0 on failure.
int mg_resolve(const char *domain_name, char *ip_addr_buf, size_t buf_len);
// Sets the time when c gets MG_EV_TIMER (0 cancels). Returns the old time.
double mg_set_timer(struct mg_connection *c, double timestamp);

// Formats c's local (or, with MG_SOCK_STRINGIFY_REMOTE, remote) address.
// Returns the length written, 0 on failure.
int mg_conn_addr_to_str(struct mg_connection *c, char *buf, size_t len,
                        int flags);
// Formats a socket's local or remote address.
void mg_sock_to_str(sock_t sock, char *buf, size_t len, int flags);
// Makes the socket close on exec().
void mg_set_close_on_exec(sock_t);
// Appends a dump of num_bytes of buf, sent (ev = MG_EV_SEND) or received
// (MG_EV_RECV) on nc, to the file at path ("-" stdout, "--" stderr).
void mg_hexdump_connection(struct mg_connection *nc, const char *path,
                           const void *buf, int num_bytes, int ev);
