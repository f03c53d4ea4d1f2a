// Unit tests for src/mqtt.c, the MQTT 3.1.1 codec: the fixed header, every
// packet type parsed from bytes written here (good and malformed: each
// rule of the parser has a vector), the composers byte for byte and in
// compose -> parse round trips, UTF-8 and filter validation, the
// SUBSCRIBE/UNSUBSCRIBE walkers and a topic matching table. Includes
// mongoose.c to reach the internal codec (mqtt_internal.h), with a
// realloc() that fails on demand.
static int s_fail_realloc;  // When set, every MG_REALLOC returns NULL
#define MG_REALLOC(p, n) (s_fail_realloc ? NULL : realloc((p), (n)))
#include "../../mongoose.c"  // First header: feature-test macros

#include <setjmp.h>

#include <cmocka.h>

#define B(...) ((const unsigned char[]){__VA_ARGS__})
#define NB(...) sizeof((const unsigned char[]){__VA_ARGS__})
// Parses the bytes given (see parse_copy).
#define PARSE(m, ...) parse_copy(B(__VA_ARGS__), NB(__VA_ARGS__), (m))

// The copy the last parse_copy() parsed: m's slices point into it until
// the next call (or the group teardown).
static unsigned char *s_copy;

// Parses an exact-size copy of b[0..n) (ASan sees any read past it). For a
// packet that parses, every shorter prefix must give 0 (need more) and
// m->len must be what was consumed.
static int parse_copy(const unsigned char *b, size_t n,
                      struct mg_mqtt_message *m) {
  struct mg_mqtt_message tmp;
  size_t k;
  int rc;
  free(s_copy);
  s_copy = (unsigned char *) malloc(n > 0 ? n : 1);
  assert_non_null(s_copy);
  memcpy(s_copy, b, n);
  rc = mg_mqtt_parse(s_copy, n, m);
  if (rc > 0) {
    assert_int_equal(m->len, rc);
    for (k = 0; k < (size_t) rc; k++) {
      assert_int_equal(mg_mqtt_parse(s_copy, k, &tmp), 0);
    }
  }
  return rc;
}

static int teardown(void **state) {
  (void) state;
  free(s_copy);
  s_copy = NULL;
  return 0;
}

static int str_eq(struct mg_str s, const char *want) {
  return s.len == strlen(want) && (s.len == 0 || memcmp(s.p, want, s.len) == 0);
}

static struct mg_str S(const char *s) {
  return mg_mk_str(s);
}

// ---- Fixed header -----------------------------------------------------------

static void
test_mqtt_header_lengths_1_to_4_bytes_round_trip(void **state) {
  static const size_t lens[] = {0,       1,       127,      128,
                                16383,   16384,   2097151,  2097152,
                                1000000, 2097153, 268435455};
  unsigned char buf[5];
  size_t i, rem, hdr, n;
  uint8_t b0;
  (void) state;
  for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    n = mg_mqtt_encode_header(buf, 0x30, lens[i]);
    assert_int_equal(n, lens[i] < 128       ? 2
                        : lens[i] < 16384   ? 3
                        : lens[i] < 2097152 ? 4
                                            : 5);
    assert_int_equal(mg_mqtt_parse_header(buf, n, &b0, &rem, &hdr), 1);
    assert_int_equal(b0, 0x30);
    assert_int_equal(rem, lens[i]);
    assert_int_equal(hdr, n);
    assert_int_equal(mg_mqtt_parse_header(buf, n - 1, &b0, &rem, &hdr), 0);
  }
  // The largest value, byte for byte (3.1.1 table 2.4).
  n = mg_mqtt_encode_header(buf, 0x30, 268435455);
  assert_memory_equal(buf, B(0x30, 0xff, 0xff, 0xff, 0x7f), 5);
}

static void test_mqtt_header_fifth_length_byte_malformed_at_fourth(void **s) {
  const unsigned char *b = B(0x30, 0xff, 0xff, 0xff, 0xff);
  size_t rem, hdr;
  uint8_t b0;
  struct mg_mqtt_message m;
  (void) s;
  // Decided with the 4th length byte: the 5th need not have arrived.
  assert_int_equal(mg_mqtt_parse_header(b, 5, &b0, &rem, &hdr), -1);
  assert_int_equal(mg_mqtt_parse_header(b, 4, &b0, &rem, &hdr), 0);
  assert_int_equal(PARSE(&m, 0x30, 0xff, 0xff, 0xff, 0xff), -1);
  assert_int_equal(PARSE(&m, 0x30, 0x80, 0x80, 0x80, 0x80, 0x01), -1);
  assert_int_equal(PARSE(&m, 0x30, 0x80, 0x80, 0x80), 0);
}

static void test_mqtt_header_needs_two_bytes(void **s) {
  size_t rem, hdr;
  uint8_t b0;
  (void) s;
  assert_int_equal(mg_mqtt_parse_header(B(0x30), 0, &b0, &rem, &hdr), 0);
  assert_int_equal(mg_mqtt_parse_header(B(0x30), 1, &b0, &rem, &hdr), 0);
  assert_int_equal(mg_mqtt_parse_header(B(0xc0, 0), 2, &b0, &rem, &hdr), 1);
  assert_int_equal(rem, 0);
  assert_int_equal(hdr, 2);
}

static void test_mqtt_parse_needs_whole_packet(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  // PUBLISH "a" QoS 0 with payload "xy": 7 bytes; any prefix is 0.
  assert_int_equal(PARSE(&m, 0x30, 5, 0, 1, 'a', 'x', 'y'), 7);
  assert_int_equal(PARSE(&m, 0x30, 5, 0, 1, 'a', 'x'), 0);
  assert_int_equal(PARSE(&m, 0x30), 0);
  assert_int_equal(mg_mqtt_parse(B(0), 0, &m), 0);
  // A 4-byte remaining length (2 MB) with only its header there: 0.
  assert_int_equal(PARSE(&m, 0x30, 0x80, 0x80, 0x80, 0x01), 0);
}

static void test_mqtt_parse_non_minimal_length_accepted(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0xc0, 0x80, 0x00), 3);
  assert_int_equal(m.cmd, MG_MQTT_CMD_PINGREQ);
}

static void test_mqtt_parse_two_packets_in_one_buffer(void **s) {
  struct mg_mqtt_message m;
  const unsigned char *b = B(0x40, 2, 0, 7, 0xd0, 0);
  (void) s;
  assert_int_equal(mg_mqtt_parse(b, 6, &m), 4);
  assert_int_equal(m.cmd, MG_MQTT_CMD_PUBACK);
  assert_int_equal(m.message_id, 7);
  assert_int_equal(mg_mqtt_parse(b + 4, 2, &m), 2);
  assert_int_equal(m.cmd, MG_MQTT_CMD_PINGRESP);
  assert_int_equal(m.len, 2);
}

// ---- First byte -------------------------------------------------------------

static void test_mqtt_parse_types_0_and_15_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x00, 0), -1);
  assert_int_equal(PARSE(&m, 0xf0, 0), -1);
  assert_int_equal(PARSE(&m, 0x00), -1);  // Known from the first byte
  assert_int_equal(PARSE(&m, 0xf0), -1);
}

// For each type and each low nibble: is the first byte acceptable? Checked
// on the first byte alone (the rest of the packet is not there).
static void test_mqtt_parse_reserved_flags_checked_for_every_type(void **s) {
  struct mg_mqtt_message m;
  int type, flags, want;
  unsigned char b;
  (void) s;
  for (type = 1; type <= 14; type++) {
    for (flags = 0; flags < 16; flags++) {
      b = (unsigned char) (type << 4 | flags);
      if (type == MG_MQTT_CMD_PUBLISH) {
        int qos = (flags >> 1) & 3;
        want = qos != 3 && !(qos == 0 && (flags & 8)) ? 0 : -1;
      } else if (type == MG_MQTT_CMD_PUBREL || type == MG_MQTT_CMD_SUBSCRIBE ||
                 type == MG_MQTT_CMD_UNSUBSCRIBE) {
        want = flags == 2 ? 0 : -1;
      } else {
        want = flags == 0 ? 0 : -1;
      }
      assert_int_equal(mg_mqtt_parse(&b, 1, &m), want);
    }
  }
}

static void test_mqtt_parse_pubrel_subscribe_unsubscribe_need_0010(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x62, 2, 0, 1), 4);
  assert_int_equal(PARSE(&m, 0x60, 2, 0, 1), -1);
  assert_int_equal(PARSE(&m, 0x82, 6, 0, 1, 0, 1, 'a', 0), 8);
  assert_int_equal(PARSE(&m, 0x80, 6, 0, 1, 0, 1, 'a', 0), -1);
  assert_int_equal(PARSE(&m, 0xa2, 5, 0, 1, 0, 1, 'a'), 7);
  assert_int_equal(PARSE(&m, 0xa0, 5, 0, 1, 0, 1, 'a'), -1);
  assert_int_equal(PARSE(&m, 0x42, 2, 0, 1), -1);  // PUBACK with 0010
  assert_int_equal(PARSE(&m, 0xe1, 0), -1);        // DISCONNECT with 0001
}

static void test_mqtt_parse_publish_qos3_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x36, 5, 0, 1, 'a', 0, 1), -1);
  assert_int_equal(PARSE(&m, 0x37, 5, 0, 1, 'a', 0, 1), -1);
}

static void test_mqtt_parse_publish_dup_with_qos0_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x38, 3, 0, 1, 'a'), -1);
  // DUP with QoS 1 is legal.
  assert_int_equal(PARSE(&m, 0x3a, 5, 0, 1, 'a', 0, 9), 7);
  assert_int_equal(m.flags, MG_MQTT_DUP | MG_MQTT_QOS(1));
  assert_int_equal(m.qos, 1);
  assert_int_equal(m.message_id, 9);
}

// ---- Packet ids -------------------------------------------------------------

static void test_mqtt_parse_packet_id_0_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x32, 5, 0, 1, 'a', 0, 0), -1);  // PUBLISH QoS1
  assert_int_equal(PARSE(&m, 0x34, 5, 0, 1, 'a', 0, 0), -1);  // PUBLISH QoS2
  assert_int_equal(PARSE(&m, 0x40, 2, 0, 0), -1);             // PUBACK
  assert_int_equal(PARSE(&m, 0x50, 2, 0, 0), -1);             // PUBREC
  assert_int_equal(PARSE(&m, 0x62, 2, 0, 0), -1);             // PUBREL
  assert_int_equal(PARSE(&m, 0x70, 2, 0, 0), -1);             // PUBCOMP
  assert_int_equal(PARSE(&m, 0x82, 6, 0, 0, 0, 1, 'a', 0), -1);
  assert_int_equal(PARSE(&m, 0x90, 3, 0, 0, 0), -1);  // SUBACK
  assert_int_equal(PARSE(&m, 0xa2, 5, 0, 0, 0, 1, 'a'), -1);
  assert_int_equal(PARSE(&m, 0xb0, 2, 0, 0), -1);  // UNSUBACK
}

static void test_mqtt_parse_id_packets_need_exactly_two_bytes(void **s) {
  struct mg_mqtt_message m;
  static const unsigned char types[] = {0x40, 0x50, 0x62, 0x70, 0xb0};
  unsigned char b[5];
  size_t i;
  (void) s;
  for (i = 0; i < sizeof(types); i++) {
    b[0] = types[i], b[1] = 2, b[2] = 0x12, b[3] = 0x34, b[4] = 0;
    assert_int_equal(parse_copy(b, 4, &m), 4);
    assert_int_equal(m.cmd, types[i] >> 4);
    assert_int_equal(m.message_id, 0x1234);
    assert_int_equal(m.len, 4);
    b[1] = 3;  // One byte too many: known from the header
    assert_int_equal(parse_copy(b, 2, &m), -1);
    assert_int_equal(parse_copy(b, 5, &m), -1);
    b[1] = 1;
    assert_int_equal(parse_copy(b, 3, &m), -1);
    b[1] = 0;
    assert_int_equal(parse_copy(b, 2, &m), -1);
  }
}

static void test_mqtt_parse_empty_packets_need_length_0(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0xc0, 0), 2);
  assert_int_equal(m.cmd, MG_MQTT_CMD_PINGREQ);
  assert_int_equal(PARSE(&m, 0xd0, 0), 2);
  assert_int_equal(m.cmd, MG_MQTT_CMD_PINGRESP);
  assert_int_equal(PARSE(&m, 0xe0, 0), 2);
  assert_int_equal(m.cmd, MG_MQTT_CMD_DISCONNECT);
  assert_int_equal(PARSE(&m, 0xc0, 1, 0), -1);
  assert_int_equal(PARSE(&m, 0xd0, 1), -1);  // Known from the header
  assert_int_equal(PARSE(&m, 0xe0, 1, 0), -1);
}

// ---- PUBLISH ----------------------------------------------------------------

static void test_mqtt_parse_publish_fields(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(
      PARSE(&m, 0x35, 10, 0, 3, 'a', '/', 'b', 0x01, 0x02, 'h', 'i', '!'), 12);
  assert_int_equal(m.cmd, MG_MQTT_CMD_PUBLISH);
  assert_int_equal(m.qos, 2);
  assert_int_equal(m.flags, MG_MQTT_QOS(2) | MG_MQTT_RETAIN);
  assert_int_equal(m.message_id, 0x0102);
  assert_true(str_eq(m.topic, "a/b"));
  assert_true(str_eq(m.payload, "hi!"));
  // QoS 0: no packet id, the payload starts right after the topic.
  assert_int_equal(PARSE(&m, 0x30, 5, 0, 1, 'a', 0, 0), 7);
  assert_int_equal(m.qos, 0);
  assert_int_equal(m.message_id, 0);
  assert_int_equal(m.payload.len, 2);
  // Empty payload.
  assert_int_equal(PARSE(&m, 0x30, 3, 0, 1, 'a'), 5);
  assert_int_equal(m.payload.len, 0);
}

static void test_mqtt_parse_publish_wildcard_or_empty_topic_malformed(
    void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x30, 5, 0, 3, 'a', '/', '+'), -1);
  assert_int_equal(PARSE(&m, 0x30, 5, 0, 3, 'a', '/', '#'), -1);
  assert_int_equal(PARSE(&m, 0x30, 4, 0, 2, 'a', '#'), -1);
  assert_int_equal(PARSE(&m, 0x30, 2, 0, 0), -1);
  assert_int_equal(PARSE(&m, 0x30, 4, 0, 0, 'x', 'y'), -1);
}

static void test_mqtt_parse_publish_lengths_checked(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  // Topic length beyond the packet (the next packet's bytes are there).
  assert_int_equal(PARSE(&m, 0x30, 3, 0, 5, 'a', 'b', 'c', 'd', 'e'), -1);
  assert_int_equal(PARSE(&m, 0x30, 1, 0), -1);  // Half a length
  assert_int_equal(PARSE(&m, 0x30, 0), -1);
  // QoS 1 without room for the id.
  assert_int_equal(PARSE(&m, 0x32, 4, 0, 1, 'a', 1), -1);
}

static void test_mqtt_parse_publish_topic_bad_utf8_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x30, 4, 0, 2, 0xc0, 0x80), -1);  // Overlong
  assert_int_equal(PARSE(&m, 0x30, 3, 0, 1, 0), -1);           // U+0000
  assert_int_equal(PARSE(&m, 0x30, 5, 0, 3, 0xed, 0xa0, 0x80), -1);
  assert_int_equal(PARSE(&m, 0x30, 5, 0, 3, 0xe2, 0x82, 0xac), 7);  // Euro
}

// ---- CONNECT ----------------------------------------------------------------

// A CONNECT with every field: will QoS 1 retained, user, password.
static const unsigned char s_connect_full[] = {
    0x10, 35,  0,   4,    'M', 'Q',
    'T',  'T', 4,   0xee, 0,   30,   // Flags, keep-alive
    0,    2,   'i', 'd',             // Client id
    0,    3,   'w', '/',  't',       // Will topic
    0,    4,   'b', 'y',  'e', 0,    // Will message
    0,    4,   'u', 's',  'e', 'r',  // User name
    0,    2,   'p', 0xff};           // Password

static void test_mqtt_parse_connect_all_fields(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(parse_copy(s_connect_full, sizeof(s_connect_full), &m), 37);
  assert_int_equal(m.cmd, MG_MQTT_CMD_CONNECT);
  assert_true(str_eq(m.protocol_name, "MQTT"));
  assert_int_equal(m.protocol_version, 4);
  assert_int_equal(m.connect_flags, 0xee);
  assert_int_equal(MG_MQTT_GET_WILL_QOS(m.connect_flags), 1);
  assert_int_equal(m.keep_alive_timer, 30);
  assert_true(str_eq(m.client_id, "id"));
  assert_true(str_eq(m.will_topic, "w/t"));
  assert_int_equal(m.will_message.len, 4);
  assert_memory_equal(m.will_message.p, "bye\0", 4);
  assert_true(str_eq(m.user_name, "user"));
  assert_int_equal(m.password.len, 2);
  assert_memory_equal(m.password.p, "p\xff", 2);
}

static void test_mqtt_parse_connect_minimal_and_other_protocols(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  // Empty client id, clean session, keep-alive 0.
  assert_int_equal(
      PARSE(&m, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 0, 0, 0), 14);
  assert_int_equal(m.client_id.len, 0);
  assert_int_equal(m.will_topic.len, 0);
  assert_null(m.user_name.p);
  // 3.1 "MQIsdp" level 3 and level 5: parsed; the handler decides.
  assert_int_equal(PARSE(&m, 0x10, 15, 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 2,
                         0, 10, 0, 1, 'c'),
                   17);
  assert_true(str_eq(m.protocol_name, "MQIsdp"));
  assert_int_equal(m.protocol_version, 3);
  assert_true(str_eq(m.client_id, "c"));
}

// The CONNECT of s_connect_full with other flags (and nothing else).
static int parse_connect_flags(uint8_t flags) {
  unsigned char b[sizeof(s_connect_full)];
  struct mg_mqtt_message m;
  memcpy(b, s_connect_full, sizeof(b));
  b[9] = flags;
  return parse_copy(b, sizeof(b), &m);
}

static void test_mqtt_parse_connect_flag_rules(void **s) {
  (void) s;
  assert_int_equal(parse_connect_flags(0xee), 37);
  assert_int_equal(parse_connect_flags(0xef), -1);  // Reserved bit 0
  assert_int_equal(parse_connect_flags(0xfe), -1);  // Will QoS 3
  // Will QoS 2 parses (the packet's fields are the same).
  assert_int_equal(parse_connect_flags(0xf6), 37);
}

static void test_mqtt_parse_connect_password_without_user_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  // Password flag only, with a password present.
  assert_int_equal(PARSE(&m, 0x10, 15, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x42, 0, 0,
                         0, 0, 0, 1, 'p'),
                   -1);
  // The same with the user-name flag and an empty user name: good.
  assert_int_equal(PARSE(&m, 0x10, 17, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xc2, 0, 0,
                         0, 0, 0, 0, 0, 1, 'p'),
                   19);
  assert_int_equal(m.user_name.len, 0);
  assert_true(str_eq(m.password, "p"));
}

static void test_mqtt_parse_connect_will_bits_without_will_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  // Will QoS 1 without the will flag.
  assert_int_equal(
      PARSE(&m, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x0a, 0, 0, 0, 0), -1);
  // Will retain without the will flag.
  assert_int_equal(
      PARSE(&m, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x22, 0, 0, 0, 0), -1);
  assert_int_equal(
      PARSE(&m, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 0), 14);
}

static void test_mqtt_parse_connect_will_topic_must_be_topic_name(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  // Will topic "w/#".
  assert_int_equal(PARSE(&m, 0x10, 19, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 0,
                         0, 0, 0, 3, 'w', '/', '#', 0, 0),
                   -1);
  // Empty will topic.
  assert_int_equal(PARSE(&m, 0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 0,
                         0, 0, 0, 0, 0, 0),
                   -1);
  // "w/x" with an empty will message: good.
  assert_int_equal(PARSE(&m, 0x10, 19, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 0,
                         0, 0, 0, 3, 'w', '/', 'x', 0, 0),
                   21);
  assert_true(str_eq(m.will_topic, "w/x"));
  assert_int_equal(m.will_message.len, 0);
}

static void test_mqtt_parse_connect_lengths_and_leftovers(void **s) {
  unsigned char b[sizeof(s_connect_full) + 1];
  struct mg_mqtt_message m;
  (void) s;
  // One byte left over inside the packet.
  memcpy(b, s_connect_full, sizeof(s_connect_full));
  b[1] = 36;
  b[sizeof(b) - 1] = 0;
  assert_int_equal(parse_copy(b, sizeof(b), &m), -1);
  // The password's length reaches past the packet (by one byte).
  memcpy(b, s_connect_full, sizeof(s_connect_full));
  b[sizeof(s_connect_full) - 3] = 3;
  assert_int_equal(parse_copy(b, sizeof(s_connect_full), &m), -1);
  assert_int_equal(parse_copy(b, sizeof(b), &m), -1);  // Even if bytes follow
  // Cut inside the variable header.
  assert_int_equal(PARSE(&m, 0x10, 8, 0, 4, 'M', 'Q', 'T', 'T', 4, 2), -1);
  assert_int_equal(PARSE(&m, 0x10, 3, 0, 4, 'M'), -1);
  // Client id with U+0000.
  assert_int_equal(
      PARSE(&m, 0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 0, 0, 1, 0), -1);
  // Protocol name that is not UTF-8.
  assert_int_equal(
      PARSE(&m, 0x10, 12, 0, 4, 'M', 'Q', 0xff, 'T', 4, 2, 0, 0, 0, 0), -1);
}

// ---- CONNACK ----------------------------------------------------------------

static void test_mqtt_parse_connack(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x20, 2, 0, 0), 4);
  assert_int_equal(m.cmd, MG_MQTT_CMD_CONNACK);
  assert_int_equal(m.session_present, 0);
  assert_int_equal(m.connack_ret_code, 0);
  assert_int_equal(PARSE(&m, 0x20, 2, 1, 0), 4);
  assert_int_equal(m.session_present, 1);
  assert_int_equal(PARSE(&m, 0x20, 2, 0, 5), 4);
  assert_int_equal(m.connack_ret_code, MG_EV_MQTT_CONNACK_NOT_AUTHORIZED);
  assert_int_equal(PARSE(&m, 0x20, 2, 0, 6), -1);     // Not in 3.1.1
  assert_int_equal(PARSE(&m, 0x20, 2, 0, 0x80), -1);  // Not in 3.1.1
  assert_int_equal(PARSE(&m, 0x20, 2, 2, 0), -1);     // Reserved ack bit
  assert_int_equal(PARSE(&m, 0x20, 2, 0x80, 0), -1);
  assert_int_equal(PARSE(&m, 0x20, 3, 0, 0, 0), -1);
  assert_int_equal(PARSE(&m, 0x20, 1, 0), -1);
}

// ---- SUBSCRIBE, UNSUBSCRIBE, SUBACK ----------------------------------------

static void test_mqtt_parse_subscribe_and_walk_filters(void **s) {
  struct mg_mqtt_message m;
  struct mg_str t;
  uint8_t qos = 9;
  int pos;
  (void) s;
  assert_int_equal(PARSE(&m, 0x82, 16, 0x12, 0x34, 0, 3, 'a', '/', '+', 1, 0, 1,
                         '#', 2, 0, 1, 'b', 0),
                   18);
  assert_int_equal(m.cmd, MG_MQTT_CMD_SUBSCRIBE);
  assert_int_equal(m.message_id, 0x1234);
  assert_int_equal(m.payload.len, 14);
  pos = mg_mqtt_next_subscribe_topic(&m, &t, &qos, 0);
  assert_int_equal(pos, 6);
  assert_true(str_eq(t, "a/+"));
  assert_int_equal(qos, 1);
  pos = mg_mqtt_next_subscribe_topic(&m, &t, &qos, pos);
  assert_int_equal(pos, 10);
  assert_true(str_eq(t, "#"));
  assert_int_equal(qos, 2);
  pos = mg_mqtt_next_subscribe_topic(&m, &t, &qos, pos);
  assert_int_equal(pos, 14);
  assert_true(str_eq(t, "b"));
  assert_int_equal(qos, 0);
  assert_int_equal(mg_mqtt_next_subscribe_topic(&m, &t, &qos, pos), -1);
  assert_int_equal(mg_mqtt_next_subscribe_topic(&m, &t, &qos, -1), -1);
  assert_int_equal(mg_mqtt_next_subscribe_topic(&m, &t, &qos, 100), -1);
}

static void test_mqtt_walkers_stop_at_truncated_entry(void **s) {
  struct mg_mqtt_message m;
  struct mg_str t;
  uint8_t qos = 7;
  (void) s;
  memset(&m, 0, sizeof(m));
  assert_int_equal(mg_mqtt_next_subscribe_topic(&m, &t, &qos, 0), -1);
  m.payload = mg_mk_str_n("\x00\x02xy", 4);  // No QoS byte
  assert_int_equal(mg_mqtt_next_subscribe_topic(&m, &t, &qos, 0), -1);
  assert_int_equal(qos, 7);
  assert_int_equal(mg_mqtt_next_unsubscribe_topic(&m, &t, 0), 4);
  assert_true(str_eq(t, "xy"));
  m.payload = mg_mk_str_n("\x00\x03xy", 4);  // Length past the end
  assert_int_equal(mg_mqtt_next_unsubscribe_topic(&m, &t, 0), -1);
  m.payload = mg_mk_str_n("\x00", 1);
  assert_int_equal(mg_mqtt_next_unsubscribe_topic(&m, &t, 0), -1);
}

static void test_mqtt_parse_subscribe_malformed(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x82, 2, 0, 1), -1);             // No filter
  assert_int_equal(PARSE(&m, 0x82, 5, 0, 1, 0, 1, 'a'), -1);  // No QoS
  assert_int_equal(PARSE(&m, 0x82, 6, 0, 1, 0, 1, 'a', 3), -1);
  assert_int_equal(PARSE(&m, 0x82, 6, 0, 1, 0, 1, 'a', 0x04), -1);
  assert_int_equal(PARSE(&m, 0x82, 6, 0, 1, 0, 1, 'a', 0x80), -1);
  assert_int_equal(PARSE(&m, 0x82, 6, 0, 1, 0, 1, 'a', 0x41), -1);
  assert_int_equal(PARSE(&m, 0x82, 5, 0, 1, 0, 0, 0), -1);  // Empty filter
  assert_int_equal(PARSE(&m, 0x82, 8, 0, 1, 0, 3, '#', '/', 'a', 0), -1);
  assert_int_equal(PARSE(&m, 0x82, 7, 0, 1, 0, 2, 'a', '#', 0), -1);
  assert_int_equal(PARSE(&m, 0x82, 7, 0, 1, 0, 2, 'a', '+', 0), -1);
  assert_int_equal(PARSE(&m, 0x82, 7, 0, 1, 0, 2, 0xc3, 0x28, 0), -1);
  // The second entry is bad: the whole packet is.
  assert_int_equal(PARSE(&m, 0x82, 10, 0, 1, 0, 1, 'a', 0, 0, 1, 'b', 3), -1);
  // The filter length reaches past the packet.
  assert_int_equal(PARSE(&m, 0x82, 6, 0, 1, 0, 9, 'a', 0, 0, 0, 0, 0), -1);
}

static void test_mqtt_parse_unsubscribe(void **s) {
  struct mg_mqtt_message m;
  struct mg_str t;
  int pos;
  (void) s;
  assert_int_equal(PARSE(&m, 0xa2, 10, 0, 5, 0, 3, 'a', '/', '#', 0, 1, '+'),
                   12);
  assert_int_equal(m.cmd, MG_MQTT_CMD_UNSUBSCRIBE);
  assert_int_equal(m.message_id, 5);
  assert_int_equal(m.payload.len, 8);
  pos = mg_mqtt_next_unsubscribe_topic(&m, &t, 0);
  assert_true(str_eq(t, "a/#"));
  pos = mg_mqtt_next_unsubscribe_topic(&m, &t, pos);
  assert_true(str_eq(t, "+"));
  assert_int_equal(mg_mqtt_next_unsubscribe_topic(&m, &t, pos), -1);
  assert_int_equal(PARSE(&m, 0xa2, 2, 0, 1), -1);  // No filter
  assert_int_equal(PARSE(&m, 0xa2, 4, 0, 1, 0, 0), -1);
  assert_int_equal(PARSE(&m, 0xa2, 5, 0, 1, 0, 2, 'a'), -1);  // Truncated
  assert_int_equal(PARSE(&m, 0xa2, 6, 0, 1, 0, 2, '#', '#'), -1);
  assert_int_equal(PARSE(&m, 0xa2, 6, 0, 1, 0, 1, 'a', 0), -1);  // Leftover
}

static void test_mqtt_parse_suback(void **s) {
  struct mg_mqtt_message m;
  (void) s;
  assert_int_equal(PARSE(&m, 0x90, 6, 0, 9, 0, 1, 2, 0x80), 8);
  assert_int_equal(m.cmd, MG_MQTT_CMD_SUBACK);
  assert_int_equal(m.message_id, 9);
  assert_int_equal(m.payload.len, 4);
  assert_memory_equal(m.payload.p, "\x00\x01\x02\x80", 4);
  assert_int_equal(PARSE(&m, 0x90, 2, 0, 9), -1);  // No code
  assert_int_equal(PARSE(&m, 0x90, 3, 0, 9, 3), -1);
  assert_int_equal(PARSE(&m, 0x90, 3, 0, 9, 0x81), -1);
  assert_int_equal(PARSE(&m, 0x90, 4, 0, 9, 0, 0x40), -1);
  assert_int_equal(PARSE(&m, 0x90, 1, 0), -1);
}

// ---- UTF-8, filters, topics -------------------------------------------------

static void test_mqtt_utf8_rules(void **s) {
  static const struct {
    const char *s;
    size_t len;
    int ok;
  } t[] = {
      {"", 0, 1},
      {"abc", 3, 1},
      {"\x7f", 1, 1},
      {"\xc2\x80", 2, 1},          // U+0080
      {"\xdf\xbf", 2, 1},          // U+07FF
      {"\xe0\xa0\x80", 3, 1},      // U+0800
      {"\xed\x9f\xbf", 3, 1},      // U+D7FF
      {"\xee\x80\x80", 3, 1},      // U+E000
      {"\xef\xbf\xbf", 3, 1},      // U+FFFF
      {"\xf0\x90\x80\x80", 4, 1},  // U+10000
      {"\xf4\x8f\xbf\xbf", 4, 1},  // U+10FFFF
      {"a\0b", 3, 0},              // U+0000
      {"\xc0\x80", 2, 0},          // Overlong U+0000
      {"\xc1\xbf", 2, 0},          // Overlong
      {"\xe0\x9f\xbf", 3, 0},      // Overlong U+07FF
      {"\xf0\x8f\xbf\xbf", 4, 0},  // Overlong U+FFFF
      {"\xed\xa0\x80", 3, 0},      // U+D800
      {"\xed\xbf\xbf", 3, 0},      // U+DFFF
      {"\xf4\x90\x80\x80", 4, 0},  // U+110000
      {"\xf5\x80\x80\x80", 4, 0},
      {"\xff", 1, 0},
      {"\x80", 1, 0},  // Lone continuation
      {"\xc3", 1, 0},  // Truncated
      {"\xe2\x82", 2, 0},
      {"\xf0\x90\x80", 3, 0},
      {"\xc3\x28", 2, 0},  // Bad continuation
      {"\xe2\x28\xa1", 3, 0},
      {"\xf0\x90\x28\xbc", 4, 0},
  };
  size_t i;
  (void) s;
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    if (mg_mqtt_utf8_ok(mg_mk_str_n(t[i].s, t[i].len)) != t[i].ok) {
      fail_msg("row %d", (int) i);
    }
  }
}

static void test_mqtt_valid_filter_and_topic(void **s) {
  static const struct {
    const char *s;
    int filter, topic;
  } t[] = {
      {"a", 1, 1},      {"a/b/c", 1, 1}, {"/", 1, 1},       {"a//b", 1, 1},
      {"$SYS/x", 1, 1}, {"#", 1, 0},     {"+", 1, 0},       {"a/#", 1, 0},
      {"+/+", 1, 0},    {"+/a/#", 1, 0}, {"/#", 1, 0},      {"a/+/b", 1, 0},
      {"", 0, 0},       {"a#", 0, 0},    {"#/a", 0, 0},     {"a/#/", 0, 0},
      {"##", 0, 0},     {"a+", 0, 0},    {"+a", 0, 0},      {"a/+b/c", 0, 0},
      {"a/b+", 0, 0},   {"++", 0, 0},    {"\xc3\x28", 0, 0}};
  size_t i;
  (void) s;
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    if (mg_mqtt_valid_filter(S(t[i].s)) != t[i].filter ||
        mg_mqtt_valid_topic(S(t[i].s)) != t[i].topic) {
      fail_msg("row %d: %s", (int) i, t[i].s);
    }
  }
}

static void test_mqtt_topic_match_table(void **s) {
  static const struct {
    const char *exp, *topic;
    int match;
  } t[] = {
      {"a", "a", 1},
      {"a", "b", 0},
      {"a", "ab", 0},
      {"ab", "a", 0},
      {"a/b", "a/b", 1},
      {"a/b", "a/b/c", 0},
      {"a/b/c", "a/b", 0},
      {"+", "a", 1},
      {"+", "a/b", 0},
      {"+", "", 1},
      {"+/+", "a/b", 1},
      {"+/+", "/", 1},
      {"+/b", "a/b", 1},
      {"a/+", "a/", 1},
      {"a/+", "a", 0},
      {"a/+", "a/b/c", 0},
      {"a/+/c", "a/b/c", 1},
      {"a/+/c", "a//c", 1},
      {"a/+/c", "a/b/d", 0},
      {"/+", "/a", 1},
      {"/+", "a", 0},
      {"#", "a", 1},
      {"#", "a/b/c", 1},
      {"#", "/", 1},
      {"a/#", "a", 1},
      {"a/#", "a/", 1},
      {"a/#", "a/b", 1},
      {"a/#", "a/b/c", 1},
      {"a/#", "ab", 0},
      {"a/#", "b/a", 0},
      {"a/b/#", "a", 0},
      {"a/+/#", "a/b", 1},
      {"a/+/#", "a/b/c/d", 1},
      {"+/#", "a", 1},
      {"/#", "/a", 1},
      {"/#", "a", 0},
      {"#", "$SYS", 0},
      {"#", "$SYS/x", 0},
      {"+", "$SYS", 0},
      {"+/x", "$SYS/x", 0},
      {"$SYS/#", "$SYS/x", 1},
      {"$SYS/#", "$SYS", 1},
      {"$SYS/+", "$SYS/x", 1},
      {"$SYS", "$SYS", 1},
      {"a/$x", "a/$x", 1},
      {"+/$x", "a/$x", 1},
      {"#", "a/$x", 1},
      {"sport/tennis/+", "sport/tennis/player1", 1},
      {"sport/tennis/+", "sport/tennis/player1/ranking", 0},
      {"sport/#", "sport", 1},
      {"sport/+", "sport", 0},
      {"sport/+", "sport/", 1},
  };
  size_t i;
  (void) s;
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    struct mg_str topic = mg_mk_str(t[i].topic);
    if (mg_mqtt_vmatch_topic_expression(t[i].exp, topic) != t[i].match ||
        mg_mqtt_match_topic_expression(S(t[i].exp), topic) != t[i].match) {
      fail_msg("row %d: %s ~ %s", (int) i, t[i].exp, t[i].topic);
    }
  }
}

// ---- Composers --------------------------------------------------------------

static void test_mqtt_compose_connect_defaults_byte_for_byte(void **s) {
  struct mbuf b;
  struct mg_mqtt_message m;
  (void) s;
  mbuf_init(&b, 0);
  assert_int_equal(mg_mqtt_compose_connect(&b, S("c1"), NULL), 0);
  assert_int_equal(b.len, 16);
  assert_memory_equal(
      b.buf,
      B(0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 2, 'c', '1'),
      16);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 16);
  assert_true(str_eq(m.client_id, "c1"));
  assert_int_equal(m.connect_flags, MG_MQTT_CLEAN_SESSION);
  assert_int_equal(m.keep_alive_timer, MG_MQTT_DEFAULT_KEEP_ALIVE);
  mbuf_free(&b);
}

static void test_mqtt_compose_connect_all_options_round_trip(void **s) {
  struct mg_send_mqtt_handshake_opts o;
  struct mbuf b;
  struct mg_mqtt_message m;
  (void) s;
  memset(&o, 0, sizeof(o));
  o.flags = MG_MQTT_WILL_RETAIN;  // Clean session 0
  MG_MQTT_SET_WILL_QOS(o.flags, 2);
  o.keep_alive = 7;
  o.will_topic = "dev/1/status";
  o.will_message = "offline";
  o.user_name = "u";
  o.password = "secret";
  mbuf_init(&b, 0);
  assert_int_equal(mg_mqtt_compose_connect(&b, S("dev1"), &o), 0);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), (int) b.len);
  assert_int_equal(m.connect_flags, MG_MQTT_HAS_WILL | MG_MQTT_WILL_RETAIN |
                                        0x10 | MG_MQTT_HAS_USER_NAME |
                                        MG_MQTT_HAS_PASSWORD);
  assert_int_equal(MG_MQTT_GET_WILL_QOS(m.connect_flags), 2);
  assert_int_equal(m.keep_alive_timer, 7);
  assert_true(str_eq(m.protocol_name, "MQTT"));
  assert_int_equal(m.protocol_version, 4);
  assert_true(str_eq(m.client_id, "dev1"));
  assert_true(str_eq(m.will_topic, "dev/1/status"));
  assert_true(str_eq(m.will_message, "offline"));
  assert_true(str_eq(m.user_name, "u"));
  assert_true(str_eq(m.password, "secret"));
  mbuf_free(&b);
}

static void test_mqtt_compose_connect_will_and_credential_flags(void **s) {
  struct mg_send_mqtt_handshake_opts o;
  struct mbuf b;
  struct mg_mqtt_message m;
  (void) s;
  mbuf_init(&b, 0);
  // Will QoS and retain bits without a will topic are not sent.
  memset(&o, 0, sizeof(o));
  o.flags = MG_MQTT_CLEAN_SESSION | MG_MQTT_WILL_RETAIN | 0x08;
  assert_int_equal(mg_mqtt_compose_connect(&b, S("x"), &o), 0);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 15);
  assert_int_equal(m.connect_flags, MG_MQTT_CLEAN_SESSION);
  // A will with a NULL message: an empty one.
  mbuf_clear(&b);
  o.flags = 0;
  o.will_topic = "w";
  assert_int_equal(mg_mqtt_compose_connect(&b, S(""), &o), 0);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), (int) b.len);
  assert_int_equal(m.connect_flags, MG_MQTT_HAS_WILL);
  assert_true(str_eq(m.will_topic, "w"));
  assert_int_equal(m.will_message.len, 0);
  // A password without a user name: an empty user name goes with it.
  mbuf_clear(&b);
  memset(&o, 0, sizeof(o));
  o.password = "pw";
  assert_int_equal(mg_mqtt_compose_connect(&b, S("x"), &o), 0);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), (int) b.len);
  assert_int_equal(m.connect_flags,
                   MG_MQTT_HAS_USER_NAME | MG_MQTT_HAS_PASSWORD);
  assert_int_equal(m.user_name.len, 0);
  assert_true(str_eq(m.password, "pw"));
  assert_int_equal(m.keep_alive_timer, MG_MQTT_DEFAULT_KEEP_ALIVE);
  mbuf_free(&b);
}

static void test_mqtt_compose_long_strings_refused_nothing_appended(void **s) {
  struct mg_send_mqtt_handshake_opts o;
  struct mg_mqtt_topic_expression te;
  struct mg_str big;
  struct mbuf b;
  char *p = (char *) malloc(65537);
  (void) s;
  assert_non_null(p);
  memset(p, 'a', 65536);
  p[65536] = '\0';
  big = mg_mk_str_n(p, 65536);
  mbuf_init(&b, 0);
  mbuf_append(&b, "x", 1);
  memset(&o, 0, sizeof(o));
  assert_int_equal(mg_mqtt_compose_connect(&b, big, NULL), -1);
  o.user_name = p;
  assert_int_equal(mg_mqtt_compose_connect(&b, S("c"), &o), -1);
  o.user_name = NULL;
  o.will_topic = "w";
  o.will_message = p;
  assert_int_equal(mg_mqtt_compose_connect(&b, S("c"), &o), -1);
  assert_int_equal(mg_mqtt_compose_publish(&b, big, 0, 0, S("")), -1);
  te.topic = p;
  te.qos = 0;
  assert_int_equal(mg_mqtt_compose_subscribe(&b, &te, 1, 1), -1);
  assert_int_equal(mg_mqtt_compose_unsubscribe(&b, &big, 1, 1), -1);
  assert_int_equal(b.len, 1);
  // 65535 is the limit, and fits.
  big.len = 65535;
  assert_int_equal(mg_mqtt_compose_publish(&b, big, 0, 0, S("")), 0);
  assert_int_equal(b.len, 1 + 4 + 2 + 65535);
  mbuf_free(&b);
  free(p);
}

static void test_mqtt_compose_publish_round_trip_and_large_payload(void **s) {
  static const size_t sizes[] = {0, 1, 100, 122, 123, 16000, 2100000};
  struct mbuf b;
  struct mg_mqtt_message m;
  size_t i;
  char *pl = (char *) malloc(2100000);
  (void) s;
  assert_non_null(pl);
  for (i = 0; i < 2100000; i++) pl[i] = (char) (i * 7);
  mbuf_init(&b, 0);
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    int flags = MG_MQTT_QOS((int) (i % 3)) | (i & 1 ? MG_MQTT_RETAIN : 0);
    mbuf_clear(&b);
    assert_int_equal(mg_mqtt_compose_publish(&b, S("t/x"), 0x4321, flags,
                                             mg_mk_str_n(pl, sizes[i])),
                     0);
    assert_int_equal(mg_mqtt_parse((unsigned char *) b.buf, b.len, &m),
                     (int) b.len);
    assert_int_equal(mg_mqtt_parse((unsigned char *) b.buf, b.len - 1, &m), 0);
    assert_int_equal(mg_mqtt_parse((unsigned char *) b.buf, b.len, &m),
                     (int) b.len);
    assert_int_equal(m.flags, flags);
    assert_int_equal(m.qos, (int) (i % 3));
    assert_int_equal(m.message_id, i % 3 ? 0x4321 : 0);
    assert_true(str_eq(m.topic, "t/x"));
    assert_int_equal(m.payload.len, sizes[i]);
    assert_true(sizes[i] == 0 || memcmp(m.payload.p, pl, sizes[i]) == 0);
  }
  mbuf_free(&b);
  free(pl);
}

static void test_mqtt_compose_publish_byte_for_byte(void **s) {
  struct mbuf b;
  (void) s;
  mbuf_init(&b, 0);
  assert_int_equal(mg_mqtt_compose_publish(
                       &b, S("a/b"), 10, MG_MQTT_QOS(1) | MG_MQTT_DUP, S("hi")),
                   0);
  assert_int_equal(b.len, 11);
  assert_memory_equal(b.buf, B(0x3a, 9, 0, 3, 'a', '/', 'b', 0, 10, 'h', 'i'),
                      11);
  mbuf_clear(&b);
  // QoS 0: the id is not written.
  assert_int_equal(mg_mqtt_compose_publish(&b, S("a"), 10, 0, S("")), 0);
  assert_int_equal(b.len, 5);
  assert_memory_equal(b.buf, B(0x30, 3, 0, 1, 'a'), 5);
  mbuf_free(&b);
}

static void test_mqtt_compose_id_packets_pubrel_has_0010(void **s) {
  static const int cmds[] = {MG_MQTT_CMD_PUBACK, MG_MQTT_CMD_PUBREC,
                             MG_MQTT_CMD_PUBREL, MG_MQTT_CMD_PUBCOMP,
                             MG_MQTT_CMD_UNSUBACK};
  static const unsigned char b0[] = {0x40, 0x50, 0x62, 0x70, 0xb0};
  struct mbuf b;
  struct mg_mqtt_message m;
  size_t i;
  (void) s;
  mbuf_init(&b, 0);
  for (i = 0; i < 5; i++) {
    mbuf_clear(&b);
    assert_int_equal(mg_mqtt_compose_id(&b, cmds[i], 0xbeef), 0);
    assert_int_equal(b.len, 4);
    assert_int_equal((unsigned char) b.buf[0], b0[i]);
    assert_memory_equal(b.buf + 1, B(2, 0xbe, 0xef), 3);
    assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 4);
    assert_int_equal(m.cmd, cmds[i]);
    assert_int_equal(m.message_id, 0xbeef);
  }
  mbuf_free(&b);
}

static void test_mqtt_compose_subscribe_round_trip(void **s) {
  struct mg_mqtt_topic_expression t[3] = {{"a/+", 0}, {"#", 1}, {"$SYS/x", 2}};
  struct mbuf b;
  struct mg_mqtt_message m;
  struct mg_str topic;
  uint8_t qos;
  int pos = 0, n = 0;
  (void) s;
  mbuf_init(&b, 0);
  assert_int_equal(mg_mqtt_compose_subscribe(&b, t, 3, 77), 0);
  assert_int_equal((unsigned char) b.buf[0], 0x82);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), (int) b.len);
  assert_int_equal(m.message_id, 77);
  while ((pos = mg_mqtt_next_subscribe_topic(&m, &topic, &qos, pos)) > 0) {
    assert_true(str_eq(topic, t[n].topic));
    assert_int_equal(qos, t[n].qos);
    n++;
  }
  assert_int_equal(n, 3);
  mbuf_free(&b);
}

static void test_mqtt_compose_unsubscribe_round_trip(void **s) {
  struct mg_str t[2];
  struct mbuf b;
  struct mg_mqtt_message m;
  struct mg_str topic;
  int pos;
  (void) s;
  t[0] = S("a/b");
  t[1] = S("+/#");
  mbuf_init(&b, 0);
  assert_int_equal(mg_mqtt_compose_unsubscribe(&b, t, 2, 3), 0);
  assert_memory_equal(
      b.buf, B(0xa2, 12, 0, 3, 0, 3, 'a', '/', 'b', 0, 3, '+', '/', '#'), 14);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 14);
  assert_int_equal(m.message_id, 3);
  pos = mg_mqtt_next_unsubscribe_topic(&m, &topic, 0);
  assert_true(str_eq(topic, "a/b"));
  pos = mg_mqtt_next_unsubscribe_topic(&m, &topic, pos);
  assert_true(str_eq(topic, "+/#"));
  assert_int_equal(mg_mqtt_next_unsubscribe_topic(&m, &topic, pos), -1);
  mbuf_free(&b);
}

static void test_mqtt_compose_suback_connack_empty_round_trip(void **s) {
  static const uint8_t codes[] = {0, 1, 2, 0x80};
  static const int empty[] = {MG_MQTT_CMD_PINGREQ, MG_MQTT_CMD_PINGRESP,
                              MG_MQTT_CMD_DISCONNECT};
  struct mbuf b;
  struct mg_mqtt_message m;
  size_t i;
  (void) s;
  mbuf_init(&b, 0);
  assert_int_equal(mg_mqtt_compose_suback(&b, codes, 4, 0x0102), 0);
  assert_memory_equal(b.buf, B(0x90, 6, 1, 2, 0, 1, 2, 0x80), 8);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 8);
  assert_int_equal(m.payload.len, 4);
  mbuf_clear(&b);
  assert_int_equal(mg_mqtt_compose_connack(&b, 1, 0), 0);
  assert_memory_equal(b.buf, B(0x20, 2, 1, 0), 4);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 4);
  assert_int_equal(m.session_present, 1);
  mbuf_clear(&b);
  assert_int_equal(mg_mqtt_compose_connack(&b, 0, 4), 0);
  assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 4);
  assert_int_equal(m.session_present, 0);
  assert_int_equal(m.connack_ret_code, MG_EV_MQTT_CONNACK_BAD_AUTH);
  for (i = 0; i < 3; i++) {
    mbuf_clear(&b);
    assert_int_equal(mg_mqtt_compose_empty(&b, empty[i]), 0);
    assert_int_equal(b.len, 2);
    assert_int_equal((unsigned char) b.buf[0], empty[i] << 4);
    assert_int_equal(b.buf[1], 0);
    assert_int_equal(parse_copy((unsigned char *) b.buf, b.len, &m), 2);
    assert_int_equal(m.cmd, empty[i]);
  }
  mbuf_free(&b);
}

static void test_mqtt_composers_append_after_existing_data(void **s) {
  struct mbuf b;
  struct mg_mqtt_message m;
  size_t off;
  int n;
  (void) s;
  mbuf_init(&b, 0);
  assert_int_equal(mg_mqtt_compose_id(&b, MG_MQTT_CMD_PUBACK, 1), 0);
  assert_int_equal(
      mg_mqtt_compose_publish(&b, S("t"), 2, MG_MQTT_QOS(1), S("p")), 0);
  assert_int_equal(mg_mqtt_compose_empty(&b, MG_MQTT_CMD_PINGREQ), 0);
  for (off = 0, n = 0; off < b.len; n++) {
    int rc = mg_mqtt_parse((unsigned char *) b.buf + off, b.len - off, &m);
    assert_true(rc > 0);
    off += (size_t) rc;
  }
  assert_int_equal(n, 3);
  assert_int_equal(off, b.len);
  mbuf_free(&b);
}

static void test_mqtt_composers_out_of_memory_append_nothing(void **s) {
  static const uint8_t codes[] = {0};
  struct mg_mqtt_topic_expression te = {"a", 0};
  struct mg_str t = MG_MK_STR("a");
  struct mbuf b;
  (void) s;
  mbuf_init(&b, 0);
  mbuf_append(&b, "xyz", 3);
  mbuf_trim(&b);  // No room: the next packet must allocate
  s_fail_realloc = 1;
  assert_int_equal(mg_mqtt_compose_connect(&b, S("c"), NULL), -1);
  assert_int_equal(mg_mqtt_compose_connack(&b, 0, 0), -1);
  assert_int_equal(mg_mqtt_compose_publish(&b, S("t"), 1, 2, S("p")), -1);
  assert_int_equal(mg_mqtt_compose_id(&b, MG_MQTT_CMD_PUBACK, 1), -1);
  assert_int_equal(mg_mqtt_compose_subscribe(&b, &te, 1, 1), -1);
  assert_int_equal(mg_mqtt_compose_unsubscribe(&b, &t, 1, 1), -1);
  assert_int_equal(mg_mqtt_compose_suback(&b, codes, 1, 1), -1);
  assert_int_equal(mg_mqtt_compose_empty(&b, MG_MQTT_CMD_PINGREQ), -1);
  s_fail_realloc = 0;
  assert_int_equal(b.len, 3);
  assert_memory_equal(b.buf, "xyz", 3);
  assert_int_equal(mg_mqtt_compose_empty(&b, MG_MQTT_CMD_PINGREQ), 0);
  assert_int_equal(b.len, 5);
  mbuf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mqtt_header_lengths_1_to_4_bytes_round_trip),
      cmocka_unit_test(test_mqtt_header_fifth_length_byte_malformed_at_fourth),
      cmocka_unit_test(test_mqtt_header_needs_two_bytes),
      cmocka_unit_test(test_mqtt_parse_needs_whole_packet),
      cmocka_unit_test(test_mqtt_parse_non_minimal_length_accepted),
      cmocka_unit_test(test_mqtt_parse_two_packets_in_one_buffer),
      cmocka_unit_test(test_mqtt_parse_types_0_and_15_malformed),
      cmocka_unit_test(test_mqtt_parse_reserved_flags_checked_for_every_type),
      cmocka_unit_test(test_mqtt_parse_pubrel_subscribe_unsubscribe_need_0010),
      cmocka_unit_test(test_mqtt_parse_publish_qos3_malformed),
      cmocka_unit_test(test_mqtt_parse_publish_dup_with_qos0_malformed),
      cmocka_unit_test(test_mqtt_parse_packet_id_0_malformed),
      cmocka_unit_test(test_mqtt_parse_id_packets_need_exactly_two_bytes),
      cmocka_unit_test(test_mqtt_parse_empty_packets_need_length_0),
      cmocka_unit_test(test_mqtt_parse_publish_fields),
      cmocka_unit_test(
          test_mqtt_parse_publish_wildcard_or_empty_topic_malformed),
      cmocka_unit_test(test_mqtt_parse_publish_lengths_checked),
      cmocka_unit_test(test_mqtt_parse_publish_topic_bad_utf8_malformed),
      cmocka_unit_test(test_mqtt_parse_connect_all_fields),
      cmocka_unit_test(test_mqtt_parse_connect_minimal_and_other_protocols),
      cmocka_unit_test(test_mqtt_parse_connect_flag_rules),
      cmocka_unit_test(test_mqtt_parse_connect_password_without_user_malformed),
      cmocka_unit_test(
          test_mqtt_parse_connect_will_bits_without_will_malformed),
      cmocka_unit_test(test_mqtt_parse_connect_will_topic_must_be_topic_name),
      cmocka_unit_test(test_mqtt_parse_connect_lengths_and_leftovers),
      cmocka_unit_test(test_mqtt_parse_connack),
      cmocka_unit_test(test_mqtt_parse_subscribe_and_walk_filters),
      cmocka_unit_test(test_mqtt_walkers_stop_at_truncated_entry),
      cmocka_unit_test(test_mqtt_parse_subscribe_malformed),
      cmocka_unit_test(test_mqtt_parse_unsubscribe),
      cmocka_unit_test(test_mqtt_parse_suback),
      cmocka_unit_test(test_mqtt_utf8_rules),
      cmocka_unit_test(test_mqtt_valid_filter_and_topic),
      cmocka_unit_test(test_mqtt_topic_match_table),
      cmocka_unit_test(test_mqtt_compose_connect_defaults_byte_for_byte),
      cmocka_unit_test(test_mqtt_compose_connect_all_options_round_trip),
      cmocka_unit_test(test_mqtt_compose_connect_will_and_credential_flags),
      cmocka_unit_test(test_mqtt_compose_long_strings_refused_nothing_appended),
      cmocka_unit_test(test_mqtt_compose_publish_round_trip_and_large_payload),
      cmocka_unit_test(test_mqtt_compose_publish_byte_for_byte),
      cmocka_unit_test(test_mqtt_compose_id_packets_pubrel_has_0010),
      cmocka_unit_test(test_mqtt_compose_subscribe_round_trip),
      cmocka_unit_test(test_mqtt_compose_unsubscribe_round_trip),
      cmocka_unit_test(test_mqtt_compose_suback_connack_empty_round_trip),
      cmocka_unit_test(test_mqtt_composers_append_after_existing_data),
      cmocka_unit_test(test_mqtt_composers_out_of_memory_append_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
