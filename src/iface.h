// Network interfaces: the vtable through which the core does all socket I/O.
// The default iface is non-blocking BSD sockets with select().
#pragma once
#include "net.h"

struct mg_iface {
  struct mg_mgr *mgr;                    // The manager it serves
  void *data;                            // The iface's own state
  const struct mg_iface_vtable *vtable;  // Its functions
};

struct mg_iface_vtable {
  void (*init)(struct mg_iface *iface);           // Called by mg_mgr_init
  void (*free)(struct mg_iface *iface);           // Called by mg_mgr_free
  void (*add_conn)(struct mg_connection *nc);     // nc joined the manager
  void (*remove_conn)(struct mg_connection *nc);  // nc leaves the manager
  // Waits up to timeout_ms for I/O and calls the mg_if_* callbacks.
  // Returns the current time.
  time_t (*poll)(struct mg_iface *iface, int timeout_ms);
  // Open a listener on sa. Return 0, or an errno value.
  int (*listen_tcp)(struct mg_connection *nc, union socket_address *sa);
  int (*listen_udp)(struct mg_connection *nc, union socket_address *sa);
  // Start connecting; set nc->err on an immediate failure.
  void (*connect_tcp)(struct mg_connection *nc, const union socket_address *sa);
  void (*connect_udp)(struct mg_connection *nc);
  // Send up to len bytes. Return bytes sent, 0 if the socket would block,
  // -1 on error.
  int (*tcp_send)(struct mg_connection *nc, const void *buf, size_t len);
  int (*udp_send)(struct mg_connection *nc, const void *buf, size_t len);
  // Receive up to len bytes. Return bytes read, 0 if nothing is available
  // yet, -1 on error or end of stream.
  int (*tcp_recv)(struct mg_connection *nc, void *buf, size_t len);
  int (*udp_recv)(struct mg_connection *nc, void *buf, size_t len,
                  union socket_address *sa, size_t *sa_len);
  int (*create_conn)(struct mg_connection *nc);    // Return 1 on success
  void (*destroy_conn)(struct mg_connection *nc);  // Close the socket
  void (*sock_set)(struct mg_connection *nc, sock_t sock);  // Adopt sock
  // Fill sa with the local or (remote != 0) peer address of nc.
  void (*get_conn_addr)(struct mg_connection *nc, int remote,
                        union socket_address *sa);

  // Entries beyond 6.x, all optional: a NULL entry means "not supported",
  // so a 6.x vtable that ends at get_conn_addr keeps working.
  // Sends up to len bytes of file fd from *offset straight to nc, advancing
  // *offset. Returns the bytes sent, 0 if the socket would block, -1 on
  // error (nc->err set), -2 if it cannot be done for nc (the caller then
  // reads the file and sends it). Protocols call mg_conn_sendfile().
  long (*sendfile)(struct mg_connection *nc, int fd, int64_t *offset,
                   size_t len);
  // The manager's wakeup channel, which carries mg_broadcast() messages to
  // the poll thread; used on the main iface (mgr->ifaces[0]) only. Without
  // it mg_broadcast() logs an error and does nothing.
  // Opens the channel. Returns 1 on success, 0 on failure.
  int (*ctl_open)(struct mg_mgr *mgr);
  // Queues one message of len bytes, whole, from any thread; may block
  // while the channel is full. Returns 1 if queued, 0 if not (the iface
  // logs why).
  int (*ctl_send)(struct mg_mgr *mgr, const void *msg, size_t len);
  // Takes one queued message into buf without blocking. Returns its
  // length, or a value <= 0 if none is queued. The iface's poll calls
  // mg_mgr_handle_ctl() when the channel has messages.
  int (*ctl_recv)(struct mg_mgr *mgr, void *buf, size_t len);
  // Closes the channel; does nothing if it is not open.
  void (*ctl_close)(struct mg_mgr *mgr);
};

// The ifaces compiled in; mg_ifaces[0] is the default.
extern const struct mg_iface_vtable *mg_ifaces[];
extern int mg_num_ifaces;
// The select() iface: the default (see MG_DEFAULT_IFACE).
extern const struct mg_iface_vtable mg_socket_iface_vtable;
#if MG_ENABLE_POLL
// The poll() iface: no FD_SETSIZE limit.
extern const struct mg_iface_vtable mg_poll_iface_vtable;
#endif
#if MG_ENABLE_EPOLL
// The epoll iface (Linux): scales to many idle connections.
extern const struct mg_iface_vtable mg_epoll_iface_vtable;
#endif
#define mg_default_iface_vtable MG_DEFAULT_IFACE

// Allocates an iface for mgr (not yet added to it). NULL on failure.
struct mg_iface *mg_if_create_iface(const struct mg_iface_vtable *vtable,
                                    struct mg_mgr *mgr);
// Returns the first iface of mgr after from (NULL: from the start) that
// uses vtable, or NULL.
struct mg_iface *mg_find_iface(struct mg_mgr *mgr,
                               const struct mg_iface_vtable *vtable,
                               struct mg_iface *from);

// Callbacks an iface makes into the core.
// A listener has a new peer: returns a new connection (with the listener's
// handler and user_data) added to the manager, or NULL.
struct mg_connection *mg_if_accept_new_conn(struct mg_connection *lc);
// The accepted connection is ready: records sa, sends MG_EV_ACCEPT.
void mg_if_accept_tcp_cb(struct mg_connection *nc, union socket_address *sa,
                         size_t sa_len);
// The connect finished with err (0 = success): sends MG_EV_CONNECT.
void mg_if_connect_cb(struct mg_connection *nc, int err);
// The socket is readable: the core reads into recv_mbuf (or accepts,
// for a UDP listener) and sends MG_EV_RECV.
void mg_if_can_recv_cb(struct mg_connection *nc);
// The socket is writable: the core sends from send_mbuf, MG_EV_SEND.
void mg_if_can_send_cb(struct mg_connection *nc);
// A datagram arrived on nc (for push-style ifaces): delivered to the
// per-peer connection of a listener, or to nc itself.
void mg_if_recv_udp_cb(struct mg_connection *nc, void *buf, int len,
                       union socket_address *sa, size_t sa_len);
// Fires nc's timer and MG_EV_POLL, and closes nc if it must close.
// Returns 0 if nc was closed (and freed), 1 otherwise.
int mg_if_poll(struct mg_connection *nc, double now);
// The wakeup channel of mgr has messages: the core takes them with
// ctl_recv and runs their mg_broadcast() callbacks.
void mg_mgr_handle_ctl(struct mg_mgr *mgr);
// Returns the earliest timer of all connections, 0 if none is set.
double mg_mgr_min_timer(const struct mg_mgr *mgr);
