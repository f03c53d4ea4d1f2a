// Declarations shared by the socket ifaces (sock_*.c) and nobody else: the
// POSIX socket primitives of sock_common.c and the vtable entries that
// the select(), poll() and epoll ifaces have in common.
#pragma once
#include "core_internal.h"

// Returns the first descriptor iface cannot watch: FD_SETSIZE for select(),
// INT_MAX for poll() and epoll. Sockets at or above it are closed and
// refused (listen and connect fail with MG_EFDSETSIZE).
int mg_sock_fd_limit(const struct mg_iface *iface);
// Readiness interest: read unless backpressured, connecting, at EOF or a
// UDP per-peer connection (its listener reads); write while connecting,
// while bytes are queued, or while a file goes out with sendfile.
int mg_sock_wants_read(const struct mg_connection *nc);
int mg_sock_wants_write(const struct mg_connection *nc);
// True if nc has work that must not wait for I/O (a failed connect to
// report, a close to perform).
int mg_sock_has_pending(const struct mg_connection *nc);
// Performs the I/O the iface saw nc ready for: connect completion, accept,
// receive, send.
void mg_sock_handle_io(struct mg_connection *nc, int can_read, int can_write);
// One walk over the connections before the wait learns all an iteration
// needs: each iface fills its sets from the same pass, so an iteration costs
// the MG_EV_POLL walk and this one, not a walk per question.
struct mg_sock_pass {
  double min_timer;            // The nearest timer of any connection, 0: none
  int pending;                 // Work that must not wait: do not block
  int connecting;              // One of the iface's connections is connecting
  struct mg_connection *head;  // The list's head when the pass began
};
void mg_sock_pass_begin(struct mg_sock_pass *p, struct mg_mgr *mgr);
// Notes nc (timer, pending work); returns 1 if nc is iface's.
int mg_sock_pass_note(struct mg_sock_pass *p, const struct mg_iface *iface,
                      const struct mg_connection *nc);
// The wait for this iteration: 0 with pending work, else at most
// timeout_ms, cut short by the nearest timer.
int mg_sock_pass_wait_ms(const struct mg_sock_pass *p, int timeout_ms);
// After the dispatch: reports the connects of iface that failed without
// I/O (a resolver error, a refused descriptor). Looks at the connections
// added since the pass, and at the others only if one was connecting.
void mg_sock_pass_connects(const struct mg_sock_pass *p,
                           struct mg_iface *iface);

// Vtable entries shared by the socket ifaces (see struct mg_iface_vtable
// for their contracts). Descriptors are checked against mg_sock_fd_limit().
int mg_sock_listen_tcp(struct mg_connection *nc, union socket_address *sa);
int mg_sock_listen_udp(struct mg_connection *nc, union socket_address *sa);
void mg_sock_connect_tcp(struct mg_connection *nc,
                         const union socket_address *sa);
void mg_sock_connect_udp(struct mg_connection *nc);
int mg_sock_tcp_send(struct mg_connection *nc, const void *buf, size_t len);
int mg_sock_udp_send(struct mg_connection *nc, const void *buf, size_t len);
int mg_sock_tcp_recv(struct mg_connection *nc, void *buf, size_t len);
int mg_sock_udp_recv(struct mg_connection *nc, void *buf, size_t len,
                     union socket_address *sa, size_t *sa_len);
int mg_sock_create_conn(struct mg_connection *nc);
void mg_sock_destroy_conn(struct mg_connection *nc);
void mg_sock_sock_set(struct mg_connection *nc, sock_t sock);
void mg_sock_get_conn_addr(struct mg_connection *nc, int remote,
                           union socket_address *sa);
// Linux sendfile() for our own plain sockets; -2 elsewhere.
long mg_sock_tcp_sendfile(struct mg_connection *nc, int fd, int64_t *offset,
                          size_t len);
// The wakeup channel: a datagram socketpair in mgr->ctl (the ifaces watch
// ctl[1] for reading; mg_broadcast() writes to ctl[0]).
int mg_sock_ctl_open(struct mg_mgr *mgr);
int mg_sock_ctl_send(struct mg_mgr *mgr, const void *msg, size_t len);
int mg_sock_ctl_recv(struct mg_mgr *mgr, void *buf, size_t len);
void mg_sock_ctl_close(struct mg_mgr *mgr);
