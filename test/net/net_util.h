// Helpers shared by the net tests: bounded polling and port lookup.
#pragma once
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>
#include <strings.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

// Polls mgr until done(arg) is true or seconds pass. Returns done(arg).
static inline int poll_until(struct mg_mgr *mgr, int (*done)(void *), void *arg,
                             double seconds) {
  double deadline = mg_time() + seconds;
  while (!done(arg) && mg_time() < deadline) mg_mgr_poll(mgr, 10);
  return done(arg);
}

static inline int flag_is_set(void *arg) {
  return *(int *) arg != 0;
}

// Polls until *flag is non-zero or seconds pass.
static inline int poll_flag(struct mg_mgr *mgr, int *flag, double seconds) {
  return poll_until(mgr, flag_is_set, flag, seconds);
}

// Returns the local port of a connection (a listener bound to port 0).
static inline int conn_port(struct mg_connection *nc) {
  char buf[64];
  mg_conn_addr_to_str(nc, buf, sizeof(buf), MG_SOCK_STRINGIFY_PORT);
  return atoi(buf);
}

// ---- Free ports, for peers that need a fixed port -------------------------

// Binds a new socket of type (SOCK_STREAM, SOCK_DGRAM) to 127.0.0.1:port
// (0: any free port). Returns the descriptor, or -1 (errno set).
static inline int loopback_bind(int type, int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, type, 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
    int err = errno;
    close(fd);
    errno = err;
    fd = -1;
  }
  return fd;
}

// A port of type on 127.0.0.1 that was free a moment ago (the kernel's
// pick for port 0), or 0.
static inline int free_loopback_port(int type) {
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  int fd = loopback_bind(type, 0), port = 0;
  if (fd >= 0 && getsockname(fd, (struct sockaddr *) &sin, &len) == 0) {
    port = ntohs(sin.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

// True once something holds port of type on 127.0.0.1 (our bind fails with
// EADDRINUSE).
static inline int loopback_port_taken(int type, int port) {
  int fd = loopback_bind(type, port);
  if (fd >= 0) close(fd);
  return fd < 0 && errno == EADDRINUSE;
}

// ---- Raw client sockets, for tests that must control every byte -----------

// Connects a non-blocking TCP socket to 127.0.0.1:port. Returns the fd.
static inline int raw_connect(int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Loopback connects complete at once (the listener's backlog accepts).
  assert_int_equal(connect(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  return fd;
}

// Sends all of s, polling mgr while the socket is full.
static inline void raw_send(struct mg_mgr *mgr, int fd, const char *s,
                            size_t n) {
  double deadline = mg_time() + 10;
  while (n > 0 && mg_time() < deadline) {
    ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
    if (k > 0) {
      s += k;
      n -= (size_t) k;
    } else {
      mg_mgr_poll(mgr, 1);
    }
  }
  assert_int_equal(n, 0);
}

// Returns the length of the first complete HTTP response in buf (head plus a
// Content-Length or chunked body), or 0. Responses that carry neither end
// at close, which raw_recv reports separately.
static inline size_t http_response_len(const char *buf, size_t n) {
  const char *end = NULL, *p;
  size_t i, head, cl = 0;
  int has_cl = 0, chunked = 0, code = 0;
  for (i = 0; i + 3 < n; i++) {
    if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
      end = buf + i + 4;
      break;
    }
  }
  if (end == NULL) return 0;
  head = (size_t) (end - buf);
  if (n > 12) code = atoi(buf + 9);
  for (p = buf; p < end; p++) {
    if (*p != '\n') continue;
    if (strncasecmp(p + 1, "content-length:", 15) == 0) {
      has_cl = 1;
      cl = (size_t) strtoul(p + 16, NULL, 10);
    } else if (strncasecmp(p + 1, "transfer-encoding:", 18) == 0) {
      chunked = 1;
    }
  }
  if ((code >= 100 && code < 200) || code == 204 || code == 304) return head;
  if (has_cl) return n >= head + cl ? head + cl : 0;
  if (chunked) {
    // The body ends with the last chunk "0\r\n" and the final CRLF.
    for (i = head; i + 4 < n + 1; i++) {
      if ((i == head || buf[i - 1] == '\n') &&
          memcmp(buf + i, "0\r\n", 3) == 0) {
        const char *q = strstr(buf + i, "\r\n\r\n");
        if (q != NULL && (size_t) (q - buf) + 4 <= n)
          return (size_t) (q - buf) + 4;
      }
    }
  }
  return 0;
}

// Reads from fd into buf (NUL-terminated, cap includes the NUL) while
// polling mgr, until `want` responses are complete, the peer closes
// (*closed = 1), or seconds pass. Returns the bytes read.
static inline size_t raw_recv(struct mg_mgr *mgr, int fd, char *buf, size_t cap,
                              int want, int *closed, double seconds) {
  double deadline = mg_time() + seconds;
  size_t n = 0;
  int c = 0;
  while (mg_time() < deadline && n + 1 < cap) {
    ssize_t k;
    size_t off = 0;
    int got = 0;
    mg_mgr_poll(mgr, 1);
    k = recv(fd, buf + n, cap - 1 - n, 0);
    if (k == 0) {
      c = 1;
      break;
    }
    if (k > 0) n += (size_t) k;
    buf[n] = '\0';
    while (want > 0 && got < want) {
      size_t len = http_response_len(buf + off, n - off);
      if (len == 0) break;
      off += len;
      got++;
    }
    if (want > 0 && got >= want) break;
  }
  buf[n] = '\0';
  if (closed != NULL) *closed = c;
  return n;
}

// raw_send() of a NUL-terminated string.
#define raw_sends(mgr, fd, s) raw_send((mgr), (fd), (s), strlen(s))

// ---- A DNS responder that answers every query with NXDOMAIN ----------------

#if MG_ENABLE_DNS_SERVER
static inline void nxdomain_handler(struct mg_connection *nc, int ev,
                                    void *ev_data) {
  struct mg_dns_message *msg = (struct mg_dns_message *) ev_data;
  struct mg_dns_reply r;
  if (ev != MG_DNS_MESSAGE) return;
  r = mg_dns_create_reply(&nc->send_mbuf, msg);
  msg->flags |= 3;  // NXDOMAIN
  mg_dns_send_reply(nc, &r);
}

// Starts it on a free UDP port of 127.0.0.1 and makes it mgr's nameserver.
static inline void use_nxdomain_nameserver(struct mg_mgr *mgr) {
  char ns[64];
  struct mg_connection *c = mg_bind(mgr, "udp://127.0.0.1:0", nxdomain_handler);
  assert_non_null(c);
  mg_set_protocol_dns(c);
  snprintf(ns, sizeof(ns), "udp://127.0.0.1:%d", conn_port(c));
  mg_set_nameserver(mgr, ns);
}
#endif
