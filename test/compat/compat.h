// Shared by the compat tier: what a 6.x-style test program needs beside
// mongoose.h. Each test/compat/compat_*.c is built four ways (C and C++,
// MG_ENABLE_CALLBACK_USERDATA 0 and 1), so the programs use MG_CB() and
// MG_UD_ARG() as 6.x programs written for both modes do.
#ifndef COMPAT_H
#define COMPAT_H
#include "mongoose.h"

#include <setjmp.h>

// cmocka's header has no C++ guard of its own.
#ifdef __cplusplus
extern "C" {
#endif
#include <cmocka.h>
#ifdef __cplusplus
}
#endif

// The user_data a handler was given: its argument in the user_data mode,
// nc->user_data otherwise (what 6.x programs do with #if).
#if MG_ENABLE_CALLBACK_USERDATA
#define COMPAT_UD(nc) ((void) (nc), user_data)
#else
#define COMPAT_UD(nc) ((nc)->user_data)
#endif

// Polls mgr until *flag is non-zero or seconds pass; returns *flag.
static inline int compat_poll(struct mg_mgr *mgr, const volatile int *flag,
                       double seconds) {
  double deadline = mg_time() + seconds;
  while (*flag == 0 && mg_time() < deadline) mg_mgr_poll(mgr, 10);
  return *flag;
}

// The port a listener bound to port 0 got.
static inline int compat_port(struct mg_connection *nc) {
  char buf[32];
  mg_conn_addr_to_str(nc, buf, sizeof(buf), MG_SOCK_STRINGIFY_PORT);
  return atoi(buf);
}
#endif
