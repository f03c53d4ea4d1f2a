// MQTT 3.1.1 (OASIS standard): the client side and the protocol handler
// that the broker (mqtt_broker.h) runs on too.
//
// mg_set_protocol_mqtt() makes a connection speak MQTT: every packet that
// arrives is parsed (and checked: PROTOCOL_RULES.md) and given to the
// handler as MG_EV_MQTT_<CMD> with a struct mg_mqtt_message *. A malformed
// packet closes the connection (the handler gets MG_EV_CLOSE, no MQTT
// event). The handler keeps getting the core events too.
//
// What the protocol handler does by itself:
//  - acknowledgements: an incoming PUBLISH QoS 1 gets PUBACK, QoS 2 gets
//    PUBREC, PUBREC gets PUBREL, PUBREL gets PUBCOMP, PINGREQ gets
//    PINGRESP, each after the handler has seen the event. A handler that
//    sends the same acknowledgement itself during the event (6.x programs
//    do: mg_mqtt_puback() etc.) sends the only one: nothing is doubled.
//  - QoS 2 exactly once: a PUBLISH QoS 2 whose packet id is still waiting
//    for its PUBREL is acknowledged again but not delivered again.
//  - keep-alive, client side: after mg_send_mqtt_handshake_opt() with a
//    keep_alive of K seconds, a PINGREQ goes out when nothing was sent for
//    K seconds, and the connection closes when no PINGRESP comes within K
//    seconds after it. Server side (accepted connections): the connection
//    closes after 1.5 x K seconds without a packet (K from CONNECT; 0 = no
//    limit).
//  - server side checks of CONNECT (first packet CONNECT, only one CONNECT,
//    protocol "MQTT" level 4 else CONNACK 1 and close, empty client id with
//    clean session 0 gets CONNACK 2 and close).
//  - client side closes: after its DISCONNECT is sent (MQTT-3.14.4-1),
//    after a CONNACK that refuses, on any packet before CONNACK, on a
//    packet a client must not receive (CONNECT, SUBSCRIBE, UNSUBSCRIBE,
//    PINGREQ, DISCONNECT). Server side: after DISCONNECT, on a packet a
//    server must not receive, after MG_MQTT_CONNECT_TIMEOUT seconds
//    without CONNECT. Each close logs its reason.
// mg_send_mqtt_handshake() is 6.x's: clean session 0, keep-alive 60 s.
// Limits: a packet larger than MG_MQTT_MAX_PACKET_SIZE closes the
// connection (checked from the fixed header, before it is buffered); at
// most MG_MQTT_MAX_QOS2_INFLIGHT incoming QoS 2 ids wait for PUBREL at a
// time (one more closes the connection).
//
// MQTT over WebSocket: a connection with MG_F_IS_WEBSOCKET sends every
// packet as one binary frame; incoming frames reach the parser through
// mg_mqtt_ws_event() (packets may be split across frames).
#pragma once
#include "net.h"

#if MG_ENABLE_MQTT

// Packet types (the high nibble of the first byte).
#define MG_MQTT_CMD_CONNECT 1
#define MG_MQTT_CMD_CONNACK 2
#define MG_MQTT_CMD_PUBLISH 3
#define MG_MQTT_CMD_PUBACK 4
#define MG_MQTT_CMD_PUBREC 5
#define MG_MQTT_CMD_PUBREL 6
#define MG_MQTT_CMD_PUBCOMP 7
#define MG_MQTT_CMD_SUBSCRIBE 8
#define MG_MQTT_CMD_SUBACK 9
#define MG_MQTT_CMD_UNSUBSCRIBE 10
#define MG_MQTT_CMD_UNSUBACK 11
#define MG_MQTT_CMD_PINGREQ 12
#define MG_MQTT_CMD_PINGRESP 13
#define MG_MQTT_CMD_DISCONNECT 14

// Events: ev_data is a struct mg_mqtt_message *.
#define MG_MQTT_EVENT_BASE 200
#define MG_EV_MQTT_CONNECT (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_CONNECT)
#define MG_EV_MQTT_CONNACK (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_CONNACK)
#define MG_EV_MQTT_PUBLISH (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_PUBLISH)
#define MG_EV_MQTT_PUBACK (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_PUBACK)
#define MG_EV_MQTT_PUBREC (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_PUBREC)
#define MG_EV_MQTT_PUBREL (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_PUBREL)
#define MG_EV_MQTT_PUBCOMP (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_PUBCOMP)
#define MG_EV_MQTT_SUBSCRIBE (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_SUBSCRIBE)
#define MG_EV_MQTT_SUBACK (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_SUBACK)
#define MG_EV_MQTT_UNSUBSCRIBE (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_UNSUBSCRIBE)
#define MG_EV_MQTT_UNSUBACK (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_UNSUBACK)
#define MG_EV_MQTT_PINGREQ (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_PINGREQ)
#define MG_EV_MQTT_PINGRESP (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_PINGRESP)
#define MG_EV_MQTT_DISCONNECT (MG_MQTT_EVENT_BASE + MG_MQTT_CMD_DISCONNECT)

// CONNACK return codes (connack_ret_code).
#define MG_EV_MQTT_CONNACK_ACCEPTED 0
#define MG_EV_MQTT_CONNACK_UNACCEPTABLE_VERSION 1
#define MG_EV_MQTT_CONNACK_IDENTIFIER_REJECTED 2
#define MG_EV_MQTT_CONNACK_SERVER_UNAVAILABLE 3
#define MG_EV_MQTT_CONNACK_BAD_AUTH 4
#define MG_EV_MQTT_CONNACK_NOT_AUTHORIZED 5

// PUBLISH flags (the low nibble of the first byte).
#define MG_MQTT_RETAIN 0x1
#define MG_MQTT_DUP 0x8
#define MG_MQTT_QOS(qos) ((qos) << 1)
#define MG_MQTT_GET_QOS(flags) (((flags) &0x6) >> 1)
#define MG_MQTT_SET_QOS(flags, qos) (flags) = ((flags) & ~0x6) | ((qos) << 1)

// CONNECT flags (struct mg_send_mqtt_handshake_opts.flags).
#define MG_MQTT_CLEAN_SESSION 0x02
#define MG_MQTT_HAS_WILL 0x04
#define MG_MQTT_WILL_RETAIN 0x20
#define MG_MQTT_HAS_PASSWORD 0x40
#define MG_MQTT_HAS_USER_NAME 0x80
#define MG_MQTT_GET_WILL_QOS(flags) (((flags) &0x18) >> 3)
#define MG_MQTT_SET_WILL_QOS(flags, qos) \
  (flags) = ((flags) & ~0x18) | ((qos) << 3)

// A parsed packet. The mg_str fields point into the receive buffer and
// are valid during the event only.
struct mg_mqtt_message {
  int cmd;                   // MG_MQTT_CMD_*
  int qos;                   // PUBLISH: its QoS
  int len;                   // The whole packet's length in bytes
  struct mg_str topic;       // PUBLISH: the topic name
  struct mg_str payload;     // PUBLISH: the message; SUBSCRIBE, UNSUBSCRIBE,
                             // SUBACK: what follows the packet id
  uint8_t connack_ret_code;  // CONNACK: MG_EV_MQTT_CONNACK_*
  uint16_t message_id;       // Packet id (0 if the packet has none)
  // CONNECT
  uint8_t protocol_version;  // 4 for 3.1.1
  uint8_t connect_flags;     // MG_MQTT_CLEAN_SESSION etc.
  uint16_t keep_alive_timer;
  struct mg_str protocol_name;
  struct mg_str client_id;
  struct mg_str will_topic;
  struct mg_str will_message;
  struct mg_str user_name;
  struct mg_str password;
  // Additions to 6.x: the first byte's low nibble (PUBLISH: DUP, QoS,
  // RETAIN) and CONNACK's session-present bit.
  uint8_t flags;
  uint8_t session_present;
};

// One filter of a SUBSCRIBE, with the QoS asked for.
struct mg_mqtt_topic_expression {
  const char *topic;
  uint8_t qos;
};

// CONNECT options. keep_alive 0 means 60 seconds (as 6.x); the will and
// the credentials are sent when not NULL (the flags are set from them).
struct mg_send_mqtt_handshake_opts {
  unsigned char flags;  // MG_MQTT_CLEAN_SESSION, will QoS and retain
  uint16_t keep_alive;
  const char *will_topic;
  const char *will_message;
  const char *user_name;
  const char *password;
};

// The state that survives a reconnect when a client uses clean session 0
// (opt-in): PUBLISH QoS 1/2 and PUBREL not yet acknowledged by the peer,
// and the incoming QoS 2 ids still waiting for PUBREL. Owned by the
// application, which keeps it across connections: mg_mqtt_set_session()
// on each new connection before the handshake; after CONNACK accepted the
// kept packets are resent with the same ids (PUBLISH with DUP=1), in their
// order. At most MG_MQTT_MAX_SESSION_BYTES of packets are kept; a publish
// that would exceed it is sent but not kept (logged). A CONNECT with clean
// session 1 empties the session; a CONNACK with session-present 0 forgets
// the incoming QoS 2 ids; only packets kept before this connection's
// CONNECT are resent. Call mg_mqtt_set_session() after
// mg_set_protocol_mqtt() (or after the WebSocket handshake).
struct mg_mqtt_client_session {
  struct mbuf pending;                          // Kept packets, each as sent
  uint16_t qos2_in[MG_MQTT_MAX_QOS2_INFLIGHT];  // Incoming ids before PUBREL
  int num_qos2_in;
};

void mg_mqtt_client_session_init(struct mg_mqtt_client_session *s);
void mg_mqtt_client_session_free(struct mg_mqtt_client_session *s);
// Attaches s to nc (NULL detaches); s must outlive nc or be detached.
void mg_mqtt_set_session(struct mg_connection *nc,
                         struct mg_mqtt_client_session *s);

void mg_set_protocol_mqtt(struct mg_connection *nc);
void mg_send_mqtt_handshake(struct mg_connection *nc, const char *client_id);
void mg_send_mqtt_handshake_opt(struct mg_connection *nc, const char *client_id,
                                struct mg_send_mqtt_handshake_opts);
void mg_mqtt_publish(struct mg_connection *nc, const char *topic,
                     uint16_t message_id, int flags, const void *data,
                     size_t len);
void mg_mqtt_subscribe(struct mg_connection *nc,
                       const struct mg_mqtt_topic_expression *topics,
                       size_t topics_len, uint16_t message_id);
void mg_mqtt_unsubscribe(struct mg_connection *nc, char **topics,
                         size_t topics_len, uint16_t message_id);
void mg_mqtt_disconnect(struct mg_connection *nc);
void mg_mqtt_connack(struct mg_connection *nc, uint8_t return_code);
void mg_mqtt_puback(struct mg_connection *nc, uint16_t message_id);
void mg_mqtt_pubrec(struct mg_connection *nc, uint16_t message_id);
void mg_mqtt_pubrel(struct mg_connection *nc, uint16_t message_id);
void mg_mqtt_pubcomp(struct mg_connection *nc, uint16_t message_id);
void mg_mqtt_suback(struct mg_connection *nc, uint8_t *qoss, size_t qoss_len,
                    uint16_t message_id);
void mg_mqtt_unsuback(struct mg_connection *nc, uint16_t message_id);
void mg_mqtt_ping(struct mg_connection *nc);
void mg_mqtt_pong(struct mg_connection *nc);

// Walks the filters of a SUBSCRIBE message: pos 0 first; returns the
// position of the next one, or -1 when there are no more.
int mg_mqtt_next_subscribe_topic(struct mg_mqtt_message *msg,
                                 struct mg_str *topic, uint8_t *qos, int pos);
// The same for UNSUBSCRIBE (an addition to 6.x).
int mg_mqtt_next_unsubscribe_topic(struct mg_mqtt_message *msg,
                                   struct mg_str *topic, int pos);

// 1 if the topic name matches the filter exp (`+`, `#`, `$` rules), else 0.
int mg_mqtt_match_topic_expression(struct mg_str exp, struct mg_str topic);
int mg_mqtt_vmatch_topic_expression(const char *exp, struct mg_str topic);

// MQTT over WebSocket: the handler of a WebSocket connection that carries
// MQTT passes every event it gets here, with the handler that is to get
// the MQTT events (usually itself). MG_EV_WEBSOCKET_HANDSHAKE_DONE sets
// the connection up (its MQTT state is kept in nc->priv_2, and handler
// becomes nc->handler so that it gets MG_EV_POLL for the keep-alive), each
// MG_EV_WEBSOCKET_FRAME's payload goes to the MQTT parser (packets may be
// split across frames, several may share one), MG_EV_POLL runs the
// keep-alive, MG_EV_CLOSE frees the state. Returns 1 if it used the event.
// The broker's WebSocket endpoint does this; a client that connects with
// mg_connect_ws() calls it from its handler.
int mg_mqtt_ws_event(struct mg_connection *nc, int ev, void *ev_data,
                     mg_event_handler_t handler);

#endif  // MG_ENABLE_MQTT
