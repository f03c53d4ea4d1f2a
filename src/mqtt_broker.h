// MQTT 3.1.1 broker: mg_mqtt_broker is the event handler of a listener
// (and of the connections it accepts), as in 6.x:
//   struct mg_mqtt_broker brk;
//   mg_mqtt_broker_init(&brk, NULL);
//   c = mg_bind(&mgr, "1883", mg_mqtt_broker);
//   c->priv_2 = &brk;
//   mg_set_protocol_mqtt(c);
//   ... mg_mgr_poll() ...
//   mg_mgr_free(&mgr);
//   mg_mqtt_broker_free(&brk);
// The broker of a connection is nc->listener->priv_2. Over WebSocket:
// register mg_mqtt_broker as the handler of an HTTP endpoint of a
// listener whose priv_2 is the broker (subprotocol "mqtt", binary frames):
//   c = mg_bind(&mgr, "8000", http_handler);
//   c->priv_2 = &brk;
//   mg_set_protocol_http_websocket(c);
//   mg_register_http_endpoint(c, "/mqtt", mg_mqtt_broker);
// Once the WebSocket handshake is done the connection's handler becomes
// mg_mqtt_broker (it then gets every event of the connection, MG_EV_POLL
// for the keep-alive included). A plain HTTP request to the endpoint gets
// 400.
//
// What the broker does:
//  - CONNECT: CONNACK 0 (with session present when a clean session 0
//    client resumes its session). No authentication: every client is
//    accepted. A client id that is already connected takes over: the old
//    connection is closed at once and, because it did not send
//    DISCONNECT, its will is published [MQTT-3.1.4-2, MQTT-3.1.2-8].
//    Clean session 1 discards any old session (and the session ends with
//    the connection); clean session 0 resumes it: its subscriptions stay,
//    unacknowledged QoS 1/2 messages are sent again (PUBLISH with DUP=1
//    and the same packet id, or PUBREL), then the queued messages follow.
//  - PUBLISH: delivered to every matching subscription at min(published,
//    granted) QoS; a client whose filters match several times gets it
//    once, at the highest granted QoS. RETAIN is cleared on delivery to
//    existing subscriptions and set on a retained message sent to a new
//    subscription (after the SUBACK, for each filter of a SUBSCRIBE).
//    Filters starting with + or # do not match topics starting with $.
//  - SUBSCRIBE: one SUBACK code per filter: the QoS asked for, or 0x80
//    when the session holds MG_MQTT_BROKER_MAX_SUBSCRIPTIONS filters
//    already or the filter has more than MG_MQTT_BROKER_MAX_TOPIC_LEVELS
//    levels. The same filter again replaces its QoS. UNSUBSCRIBE always
//    gets UNSUBACK.
//  - Will: published (with its QoS and retain flag) when the connection
//    closes without DISCONNECT: peer close, I/O error, protocol error,
//    keep-alive expiry (1.5 x, the protocol handler), takeover.
//  - A PUBLISH (or will) topic with more than MG_MQTT_BROKER_MAX_TOPIC_LEVELS
//    levels closes the connection (logged).
//
// Bounded memory (every limit is in config.h):
//  - Send queue: while a connection's send buffer holds more than
//    MG_MQTT_BROKER_MAX_SEND_QUEUE bytes, QoS 0 messages to it are
//    dropped (counted; logged at most once a second per session) and QoS
//    1/2 messages go to the session's queue instead.
//  - At most MG_MQTT_BROKER_MAX_INFLIGHT QoS 1/2 messages per session
//    wait for their acknowledgement; more go to the session's queue.
//  - Session queue (a slow online client, or an offline clean session 0
//    client): at most MG_MQTT_BROKER_MAX_QUEUED messages and
//    MG_MQTT_BROKER_MAX_QUEUED_BYTES bytes per session; and at most
//    MG_MQTT_BROKER_MAX_TOTAL_QUEUED_BYTES of messages queued or in flight
//    over all sessions. When full, the new message is dropped for that
//    session (counted, logged at most once a second per session); what is
//    queued is kept and delivered in order. QoS 0 messages are never
//    queued. (A slow online client is not disconnected: with clean
//    session 0 it would find the same full queue on its return.)
//  - Retained: at most MG_MQTT_BROKER_MAX_RETAINED topics and
//    MG_MQTT_BROKER_MAX_RETAINED_BYTES bytes; a retained message that does
//    not fit is delivered but not stored (logged); an empty payload
//    deletes the topic's retained message.
//  - Subscription tree: its nodes, subscription entries and the sessions'
//    copies of their filters take at most MG_MQTT_BROKER_MAX_TREE_BYTES;
//    beyond it a new filter gets 0x80 and a new retained topic is not
//    stored.
//  - Client ids longer than MG_MQTT_BROKER_MAX_CLIENT_ID_LEN get CONNACK 2
//    (identifier rejected). A will is kept per connection (it is at most
//    one packet, MG_MQTT_MAX_PACKET_SIZE, like the receive buffer).
//  - Sessions: at most MG_MQTT_BROKER_MAX_SESSIONS, online and offline.
//    A new client beyond it ends the offline session that has been offline
//    longest (logged); when every session is online it gets CONNACK 3
//    (server unavailable) and is closed.
//  - Message payloads are shared: one copy per message however many
//    sessions hold it (counted in each session's queue bytes all the same).
#pragma once
#include "mqtt.h"

#if MG_ENABLE_MQTT_BROKER

struct mg_mqtt_broker;

// One client's session. Kept after its connection closes when the client
// connected with clean session 0 (nc is then NULL).
struct mg_mqtt_session {
  struct mg_mqtt_broker *brk;  // Its broker
  struct {
    struct mg_mqtt_session *le_next, **le_prev;
  } link;                    // In brk->sessions (the layout of LIST_ENTRY)
  struct mg_connection *nc;  // The client's connection, NULL while offline
  size_t num_subscriptions;  // Entries of subscriptions
  void *user_data;           // For the application
  struct mg_mqtt_topic_expression *subscriptions;  // Its filters
  void *priv;  // The broker's own state of the session
};

struct mg_mqtt_broker {
  struct {
    struct mg_mqtt_session *lh_first;
  } sessions;       // All sessions (the layout of LIST_HEAD)
  void *user_data;  // For the application
  void *priv;       // The broker's own state (subscriptions, retained)
};

// Counters of a session (an addition to 6.x).
struct mg_mqtt_session_stats {
  size_t inflight;              // QoS 1/2 messages waiting for their ack
  size_t queued;                // Messages in the session's queue
  size_t queued_bytes;          // Their bytes
  unsigned long dropped_qos0;   // QoS 0 dropped: send queue over its limit
  unsigned long dropped_queue;  // QoS 1/2 dropped: session queue full
};

// Counters of a broker (an addition to 6.x).
struct mg_mqtt_broker_stats {
  size_t sessions;        // Online and offline
  size_t online;          // Sessions with a connection
  size_t retained;        // Retained messages
  size_t retained_bytes;  // Their bytes
  size_t held_bytes;      // Of messages queued or in flight, all sessions
  size_t nodes;           // Nodes of the subscription and retained tree
  size_t tree_bytes;      // The tree's nodes, subscriptions and filters
};

void mg_mqtt_broker_init(struct mg_mqtt_broker *brk, void *user_data);
// Frees every session and retained message (an addition to 6.x; call
// after the listener is closed, e.g. after mg_mgr_free()). The broker can
// be used again afterwards (as after mg_mqtt_broker_init()).
void mg_mqtt_broker_free(struct mg_mqtt_broker *brk);
void mg_mqtt_broker(struct mg_connection *brk, int ev,
                    void *data MG_UD_ARG(void *user_data));
// Iterates sessions: NULL first; returns NULL after the last.
struct mg_mqtt_session *mg_mqtt_next(struct mg_mqtt_broker *brk,
                                     struct mg_mqtt_session *s);
// Fill *st (additions to 6.x).
void mg_mqtt_session_stats(const struct mg_mqtt_session *s,
                           struct mg_mqtt_session_stats *st);
void mg_mqtt_broker_stats(const struct mg_mqtt_broker *brk,
                          struct mg_mqtt_broker_stats *st);

#endif  // MG_ENABLE_MQTT_BROKER
