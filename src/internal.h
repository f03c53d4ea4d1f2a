// Declarations shared between modules that are not part of the public API.
// This header goes into mongoose.c only, never into mongoose.h.
#pragma once
#include "arch.h"
#include "config.h"
#include "str.h"
#include "mbuf.h"
#include "log.h"
#include "util.h"
#include "base64.h"
#include "md5.h"
#include "sha1.h"
#include "uri.h"
#include "net.h"
#include "iface.h"
#include "http.h"


// Core flag set when the peer closed its side: stop watching for reads.
#define MG_F_PEER_EOF (1 << 15)
// Core flag: a protocol handler still owes the peer a response, so end of
// stream must not close the connection yet (the handler closes it).
#define MG_F_HOLD_ON_EOF (1 << 16)
// Core flag: a protocol streams a file with mg_sock_sendfile(). The iface
// watches for write even with an empty send_mbuf, and the core then sends
// MG_EV_SEND with 0 bytes so the protocol can go on.
#define MG_F_SENDFILE (1 << 17)

// An error code that is not an errno: the descriptor is too high for
// select(). Socket ifaces return it from listen and set it in nc->err.
#define MG_EFDSETSIZE 100001

// net.c
// Dispatches ev to handler (NULL: the protocol handler if set, else the
// user handler), then restores the flags a user handler may not change.
void mg_call(struct mg_connection *nc, mg_event_handler_t handler, int ev,
             void *ev_data);
// Sends MG_EV_CLOSE, unlinks nc from its manager and frees it.
void mg_close_conn(struct mg_connection *nc);
// Reads queued mg_broadcast() messages from mgr->ctl[1] and delivers them.
void mg_mgr_handle_ctl(struct mg_mgr *mgr);
// Returns a readable message for an errno value (or MG_EFDSETSIZE).
const char *mg_strerror(int err);

// sock_common.c: POSIX socket primitives shared by the socket ifaces.
// fd_limit is the first descriptor the iface cannot watch (FD_SETSIZE for
// select()); sockets at or above it are closed and refused.
int mg_sock_listen(struct mg_connection *nc, union socket_address *sa,
                   int type, int fd_limit);
void mg_sock_connect(struct mg_connection *nc, const union socket_address *sa,
                     int type, int fd_limit);
void mg_sock_accept_conns(struct mg_connection *lc, int fd_limit);
int mg_sock_get_error(sock_t sock);
// Readiness interest: read unless backpressured, connecting, at EOF or a
// UDP per-peer connection (its listener reads); write while connecting or
// while bytes are queued.
int mg_sock_wants_read(const struct mg_connection *nc);
int mg_sock_wants_write(const struct mg_connection *nc);
// True if nc has work that must not wait for I/O (a failed connect to
// report, a close to perform).
int mg_sock_has_pending(const struct mg_connection *nc);
// Performs the I/O the iface saw nc ready for: connect completion, accept,
// receive, send.
void mg_sock_handle_io(struct mg_connection *nc, int can_read, int can_write,
                       int fd_limit);
// The wait for this iteration: at most timeout_ms, cut short by the
// nearest timer.
int mg_sock_poll_timeout(struct mg_mgr *mgr, int timeout_ms);
int mg_sock_set_non_blocking(sock_t sock);
void mg_sock_close(sock_t sock);
int mg_sock_recv_nb(sock_t sock, void *buf, size_t len);
int mg_sock_send_all(sock_t sock, const void *buf, size_t len);
// Sends up to len bytes of file fd from *offset straight to nc's socket
// (Linux sendfile), advancing *offset. Returns the bytes sent, 0 if the
// socket would block, -1 on error, -2 where sendfile is not available or
// nc is not a plain socket of ours (then read and send instead).
long mg_sock_sendfile(struct mg_connection *nc, int fd, int64_t *offset,
                      size_t len);
int mg_sock_tcp_send(struct mg_connection *nc, const void *buf, size_t len);
int mg_sock_udp_send(struct mg_connection *nc, const void *buf, size_t len);
int mg_sock_tcp_recv(struct mg_connection *nc, void *buf, size_t len);
int mg_sock_udp_recv(struct mg_connection *nc, void *buf, size_t len,
                     union socket_address *sa, size_t *sa_len);
int mg_sock_create_conn(struct mg_connection *nc);
void mg_sock_destroy_conn(struct mg_connection *nc);
void mg_sock_get_conn_addr(struct mg_connection *nc, int remote,
                           union socket_address *sa);
// Returns the length of the address for its family.
socklen_t mg_sa_len(const union socket_address *sa);
// Returns 1 if a and b hold the same family, address and port.
int mg_sa_equal(const union socket_address *a, const union socket_address *b);
