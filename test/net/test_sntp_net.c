// SNTP client against a scripted UDP responder in the same manager (our
// own UDP listener): good replies, replies with a wrong originate
// timestamp (dropped), kiss-of-death (and the back-off), silence (retries,
// then MG_SNTP_FAILED), garbage and LI=3 (MG_SNTP_MALFORMED_REPLY), and
// host names without a resolver. Short limits are compiled in: this test
// builds mongoose.c itself.
#define MG_SNTP_TIMEOUT 0.3
#define MG_SNTP_ATTEMPTS 2
#define MG_SNTP_KOD_BACKOFF 2
#include "../../mongoose.c"
#include "net_util.h"

// What the responder does with each request.
enum script {
  GOOD,             // A valid reply
  WRONG_ORIG,       // A reply with another originate timestamp
  WRONG_THEN_GOOD,  // Both, the wrong one first
  KISS,             // Stratum 0, "RATE"
  SILENT,           // Nothing
  GARBAGE,          // 48 bytes of 0xff (mode 7, version 7)
  SHORT,            // A valid reply cut to 47 bytes
  UNSYNC            // LI = 3
};

static struct {
  enum script script;
  int requests;              // Requests received
  unsigned char req[2][48];  // The first two requests
  size_t req_len;            // Length of the last request
} s_srv;

static struct {
  int connects, replies, malformed, failed, closes, others;
  int connect_err;
  struct mg_sntp_message msg;
} s_cli;

static void put64(unsigned char *p, uint64_t v) {
  int i;
  for (i = 7; i >= 0; i--, v >>= 8) p[i] = (unsigned char) (v & 0xff);
}

static uint64_t ntp_now(void) {
  double t = mg_time() + 2208988800.0;
  uint64_t secs = (uint64_t) t;
  return secs << 32 | (uint64_t) ((t - (double) secs) * 4294967296.0);
}

// Builds a reply to request req into p.
static void responder_reply(unsigned char *p, const unsigned char *req, int li,
                            int stratum) {
  memset(p, 0, 48);
  p[0] = (unsigned char) (li << 6 | 4 << 3 | 4);
  p[1] = (unsigned char) stratum;
  memcpy(p + 12, stratum == 0 ? "RATE" : "TEST", 4);
  memcpy(p + 24, req + 40, 8);  // Originate = the request's transmit
  put64(p + 32, ntp_now());
  put64(p + 40, ntp_now());
}

static void responder_handler(struct mg_connection *nc, int ev, void *ev_data) {
  unsigned char p[48], *req = (unsigned char *) nc->recv_mbuf.buf;
  (void) ev_data;
  if (ev != MG_EV_RECV) return;
  if (s_srv.requests < 2) memcpy(s_srv.req[s_srv.requests], req, 48);
  s_srv.req_len = nc->recv_mbuf.len;
  s_srv.requests++;
  responder_reply(p, req, s_srv.script == UNSYNC ? 3 : 0,
                  s_srv.script == KISS ? 0 : 2);
  if (s_srv.script == WRONG_ORIG || s_srv.script == WRONG_THEN_GOOD) {
    p[31] ^= 1;
    mg_send(nc, p, 48);
    mg_if_can_send_cb(nc);  // Its own datagram
    p[31] ^= 1;
  }
  if (s_srv.script == GARBAGE) memset(p, 0xff, sizeof(p));
  if (s_srv.script != SILENT && s_srv.script != WRONG_ORIG) {
    mg_send(nc, p, s_srv.script == SHORT ? 47 : 48);
  }
  mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
}

static void client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  switch (ev) {
    case MG_EV_CONNECT:
      s_cli.connects++;
      s_cli.connect_err = *(int *) ev_data;
      if (s_cli.connect_err == 0) mg_sntp_send_request(nc);
      break;
    case MG_SNTP_REPLY:
      s_cli.replies++;
      s_cli.msg = *(struct mg_sntp_message *) ev_data;
      break;
    case MG_SNTP_MALFORMED_REPLY:
      s_cli.malformed++;
      break;
    case MG_SNTP_FAILED:
      s_cli.failed++;
      break;
    case MG_EV_CLOSE:
      s_cli.closes++;
      break;
    case MG_EV_POLL:
    case MG_EV_SEND:
    case MG_EV_RECV:
      break;
    default:
      s_cli.others++;
      break;
  }
}

static char s_addr[64];

// Starts the responder with script; s_addr is its "127.0.0.1:port".
static void start(struct mg_mgr *mgr, enum script script) {
  struct mg_connection *lc;
  memset(&s_srv, 0, sizeof(s_srv));
  memset(&s_cli, 0, sizeof(s_cli));
  s_srv.script = script;
  mg_mgr_init(mgr, NULL);
  lc = mg_bind(mgr, "udp://127.0.0.1:0", responder_handler);
  assert_non_null(lc);
  snprintf(s_addr, sizeof(s_addr), "127.0.0.1:%d", conn_port(lc));
}

static int cli_done(void *arg) {
  (void) arg;
  return s_cli.closes > 0;
}

static int cli_answered(void *arg) {
  (void) arg;
  return s_cli.replies + s_cli.malformed + s_cli.failed > 0;
}

// mg_sntp_get_time() to the responder, polled until its connection closes.
static void get_time(struct mg_mgr *mgr, const char *addr) {
  assert_non_null(mg_sntp_get_time(mgr, client_handler, addr));
  assert_true(poll_until(mgr, cli_done, NULL, 10));
}

static void test_sntp_get_time_good_reply_is_now(void **state) {
  struct mg_mgr mgr;
  unsigned char *req = s_srv.req[0];
  int i, nonzero = 0;
  (void) state;
  start(&mgr, GOOD);
  get_time(&mgr, s_addr);
  assert_int_equal(s_cli.replies, 1);
  assert_int_equal(s_cli.failed + s_cli.malformed + s_cli.others, 0);
  assert_int_equal(s_cli.connects, 0);  // get_time hides the core events
  assert_int_equal(s_cli.msg.kiss_of_death, 0);
  assert_true(s_cli.msg.time > mg_time() - 1 && s_cli.msg.time < mg_time() + 1);
  // The request: 48 bytes, LI 0, VN 4, mode 3, a transmit timestamp.
  assert_int_equal(s_srv.requests, 1);
  assert_int_equal(s_srv.req_len, 48);
  assert_int_equal(req[0], 0x23);
  for (i = 1; i < 40; i++) assert_int_equal(req[i], 0);
  for (i = 40; i < 48; i++) nonzero |= req[i];
  assert_true(nonzero != 0);
  mg_mgr_free(&mgr);
}

static void test_sntp_udp_url_form_and_fresh_transmit_per_request(void **s) {
  struct mg_mgr mgr;
  char url[80];
  (void) s;
  start(&mgr, GOOD);
  snprintf(url, sizeof(url), "udp://%s", s_addr);
  get_time(&mgr, url);
  assert_int_equal(s_cli.replies, 1);
  s_cli.closes = 0;
  get_time(&mgr, s_addr);
  assert_int_equal(s_cli.replies, 2);
  assert_int_equal(s_srv.requests, 2);
  // Unpredictable transmit timestamps: two requests never share one.
  assert_true(memcmp(s_srv.req[0] + 40, s_srv.req[1] + 40, 8) != 0);
  mg_mgr_free(&mgr);
}

static void test_sntp_connect_and_send_request_by_hand(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  (void) state;
  start(&mgr, GOOD);
  c = mg_sntp_connect(&mgr, client_handler, s_addr);
  assert_non_null(c);
  assert_true(poll_until(&mgr, cli_answered, NULL, 5));
  assert_int_equal(s_cli.connects, 1);
  assert_int_equal(s_cli.connect_err, 0);
  assert_int_equal(s_cli.replies, 1);
  assert_true(s_cli.msg.time > mg_time() - 1);
  // The connection stays open: ask again.
  mg_sntp_send_request(c);
  s_cli.replies = 0;
  assert_true(poll_until(&mgr, cli_answered, NULL, 5));
  assert_int_equal(s_cli.replies, 1);
  assert_int_equal(s_srv.requests, 2);
  assert_int_equal(s_cli.closes, 0);
  mg_mgr_free(&mgr);
  assert_int_equal(s_cli.closes, 1);
}

static void test_sntp_wrong_originate_dropped_then_good_accepted(void **s) {
  struct mg_mgr mgr;
  (void) s;
  start(&mgr, WRONG_THEN_GOOD);
  get_time(&mgr, s_addr);
  assert_int_equal(s_cli.replies, 1);
  assert_int_equal(s_cli.failed + s_cli.malformed, 0);
  assert_int_equal(s_srv.requests, 1);
  mg_mgr_free(&mgr);
}

static void test_sntp_only_wrong_originate_times_out_failed(void **s) {
  struct mg_mgr mgr;
  (void) s;
  start(&mgr, WRONG_ORIG);
  get_time(&mgr, s_addr);
  assert_int_equal(s_cli.failed, 1);
  assert_int_equal(s_cli.replies + s_cli.malformed, 0);
  assert_int_equal(s_srv.requests, MG_SNTP_ATTEMPTS);
  mg_mgr_free(&mgr);
}

static void test_sntp_silence_retries_then_failed(void **state) {
  struct mg_mgr mgr;
  double t0 = mg_time();
  (void) state;
  start(&mgr, SILENT);
  get_time(&mgr, s_addr);
  assert_int_equal(s_cli.failed, 1);
  assert_int_equal(s_cli.replies + s_cli.malformed + s_cli.others, 0);
  assert_int_equal(s_srv.requests, MG_SNTP_ATTEMPTS);
  assert_true(mg_time() - t0 >= MG_SNTP_ATTEMPTS * MG_SNTP_TIMEOUT - 0.05);
  mg_mgr_free(&mgr);
}

static void test_sntp_kiss_of_death_reported_and_backs_off(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  int i;
  (void) state;
  start(&mgr, KISS);
  get_time(&mgr, s_addr);
  assert_int_equal(s_cli.replies, 1);
  assert_int_equal(s_cli.msg.kiss_of_death, 1);
  assert_true(s_cli.msg.time == 0);
  assert_int_equal(s_cli.failed, 0);
  // By hand: after the kiss, requests on that connection are not sent.
  memset(&s_cli, 0, sizeof(s_cli));
  s_srv.requests = 0;
  c = mg_sntp_connect(&mgr, client_handler, s_addr);
  assert_true(poll_until(&mgr, cli_answered, NULL, 5));
  assert_int_equal(s_cli.msg.kiss_of_death, 1);
  mg_sntp_send_request(c);
  for (i = 0; i < 20; i++) mg_mgr_poll(&mgr, 5);
  assert_int_equal(s_srv.requests, 1);
  mg_mgr_free(&mgr);
}

static void test_sntp_garbage_is_malformed_reply(void **state) {
  struct mg_mgr mgr;
  (void) state;
  start(&mgr, GARBAGE);
  assert_non_null(mg_sntp_connect(&mgr, client_handler, s_addr));
  assert_true(poll_until(&mgr, cli_answered, NULL, 5));
  assert_int_equal(s_cli.malformed, 1);
  assert_int_equal(s_cli.replies + s_cli.failed, 0);
  // mg_sntp_get_time() makes it MG_SNTP_FAILED, at once.
  memset(&s_cli, 0, sizeof(s_cli));
  get_time(&mgr, s_addr);
  assert_int_equal(s_cli.failed, 1);
  assert_int_equal(s_cli.malformed + s_cli.replies, 0);
  assert_int_equal(s_srv.requests, 2);
  mg_mgr_free(&mgr);
}

static void test_sntp_short_and_unsynchronised_replies_malformed(void **s) {
  struct mg_mgr mgr;
  (void) s;
  start(&mgr, SHORT);
  assert_non_null(mg_sntp_connect(&mgr, client_handler, s_addr));
  assert_true(poll_until(&mgr, cli_answered, NULL, 5));
  assert_int_equal(s_cli.malformed, 1);
  memset(&s_cli, 0, sizeof(s_cli));
  s_srv.script = UNSYNC;
  assert_non_null(mg_sntp_connect(&mgr, client_handler, s_addr));
  assert_true(poll_until(&mgr, cli_answered, NULL, 5));
  assert_int_equal(s_cli.malformed, 1);
  assert_int_equal(s_cli.replies + s_cli.failed, 0);
  mg_mgr_free(&mgr);
}

static void test_sntp_host_name_unresolved_fails(void **state) {
  struct mg_mgr mgr;
  (void) state;
  start(&mgr, GOOD);
  use_nxdomain_nameserver(&mgr);
  get_time(&mgr, "time.example.invalid");
  assert_int_equal(s_cli.failed, 1);
  assert_int_equal(s_cli.replies + s_cli.others, 0);
  // By hand: MG_EV_CONNECT with the error, then MG_SNTP_FAILED.
  memset(&s_cli, 0, sizeof(s_cli));
  assert_non_null(
      mg_sntp_connect(&mgr, client_handler, "time.example.invalid"));
  assert_true(poll_until(&mgr, cli_done, NULL, 5));
  assert_int_equal(s_cli.connects, 1);
  assert_int_equal(s_cli.connect_err, MG_EDNS_NXDOMAIN);
  assert_int_equal(s_cli.failed, 1);
  mg_mgr_free(&mgr);
}

static void test_sntp_server_name_forms(void **state) {
  struct mg_mgr mgr;
  char url[80];
  (void) state;
  assert_true(sntp_url("pool.ntp.org", url, sizeof(url)));
  assert_string_equal(url, "udp://pool.ntp.org:123");
  assert_true(sntp_url("10.0.0.1:1234", url, sizeof(url)));
  assert_string_equal(url, "udp://10.0.0.1:1234");
  assert_true(sntp_url("udp://time.nist.gov", url, sizeof(url)));
  assert_string_equal(url, "udp://time.nist.gov:123");
  assert_true(sntp_url("udp://h:5", url, sizeof(url)));
  assert_string_equal(url, "udp://h:5");
  assert_true(sntp_url("::1", url, sizeof(url)));
  assert_string_equal(url, "udp://[::1]:123");
  assert_true(sntp_url("[::1]", url, sizeof(url)));
  assert_string_equal(url, "udp://[::1]:123");
  assert_true(sntp_url("[::1]:9", url, sizeof(url)));
  assert_string_equal(url, "udp://[::1]:9");
  assert_false(sntp_url("", url, sizeof(url)));
  assert_false(sntp_url("udp://", url, sizeof(url)));
  assert_false(sntp_url("tcp://h:123", url, sizeof(url)));
  assert_false(sntp_url("[::1", url, sizeof(url)));
  assert_false(sntp_url("a-long-name.example", url, 20));
  mg_mgr_init(&mgr, NULL);
  assert_null(mg_sntp_get_time(&mgr, client_handler, "tcp://127.0.0.1:123"));
  assert_null(mg_sntp_connect(&mgr, client_handler, "127.0.0.1:0"));
  assert_null(mg_sntp_connect(&mgr, client_handler, NULL));
  mg_mgr_free(&mgr);
}

static void test_sntp_send_request_on_other_connection_ignored(void **s) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  (void) s;
  mg_mgr_init(&mgr, NULL);
  c = mg_bind(&mgr, "udp://127.0.0.1:0", responder_handler);
  mg_sntp_send_request(c);  // Logs; queues nothing
  assert_int_equal(c->send_mbuf.len, 0);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sntp_get_time_good_reply_is_now),
      cmocka_unit_test(test_sntp_udp_url_form_and_fresh_transmit_per_request),
      cmocka_unit_test(test_sntp_connect_and_send_request_by_hand),
      cmocka_unit_test(test_sntp_wrong_originate_dropped_then_good_accepted),
      cmocka_unit_test(test_sntp_only_wrong_originate_times_out_failed),
      cmocka_unit_test(test_sntp_silence_retries_then_failed),
      cmocka_unit_test(test_sntp_kiss_of_death_reported_and_backs_off),
      cmocka_unit_test(test_sntp_garbage_is_malformed_reply),
      cmocka_unit_test(test_sntp_short_and_unsynchronised_replies_malformed),
      cmocka_unit_test(test_sntp_host_name_unresolved_fails),
      cmocka_unit_test(test_sntp_server_name_forms),
      cmocka_unit_test(test_sntp_send_request_on_other_connection_ignored),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
