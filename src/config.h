// Compile-time configuration. Every MG_ENABLE_* switch and MG_MAX_* limit,
// and the allocator macros, have their default here; override any of them
// with -DNAME=value. Switches are positive: 1 builds the feature, 0 leaves
// it out.
#pragma once
#include "arch.h"

#ifndef MG_ENABLE_IPV6
#define MG_ENABLE_IPV6 1  // IPv6 addresses in bind/connect ("[::1]:80")
#endif

#ifndef MG_ENABLE_CALLBACK_USERDATA
#define MG_ENABLE_CALLBACK_USERDATA 0  // 6.x mode: handlers get user_data
#endif

#ifndef MG_ENABLE_BROADCAST
#define MG_ENABLE_BROADCAST 1  // mg_broadcast() through a socketpair
#endif

#ifndef MG_ENABLE_THREADS
#define MG_ENABLE_THREADS 1  // mg_start_thread() (pthreads)
#endif

#ifndef MG_ENABLE_HEXDUMP
#define MG_ENABLE_HEXDUMP 1  // mgr->hexdump_file traffic dumps
#endif

#ifndef MG_ENABLE_FILESYSTEM
#define MG_ENABLE_FILESYSTEM 1  // mg_stat, mg_fopen, mg_open, mg_fread...
#endif

#ifndef MG_ENABLE_LINES
#define MG_ENABLE_LINES 0  // #line markers: errors point into src/ files
#endif

#ifndef MG_ENABLE_LOG
#define MG_ENABLE_LOG 1  // MG_ERROR/MG_INFO/MG_DEBUG messages to stderr
#endif

#ifndef MG_ENABLE_POLL
#define MG_ENABLE_POLL 1  // The poll() iface: mg_poll_iface_vtable
#endif

#ifndef MG_ENABLE_EPOLL
#ifdef __linux__
#define MG_ENABLE_EPOLL 1  // The epoll iface (Linux): mg_epoll_iface_vtable
#else
#define MG_ENABLE_EPOLL 0
#endif
#endif

// The iface every manager uses unless mg_mgr_init_opt() names another:
// mg_socket_iface_vtable (select()), mg_poll_iface_vtable or
// mg_epoll_iface_vtable.
#ifndef MG_DEFAULT_IFACE
#define MG_DEFAULT_IFACE mg_socket_iface_vtable
#endif

#ifndef MG_ENABLE_HTTP
#define MG_ENABLE_HTTP 1  // HTTP server and client (src/http*.c)
#endif

#ifndef MG_ENABLE_HTTP_STREAMING_MULTIPART
#define MG_ENABLE_HTTP_STREAMING_MULTIPART 1  // MG_EV_HTTP_PART_* uploads
#endif

#ifndef MG_ENABLE_DIRECTORY_LISTING
#define MG_ENABLE_DIRECTORY_LISTING 1  // mg_serve_http directory listings
#endif

#ifndef MG_MAX_WEBSOCKET_MESSAGE
#define MG_MAX_WEBSOCKET_MESSAGE (16 * 1024 * 1024)  // Larger: close 1009
#endif

#ifndef MG_WEBSOCKET_PING_INTERVAL
#define MG_WEBSOCKET_PING_INTERVAL 0  // Seconds between pings; 0: none
#endif

#ifndef MG_MAX_HTTP_HEADERS
#define MG_MAX_HTTP_HEADERS 40  // Headers kept per HTTP message
#endif

#ifndef MG_MAX_HTTP_REQUEST_SIZE
#define MG_MAX_HTTP_REQUEST_SIZE 8192  // Largest HTTP header block
#endif

#ifndef MG_MAX_HTTP_REQUEST_LINE
#define MG_MAX_HTTP_REQUEST_LINE 4096  // Longer request line: 414
#endif

#ifndef MG_MAX_HTTP_BODY_SIZE
#define MG_MAX_HTTP_BODY_SIZE (8 * 1024 * 1024)  // Buffered body: 413 above
#endif

#ifndef MG_HTTP_HEADER_TIMEOUT
#define MG_HTTP_HEADER_TIMEOUT 30  // Seconds to send a whole request head
#endif

#ifndef MG_HTTP_IDLE_TIMEOUT
#define MG_HTTP_IDLE_TIMEOUT 60  // Seconds a connection may stay silent
#endif

#ifndef MG_MAX_HTTP_SEND_MBUF
#define MG_MAX_HTTP_SEND_MBUF 4096  // File bytes queued per send round
#endif

#ifndef MG_MAX_DNS_QUESTIONS
#define MG_MAX_DNS_QUESTIONS 32  // Questions kept per DNS message
#endif

#ifndef MG_MAX_DNS_ANSWERS
#define MG_MAX_DNS_ANSWERS 32  // Answers kept per DNS message
#endif

#ifndef MBUF_SIZE_MULTIPLIER
#define MBUF_SIZE_MULTIPLIER 1.5  // mbuf growth factor
#endif

#ifndef MG_MAX_IO_SIZE
#define MG_MAX_IO_SIZE 16384  // Bytes read from a socket per readiness event
#endif

#ifndef MG_FIRST_RECV_SIZE
#define MG_FIRST_RECV_SIZE 2048  // Receive buffer of a connection's 1st read
#endif

#ifndef MG_MAX_UDP_SIZE
#define MG_MAX_UDP_SIZE 65536  // Largest UDP datagram received
#endif

#ifndef MG_MAX_ACCEPTS_PER_POLL
#define MG_MAX_ACCEPTS_PER_POLL 64  // accept() calls per listener wakeup
#endif

#ifndef MG_MAX_BROADCAST_SIZE
#define MG_MAX_BROADCAST_SIZE 8192  // Largest mg_broadcast() payload
#endif

#ifndef MG_BROADCAST_TIMEOUT_MS
#define MG_BROADCAST_TIMEOUT_MS 5000  // mg_broadcast() waits at most this
#endif

#ifndef MG_MAX_HOST_LEN
#define MG_MAX_HOST_LEN 256  // Longest host name in an address
#endif

#ifndef MG_MAX_LISTEN_BACKLOG
#define MG_MAX_LISTEN_BACKLOG 128  // listen() backlog
#endif

// Memory: every allocation in the library goes through these, so that an
// application (or a test) can substitute its own allocator.
#ifndef MG_MALLOC
#define MG_MALLOC malloc
#endif
#ifndef MG_CALLOC
#define MG_CALLOC calloc
#endif
#ifndef MG_REALLOC
#define MG_REALLOC realloc
#endif
#ifndef MG_FREE
#define MG_FREE free
#endif
