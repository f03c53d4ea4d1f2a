// Captive DNS server: answers every A query with one configured IPv4
// address (what a captive portal or a device in setup mode does), over
// UDP and TCP on the same port. Other query types get an empty NOERROR
// answer (NODATA, not NXDOMAIN: the name exists, it has no such record).
//
//   make examples/captive_dns_server/captive_dns_server
//   examples/captive_dns_server/captive_dns_server -l 127.0.0.1:5533 -a 10.0.0.1
//   dig @127.0.0.1 -p 5533 anything.example          (UDP, with EDNS)
//   dig @127.0.0.1 -p 5533 anything.example +tcp     (TCP)
//
// Usage: captive_dns_server [-l [ADDR:]PORT] [-a IPV4] [-q]
//   -l  listening address for both UDP and TCP, default 127.0.0.1:5533
//       ("[::1]:5533" for IPv6). Port 0 picks a free port (the same one
//       for UDP and TCP); the address is printed.
//   -a  the address every A answer carries, default 127.0.0.1
//   -q  quiet: no line per question (the listening line is still printed)
//
// mg_set_protocol_dns() on both listeners delivers each query as
// MG_DNS_MESSAGE; the reply is built with mg_dns_create_reply(),
// mg_dns_reply_record() and mg_dns_send_reply(), which keeps the query's id
// and questions, echoes EDNS and frames it for TCP. Malformed queries get
// FORMERR from the protocol handler; queries with an opcode other than
// QUERY get NOTIMP; responses are ignored. One line per question goes to
// stdout: "PEER TYPE NAME" (unless -q).
#include "mongoose.h"

static volatile sig_atomic_t s_stop = 0;
static int s_quiet = 0;
static struct in_addr s_answer;

static void on_signal(int sig) {
  s_stop = sig;
}

static void log_question(struct mg_connection *nc, struct mg_dns_message *msg,
                         struct mg_dns_resource_record *rr) {
  char peer[64], name[256];
  mg_conn_addr_to_str(nc, peer, sizeof(peer),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                          MG_SOCK_STRINGIFY_REMOTE);
  mg_dns_uncompress_name(msg, &rr->name, name, sizeof(name));
  printf("%s%s %d %s\n", (nc->flags & MG_F_UDP) ? "udp://" : "tcp://", peer,
         rr->rtype, name);
  fflush(stdout);
}

static void answer(struct mg_connection *nc, struct mg_dns_message *msg) {
  struct mbuf buf;
  struct mg_dns_reply reply;
  int i, opcode = (msg->flags >> 11) & 0xf;
  mbuf_init(&buf, 512);
  reply = mg_dns_create_reply(&buf, msg);
  if (opcode != 0) {
    msg->flags |= 4;  // NOTIMP: only standard queries are answered
  } else {
    for (i = 0; i < msg->num_questions; i++) {
      struct mg_dns_resource_record *rr = &msg->questions[i];
      if (!s_quiet) log_question(nc, msg, rr);
      if (rr->rtype == MG_DNS_A_RECORD || rr->rtype == MG_DNS_ANY_RECORD) {
        mg_dns_reply_record(&reply, rr, NULL, MG_DNS_A_RECORD, 3600,
                            &s_answer, 4);
      }
    }
  }
  mg_dns_send_reply(nc, &reply);
  mbuf_free(&buf);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_dns_message *msg = (struct mg_dns_message *) ev_data;
  // A UDP peer's connection closes once the reply is out; a TCP client may
  // send more queries on its connection (RFC 7766 6.2.1).
  if (ev == MG_DNS_MESSAGE && !(msg->flags & 0x8000)) answer(nc, msg);
}

// Binds "udp://" + addr and "tcp://" + addr with the same port (a free one
// for port 0). Returns 0 on success.
static int bind_both(struct mg_mgr *mgr, const char *addr, char *bound,
                     size_t bound_len) {
  struct mg_connection *udp, *tcp = NULL;
  char url[300], host[256], port[16];
  const char *colon = strrchr(addr, ':');
  int attempt;
  if (colon == NULL) colon = addr - 1;  // A bare port
  snprintf(host, sizeof(host), "%.*s", (int) (colon - addr + 1), addr);
  for (attempt = 0; attempt < 20 && tcp == NULL; attempt++) {
    snprintf(url, sizeof(url), "udp://%s", addr);
    if ((udp = mg_bind(mgr, url, ev_handler)) == NULL) return -1;
    mg_conn_addr_to_str(udp, port, sizeof(port), MG_SOCK_STRINGIFY_PORT);
    snprintf(url, sizeof(url), "tcp://%s%s", host[0] == ':' ? "" : host, port);
    if ((tcp = mg_bind(mgr, url, ev_handler)) == NULL) {
      udp->flags |= MG_F_CLOSE_IMMEDIATELY;  // Port taken for TCP: again
      mg_mgr_poll(mgr, 0);
      if (atoi(colon + 1) != 0) return -1;
    }
  }
  if (tcp == NULL) return -1;
  mg_set_protocol_dns(udp);
  mg_set_protocol_dns(tcp);
  mg_conn_addr_to_str(udp, bound, bound_len,
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  return 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  const char *addr = "127.0.0.1:5533", *ip = "127.0.0.1";
  char bound[64];
  int i;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
      addr = argv[++i];
    } else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc) {
      ip = argv[++i];
    } else if (strcmp(argv[i], "-q") == 0) {
      s_quiet = 1;
    } else {
      fprintf(stderr, "Usage: %s [-l [ADDR:]PORT] [-a IPV4] [-q]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }
  if (inet_pton(AF_INET, ip, &s_answer) != 1) {
    fprintf(stderr, "Not an IPv4 address: %s\n", ip);
    return EXIT_FAILURE;
  }

  mg_mgr_init(&mgr, NULL);
  if (bind_both(&mgr, addr, bound, sizeof(bound)) != 0) {
    fprintf(stderr, "Cannot listen on udp:// and tcp://%s\n", addr);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  printf("Captive DNS server on udp://%s and tcp://%s, answering %s\n", bound,
         bound, ip);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
