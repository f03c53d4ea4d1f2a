// Logging: MG_ERROR(("fmt", ...)), MG_INFO, MG_DEBUG, MG_VERBOSE.
#pragma once
#include "arch.h"
#include "config.h"

enum mg_log_level {
  MG_LL_NONE = -1,
  MG_LL_ERROR = 0,
  MG_LL_WARN = 1,
  MG_LL_INFO = 2,
  MG_LL_DEBUG = 3,
  MG_LL_VERBOSE = 4
};

// Sets the log level: messages at this level or a more severe one are
// printed (default MG_LL_ERROR).
void mg_log_set_level(int level);
// Sets the stream messages go to (default stderr).
void mg_log_set_file(FILE *fp);
// Prints the prefix of a message and returns 1 if level is enabled.
int mg_log_prefix(int level, const char *file, int line);
// Prints the message body and a newline.
void mg_log(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#if MG_ENABLE_LOG
#define MG_LOG(level, args)                                      \
  do {                                                           \
    if (mg_log_prefix((level), __FILE__, __LINE__)) mg_log args; \
  } while (0)
#else
#define MG_LOG(level, args) \
  do {                      \
  } while (0)
#endif

#define MG_ERROR(args) MG_LOG(MG_LL_ERROR, args)
#define MG_INFO(args) MG_LOG(MG_LL_INFO, args)
#define MG_DEBUG(args) MG_LOG(MG_LL_DEBUG, args)
#define MG_VERBOSE(args) MG_LOG(MG_LL_VERBOSE, args)

// 6.x names: LOG(LL_INFO, ("...")) and cs_log_set_level(LL_DEBUG).
#define LL_NONE MG_LL_NONE
#define LL_ERROR MG_LL_ERROR
#define LL_WARN MG_LL_WARN
#define LL_INFO MG_LL_INFO
#define LL_DEBUG MG_LL_DEBUG
#define LL_VERBOSE_DEBUG MG_LL_VERBOSE
#define cs_log_set_level mg_log_set_level
#ifndef LOG
#define LOG(l, x) MG_LOG(l, x)
#endif
#ifndef DBG
#define DBG(x) MG_LOG(MG_LL_VERBOSE, x)
#endif
