// MQTT 3.1.1 broker: QoS 0/1/2, retained messages, wills, clean session 0
// sessions (kept while the client is away, with a bounded queue), $-topics.
// No authentication: every client is accepted.
//
//   make examples/mqtt_broker/mqtt_broker
//   examples/mqtt_broker/mqtt_broker -l 127.0.0.1:1883
//   mosquitto_sub -h 127.0.0.1 -p 1883 -t 'demo/#' -v &
//   mosquitto_pub -h 127.0.0.1 -p 1883 -t demo/hello -m world -q 1
//
// Usage: mqtt_broker [-l [ADDR:]PORT] [-v]
//   -l  listening address, default 127.0.0.1:1883 (a bare PORT listens on
//       every interface, "tcp://[::1]:1883" on IPv6). Port 0 picks a free
//       port; the address is printed.
//   -v  print the broker's log (connections, drops, refusals) to stderr
//
// It prints one line when it listens ("MQTT broker on ADDR:PORT") and runs
// until SIGINT or SIGTERM, then closes every connection and frees every
// session and retained message. The limits (sessions, subscriptions,
// queued and retained messages, the send queue of a slow client) are the
// MG_MQTT_BROKER_* constants of mongoose's config.h; the policy when one
// is reached is in mqtt_broker.h.
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_mqtt_broker brk;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:1883", *err = NULL;
  char bound[64];
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (strcmp(argv[i], "-v") == 0) {
      mg_log_set_level(MG_LL_INFO);
    } else {
      fprintf(stderr, "Usage: %s [-l [ADDR:]PORT] [-v]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }

  mg_mgr_init(&mgr, NULL);
  mg_mqtt_broker_init(&brk, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, mg_mqtt_broker, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  nc->priv_2 = &brk;  // The broker of the connections it accepts
  mg_set_protocol_mqtt(nc);
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("MQTT broker on %s\n", bound);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  mg_mqtt_broker_free(&brk);
  return EXIT_SUCCESS;
}
