// MQTT 3.1.1 broker: mg_mqtt_broker is the event handler of a listener
// (and of the connections it accepts), as in 6.x:
//   struct mg_mqtt_broker brk;
//   mg_mqtt_broker_init(&brk, NULL);
//   c = mg_bind(&mgr, "1883", mg_mqtt_broker);
//   c->priv_2 = &brk;
//   mg_set_protocol_mqtt(c);
// The broker of a connection is nc->listener->priv_2. Over WebSocket:
// register mg_mqtt_broker as the handler of an HTTP endpoint of a
// listener whose priv_2 is the broker (subprotocol "mqtt", binary frames).
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

void mg_mqtt_broker_init(struct mg_mqtt_broker *brk, void *user_data);
// Frees every session and retained message (an addition to 6.x; call
// after the listener is closed, e.g. after mg_mgr_free()).
void mg_mqtt_broker_free(struct mg_mqtt_broker *brk);
void mg_mqtt_broker(struct mg_connection *brk, int ev,
                    void *data MG_UD_ARG(void *user_data));
// Iterates sessions: NULL first; returns NULL after the last.
struct mg_mqtt_session *mg_mqtt_next(struct mg_mqtt_broker *brk,
                                     struct mg_mqtt_session *s);

#endif  // MG_ENABLE_MQTT_BROKER
