// MQTT 3.1.1 codec: a pure parser for every packet type and a composer
// for each (no connection, no I/O), and topic matching.
//
// Decisions, beyond what the standard fixes:
// - The parser checks the first byte (type 0 and 15, reserved flags,
//   PUBLISH QoS 3, DUP with QoS 0) and the remaining length of the
//   fixed-size packets as soon as it sees them: such a packet is -1 before
//   the rest of it has arrived (no amount of bytes could make it good).
//   Everything else is decided once the whole packet (hdr_len + rem_len
//   bytes) is there; until then the answer is 0.
// - A remaining length in more bytes than needed (0x80 0x00 for 0) is
//   accepted: 3.1.1 does not forbid it. A 5th length byte is -1.
// - CONNACK with a return code above 5 (not in 3.1.1) is -1.
// - UTF-8 strings are checked for the MUSTs of 3.1.1 section 1.5.3
//   (well-formed, no overlong forms, no surrogates, <= U+10FFFF, no
//   U+0000); the control characters it only advises against are accepted.
// - mg_mqtt_compose_connect with a password but no user name sends an empty
//   user name: 3.1.1 does not allow the password flag alone (MQTT-3.1.2-22).
// - The composers reserve the whole packet in one mbuf_append() and write
//   it in place: one allocation at most per packet, nothing on failure.
#include "mqtt_internal.h"

#if MG_ENABLE_MQTT

#define MQTT_MAX_REM_LEN 268435455UL  // 4 length bytes of 7 bits
#define MQTT_MAX_STR_LEN 65535        // 2-byte length prefix
#define MQTT_ANY_FLAGS 0xff           // PUBLISH: its flags are checked apart
#define MQTT_VAR_LEN 0xff             // Remaining length is not fixed

// Per packet type: the low nibble of the first byte that 3.1.1 requires
// (section 2.2.2), and the remaining length of the fixed-size packets.
struct mqtt_type_rule {
  uint8_t flags;
  uint8_t rem_len;
};
static const struct mqtt_type_rule mqtt_rules[16] = {
    {0, 0},                          // 0: reserved (refused apart)
    {0, MQTT_VAR_LEN},               // CONNECT
    {0, 2},                          // CONNACK
    {MQTT_ANY_FLAGS, MQTT_VAR_LEN},  // PUBLISH
    {0, 2},                          // PUBACK
    {0, 2},                          // PUBREC
    {2, 2},                          // PUBREL
    {0, 2},                          // PUBCOMP
    {2, MQTT_VAR_LEN},               // SUBSCRIBE
    {0, MQTT_VAR_LEN},               // SUBACK
    {2, MQTT_VAR_LEN},               // UNSUBSCRIBE
    {0, 2},                          // UNSUBACK
    {0, 0},                          // PINGREQ
    {0, 0},                          // PINGRESP
    {0, 0},                          // DISCONNECT
    {0, 0},                          // 15: reserved (refused apart)
};

// ---- UTF-8 and topics -------------------------------------------------------

// Length of the UTF-8 sequence at p[0..n), or 0 if it is not well-formed
// (overlong, surrogate, above U+10FFFF, truncated) or is U+0000.
static size_t mqtt_utf8_seq(const unsigned char *p, size_t n) {
  unsigned char b = p[0], lo = 0x80, hi = 0xbf;
  size_t len, i;
  if (b < 0x80) return b == 0 ? 0 : 1;
  if (b >= 0xc2 && b <= 0xdf) {
    len = 2;
  } else if (b >= 0xe0 && b <= 0xef) {
    len = 3;
    if (b == 0xe0) lo = 0xa0;  // Overlong below U+0800
    if (b == 0xed) hi = 0x9f;  // Surrogates U+D800..U+DFFF
  } else if (b >= 0xf0 && b <= 0xf4) {
    len = 4;
    if (b == 0xf0) lo = 0x90;  // Overlong below U+10000
    if (b == 0xf4) hi = 0x8f;  // Above U+10FFFF
  } else {
    return 0;  // Continuation byte, 0xc0/0xc1 (overlong), 0xf5..0xff
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (i = 2; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
  }
  return len;
}

int mg_mqtt_utf8_ok(struct mg_str s) {
  const unsigned char *p = (const unsigned char *) s.p;
  size_t i = 0, n;
  while (i < s.len) {
    if ((n = mqtt_utf8_seq(p + i, s.len - i)) == 0) return 0;
    i += n;
  }
  return 1;
}

int mg_mqtt_valid_filter(struct mg_str s) {
  size_t i;
  if (s.len == 0 || !mg_mqtt_utf8_ok(s)) return 0;
  for (i = 0; i < s.len; i++) {
    int level_start = i == 0 || s.p[i - 1] == '/';
    int level_end = i + 1 == s.len || s.p[i + 1] == '/';
    if (s.p[i] == '#' && (!level_start || i + 1 != s.len)) return 0;
    if (s.p[i] == '+' && (!level_start || !level_end)) return 0;
  }
  return 1;
}

int mg_mqtt_valid_topic(struct mg_str s) {
  size_t i;
  if (s.len == 0 || !mg_mqtt_utf8_ok(s)) return 0;
  for (i = 0; i < s.len; i++) {
    if (s.p[i] == '+' || s.p[i] == '#') return 0;
  }
  return 1;
}

// One pass over both strings, no allocation. '+' and '#' are wildcards at
// the start of a level (a filter that breaks the other rules was refused
// by mg_mqtt_valid_filter; here such a character is compared as itself).
int mg_mqtt_match_topic_expression(struct mg_str exp, struct mg_str topic) {
  size_t i = 0, j = 0;
  if (topic.len > 0 && topic.p[0] == '$' && exp.len > 0 &&
      (exp.p[0] == '+' || exp.p[0] == '#')) {
    return 0;  // MQTT-4.7.2-1: no leading wildcard matches a $-topic
  }
  while (i < exp.len) {
    int level_start = i == 0 || exp.p[i - 1] == '/';
    if (level_start && exp.p[i] == '#') return 1;  // This level and below
    if (level_start && exp.p[i] == '+') {
      while (j < topic.len && topic.p[j] != '/') j++;
      i++;
    } else if (j < topic.len && exp.p[i] == topic.p[j]) {
      i++, j++;
    } else {
      // "a/#" also matches its parent "a".
      return j == topic.len && exp.len - i == 2 && exp.p[i] == '/' &&
             exp.p[i + 1] == '#';
    }
  }
  return j == topic.len;
}

int mg_mqtt_vmatch_topic_expression(const char *exp, struct mg_str topic) {
  return mg_mqtt_match_topic_expression(mg_mk_str(exp), topic);
}

// ---- Parser -----------------------------------------------------------------

int mg_mqtt_parse_header(const unsigned char *buf, size_t len, uint8_t *b0,
                         size_t *rem_len, size_t *hdr_len) {
  size_t i, n = 0;
  if (len < 1) return 0;
  *b0 = buf[0];
  for (i = 1; i <= 4; i++) {
    if (i >= len) return 0;
    n |= (size_t) (buf[i] & 0x7f) << (7 * (i - 1));
    if ((buf[i] & 0x80) == 0) {
      *rem_len = n;
      *hdr_len = i + 1;
      return 1;
    }
  }
  return -1;  // The 4th length byte has its continuation bit set
}

// A read cursor over the packet's bytes after the fixed header.
struct mqtt_rd {
  const unsigned char *p, *end;
};

static int mqtt_rd_u8(struct mqtt_rd *r, uint8_t *v) {
  if (r->end - r->p < 1) return 0;
  *v = *r->p++;
  return 1;
}

static int mqtt_rd_u16(struct mqtt_rd *r, uint16_t *v) {
  if (r->end - r->p < 2) return 0;
  *v = (uint16_t) (r->p[0] << 8 | r->p[1]);
  r->p += 2;
  return 1;
}

// A packet id: present and not 0 (MQTT-2.3.1-1).
static int mqtt_rd_id(struct mqtt_rd *r, uint16_t *v) {
  return mqtt_rd_u16(r, v) && *v != 0;
}

// Binary data with a 2-byte length.
static int mqtt_rd_bin(struct mqtt_rd *r, struct mg_str *s) {
  uint16_t n;
  if (!mqtt_rd_u16(r, &n) || r->end - r->p < (ptrdiff_t) n) return 0;
  s->p = (const char *) r->p;
  s->len = n;
  r->p += n;
  return 1;
}

// A UTF-8 string with a 2-byte length.
static int mqtt_rd_str(struct mqtt_rd *r, struct mg_str *s) {
  return mqtt_rd_bin(r, s) && mg_mqtt_utf8_ok(*s);
}

static int mqtt_rd_done(const struct mqtt_rd *r) {
  return r->p == r->end;
}

// Connect flags (3.1.2.3): the reserved bit, the will rules, the password
// rule.
static int mqtt_connect_flags_ok(uint8_t f) {
  int will = f & MG_MQTT_HAS_WILL, will_qos = MG_MQTT_GET_WILL_QOS(f);
  if (f & 0x01) return 0;  // MQTT-3.1.2-3
  if (will_qos == 3) return 0;
  if (!will && (will_qos != 0 || (f & MG_MQTT_WILL_RETAIN))) return 0;
  if ((f & MG_MQTT_HAS_PASSWORD) && !(f & MG_MQTT_HAS_USER_NAME)) return 0;
  return 1;
}

static int mqtt_parse_connect(struct mqtt_rd *r, struct mg_mqtt_message *m) {
  uint8_t f;
  if (!mqtt_rd_str(r, &m->protocol_name) ||
      !mqtt_rd_u8(r, &m->protocol_version) || !mqtt_rd_u8(r, &f) ||
      !mqtt_rd_u16(r, &m->keep_alive_timer) || !mqtt_connect_flags_ok(f) ||
      !mqtt_rd_str(r, &m->client_id)) {
    return 0;
  }
  m->connect_flags = f;
  if (f & MG_MQTT_HAS_WILL) {
    if (!mqtt_rd_str(r, &m->will_topic) ||
        !mg_mqtt_valid_topic(m->will_topic) ||
        !mqtt_rd_bin(r, &m->will_message)) {
      return 0;
    }
  }
  if ((f & MG_MQTT_HAS_USER_NAME) && !mqtt_rd_str(r, &m->user_name)) return 0;
  if ((f & MG_MQTT_HAS_PASSWORD) && !mqtt_rd_bin(r, &m->password)) return 0;
  return mqtt_rd_done(r);
}

static int mqtt_parse_connack(struct mqtt_rd *r, struct mg_mqtt_message *m) {
  uint8_t ack;
  if (!mqtt_rd_u8(r, &ack) || (ack & 0xfe) != 0) return 0;
  if (!mqtt_rd_u8(r, &m->connack_ret_code) || m->connack_ret_code > 5) {
    return 0;
  }
  m->session_present = ack & 1;
  return mqtt_rd_done(r);
}

static int mqtt_parse_publish(struct mqtt_rd *r, struct mg_mqtt_message *m) {
  if (!mqtt_rd_str(r, &m->topic) || !mg_mqtt_valid_topic(m->topic)) return 0;
  if (m->qos > 0 && !mqtt_rd_id(r, &m->message_id)) return 0;
  m->payload.p = (const char *) r->p;
  m->payload.len = (size_t) (r->end - r->p);
  r->p = r->end;  // The payload is the rest of the packet
  return 1;
}

// SUBSCRIBE and UNSUBSCRIBE: a packet id, then one or more (filter, QoS
// byte) or filters.
static int mqtt_parse_filters(struct mqtt_rd *r, struct mg_mqtt_message *m,
                              int with_qos) {
  struct mg_str filter;
  uint8_t qos;
  if (!mqtt_rd_id(r, &m->message_id) || mqtt_rd_done(r)) return 0;
  m->payload.p = (const char *) r->p;
  m->payload.len = (size_t) (r->end - r->p);
  while (!mqtt_rd_done(r)) {
    if (!mqtt_rd_str(r, &filter) || !mg_mqtt_valid_filter(filter)) return 0;
    if (with_qos && (!mqtt_rd_u8(r, &qos) || qos > 2)) return 0;
  }
  return 1;
}

static int mqtt_parse_suback(struct mqtt_rd *r, struct mg_mqtt_message *m) {
  uint8_t code;
  if (!mqtt_rd_id(r, &m->message_id) || mqtt_rd_done(r)) return 0;
  m->payload.p = (const char *) r->p;
  m->payload.len = (size_t) (r->end - r->p);
  while (mqtt_rd_u8(r, &code)) {
    if (code > 2 && code != 0x80) return 0;
  }
  return 1;
}

// The body after the fixed header: 1 if well-formed, else 0.
static int mqtt_parse_body(struct mqtt_rd *r, struct mg_mqtt_message *m) {
  switch (m->cmd) {
    case MG_MQTT_CMD_CONNECT:
      return mqtt_parse_connect(r, m);
    case MG_MQTT_CMD_CONNACK:
      return mqtt_parse_connack(r, m);
    case MG_MQTT_CMD_PUBLISH:
      return mqtt_parse_publish(r, m);
    case MG_MQTT_CMD_SUBSCRIBE:
      return mqtt_parse_filters(r, m, 1);
    case MG_MQTT_CMD_UNSUBSCRIBE:
      return mqtt_parse_filters(r, m, 0);
    case MG_MQTT_CMD_SUBACK:
      return mqtt_parse_suback(r, m);
    case MG_MQTT_CMD_PINGREQ:
    case MG_MQTT_CMD_PINGRESP:
    case MG_MQTT_CMD_DISCONNECT:
      return 1;  // Remaining length 0: checked from the fixed header
    default:     // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: an id only
      return mqtt_rd_id(r, &m->message_id);
  }
}

// What the first byte alone decides: 1 if it may start a packet.
static int mqtt_first_byte_ok(uint8_t b0) {
  int type = b0 >> 4, flags = b0 & 0x0f, qos = MG_MQTT_GET_QOS(flags);
  if (type == 0 || type == 15) return 0;
  if (type != MG_MQTT_CMD_PUBLISH) return flags == mqtt_rules[type].flags;
  if (qos == 3) return 0;
  if (qos == 0 && (flags & MG_MQTT_DUP)) return 0;  // MQTT-3.3.1-2
  return 1;
}

int mg_mqtt_parse(const unsigned char *buf, size_t len,
                  struct mg_mqtt_message *m) {
  struct mqtt_rd r;
  size_t rem_len = 0, hdr_len = 0;
  uint8_t b0 = 0, fixed;
  int rc;
  memset(m, 0, sizeof(*m));
  if (len < 1) return 0;
  if (!mqtt_first_byte_ok(buf[0])) return -1;
  if ((rc = mg_mqtt_parse_header(buf, len, &b0, &rem_len, &hdr_len)) <= 0) {
    return rc;
  }
  fixed = mqtt_rules[b0 >> 4].rem_len;
  if (fixed != MQTT_VAR_LEN && rem_len != fixed) return -1;
  if (len - hdr_len < rem_len) return 0;
  m->cmd = b0 >> 4;
  m->flags = b0 & 0x0f;
  if (m->cmd == MG_MQTT_CMD_PUBLISH) m->qos = MG_MQTT_GET_QOS(b0);
  m->len = (int) (hdr_len + rem_len);
  r.p = buf + hdr_len;
  r.end = r.p + rem_len;
  if (!mqtt_parse_body(&r, m) || !mqtt_rd_done(&r)) {
    memset(m, 0, sizeof(*m));
    return -1;
  }
  return m->len;
}

// ---- SUBSCRIBE / UNSUBSCRIBE payload walkers --------------------------------

// The entry at pos of msg->payload: a filter and, when qos != NULL, its QoS
// byte. Returns the next position, or -1 at the end or on a short entry.
static int mqtt_next_filter(const struct mg_mqtt_message *msg,
                            struct mg_str *topic, uint8_t *qos, int pos) {
  const unsigned char *p = (const unsigned char *) msg->payload.p;
  size_t n, need, at;
  if (pos < 0 || p == NULL) return -1;
  at = (size_t) pos;
  if (at > msg->payload.len || msg->payload.len - at < 2) return -1;
  n = (size_t) (p[at] << 8 | p[at + 1]);
  need = 2 + n + (qos != NULL ? 1 : 0);
  if (msg->payload.len - at < need) return -1;
  topic->p = (const char *) p + at + 2;
  topic->len = n;
  if (qos != NULL) *qos = p[at + 2 + n];
  return (int) (at + need);
}

int mg_mqtt_next_subscribe_topic(struct mg_mqtt_message *msg,
                                 struct mg_str *topic, uint8_t *qos, int pos) {
  uint8_t q = 0;
  int next = mqtt_next_filter(msg, topic, &q, pos);
  if (next >= 0 && qos != NULL) *qos = q;
  return next;
}

int mg_mqtt_next_unsubscribe_topic(struct mg_mqtt_message *msg,
                                   struct mg_str *topic, int pos) {
  return mqtt_next_filter(msg, topic, NULL, pos);
}

// ---- Composers --------------------------------------------------------------

size_t mg_mqtt_encode_header(unsigned char *out, uint8_t b0, size_t rem_len) {
  size_t n = 0;
  out[n++] = b0;
  do {
    unsigned char byte = (unsigned char) (rem_len & 0x7f);
    rem_len >>= 7;
    if (rem_len > 0) byte |= 0x80;
    out[n++] = byte;
  } while (rem_len > 0 && n < 5);
  return n;
}

// Header length for rem_len (which is at most MQTT_MAX_REM_LEN).
static size_t mqtt_header_len(size_t rem_len) {
  return rem_len < 128 ? 2 : rem_len < 16384 ? 3 : rem_len < 2097152 ? 4 : 5;
}

// Reserves one whole packet (fixed header and rem_len bytes) at the end of
// out, writes its fixed header and returns where the rest goes, or NULL
// (nothing appended) if rem_len is too large or memory ran out.
static unsigned char *mqtt_begin(struct mbuf *out, uint8_t b0, size_t rem_len) {
  size_t total;
  unsigned char *p;
  if (rem_len > MQTT_MAX_REM_LEN) return NULL;
  total = mqtt_header_len(rem_len) + rem_len;
  if (mbuf_append(out, NULL, total) != total) return NULL;
  p = (unsigned char *) out->buf + out->len - total;
  return p + mg_mqtt_encode_header(p, b0, rem_len);
}

static unsigned char *mqtt_put_u16(unsigned char *p, uint16_t v) {
  p[0] = (unsigned char) (v >> 8);
  p[1] = (unsigned char) (v & 0xff);
  return p + 2;
}

// Writes s with its 2-byte length (s.len was checked to be <= 65535).
static unsigned char *mqtt_put_str(unsigned char *p, struct mg_str s) {
  p = mqtt_put_u16(p, (uint16_t) s.len);
  if (s.len > 0) memcpy(p, s.p, s.len);
  return p + s.len;
}

// Adds a string field's size (2 + len) to *size; 0 if it is too long.
static int mqtt_add_str(size_t *size, size_t len) {
  if (len > MQTT_MAX_STR_LEN) return 0;
  *size += 2 + len;
  return 1;
}

// The strings of a CONNECT, in their order, and its flags.
struct mqtt_connect_fields {
  struct mg_str f[5];  // Client id, will topic, will message, user, password
  uint8_t flags;
};

static void mqtt_connect_fields(struct mqtt_connect_fields *c,
                                struct mg_str client_id,
                                const struct mg_send_mqtt_handshake_opts *o) {
  memset(c, 0, sizeof(*c));
  c->f[0] = client_id;
  c->flags = MG_MQTT_CLEAN_SESSION;
  if (o == NULL) return;
  c->flags = o->flags & MG_MQTT_CLEAN_SESSION;
  if (o->will_topic != NULL) {
    c->flags |= MG_MQTT_HAS_WILL | (o->flags & (0x18 | MG_MQTT_WILL_RETAIN));
    c->f[1] = mg_mk_str(o->will_topic);
    c->f[2] = mg_mk_str(o->will_message);  // NULL: empty
  }
  if (o->user_name != NULL || o->password != NULL) {
    c->flags |= MG_MQTT_HAS_USER_NAME;
    c->f[3] = mg_mk_str(o->user_name);
  }
  if (o->password != NULL) {
    c->flags |= MG_MQTT_HAS_PASSWORD;
    c->f[4] = mg_mk_str(o->password);
  }
}

int mg_mqtt_compose_connect(struct mbuf *out, struct mg_str client_id,
                            const struct mg_send_mqtt_handshake_opts *o) {
  static const uint8_t present[5] = {0, MG_MQTT_HAS_WILL, MG_MQTT_HAS_WILL,
                                     MG_MQTT_HAS_USER_NAME,
                                     MG_MQTT_HAS_PASSWORD};
  struct mqtt_connect_fields c;
  size_t rem = 10, i;  // "MQTT" with its length, level, flags, keep-alive
  uint16_t keep_alive;
  unsigned char *p;
  mqtt_connect_fields(&c, client_id, o);
  for (i = 0; i < 5; i++) {
    if ((i == 0 || (c.flags & present[i])) && !mqtt_add_str(&rem, c.f[i].len)) {
      return -1;
    }
  }
  keep_alive = o != NULL && o->keep_alive != 0 ? o->keep_alive
                                               : MG_MQTT_DEFAULT_KEEP_ALIVE;
  if ((p = mqtt_begin(out, MG_MQTT_CMD_CONNECT << 4, rem)) == NULL) return -1;
  p = mqtt_put_str(p, mg_mk_str("MQTT"));
  *p++ = 4;  // Protocol level of 3.1.1
  *p++ = c.flags;
  p = mqtt_put_u16(p, keep_alive);
  for (i = 0; i < 5; i++) {
    if (i == 0 || (c.flags & present[i])) p = mqtt_put_str(p, c.f[i]);
  }
  return 0;
}

int mg_mqtt_compose_connack(struct mbuf *out, int session_present,
                            uint8_t code) {
  unsigned char *p = mqtt_begin(out, MG_MQTT_CMD_CONNACK << 4, 2);
  if (p == NULL) return -1;
  p[0] = session_present ? 1 : 0;
  p[1] = code;
  return 0;
}

int mg_mqtt_compose_publish(struct mbuf *out, struct mg_str topic, uint16_t id,
                            int flags, struct mg_str payload) {
  size_t rem = 0;
  int with_id = MG_MQTT_GET_QOS(flags) > 0;
  unsigned char *p;
  if (!mqtt_add_str(&rem, topic.len)) return -1;
  if (with_id) rem += 2;
  if (payload.len > MQTT_MAX_REM_LEN - rem) return -1;
  rem += payload.len;
  p = mqtt_begin(out, (uint8_t) (MG_MQTT_CMD_PUBLISH << 4 | (flags & 0x0f)),
                 rem);
  if (p == NULL) return -1;
  p = mqtt_put_str(p, topic);
  if (with_id) p = mqtt_put_u16(p, id);
  if (payload.len > 0) memcpy(p, payload.p, payload.len);
  return 0;
}

int mg_mqtt_compose_id(struct mbuf *out, int cmd, uint16_t id) {
  uint8_t b0 = (uint8_t) ((cmd & 0x0f) << 4);
  unsigned char *p;
  if (cmd == MG_MQTT_CMD_PUBREL) b0 |= 0x02;  // Reserved flags 0010
  if ((p = mqtt_begin(out, b0, 2)) == NULL) return -1;
  mqtt_put_u16(p, id);
  return 0;
}

int mg_mqtt_compose_subscribe(struct mbuf *out,
                              const struct mg_mqtt_topic_expression *t,
                              size_t n, uint16_t id) {
  size_t rem = 2, i;
  unsigned char *p;
  for (i = 0; i < n; i++) {
    if (!mqtt_add_str(&rem, strlen(t[i].topic))) return -1;
    if (++rem > MQTT_MAX_REM_LEN) return -1;
  }
  p = mqtt_begin(out, MG_MQTT_CMD_SUBSCRIBE << 4 | 0x02, rem);
  if (p == NULL) return -1;
  p = mqtt_put_u16(p, id);
  for (i = 0; i < n; i++) {
    p = mqtt_put_str(p, mg_mk_str(t[i].topic));
    *p++ = t[i].qos;
  }
  return 0;
}

int mg_mqtt_compose_unsubscribe(struct mbuf *out, const struct mg_str *t,
                                size_t n, uint16_t id) {
  size_t rem = 2, i;
  unsigned char *p;
  for (i = 0; i < n; i++) {
    if (!mqtt_add_str(&rem, t[i].len) || rem > MQTT_MAX_REM_LEN) return -1;
  }
  p = mqtt_begin(out, MG_MQTT_CMD_UNSUBSCRIBE << 4 | 0x02, rem);
  if (p == NULL) return -1;
  p = mqtt_put_u16(p, id);
  for (i = 0; i < n; i++) p = mqtt_put_str(p, t[i]);
  return 0;
}

int mg_mqtt_compose_suback(struct mbuf *out, const uint8_t *codes, size_t n,
                           uint16_t id) {
  unsigned char *p;
  if (n > MQTT_MAX_REM_LEN - 2) return -1;
  if ((p = mqtt_begin(out, MG_MQTT_CMD_SUBACK << 4, 2 + n)) == NULL) return -1;
  p = mqtt_put_u16(p, id);
  if (n > 0) memcpy(p, codes, n);
  return 0;
}

int mg_mqtt_compose_empty(struct mbuf *out, int cmd) {
  return mqtt_begin(out, (uint8_t) ((cmd & 0x0f) << 4), 0) == NULL ? -1 : 0;
}

#endif  // MG_ENABLE_MQTT
