// MQTT 3.1.1 broker: sessions, connection events, delivery (the in-flight
// windows and the session queues), wills. The behaviour and the limits are
// described in mqtt_broker.h. The subscription tree and the retained store
// are in mqtt_tree.c; the types both use are in mqtt_broker_internal.h.
//
// How it is built:
// - A message is composed once per (QoS, retain) form that has no packet
//   id: the QoS 0 packet goes to every QoS 0 receiver as is. QoS 1/2
//   receivers share one copy of the packet (struct brk_msg, reference
//   counted), whose first byte and packet id are patched just before each
//   send. QoS 0 delivery allocates nothing; QoS 1/2 allocates that copy.
// - Sessions are found by client id in a hash table (CONNECT does not walk
//   every session either).
// - The session of a connection is in its MQTT state's broker slot
//   (mg_mqtt_broker_slot()), never in nc->priv_2 (the WebSocket path uses
//   that); a session keeps its broker, since nc->listener goes when the
//   listener closes.
#include "core_internal.h"
#include "mqtt_broker_internal.h"
#include "http.h"

#if MG_ENABLE_MQTT_BROKER

#define BRK_LOG_INTERVAL 1.0  // Seconds between drop log lines per session

static struct brk_session *brk_sess(struct mg_mqtt_session *s) {
  return (struct brk_session *) s;
}

// ---- Messages
// ----------------------------------------------------------------

static struct mg_str msg_topic(const struct brk_msg *m) {
  return mg_mk_str_n((const char *) m->pkt + m->topic_off, m->topic_len);
}

static struct mg_str msg_payload(const struct brk_msg *m) {
  return mg_mk_str_n((const char *) m->pkt + m->id_off + 2,
                     m->len - m->id_off - 2);
}

// Sends m as a PUBLISH with this QoS (1 or 2), id and flags.
static void msg_send(struct mg_connection *nc, struct brk_msg *m, uint8_t qos,
                     uint16_t id, int dup, int retain) {
  m->pkt[0] = (unsigned char) ((MG_MQTT_CMD_PUBLISH << 4) | (dup ? 8 : 0) |
                               MG_MQTT_QOS(qos) | (retain ? 1 : 0));
  m->pkt[m->id_off] = (unsigned char) (id >> 8);
  m->pkt[m->id_off + 1] = (unsigned char) id;
  mg_mqtt_send(nc, m->pkt, m->len);
}

// The QoS 0 packet of p in st->pkt0, composed on first use.
static int pub_pkt0(struct brk_state *st, struct brk_pub *p) {
  if (!p->have_pkt0) {
    st->pkt0.len = 0;
    if (mg_mqtt_compose_publish(&st->pkt0, p->topic, 0,
                                p->retain ? MG_MQTT_RETAIN : 0,
                                p->payload) != 0) {
      return -1;
    }
    p->have_pkt0 = 1;
  }
  return 0;
}

// ---- Sessions: delivery, in flight, queue
// ------------------------------------

static int send_room(const struct mg_connection *nc, size_t len) {
  return nc->send_mbuf.len == 0 ||
         nc->send_mbuf.len + len <= MG_MQTT_BROKER_MAX_SEND_QUEUE;
}

static void sess_log_drop(struct brk_session *bs) {
  double now = mg_time();
  if (now - bs->last_drop_log < BRK_LOG_INTERVAL) return;
  bs->last_drop_log = now;
  MG_INFO(
      ("%p %.*s: slow or offline, dropped %lu QoS 0 and %lu QoS 1/2 "
       "messages so far",
       (void *) bs->s.nc, (int) bs->client_id.len, bs->client_id.p,
       bs->dropped_qos0, bs->dropped_queue));
}

static int flight_has_id(const struct brk_session *bs, uint16_t id) {
  size_t i;
  for (i = 0; i < bs->num_flight; i++) {
    if (bs->flight[i].id == id) return 1;
  }
  return 0;
}

// The next packet id: never 0, never one in flight.
static uint16_t sess_next_id(struct brk_session *bs) {
  do {
    bs->last_id++;
  } while (bs->last_id == 0 || flight_has_id(bs, bs->last_id));
  return bs->last_id;
}

// Sends m to bs's connection and keeps it until acknowledged (the caller
// checked that the window has room).
static void flight_send(struct brk_session *bs, struct brk_msg *m, uint8_t qos,
                        uint8_t retain) {
  struct brk_flight *f = &bs->flight[bs->num_flight++];
  f->msg = m;
  f->id = sess_next_id(bs);
  f->qos = qos;
  f->retain = retain;
  m->refs++;
  bs->st->held_bytes += m->len;
  msg_send(bs->s.nc, m, qos, f->id, 0, retain);
}

// Lets go of the message of f (acknowledged, or the session ends).
static void flight_release(struct brk_session *bs, struct brk_flight *f) {
  if (f->msg == NULL) return;
  bs->st->held_bytes -= f->msg->len;
  mg_brk_msg_unref(f->msg);
  f->msg = NULL;
}

// True if the broker may hold len more bytes of messages.
static int held_room(const struct brk_state *st, size_t len) {
  return st->held_bytes + len <= MG_MQTT_BROKER_MAX_TOTAL_QUEUED_BYTES;
}

static int sess_queue_reserve(struct brk_session *bs) {
  size_t i, cap = bs->q_cap == 0 ? 16 : bs->q_cap * 2;
  struct brk_qent *q;
  if (bs->q_len < bs->q_cap) return 0;
  if (cap > MG_MQTT_BROKER_MAX_QUEUED) cap = MG_MQTT_BROKER_MAX_QUEUED;
  if (cap <= bs->q_cap) return -1;
  q = (struct brk_qent *) MG_MALLOC(cap * sizeof(*q));
  if (q == NULL) return -1;
  for (i = 0; i < bs->q_len; i++) q[i] = bs->q[(bs->q_head + i) % bs->q_cap];
  MG_FREE(bs->q);
  bs->q = q;
  bs->q_cap = cap;
  bs->q_head = 0;
  return 0;
}

// Appends m to bs's queue, or drops it when the queue is full.
static void sess_enqueue(struct brk_session *bs, struct brk_msg *m, uint8_t qos,
                         uint8_t retain) {
  struct brk_state *st = bs->st;
  struct brk_qent *e;
  if (bs->q_len >= MG_MQTT_BROKER_MAX_QUEUED ||
      (bs->q_len > 0 &&
       bs->q_bytes + m->len > MG_MQTT_BROKER_MAX_QUEUED_BYTES) ||
      !held_room(st, m->len) || sess_queue_reserve(bs) != 0) {
    bs->dropped_queue++;
    sess_log_drop(bs);
    return;
  }
  e = &bs->q[(bs->q_head + bs->q_len) % bs->q_cap];
  e->msg = m;
  e->qos = qos;
  e->retain = retain;
  m->refs++;
  bs->q_len++;
  bs->q_bytes += m->len;
  st->held_bytes += m->len;
}

// Moves queued messages into the window while the connection has room.
static void sess_drain(struct brk_session *bs) {
  struct mg_connection *nc = bs->s.nc;
  while (nc != NULL && bs->q_len > 0 &&
         bs->num_flight < MG_MQTT_BROKER_MAX_INFLIGHT) {
    struct brk_qent e = bs->q[bs->q_head];
    if (!send_room(nc, e.msg->len)) break;
    bs->q_head = (bs->q_head + 1) % bs->q_cap;
    bs->q_len--;
    bs->q_bytes -= e.msg->len;
    bs->st->held_bytes -= e.msg->len;  // Held by the window instead
    flight_send(bs, e.msg, e.qos, e.retain);
    mg_brk_msg_unref(e.msg);
  }
}

// Delivers p to bs at qos (already the minimum of published and granted).
static void sess_deliver(struct brk_session *bs, struct brk_pub *p,
                         uint8_t qos) {
  struct brk_state *st = bs->st;
  struct mg_connection *nc = bs->s.nc;
  struct brk_msg *m;
  if (qos == 0) {
    if (nc == NULL || pub_pkt0(st, p) != 0) return;  // QoS 0 is not kept
    if (send_room(nc, st->pkt0.len)) {
      mg_mqtt_send(nc, st->pkt0.buf, st->pkt0.len);
    } else {
      bs->dropped_qos0++;
      sess_log_drop(bs);
    }
    return;
  }
  if ((m = mg_brk_pub_msg(st, p)) == NULL) return;
  if (nc != NULL && bs->q_len == 0 &&
      bs->num_flight < MG_MQTT_BROKER_MAX_INFLIGHT && send_room(nc, m->len) &&
      held_room(st, m->len)) {
    flight_send(bs, m, qos, p->retain);
  } else {
    sess_enqueue(bs, m, qos, p->retain);
  }
}

// An acknowledgement (PUBACK, PUBREC, PUBCOMP) of an outgoing message.
// Ids that are not in flight, or in another state, are ignored.
static void sess_acked(struct brk_session *bs, int cmd, uint16_t id) {
  size_t i;
  for (i = 0; i < bs->num_flight; i++) {
    struct brk_flight *f = &bs->flight[i];
    if (f->id != id) continue;
    if (cmd == MG_MQTT_CMD_PUBREC) {
      if (f->qos == 2) flight_release(bs, f);  // The handler sends PUBREL
    } else if ((cmd == MG_MQTT_CMD_PUBACK && f->qos == 1) ||
               (cmd == MG_MQTT_CMD_PUBCOMP && f->qos == 2 && f->msg == NULL)) {
      flight_release(bs, f);
      memmove(f, f + 1, (bs->num_flight - i - 1) * sizeof(*f));
      bs->num_flight--;
      sess_drain(bs);
    }
    return;
  }
}

// After a resumed session's CONNACK: what was in flight goes again.
static void sess_resend(struct brk_session *bs) {
  size_t i;
  for (i = 0; i < bs->num_flight; i++) {
    struct brk_flight *f = &bs->flight[i];
    if (f->msg != NULL) {
      msg_send(bs->s.nc, f->msg, f->qos, f->id, 1, f->retain);
    } else {
      bs->st->out.len = 0;
      if (mg_mqtt_compose_id(&bs->st->out, MG_MQTT_CMD_PUBREL, f->id) == 0) {
        mg_mqtt_send(bs->s.nc, bs->st->out.buf, bs->st->out.len);
      }
    }
  }
}

// ---- Publishing
// ------------------------------------------------------------

// Publishes a message (from a client, or a will) to every subscriber.
// Sends a message to its subscribers. Returns -1, delivering it to none,
// if memory ran out before it could go to all: a QoS 1 or 2 message is
// then refused (the caller closes its publisher without acknowledging it,
// and the publisher sends it again).
static int brk_publish(struct brk_state *st, struct mg_str topic,
                       struct mg_str payload, uint8_t qos, int retain) {
  struct brk_pub p;
  size_t i;
  memset(&p, 0, sizeof(p));
  p.topic = topic;
  p.payload = payload;
  p.qos = qos;
  if (retain) mg_brk_retain(st, &p);
  if (mg_brk_collect(st, topic) != 0 ||
      (qos > 0 && st->num_targets > 0 && mg_brk_pub_msg(st, &p) == NULL)) {
    MG_ERROR(
        ("out of memory: a message to %.*s refused", (int) topic.len, topic.p));
    mg_brk_msg_unref(p.msg);
    return -1;
  }
  for (i = 0; i < st->num_targets; i++) {
    struct brk_session *bs = st->targets[i];
    sess_deliver(bs, &p, bs->best < qos ? bs->best : qos);
  }
  mg_brk_msg_unref(p.msg);
  return 0;
}

static void brk_send_retained(struct brk_session *bs, struct brk_msg *m,
                              uint8_t granted) {
  struct brk_pub p;
  memset(&p, 0, sizeof(p));
  p.topic = msg_topic(m);
  p.payload = msg_payload(m);
  p.qos = m->qos;
  p.retain = 1;
  p.msg = m;
  m->refs++;
  sess_deliver(bs, &p, m->qos < granted ? m->qos : granted);
  mg_brk_msg_unref(m);
}

// ---- Sessions: life
// ----------------------------------------------------------

static struct brk_state *brk_state(struct mg_mqtt_broker *brk) {
  struct brk_state *st = (struct brk_state *) brk->priv;
  if (st == NULL) {
    if ((st = (struct brk_state *) MG_CALLOC(1, sizeof(*st))) == NULL) {
      return NULL;
    }
    st->brk = brk;
    mbuf_init(&st->out, 0);
    mbuf_init(&st->pkt0, 0);
    mbuf_init(&st->codes, 0);
    brk->priv = st;
  }
  return st;
}

static void sess_will_free(struct brk_session *bs) {
  mg_strfree(&bs->will_topic);
  mg_strfree(&bs->will_payload);
  bs->has_will = 0;
}

// ---- The client id table

static uint32_t id_hash(struct mg_str id) {
  return mg_brk_node_hash(NULL, id);
}

// Doubles the client id table. Returns 0, or -1 when there is no table.
static int ids_grow(struct brk_state *st) {
  size_t i, nb = st->num_id_buckets == 0 ? 64 : st->num_id_buckets * 2;
  struct brk_session **b = (struct brk_session **) MG_CALLOC(nb, sizeof(*b));
  if (b == NULL) return st->num_id_buckets > 0 ? 0 : -1;  // Longer chains
  for (i = 0; i < st->num_id_buckets; i++) {
    struct brk_session *bs = st->ids[i], *next;
    for (; bs != NULL; bs = next) {
      next = bs->idnext;
      bs->idnext = b[bs->idh & (nb - 1)];
      b[bs->idh & (nb - 1)] = bs;
    }
  }
  MG_FREE(st->ids);
  st->ids = b;
  st->num_id_buckets = nb;
  return 0;
}

static int ids_add(struct brk_state *st, struct brk_session *bs) {
  struct brk_session **head;
  if (st->num_ids >= st->num_id_buckets && ids_grow(st) != 0) return -1;
  bs->idh = id_hash(bs->client_id);
  head = &st->ids[bs->idh & (st->num_id_buckets - 1)];
  bs->idnext = *head;
  *head = bs;
  st->num_ids++;
  return 0;
}

static void ids_remove(struct brk_state *st, struct brk_session *bs) {
  struct brk_session **pp;
  if (bs->client_id.len == 0 || st->num_id_buckets == 0) return;
  pp = &st->ids[bs->idh & (st->num_id_buckets - 1)];
  while (*pp != NULL && *pp != bs) pp = &(*pp)->idnext;
  if (*pp == NULL) return;
  *pp = bs->idnext;
  st->num_ids--;
}

static struct brk_session *sess_find(struct brk_state *st, struct mg_str id) {
  struct brk_session *bs;
  uint32_t h = id_hash(id);
  if (id.len == 0 || st->num_id_buckets == 0) return NULL;
  for (bs = st->ids[h & (st->num_id_buckets - 1)]; bs != NULL;
       bs = bs->idnext) {
    if (bs->idh == h && bs->client_id.len == id.len &&
        memcmp(bs->client_id.p, id.p, id.len) == 0) {
      return bs;
    }
  }
  return NULL;
}

// Ends a session: its subscriptions, messages and memory.
static void sess_free(struct brk_session *bs) {
  struct mg_mqtt_session *s = &bs->s;
  size_t i;
  while (s->num_subscriptions > 0) {
    mg_brk_unsubscribe(bs, mg_mk_str(s->subscriptions[0].topic));
  }
  MG_FREE(s->subscriptions);
  for (i = 0; i < bs->num_flight; i++) flight_release(bs, &bs->flight[i]);
  for (i = 0; i < bs->q_len; i++) {
    mg_brk_msg_unref(bs->q[(bs->q_head + i) % bs->q_cap].msg);
  }
  bs->st->held_bytes -= bs->q_bytes;
  MG_FREE(bs->q);
  sess_will_free(bs);
  ids_remove(bs->st, bs);
  mg_strfree(&bs->client_id);
  if (s->link.le_next != NULL) s->link.le_next->link.le_prev = s->link.le_prev;
  *s->link.le_prev = s->link.le_next;
  bs->st->num_sessions--;
  MG_FREE(bs);
}

// Makes room for one more session: ends the one offline longest. Returns
// 0, or -1 when every session is online.
static int brk_evict(struct brk_state *st) {
  struct mg_mqtt_session *s;
  struct brk_session *oldest = NULL;
  for (s = st->brk->sessions.lh_first; s != NULL; s = s->link.le_next) {
    if (s->nc == NULL && (oldest == NULL ||
                          brk_sess(s)->offline_since < oldest->offline_since)) {
      oldest = brk_sess(s);
    }
  }
  if (oldest == NULL) return -1;
  MG_INFO(("%d sessions: the offline session of %.*s ends",
           (int) MG_MQTT_BROKER_MAX_SESSIONS, (int) oldest->client_id.len,
           oldest->client_id.p));
  sess_free(oldest);
  return 0;
}

static struct brk_session *sess_new(struct brk_state *st, struct mg_str id) {
  struct mg_mqtt_broker *brk = st->brk;
  struct brk_session *bs;
  if (st->num_sessions >= MG_MQTT_BROKER_MAX_SESSIONS && brk_evict(st) != 0) {
    MG_INFO(("%d sessions, all online: client refused",
             (int) MG_MQTT_BROKER_MAX_SESSIONS));
    return NULL;
  }
  if ((bs = (struct brk_session *) MG_CALLOC(1, sizeof(*bs))) == NULL) {
    return NULL;
  }
  bs->client_id = mg_strdup(id);
  if (id.len > 0 && (bs->client_id.p == NULL || ids_add(st, bs) != 0)) {
    mg_strfree(&bs->client_id);
    MG_FREE(bs);
    return NULL;
  }
  bs->st = st;
  bs->s.brk = brk;
  bs->s.priv = bs;
  bs->s.link.le_next = brk->sessions.lh_first;
  if (brk->sessions.lh_first != NULL) {
    brk->sessions.lh_first->link.le_prev = &bs->s.link.le_next;
  }
  brk->sessions.lh_first = &bs->s;
  bs->s.link.le_prev = &brk->sessions.lh_first;
  st->num_sessions++;
  return bs;
}

// The session of a connection, or NULL.
static struct brk_session *conn_sess(struct mg_connection *nc) {
  void **slot = mg_mqtt_broker_slot(nc);
  return slot == NULL ? NULL : (struct brk_session *) *slot;
}

// The connection of bs goes; the session stays (offline).
static void sess_detach(struct brk_session *bs) {
  void **slot = mg_mqtt_broker_slot(bs->s.nc);
  if (slot != NULL) *slot = NULL;
  bs->s.nc = NULL;
  bs->st->num_online--;
  bs->offline_since = mg_time();
}

static void sess_attach(struct brk_session *bs, struct mg_connection *nc,
                        void **slot) {
  bs->s.nc = nc;
  *slot = bs;
  bs->st->num_online++;
}

// A will taken from a connection that ended, to be published.
struct brk_will {
  int has;
  struct mg_str topic, payload;
  uint8_t qos, retain;
};

static void will_take(struct brk_session *bs, struct brk_will *w) {
  w->has = bs->has_will;
  w->topic = bs->will_topic;
  w->payload = bs->will_payload;
  w->qos = bs->will_qos;
  w->retain = bs->will_retain;
  bs->has_will = 0;
  bs->will_topic = bs->will_payload = mg_mk_str_n(NULL, 0);
}

static void will_publish(struct brk_state *st, struct brk_will *w) {
  if (w->has) {
    MG_DEBUG(("will: %.*s", (int) w->topic.len, w->topic.p));
    brk_publish(st, w->topic, w->payload, w->qos, w->retain);
  }
  mg_strfree(&w->topic);
  mg_strfree(&w->payload);
}

// ---- Connection events
// -------------------------------------------------------

static void conn_fail(struct mg_connection *nc, const char *why) {
  (void) why;  // When logging is compiled out
  MG_INFO(("%p MQTT client closed: %s", (void *) nc, why));
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

static void conn_connack(struct mg_connection *nc, struct brk_state *st,
                         int present, uint8_t code) {
  st->out.len = 0;
  if (mg_mqtt_compose_connack(&st->out, present, code) == 0) {
    mg_mqtt_send(nc, st->out.buf, st->out.len);
  }
  if (code != MG_EV_MQTT_CONNACK_ACCEPTED) nc->flags |= MG_F_SEND_AND_CLOSE;
}

// Keeps the will of the CONNECT m in bs. Returns 0, or -1 (out of memory).
static int sess_set_will(struct brk_session *bs, struct mg_mqtt_message *m) {
  sess_will_free(bs);
  if (!(m->connect_flags & MG_MQTT_HAS_WILL)) return 0;
  bs->will_topic = mg_strdup(m->will_topic);
  bs->will_payload = mg_strdup(m->will_message);
  bs->will_qos = (uint8_t) MG_MQTT_GET_WILL_QOS(m->connect_flags);
  bs->will_retain = (m->connect_flags & MG_MQTT_WILL_RETAIN) ? 1 : 0;
  bs->has_will = 1;
  if (bs->will_topic.p == NULL ||
      (m->will_message.len > 0 && bs->will_payload.p == NULL)) {
    sess_will_free(bs);
    return -1;
  }
  return 0;
}

// The session for a CONNECT: the old one of this client id resumed (clean
// session 0), else a new one. A connected old one is taken over: its
// connection closes now and its will goes into *w.
static struct brk_session *brk_session_for(struct brk_state *st,
                                           struct mg_mqtt_message *m,
                                           struct brk_will *w, int *present) {
  int clean = (m->connect_flags & MG_MQTT_CLEAN_SESSION) != 0;
  struct brk_session *old = sess_find(st, m->client_id);
  if (old != NULL && old->s.nc != NULL) {
    MG_INFO(("%p %.*s: taken over by a new connection", (void *) old->s.nc,
             (int) m->client_id.len, m->client_id.p));
    old->s.nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    will_take(old, w);
    sess_detach(old);
  }
  if (old != NULL && (clean || old->clean)) {
    sess_free(old);
    old = NULL;
  }
  *present = old != NULL;
  return old != NULL ? old : sess_new(st, m->client_id);
}

// Checks what the broker itself refuses in a CONNECT. Returns 0 if none.
static int connect_refused(struct mg_connection *nc, struct brk_state *st,
                           struct mg_mqtt_message *m) {
  if (m->client_id.len > MG_MQTT_BROKER_MAX_CLIENT_ID_LEN) {
    MG_INFO(("%p client id of %lu bytes refused", (void *) nc,
             (unsigned long) m->client_id.len));
    conn_connack(nc, st, 0, MG_EV_MQTT_CONNACK_IDENTIFIER_REJECTED);
  } else if ((m->connect_flags & MG_MQTT_HAS_WILL) &&
             (!mg_mqtt_valid_topic(m->will_topic) ||
              mg_brk_topic_levels(m->will_topic) >
                  MG_MQTT_BROKER_MAX_TOPIC_LEVELS)) {
    conn_fail(nc, "invalid will topic");
  } else {
    return 0;
  }
  return 1;
}

static void brk_on_connect(struct mg_connection *nc,
                           struct mg_mqtt_message *m) {
  struct mg_mqtt_broker *brk =
      nc->listener == NULL ? NULL
                           : (struct mg_mqtt_broker *) nc->listener->priv_2;
  void **slot = mg_mqtt_broker_slot(nc);
  struct brk_state *st;
  struct brk_session *bs;
  struct brk_will w;
  int present = 0;
  memset(&w, 0, sizeof(w));
  if (slot == NULL || *slot != NULL) return;
  if (brk == NULL || (st = brk_state(brk)) == NULL) {
    MG_ERROR(("%p no broker (listener priv_2) or no memory", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (connect_refused(nc, st, m)) return;
  if ((bs = brk_session_for(st, m, &w, &present)) == NULL ||
      sess_set_will(bs, m) != 0) {
    if (bs != NULL && bs->s.nc == NULL && !present) sess_free(bs);
    MG_ERROR(("%p MQTT: out of memory for the session: server unavailable",
              (void *) nc));
    conn_connack(nc, st, 0, MG_EV_MQTT_CONNACK_SERVER_UNAVAILABLE);
  } else {
    bs->clean = (m->connect_flags & MG_MQTT_CLEAN_SESSION) != 0;
    sess_attach(bs, nc, slot);
    conn_connack(nc, st, present, MG_EV_MQTT_CONNACK_ACCEPTED);
    sess_resend(bs);
    sess_drain(bs);
  }
  will_publish(st, &w);
}

static void brk_on_close(struct mg_connection *nc) {
  struct brk_session *bs = conn_sess(nc);
  struct brk_state *st;
  struct brk_will w;
  if (bs == NULL) return;
  st = bs->st;
  will_take(bs, &w);
  sess_detach(bs);
  if (bs->clean) sess_free(bs);
  will_publish(st, &w);
}

static void brk_on_publish(struct mg_connection *nc,
                           struct mg_mqtt_message *m) {
  struct brk_session *bs = conn_sess(nc);
  if (bs == NULL) return;
  if (mg_brk_topic_levels(m->topic) > MG_MQTT_BROKER_MAX_TOPIC_LEVELS) {
    conn_fail(nc, "topic has too many levels");
    return;
  }
  if (brk_publish(bs->st, m->topic, m->payload, (uint8_t) m->qos,
                  m->flags & MG_MQTT_RETAIN) != 0 &&
      m->qos > 0) {
    conn_fail(nc, "out of memory: PUBLISH not acknowledged");
  }
}

static void brk_on_subscribe(struct mg_connection *nc,
                             struct mg_mqtt_message *m) {
  struct brk_session *bs = conn_sess(nc);
  struct brk_state *st;
  struct mg_str f;
  uint8_t qos = 0, code;
  int pos = 0;
  size_t i = 0;
  if (bs == NULL) return;
  st = bs->st;
  st->codes.len = 0;
  while ((pos = mg_mqtt_next_subscribe_topic(m, &f, &qos, pos)) != -1) {
    code = mg_brk_subscribe(bs, f, qos);
    if (mbuf_append(&st->codes, &code, 1) != 1) {
      conn_fail(nc, "out of memory");
      return;
    }
  }
  st->out.len = 0;
  if (mg_mqtt_compose_suback(&st->out, (uint8_t *) st->codes.buf, st->codes.len,
                             m->message_id) != 0) {
    conn_fail(nc, "out of memory");
    return;
  }
  mg_mqtt_send(nc, st->out.buf, st->out.len);
  // The retained messages of each granted filter, after the SUBACK.
  for (pos = 0; (pos = mg_mqtt_next_subscribe_topic(m, &f, &qos, pos)) != -1;
       i++) {
    if (i < st->codes.len && (uint8_t) st->codes.buf[i] != BRK_SUBACK_FAILURE) {
      mg_brk_walk_retained(bs, f, (uint8_t) st->codes.buf[i],
                           brk_send_retained);
    }
  }
}

static void brk_on_unsubscribe(struct mg_connection *nc,
                               struct mg_mqtt_message *m) {
  struct brk_session *bs = conn_sess(nc);
  struct mg_str f;
  int pos = 0;
  if (bs == NULL) return;
  while ((pos = mg_mqtt_next_unsubscribe_topic(m, &f, pos)) != -1) {
    mg_brk_unsubscribe(bs, f);
  }
  bs->st->out.len = 0;
  if (mg_mqtt_compose_id(&bs->st->out, MG_MQTT_CMD_UNSUBACK, m->message_id) ==
      0) {
    mg_mqtt_send(nc, bs->st->out.buf, bs->st->out.len);
  }
}

static void brk_on_mqtt(struct mg_connection *nc, int ev,
                        struct mg_mqtt_message *m) {
  struct brk_session *bs = conn_sess(nc);
  if (ev == MG_EV_MQTT_CONNECT) {
    brk_on_connect(nc, m);
  } else if (bs == NULL) {
    // Not connected: the protocol handler lets nothing else through.
  } else if (ev == MG_EV_MQTT_PUBLISH) {
    brk_on_publish(nc, m);
  } else if (ev == MG_EV_MQTT_SUBSCRIBE) {
    brk_on_subscribe(nc, m);
  } else if (ev == MG_EV_MQTT_UNSUBSCRIBE) {
    brk_on_unsubscribe(nc, m);
  } else if (ev == MG_EV_MQTT_PUBACK || ev == MG_EV_MQTT_PUBREC ||
             ev == MG_EV_MQTT_PUBCOMP) {
    sess_acked(bs, ev - MG_MQTT_EVENT_BASE, m->message_id);
  } else if (ev == MG_EV_MQTT_DISCONNECT) {
    sess_will_free(bs);  // No will; the protocol handler closes
  }
}

#if MG_ENABLE_HTTP_WEBSOCKET
// The WebSocket endpoint: returns 1 if the event was the WebSocket's.
static int brk_ws_event(struct mg_connection *nc, int ev, void *data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_http_send_error(nc, 400, "MQTT over WebSocket only");
    return 1;
  }
  if (!(nc->flags & MG_F_IS_WEBSOCKET)) return 0;
  // At the handshake mg_mqtt_ws_event() makes the broker nc's handler: it
  // then gets every event of the connection (MG_EV_POLL too, for the
  // keep-alive), not only the endpoint's.
  return mg_mqtt_ws_event(nc, ev, data, mg_mqtt_broker);
}
#endif

void mg_mqtt_broker(struct mg_connection *nc, int ev,
                    void *data MG_UD_ARG(void *user_data)) {
  struct brk_session *bs;
  MG_UD_UNUSED;
  if (ev >= MG_EV_MQTT_CONNECT && ev <= MG_EV_MQTT_DISCONNECT) {
    brk_on_mqtt(nc, ev, (struct mg_mqtt_message *) data);
    return;
  }
  // Before the WebSocket path frees the MQTT state (and the slot).
  if (ev == MG_EV_CLOSE) brk_on_close(nc);
#if MG_ENABLE_HTTP_WEBSOCKET
  if (brk_ws_event(nc, ev, data)) return;
#endif
  if (ev == MG_EV_SEND && (bs = conn_sess(nc)) != NULL) sess_drain(bs);
}

// ---- Public API
// --------------------------------------------------------------

void mg_mqtt_broker_init(struct mg_mqtt_broker *brk, void *user_data) {
  memset(brk, 0, sizeof(*brk));
  brk->user_data = user_data;
}

void mg_mqtt_broker_free(struct mg_mqtt_broker *brk) {
  struct brk_state *st = (struct brk_state *) brk->priv;
  struct mg_mqtt_session *s;
  if (st == NULL) return;
  while ((s = brk->sessions.lh_first) != NULL) {
    if (s->nc != NULL) sess_detach(brk_sess(s));
    sess_free(brk_sess(s));
  }
  mg_brk_tree_free(st);
  MG_FREE(st->ids);
  mbuf_free(&st->out);
  mbuf_free(&st->pkt0);
  mbuf_free(&st->codes);
  MG_FREE(st);
  brk->priv = NULL;
}

struct mg_mqtt_session *mg_mqtt_next(struct mg_mqtt_broker *brk,
                                     struct mg_mqtt_session *s) {
  return s == NULL ? brk->sessions.lh_first : s->link.le_next;
}

void mg_mqtt_session_stats(const struct mg_mqtt_session *s,
                           struct mg_mqtt_session_stats *st) {
  const struct brk_session *bs = (const struct brk_session *) s;
  memset(st, 0, sizeof(*st));
  st->inflight = bs->num_flight;
  st->queued = bs->q_len;
  st->queued_bytes = bs->q_bytes;
  st->dropped_qos0 = bs->dropped_qos0;
  st->dropped_queue = bs->dropped_queue;
}

void mg_mqtt_broker_stats(const struct mg_mqtt_broker *brk,
                          struct mg_mqtt_broker_stats *st) {
  const struct brk_state *bst = (const struct brk_state *) brk->priv;
  memset(st, 0, sizeof(*st));
  if (bst == NULL) return;
  st->sessions = bst->num_sessions;
  st->online = bst->num_online;
  st->retained = bst->num_retained;
  st->retained_bytes = bst->retained_bytes;
  st->held_bytes = bst->held_bytes;
  st->tree_bytes = bst->tree_bytes;
  st->nodes = bst->num_nodes;
}

#endif  // MG_ENABLE_MQTT_BROKER
