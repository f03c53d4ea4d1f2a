// Multithreaded RESTful server: long, blocking requests run in threads of
// their own, so the poll loop keeps serving everyone else meanwhile.
//
// Each request to /api/v1/... starts a thread (mg_start_thread) with a copy
// of what it needs; the thread does the slow work (simulated: it sleeps)
// and hands its JSON answer back to the poll loop with mg_broadcast(). The
// broadcast callback runs in the poll thread for every connection, and the
// connection whose id matches sends the answer. Only the poll thread
// touches connections; a connection that closed first just drops its
// answer.
//
// The design: 6.x once had mg_enable_multithreading(), a thread and a
// manager per connection, but the 6.x API lost it before 6.18 (and it is
// not part of ours). What remains is what its example recommended: a
// thread per request, results back through mg_broadcast(). A pool of
// threads fed by a queue is examples/multithreaded.
//
//   make examples/multithreaded_restful_server/multithreaded_restful_server
//   examples/multithreaded_restful_server/multithreaded_restful_server
//   curl 'http://127.0.0.1:8000/api/v1/anything?ms=3000' &
//   curl http://127.0.0.1:8000/api/v1/stats     (answers at once:
//                                                {"threads": 1, ...})
//
//   GET /api/v1/stats   -> {"threads": RUNNING, "served": ANSWERED}, at once
//   GET /api/v1/PATH    -> after ?ms=N ms (default 1000, at most 10000):
//                          {"uri": "/api/v1/PATH", "slept_ms": N,
//                           "threads": RUNNING_WHEN_IT_STARTED}
//   more than 16 requests at work -> 503; other methods -> 405;
//   other paths -> 404 (all with a JSON body)
//
// Usage: multithreaded_restful_server [-p [ADDR:]PORT]
//   -p  listening address, default 8000 (every interface)
#include "mongoose.h"

#define MAX_THREADS 16
#define DEFAULT_MS 1000
#define MAX_MS 10000
#define API_PREFIX "/api/v1/"

struct job {  // Poll thread -> a request's thread (heap, the thread frees it)
  struct mg_mgr *mgr;
  unsigned long conn_id;
  int ms;
  int threads;    // Threads at work when this one started, itself included
  char uri[256];  // JSON-escaped
};

struct answer {  // A request's thread -> poll loop, through mg_broadcast()
  unsigned long conn_id;
  char json[400];
};

static volatile sig_atomic_t s_signal = 0;
static unsigned long s_next_conn_id = 0;  // Poll thread only
static unsigned long s_served = 0;        // Poll thread only
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_threads = 0;   // Guarded by s_lock: request threads alive
static int s_stopping = 0;  // Guarded by s_lock: threads must give up

static void on_signal(int sig) {
  s_signal = sig;
}

// Copies n bytes of src into dst (len > 7) as the inside of a JSON string.
// Stops early rather than overflow; dst is always NUL-terminated.
static void json_escape(const char *src, size_t n, char *dst, size_t len) {
  size_t i, j = 0;
  for (i = 0; i < n && j + 7 < len; i++) {  // Room for "\u00XX" and NUL
    unsigned char c = (unsigned char) src[i];
    if (c < 0x20) {
      j += (size_t) snprintf(dst + j, len - j, "\\u%04x", c);
    } else {
      if (c == '"' || c == '\\') dst[j++] = '\\';
      dst[j++] = (char) c;
    }
  }
  dst[j] = '\0';
}

static void send_json(struct mg_connection *nc, int status, const char *json) {
  mg_send_head(nc, status, (int64_t) strlen(json),
               "Content-Type: application/json");
  mg_printf(nc, "%s", json);
  s_served++;
}

// The broadcast callback: runs in the poll thread once per connection.
static void on_answer(struct mg_connection *nc, int ev, void *ev_data) {
  const struct answer *a = (const struct answer *) ev_data;
  (void) ev;
  if ((unsigned long) (uintptr_t) nc->user_data == a->conn_id) {
    send_json(nc, 200, a->json);
  }
}

static int is_stopping(void) {
  int stopping;
  pthread_mutex_lock(&s_lock);
  stopping = s_stopping;
  pthread_mutex_unlock(&s_lock);
  return stopping;
}

// The slow work, 10 ms at a time so that a stop is noticed. Returns 0 if
// stopped.
static int do_work(int ms) {
  struct timespec ts = {0, 10 * 1000000L};
  for (; ms > 0; ms -= 10) {
    if (is_stopping()) return 0;
    nanosleep(&ts, NULL);
  }
  return 1;
}

static void *request_thread(void *param) {
  struct job *job = (struct job *) param;
  struct answer a;
  sigset_t set;
  sigemptyset(&set);  // Signals go to the poll thread
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  if (do_work(job->ms)) {
    a.conn_id = job->conn_id;
    snprintf(a.json, sizeof(a.json),
             "{\"uri\": \"%s\", \"slept_ms\": %d, \"threads\": %d}\n", job->uri,
             job->ms, job->threads);
    // Only the bytes in use travel (and no uninitialised ones).
    mg_broadcast(job->mgr, on_answer, &a,
                 offsetof(struct answer, json) + strlen(a.json) + 1);
  }
  free(job);
  pthread_mutex_lock(&s_lock);
  s_threads--;
  pthread_mutex_unlock(&s_lock);
  return NULL;
}

// Starts a thread for job. Returns 0 if too many run already (or at stop).
static int start_job(struct job *job) {
  int ok;
  pthread_mutex_lock(&s_lock);
  ok = s_threads < MAX_THREADS && !s_stopping;
  if (ok) job->threads = ++s_threads;
  pthread_mutex_unlock(&s_lock);
  if (ok && mg_start_thread(request_thread, job) == NULL) {
    pthread_mutex_lock(&s_lock);
    s_threads--;
    pthread_mutex_unlock(&s_lock);
    ok = 0;
  }
  return ok;
}

// Reads ?ms=N. Returns it, or -1 if it is not 0 to MAX_MS.
static int read_ms(struct http_message *hm) {
  char buf[16], *end;
  long ms;
  if (mg_get_http_var(&hm->query_string, "ms", buf, sizeof(buf)) == 0) {
    return DEFAULT_MS;
  }
  ms = strtol(buf, &end, 10);
  return end == buf || *end != '\0' || ms < 0 || ms > MAX_MS ? -1 : (int) ms;
}

static void handle_slow(struct mg_connection *nc, struct http_message *hm) {
  struct job *job;
  int ms = read_ms(hm);
  if (ms < 0) {
    send_json(nc, 400, "{\"error\": \"ms must be 0 to 10000\"}\n");
    return;
  }
  if ((job = (struct job *) calloc(1, sizeof(*job))) == NULL) {
    send_json(nc, 500, "{\"error\": \"out of memory\"}\n");
    return;
  }
  job->mgr = nc->mgr;
  job->conn_id = (unsigned long) (uintptr_t) nc->user_data;
  job->ms = ms;
  json_escape(hm->uri.p, hm->uri.len, job->uri, sizeof(job->uri));
  if (!start_job(job)) {
    free(job);
    send_json(nc, 503, "{\"error\": \"too many requests at work\"}\n");
  }
  // Otherwise the thread's answer comes later, through on_answer().
}

static void handle_stats(struct mg_connection *nc) {
  char json[96];
  int threads;
  pthread_mutex_lock(&s_lock);
  threads = s_threads;
  pthread_mutex_unlock(&s_lock);
  snprintf(json, sizeof(json), "{\"threads\": %d, \"served\": %lu}\n", threads,
           s_served);
  send_json(nc, 200, json);
}

static void handle_request(struct mg_connection *nc, struct http_message *hm) {
  struct mg_str prefix = mg_mk_str(API_PREFIX);
  if (!mg_str_starts_with(hm->uri, prefix)) {
    send_json(nc, 404, "{\"error\": \"not found\"}\n");
  } else if (mg_vcmp(&hm->method, "GET") != 0) {
    send_json(nc, 405, "{\"error\": \"use GET\"}\n");
  } else if (mg_vcmp(&hm->uri, API_PREFIX "stats") == 0) {
    handle_stats(nc);
  } else {
    handle_slow(nc, hm);
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_ACCEPT) {
    nc->user_data = (void *) (uintptr_t) ++s_next_conn_id;
  } else if (ev == MG_EV_HTTP_REQUEST) {
    handle_request(nc, (struct http_message *) ev_data);
  }
}

// Tells the request threads to give up and waits (at most 5 s) until they
// have, serving broadcasts meanwhile.
static void stop_threads(struct mg_mgr *mgr) {
  double deadline = mg_time() + 5;
  int alive;
  pthread_mutex_lock(&s_lock);
  s_stopping = 1;
  pthread_mutex_unlock(&s_lock);
  do {
    mg_mgr_poll(mgr, 10);
    pthread_mutex_lock(&s_lock);
    alive = s_threads;
    pthread_mutex_unlock(&s_lock);
  } while (alive > 0 && mg_time() < deadline);
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "8000", *err = NULL;

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
  printf("Multithreaded RESTful server on port %s\n", address);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_signal == 0) mg_mgr_poll(&mgr, 1000);
  stop_threads(&mgr);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
