// SNTP client: asks an NTP server for the time and prints it beside ours.
//
//   make examples/sntp_client/sntp_client
//   examples/sntp_client/sntp_client -s 127.0.0.1:12300
//
// Usage: sntp_client [-s SERVER]
//   -s  the NTP server: "host", "host:port" or "udp://host:port"; the port
//       defaults to 123. Default server: time.google.com (a host name
//       needs the DNS resolver, which is not built yet: until then give a
//       numeric address).
// Prints the server's time and ours, and exits 0 when a reply came, 1 on
// a bad address, no reply (3 requests, 10 s apart), a malformed reply or
// a kiss-of-death (the server asks us to stop).
//
// mg_sntp_get_time() does the whole exchange: it connects, sends the
// request, retries, checks the reply and ends with one MG_SNTP_REPLY or
// MG_SNTP_FAILED. mg_sntp_connect() and mg_sntp_send_request() are the
// parts, for a program that asks again on its own schedule.
#include "mongoose.h"

static const char *s_server = "time.google.com";
static int s_exit_code = -1;  // -1 while waiting

static void print_time(const char *who, double t) {
  time_t secs = (time_t) t;
  char buf[64];
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", gmtime(&secs));
  printf("%-14s %s.%06d UTC\n", who, buf, (int) ((t - (double) secs) * 1e6));
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_sntp_message *sm = (struct mg_sntp_message *) ev_data;
  (void) nc;
  if (ev == MG_SNTP_REPLY && sm->kiss_of_death) {
    fprintf(stderr, "%s refused: kiss-of-death, do not ask again soon\n",
            s_server);
    s_exit_code = EXIT_FAILURE;
  } else if (ev == MG_SNTP_REPLY) {
    double now = mg_time();
    print_time(s_server, sm->time);
    print_time("Local time", now);
    printf("Offset         %+.6f s\n", sm->time - now);
    s_exit_code = EXIT_SUCCESS;
  } else if (ev == MG_SNTP_FAILED) {
    fprintf(stderr, "Failed to get the time from %s\n", s_server);
    s_exit_code = EXIT_FAILURE;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
      s_server = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-s SERVER]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }

  mg_mgr_init(&mgr, NULL);
  if (mg_sntp_get_time(&mgr, ev_handler, s_server) == NULL) {
    fprintf(stderr, "Bad server address: %s\n", s_server);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  while (s_exit_code < 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_exit_code;
}
