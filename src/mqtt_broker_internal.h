// Internal to the MQTT broker, shared by its two modules: mqtt_tree.c (the
// subscription tree, its hash table, the retained store) and mqtt_broker.c
// (sessions, connection events, delivery). The broker's types and the
// tree's functions; not public API. This header goes into mongoose.c only,
// never into mongoose.h.
#pragma once
#include "mqtt_broker.h"
#include "mqtt_internal.h"

#if MG_ENABLE_MQTT_BROKER

#define BRK_SUBACK_FAILURE 0x80

// A message kept by the broker (in flight, queued, retained): one PUBLISH
// packet in its QoS 1/2 form, shared by reference count.
struct brk_msg {
  size_t refs;
  size_t len;          // Bytes of pkt
  size_t topic_off;    // Topic name in pkt
  size_t topic_len;    // Its length
  size_t id_off;       // Packet id in pkt; the payload follows it
  uint8_t qos;         // As published
  unsigned char *pkt;  // Follows the struct in the same block
};

struct brk_session;

// A subscription at the node where its filter ends.
struct brk_sub {
  struct brk_session *s;
  uint8_t qos;  // Granted
};

// A level of the tree.
struct brk_node {
  struct brk_node *parent;
  struct brk_node *hnext;                // Chain in the hash table
  struct brk_node *child, *next, *prev;  // First child; siblings
  struct brk_node *plus, *hash;          // The "+" and "#" children
  struct brk_sub *subs;                  // Filters ending here
  size_t num_subs, cap_subs;
  struct brk_msg *retained;  // Of the topic ending here
  uint32_t h;                // Hash of (parent, level)
  size_t len;                // Length of level
  char *level;               // Follows the struct in the same block
};

// An outgoing QoS 1/2 message waiting for its acknowledgement.
struct brk_flight {
  struct brk_msg *msg;  // NULL once PUBREC came (PUBREL was sent)
  uint16_t id;
  uint8_t qos;
  uint8_t retain;
};

// A queued message (session queue).
struct brk_qent {
  struct brk_msg *msg;
  uint8_t qos;
  uint8_t retain;
};

struct brk_state;

struct brk_session {
  struct mg_mqtt_session s;  // First: a session is a struct brk_session
  struct brk_state *st;
  struct mg_str client_id;     // Owned; empty ids are never looked up
  struct brk_session *idnext;  // Chain in the client id table
  uint32_t idh;                // Hash of client_id
  int clean;                   // Clean session of its last CONNECT
  size_t cap_subscriptions;
  // The will of the current connection.
  int has_will;
  struct mg_str will_topic, will_payload;
  uint8_t will_qos, will_retain;
  // Outgoing QoS 1/2, in the order they were sent.
  struct brk_flight flight[MG_MQTT_BROKER_MAX_INFLIGHT];
  size_t num_flight;
  uint16_t last_id;
  // The queue: a ring of q_cap entries.
  struct brk_qent *q;
  size_t q_cap, q_head, q_len, q_bytes;
  // Delivery of the current message.
  uint32_t mark;
  uint8_t best;
  unsigned long dropped_qos0, dropped_queue;
  double last_drop_log;
  double offline_since;
};

struct brk_state {
  struct mg_mqtt_broker *brk;
  struct brk_node root;
  struct brk_node **buckets;
  size_t num_buckets, num_nodes;
  size_t tree_bytes;  // Nodes, subscription entries, filter copies
  size_t num_sessions, num_online;
  struct brk_session **ids;  // Sessions with a client id, by its hash
  size_t num_ids, num_id_buckets;
  size_t num_retained, retained_bytes;
  size_t held_bytes;             // Of messages queued or in flight
  uint32_t mark;                 // Number of the message being matched
  struct brk_session **targets;  // Sessions it goes to
  size_t num_targets, cap_targets;
  int targets_short;  // Collecting ran out of memory
  struct mbuf out;    // A packet being composed
  struct mbuf pkt0;   // The QoS 0 form of the message being delivered
  struct mbuf codes;  // SUBACK codes
};

// A message being delivered.
struct brk_pub {
  struct mg_str topic, payload;
  uint8_t qos;          // As published
  uint8_t retain;       // RETAIN of this delivery
  struct brk_msg *msg;  // The shared copy, made when first needed (a ref)
  int have_pkt0;        // st->pkt0 holds the QoS 0 packet
};

// Gets each retained message a filter matches (mg_brk_walk_retained()),
// with the QoS granted to the filter.
typedef void (*brk_retained_handler_t)(struct brk_session *bs,
                                       struct brk_msg *m, uint8_t granted);

// ---- Messages (mqtt_tree.c)

// Drops a reference to m (NULL: nothing); the last one frees it.
void mg_brk_msg_unref(struct brk_msg *m);
// The shared copy of p (p->msg), made on first use. NULL: out of memory
// (logged).
struct brk_msg *mg_brk_pub_msg(struct brk_state *st, struct brk_pub *p);

// ---- The tree (mqtt_tree.c)

// The hash of level lv under parent (FNV-1a); the client id table uses it
// with parent NULL.
uint32_t mg_brk_node_hash(const struct brk_node *parent, struct mg_str lv);
// The number of levels of topic or filter t ("" and "a" have one).
size_t mg_brk_topic_levels(struct mg_str t);
// Subscribes bs to filter f (valid) at qos; the same filter again only
// changes its QoS. Returns the SUBACK code: qos, or BRK_SUBACK_FAILURE
// when a limit or the memory refuses it (nothing is left behind).
uint8_t mg_brk_subscribe(struct brk_session *bs, struct mg_str f, uint8_t qos);
// Removes bs's subscription to filter f, if it has one.
void mg_brk_unsubscribe(struct brk_session *bs, struct mg_str f);
// Fills st->targets with the sessions topic goes to, each once, with its
// highest granted QoS in ->best. Returns -1 if memory ran out and some
// are missing (the message must then go to none of them).
int mg_brk_collect(struct brk_state *st, struct mg_str topic);
// Frees the tree (retained messages included) and the targets array.
void mg_brk_tree_free(struct brk_state *st);

// ---- The retained store (mqtt_tree.c)

// Stores (or, with an empty payload, deletes) the retained message of p,
// within MG_MQTT_BROKER_MAX_RETAINED and MG_MQTT_BROKER_MAX_RETAINED_BYTES.
void mg_brk_retain(struct brk_state *st, struct brk_pub *p);
// Calls fn for each retained message whose topic matches filter f (valid),
// with bs and qos. Topics starting with $ do not match a filter starting
// with + or #.
void mg_brk_walk_retained(struct brk_session *bs, struct mg_str f, uint8_t qos,
                          brk_retained_handler_t fn);

#endif  // MG_ENABLE_MQTT_BROKER
