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

#ifndef MG_ENABLE_HTTP_NO_HOST
#define MG_ENABLE_HTTP_NO_HOST 0  // 1: serve HTTP/1.1 without Host (as 6.18)
#endif

#ifndef MG_ENABLE_HTTP_STREAMING_MULTIPART
#define MG_ENABLE_HTTP_STREAMING_MULTIPART 1  // MG_EV_HTTP_PART_* uploads
#endif

#ifndef MG_ENABLE_DIRECTORY_LISTING
#define MG_ENABLE_DIRECTORY_LISTING 1  // mg_serve_http directory listings
#endif

// WebSocket is part of HTTP (src/ws*.c): it is built when HTTP is. Setting
// it to 0 is accepted, but the WebSocket code stays in for now.
#ifndef MG_ENABLE_HTTP_WEBSOCKET
#if MG_ENABLE_HTTP
#define MG_ENABLE_HTTP_WEBSOCKET 1  // WebSocket server and client
#else
#define MG_ENABLE_HTTP_WEBSOCKET 0
#endif
#elif MG_ENABLE_HTTP_WEBSOCKET && !MG_ENABLE_HTTP
#error "MG_ENABLE_HTTP_WEBSOCKET=1 needs MG_ENABLE_HTTP=1"
#endif

// url_rewrites and mg_http_reverse_proxy(), likewise part of HTTP.
#ifndef MG_ENABLE_HTTP_URL_REWRITES
#if MG_ENABLE_HTTP
#define MG_ENABLE_HTTP_URL_REWRITES 1  // mg_serve_http_opts.url_rewrites
#else
#define MG_ENABLE_HTTP_URL_REWRITES 0
#endif
#elif MG_ENABLE_HTTP_URL_REWRITES && !MG_ENABLE_HTTP
#error "MG_ENABLE_HTTP_URL_REWRITES=1 needs MG_ENABLE_HTTP=1"
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

// RFC 9112 3 recommends request lines of at least 8000 octets: the line
// limit is 8 KiB and the whole head, line and headers, may take twice that
// (6.x: 1024 and 8192 in API.md; both stay overridable).
#ifndef MG_MAX_HTTP_REQUEST_SIZE
#define MG_MAX_HTTP_REQUEST_SIZE 16384  // Largest HTTP header block: 431
#endif

#ifndef MG_MAX_HTTP_REQUEST_LINE
#define MG_MAX_HTTP_REQUEST_LINE 8192  // Longer request line: 414
#endif

#ifndef MG_MAX_HTTP_RANGES
#define MG_MAX_HTTP_RANGES 16  // More ranges in one Range header: ignored
#endif

#ifndef MG_MAX_HTTP_BODY_SIZE
#define MG_MAX_HTTP_BODY_SIZE (8 * 1024 * 1024)  // Buffered body: 413 above
#endif

#ifndef MG_MAX_HTTP_UPLOAD_SIZE
#define MG_MAX_HTTP_UPLOAD_SIZE (1024ULL * 1024 * 1024)  // Streamed: 413 above
#endif

#ifndef MG_HTTP_HEADER_TIMEOUT
#define MG_HTTP_HEADER_TIMEOUT 30  // Seconds to send a whole request head
#endif

#ifndef MG_HTTP_IDLE_TIMEOUT
#define MG_HTTP_IDLE_TIMEOUT 60  // Seconds a connection may stay silent
#endif

#ifndef MG_MAX_PROXY_IDLE
#define MG_MAX_PROXY_IDLE 8  // Idle upstream connections kept per manager
#endif

#ifndef MG_PROXY_IDLE_TIMEOUT
#define MG_PROXY_IDLE_TIMEOUT 30  // Seconds an idle upstream is kept
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

#ifndef MG_MAX_DNS_POINTER_HOPS
#define MG_MAX_DNS_POINTER_HOPS 16  // Compression pointers followed per name
#endif

#ifndef MG_DNS_EDNS_UDP_SIZE
#define MG_DNS_EDNS_UDP_SIZE 1232  // Largest UDP reply of the DNS server
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

#ifndef MG_MAX_PATH
#ifdef PATH_MAX
#define MG_MAX_PATH PATH_MAX  // Longest file path (6.x name)
#else
#define MG_MAX_PATH 256
#endif
#endif

// The other Mongoose 6.18 switches, each set to what this build contains so
// that a 6.x program's #if sees the truth. Those for code that is always
// built may be set to 0 (the code stays in); those for features not built
// yet are 0, and setting one to 1 stops the build.
#ifndef MG_ENABLE_SYNC_RESOLVER
#define MG_ENABLE_SYNC_RESOLVER 1  // mg_resolve(), a blocking lookup
#endif

#ifndef MG_ENABLE_GETADDRINFO
#define MG_ENABLE_GETADDRINFO 1  // mg_resolve() calls getaddrinfo()
#endif

#ifndef MG_ENABLE_STDIO
#define MG_ENABLE_STDIO 1  // Logs, hexdumps and files use stdio
#endif

#ifndef MG_ENABLE_EXTRA_ERRORS_DESC
#define MG_ENABLE_EXTRA_ERRORS_DESC 1  // A reason phrase for every status
#endif

// Debug messages (MG_DEBUG, 6.x's DBG) are built with the log.
#ifndef MG_ENABLE_DEBUG
#define MG_ENABLE_DEBUG MG_ENABLE_LOG
#elif MG_ENABLE_DEBUG && !MG_ENABLE_LOG
#error "MG_ENABLE_DEBUG=1 needs MG_ENABLE_LOG=1"
#endif

#ifndef MG_ENABLE_DNS
#define MG_ENABLE_DNS 1  // DNS messages: mg_parse_dns(), mg_set_protocol_dns()
#endif

#ifndef MG_ENABLE_ASYNC_RESOLVER
#if MG_ENABLE_DNS
#define MG_ENABLE_ASYNC_RESOLVER 1  // mg_resolve_async(); names in mg_connect()
#else
#define MG_ENABLE_ASYNC_RESOLVER 0
#endif
#elif MG_ENABLE_ASYNC_RESOLVER && !MG_ENABLE_DNS
#error "MG_ENABLE_ASYNC_RESOLVER=1 needs MG_ENABLE_DNS=1"
#endif

// Resolver limits (src/resolv.c).
#ifndef MG_HOSTS_FILE
#define MG_HOSTS_FILE "/etc/hosts"  // Read before any nameserver
#endif

#ifndef MG_RESOLV_CONF
#define MG_RESOLV_CONF "/etc/resolv.conf"  // Its "nameserver" lines
#endif

#ifndef MG_RESOLV_FALLBACK_NAMESERVER
#define MG_RESOLV_FALLBACK_NAMESERVER "udp://127.0.0.1:53"  // No resolv.conf
#endif

#ifndef MG_RESOLV_MAX_NAMESERVERS
#define MG_RESOLV_MAX_NAMESERVERS 4  // Nameservers tried per query
#endif

#ifndef MG_RESOLV_TIMEOUT
#define MG_RESOLV_TIMEOUT 2  // Default seconds to wait per query sent
#endif

#ifndef MG_RESOLV_RETRIES
#define MG_RESOLV_RETRIES 1  // Default resends per nameserver
#endif

#ifndef MG_RESOLV_MAX_RETRIES
#define MG_RESOLV_MAX_RETRIES 5  // Most resends per nameserver allowed
#endif

#ifndef MG_RESOLV_MAX_CNAMES
#define MG_RESOLV_MAX_CNAMES 8  // CNAMEs followed inside one answer
#endif

#ifndef MG_RESOLV_CACHE_SIZE
#define MG_RESOLV_CACHE_SIZE 16  // Cached answers per manager (0: no cache)
#endif

#ifndef MG_RESOLV_CACHE_MAX_TTL
#define MG_RESOLV_CACHE_MAX_TTL 3600  // Longest a cached answer is kept (s)
#endif

#ifndef MG_ENABLE_DNS_SERVER
#if MG_ENABLE_DNS
#define MG_ENABLE_DNS_SERVER 1  // mg_dns_create_reply(), mg_dns_send_reply()
#else
#define MG_ENABLE_DNS_SERVER 0
#endif
#elif MG_ENABLE_DNS_SERVER && !MG_ENABLE_DNS
#error "MG_ENABLE_DNS_SERVER=1 needs MG_ENABLE_DNS=1"
#endif

#ifndef MG_ENABLE_MQTT
#define MG_ENABLE_MQTT 1  // MQTT 3.1.1 codec, client, protocol handler
#endif

#ifndef MG_ENABLE_MQTT_BROKER
#if MG_ENABLE_MQTT
#define MG_ENABLE_MQTT_BROKER 1  // The MQTT broker (6.x had it off)
#else
#define MG_ENABLE_MQTT_BROKER 0
#endif
#endif
#if MG_ENABLE_MQTT_BROKER && !MG_ENABLE_MQTT
#error "MG_ENABLE_MQTT_BROKER needs MG_ENABLE_MQTT"
#endif

// MQTT limits (each closes or refuses with a log line when reached).
#ifndef MG_MQTT_MAX_PACKET_SIZE
#define MG_MQTT_MAX_PACKET_SIZE (1024 * 1024)  // Larger packets close
#endif
#ifndef MG_MQTT_MAX_QOS2_INFLIGHT
#define MG_MQTT_MAX_QOS2_INFLIGHT 32  // Incoming QoS 2 ids before PUBREL
#endif
#ifndef MG_MQTT_MAX_SESSION_BYTES
#define MG_MQTT_MAX_SESSION_BYTES (64 * 1024)  // Client session: kept pkts
#endif
#ifndef MG_MQTT_CONNECT_TIMEOUT
#define MG_MQTT_CONNECT_TIMEOUT 30  // Seconds a server waits for CONNECT
#endif
#ifndef MG_MQTT_DEFAULT_KEEP_ALIVE
#define MG_MQTT_DEFAULT_KEEP_ALIVE 60  // Seconds, when opts.keep_alive is 0
#endif

// MQTT broker limits (src/mqtt_tree.c, src/mqtt_broker.c; the policy is in
// mqtt_broker.h).
#ifndef MG_MQTT_BROKER_MAX_SEND_QUEUE
#define MG_MQTT_BROKER_MAX_SEND_QUEUE (256 * 1024)  // Bytes per connection
#endif
#ifndef MG_MQTT_BROKER_MAX_INFLIGHT
#define MG_MQTT_BROKER_MAX_INFLIGHT 20  // Unacked QoS 1/2 out, per session
#endif
#ifndef MG_MQTT_BROKER_MAX_QUEUED
#define MG_MQTT_BROKER_MAX_QUEUED 1000  // Queued QoS 1/2 msgs per session
#endif
#ifndef MG_MQTT_BROKER_MAX_QUEUED_BYTES
#define MG_MQTT_BROKER_MAX_QUEUED_BYTES (1024 * 1024)  // Per session queue
#endif
#ifndef MG_MQTT_BROKER_MAX_TOTAL_QUEUED_BYTES
#define MG_MQTT_BROKER_MAX_TOTAL_QUEUED_BYTES (64 * 1024 * 1024)  // All held
#endif
#ifndef MG_MQTT_BROKER_MAX_SUBSCRIPTIONS
#define MG_MQTT_BROKER_MAX_SUBSCRIPTIONS 128  // Filters per session
#endif
#ifndef MG_MQTT_BROKER_MAX_SESSIONS
#define MG_MQTT_BROKER_MAX_SESSIONS 10000  // Online and offline sessions
#endif
#ifndef MG_MQTT_BROKER_MAX_RETAINED
#define MG_MQTT_BROKER_MAX_RETAINED 10000  // Retained messages (topics)
#endif
#ifndef MG_MQTT_BROKER_MAX_RETAINED_BYTES
#define MG_MQTT_BROKER_MAX_RETAINED_BYTES (16 * 1024 * 1024)  // All retained
#endif
#ifndef MG_MQTT_BROKER_MAX_TOPIC_LEVELS
#define MG_MQTT_BROKER_MAX_TOPIC_LEVELS 64  // Levels of a topic or filter
#endif
#ifndef MG_MQTT_BROKER_MAX_TREE_BYTES
#define MG_MQTT_BROKER_MAX_TREE_BYTES (64 * 1024 * 1024)  // Subscription tree
#endif
#ifndef MG_MQTT_BROKER_MAX_CLIENT_ID_LEN
#define MG_MQTT_BROKER_MAX_CLIENT_ID_LEN 256  // Longer: CONNACK 2
#endif

#ifndef MG_ENABLE_SNTP
#define MG_ENABLE_SNTP 1  // SNTP client (src/sntp.c): mg_sntp_get_time()
#endif

#ifndef MG_SNTP_TIMEOUT
#define MG_SNTP_TIMEOUT 10  // Seconds mg_sntp_get_time() waits per request
#endif

#ifndef MG_SNTP_ATTEMPTS
#define MG_SNTP_ATTEMPTS 3  // Requests mg_sntp_get_time() sends in all
#endif

#ifndef MG_SNTP_KOD_BACKOFF
#define MG_SNTP_KOD_BACKOFF 60  // Seconds without requests after a KoD
#endif

#ifndef MG_ENABLE_SSL
#define MG_ENABLE_SSL 0  // TLS (MG_SSL_IF: OpenSSL 3 or mbedTLS 2.28)
#endif

#ifndef MG_SSL_HANDSHAKE_TIMEOUT
#define MG_SSL_HANDSHAKE_TIMEOUT 10  // Seconds a TLS handshake may take
#endif

#ifndef MG_SSL_CIPHERS
// The default TLS 1.2 cipher list (OpenSSL syntax): forward secrecy and
// AEAD only. TLS 1.3 suites are the library's defaults.
#define MG_SSL_CIPHERS \
  "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!PSK"
#endif

#ifndef MG_SSL_CA_FILE
// The trust store a client uses when ssl_ca_cert is NULL (mbedTLS; OpenSSL
// uses its default paths, which on Debian are the same certificates).
#define MG_SSL_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif

#ifndef MG_ENABLE_HTTP_SSI
#define MG_ENABLE_HTTP_SSI 1  // Server-side includes (with the file system)
#endif

#ifndef MG_ENABLE_HTTP_SSI_EXEC
#define MG_ENABLE_HTTP_SSI_EXEC 0  // SSI "exec": runs commands (trusted pages)
#endif

#ifndef MG_MAX_SSI_DEPTH
#define MG_MAX_SSI_DEPTH 8  // Files open at once: a page and its includes
#endif

#ifndef MG_SSI_PATTERN
#define MG_SSI_PATTERN "**.shtml$|**.shtm$"  // ssi_pattern when NULL
#endif

#ifndef MG_ENABLE_HTTP_CGI
#define MG_ENABLE_HTTP_CGI 0  // CGI scripts in mg_serve_http() (POSIX)
#endif

#ifndef MG_CGI_TIMEOUT
#define MG_CGI_TIMEOUT 30  // Seconds a CGI may go silent before it is killed
#endif

#ifndef MG_CGI_MAX_HEAD
#define MG_CGI_MAX_HEAD 8192  // Largest header block a CGI may print
#endif

#ifndef MG_ENABLE_HTTP_WEBDAV
#define MG_ENABLE_HTTP_WEBDAV 0  // WebDAV methods in mg_serve_http() (POSIX)
#endif

#ifndef MG_ENABLE_FAKE_DAVLOCK
#define MG_ENABLE_FAKE_DAVLOCK 0  // 6.x name, accepted: LOCK is real anyway
#endif

#ifndef MG_MAX_DAV_LOCKS
#define MG_MAX_DAV_LOCKS 64  // Active WebDAV locks per manager: 503 above
#endif

#ifndef MG_DAV_LOCK_TIMEOUT
#define MG_DAV_LOCK_TIMEOUT 3600  // Longest WebDAV lock, seconds
#endif

#ifndef MG_MAX_DAV_PROPS_SIZE
#define MG_MAX_DAV_PROPS_SIZE 65536  // Dead properties per resource, bytes
#endif

#ifndef MG_MAX_DAV_TREE_DEPTH
#define MG_MAX_DAV_TREE_DEPTH 32  // Deepest tree COPY/MOVE/DELETE walk
#endif

#ifndef MG_ENABLE_COAP
#define MG_ENABLE_COAP 0  // CoAP: not built yet
#elif MG_ENABLE_COAP
#error "MG_ENABLE_COAP=1: CoAP is not built yet"
#endif

#ifndef MG_ENABLE_SOCKS
#define MG_ENABLE_SOCKS 0  // SOCKS5 proxy: not built yet
#elif MG_ENABLE_SOCKS
#error "MG_ENABLE_SOCKS=1: SOCKS is not built yet"
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
