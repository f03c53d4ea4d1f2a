// Timers: a connection that fires MG_EV_TIMER every interval, N times.
//
//   make examples/timers/timers
//   examples/timers/timers -i 500 -n 5
//   (prints "tick 1" ... "tick 5", one every half second, then exits)
//
// Usage: timers [-i MS] [-n N]
//   -i  interval between ticks in milliseconds, default 500
//   -n  number of ticks before exiting, default 5
//
// mg_set_timer(nc, when) arms a one-shot timer on a connection: at the time
// `when` (an mg_time() value) the connection's handler gets MG_EV_TIMER, and
// mg_mgr_poll() shortens its wait so the timer is on time. A handler that
// wants a periodic timer re-arms it from the event.
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static double s_interval = 0.5;  // Seconds between ticks
static int s_max_ticks = 5;      // Ticks before exiting
static int s_ticks = 0;          // Ticks so far
static double s_start = 0;       // mg_time() at the start

static void on_signal(int sig) {
  s_stop = sig;
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  double deadline, now = mg_time();
  if (ev != MG_EV_TIMER) return;
  deadline = *(double *) ev_data;
  s_ticks++;
  printf("tick %d at %.3f s (%.1f ms after its deadline)\n", s_ticks,
         now - s_start, (now - deadline) * 1000.0);
  fflush(stdout);
  // Re-arm from the deadline, not from now, so that lateness does not add up.
  if (s_ticks < s_max_ticks) mg_set_timer(nc, deadline + s_interval);
}

static int parse_args(int argc, char *argv[]) {
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) {
      s_interval = atoi(argv[++i]) / 1000.0;
    } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      s_max_ticks = atoi(argv[++i]);
    } else {
      return 0;
    }
  }
  return s_interval > 0 && s_max_ticks > 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  sock_t sp[2];

  if (!parse_args(argc, argv)) {
    fprintf(stderr, "Usage: %s [-i MS] [-n N]\n", argv[0]);
    return EXIT_FAILURE;
  }
  mg_mgr_init(&mgr, NULL);
  // A timer needs a connection, but not traffic. One end of a socketpair is
  // the cheapest: no port, no network, and nothing is ever written to the
  // other end (which we keep, so the connection never sees end of stream).
  // A listener on port 0 ("tcp://127.0.0.1:0") would do as well.
  if (!mg_socketpair(sp, SOCK_STREAM)) {
    fprintf(stderr, "Cannot create a socketpair\n");
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  if ((nc = mg_add_sock(&mgr, sp[1], ev_handler)) == NULL) {
    fprintf(stderr, "Cannot add the socket to the manager\n");
    close(sp[0]);
    close(sp[1]);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  s_start = mg_time();
  mg_set_timer(nc, s_start + s_interval);
  printf("%d ticks, one every %.0f ms\n", s_max_ticks, s_interval * 1000.0);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0 && s_ticks < s_max_ticks) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);  // Closes sp[1], which the connection owns.
  close(sp[0]);
  return EXIT_SUCCESS;
}
