// Core internals: what net.c and iface.c share with the layers above them
// (the socket ifaces and the protocols), not public API. This header goes
// into mongoose.c only, never into mongoose.h.
#pragma once
#include "arch.h"
#include "net.h"
#include "iface.h"

// Core flag set when the peer closed its side: stop watching for reads.
#define MG_F_PEER_EOF (1 << 15)
// Core flag: a protocol handler still owes the peer a response, so end of
// stream must not close the connection yet (the handler closes it).
#define MG_F_HOLD_ON_EOF (1 << 16)
// Core flag: a protocol streams a file with mg_conn_sendfile(). The iface
// watches for write even with an empty send_mbuf, and the core then sends
// MG_EV_SEND with 0 bytes so the protocol can go on.
#define MG_F_SENDFILE (1 << 17)

// An error code that is not an errno: the descriptor is too high for
// select(). Socket ifaces return it from listen and set it in nc->err.
#define MG_EFDSETSIZE 100001

// Internal handlers are written for both callback modes: their parameter
// list ends with MG_UD_ARG(void *user_data), and MG_UD_UNUSED marks it
// used.
#if MG_ENABLE_CALLBACK_USERDATA
#define MG_UD_UNUSED (void) user_data
// Copies the user_data argument of an MG_CB() call into opts.
#define MG_UD_TO_OPTS(opts) (opts).user_data = user_data
#else
#define MG_UD_UNUSED (void) 0
#define MG_UD_TO_OPTS(opts) (void) 0
#endif

// net.c
// Dispatches ev to handler (NULL: the protocol handler if set, else the
// user handler), then restores the flags a user handler may not change.
// With MG_ENABLE_CALLBACK_USERDATA the handler gets nc->user_data.
void mg_call(struct mg_connection *nc, mg_event_handler_t handler, int ev,
             void *ev_data);
// Calls the connection's user handler, if it has one: what protocol
// handlers use (mg_call() with a NULL handler would mean the protocol
// handler itself).
void mg_call_user(struct mg_connection *nc, int ev, void *ev_data);
// Sends MG_EV_CLOSE, unlinks nc from its manager and frees it.
void mg_close_conn(struct mg_connection *nc);
// Returns a readable message for an errno value (or MG_EFDSETSIZE,
// MG_ENORESOLVER).
const char *mg_strerror(int err);
// Sends up to len bytes of file fd from *offset to nc through its iface's
// sendfile entry, advancing *offset. Returns the bytes sent, 0 if the socket
// would block, -1 on error, -2 if the iface cannot (no sendfile entry, TLS,
// or a traffic dump that must see the bytes): then read and send instead.
long mg_conn_sendfile(struct mg_connection *nc, int fd, int64_t *offset,
                      size_t len);

#if MG_ENABLE_ASYNC_RESOLVER
// resolv.c: the one call from the core up into a protocol (an exception
// in tools/check_layers.sh). c (just added, no socket, its port in c->sa,
// MG_F_UDP for udp://) needs host resolved: sets MG_F_RESOLVING, and once
// the address is known clears it and connects c; if the name cannot be
// resolved, sets c->err to an MG_EDNS_* code so that the iface delivers
// MG_EV_CONNECT with it. nameserver (NULL: the manager's) as in
// mg_resolve_async_opts. Closing c meanwhile is safe: while MG_F_RESOLVING
// is set, c->priv_2 holds the address of the resolver's pointer to c, and
// the core clears that pointer when it frees c. Without the resolver net.c
// has a static fallback that fails with MG_ENORESOLVER.
void mg_resolve_and_connect(struct mg_connection *c, const char *host,
                            int proto, const char *nameserver);
#endif

#if MG_ENABLE_SSL
// tls.c: the TLS layer (transport) on the I/O seam. The core calls these
// hooks (an exception in tools/check_layers.sh, like the resolver's): a
// connection with MG_F_SSL moves its bytes through mg_tls_recv() and
// mg_tls_send() instead of the iface's tcp_recv and tcp_send, which the TLS
// layer calls underneath.
// Makes listener lc a TLS listener from opts. NULL, or an error message.
const char *mg_tls_listen(struct mg_connection *lc,
                          const struct mg_bind_opts *opts);
// Makes nc (not yet connected) a TLS client if opts ask for TLS (MG_F_SSL
// in opts->flags or any ssl_* field). host: the host of the address (SNI
// and the name verified, unless opts->ssl_server_name says otherwise), ""
// for a numeric address. NULL, or an error message.
const char *mg_tls_client(struct mg_connection *nc,
                          const struct mg_connect_opts *opts, const char *host);
// nc was accepted by TLS listener lc: gives it its own TLS state. Returns
// 1, or 0 (out of memory: the caller closes nc).
int mg_tls_accept(struct mg_connection *nc, struct mg_connection *lc);
// Advances the handshake of nc (TCP connected, handshake not done). When
// it completes: MG_F_SSL_HANDSHAKE_DONE, then MG_EV_CONNECT (client) or
// MG_EV_ACCEPT (server). When it fails: MG_EV_CONNECT with an MG_ETLS_*
// error (client), or a logged close (server).
void mg_tls_handshake(struct mg_connection *nc);
// tcp_recv / tcp_send contracts (see struct mg_iface_vtable) for a
// connection whose handshake is done. mg_tls_recv() reads until the
// library has nothing more or buf is full.
int mg_tls_recv(struct mg_connection *nc, void *buf, size_t len);
int mg_tls_send(struct mg_connection *nc, const void *buf, size_t len);
// 1 if the TLS library holds received bytes that nc has not read yet and
// nc has room for them: readiness will not tell, so the core reads them.
int mg_tls_pending(const struct mg_connection *nc);
// Closes nc with MG_ETLS_TIMEOUT if its handshake took too long.
void mg_tls_poll(struct mg_connection *nc, double now);
// Sends close_notify (best effort, never blocks) and frees nc's TLS state.
void mg_tls_free(struct mg_connection *nc);
#endif

// broadcast.c
// The main iface's vtable (it carries the wakeup channel), or NULL while
// the manager has no ifaces.
const struct mg_iface_vtable *mg_mgr_main_vtable(const struct mg_mgr *m);
// Opens the wakeup channel for mg_broadcast(), if the main iface has one.
void mg_mgr_open_ctl(struct mg_mgr *m);
// mg_mgr_poll() marks this thread as polling m (a broadcast from its
// handlers does not wait); returns what it was polling before, for
// mg_mgr_poll_leave().
void *mg_mgr_poll_enter(struct mg_mgr *m);
void mg_mgr_poll_leave(void *outer);
