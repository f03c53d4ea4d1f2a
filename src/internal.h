// Declarations shared between modules that are not part of the public API.
// This header goes into mongoose.c only, never into mongoose.h.
#pragma once
#include "arch.h"
#include "config.h"
#include "str.h"
#include "mbuf.h"
#include "log.h"
#include "util.h"
#include "md5.h"
#include "sha1.h"
#include "uri.h"
#include "net.h"
#include "iface.h"

#ifndef MG_ARRAY_SIZE
#define MG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

// Core flag set when the peer closed its side: stop watching for reads.
#define MG_F_PEER_EOF (1 << 15)

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
int mg_sock_set_non_blocking(sock_t sock);
void mg_sock_close(sock_t sock);
int mg_sock_recv_nb(sock_t sock, void *buf, size_t len);
int mg_sock_send_all(sock_t sock, const void *buf, size_t len);
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
