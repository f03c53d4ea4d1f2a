// Fuzzes the MQTT 3.1.1 codec (src/mqtt.c). The input is a stream of
// packets: it is parsed packet by packet (from an exact-size copy, so ASan
// sees any read past it) until one is malformed or incomplete. For each
// packet that parses:
//  - the result is consistent: m.len is what was consumed, the fixed
//    header agrees, the packet minus its last byte needs more (0), every
//    slice lies inside the packet, and the rules hold (ids not 0, topic
//    names valid, filters valid, codes in range);
//  - an oracle: the packet is composed again from the parsed fields and
//    must parse to the same fields, and be the same bytes when the
//    original used the shortest length encoding (and, for CONNECT, the
//    fields the composer fixes: "MQTT", level 4, keep-alive not 0);
//  - SUBSCRIBE/UNSUBSCRIBE filters are walked to the end of the payload
//    and matched against the last topic name seen.
// The whole input is also checked by mg_mqtt_utf8_ok against a decoder
// written here another way (code points, then ranges).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// The internal codec (src/mqtt_internal.h, not in mongoose.h).
int mg_mqtt_parse_header(const unsigned char *buf, size_t len, uint8_t *b0,
                         size_t *rem_len, size_t *hdr_len);
int mg_mqtt_parse(const unsigned char *buf, size_t len,
                  struct mg_mqtt_message *m);
int mg_mqtt_utf8_ok(struct mg_str s);
int mg_mqtt_valid_filter(struct mg_str s);
int mg_mqtt_valid_topic(struct mg_str s);
int mg_mqtt_compose_connect(struct mbuf *out, struct mg_str client_id,
                            const struct mg_send_mqtt_handshake_opts *o);
int mg_mqtt_compose_connack(struct mbuf *out, int session_present,
                            uint8_t code);
int mg_mqtt_compose_publish(struct mbuf *out, struct mg_str topic, uint16_t id,
                            int flags, struct mg_str payload);
int mg_mqtt_compose_id(struct mbuf *out, int cmd, uint16_t id);
int mg_mqtt_compose_subscribe(struct mbuf *out,
                              const struct mg_mqtt_topic_expression *t,
                              size_t n, uint16_t id);
int mg_mqtt_compose_unsubscribe(struct mbuf *out, const struct mg_str *t,
                                size_t n, uint16_t id);
int mg_mqtt_compose_suback(struct mbuf *out, const uint8_t *codes, size_t n,
                           uint16_t id);
int mg_mqtt_compose_empty(struct mbuf *out, int cmd);

#define CHECK(cond)       \
  do {                    \
    if (!(cond)) abort(); \
  } while (0)

// The reference UTF-8 check: decode, then test the code point.
static int ref_utf8_ok(const unsigned char *p, size_t n) {
  size_t i = 0, k, len;
  uint32_t cp;
  while (i < n) {
    unsigned char b = p[i];
    if (b < 0x80)
      len = 1, cp = b;
    else if ((b & 0xe0) == 0xc0)
      len = 2, cp = b & 0x1f;
    else if ((b & 0xf0) == 0xe0)
      len = 3, cp = b & 0x0f;
    else if ((b & 0xf8) == 0xf0)
      len = 4, cp = b & 0x07;
    else
      return 0;
    if (i + len > n) return 0;
    for (k = 1; k < len; k++) {
      if ((p[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000)) {
      return 0;  // Overlong
    }
    i += len;
  }
  return 1;
}

static int str_same(struct mg_str a, struct mg_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

// s lies inside [p, p + n) (or is empty).
static void check_inside(struct mg_str s, const unsigned char *p, size_t n) {
  if (s.len == 0) return;
  CHECK((const unsigned char *) s.p >= p);
  CHECK((const unsigned char *) s.p + s.len <= p + n);
}

// A NUL-terminated copy (the composers take C strings for these).
static char *dup_nul(struct mg_str s) {
  char *p = (char *) malloc(s.len + 1);
  if (p == NULL) abort();
  if (s.len > 0) memcpy(p, s.p, s.len);
  p[s.len] = '\0';
  return p;
}

static int has_nul(struct mg_str s) {
  return s.len > 0 && memchr(s.p, 0, s.len) != NULL;
}

static void check_same_fields(const struct mg_mqtt_message *a,
                              const struct mg_mqtt_message *b) {
  CHECK(a->cmd == b->cmd && a->qos == b->qos && a->flags == b->flags);
  CHECK(a->message_id == b->message_id);
  CHECK(a->connack_ret_code == b->connack_ret_code);
  CHECK(a->session_present == b->session_present);
  CHECK(str_same(a->topic, b->topic) && str_same(a->payload, b->payload));
}

static void check_same_connect(const struct mg_mqtt_message *a,
                               const struct mg_mqtt_message *b) {
  uint16_t ka = a->keep_alive_timer != 0 ? a->keep_alive_timer
                                         : MG_MQTT_DEFAULT_KEEP_ALIVE;
  CHECK(str_same(b->protocol_name, mg_mk_str("MQTT")));
  CHECK(b->protocol_version == 4 && b->keep_alive_timer == ka);
  CHECK(str_same(a->client_id, b->client_id));
  CHECK(str_same(a->will_topic, b->will_topic));
  CHECK(str_same(a->user_name, b->user_name));
  CHECK(a->connect_flags == b->connect_flags);
  // The composer takes C strings: binary data with a NUL is cut there.
  if (!has_nul(a->will_message) && !has_nul(a->password)) {
    CHECK(str_same(a->will_message, b->will_message));
    CHECK(str_same(a->password, b->password));
  }
}

// CONNECT: through the options struct, as mg_send_mqtt_handshake_opt does.
static int compose_connect(struct mbuf *out, const struct mg_mqtt_message *m) {
  struct mg_send_mqtt_handshake_opts o;
  char *s[4] = {NULL, NULL, NULL, NULL};
  int rc, i;
  memset(&o, 0, sizeof(o));
  o.flags = m->connect_flags;
  o.keep_alive = m->keep_alive_timer;
  if (m->connect_flags & MG_MQTT_HAS_WILL) {
    o.will_topic = s[0] = dup_nul(m->will_topic);
    o.will_message = s[1] = dup_nul(m->will_message);
  }
  if (m->connect_flags & MG_MQTT_HAS_USER_NAME) {
    o.user_name = s[2] = dup_nul(m->user_name);
  }
  if (m->connect_flags & MG_MQTT_HAS_PASSWORD) {
    o.password = s[3] = dup_nul(m->password);
  }
  rc = mg_mqtt_compose_connect(out, m->client_id, &o);
  for (i = 0; i < 4; i++) free(s[i]);
  return rc;
}

// SUBSCRIBE: walk the filters (checking each), then compose them again.
static int compose_subscribe(struct mbuf *out, struct mg_mqtt_message *m) {
  struct mg_mqtt_topic_expression *t;
  struct mg_str topic;
  size_t n = 0, i;
  uint8_t qos;
  int pos = 0, last = 0, rc;
  t = (struct mg_mqtt_topic_expression *) calloc(m->payload.len / 3 + 1,
                                                 sizeof(*t));
  if (t == NULL) abort();
  while ((pos = mg_mqtt_next_subscribe_topic(m, &topic, &qos, pos)) > 0) {
    CHECK(mg_mqtt_valid_filter(topic) && qos <= 2);
    CHECK(n < m->payload.len / 3);
    t[n].topic = dup_nul(topic);
    t[n++].qos = qos;
    last = pos;
  }
  CHECK(n > 0 && (size_t) last == m->payload.len);
  rc = mg_mqtt_compose_subscribe(out, t, n, m->message_id);
  for (i = 0; i < n; i++) free((char *) t[i].topic);
  free(t);
  return rc;
}

static int compose_unsubscribe(struct mbuf *out, struct mg_mqtt_message *m) {
  struct mg_str *t;
  size_t n = 0;
  int pos = 0, last = 0, rc;
  t = (struct mg_str *) calloc(m->payload.len / 3 + 1, sizeof(*t));
  if (t == NULL) abort();
  while ((pos = mg_mqtt_next_unsubscribe_topic(m, &t[n], pos)) > 0) {
    CHECK(mg_mqtt_valid_filter(t[n]));
    CHECK(++n <= m->payload.len / 3);
    last = pos;
  }
  CHECK(n > 0 && (size_t) last == m->payload.len);
  rc = mg_mqtt_compose_unsubscribe(out, t, n, m->message_id);
  free(t);
  return rc;
}

static int compose(struct mbuf *out, struct mg_mqtt_message *m) {
  switch (m->cmd) {
    case MG_MQTT_CMD_CONNECT:
      return compose_connect(out, m);
    case MG_MQTT_CMD_CONNACK:
      return mg_mqtt_compose_connack(out, m->session_present,
                                     m->connack_ret_code);
    case MG_MQTT_CMD_PUBLISH:
      return mg_mqtt_compose_publish(out, m->topic, m->message_id, m->flags,
                                     m->payload);
    case MG_MQTT_CMD_SUBSCRIBE:
      return compose_subscribe(out, m);
    case MG_MQTT_CMD_UNSUBSCRIBE:
      return compose_unsubscribe(out, m);
    case MG_MQTT_CMD_SUBACK:
      return mg_mqtt_compose_suback(out, (const uint8_t *) m->payload.p,
                                    m->payload.len, m->message_id);
    case MG_MQTT_CMD_PINGREQ:
    case MG_MQTT_CMD_PINGRESP:
    case MG_MQTT_CMD_DISCONNECT:
      return mg_mqtt_compose_empty(out, m->cmd);
    default:
      return mg_mqtt_compose_id(out, m->cmd, m->message_id);
  }
}

// The rules every parsed packet keeps.
static void check_rules(const struct mg_mqtt_message *m, const uint8_t *p,
                        size_t n) {
  size_t i;
  CHECK(m->cmd >= MG_MQTT_CMD_CONNECT && m->cmd <= MG_MQTT_CMD_DISCONNECT);
  CHECK(m->flags == (p[0] & 0x0f) && m->len == (int) n);
  check_inside(m->topic, p, n);
  check_inside(m->payload, p, n);
  check_inside(m->client_id, p, n);
  check_inside(m->will_topic, p, n);
  check_inside(m->will_message, p, n);
  check_inside(m->user_name, p, n);
  check_inside(m->password, p, n);
  check_inside(m->protocol_name, p, n);
  if (m->cmd == MG_MQTT_CMD_PUBLISH) {
    CHECK(m->qos <= 2 && mg_mqtt_valid_topic(m->topic));
    CHECK(mg_mqtt_match_topic_expression(m->topic, m->topic));
    CHECK((m->qos == 0) == (m->message_id == 0));
  } else if (m->cmd >= MG_MQTT_CMD_PUBACK && m->cmd <= MG_MQTT_CMD_UNSUBACK) {
    CHECK(m->message_id != 0);
  }
  if (m->cmd == MG_MQTT_CMD_SUBACK) {
    for (i = 0; i < m->payload.len; i++) {
      uint8_t c = (uint8_t) m->payload.p[i];
      CHECK(c <= 2 || c == 0x80);
    }
  }
  if (m->cmd == MG_MQTT_CMD_CONNECT && (m->connect_flags & MG_MQTT_HAS_WILL)) {
    CHECK(mg_mqtt_valid_topic(m->will_topic));
  }
}

// Shortest header length for rem_len.
static size_t min_header_len(size_t rem_len) {
  return rem_len < 128 ? 2 : rem_len < 16384 ? 3 : rem_len < 2097152 ? 4 : 5;
}

static int connect_recomposes_exactly(const struct mg_mqtt_message *m) {
  return str_same(m->protocol_name, mg_mk_str("MQTT")) &&
         m->protocol_version == 4 && m->keep_alive_timer != 0 &&
         !has_nul(m->will_message) && !has_nul(m->password);
}

// The oracle: compose m again, parse it, compare.
static void check_recompose(struct mg_mqtt_message *m, const uint8_t *p,
                            size_t hdr_len) {
  struct mbuf out;
  struct mg_mqtt_message m2;
  size_t rem_len = (size_t) m->len - hdr_len;
  mbuf_init(&out, 0);
  CHECK(compose(&out, m) == 0);
  CHECK(mg_mqtt_parse((const unsigned char *) out.buf, out.len, &m2) ==
        (int) out.len);
  check_same_fields(m, &m2);
  if (m->cmd == MG_MQTT_CMD_CONNECT) check_same_connect(m, &m2);
  if (hdr_len == min_header_len(rem_len) &&
      (m->cmd != MG_MQTT_CMD_CONNECT || connect_recomposes_exactly(m))) {
    CHECK(out.len == (size_t) m->len && memcmp(out.buf, p, out.len) == 0);
  }
  mbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_mqtt_message m, tmp;
  struct mg_str last_topic = {"a", 1};
  uint8_t *buf, b0;
  size_t off = 0, rem_len, hdr_len;
  int rc;
  buf = (uint8_t *) calloc(1, size > 0 ? size : 1);
  if (buf == NULL) return 0;
  if (size > 0) memcpy(buf, data, size);
  CHECK(mg_mqtt_utf8_ok(mg_mk_str_n((const char *) buf, size)) ==
        ref_utf8_ok(buf, size));
  while (off < size) {
    const uint8_t *p = buf + off;
    size_t left = size - off;
    rc = mg_mqtt_parse(p, left, &m);
    if (rc <= 0) break;
    CHECK((size_t) rc <= left);
    CHECK(mg_mqtt_parse_header(p, left, &b0, &rem_len, &hdr_len) == 1);
    CHECK(b0 == p[0] && hdr_len + rem_len == (size_t) rc);
    CHECK(mg_mqtt_parse(p, (size_t) rc - 1, &tmp) == 0);
    check_rules(&m, p, (size_t) rc);
    check_recompose(&m, p, hdr_len);
    if (m.cmd == MG_MQTT_CMD_PUBLISH) {
      last_topic = m.topic;
      // A topic name matches "#" unless it starts with '$'.
      CHECK(mg_mqtt_vmatch_topic_expression("#", m.topic) ==
            (m.topic.p[0] != '$'));
    }
    if (m.cmd == MG_MQTT_CMD_SUBSCRIBE || m.cmd == MG_MQTT_CMD_UNSUBSCRIBE) {
      struct mg_str t;
      int pos = 0;
      while ((pos = mg_mqtt_next_unsubscribe_topic(&m, &t, pos)) > 0) {
        (void) mg_mqtt_match_topic_expression(t, last_topic);
        if (m.cmd == MG_MQTT_CMD_SUBSCRIBE) pos++;  // Its QoS byte
      }
    }
    off += (size_t) rc;
  }
  free(buf);
  return 0;
}
