// MQTT protocol handler (client and server side), the one send path, the
// client session and MQTT over WebSocket; the 6.x send functions are in
// mqtt_send.c.
#include "core_internal.h"
#include "mqtt_internal.h"
#include "http.h"

// Decisions, beyond what mqtt.h and MQTT 3.1.1 fix:
// - Every core event reaches the user handler first (as in 6.x), then the
//   protocol handler parses what arrived. MQTT events follow, one per
//   packet, in order; the consumed bytes are cut from recv_mbuf once per
//   read, not once per packet.
// - The fixed header is checked before the rest of a packet is waited for:
//   a packet over MG_MQTT_MAX_PACKET_SIZE, and on the server side a first
//   packet that is not CONNECT, close the connection at once.
// - Role: a connection accepted by a listener (nc->listener set when its
//   MQTT state is made) is the server side, any other the client side.
//   Each side closes on a packet type only the other side may send; the
//   client also closes on anything before CONNACK and on a second CONNACK.
// - A CONNACK with a non-zero code is followed by the close on both sides:
//   the server closes once it is sent (MQTT-3.2.2-5), the client once the
//   handler saw it.
// - The server side closes after delivering DISCONNECT; the client side
//   closes once its DISCONNECT is sent (MQTT-3.14.4-1).
// - The server side closes a connection that sends no CONNECT within
//   MG_MQTT_CONNECT_TIMEOUT seconds (3.1.4: "a reasonable amount of
//   time"), so an idle socket cannot hold a slot forever.
// - The client session: a CONNECT with clean session 1 empties it (3.1.2.4:
//   the client discards its state too); a CONNACK accepted with
//   session present 0 forgets the incoming QoS 2 ids (the server forgot
//   them: a new message may reuse an id), but the kept outgoing packets
//   are still resent (a duplicate PUBLISH QoS 1 is allowed; a PUBREL for
//   an unknown id gets its PUBCOMP).
// - The send functions refuse (log, send nothing) what the peer would have
//   to close on: QoS 3, packet id 0 with QoS > 0, an invalid topic name or
//   filter, an empty SUBSCRIBE or UNSUBSCRIBE. The CONNECT flags follow
//   from the options' strings (the codec: a will topic sets the will flag,
//   a password without a user name goes with an empty user name).

#if MG_ENABLE_MQTT

// A received WebSocket reassembly buffer larger than this is freed once
// empty (memory stays flat after one big packet).
#define MQTT_WS_BUF_KEEP 4096
// Seconds a failed connection has to send what was queued before.
#define MQTT_CLOSE_FLUSH 1
// Packet types each side may receive (bit cmd set).
#define MQTT_BIT(cmd) (1U << (cmd))
#define MQTT_SERVER_RX                                                   \
  (MQTT_BIT(MG_MQTT_CMD_CONNECT) | MQTT_BIT(MG_MQTT_CMD_PUBLISH) |       \
   MQTT_BIT(MG_MQTT_CMD_PUBACK) | MQTT_BIT(MG_MQTT_CMD_PUBREC) |         \
   MQTT_BIT(MG_MQTT_CMD_PUBREL) | MQTT_BIT(MG_MQTT_CMD_PUBCOMP) |        \
   MQTT_BIT(MG_MQTT_CMD_SUBSCRIBE) | MQTT_BIT(MG_MQTT_CMD_UNSUBSCRIBE) | \
   MQTT_BIT(MG_MQTT_CMD_PINGREQ) | MQTT_BIT(MG_MQTT_CMD_DISCONNECT))
#define MQTT_CLIENT_RX                                             \
  (MQTT_BIT(MG_MQTT_CMD_CONNACK) | MQTT_BIT(MG_MQTT_CMD_PUBLISH) | \
   MQTT_BIT(MG_MQTT_CMD_PUBACK) | MQTT_BIT(MG_MQTT_CMD_PUBREC) |   \
   MQTT_BIT(MG_MQTT_CMD_PUBREL) | MQTT_BIT(MG_MQTT_CMD_PUBCOMP) |  \
   MQTT_BIT(MG_MQTT_CMD_SUBACK) | MQTT_BIT(MG_MQTT_CMD_UNSUBACK) | \
   MQTT_BIT(MG_MQTT_CMD_PINGRESP))

// What tells our state in a WebSocket connection's priv_2 from anything
// else: its first field points here.
static const char s_mqtt_tag = 'M';

// A packet kept in a client session.
struct mqtt_kept {
  size_t off, len;  // Where it is in the session's buffer
  uint8_t b0;       // Its first byte
  uint16_t id;      // Its packet id
};

static void mqtt_handler(struct mg_connection *nc, int ev,
                         void *ev_data MG_UD_ARG(void *user_data));

// ---- State ------------------------------------------------------------------

static void mqtt_state_free(void *p) {
  struct mg_mqtt_state *st = (struct mg_mqtt_state *) p;
  mbuf_free(&st->rbuf);
  MG_FREE(st);
}

static struct mg_mqtt_state *mqtt_state_new(struct mg_connection *nc) {
  struct mg_mqtt_state *st = (struct mg_mqtt_state *) MG_CALLOC(1, sizeof(*st));
  if (st == NULL) {
    MG_ERROR(("%p out of memory for the MQTT state", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return NULL;
  }
  st->tag = &s_mqtt_tag;
  st->is_server = nc->listener != NULL;
  st->created = st->last_recv = st->last_send = mg_time();
  mbuf_init(&st->rbuf, 0);
  return st;
}

// nc's MQTT state, or NULL if nc does not speak MQTT (yet).
struct mg_mqtt_state *mg_mqtt_state(struct mg_connection *nc) {
  if (nc->proto_data_destructor == mqtt_state_free) {
    return (struct mg_mqtt_state *) nc->proto_data;
  }
  if ((nc->flags & MG_F_IS_WEBSOCKET) && nc->priv_2 != NULL &&
      ((struct mg_mqtt_state *) nc->priv_2)->tag == &s_mqtt_tag) {
    return (struct mg_mqtt_state *) nc->priv_2;
  }
  return NULL;
}

// Makes the state of a TCP connection whose protocol handler is ours.
static struct mg_mqtt_state *mqtt_tcp_attach(struct mg_connection *nc) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  if (st != NULL || (nc->flags & MG_F_LISTENING)) return st;
  if ((st = mqtt_state_new(nc)) == NULL) return NULL;
  if (nc->proto_data != NULL && nc->proto_data_destructor != NULL) {
    nc->proto_data_destructor(nc->proto_data);  // Another protocol's
  }
  nc->proto_data = st;
  nc->proto_data_destructor = mqtt_state_free;
  return st;
}

// The state of nc, made if nc speaks MQTT but has none yet.
static struct mg_mqtt_state *mqtt_state_make(struct mg_connection *nc) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  if (st != NULL) return st;
  if (nc->proto_handler == mqtt_handler) return mqtt_tcp_attach(nc);
  return NULL;
}

// The incoming QoS 2 ids: in the session when one is attached.
static uint16_t *mqtt_qos2_ids(struct mg_mqtt_state *st, int **num) {
  if (st->session != NULL) {
    *num = &st->session->num_qos2_in;
    return st->session->qos2_in;
  }
  *num = &st->num_qos2_in;
  return st->qos2_in;
}

static int mqtt_qos2_find(struct mg_mqtt_state *st, uint16_t id) {
  int *num, i;
  uint16_t *ids = mqtt_qos2_ids(st, &num);
  for (i = 0; i < *num; i++) {
    if (ids[i] == id) return i;
  }
  return -1;
}

// Records id; returns 0 when MG_MQTT_MAX_QOS2_INFLIGHT are waiting.
static int mqtt_qos2_add(struct mg_mqtt_state *st, uint16_t id) {
  int *num;
  uint16_t *ids = mqtt_qos2_ids(st, &num);
  if (*num >= MG_MQTT_MAX_QOS2_INFLIGHT) return 0;
  ids[(*num)++] = id;
  return 1;
}

static void mqtt_qos2_remove(struct mg_mqtt_state *st, uint16_t id) {
  int *num, i = mqtt_qos2_find(st, id);
  uint16_t *ids = mqtt_qos2_ids(st, &num);
  if (i < 0) return;
  memmove(ids + i, ids + i + 1, (size_t) (*num - i - 1) * sizeof(*ids));
  (*num)--;
}

// ---- Sending ----------------------------------------------------------------

// Fails the connection for a reason the log names. What was queued before
// the failure still goes out (a CONNACK answering a CONNECT that came in
// the same read as the violation, as mosquitto does), for at most
// MQTT_CLOSE_FLUSH seconds; nothing more is read or sent.
static void mqtt_close(struct mg_connection *nc, const char *why) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  (void) why;  // Unused without MG_ENABLE_LOG
  MG_INFO(("%p MQTT: %s: closing", (void *) nc, why));
  if (st != NULL && nc->send_mbuf.len > 0) {
    nc->flags |= MG_F_SEND_AND_CLOSE;
    if (st->close_at == 0) st->close_at = mg_time() + MQTT_CLOSE_FLUSH;
  } else {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

// Bookkeeping of every packet sent: the keep-alive clock, the owed
// acknowledgement (sent by the handler itself: not sent again), the close
// after a refusing CONNACK.
void mg_mqtt_note_sent(struct mg_connection *nc, const unsigned char *p,
                       size_t len) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  int cmd = len > 0 ? p[0] >> 4 : 0;
  if (st == NULL) return;
  // Per packet (a broker's fan-out: millions a second), so the cheap
  // clock; only a client's keep-alive needs the fine one.
  nc->last_io_time = time(NULL);
  if (!st->is_server) st->last_send = mg_time();
  if (st->ack_cmd != 0 && cmd == st->ack_cmd &&
      (len == 2 || (len == 4 && (p[2] << 8 | p[3]) == st->ack_id))) {
    st->ack_cmd = 0;
  }
  if (st->is_server && cmd == MG_MQTT_CMD_CONNACK && len == 4 && p[3] != 0) {
    MG_INFO(("%p MQTT: CONNACK %d sent: closing", (void *) nc, p[3]));
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

void mg_mqtt_send(struct mg_connection *nc, const void *pkt, size_t len) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  if (st != NULL && st->close_at > 0) return;  // Failed: nothing more
#if MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBSOCKET
  if (nc->flags & MG_F_IS_WEBSOCKET) {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_BINARY, pkt, len);
  } else
#endif
  {
    mg_send(nc, pkt, (int) len);
  }
  mg_mqtt_note_sent(nc, (const unsigned char *) pkt, len);
}

// ---- Client session ---------------------------------------------------------

void mg_mqtt_client_session_init(struct mg_mqtt_client_session *s) {
  memset(s, 0, sizeof(*s));
  mbuf_init(&s->pending, 0);
}

void mg_mqtt_client_session_free(struct mg_mqtt_client_session *s) {
  mbuf_free(&s->pending);
  s->num_qos2_in = 0;
}

void mg_mqtt_set_session(struct mg_connection *nc,
                         struct mg_mqtt_client_session *s) {
  struct mg_mqtt_state *st = mqtt_state_make(nc);
  if (st == NULL) {
    MG_ERROR(("%p not an MQTT connection: session not attached", (void *) nc));
    return;
  }
  st->session = s;
  // What is kept now is older than this connection's CONNACK.
  if (s != NULL && !st->connected) st->resend_len = s->pending.len;
}

// Reads the kept packet at off. Returns 0 if the buffer is corrupt (it
// holds only packets we composed, so never in practice).
static int mqtt_kept_at(const struct mbuf *m, size_t off, struct mqtt_kept *k) {
  const unsigned char *p = (const unsigned char *) m->buf + off;
  size_t rem, hl, at;
  if (mg_mqtt_parse_header(p, m->len - off, &k->b0, &rem, &hl) != 1 ||
      rem > m->len - off - hl) {
    return 0;
  }
  k->off = off;
  k->len = hl + rem;
  at = hl;
  if ((k->b0 >> 4) == MG_MQTT_CMD_PUBLISH && rem >= 2) {
    at += 2 + (size_t) (p[hl] << 8 | p[hl + 1]);
  }
  if (at + 2 > k->len) return 0;
  k->id = (uint16_t) (p[at] << 8 | p[at + 1]);
  return 1;
}

// Finds the kept packet of type cmd (PUBLISH: of QoS qos) with id.
static int mqtt_kept_find(struct mbuf *m, int cmd, int qos, uint16_t id,
                          struct mqtt_kept *k) {
  size_t off = 0;
  while (off < m->len) {
    if (!mqtt_kept_at(m, off, k)) {
      MG_ERROR(("MQTT session buffer corrupt: emptied"));
      mbuf_clear(m);
      return 0;
    }
    if ((k->b0 >> 4) == cmd && k->id == id &&
        (cmd != MG_MQTT_CMD_PUBLISH || MG_MQTT_GET_QOS(k->b0) == qos)) {
      return 1;
    }
    off += k->len;
  }
  return 0;
}

// Replaces the kept packet k with len bytes of p (len <= k->len).
static void mqtt_kept_replace(struct mbuf *m, const struct mqtt_kept *k,
                              const void *p, size_t len) {
  if (len > 0) memcpy(m->buf + k->off, p, len);
  memmove(m->buf + k->off + len, m->buf + k->off + k->len,
          m->len - k->off - k->len);
  m->len -= k->len - len;
}

// The peer acknowledged id with cmd: the session lets the packet go
// (PUBACK, PUBCOMP) or keeps a PUBREL in its place (PUBREC).
static void mqtt_session_ack(struct mg_mqtt_state *st, int cmd, uint16_t id) {
  struct mg_mqtt_client_session *s = st->session;
  struct mqtt_kept k;
  unsigned char rel[4];
  if (s == NULL) return;
  if (cmd == MG_MQTT_CMD_PUBACK &&
      mqtt_kept_find(&s->pending, MG_MQTT_CMD_PUBLISH, 1, id, &k)) {
    mqtt_kept_replace(&s->pending, &k, NULL, 0);
  } else if (cmd == MG_MQTT_CMD_PUBCOMP &&
             mqtt_kept_find(&s->pending, MG_MQTT_CMD_PUBREL, 0, id, &k)) {
    mqtt_kept_replace(&s->pending, &k, NULL, 0);
  } else if (cmd == MG_MQTT_CMD_PUBREC &&
             mqtt_kept_find(&s->pending, MG_MQTT_CMD_PUBLISH, 2, id, &k)) {
    rel[0] = MG_MQTT_CMD_PUBREL << 4 | 2;
    rel[1] = 2;
    rel[2] = (unsigned char) (id >> 8);
    rel[3] = (unsigned char) id;
    mqtt_kept_replace(&s->pending, &k, rel, sizeof(rel));
  }
}

// Keeps a PUBLISH QoS 1/2 (len bytes at p) in the attached session.
void mg_mqtt_session_keep(struct mg_connection *nc, const void *p, size_t len) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  struct mg_mqtt_client_session *s = st != NULL ? st->session : NULL;
  if (s == NULL) return;
  if (s->pending.len + len > MG_MQTT_MAX_SESSION_BYTES) {
    MG_ERROR(
        ("%p MQTT session full (MG_MQTT_MAX_SESSION_BYTES %d): a "
         "PUBLISH of %lu bytes is sent but not kept",
         (void *) nc, (int) MG_MQTT_MAX_SESSION_BYTES, (unsigned long) len));
  } else if (mbuf_append(&s->pending, p, len) != len) {
    MG_ERROR(("%p out of memory: PUBLISH sent but not kept", (void *) nc));
  }
}

// After CONNACK accepted: every packet kept before our CONNECT again, in
// order, PUBLISH with DUP set. (Those published since, before the CONNACK,
// went out on this connection already.)
static void mqtt_session_resend(struct mg_connection *nc,
                                struct mg_mqtt_client_session *s, size_t len) {
  struct mqtt_kept k;
  size_t off = 0;
  while (off < len && off < s->pending.len &&
         mqtt_kept_at(&s->pending, off, &k)) {
    if ((k.b0 >> 4) == MG_MQTT_CMD_PUBLISH) s->pending.buf[off] |= MG_MQTT_DUP;
    mg_mqtt_send(nc, s->pending.buf + off, k.len);
    off += k.len;
  }
}

// ---- Receiving --------------------------------------------------------------

static void mqtt_deliver(struct mg_connection *nc, struct mg_mqtt_state *st,
                         struct mg_mqtt_message *m) {
  int ev = MG_MQTT_EVENT_BASE + m->cmd;
  if (st->handler != NULL) {
    mg_call(nc, st->handler, ev, m);
  } else {
    mg_call_user(nc, ev, m);
  }
}

// Delivers m with the acknowledgement cmd owed for it, then sends that
// acknowledgement unless the handler sent it.
static void mqtt_deliver_acked(struct mg_connection *nc,
                               struct mg_mqtt_state *st,
                               struct mg_mqtt_message *m, int cmd) {
  st->ack_cmd = (unsigned char) cmd;
  st->ack_id = m->message_id;
  mqtt_deliver(nc, st, m);
  if (st->ack_cmd == 0) return;
  st->ack_cmd = 0;
  if (cmd == MG_MQTT_CMD_PINGRESP) {
    mg_mqtt_send_empty(nc, cmd, "PINGRESP");
  } else {
    mg_mqtt_send_id(nc, cmd, m->message_id, "acknowledgement");
  }
}

static void mqtt_on_connect(struct mg_connection *nc, struct mg_mqtt_state *st,
                            struct mg_mqtt_message *m) {
  if (st->connected) {
    mqtt_close(nc, "second CONNECT");
  } else if (mg_vcmp(&m->protocol_name, "MQTT") != 0 ||
             m->protocol_version != 4) {
    MG_INFO(("%p MQTT: protocol %.*s level %d refused", (void *) nc,
             (int) m->protocol_name.len, m->protocol_name.p,
             m->protocol_version));
    mg_mqtt_connack(nc, MG_EV_MQTT_CONNACK_UNACCEPTABLE_VERSION);
  } else if (m->client_id.len == 0 &&
             !(m->connect_flags & MG_MQTT_CLEAN_SESSION)) {
    MG_INFO(("%p MQTT: empty client id with clean session 0", (void *) nc));
    mg_mqtt_connack(nc, MG_EV_MQTT_CONNACK_IDENTIFIER_REJECTED);
  } else {
    st->connected = 1;
    st->keep_alive = m->keep_alive_timer;
    mqtt_deliver(nc, st, m);
  }
}

static void mqtt_on_connack(struct mg_connection *nc, struct mg_mqtt_state *st,
                            struct mg_mqtt_message *m) {
  st->connected = 1;
  if (m->connack_ret_code == MG_EV_MQTT_CONNACK_ACCEPTED &&
      st->session != NULL) {
    if (!m->session_present) st->session->num_qos2_in = 0;
    mqtt_session_resend(nc, st->session, st->resend_len);
  }
  mqtt_deliver(nc, st, m);
  if (m->connack_ret_code != MG_EV_MQTT_CONNACK_ACCEPTED) {
    MG_INFO(("%p MQTT: CONNACK %d: refused by the server", (void *) nc,
             m->connack_ret_code));
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

static void mqtt_on_publish(struct mg_connection *nc, struct mg_mqtt_state *st,
                            struct mg_mqtt_message *m) {
  if (m->qos == 0) {
    mqtt_deliver(nc, st, m);
  } else if (m->qos == 1) {
    mqtt_deliver_acked(nc, st, m, MG_MQTT_CMD_PUBACK);
  } else if (mqtt_qos2_find(st, m->message_id) >= 0) {
    // A duplicate before PUBREL: acknowledged again, delivered once.
    mg_mqtt_send_id(nc, MG_MQTT_CMD_PUBREC, m->message_id, "PUBREC");
  } else if (!mqtt_qos2_add(st, m->message_id)) {
    mqtt_close(nc, "more than MG_MQTT_MAX_QOS2_INFLIGHT QoS 2 ids waiting");
  } else {
    mqtt_deliver_acked(nc, st, m, MG_MQTT_CMD_PUBREC);
  }
}

// Checks that a packet of type cmd may come now. Returns 0 (and closes)
// if not.
static int mqtt_may_receive(struct mg_connection *nc, struct mg_mqtt_state *st,
                            int cmd) {
  unsigned int allowed = st->is_server ? MQTT_SERVER_RX : MQTT_CLIENT_RX;
  if (!(allowed & MQTT_BIT(cmd))) {
    mqtt_close(nc, st->is_server ? "a packet type a server must not receive"
                                 : "a packet type a client must not receive");
  } else if (st->is_server && !st->connected && cmd != MG_MQTT_CMD_CONNECT) {
    mqtt_close(nc, "first packet is not CONNECT");
  } else if (!st->is_server && !st->connected && cmd != MG_MQTT_CMD_CONNACK) {
    mqtt_close(nc, "first packet is not CONNACK");
  } else if (!st->is_server && st->connected && cmd == MG_MQTT_CMD_CONNACK) {
    mqtt_close(nc, "second CONNACK");
  } else {
    return 1;
  }
  return 0;
}

// One whole, well-formed packet.
static void mqtt_dispatch(struct mg_connection *nc, struct mg_mqtt_state *st,
                          struct mg_mqtt_message *m) {
  if (!mqtt_may_receive(nc, st, m->cmd)) return;
  switch (m->cmd) {
    case MG_MQTT_CMD_CONNECT:
      mqtt_on_connect(nc, st, m);
      break;
    case MG_MQTT_CMD_CONNACK:
      mqtt_on_connack(nc, st, m);
      break;
    case MG_MQTT_CMD_PUBLISH:
      mqtt_on_publish(nc, st, m);
      break;
    case MG_MQTT_CMD_PUBREC:
      mqtt_session_ack(st, m->cmd, m->message_id);
      mqtt_deliver_acked(nc, st, m, MG_MQTT_CMD_PUBREL);
      break;
    case MG_MQTT_CMD_PUBREL:
      mqtt_qos2_remove(st, m->message_id);
      mqtt_deliver_acked(nc, st, m, MG_MQTT_CMD_PUBCOMP);
      break;
    case MG_MQTT_CMD_PINGREQ:
      mqtt_deliver_acked(nc, st, m, MG_MQTT_CMD_PINGRESP);
      break;
    case MG_MQTT_CMD_DISCONNECT:
      mqtt_deliver(nc, st, m);
      nc->flags |= MG_F_SEND_AND_CLOSE;
      break;
    default:  // PUBACK, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, ...
      if (m->cmd == MG_MQTT_CMD_PINGRESP) st->ping_sent = 0;
      mqtt_session_ack(st, m->cmd, m->message_id);
      mqtt_deliver(nc, st, m);
      break;
  }
}

// Checks the fixed header of the packet at buf[0..len). Returns its total
// length, 0 if more bytes are needed, -1 if the connection must close.
static long mqtt_check_header(struct mg_connection *nc,
                              struct mg_mqtt_state *st,
                              const unsigned char *buf, size_t len) {
  uint8_t b0;
  size_t rem, hl;
  int rc = mg_mqtt_parse_header(buf, len, &b0, &rem, &hl);
  if (rc < 0) {
    mqtt_close(nc, "malformed remaining length");
  } else if (rc > 0 && rem > (size_t) MG_MQTT_MAX_PACKET_SIZE - hl) {
    MG_INFO(("%p MQTT: a packet of %lu bytes is over MG_MQTT_MAX_PACKET_SIZE",
             (void *) nc, (unsigned long) (rem + hl)));
    mqtt_close(nc, "packet too large");
  } else if (rc > 0 && st->is_server && !st->connected &&
             (b0 >> 4) != MG_MQTT_CMD_CONNECT) {
    mqtt_close(nc, "first packet is not CONNECT");
  } else {
    return rc == 0 ? 0 : (long) (hl + rem);
  }
  return -1;
}

// Handles every whole packet at buf[0..len). Returns the bytes consumed.
static size_t mqtt_feed(struct mg_connection *nc, struct mg_mqtt_state *st,
                        const unsigned char *buf, size_t len) {
  struct mg_mqtt_message m;
  double now = mg_time();
  size_t off = 0;
  long n;
  while (off < len &&
         !(nc->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE))) {
    if ((n = mqtt_check_header(nc, st, buf + off, len - off)) <= 0) break;
    if ((size_t) n > len - off) {  // The rest is not here yet, but some
      // packets are bad from their first bytes on (QoS 3, reserved flags).
      if (mg_mqtt_parse(buf + off, len - off, &m) < 0) {
        mqtt_close(nc, "malformed packet");
      }
      break;
    }
    if (mg_mqtt_parse(buf + off, (size_t) n, &m) != (int) n) {
      mqtt_close(nc, "malformed packet");
      break;
    }
    off += (size_t) n;
    st->last_recv = now;
    mqtt_dispatch(nc, st, &m);
  }
  return off;
}

// ---- Keep-alive -------------------------------------------------------------

static void mqtt_poll(struct mg_connection *nc, struct mg_mqtt_state *st,
                      double now) {
  if (st->close_at > 0) {
    if (now >= st->close_at) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (st->is_server) {
    if (!st->connected && now - st->created >= MG_MQTT_CONNECT_TIMEOUT) {
      mqtt_close(nc, "no CONNECT within MG_MQTT_CONNECT_TIMEOUT");
    } else if (st->connected && st->keep_alive > 0 &&
               now - st->last_recv >= 1.5 * st->keep_alive) {
      mqtt_close(nc, "keep-alive expired (1.5 x without a packet)");
    }
  } else if (st->handshake_sent && st->keep_alive > 0) {
    if (st->ping_sent > 0 && now - st->ping_sent >= st->keep_alive) {
      mqtt_close(nc, "no PINGRESP within the keep-alive");
    } else if (st->ping_sent == 0 && now - st->last_send >= st->keep_alive) {
      mg_mqtt_ping(nc);
    }
  }
}

// ---- Protocol handler -------------------------------------------------------

static void mqtt_handler(struct mg_connection *nc, int ev,
                         void *ev_data MG_UD_ARG(void *user_data)) {
  struct mg_mqtt_state *st;
  size_t n;
  MG_UD_UNUSED;
  if (ev == MG_EV_ACCEPT) mqtt_tcp_attach(nc);  // Accepted by our listener
  mg_call_user(nc, ev, ev_data);
  if ((nc->flags & MG_F_LISTENING) || ev == MG_EV_CLOSE) return;
  if (ev == MG_EV_RECV) {
    if ((st = mqtt_tcp_attach(nc)) == NULL) return;
    if (st->close_at > 0) {  // Failed: what comes now is not read
      mbuf_clear(&nc->recv_mbuf);
      return;
    }
    n = mqtt_feed(nc, st, (const unsigned char *) nc->recv_mbuf.buf,
                  nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, n);
  } else if (ev == MG_EV_POLL && (st = mg_mqtt_state(nc)) != NULL) {
    mqtt_poll(nc, st, mg_time());
  }
}

void mg_set_protocol_mqtt(struct mg_connection *nc) {
  if (nc->flags & MG_F_IS_WEBSOCKET) {
    MG_ERROR(("%p a WebSocket carries MQTT through mg_mqtt_ws_event()",
              (void *) nc));
    return;
  }
  nc->proto_handler = mqtt_handler;
  mqtt_tcp_attach(nc);  // Not for a listener: each accepted one gets its own
}

int mg_mqtt_is_mqtt(struct mg_connection *nc) {
  return nc->proto_handler == mqtt_handler || mg_mqtt_state(nc) != NULL;
}

void **mg_mqtt_broker_slot(struct mg_connection *nc) {
  struct mg_mqtt_state *st = mqtt_state_make(nc);
  return st != NULL ? &st->broker_slot : NULL;
}

// ---- MQTT over WebSocket ----------------------------------------------------

#if MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBSOCKET
static struct mg_mqtt_state *mqtt_ws_attach(struct mg_connection *nc,
                                            mg_event_handler_t handler) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  if (st == NULL && nc->priv_2 != NULL) {
    MG_ERROR(("%p priv_2 is taken: no MQTT over this WebSocket", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return NULL;
  }
  if (st == NULL && (st = mqtt_state_new(nc)) == NULL) return NULL;
  st->handler = handler;
  nc->priv_2 = st;
  return st;
}

// A data frame's payload: bytes of the packet stream.
static void mqtt_ws_frame(struct mg_connection *nc, struct mg_mqtt_state *st,
                          const struct websocket_message *wm) {
  struct mbuf *b = &st->rbuf;
  size_t used;
  if ((wm->flags & 0x0f) == WEBSOCKET_OP_TEXT) {
    mqtt_close(nc, "a text frame (MQTT goes in binary frames)");
    return;
  }
  if (b->len == 0) {  // Usually: whole packets, parsed in the frame
    used = mqtt_feed(nc, st, wm->data, wm->size);
    if (used < wm->size && !(nc->flags & MG_F_CLOSE_IMMEDIATELY) &&
        mbuf_append(b, wm->data + used, wm->size - used) != wm->size - used) {
      mqtt_close(nc, "out of memory");
    }
  } else if (mbuf_append(b, wm->data, wm->size) != wm->size) {
    mqtt_close(nc, "out of memory");
  } else {
    mbuf_remove(b, mqtt_feed(nc, st, (unsigned char *) b->buf, b->len));
  }
  if (b->len == 0 && b->size > MQTT_WS_BUF_KEEP) mbuf_free(b);
}

int mg_mqtt_ws_event(struct mg_connection *nc, int ev, void *ev_data,
                     mg_event_handler_t handler) {
  struct mg_mqtt_state *st = mg_mqtt_state(nc);
  switch (ev) {
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      // A client whose upgrade was refused has no WebSocket.
      if (!(nc->flags & MG_F_IS_WEBSOCKET) || !mqtt_ws_attach(nc, handler)) {
        return 0;
      }
      // HTTP gives an endpoint's handler the request and frame events
      // only: the MQTT handler becomes the connection's handler, so that
      // it gets MG_EV_POLL (keep-alive) and MG_EV_CLOSE as well.
      nc->handler = handler;
      return 1;
    case MG_EV_WEBSOCKET_FRAME:
      if (st == NULL && (st = mqtt_ws_attach(nc, handler)) == NULL) return 1;
      st->handler = handler;
      mqtt_ws_frame(nc, st, (const struct websocket_message *) ev_data);
      return 1;
    case MG_EV_POLL:
      if (st != NULL) mqtt_poll(nc, st, mg_time());
      return st != NULL;
    case MG_EV_CLOSE:
      if (st == NULL || nc->proto_data_destructor == mqtt_state_free) return 0;
      mqtt_state_free(st);
      nc->priv_2 = NULL;
      return 1;
    default:
      return 0;
  }
}
#else
int mg_mqtt_ws_event(struct mg_connection *nc, int ev, void *ev_data,
                     mg_event_handler_t handler) {
  (void) nc, (void) ev, (void) ev_data, (void) handler;
  return 0;
}
#endif

#endif  // MG_ENABLE_MQTT
