#include "core_internal.h"

// mg_broadcast(): messages from any thread to the poll thread through the
// main iface's wakeup channel (the ctl_* vtable entries), and the wait of
// each sender until its message's callbacks have run (6.x semantics).

// A broadcast message as it travels through mgr->ctl: the callback, the
// number its sender waits for (0: nobody waits) and a copy of the data.
struct mg_ctl_msg {
  mg_event_handler_t callback;
  unsigned long seq;
  char message[MG_MAX_BROADCAST_SIZE];
};

// A thread waiting in mg_broadcast() until the poll thread has run the
// callbacks of its message. The waiters are a list of nodes on their
// threads' stacks; a node leaves the list (under the lock) before its
// thread returns, so the poll thread never touches a dead one.
struct mg_bcast_wait {
  struct mg_bcast_wait *next;
  unsigned long seq;
  int done;
};

static pthread_mutex_t s_bcast_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_bcast_cond = PTHREAD_COND_INITIALIZER;
static struct mg_bcast_wait *s_bcast_waits;
static unsigned long s_bcast_seq;
// The manager this thread is polling, if any: a broadcast from inside its
// own poll loop cannot wait for itself.
static pthread_key_t s_poll_key;
static pthread_once_t s_poll_once = PTHREAD_ONCE_INIT;

// The main iface's vtable (it carries the wakeup channel), or NULL while
// the manager has no ifaces.
const struct mg_iface_vtable *mg_mgr_main_vtable(const struct mg_mgr *mgr) {
  return mgr->num_ifaces > 0 ? mgr->ifaces[0]->vtable : NULL;
}

#if MG_ENABLE_BROADCAST
// Opens the wakeup channel for mg_broadcast(), if the main iface has one.
void mg_mgr_open_ctl(struct mg_mgr *m) {
  const struct mg_iface_vtable *vt = mg_mgr_main_vtable(m);
  if (vt != NULL && vt->ctl_open != NULL && !vt->ctl_open(m)) {
    MG_ERROR(("cannot open the broadcast channel"));
  }
}
#else
void mg_mgr_open_ctl(struct mg_mgr *m) {
  (void) m;
}
#endif

static void mg_poll_key_init(void) {
  pthread_key_create(&s_poll_key, NULL);
}

void *mg_mgr_poll_enter(struct mg_mgr *m) {
  void *outer;
  pthread_once(&s_poll_once, mg_poll_key_init);
  outer = pthread_getspecific(s_poll_key);
  pthread_setspecific(s_poll_key, m);
  return outer;
}

void mg_mgr_poll_leave(void *outer) {
  pthread_setspecific(s_poll_key, outer);
}

// Adds w to the waiters under a fresh number (never 0).
static void mg_bcast_enlist(struct mg_bcast_wait *w) {
  pthread_mutex_lock(&s_bcast_lock);
  if (++s_bcast_seq == 0) s_bcast_seq = 1;
  w->seq = s_bcast_seq;
  w->done = 0;
  w->next = s_bcast_waits;
  s_bcast_waits = w;
  pthread_mutex_unlock(&s_bcast_lock);
}

// Takes w off the list. The caller holds the lock.
static void mg_bcast_unlist(struct mg_bcast_wait *w) {
  struct mg_bcast_wait **p;
  for (p = &s_bcast_waits; *p != NULL; p = &(*p)->next) {
    if (*p == w) {
      *p = w->next;
      return;
    }
  }
}

// Waits until the poll thread has delivered w's message, at most
// MG_BROADCAST_TIMEOUT_MS; then takes w off the list.
static void mg_bcast_wait(struct mg_bcast_wait *w) {
  struct timespec deadline;
  int rc = 0;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += MG_BROADCAST_TIMEOUT_MS / 1000;
  deadline.tv_nsec += (long) (MG_BROADCAST_TIMEOUT_MS % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&s_bcast_lock);
  while (!w->done && rc != ETIMEDOUT) {
    rc = pthread_cond_timedwait(&s_bcast_cond, &s_bcast_lock, &deadline);
  }
  mg_bcast_unlist(w);
  pthread_mutex_unlock(&s_bcast_lock);
  if (!w->done) {
    MG_ERROR(
        ("mg_broadcast: not delivered within %d ms (is the poll loop "
         "running?)",
         MG_BROADCAST_TIMEOUT_MS));
  }
}

// The poll thread has run message seq's callbacks: wake its sender.
static void mg_bcast_done(unsigned long seq) {
  struct mg_bcast_wait *w;
  if (seq == 0) return;
  pthread_mutex_lock(&s_bcast_lock);
  for (w = s_bcast_waits; w != NULL; w = w->next) {
    if (w->seq == seq) w->done = 1;
  }
  pthread_cond_broadcast(&s_bcast_cond);
  pthread_mutex_unlock(&s_bcast_lock);
}

void mg_broadcast(struct mg_mgr *mgr, mg_event_handler_t cb, void *data,
                  size_t len) {
  const struct mg_iface_vtable *vt = mg_mgr_main_vtable(mgr);
  struct mg_ctl_msg msg;
  struct mg_bcast_wait w;
  int wait;
  if (vt == NULL || vt->ctl_send == NULL) {
    MG_ERROR(("mg_broadcast: the main iface has no wakeup channel"));
    return;
  }
  if (len > sizeof(msg.message)) {
    MG_ERROR(("mg_broadcast: %lu bytes > MG_MAX_BROADCAST_SIZE, dropped",
              (unsigned long) len));
    return;
  }
  memset(&w, 0, sizeof(w));
  pthread_once(&s_poll_once, mg_poll_key_init);
  wait = pthread_getspecific(s_poll_key) != (void *) mgr;
  memset(&msg, 0, offsetof(struct mg_ctl_msg, message));
  msg.callback = cb;
  if (wait) mg_bcast_enlist(&w);
  msg.seq = wait ? w.seq : 0;
  if (len > 0) memcpy(msg.message, data, len);
  // The iface queues the message whole, or logs why it could not.
  if (!vt->ctl_send(mgr, &msg, offsetof(struct mg_ctl_msg, message) + len)) {
    wait = 0;
    pthread_mutex_lock(&s_bcast_lock);
    mg_bcast_unlist(&w);
    pthread_mutex_unlock(&s_bcast_lock);
  }
  if (wait) mg_bcast_wait(&w);
}

void mg_mgr_handle_ctl(struct mg_mgr *mgr) {
  const struct mg_iface_vtable *vt = mg_mgr_main_vtable(mgr);
  struct mg_ctl_msg msg;
  struct mg_connection *c;
  int i, n;
  if (vt == NULL || vt->ctl_recv == NULL) return;
  // Bounded, so a flood of broadcasts cannot starve socket I/O.
  for (i = 0; i < 256; i++) {
    n = vt->ctl_recv(mgr, &msg, sizeof(msg));
    if (n < (int) offsetof(struct mg_ctl_msg, message)) break;
    for (c = mg_next(mgr, NULL); c != NULL; c = mg_next(mgr, c)) {
      if (msg.callback != NULL)
        mg_call(c, msg.callback, MG_EV_POLL, msg.message);
    }
    mg_bcast_done(msg.seq);
  }
}
