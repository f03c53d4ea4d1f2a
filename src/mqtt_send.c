// MQTT: the 6.x send functions (mg_send_mqtt_handshake_opt, mg_mqtt_publish,
// ...) and the one place every packet is composed: straight into a TCP
// connection's send buffer, or into a scratch buffer sent as one WebSocket
// frame. The protocol handler and the session are in mqtt_client.c.
#include "mqtt_internal.h"

#if MG_ENABLE_MQTT

// Where a packet is composed: straight into a TCP connection's send buffer
// (no copy), or a scratch buffer that goes out as one WebSocket frame.
struct mqtt_out {
  struct mbuf *io;
  struct mbuf scratch;
  size_t off;
};

static struct mbuf *mqtt_out_begin(struct mg_connection *nc,
                                   struct mqtt_out *o) {
  mbuf_init(&o->scratch, 0);
  o->io = (nc->flags & MG_F_IS_WEBSOCKET) ? &o->scratch : &nc->send_mbuf;
  o->off = o->io->len;
  return o->io;
}

// Finishes a packet composed with rc (the composer's result). Returns 0 if
// it went out, -1 if it could not be composed (logged).
static int mqtt_out_end(struct mg_connection *nc, struct mqtt_out *o, int rc,
                        const char *what) {
  const unsigned char *p = (const unsigned char *) o->io->buf + o->off;
  size_t len = o->io->len - o->off;
  struct mg_mqtt_state *st;
  (void) what;  // Unused without MG_ENABLE_LOG
  if (rc != 0) {
    MG_ERROR(
        ("%p MQTT: cannot compose %s (a string over 65535 bytes, or "
         "out of memory): not sent",
         (void *) nc, what));
  } else if (o->io == &o->scratch) {
    mg_mqtt_send(nc, p, len);
  } else if ((st = mg_mqtt_state(nc)) != NULL && st->close_at > 0) {
    o->io->len = o->off;  // Failed: nothing more
  } else {
    mg_mqtt_note_sent(nc, p, len);
  }
  mbuf_free(&o->scratch);
  return rc == 0 ? 0 : -1;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP or UNSUBACK with id.
void mg_mqtt_send_id(struct mg_connection *nc, int cmd, uint16_t id,
                     const char *what) {
  struct mqtt_out o;
  struct mbuf *io = mqtt_out_begin(nc, &o);
  mqtt_out_end(nc, &o, mg_mqtt_compose_id(io, cmd, id), what);
}

// PINGREQ, PINGRESP or DISCONNECT.
void mg_mqtt_send_empty(struct mg_connection *nc, int cmd, const char *what) {
  struct mqtt_out o;
  struct mbuf *io = mqtt_out_begin(nc, &o);
  mqtt_out_end(nc, &o, mg_mqtt_compose_empty(io, cmd), what);
}

// ---- The 6.x send functions -------------------------------------------------

void mg_send_mqtt_handshake(struct mg_connection *nc, const char *client_id) {
  struct mg_send_mqtt_handshake_opts opts;
  memset(&opts, 0, sizeof(opts));  // As 6.x: clean session 0, keep-alive 60
  mg_send_mqtt_handshake_opt(nc, client_id, opts);
}

void mg_send_mqtt_handshake_opt(struct mg_connection *nc, const char *client_id,
                                struct mg_send_mqtt_handshake_opts opts) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  struct mqtt_out o;
  struct mbuf *io;
  if (opts.keep_alive == 0) opts.keep_alive = MG_MQTT_DEFAULT_KEEP_ALIVE;
  io = mqtt_out_begin(nc, &o);
  if (mqtt_out_end(
          nc, &o,
          mg_mqtt_compose_connect(
              io, mg_mk_str(client_id != NULL ? client_id : ""), &opts),
          "CONNECT") != 0 ||
      st == NULL) {
    return;
  }
  st->keep_alive = opts.keep_alive;
  st->handshake_sent = 1;
  st->connected = 0;
  st->ping_sent = 0;
  if ((opts.flags & MG_MQTT_CLEAN_SESSION) && st->session != NULL) {
    mbuf_clear(&st->session->pending);  // A clean session starts empty
    st->session->num_qos2_in = 0;
  }
  st->resend_len = st->session != NULL ? st->session->pending.len : 0;
}

void mg_mqtt_publish(struct mg_connection *nc, const char *topic,
                     uint16_t message_id, int flags, const void *data,
                     size_t len) {
  struct mg_str t = mg_mk_str(topic), payload;
  int qos = MG_MQTT_GET_QOS(flags);
  struct mqtt_out o;
  struct mbuf *io;
  int rc;
  if (qos == 3 || (qos > 0 && message_id == 0) || !mg_mqtt_valid_topic(t)) {
    MG_ERROR(("%p MQTT: PUBLISH with QoS %d, id %d, topic '%s' refused",
              (void *) nc, qos, message_id, topic != NULL ? topic : "(null)"));
    return;
  }
  payload = mg_mk_str_n((const char *) data, data != NULL ? len : 0);
  io = mqtt_out_begin(nc, &o);
  rc = mg_mqtt_compose_publish(io, t, message_id, flags & 0x0f, payload);
  if (rc == 0 && qos > 0) {
    mg_mqtt_session_keep(nc, io->buf + o.off, io->len - o.off);
  }
  mqtt_out_end(nc, &o, rc, "PUBLISH");
}

void mg_mqtt_subscribe(struct mg_connection *nc,
                       const struct mg_mqtt_topic_expression *topics,
                       size_t topics_len, uint16_t message_id) {
  struct mqtt_out o;
  struct mbuf *io;
  size_t i;
  for (i = 0; i < topics_len; i++) {
    if (topics[i].qos > 2 || topics[i].topic == NULL ||
        !mg_mqtt_valid_filter(mg_mk_str(topics[i].topic))) {
      break;
    }
  }
  if (topics_len == 0 || i < topics_len || message_id == 0) {
    MG_ERROR(
        ("%p MQTT: SUBSCRIBE refused: no filter, an invalid one (#%d), "
         "or packet id 0",
         (void *) nc, (int) i));
    return;
  }
  io = mqtt_out_begin(nc, &o);
  mqtt_out_end(nc, &o,
               mg_mqtt_compose_subscribe(io, topics, topics_len, message_id),
               "SUBSCRIBE");
}

// Composes UNSUBSCRIBE for the filters in t (n of them, validated).
static void mqtt_send_unsubscribe(struct mg_connection *nc,
                                  const struct mg_str *t, size_t n,
                                  uint16_t id) {
  struct mqtt_out o;
  struct mbuf *io = mqtt_out_begin(nc, &o);
  mqtt_out_end(nc, &o, mg_mqtt_compose_unsubscribe(io, t, n, id),
               "UNSUBSCRIBE");
}

void mg_mqtt_unsubscribe(struct mg_connection *nc, char **topics,
                         size_t topics_len, uint16_t message_id) {
  struct mg_str mem[16], *t = mem;
  size_t i;
  if (topics_len > MG_ARRAY_SIZE(mem)) {
    t = (struct mg_str *) MG_MALLOC(topics_len * sizeof(*t));
  }
  for (i = 0; t != NULL && i < topics_len; i++) {
    t[i] = mg_mk_str(topics[i]);
    if (topics[i] == NULL || !mg_mqtt_valid_filter(t[i])) break;
  }
  if (t == NULL || topics_len == 0 || i < topics_len || message_id == 0) {
    MG_ERROR(
        ("%p MQTT: UNSUBSCRIBE refused: no filter, an invalid one, "
         "packet id 0, or out of memory",
         (void *) nc));
  } else {
    mqtt_send_unsubscribe(nc, t, topics_len, message_id);
  }
  if (t != mem) MG_FREE(t);
}

void mg_mqtt_disconnect(struct mg_connection *nc) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  mg_mqtt_send_empty(nc, MG_MQTT_CMD_DISCONNECT, "DISCONNECT");
  if (st == NULL || !st->is_server) nc->flags |= MG_F_SEND_AND_CLOSE;
}

void mg_mqtt_connack(struct mg_connection *nc, uint8_t return_code) {
  struct mqtt_out o;
  struct mbuf *io = mqtt_out_begin(nc, &o);
  mqtt_out_end(nc, &o, mg_mqtt_compose_connack(io, 0, return_code), "CONNACK");
}

void mg_mqtt_puback(struct mg_connection *nc, uint16_t message_id) {
  mg_mqtt_send_id(nc, MG_MQTT_CMD_PUBACK, message_id, "PUBACK");
}

void mg_mqtt_pubrec(struct mg_connection *nc, uint16_t message_id) {
  mg_mqtt_send_id(nc, MG_MQTT_CMD_PUBREC, message_id, "PUBREC");
}

void mg_mqtt_pubrel(struct mg_connection *nc, uint16_t message_id) {
  mg_mqtt_send_id(nc, MG_MQTT_CMD_PUBREL, message_id, "PUBREL");
}

void mg_mqtt_pubcomp(struct mg_connection *nc, uint16_t message_id) {
  mg_mqtt_send_id(nc, MG_MQTT_CMD_PUBCOMP, message_id, "PUBCOMP");
}

void mg_mqtt_suback(struct mg_connection *nc, uint8_t *qoss, size_t qoss_len,
                    uint16_t message_id) {
  struct mqtt_out o;
  struct mbuf *io = mqtt_out_begin(nc, &o);
  mqtt_out_end(nc, &o, mg_mqtt_compose_suback(io, qoss, qoss_len, message_id),
               "SUBACK");
}

void mg_mqtt_unsuback(struct mg_connection *nc, uint16_t message_id) {
  mg_mqtt_send_id(nc, MG_MQTT_CMD_UNSUBACK, message_id, "UNSUBACK");
}

void mg_mqtt_ping(struct mg_connection *nc) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  mg_mqtt_send_empty(nc, MG_MQTT_CMD_PINGREQ, "PINGREQ");
  if (st != NULL && st->ping_sent == 0) st->ping_sent = mg_time();
}

void mg_mqtt_pong(struct mg_connection *nc) {
  mg_mqtt_send_empty(nc, MG_MQTT_CMD_PINGRESP, "PINGRESP");
}

#endif  // MG_ENABLE_MQTT
