// Platform layer: every system #include lives here, and nothing else in the
// library includes a system header.
#pragma once

#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1
#endif
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1  // accept4(), SOCK_NONBLOCK, SOCK_CLOEXEC
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/sendfile.h>
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
