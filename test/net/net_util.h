// Helpers shared by the net tests: bounded polling and port lookup.
#pragma once
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

// Polls mgr until done(arg) is true or seconds pass. Returns done(arg).
static inline int poll_until(struct mg_mgr *mgr, int (*done)(void *),
                             void *arg, double seconds) {
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
