// MQTT over WebSocket: one MQTT broker reachable two ways, as a WebSocket
// endpoint (ws://ADDR/mqtt, subprotocol "mqtt", MQTT packets in binary
// frames) beside a web page that uses it, and on plain TCP. A browser and
// a TCP client (mosquitto_pub/sub) see each other's messages.
//
//   make examples/mqtt_over_websocket_server/mqtt_over_websocket_server
//   examples/mqtt_over_websocket_server/mqtt_over_websocket_server
//   open http://127.0.0.1:8000/ (subscribe, publish)
//   mosquitto_pub -h 127.0.0.1 -p 1883 -t demo/hello -m 'from TCP'
//   open http://127.0.0.1:8000/?sub=demo/%23&pub=demo/page&msg=hi
//                          (subscribes and publishes by itself: headless)
//
// Usage: mqtt_over_websocket_server [-l [ADDR:]PORT] [-m [ADDR:]PORT]
//                                   [-d WEB_ROOT] [-v]
//   -l  HTTP and WebSocket address, default 127.0.0.1:8000
//   -m  MQTT over TCP address, default 127.0.0.1:1883 ("" or "-": none)
//   -d  directory to serve, default the web_root next to the executable
//   -v  print the broker's log to stderr
// A bare PORT listens on every interface; port 0 picks a free port. One
// line is printed when both listen:
//   "MQTT over WebSocket on ws://ADDR/mqtt (page http://ADDR/), MQTT on ADDR"
//
// The broker is the handler of the HTTP endpoint /mqtt of a listener whose
// priv_2 is the broker (mqtt_broker.h): once the upgrade is done the
// connection is the broker's. A plain request to /mqtt gets 400; an
// upgrade request for any other URI gets 404; every other request is
// served from WEB_ROOT.
#include "mongoose.h"

#define MQTT_URI "/mqtt"
#define MAX_DOCROOT_LEN 4096

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;

static void on_signal(int sig) {
  s_stop = sig;
}

// The HTTP listener's handler: files, and no other WebSocket endpoint.
static void http_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, hm, s_http_opts);
  } else if (ev == MG_EV_WEBSOCKET_HANDSHAKE_REQUEST) {
    mg_http_send_error(nc, 404, NULL);  // Answering refuses the upgrade
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

// Sets buf to the directory of prog followed by "/web_root".
static void default_docroot(const char *prog, char *buf, size_t len) {
  const char *slash = strrchr(prog, '/');
  if (slash == NULL) {
    snprintf(buf, len, "web_root");
  } else {
    snprintf(buf, len, "%.*s/web_root", (int) (slash - prog), prog);
  }
}

// Opens a listener on address with handler; prints why if it cannot.
static struct mg_connection *listen_on(struct mg_mgr *mgr, const char *address,
                                       mg_event_handler_t handler,
                                       struct mg_mqtt_broker *brk) {
  struct mg_bind_opts opts;
  struct mg_connection *nc;
  const char *err = NULL;
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(mgr, address, handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    return NULL;
  }
  nc->priv_2 = brk;  // The broker of the connections it accepts
  return nc;
}

static int parse_args(int argc, char *argv[], const char **http_addr,
                      const char **mqtt_addr) {
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
      *http_addr = argv[++i];
    } else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc) {
      *mqtt_addr = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else if (strcmp(argv[i], "-v") == 0) {
      mg_log_set_level(MG_LL_INFO);
    } else {
      fprintf(stderr,
              "Usage: %s [-l [ADDR:]PORT] [-m [ADDR:]PORT] [-d WEB_ROOT] "
              "[-v]\n",
              argv[0]);
      return -1;
    }
  }
  return 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_mqtt_broker brk;
  struct mg_connection *http, *mqtt = NULL;
  const char *http_addr = "127.0.0.1:8000", *mqtt_addr = "127.0.0.1:1883";
  char docroot[MAX_DOCROOT_LEN], hbound[64], mbound[64] = "none";
  cs_stat_t st;

  default_docroot(argv[0], docroot, sizeof(docroot));
  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = docroot;
  s_http_opts.enable_directory_listing = "no";
  if (parse_args(argc, argv, &http_addr, &mqtt_addr) != 0) return EXIT_FAILURE;
  if (mg_stat(s_http_opts.document_root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "%s is not a directory (use -d WEB_ROOT)\n",
            s_http_opts.document_root);
    return EXIT_FAILURE;
  }

  mg_mgr_init(&mgr, NULL);
  mg_mqtt_broker_init(&brk, NULL);
  if ((http = listen_on(&mgr, http_addr, http_handler, &brk)) == NULL ||
      (mqtt_addr[0] != '\0' && strcmp(mqtt_addr, "-") != 0 &&
       (mqtt = listen_on(&mgr, mqtt_addr, mg_mqtt_broker, &brk)) == NULL)) {
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(http);
  mg_register_http_endpoint(http, MQTT_URI, mg_mqtt_broker);
  mg_conn_addr_to_str(http, hbound, sizeof(hbound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  if (mqtt != NULL) {
    mg_set_protocol_mqtt(mqtt);
    mg_conn_addr_to_str(mqtt, mbound, sizeof(mbound),
                        MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  }
  printf("MQTT over WebSocket on ws://%s" MQTT_URI
         " (page http://%s/), MQTT on %s\n",
         hbound, hbound, mbound);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  mg_mqtt_broker_free(&brk);
  return EXIT_SUCCESS;
}
