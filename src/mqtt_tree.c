// MQTT broker: the subscription tree, its hash table and the retained
// store, for mqtt_broker.c (the types are in mqtt_broker_internal.h). Data
// structures only: no connection and no I/O. The broker delivers: matching
// fills st->targets, and the retained walk hands each message to a
// function of the broker's.
//
// How it is built:
// - The subscription tree: one node per topic level, found by (parent,
//   level) in one hash table for the whole broker. "+" and "#" are levels
//   like any other, and each node also points at its "+" and "#" children.
//   A node holds the subscriptions whose filter ends there and the retained
//   message of the topic that ends there. Matching a topic visits only the
//   nodes whose filter prefix matches it (each at most once), never every
//   session. Nodes with nothing left are freed at once.
// - A client whose filters match a message several times gets it once:
//   every match marks the session with the message's number and keeps the
//   highest granted QoS, and the sessions are collected in a reusable array.
// - The messages the broker keeps (struct brk_msg) are made here, because
//   the retained store keeps them too; mqtt_broker.c sends them.
#include "mqtt_broker_internal.h"

#if MG_ENABLE_MQTT_BROKER

// ---- Messages
// ----------------------------------------------------------------

static struct brk_msg *msg_new(struct brk_state *st, struct mg_str topic,
                               struct mg_str payload, uint8_t qos) {
  struct brk_msg *m;
  st->out.len = 0;
  if (mg_mqtt_compose_publish(&st->out, topic, 1, MG_MQTT_QOS(1), payload) !=
      0) {
    return NULL;
  }
  m = (struct brk_msg *) MG_MALLOC(sizeof(*m) + st->out.len);
  if (m == NULL) return NULL;
  m->pkt = (unsigned char *) (m + 1);
  memcpy(m->pkt, st->out.buf, st->out.len);
  m->refs = 1;
  m->len = st->out.len;
  m->qos = qos;
  m->topic_len = topic.len;
  m->id_off = m->len - payload.len - 2;
  m->topic_off = m->id_off - topic.len;
  return m;
}

void mg_brk_msg_unref(struct brk_msg *m) {
  if (m != NULL && --m->refs == 0) MG_FREE(m);
}

// The shared copy of p, made on first use.
struct brk_msg *mg_brk_pub_msg(struct brk_state *st, struct brk_pub *p) {
  if (p->msg == NULL) p->msg = msg_new(st, p->topic, p->payload, p->qos);
  if (p->msg == NULL) MG_ERROR(("out of memory: message not kept"));
  return p->msg;
}

// ---- The tree
// ----------------------------------------------------------------

uint32_t mg_brk_node_hash(const struct brk_node *parent, struct mg_str lv) {
  uint32_t h = 2166136261u ^ (uint32_t) (((uintptr_t) parent) >> 3);
  size_t i;
  for (i = 0; i < lv.len; i++) {
    h = (h ^ (unsigned char) lv.p[i]) * 16777619u;
  }
  return h;
}

static struct brk_node *node_find(struct brk_state *st, struct brk_node *parent,
                                  struct mg_str lv) {
  struct brk_node *n;
  uint32_t h;
  if (st->num_buckets == 0) return NULL;
  h = mg_brk_node_hash(parent, lv);
  for (n = st->buckets[h & (st->num_buckets - 1)]; n != NULL; n = n->hnext) {
    if (n->h == h && n->parent == parent && n->len == lv.len &&
        memcmp(n->level, lv.p, lv.len) == 0) {
      return n;
    }
  }
  return NULL;
}

// Doubles the hash table. Returns 0, or -1 when there is no table at all.
static int node_grow(struct brk_state *st) {
  size_t i, nb = st->num_buckets == 0 ? 64 : st->num_buckets * 2;
  struct brk_node **b = (struct brk_node **) MG_CALLOC(nb, sizeof(*b));
  if (b == NULL) return st->num_buckets > 0 ? 0 : -1;  // Longer chains
  for (i = 0; i < st->num_buckets; i++) {
    struct brk_node *n = st->buckets[i], *next;
    for (; n != NULL; n = next) {
      next = n->hnext;
      n->hnext = b[n->h & (nb - 1)];
      b[n->h & (nb - 1)] = n;
    }
  }
  MG_FREE(st->buckets);
  st->buckets = b;
  st->num_buckets = nb;
  return 0;
}

// True if the tree may grow by n bytes (MG_MQTT_BROKER_MAX_TREE_BYTES).
static int tree_room(struct brk_state *st, size_t n) {
  if (st->tree_bytes + n <= MG_MQTT_BROKER_MAX_TREE_BYTES) return 1;
  MG_INFO(
      ("subscription tree at MG_MQTT_BROKER_MAX_TREE_BYTES (%lu): not "
       "grown",
       (unsigned long) MG_MQTT_BROKER_MAX_TREE_BYTES));
  return 0;
}

static int level_is(struct mg_str lv, char c) {
  return lv.len == 1 && lv.p[0] == c;
}

// The child lv of parent, made if missing. NULL: out of memory.
static struct brk_node *node_add(struct brk_state *st, struct brk_node *parent,
                                 struct mg_str lv) {
  struct brk_node *n = node_find(st, parent, lv);
  size_t i;
  if (n != NULL) return n;
  if (!tree_room(st, sizeof(*n) + lv.len + 1)) return NULL;
  if (st->num_nodes >= st->num_buckets && node_grow(st) != 0) return NULL;
  n = (struct brk_node *) MG_CALLOC(1, sizeof(*n) + lv.len + 1);
  if (n == NULL) return NULL;
  st->tree_bytes += sizeof(*n) + lv.len + 1;
  n->level = (char *) (n + 1);
  memcpy(n->level, lv.p, lv.len);
  n->len = lv.len;
  n->parent = parent;
  n->h = mg_brk_node_hash(parent, lv);
  i = n->h & (st->num_buckets - 1);
  n->hnext = st->buckets[i];
  st->buckets[i] = n;
  n->next = parent->child;
  if (parent->child != NULL) parent->child->prev = n;
  parent->child = n;
  if (level_is(lv, '+')) parent->plus = n;
  if (level_is(lv, '#')) parent->hash = n;
  st->num_nodes++;
  return n;
}

// Frees n and its ancestors while they hold nothing.
static void node_prune(struct brk_state *st, struct brk_node *n) {
  while (n != NULL && n != &st->root && n->child == NULL && n->num_subs == 0 &&
         n->retained == NULL) {
    struct brk_node *parent = n->parent,
                    **pp = &st->buckets[n->h & (st->num_buckets - 1)];
    while (*pp != n) pp = &(*pp)->hnext;
    *pp = n->hnext;
    if (n->prev != NULL) {
      n->prev->next = n->next;
    } else {
      parent->child = n->next;
    }
    if (n->next != NULL) n->next->prev = n->prev;
    if (parent->plus == n) parent->plus = NULL;
    if (parent->hash == n) parent->hash = NULL;
    st->tree_bytes -= sizeof(*n) + n->len + 1 + n->cap_subs * sizeof(*n->subs);
    MG_FREE(n->subs);
    MG_FREE(n);
    st->num_nodes--;
    n = parent;
  }
}

// Splits the level at *p (up to '/' or end); *p moves past it, *done is
// set when it was the last level.
static struct mg_str level_next(const char **p, const char *end, int *done) {
  const char *s = *p, *b = *p;
  while (s < end && *s != '/') s++;
  *done = s == end;
  *p = s == end ? end : s + 1;
  return mg_mk_str_n(b, (size_t) (s - b));
}

size_t mg_brk_topic_levels(struct mg_str t) {
  size_t i, n = 1;
  for (i = 0; i < t.len; i++) n += t.p[i] == '/';
  return n;
}

// The node of topic or filter t, made (add) or looked up. NULL if missing
// or out of memory (nothing made is left behind).
static struct brk_node *node_path(struct brk_state *st, struct mg_str t,
                                  int add) {
  struct brk_node *n = &st->root, *c;
  const char *p = t.p, *end = t.p + t.len;
  int done = 0;
  while (!done) {
    struct mg_str lv = level_next(&p, end, &done);
    c = add ? node_add(st, n, lv) : node_find(st, n, lv);
    if (c == NULL) {
      if (add) node_prune(st, n);
      return NULL;
    }
    n = c;
  }
  return n;
}

// Frees n's subtree (retained messages included), not n itself.
static void node_free_children(struct brk_node *n) {
  struct brk_node *c, *next;
  for (c = n->child; c != NULL; c = next) {
    next = c->next;
    node_free_children(c);
    mg_brk_msg_unref(c->retained);
    MG_FREE(c->subs);
    MG_FREE(c);
  }
  n->child = n->plus = n->hash = NULL;
}

// ---- Subscriptions and matching
// ----------------------------------------------

static int node_sub_set(struct brk_state *st, struct brk_node *n,
                        struct brk_session *s, uint8_t qos) {
  size_t i;
  for (i = 0; i < n->num_subs; i++) {
    if (n->subs[i].s == s) {
      n->subs[i].qos = qos;
      return 0;
    }
  }
  if (n->num_subs == n->cap_subs) {
    size_t cap = n->cap_subs == 0 ? 4 : n->cap_subs * 2;
    struct brk_sub *subs;
    if (!tree_room(st, (cap - n->cap_subs) * sizeof(*subs))) return -1;
    subs = (struct brk_sub *) MG_REALLOC(n->subs, cap * sizeof(*subs));
    if (subs == NULL) return -1;
    st->tree_bytes += (cap - n->cap_subs) * sizeof(*subs);
    n->subs = subs;
    n->cap_subs = cap;
  }
  n->subs[n->num_subs].s = s;
  n->subs[n->num_subs].qos = qos;
  n->num_subs++;
  return 0;
}

static void node_sub_remove(struct brk_node *n, struct brk_session *s) {
  size_t i;
  for (i = 0; i < n->num_subs; i++) {
    if (n->subs[i].s == s) {
      n->subs[i] = n->subs[--n->num_subs];
      return;
    }
  }
}

// Index of filter f in s's subscriptions (num_subscriptions if absent).
static size_t sess_sub_index(const struct mg_mqtt_session *s, struct mg_str f) {
  size_t i;
  for (i = 0; i < s->num_subscriptions; i++) {
    const char *t = s->subscriptions[i].topic;
    if (strlen(t) == f.len && memcmp(t, f.p, f.len) == 0) break;
  }
  return i;
}

static int sess_sub_reserve(struct brk_session *bs) {
  size_t cap = bs->cap_subscriptions == 0 ? 4 : bs->cap_subscriptions * 2;
  struct mg_mqtt_topic_expression *t;
  if (bs->s.num_subscriptions < bs->cap_subscriptions) return 0;
  t = (struct mg_mqtt_topic_expression *) MG_REALLOC(bs->s.subscriptions,
                                                     cap * sizeof(*t));
  if (t == NULL) return -1;
  bs->s.subscriptions = t;
  bs->cap_subscriptions = cap;
  return 0;
}

// Subscribes bs to filter f (valid) at qos; the same filter again only
// changes its QoS. Returns the SUBACK code.
uint8_t mg_brk_subscribe(struct brk_session *bs, struct mg_str f, uint8_t qos) {
  struct mg_mqtt_session *s = &bs->s;
  size_t i = sess_sub_index(s, f), counted = 0;
  struct mg_str copy = MG_NULL_STR;
  struct brk_node *n;
  if (i == s->num_subscriptions) {
    if (i >= MG_MQTT_BROKER_MAX_SUBSCRIPTIONS ||
        mg_brk_topic_levels(f) > MG_MQTT_BROKER_MAX_TOPIC_LEVELS ||
        !tree_room(bs->st, f.len + 1)) {
      MG_INFO(("%.*s: filter %.*s refused (limits)", (int) bs->client_id.len,
               bs->client_id.p, (int) f.len, f.p));
      return BRK_SUBACK_FAILURE;
    }
    copy = mg_strdup_nul(f);
    if (copy.p == NULL || sess_sub_reserve(bs) != 0) goto fail;
    counted = f.len + 1;  // Counted first: the nodes must fit beside it
    bs->st->tree_bytes += counted;
  }
  if ((n = node_path(bs->st, f, 1)) == NULL) goto fail;
  if (node_sub_set(bs->st, n, bs, qos) != 0) {
    node_prune(bs->st, n);
    goto fail;
  }
  if (copy.p != NULL) s->subscriptions[s->num_subscriptions++].topic = copy.p;
  s->subscriptions[i].qos = qos;
  return qos;
fail:
  MG_ERROR(("out of memory or tree limit: subscription refused"));
  bs->st->tree_bytes -= counted;
  mg_strfree(&copy);
  return BRK_SUBACK_FAILURE;
}

// Removes bs's subscription to filter f, if it has one.
void mg_brk_unsubscribe(struct brk_session *bs, struct mg_str f) {
  struct mg_mqtt_session *s = &bs->s;
  size_t i = sess_sub_index(s, f);
  struct brk_node *n;
  if (i == s->num_subscriptions) return;
  if ((n = node_path(bs->st, f, 0)) != NULL) {
    node_sub_remove(n, bs);
    node_prune(bs->st, n);
  }
  bs->st->tree_bytes -= strlen(s->subscriptions[i].topic) + 1;
  MG_FREE((void *) s->subscriptions[i].topic);
  memmove(&s->subscriptions[i], &s->subscriptions[i + 1],
          (s->num_subscriptions - i - 1) * sizeof(s->subscriptions[0]));
  s->num_subscriptions--;
}

static int targets_reserve(struct brk_state *st) {
  size_t cap = st->cap_targets == 0 ? 16 : st->cap_targets * 2;
  struct brk_session **t;
  if (st->num_targets < st->cap_targets) return 0;
  t = (struct brk_session **) MG_REALLOC(st->targets, cap * sizeof(*t));
  if (t == NULL) return -1;
  st->targets = t;
  st->cap_targets = cap;
  return 0;
}

// Adds the subscribers of n to the targets of the current message.
static void brk_target(struct brk_state *st, const struct brk_node *n) {
  size_t i;
  for (i = 0; i < n->num_subs; i++) {
    struct brk_session *s = n->subs[i].s;
    if (s->mark == st->mark) {
      if (n->subs[i].qos > s->best) s->best = n->subs[i].qos;
    } else if (targets_reserve(st) == 0) {
      s->mark = st->mark;
      s->best = n->subs[i].qos;
      st->targets[st->num_targets++] = s;
    } else {
      st->targets_short = 1;
    }
  }
}

// Collects the subscribers of the filters below n that match the rest of
// the topic, p..end (done: nothing is left). A topic starting with $ is
// not matched by + or # at the first level.
static void brk_match(struct brk_state *st, struct brk_node *n, const char *p,
                      const char *end, int done) {
  struct brk_node *c;
  struct mg_str lv;
  int wild = !(n == &st->root && p < end && *p == '$');
  if (done) {
    brk_target(st, n);
    if (n->hash != NULL) brk_target(st, n->hash);  // "a/#" matches "a"
    return;
  }
  if (wild && n->hash != NULL) brk_target(st, n->hash);
  lv = level_next(&p, end, &done);
  if ((c = node_find(st, n, lv)) != NULL) brk_match(st, c, p, end, done);
  if (wild && n->plus != NULL) brk_match(st, n->plus, p, end, done);
}

// Fills st->targets with the sessions topic goes to, each once, with its
// highest granted QoS in ->best. -1: memory ran out, some are missing.
int mg_brk_collect(struct brk_state *st, struct mg_str topic) {
  st->num_targets = 0;
  st->targets_short = 0;
  if (++st->mark == 0) {  // Wrapped: no session may hold the new number
    struct mg_mqtt_session *s;
    for (s = st->brk->sessions.lh_first; s != NULL; s = s->link.le_next) {
      ((struct brk_session *) s)->mark = 0;  // s is its brk_session
    }
    st->mark = 1;
  }
  brk_match(st, &st->root, topic.p, topic.p + topic.len, 0);
  return st->targets_short ? -1 : 0;
}

// ---- The retained store
// ----------------------------------------------------------

// Stores (or, with an empty payload, deletes) the retained message of p.
void mg_brk_retain(struct brk_state *st, struct brk_pub *p) {
  struct brk_node *n = node_path(st, p->topic, p->payload.len > 0);
  struct brk_msg *m, *old = n == NULL ? NULL : n->retained;
  if (n == NULL || p->payload.len == 0) {
    if (old != NULL) {
      st->num_retained--;
      st->retained_bytes -= old->len;
      n->retained = NULL;
      mg_brk_msg_unref(old);
    }
    if (n != NULL) node_prune(st, n);
    return;
  }
  if ((m = mg_brk_pub_msg(st, p)) == NULL) {
    node_prune(st, n);
    return;
  }
  if ((old == NULL && st->num_retained >= MG_MQTT_BROKER_MAX_RETAINED) ||
      st->retained_bytes - (old == NULL ? 0 : old->len) + m->len >
          MG_MQTT_BROKER_MAX_RETAINED_BYTES) {
    MG_INFO(("retained message of %.*s not stored: %d messages or %d bytes",
             (int) p->topic.len, p->topic.p, (int) MG_MQTT_BROKER_MAX_RETAINED,
             (int) MG_MQTT_BROKER_MAX_RETAINED_BYTES));
    node_prune(st, n);
    return;
  }
  if (old != NULL) {
    st->retained_bytes -= old->len;
    mg_brk_msg_unref(old);
  } else {
    st->num_retained++;
  }
  m->refs++;
  n->retained = m;
  st->retained_bytes += m->len;
}

// ---- Finding retained messages
// ---------------------------------------------

// A walk for the retained messages that match a filter.
struct brk_walk {
  struct brk_session *bs;     // Whom they go to
  uint8_t qos;                // Granted to the filter
  brk_retained_handler_t fn;  // Gets each of them
};

static void walk_subtree(const struct brk_walk *w, struct brk_node *n) {
  struct brk_node *c;
  int root = n == &w->bs->st->root;
  if (n->retained != NULL) w->fn(w->bs, n->retained, w->qos);
  for (c = n->child; c != NULL; c = c->next) {
    if (!root || c->len == 0 || c->level[0] != '$') walk_subtree(w, c);
  }
}

// Visits the retained messages whose topics match the rest of a filter,
// p..end, below n.
static void walk_filter(const struct brk_walk *w, struct brk_node *n,
                        const char *p, const char *end, int done) {
  struct brk_node *c;
  struct mg_str lv;
  int root = n == &w->bs->st->root;
  if (done) {
    if (n->retained != NULL) w->fn(w->bs, n->retained, w->qos);
    return;
  }
  lv = level_next(&p, end, &done);
  if (level_is(lv, '#')) {
    walk_subtree(w, n);  // n itself too: "a/#" matches "a"
  } else if (level_is(lv, '+')) {
    for (c = n->child; c != NULL; c = c->next) {
      if (root && c->len > 0 && c->level[0] == '$') continue;
      walk_filter(w, c, p, end, done);
    }
  } else if ((c = node_find(w->bs->st, n, lv)) != NULL) {
    walk_filter(w, c, p, end, done);
  }
}

void mg_brk_walk_retained(struct brk_session *bs, struct mg_str f, uint8_t qos,
                          brk_retained_handler_t fn) {
  struct brk_walk w;
  w.bs = bs;
  w.qos = qos;
  w.fn = fn;
  walk_filter(&w, &bs->st->root, f.p, f.p + f.len, 0);
}

void mg_brk_tree_free(struct brk_state *st) {
  node_free_children(&st->root);
  MG_FREE(st->buckets);
  MG_FREE(st->targets);
}

#endif  // MG_ENABLE_MQTT_BROKER
