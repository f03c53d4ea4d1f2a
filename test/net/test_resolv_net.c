// The async resolver against a scripted DNS responder in this process (our
// own DNS codec and server replies on UDP and TCP listeners).
#include "net_util.h"

// What the responder does with a query.
enum mode {
  M_ANSWER,      // A 127.0.0.1 (ttl 60)
  M_SILENT,      // Nothing
  M_SERVFAIL,    // rcode 2
  M_NXDOMAIN,    // rcode 3
  M_NODATA,      // rcode 0, no answers
  M_CNAME,       // name CNAME a.chain.test CNAME b.chain.test A 127.0.0.1
  M_CNAME_LOOP,  // name CNAME a.loop.test CNAME name: no address, ever
  M_WRONG_ID,    // First a reply (6.6.6.6) with another id, then the answer
  M_STRANGER,    // First a reply (6.6.6.6) from another port, then the answer
  M_TC           // UDP: TC=1 and no answers; TCP: the answer
};

struct responder {
  struct mg_connection *udp, *tcp;
  int port;
  enum mode mode;
  int udp_queries, tcp_queries;
};

static struct responder s_r[2];

static void add_a(struct mg_dns_reply *r, struct mg_dns_message *msg,
                  const char *name, const char *ip) {
  struct in_addr a;
  inet_pton(AF_INET, ip, &a);
  mg_dns_reply_record(r, &msg->questions[0], name, MG_DNS_A_RECORD, 60, &a, 4);
}

// Sends the datagram in io now, from the responder's socket or (stranger)
// from a fresh socket: another source port.
static void send_now(struct mg_connection *nc, struct mbuf *io, int stranger) {
  int fd = stranger ? socket(AF_INET, SOCK_DGRAM, 0) : nc->sock;
  assert_true(fd >= 0);
  sendto(fd, io->buf, io->len, 0, &nc->sa.sa, sizeof(nc->sa.sin));
  if (stranger) close(fd);
  mbuf_clear(io);
}

static void answer(struct mg_connection *nc, struct responder *rs,
                   struct mg_dns_message *msg) {
  struct mbuf io;
  struct mg_dns_reply r;
  int tcp = !(nc->flags & MG_F_UDP);
  mbuf_init(&io, 0);
  if (rs->mode == M_WRONG_ID || rs->mode == M_STRANGER) {
    uint16_t id = msg->transaction_id;
    r = mg_dns_create_reply(&io, msg);
    add_a(&r, msg, NULL, "6.6.6.6");
    if (rs->mode == M_WRONG_ID) msg->transaction_id ^= 0x5a5a;
    mg_dns_send_reply(nc, &r);  // Moves it into send_mbuf
    // Out at once: UDP send_mbuf would join it to the next reply.
    send_now(nc, &nc->send_mbuf, rs->mode == M_STRANGER);
    msg->transaction_id = id;
    mbuf_clear(&io);
  }
  r = mg_dns_create_reply(&io, msg);
  if (rs->mode == M_SERVFAIL) msg->flags |= 2;
  if (rs->mode == M_NXDOMAIN) msg->flags |= 3;
  if (rs->mode == M_TC && !tcp) msg->flags |= 0x0200;
  if (rs->mode == M_CNAME) {
    mg_dns_reply_record(&r, &msg->questions[0], NULL, MG_DNS_CNAME_RECORD, 60,
                        "a.chain.test", 12);
    mg_dns_reply_record(&r, &msg->questions[0], "a.chain.test",
                        MG_DNS_CNAME_RECORD, 60, "b.chain.test", 12);
    add_a(&r, msg, "b.chain.test", "127.0.0.1");
  } else if (rs->mode == M_CNAME_LOOP) {
    char qname[256];
    mg_dns_uncompress_name(msg, &msg->questions[0].name, qname, sizeof(qname));
    mg_dns_reply_record(&r, &msg->questions[0], NULL, MG_DNS_CNAME_RECORD, 60,
                        "a.loop.test", 11);
    mg_dns_reply_record(&r, &msg->questions[0], "a.loop.test",
                        MG_DNS_CNAME_RECORD, 60, qname, strlen(qname));
  } else if (rs->mode == M_ANSWER || rs->mode == M_WRONG_ID ||
             rs->mode == M_STRANGER || (rs->mode == M_TC && tcp)) {
    if (msg->questions[0].rtype == MG_DNS_A_RECORD) {
      add_a(&r, msg, NULL, "127.0.0.1");
    }
  }
  mg_dns_send_reply(nc, &r);
  mbuf_free(&io);
}

static void responder_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct responder *rs = (struct responder *) nc->user_data;
  struct mg_dns_message *msg = (struct mg_dns_message *) ev_data;
  if (ev != MG_DNS_MESSAGE || rs == NULL) return;
  if (nc->flags & MG_F_UDP) {
    rs->udp_queries++;
  } else {
    rs->tcp_queries++;
  }
  if (rs->mode != M_SILENT) answer(nc, rs, msg);
}

// Starts responder i on a free port: UDP, and TCP on the same port.
static void responder_start(struct mg_mgr *mgr, int i, enum mode mode) {
  char addr[64];
  struct responder *rs = &s_r[i];
  struct mg_bind_opts bo;
  int tries;
  memset(rs, 0, sizeof(*rs));
  rs->mode = mode;
  memset(&bo, 0, sizeof(bo));
  bo.user_data = rs;
  for (tries = 0; tries < 20 && rs->tcp == NULL; tries++) {
    if (rs->udp != NULL) rs->udp->flags |= MG_F_CLOSE_IMMEDIATELY;
    rs->udp = mg_bind_opt(mgr, "udp://127.0.0.1:0", responder_handler, bo);
    assert_non_null(rs->udp);
    rs->port = conn_port(rs->udp);
    snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", rs->port);
    rs->tcp = mg_bind_opt(mgr, addr, responder_handler, bo);
  }
  assert_non_null(rs->tcp);
  mg_set_protocol_dns(rs->udp);
  mg_set_protocol_dns(rs->tcp);
}

static char *ns_of(int i, char *buf, size_t len) {
  snprintf(buf, len, "udp://127.0.0.1:%d", s_r[i].port);
  return buf;
}

// ---- mg_resolve_async_opt() results ---------------------------------------

struct result {
  int done;
  enum mg_resolve_err err;
  char ip[64];
  int num_answers;
};

static void resolve_cb(struct mg_dns_message *msg, void *data,
                       enum mg_resolve_err e) {
  struct result *r = (struct result *) data;
  struct mg_dns_resource_record *rr;
  struct in_addr a;
  r->done++;
  r->err = e;
  if (msg == NULL) return;
  r->num_answers = msg->num_answers;
  rr = mg_dns_next_record(msg, MG_DNS_A_RECORD, NULL);
  if (rr != NULL && mg_dns_parse_record_data(msg, rr, &a, sizeof(a)) == 0) {
    inet_ntop(AF_INET, &a, r->ip, sizeof(r->ip));
  }
}

static void resolve(struct mg_mgr *mgr, const char *name, const char *ns,
                    int timeout, struct result *r) {
  struct mg_resolve_async_opts o;
  memset(&o, 0, sizeof(o));
  memset(r, 0, sizeof(*r));
  o.nameserver = ns;
  o.timeout = timeout;
  assert_int_equal(
      mg_resolve_async_opt(mgr, name, MG_DNS_A_RECORD, resolve_cb, r, o), 0);
  assert_int_equal(r->done, 0);  // Never from inside the call
  assert_true(poll_flag(mgr, &r->done, 15));
  assert_int_equal(r->done, 1);
}

static void one_mode(enum mode mode, enum mg_resolve_err want,
                     const char *want_ip) {
  struct mg_mgr mgr;
  struct result r;
  char ns[64];
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, mode);
  resolve(&mgr, "host.test", ns_of(0, ns, sizeof(ns)), 1, &r);
  assert_int_equal(r.err, want);
  assert_string_equal(r.ip, want_ip);
  mg_mgr_free(&mgr);
}

static void test_resolve_a_record(void **state) {
  (void) state;
  one_mode(M_ANSWER, MG_RESOLVE_OK, "127.0.0.1");
  assert_int_equal(s_r[0].udp_queries, 1);
}

static void test_resolve_wrong_id_ignored(void **state) {
  (void) state;
  one_mode(M_WRONG_ID, MG_RESOLVE_OK, "127.0.0.1");
}

static void test_resolve_wrong_source_ignored(void **state) {
  (void) state;
  one_mode(M_STRANGER, MG_RESOLVE_OK, "127.0.0.1");
}

static void test_resolve_truncated_retries_over_tcp(void **state) {
  (void) state;
  one_mode(M_TC, MG_RESOLVE_OK, "127.0.0.1");
  assert_int_equal(s_r[0].udp_queries, 1);
  assert_int_equal(s_r[0].tcp_queries, 1);
}

static void test_resolve_nxdomain_is_distinct(void **state) {
  (void) state;
  one_mode(M_NXDOMAIN, MG_RESOLVE_NXDOMAIN, "");
}

static void test_resolve_no_such_record_is_no_answers(void **state) {
  (void) state;
  one_mode(M_NODATA, MG_RESOLVE_NO_ANSWERS, "");
}

static void test_resolve_servfail_alone_is_servfail(void **state) {
  (void) state;
  one_mode(M_SERVFAIL, MG_RESOLVE_SERVFAIL, "");
}

static void test_resolve_cname_chain_followed(void **state) {
  (void) state;
  one_mode(M_CNAME, MG_RESOLVE_OK, "127.0.0.1");
}

// A CNAME loop ends after at most MG_RESOLV_MAX_CNAMES hops: the name has
// no address, and the query is not sent again.
static void test_resolve_cname_loop_is_no_answers(void **state) {
  (void) state;
  one_mode(M_CNAME_LOOP, MG_RESOLVE_NO_ANSWERS, "");
  assert_int_equal(s_r[0].udp_queries, 1);
}

static void test_resolve_silent_times_out_after_bounded_retries(void **state) {
  double t0 = mg_time();
  (void) state;
  one_mode(M_SILENT, MG_RESOLVE_TIMEOUT, "");
  // One send and MG_RESOLV_RETRIES resends, 1 s each.
  assert_int_equal(s_r[0].udp_queries, 1 + MG_RESOLV_RETRIES);
  assert_true(mg_time() - t0 < 1 + MG_RESOLV_RETRIES + 2);
}

static void two_servers(enum mode first) {
  struct mg_mgr mgr;
  struct result r;
  char ns[160];
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, first);
  responder_start(&mgr, 1, M_ANSWER);
  snprintf(ns, sizeof(ns), "udp://127.0.0.1:%d,127.0.0.1:%d", s_r[0].port,
           s_r[1].port);
  resolve(&mgr, "host.test", ns, 1, &r);
  assert_int_equal(r.err, MG_RESOLVE_OK);
  assert_string_equal(r.ip, "127.0.0.1");
  assert_true(s_r[0].udp_queries >= 1);
  assert_int_equal(s_r[1].udp_queries, 1);
  mg_mgr_free(&mgr);
}

static void test_resolve_silent_first_nameserver_then_second(void **state) {
  (void) state;
  two_servers(M_SILENT);
}

static void test_resolve_servfail_then_next_nameserver(void **state) {
  (void) state;
  two_servers(M_SERVFAIL);
  assert_int_equal(s_r[0].udp_queries, 1);
}

static void test_resolve_cache_hit_sends_one_query(void **state) {
  struct mg_mgr mgr;
  struct result r;
  char ns[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, M_ANSWER);
  resolve(&mgr, "cached.test", ns_of(0, ns, sizeof(ns)), 1, &r);
  assert_string_equal(r.ip, "127.0.0.1");
  resolve(&mgr, "CACHED.test.", ns, 1, &r);
  assert_int_equal(r.err, MG_RESOLVE_OK);
  assert_string_equal(r.ip, "127.0.0.1");
  assert_int_equal(s_r[0].udp_queries, 1);
  mg_mgr_free(&mgr);
}

static void test_resolve_hosts_file_first(void **state) {
  struct mg_mgr mgr;
  struct result r;
  char ns[64], path[] = "/tmp/mg_hosts_XXXXXX";
  const char *saved = mg_resolv_hosts_file;
  int fd = mkstemp(path);
  const char *text = "# comment\n10.1.2.3  other\n127.0.0.9 Mine.Test mine\n";
  (void) state;
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (int) strlen(text));
  close(fd);
  mg_resolv_hosts_file = path;
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, M_ANSWER);
  resolve(&mgr, "mine.test", ns_of(0, ns, sizeof(ns)), 1, &r);
  assert_int_equal(r.err, MG_RESOLVE_OK);
  assert_string_equal(r.ip, "127.0.0.9");
  assert_int_equal(s_r[0].udp_queries, 0);
  mg_mgr_free(&mgr);
  mg_resolv_hosts_file = saved;
  unlink(path);
}

// ---- mg_connect() to host names ----------------------------------------

struct conn_result {
  int connected, err, closed;
};

static void client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct conn_result *cr = (struct conn_result *) nc->user_data;
  if (cr == NULL) return;
  if (ev == MG_EV_CONNECT) {
    cr->connected = 1;
    cr->err = *(int *) ev_data;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    cr->closed = 1;
  }
}

static int s_accepted;
static void listener_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) {
    s_accepted++;
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

static struct mg_connection *connect_name(struct mg_mgr *mgr, const char *addr,
                                          const char *ns,
                                          struct conn_result *cr) {
  struct mg_connect_opts o;
  struct mg_connection *c;
  memset(&o, 0, sizeof(o));
  memset(cr, 0, sizeof(*cr));
  o.user_data = cr;
  o.nameserver = ns;
  c = mg_connect_opt(mgr, addr, client_handler, o);
  assert_non_null(c);
  assert_true(c->flags & MG_F_RESOLVING);
  return c;
}

static void test_connect_name_reaches_listener(void **state) {
  struct mg_mgr mgr;
  struct conn_result cr;
  struct mg_connection *lc;
  char ns[64], addr[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, M_ANSWER);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", listener_handler);
  assert_non_null(lc);
  s_accepted = 0;
  snprintf(addr, sizeof(addr), "web.test:%d", conn_port(lc));
  connect_name(&mgr, addr, ns_of(0, ns, sizeof(ns)), &cr);
  assert_true(poll_flag(&mgr, &cr.connected, 10));
  assert_int_equal(cr.err, 0);
  assert_true(poll_flag(&mgr, &s_accepted, 5));
  assert_int_equal(s_r[0].udp_queries, 1);
  mg_mgr_free(&mgr);
}

static void test_connect_nxdomain_fails_with_its_error(void **state) {
  struct mg_mgr mgr;
  struct conn_result cr;
  char ns[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, M_NXDOMAIN);
  connect_name(&mgr, "nowhere.test:80", ns_of(0, ns, sizeof(ns)), &cr);
  assert_true(poll_flag(&mgr, &cr.connected, 10));
  assert_int_equal(cr.err, MG_EDNS_NXDOMAIN);
  assert_true(poll_flag(&mgr, &cr.closed, 5));
  mg_mgr_free(&mgr);
}

static void test_connect_no_record_fails_after_a_and_aaaa(void **state) {
  struct mg_mgr mgr;
  struct conn_result cr;
  char ns[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, M_NODATA);
  connect_name(&mgr, "empty.test:80", ns_of(0, ns, sizeof(ns)), &cr);
  assert_true(poll_flag(&mgr, &cr.connected, 10));
  assert_int_equal(cr.err, MG_EDNS_NODATA);
  assert_int_equal(s_r[0].udp_queries, 1 + MG_ENABLE_IPV6);
  mg_mgr_free(&mgr);
}

static int count_conns(struct mg_mgr *mgr) {
  struct mg_connection *c;
  int n = 0;
  for (c = mgr->active_connections; c != NULL; c = c->next) n++;
  return n;
}

static void test_close_while_resolving_is_safe(void **state) {
  struct mg_mgr mgr;
  struct conn_result cr;
  struct mg_connection *c;
  char ns[64];
  double deadline;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, M_SILENT);
  c = connect_name(&mgr, "slow.test:80", ns_of(0, ns, sizeof(ns)), &cr);
  poll_flag(&mgr, &s_r[0].udp_queries, 5);
  assert_int_equal(s_r[0].udp_queries, 1);
  c->flags |= MG_F_CLOSE_IMMEDIATELY;
  assert_true(poll_flag(&mgr, &cr.closed, 5));
  assert_int_equal(cr.connected, 0);
  // The query goes away with it: only the responder's two listeners stay.
  deadline = mg_time() + 5;
  while (count_conns(&mgr) > 2 && mg_time() < deadline) mg_mgr_poll(&mgr, 10);
  assert_int_equal(count_conns(&mgr), 2);
  mg_mgr_free(&mgr);
}

static void test_free_manager_while_resolving_is_safe(void **state) {
  struct mg_mgr mgr;
  struct conn_result cr;
  struct result r;
  struct mg_resolve_async_opts o;
  char ns[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  responder_start(&mgr, 0, M_SILENT);
  connect_name(&mgr, "slow.test:80", ns_of(0, ns, sizeof(ns)), &cr);
  memset(&o, 0, sizeof(o));
  memset(&r, 0, sizeof(r));
  o.nameserver = ns;
  assert_int_equal(
      mg_resolve_async_opt(&mgr, "x.test", MG_DNS_A_RECORD, resolve_cb, &r, o),
      0);
  mg_mgr_poll(&mgr, 10);
  mg_mgr_free(&mgr);
  assert_int_equal(r.done, 1);  // 6.x: a query closed early gets TIMEOUT
  assert_int_equal(r.err, MG_RESOLVE_TIMEOUT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resolve_a_record),
      cmocka_unit_test(test_resolve_wrong_id_ignored),
      cmocka_unit_test(test_resolve_wrong_source_ignored),
      cmocka_unit_test(test_resolve_truncated_retries_over_tcp),
      cmocka_unit_test(test_resolve_nxdomain_is_distinct),
      cmocka_unit_test(test_resolve_no_such_record_is_no_answers),
      cmocka_unit_test(test_resolve_servfail_alone_is_servfail),
      cmocka_unit_test(test_resolve_cname_chain_followed),
      cmocka_unit_test(test_resolve_cname_loop_is_no_answers),
      cmocka_unit_test(test_resolve_silent_times_out_after_bounded_retries),
      cmocka_unit_test(test_resolve_silent_first_nameserver_then_second),
      cmocka_unit_test(test_resolve_servfail_then_next_nameserver),
      cmocka_unit_test(test_resolve_cache_hit_sends_one_query),
      cmocka_unit_test(test_resolve_hosts_file_first),
      cmocka_unit_test(test_connect_name_reaches_listener),
      cmocka_unit_test(test_connect_nxdomain_fails_with_its_error),
      cmocka_unit_test(test_connect_no_record_fails_after_a_and_aaaa),
      cmocka_unit_test(test_close_while_resolving_is_safe),
      cmocka_unit_test(test_free_manager_while_resolving_is_safe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
