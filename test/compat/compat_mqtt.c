// A 6.x-style MQTT program: the broker of the 6.x mqtt_broker example
// (mg_bind with mg_mqtt_broker, the broker in the listener's priv_2,
// mg_set_protocol_mqtt) and clients written as the 6.x mqtt_client example
// writes them (handshake on MG_EV_CONNECT, subscribe on CONNACK, acks
// sent by the handler itself), in one process, over real sockets.
#include "compat.h"

#if !MG_ENABLE_MQTT || !MG_ENABLE_MQTT_BROKER
#error "MQTT and the broker are on by default"
#endif

struct client {
  const char *id;
  int connacked, subacked, pubacks, got, qos;
  uint16_t last_id;
  char topic[64], payload[64];
};

static void client_handler(struct mg_connection *nc, int ev,
                           void *p MG_UD_ARG(void *user_data)) {
  struct client *c = (struct client *) COMPAT_UD(nc);
  struct mg_mqtt_message *msg = (struct mg_mqtt_message *) p;
  switch (ev) {
    case MG_EV_CONNECT: {
      struct mg_send_mqtt_handshake_opts opts;
      memset(&opts, 0, sizeof(opts));
      opts.flags = MG_MQTT_CLEAN_SESSION;
      opts.keep_alive = 30;
      mg_set_protocol_mqtt(nc);
      mg_send_mqtt_handshake_opt(nc, c->id, opts);
      break;
    }
    case MG_EV_MQTT_CONNACK:
      if (msg->connack_ret_code == MG_EV_MQTT_CONNACK_ACCEPTED) {
        c->connacked = 1;
      }
      break;
    case MG_EV_MQTT_SUBACK:
      c->subacked = 1;
      c->last_id = msg->message_id;
      break;
    case MG_EV_MQTT_PUBACK:
      c->pubacks++;
      c->last_id = msg->message_id;
      break;
    case MG_EV_MQTT_PUBLISH:
      snprintf(c->topic, sizeof(c->topic), "%.*s", (int) msg->topic.len,
               msg->topic.p);
      snprintf(c->payload, sizeof(c->payload), "%.*s",
               (int) msg->payload.len, msg->payload.p);
      c->qos = msg->qos;
      c->got++;
      // 6.x programs acknowledge QoS 1 themselves.
      if (msg->qos == 1) mg_mqtt_puback(nc, msg->message_id);
      break;
    default:
      break;
  }
}

static int poll_until(struct mg_mgr *mgr, const int *v, int want) {
  double deadline = mg_time() + 5;
  while (*v < want && mg_time() < deadline) mg_mgr_poll(mgr, 10);
  return *v >= want;
}

static void test_6x_broker_and_clients(void **state) {
  struct mg_mgr mgr;
  struct mg_mqtt_broker brk;
  struct mg_connection *lc, *sub_nc, *pub_nc;
  struct mg_mqtt_session *s;
  struct client sub, pub;
  struct mg_mqtt_topic_expression topics[] = {{"/stuff", 1}};
  char addr[64];
  int n = 0;
  (void) state;
  memset(&sub, 0, sizeof(sub));
  memset(&pub, 0, sizeof(pub));
  sub.id = "sub";
  pub.id = "pub";
  mg_mgr_init(&mgr, NULL);
  mg_mqtt_broker_init(&brk, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", MG_CB(mg_mqtt_broker, NULL));
  assert_non_null(lc);
  lc->priv_2 = &brk;
  mg_set_protocol_mqtt(lc);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", compat_port(lc));

  sub_nc = mg_connect(&mgr, addr, MG_CB(client_handler, &sub));
  pub_nc = mg_connect(&mgr, addr, MG_CB(client_handler, &pub));
  assert_non_null(sub_nc);
  assert_non_null(pub_nc);
  sub_nc->user_data = &sub;
  pub_nc->user_data = &pub;
  assert_true(poll_until(&mgr, &sub.connacked, 1));
  assert_true(poll_until(&mgr, &pub.connacked, 1));
  mg_mqtt_subscribe(sub_nc, topics, 1, 42);
  assert_true(poll_until(&mgr, &sub.subacked, 1));
  assert_int_equal(sub.last_id, 42);

  // Two sessions, walked the 6.x way.
  for (s = mg_mqtt_next(&brk, NULL); s != NULL; s = mg_mqtt_next(&brk, s)) {
    n++;
  }
  assert_int_equal(n, 2);

  mg_mqtt_publish(pub_nc, "/stuff", 0, MG_MQTT_QOS(0), "hi", 2);
  assert_true(poll_until(&mgr, &sub.got, 1));
  assert_string_equal(sub.topic, "/stuff");
  assert_string_equal(sub.payload, "hi");
  assert_int_equal(sub.qos, 0);

  mg_mqtt_publish(pub_nc, "/stuff", 65, MG_MQTT_QOS(1), "again", 5);
  assert_true(poll_until(&mgr, &pub.pubacks, 1));
  assert_int_equal(pub.last_id, 65);
  assert_true(poll_until(&mgr, &sub.got, 2));
  assert_string_equal(sub.payload, "again");
  assert_int_equal(sub.qos, 1);

  mg_mqtt_disconnect(pub_nc);
  mg_mqtt_disconnect(sub_nc);
  mg_mgr_free(&mgr);
  mg_mqtt_broker_free(&brk);
}

static void test_6x_names(void **state) {
  int flags = 0;
  (void) state;
  assert_int_equal(MG_EV_MQTT_CONNECT, 201);
  assert_int_equal(MG_EV_MQTT_PUBLISH, 203);
  assert_int_equal(MG_EV_MQTT_DISCONNECT, 214);
  assert_int_equal(MG_EV_MQTT_CONNACK_NOT_AUTHORIZED, 5);
  assert_int_equal(MG_MQTT_QOS(2), 4);
  assert_int_equal(MG_MQTT_GET_QOS(MG_MQTT_QOS(2) | MG_MQTT_RETAIN), 2);
  MG_MQTT_SET_QOS(flags, 1);
  assert_int_equal(flags, 2);
  assert_int_equal(MG_MQTT_DUP | MG_MQTT_RETAIN, 9);
  assert_int_equal(MG_MQTT_HAS_USER_NAME | MG_MQTT_HAS_PASSWORD, 0xc0);
  assert_int_equal(MG_MQTT_CLEAN_SESSION | MG_MQTT_HAS_WILL, 6);
  assert_int_equal(MG_MQTT_WILL_RETAIN, 0x20);
  assert_int_equal(mg_mqtt_vmatch_topic_expression("a/+/c", mg_mk_str("a/b/c")),
                   1);
  assert_int_equal(
      mg_mqtt_match_topic_expression(mg_mk_str("a/#"), mg_mk_str("b")), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_6x_names),
      cmocka_unit_test(test_6x_broker_and_clients),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
