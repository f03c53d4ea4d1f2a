// Internal to the MQTT modules (mqtt.c codec, mqtt_client.c protocol
// handler, mqtt_tree.c and mqtt_broker.c): the pure codec and the one
// send path.
#pragma once
#include "mqtt.h"

#if MG_ENABLE_MQTT

// Parses the fixed header at buf[0..len): the first byte in *b0, the
// remaining length in *rem_len, the header's own length (2..5) in
// *hdr_len. Returns 1, 0 (need more bytes) or -1 (malformed: the 4th
// remaining-length byte still has its continuation bit set).
int mg_mqtt_parse_header(const unsigned char *buf, size_t len, uint8_t *b0,
                         size_t *rem_len, size_t *hdr_len);

// Parses one whole packet at buf[0..len) into *m (zeroed first; mg_str
// fields point into buf). Returns the bytes consumed (> 0), 0 when more
// bytes are needed, -1 when the packet is malformed: reserved flag bits
// not as the spec says, any length field beyond the packet, bytes left
// over, a string that is not UTF-8 or holds U+0000 or a surrogate, PUBLISH
// QoS 3, a topic name with + or #, packet id 0 where one is required,
// SUBSCRIBE/UNSUBSCRIBE without a filter, a SUBSCRIBE QoS > 2 or reserved
// bits, an invalid filter (# not last or not alone, + not alone in its
// level, empty), CONNECT with a password but no user name, will flags
// without the will flag, will QoS 3, reserved connect bit set.
int mg_mqtt_parse(const unsigned char *buf, size_t len,
                  struct mg_mqtt_message *m);

// 1 if s is well-formed UTF-8 without U+0000 and without surrogates.
int mg_mqtt_utf8_ok(struct mg_str s);
// 1 if s is a valid topic filter / topic name (non-empty, UTF-8 ok,
// wildcard rules; names have no wildcards).
int mg_mqtt_valid_filter(struct mg_str s);
int mg_mqtt_valid_topic(struct mg_str s);

// Writes the fixed header for a packet with first byte b0 and rem_len
// bytes after the header into out (at least 5 bytes); returns its length.
size_t mg_mqtt_encode_header(unsigned char *out, uint8_t b0, size_t rem_len);

// Composers: append one whole packet to out. They do not check their
// input beyond what the encoding needs (lengths <= 65535 for strings,
// the whole packet <= 268,435,455 bytes); they return 0 on success, -1
// (nothing appended) when a string is too long or memory ran out.
int mg_mqtt_compose_connect(struct mbuf *out, struct mg_str client_id,
                            const struct mg_send_mqtt_handshake_opts *o);
int mg_mqtt_compose_connack(struct mbuf *out, int session_present,
                            uint8_t code);
int mg_mqtt_compose_publish(struct mbuf *out, struct mg_str topic, uint16_t id,
                            int flags, struct mg_str payload);
// PUBACK, PUBREC, PUBREL (flags 0010 set here), PUBCOMP, UNSUBACK.
int mg_mqtt_compose_id(struct mbuf *out, int cmd, uint16_t id);
int mg_mqtt_compose_subscribe(struct mbuf *out,
                              const struct mg_mqtt_topic_expression *t,
                              size_t n, uint16_t id);
int mg_mqtt_compose_unsubscribe(struct mbuf *out, const struct mg_str *t,
                                size_t n, uint16_t id);
int mg_mqtt_compose_suback(struct mbuf *out, const uint8_t *codes, size_t n,
                           uint16_t id);
// PINGREQ, PINGRESP, DISCONNECT.
int mg_mqtt_compose_empty(struct mbuf *out, int cmd);

// The one send path of every MQTT packet (mqtt_client.c): the bytes go to
// nc's send buffer, or as one binary WebSocket frame when nc has
// MG_F_IS_WEBSOCKET. Also notes the time for the client keep-alive and
// whether it was an acknowledgement the protocol handler owes.
void mg_mqtt_send(struct mg_connection *nc, const void *pkt, size_t len);

// 1 if nc speaks MQTT (mg_set_protocol_mqtt, or mg_mqtt_ws_event).
int mg_mqtt_is_mqtt(struct mg_connection *nc);

// A pointer-sized slot in nc's MQTT state that belongs to the broker (its
// session of nc), NULL until set; the function returns NULL when nc does
// not speak MQTT. The state (and the slot) goes when nc is freed, after
// the handler's MG_EV_CLOSE.
void **mg_mqtt_broker_slot(struct mg_connection *nc);

// ---- Shared by mqtt_client.c (the protocol handler) and mqtt_send.c (the
// 6.x send functions) -------------------------------------------------------

// Per-connection state: nc->proto_data over TCP, nc->priv_2 over
// WebSocket (HTTP owns proto_data there).
struct mg_mqtt_state {
  const char *tag;             // &s_mqtt_tag
  mg_event_handler_t handler;  // WebSocket: gets the MQTT events
  struct mbuf rbuf;            // WebSocket: a packet split across frames
  struct mg_mqtt_client_session *session;  // Attached session, or NULL
  void *broker_slot;                       // mg_mqtt_broker_slot()
  double created;                          // When the state was made
  double last_send;                        // Client: last packet sent
  double last_recv;                        // Last whole packet received
  double ping_sent;     // Client: PINGREQ waiting for PINGRESP; 0: none
  double close_at;      // Failed: closed by then at the latest; 0: not
  size_t resend_len;    // Session bytes kept before this CONNECT: resent
  uint16_t keep_alive;  // Seconds; 0: none
  uint16_t ack_id;      // Id of the owed ack
  uint16_t qos2_in[MG_MQTT_MAX_QOS2_INFLIGHT];  // Without a session
  int num_qos2_in;
  unsigned char ack_cmd;    // Acknowledgement owed after the event; 0: none
  unsigned char is_server;  // Accepted by a listener
  unsigned char connected;  // Server: CONNECT seen; client: CONNACK seen
  unsigned char handshake_sent;  // Client: our CONNECT went out
};

// nc's MQTT state, or NULL when nc does not speak MQTT.
struct mg_mqtt_state *mg_mqtt_state(struct mg_connection *nc);
// Bookkeeping of a packet just queued on nc (keep-alive clock, the owed
// acknowledgement, the close after a refusing CONNACK).
void mg_mqtt_note_sent(struct mg_connection *nc, const unsigned char *p,
                       size_t len);
// Keeps a PUBLISH QoS 1/2 just composed in nc's attached client session.
void mg_mqtt_session_keep(struct mg_connection *nc, const void *p, size_t len);
// PUBACK, PUBREC, PUBREL, PUBCOMP or UNSUBACK with id; PINGREQ, PINGRESP
// or DISCONNECT. what names the packet in the log.
void mg_mqtt_send_id(struct mg_connection *nc, int cmd, uint16_t id,
                     const char *what);
void mg_mqtt_send_empty(struct mg_connection *nc, int cmd, const char *what);

#endif  // MG_ENABLE_MQTT
