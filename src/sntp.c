#include "core_internal.h"
#include "sntp.h"

// SNTP client (RFC 4330).
//
// Decisions, beyond what the RFC fixes:
// - The request's transmit timestamp is 64 random bits, not our clock: the
//   server copies it into the reply's originate timestamp unchanged, so it
//   only has to be unpredictable (an off-path attacker must guess it) and
//   kept. The local send time is kept beside it for the delay correction.
//   Both are per connection; a new request replaces them.
// - A reply is checked in this order: length (< 48 bytes: malformed), mode
//   (4 only: malformed otherwise), version (3 or 4), originate timestamp
//   (not ours: dropped without an event, since it is no answer to our
//   request; a late reply to an earlier request is the usual case),
//   transmit timestamp (zero: malformed), stratum 0 (kiss-of-death), then
//   LI = 3 (unsynchronised) and stratum 16 and above: malformed.
// - Mode 5 (broadcast) is refused as malformed: this is a unicast client,
//   and a broadcast packet cannot carry our originate timestamp, so nothing
//   ties it to our request.
// - A kiss-of-death must pass the originate check too (else anyone could
//   silence us). It reaches the handler as MG_SNTP_REPLY with
//   kiss_of_death = 1 and time = 0, and mg_sntp_send_request() then sends
//   nothing on that connection for MG_SNTP_KOD_BACKOFF seconds.
// - mg_sntp_get_time() turns a malformed reply into MG_SNTP_FAILED at once
//   (as 6.x does): a server that answers badly will not answer better.
// - NTP seconds are 32 bits since 1900. As RFC 4330 section 3 says, a value
//   with the top bit set is in era 0 (1968-2036), one without in era 1
//   (2036-2104). Times are kept in 64 bits until the final double.
// - The reported time is the server's, corrected by the RFC 4330 offset
//   ((T2 - T1) + (T3 - T4)) / 2 added to our clock at reception (T4).

#if MG_ENABLE_SNTP

#define SNTP_PACKET_LEN 48
#define SNTP_DEFAULT_PORT "123"
#define SNTP_UNIX_OFFSET 2208988800LL  // Seconds from 1900 to 1970
#define SNTP_KISS_CODE_LEN 5           // Four ASCII letters and a NUL

// mg_sntp_parse_reply() results.
#define SNTP_OK 0
#define SNTP_MALFORMED (-1)
#define SNTP_NOT_OURS (-2)  // Originate timestamp is not our request's
#define SNTP_KOD 1          // Kiss-of-death: stratum 0

// Hooks for the unit and fuzz tests (not in mongoose.h).
int mg_sntp_parse_reply(const void *buf, size_t len, uint64_t originate,
                        struct mg_sntp_message *msg, char *kiss_code);
double mg_sntp_ntp_to_unix(uint64_t ntp);
void mg_sntp_handler(struct mg_connection *nc, int ev,
                     void *ev_data MG_UD_ARG(void *user_data));

// Per-connection state: nc->proto_data.
struct sntp_state {
  uint64_t originate;    // Transmit timestamp of our request; 0: none
  double sent_at;        // Our clock when the request was queued
  double backoff_until;  // After a kiss-of-death: no request before this
  int managed;           // Made by mg_sntp_get_time()
  int attempts;          // Requests mg_sntp_get_time() has sent
};

// ---- Codec ------------------------------------------------------------------

static uint64_t sntp_get64(const unsigned char *p) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

static void sntp_put64(unsigned char *p, uint64_t v) {
  int i;
  for (i = 7; i >= 0; i--, v >>= 8) p[i] = (unsigned char) (v & 0xff);
}

double mg_sntp_ntp_to_unix(uint64_t ntp) {
  uint64_t secs = ntp >> 32, frac = ntp & 0xffffffffUL;
  // RFC 4330 section 3: top bit clear means era 1, from 2036-02-07.
  if ((secs & 0x80000000UL) == 0) secs += (uint64_t) 1 << 32;
  return (double) ((int64_t) secs - SNTP_UNIX_OFFSET) +
         (double) frac / 4294967296.0;
}

// Copies the reference identifier of a kiss-of-death (four ASCII
// characters, RFC 4330 section 8) as a string; others become '?'.
static void sntp_kiss_code(const unsigned char *p, char *out) {
  int i;
  for (i = 0; i < 4; i++) {
    out[i] = (char) (p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?');
  }
  out[4] = '\0';
}

// Checks a reply against RFC 4330 section 5. Pure: reads len bytes of buf.
// originate is our request's transmit timestamp (0: none is outstanding,
// nothing matches). Fills msg (time: the server's transmit time, no delay
// correction) and, for a kiss-of-death, kiss_code (5 bytes, may be NULL).
// Returns SNTP_OK, SNTP_KOD, SNTP_NOT_OURS or SNTP_MALFORMED.
int mg_sntp_parse_reply(const void *buf, size_t len, uint64_t originate,
                        struct mg_sntp_message *msg, char *kiss_code) {
  const unsigned char *p = (const unsigned char *) buf;
  int leap, version, mode, stratum;
  memset(msg, 0, sizeof(*msg));
  if (kiss_code != NULL) kiss_code[0] = '\0';
  if (len < SNTP_PACKET_LEN) return SNTP_MALFORMED;
  leap = p[0] >> 6, version = (p[0] >> 3) & 7, mode = p[0] & 7;
  stratum = p[1];
  if (mode != 4 || (version != 3 && version != 4)) return SNTP_MALFORMED;
  if (originate == 0 || sntp_get64(p + 24) != originate) return SNTP_NOT_OURS;
  if (sntp_get64(p + 40) == 0) return SNTP_MALFORMED;
  if (stratum == 0) {
    if (kiss_code != NULL) sntp_kiss_code(p + 12, kiss_code);
    msg->kiss_of_death = 1;
    return SNTP_KOD;
  }
  if (leap == 3 || stratum > 15) return SNTP_MALFORMED;
  msg->time = mg_sntp_ntp_to_unix(sntp_get64(p + 40));
  return SNTP_OK;
}

// ---- Requests ---------------------------------------------------------------

// 64 unpredictable, non-zero bits: /dev/urandom, else (weak, logged) the
// clock and addresses through a splitmix64 step.
static uint64_t sntp_random64(const void *salt) {
  unsigned char b[8];
  uint64_t v = 0;
  FILE *fp = fopen("/dev/urandom", "rb");
  size_t got = 0;
  if (fp != NULL) {
    got = fread(b, 1, sizeof(b), fp);
    fclose(fp);
  }
  if (got == sizeof(b)) v = sntp_get64(b);
  if (got != sizeof(b)) {
    static uint64_t counter;
    MG_ERROR(("/dev/urandom unreadable: guessable SNTP request"));
    v = (uint64_t) (mg_time() * 1e6) ^ (uint64_t) clock() ^
        (uint64_t) (uintptr_t) salt ^ (counter += 0x9e3779b97f4a7c15ULL);
    v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
    v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
    v ^= v >> 31;
  }
  return v != 0 ? v : 1;
}

static struct sntp_state *sntp_state(struct mg_connection *c) {
  return c != NULL && c->proto_handler == mg_sntp_handler
             ? (struct sntp_state *) c->proto_data
             : NULL;
}

void mg_sntp_send_request(struct mg_connection *c) {
  struct sntp_state *st = sntp_state(c);
  unsigned char pkt[SNTP_PACKET_LEN];
  double now = mg_time();
  if (st == NULL) {
    MG_ERROR(("%p not an SNTP connection", (void *) c));
    return;
  }
  if (now < st->backoff_until) {
    MG_INFO(("%p kiss-of-death: no request for %.0f s", (void *) c,
             st->backoff_until - now));
    return;
  }
  // RFC 4330 section 5: every field 0 but LI 0, VN 4, mode 3 (client) and
  // the transmit timestamp.
  memset(pkt, 0, sizeof(pkt));
  pkt[0] = (4 << 3) | 3;
  st->originate = sntp_random64(st);
  st->sent_at = now;
  sntp_put64(pkt + 40, st->originate);
  mg_send(c, pkt, (int) sizeof(pkt));
}

// ---- Protocol handler -------------------------------------------------------

// Ends a mg_sntp_get_time() connection with ev for its handler.
static void sntp_finish(struct mg_connection *nc, int ev, void *ev_data) {
  mg_set_timer(nc, 0);
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  mg_call_user(nc, ev, ev_data);
}

// mg_sntp_get_time(): the next request, or MG_SNTP_FAILED after the last.
static void sntp_retry(struct mg_connection *nc, struct sntp_state *st) {
  if (st->attempts >= MG_SNTP_ATTEMPTS) {
    MG_DEBUG(("%p no SNTP reply after %d requests", (void *) nc, st->attempts));
    sntp_finish(nc, MG_SNTP_FAILED, NULL);
    return;
  }
  st->attempts++;
  mg_sntp_send_request(nc);
  mg_set_timer(nc, mg_time() + MG_SNTP_TIMEOUT);
}

static void sntp_on_connect(struct mg_connection *nc, struct sntp_state *st,
                            int err) {
  if (st->managed && err == 0) {
    sntp_retry(nc, st);
  } else if (st->managed) {
    sntp_finish(nc, MG_SNTP_FAILED, NULL);
  } else {
    mg_call_user(nc, MG_EV_CONNECT, &err);
    if (err != 0) mg_call_user(nc, MG_SNTP_FAILED, NULL);
  }
}

// The time now by the server: T4 plus the RFC 4330 clock offset, with T1
// our send time, T2 and T3 the server's receive and transmit timestamps.
static double sntp_corrected_time(const unsigned char *p, double t3,
                                  double t1) {
  double t4 = mg_time();
  uint64_t raw_t2 = sntp_get64(p + 32);
  double t2 = raw_t2 != 0 ? mg_sntp_ntp_to_unix(raw_t2) : t3;
  return t4 + ((t2 - t1) + (t3 - t4)) / 2;
}

// Handles one reply datagram (len bytes at p).
static void sntp_on_reply(struct mg_connection *nc, struct sntp_state *st,
                          const unsigned char *p, size_t len) {
  struct mg_sntp_message msg;
  char kiss[SNTP_KISS_CODE_LEN];
  int rc = mg_sntp_parse_reply(p, len, st->originate, &msg, kiss);
  if (rc == SNTP_NOT_OURS) {
    MG_DEBUG(("%p SNTP reply to no request of ours: dropped", (void *) nc));
    return;
  }
  if (rc == SNTP_MALFORMED) {
    MG_DEBUG(("%p malformed SNTP reply, %lu bytes", (void *) nc,
              (unsigned long) len));
    if (st->managed) sntp_finish(nc, MG_SNTP_FAILED, NULL);
    if (!st->managed) mg_call_user(nc, MG_SNTP_MALFORMED_REPLY, NULL);
    return;
  }
  st->originate = 0;  // Answered: a duplicate is no longer ours
  if (rc == SNTP_KOD) {
    MG_INFO(("%p SNTP kiss-of-death %s", (void *) nc, kiss));
    st->backoff_until = mg_time() + MG_SNTP_KOD_BACKOFF;
  } else {
    msg.time = sntp_corrected_time(p, msg.time, st->sent_at);
  }
  if (st->managed) {
    sntp_finish(nc, MG_SNTP_REPLY, &msg);
  } else {
    mg_call_user(nc, MG_SNTP_REPLY, &msg);
  }
}

static void sntp_on_recv(struct mg_connection *nc, struct sntp_state *st,
                         int n) {
  struct mbuf *io = &nc->recv_mbuf;
  unsigned char pkt[SNTP_PACKET_LEN];
  size_t len = n > 0 && (size_t) n < io->len ? (size_t) n : io->len;
  // The datagram is the last len bytes; a copy of its first 48 bytes is
  // all the parser needs, and recv_mbuf is emptied before any handler runs.
  size_t keep = len < sizeof(pkt) ? len : sizeof(pkt);
  memcpy(pkt, io->buf + io->len - len, keep);
  mbuf_remove(io, io->len);
  sntp_on_reply(nc, st, pkt, len < sizeof(pkt) ? len : sizeof(pkt));
}

void mg_sntp_handler(struct mg_connection *nc, int ev,
                     void *ev_data MG_UD_ARG(void *user_data)) {
  struct sntp_state *st = (struct sntp_state *) nc->proto_data;
  MG_UD_UNUSED;
  if (ev == MG_EV_CONNECT) {
    sntp_on_connect(nc, st, *(int *) ev_data);
  } else if (ev == MG_EV_RECV) {
    sntp_on_recv(nc, st, *(int *) ev_data);
  } else if (ev == MG_EV_TIMER && st->managed) {
    sntp_retry(nc, st);
  } else if (!st->managed || ev == MG_EV_CLOSE) {
    mg_call_user(nc, ev, ev_data);
  }
}

// ---- Connections ------------------------------------------------------------

static void sntp_free_state(void *p) {
  MG_FREE(p);
}

// Writes "udp://host:port" for a server name into url. Returns 0 if the
// name is malformed or too long.
static int sntp_url(const char *name, char *url, size_t len) {
  const char *host = name, *colon, *port = "";
  int n;
  if (strncmp(name, "udp://", 6) == 0) host = name + 6;
  if (strstr(host, "://") != NULL || *host == '\0') return 0;
  colon = strchr(host, ':');
  if (host[0] == '[') {
    const char *end = strchr(host, ']');
    if (end == NULL) return 0;
    if (end[1] == '\0') port = ":" SNTP_DEFAULT_PORT;
    n = snprintf(url, len, "udp://%s%s", host, port);
  } else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
    n = snprintf(url, len, "udp://[%s]:%s", host, SNTP_DEFAULT_PORT);
  } else {
    if (colon == NULL) port = ":" SNTP_DEFAULT_PORT;
    n = snprintf(url, len, "udp://%s%s", host, port);
  }
  return n > 0 && (size_t) n < len;
}

struct mg_connection *mg_sntp_connect(struct mg_mgr *mgr,
                                      MG_CB(mg_event_handler_t event_handler,
                                            void *user_data),
                                      const char *sntp_server_name) {
  char url[MG_MAX_HOST_LEN + 32];
  struct sntp_state *st;
  struct mg_connection *c;
  if (sntp_server_name == NULL ||
      !sntp_url(sntp_server_name, url, sizeof(url))) {
    MG_ERROR(("bad SNTP server name"));
    return NULL;
  }
  if ((st = (struct sntp_state *) MG_CALLOC(1, sizeof(*st))) == NULL) {
    return NULL;
  }
  if ((c = mg_connect(mgr, url, MG_CB(event_handler, user_data))) == NULL) {
    MG_FREE(st);
    return NULL;
  }
  c->proto_handler = mg_sntp_handler;
  c->proto_data = st;
  c->proto_data_destructor = sntp_free_state;
  return c;
}

struct mg_connection *mg_sntp_get_time(struct mg_mgr *mgr,
                                       MG_CB(mg_event_handler_t event_handler,
                                             void *user_data),
                                       const char *sntp_server_name) {
  struct mg_connection *c =
      mg_sntp_connect(mgr, MG_CB(event_handler, user_data), sntp_server_name);
  if (c != NULL) ((struct sntp_state *) c->proto_data)->managed = 1;
  return c;
}

#endif  // MG_ENABLE_SNTP
