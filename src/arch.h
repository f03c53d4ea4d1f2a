// Platform layer: every system #include lives here, and nothing else in the
// library includes a system header. It also defines the platform names of
// Mongoose 6.x (CS_PLATFORM, MG_NET_IF, DIRSEP, INT64_FMT, to64, WEAK...)
// with the values 6.18 gives them on POSIX, and brings in the system headers
// a 6.x program got through mongoose.h.
#pragma once

#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1
#endif
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1  // accept4(), SOCK_NONBLOCK, SOCK_CLOEXEC
#endif

#ifndef __STDC_FORMAT_MACROS
#define __STDC_FORMAT_MACROS  // PRId64 and friends in older C++ libraries
#endif
#ifndef __STDC_LIMIT_MACROS
#define __STDC_LIMIT_MACROS  // INT64_MAX and friends in older C++ libraries
#endif

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef __cplusplus
#include <stdbool.h>  // C++ has bool built in
#endif

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/param.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>  // close_range() for CGI children
#endif

// The BSD list macros (SLIST_*, STAILQ_*, LIST_*, TAILQ_*), from the system
// where it has <sys/queue.h> (glibc, the BSDs, macOS; musl has none).
#if defined(__has_include)
#if __has_include(<sys/queue.h>)
#include <sys/queue.h>
#endif
#elif defined(__GLIBC__) || defined(__APPLE__) || defined(BSD)
#include <sys/queue.h>
#endif

typedef int sock_t;             // A socket descriptor.
typedef struct stat cs_stat_t;  // What mg_stat() fills.

#ifndef INVALID_SOCKET
#define INVALID_SOCKET (-1)
#endif

// A socket address of either family.
union socket_address {
  struct sockaddr sa;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
};

// The iterators that may free the current element, where <sys/queue.h>
// lacks them (glibc does): tvar holds the next element.
#if defined(SLIST_FIRST) && !defined(SLIST_FOREACH_SAFE)
#define SLIST_FOREACH_SAFE(var, head, field, tvar)              \
  for ((var) = SLIST_FIRST(head);                               \
       (var) != NULL && ((tvar) = SLIST_NEXT((var), field), 1); \
       (var) = (tvar))
#endif
#if defined(LIST_FIRST) && !defined(LIST_FOREACH_SAFE)
#define LIST_FOREACH_SAFE(var, head, field, tvar) \
  for ((var) = LIST_FIRST(head);                  \
       (var) != NULL && ((tvar) = LIST_NEXT((var), field), 1); (var) = (tvar))
#endif
#if defined(STAILQ_FIRST) && !defined(STAILQ_FOREACH_SAFE)
#define STAILQ_FOREACH_SAFE(var, head, field, tvar)              \
  for ((var) = STAILQ_FIRST(head);                               \
       (var) != NULL && ((tvar) = STAILQ_NEXT((var), field), 1); \
       (var) = (tvar))
#endif
#if defined(TAILQ_FIRST) && !defined(TAILQ_FOREACH_SAFE)
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)              \
  for ((var) = TAILQ_FIRST(head);                               \
       (var) != NULL && ((tvar) = TAILQ_NEXT((var), field), 1); \
       (var) = (tvar))
#endif

// 6.x platform numbers. This library builds the POSIX platform only.
#define CS_P_CUSTOM 0
#define CS_P_UNIX 1
#define CS_P_WINDOWS 2
#define CS_P_ESP8266 3
#define CS_P_CC3200 4
#define CS_P_MSP432 5
#define CS_P_CC3100 6
#define CS_P_MBED 7
#define CS_P_WINCE 8
#define CS_P_NXP_KINETIS 9
#define CS_P_NRF52 10
#define CS_P_PIC32 11
#define CS_P_NRF51 12
#define CS_P_NXP_LPC 13
#define CS_P_TM4C129 14
#define CS_P_ESP32 15
#define CS_P_STM32 16
#define CS_P_CC3220 17
#define CS_P_RS14100 18
#ifndef CS_PLATFORM
#define CS_PLATFORM CS_P_UNIX
#elif CS_PLATFORM != CS_P_UNIX
#error "CS_PLATFORM: only CS_P_UNIX (POSIX) is built"
#endif

// 6.x network interface kinds: MG_NET_IF is the one built (BSD sockets:
// the select(), poll() and epoll ifaces).
#define MG_NET_IF_SOCKET 1
#define MG_NET_IF_SIMPLELINK 2
#define MG_NET_IF_LWIP_LOW_LEVEL 3
#define MG_NET_IF_PIC32 4
#define MG_NET_IF_NULL 5
#ifndef MG_NET_IF
#define MG_NET_IF MG_NET_IF_SOCKET
#elif MG_NET_IF != MG_NET_IF_SOCKET
#error "MG_NET_IF: only MG_NET_IF_SOCKET is built"
#endif

// 6.x TLS library kinds: MG_SSL_IF is the one MG_ENABLE_SSL would use.
#define MG_SSL_IF_OPENSSL 1
#define MG_SSL_IF_MBEDTLS 2
#define MG_SSL_IF_SIMPLELINK 3
#ifndef MG_SSL_IF
#define MG_SSL_IF MG_SSL_IF_OPENSSL
#elif MG_SSL_IF != MG_SSL_IF_OPENSSL && MG_SSL_IF != MG_SSL_IF_MBEDTLS
#error "MG_SSL_IF: MG_SSL_IF_OPENSSL or MG_SSL_IF_MBEDTLS"
#endif

#ifndef CS_ENABLE_STDIO
#define CS_ENABLE_STDIO 1  // 6.x: stdio is available
#endif

// 6.x portability names, with their POSIX values.
#ifndef DIRSEP
#define DIRSEP '/'  // Path separator
#endif
#ifndef closesocket
#define closesocket(x) close(x)
#endif
#ifndef INT64_FMT
#define INT64_FMT PRId64  // printf("%" INT64_FMT, (int64_t) v)
#endif
#ifndef INT64_X_FMT
#define INT64_X_FMT PRIx64  // The same in lowercase hex
#endif
#ifndef SIZE_T_FMT
#define SIZE_T_FMT "zu"  // printf("%" SIZE_T_FMT, (size_t) n)
#endif
#ifndef to64
#define to64(x) strtoll((x), NULL, 10)  // Decimal string to int64
#endif

// 6.x compiler attributes (empty where the compiler has none).
#ifndef PRINTF_LIKE
#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif
#endif
#ifndef WEAK
#if defined(__GNUC__) || defined(__clang__)
#define WEAK __attribute__((weak))
#else
#define WEAK
#endif
#endif
#ifdef __GNUC__
#ifndef NORETURN
#define NORETURN __attribute__((noreturn))
#endif
#ifndef NOINLINE
#define NOINLINE __attribute__((noinline))
#endif
#ifndef WARN_UNUSED_RESULT
#define WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#endif
#ifndef NOINSTR
#define NOINSTR __attribute__((no_instrument_function))
#endif
#ifndef DO_NOT_WARN_UNUSED
#define DO_NOT_WARN_UNUSED __attribute__((unused))
#endif
#else
#ifndef NORETURN
#define NORETURN
#endif
#ifndef NOINLINE
#define NOINLINE
#endif
#ifndef WARN_UNUSED_RESULT
#define WARN_UNUSED_RESULT
#endif
#ifndef NOINSTR
#define NOINSTR
#endif
#ifndef DO_NOT_WARN_UNUSED
#define DO_NOT_WARN_UNUSED
#endif
#endif
