// Multithreaded: the poll loop never blocks on slow work. The request
// handler only queues a job; a pool of worker threads (mg_start_thread)
// takes jobs from the queue and does the slow part (here: it sleeps), and
// each result comes back into the poll loop through mg_broadcast(). The
// broadcast callback runs in the poll thread for every connection; the one
// whose id matches the job's sends the reply. A connection that closed
// before its result came back is simply not found: the result is dropped.
//
// Each accepted connection gets an id in user_data. The server holds a
// connection's next pipelined request until the pending one is answered,
// so replies keep their order. Only the poll thread touches connections.
//
//   make examples/multithreaded/multithreaded
//   examples/multithreaded/multithreaded
//   curl 'http://127.0.0.1:8000/?ms=2000' &  curl 'http://127.0.0.1:8000/'
//   (the second answer comes first: "conn_id:2 worker:N sleep_ms:100")
//
// Usage: multithreaded [-p [ADDR:]PORT]
//   -p  listening address, default 8000 (every interface)
// Every GET is a job that sleeps ?ms=N milliseconds (default 100, at most
// 10000); other methods get 405, a full queue 503. SIGINT/SIGTERM stop the
// workers (a job in progress is abandoned) and exit.
#include "mongoose.h"

#define NUM_WORKERS 4
#define QUEUE_LEN 64  // Jobs waiting for a worker; more get 503
#define DEFAULT_MS 100
#define MAX_MS 10000

struct work_request {  // Handler -> worker, through the queue
  unsigned long conn_id;
  int ms;
};

struct work_result {  // Worker -> poll loop, through mg_broadcast()
  unsigned long conn_id;
  int worker;
  int ms;
};

struct worker {
  struct mg_mgr *mgr;
  int id;
};

static volatile sig_atomic_t s_signal = 0;
static unsigned long s_next_conn_id = 0;  // Poll thread only

// The job queue, a ring buffer. Everything below is guarded by s_lock.
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_wake = PTHREAD_COND_INITIALIZER;  // A job, or stop
static struct work_request s_queue[QUEUE_LEN];
static size_t s_queue_head, s_queue_len;
static int s_stopping;       // Workers must exit
static int s_workers_alive;  // Workers that have not exited yet

static void on_signal(int sig) {
  s_signal = sig;
}

static int queue_push(const struct work_request *req) {
  int ok;
  pthread_mutex_lock(&s_lock);
  ok = s_queue_len < QUEUE_LEN && !s_stopping;
  if (ok) {
    s_queue[(s_queue_head + s_queue_len++) % QUEUE_LEN] = *req;
    pthread_cond_signal(&s_wake);
  }
  pthread_mutex_unlock(&s_lock);
  return ok;
}

// Waits for a job. Returns 0 when the workers must stop.
static int queue_pop(struct work_request *req) {
  int ok;
  pthread_mutex_lock(&s_lock);
  while (s_queue_len == 0 && !s_stopping) pthread_cond_wait(&s_wake, &s_lock);
  ok = !s_stopping;
  if (ok) {
    *req = s_queue[s_queue_head];
    s_queue_head = (s_queue_head + 1) % QUEUE_LEN;
    s_queue_len--;
  }
  pthread_mutex_unlock(&s_lock);
  return ok;
}

static int is_stopping(void) {
  int stopping;
  pthread_mutex_lock(&s_lock);
  stopping = s_stopping;
  pthread_mutex_unlock(&s_lock);
  return stopping;
}

// The slow work: sleeps ms milliseconds, 10 at a time so that a stop is
// noticed. Returns 0 if stopped.
static int do_work(int ms) {
  struct timespec ts = {0, 10 * 1000000L};
  for (; ms > 0; ms -= 10) {
    if (is_stopping()) return 0;
    nanosleep(&ts, NULL);
  }
  return 1;
}

// The broadcast callback: runs in the poll thread once per connection.
static void on_work_done(struct mg_connection *nc, int ev, void *ev_data) {
  const struct work_result *res = (const struct work_result *) ev_data;
  char body[96];
  int n;
  (void) ev;
  if ((unsigned long) (uintptr_t) nc->user_data != res->conn_id) return;
  n = snprintf(body, sizeof(body), "conn_id:%lu worker:%d sleep_ms:%d\n",
               res->conn_id, res->worker, res->ms);
  mg_send_head(nc, 200, n, "Content-Type: text/plain");
  mg_send(nc, body, n);
}

static void *worker_thread(void *param) {
  struct worker *w = (struct worker *) param;
  struct work_request req;
  struct work_result res;
  sigset_t set;
  // Signals go to the poll thread.
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  while (queue_pop(&req) && do_work(req.ms)) {
    res.conn_id = req.conn_id;
    res.worker = w->id;
    res.ms = req.ms;
    mg_broadcast(w->mgr, on_work_done, &res, sizeof(res));
  }
  pthread_mutex_lock(&s_lock);
  s_workers_alive--;
  pthread_mutex_unlock(&s_lock);
  return NULL;
}

static void handle_request(struct mg_connection *nc, struct http_message *hm) {
  struct work_request req;
  char buf[16], *end;
  long ms = DEFAULT_MS;
  if (mg_vcmp(&hm->method, "GET") != 0) {
    mg_http_send_error(nc, 405, NULL);
    return;
  }
  if (mg_get_http_var(&hm->query_string, "ms", buf, sizeof(buf)) != 0) {
    ms = strtol(buf, &end, 10);
    if (end == buf || *end != '\0' || ms < 0 || ms > MAX_MS) {
      mg_http_send_error(nc, 400, "ms must be 0 to 10000");
      return;
    }
  }
  req.conn_id = (unsigned long) (uintptr_t) nc->user_data;
  req.ms = (int) ms;
  if (!queue_push(&req)) mg_http_send_error(nc, 503, "all workers busy");
  // Otherwise the answer comes later, from on_work_done().
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_ACCEPT) {
    nc->user_data = (void *) (uintptr_t) ++s_next_conn_id;
  } else if (ev == MG_EV_HTTP_REQUEST) {
    handle_request(nc, (struct http_message *) ev_data);
  }
}

// Tells the workers to stop and waits (at most 5 s) until they have,
// serving broadcasts meanwhile so that none can block.
static void stop_workers(struct mg_mgr *mgr) {
  double deadline = mg_time() + 5;
  int alive;
  pthread_mutex_lock(&s_lock);
  s_stopping = 1;
  pthread_cond_broadcast(&s_wake);
  pthread_mutex_unlock(&s_lock);
  do {
    mg_mgr_poll(mgr, 10);
    pthread_mutex_lock(&s_lock);
    alive = s_workers_alive;
    pthread_mutex_unlock(&s_lock);
  } while (alive > 0 && mg_time() < deadline);
}

int main(int argc, char *argv[]) {
  static struct worker workers[NUM_WORKERS];
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "8000", *err = NULL;
  int i;

  if (argc == 3 && strcmp(argv[1], "-p") == 0) {
    address = argv[2];
  } else if (argc != 1) {
    fprintf(stderr, "Usage: %s [-p [ADDR:]PORT]\n", argv[0]);
    return EXIT_FAILURE;
  }
  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  for (i = 0; i < NUM_WORKERS; i++) {
    workers[i].mgr = &mgr;
    workers[i].id = i + 1;
    pthread_mutex_lock(&s_lock);
    s_workers_alive++;
    pthread_mutex_unlock(&s_lock);
    if (mg_start_thread(worker_thread, &workers[i]) == NULL) {
      fprintf(stderr, "Cannot start worker %d\n", i + 1);
      pthread_mutex_lock(&s_lock);
      s_workers_alive--;
      pthread_mutex_unlock(&s_lock);
      s_signal = SIGTERM;
      break;
    }
  }
  printf("Multithreaded server on port %s, %d workers\n", address, i);
  fflush(stdout);

  while (s_signal == 0) mg_mgr_poll(&mgr, 1000);
  stop_workers(&mgr);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
