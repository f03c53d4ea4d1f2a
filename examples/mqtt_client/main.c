// MQTT client: connects to a broker, subscribes to a topic, prints every
// message that comes and forwards it to /test. The 6.x example, on the 6.x
// API only.
//
//   make examples/mqtt_client/mqtt_client
//   mosquitto -p 1883 &                       (any MQTT 3.1.1 broker)
//   examples/mqtt_client/mqtt_client -s localhost:1883 -t /stuff
//   mosquitto_pub -t /stuff -m hello           (printed, then sent to /test)
//
// Usage: mqtt_client [-s ADDRESS] [-t TOPIC] [-u USER] [-p PASSWORD]
//   -s  the broker, "host:port" (default localhost:1883)
//   -t  the topic (filter) to subscribe to (default /stuff)
//   -u, -p  user name and password for the broker
// Runs until the connection closes (or the broker refuses it), then exits
// with 1, as the 6.x example does; SIGINT or SIGTERM end it with 0.
//
// mg_set_protocol_mqtt() turns every packet into an MG_EV_MQTT_* event;
// the handshake goes out on MG_EV_CONNECT, the subscription on CONNACK.
// Acknowledgements and keep-alive pings are the protocol handler's job.
#include "mongoose.h"

static const char *s_address = "localhost:1883";
static const char *s_user_name = NULL;
static const char *s_password = NULL;
static const char *s_topic = "/stuff";
static struct mg_mqtt_topic_expression s_topic_expr = {NULL, 0};
static int s_done = 0;
static volatile sig_atomic_t s_stop = 0;

static void on_signal(int sig) {
  s_stop = sig;
}

static void ev_handler(struct mg_connection *nc, int ev, void *p) {
  struct mg_mqtt_message *msg = (struct mg_mqtt_message *) p;

  switch (ev) {
    case MG_EV_CONNECT: {
      struct mg_send_mqtt_handshake_opts opts;
      if (*(int *) p != 0) {
        printf("Cannot connect to %s: %s\n", s_address, strerror(*(int *) p));
        break;
      }
      memset(&opts, 0, sizeof(opts));
      opts.user_name = s_user_name;
      opts.password = s_password;
      mg_set_protocol_mqtt(nc);
      mg_send_mqtt_handshake_opt(nc, "dummy", opts);
      break;
    }
    case MG_EV_MQTT_CONNACK:
      if (msg->connack_ret_code != MG_EV_MQTT_CONNACK_ACCEPTED) {
        printf("Got mqtt connection error: %d\n", msg->connack_ret_code);
        s_done = 1;
        break;
      }
      s_topic_expr.topic = s_topic;
      printf("Subscribing to '%s'\n", s_topic);
      mg_mqtt_subscribe(nc, &s_topic_expr, 1, 42);
      break;
    case MG_EV_MQTT_PUBACK:
      printf("Message publishing acknowledged (msg_id: %d)\n", msg->message_id);
      break;
    case MG_EV_MQTT_SUBACK:
      printf("Subscription acknowledged, forwarding to '/test'\n");
      break;
    case MG_EV_MQTT_PUBLISH:
      printf("Got incoming message %.*s: %.*s\n", (int) msg->topic.len,
             msg->topic.p, (int) msg->payload.len, msg->payload.p);
      printf("Forwarding to /test\n");
      mg_mqtt_publish(nc, "/test", 65, MG_MQTT_QOS(0), msg->payload.p,
                      msg->payload.len);
      break;
    case MG_EV_CLOSE:
      printf("Connection closed\n");
      s_done = 1;
      break;
  }
  if (ev != MG_EV_POLL) fflush(stdout);
}

int main(int argc, char **argv) {
  struct mg_mgr mgr;
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
      s_address = argv[++i];
    } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
      s_topic = argv[++i];
    } else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc) {
      s_user_name = argv[++i];
    } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      s_password = argv[++i];
    } else {
      fprintf(stderr,
              "Usage: %s [-s ADDRESS] [-t TOPIC] [-u USER] [-p PASSWORD]\n",
              argv[0]);
      return EXIT_FAILURE;
    }
  }

  mg_mgr_init(&mgr, NULL);
  if (mg_connect(&mgr, s_address, ev_handler) == NULL) {
    fprintf(stderr, "mg_connect(%s) failed\n", s_address);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (!s_done && s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_stop != 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
