// Connected device, step 3: connected_device_2's web UI (two text
// settings and an LED, a page that shows them, forms that change them)
// plus a sensor: a simulated CPU usage that changes with every reading.
// The page's script (web_root/main.js) fetches it once a second from a JSON
// endpoint. Step 4 (connected_device_4) pushes readings over a WebSocket.
//
//   GET  /      -> the page, written by render_page() with the current
//                  values HTML-escaped
//   POST /save  form body setting1=..&setting2=.. (a field left out keeps
//               its value; more than 99 bytes -> 400) -> 302 to /
//   POST /led   form body state=on|off|toggle -> 302 to /
//   GET  /get_cpu_usage -> {"result": PERCENT, "sample": N}: a random walk
//               in 0..100, N counts the readings
//   other paths -> files from the web root (style.css, main.js)
//
// 6.18's version filled the page in with SSI (<!--#call setting1 -->).
// SSI is not built yet, so the page is written by C code instead: chunked,
// with mg_printf_html_escape() for every value.
//
//   make examples/connected_device_3/connected_device_3
//   examples/connected_device_3/connected_device_3
//   open http://127.0.0.1:8000/          (the reading updates every second)
//   curl http://127.0.0.1:8000/get_cpu_usage
//   curl -d 'setting1=garage' http://127.0.0.1:8000/save
//   curl -d 'state=toggle' http://127.0.0.1:8000/led
//
// Usage: connected_device_3 [-p [ADDR:]PORT] [-d DOCROOT]
//   -p  listening address, default 8000 (every interface)
//   -d  directory with style.css and main.js, default web_root next to the
//       executable
#include "mongoose.h"

#define TEXT_SIZE 100  // A text setting holds at most 99 bytes

struct device_state {
  char setting1[TEXT_SIZE];
  char setting2[TEXT_SIZE];
  int led;  // 1: on
};

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;
static struct device_state s_device = {"value1", "value2", 0};
static int s_cpu_usage = 50;         // Percent, the simulated sensor
static unsigned long s_cpu_samples;  // Readings taken

static void on_signal(int sig) {
  s_stop = sig;
}

static void render_page(struct mg_connection *nc) {
  mg_send_head(nc, 200, -1,
               "Content-Type: text/html; charset=utf-8\r\n"
               "Cache-Control: no-cache");
  mg_printf_http_chunk(nc, "%s",
                       "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                       "<meta charset=\"utf-8\"><title>Device</title>"
                       "<link rel=\"stylesheet\" href=\"/style.css\">"
                       "</head><body><h1>Device</h1>\n"
                       "<form method=\"post\" action=\"/save\">"
                       "<label>Setting 1 <input name=\"setting1\" value=\"");
  mg_printf_html_escape(nc, "%s", s_device.setting1);
  mg_printf_http_chunk(nc, "%s",
                       "\"></label><label>Setting 2 <input name=\"setting2\""
                       " value=\"");
  mg_printf_html_escape(nc, "%s", s_device.setting2);
  mg_printf_http_chunk(
      nc,
      "\"></label><button>Save</button></form>\n"
      "<form method=\"post\" action=\"/led\"><p>LED is <b id=\"led\">%s</b> "
      "<input type=\"hidden\" name=\"state\" value=\"toggle\">"
      "<button>Toggle</button></p></form>\n"
      "<p>CPU usage: <span id=\"cpu_usage\">?</span>%%</p>\n"
      "<script src=\"/main.js\"></script></body></html>\n",
      s_device.led ? "on" : "off");
  mg_send_http_chunk(nc, "", 0);
}

// True if the form body has a field called name, even an empty one
// (mg_get_http_var() returns 0 for both an empty and an absent field).
static int has_field(const struct mg_str *body, const char *name) {
  size_t n = strlen(name);
  const char *p = body->p, *end = body->p + body->len, *amp;
  for (; p < end; p = amp + 1) {
    amp = (const char *) memchr(p, '&', (size_t) (end - p));
    if (amp == NULL) amp = end;
    if ((size_t) (amp - p) >= n && memcmp(p, name, n) == 0 &&
        (p + n == amp || p[n] == '=')) {
      return 1;
    }
  }
  return 0;
}

// Reads a text field into dst. Returns 0 if absent, 1 if read, -1 if too
// long or malformed.
static int read_text(const struct mg_str *body, const char *name, char *dst) {
  if (!has_field(body, name)) return 0;
  return mg_get_http_var(body, name, dst, TEXT_SIZE) < 0 ? -1 : 1;
}

static void handle_save(struct mg_connection *nc, struct http_message *hm) {
  struct device_state next = s_device;
  if (read_text(&hm->body, "setting1", next.setting1) < 0 ||
      read_text(&hm->body, "setting2", next.setting2) < 0) {
    mg_http_send_error(nc, 400, "a setting is too long or malformed");
    return;
  }
  s_device = next;
  mg_http_send_redirect(nc, 302, mg_mk_str("/"), mg_mk_str(NULL));
}

static void handle_led(struct mg_connection *nc, struct http_message *hm) {
  char state[8];
  mg_get_http_var(&hm->body, "state", state, sizeof(state));
  if (strcmp(state, "on") == 0 || strcmp(state, "off") == 0) {
    s_device.led = strcmp(state, "on") == 0;
  } else if (strcmp(state, "toggle") == 0) {
    s_device.led = !s_device.led;
  } else {
    mg_http_send_error(nc, 400, "state must be on, off or toggle");
    return;
  }
  printf("LED %s\n", s_device.led ? "on" : "off");
  fflush(stdout);
  mg_http_send_redirect(nc, 302, mg_mk_str("/"), mg_mk_str(NULL));
}

// The sensor: a real device would read /proc/stat or a chip; this one
// takes a random step of at most 5 points.
static void handle_get_cpu_usage(struct mg_connection *nc) {
  s_cpu_usage += rand() % 11 - 5;
  if (s_cpu_usage < 0) s_cpu_usage = 0;
  if (s_cpu_usage > 100) s_cpu_usage = 100;
  s_cpu_samples++;
  mg_send_head(nc, 200, -1,
               "Content-Type: application/json\r\nCache-Control: no-cache");
  mg_printf_http_chunk(nc, "{\"result\": %d, \"sample\": %lu}\n", s_cpu_usage,
                       s_cpu_samples);
  mg_send_http_chunk(nc, "", 0);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  int is_post;
  if (ev != MG_EV_HTTP_REQUEST) return;
  is_post = mg_vcmp(&hm->method, "POST") == 0;
  if (mg_vcmp(&hm->uri, "/") == 0 || mg_vcmp(&hm->uri, "/index.html") == 0) {
    render_page(nc);
  } else if (mg_vcmp(&hm->uri, "/save") == 0 && is_post) {
    handle_save(nc, hm);
  } else if (mg_vcmp(&hm->uri, "/led") == 0 && is_post) {
    handle_led(nc, hm);
  } else if (mg_vcmp(&hm->uri, "/get_cpu_usage") == 0) {
    handle_get_cpu_usage(nc);
  } else {
    mg_serve_http(nc, hm, s_http_opts);
  }
}

// Sets buf to "web_root" in the directory of the executable argv0.
static void default_root(const char *argv0, char *buf, size_t len) {
  const char *slash = strrchr(argv0, '/');
  int dir_len = slash == NULL ? 1 : (int) (slash - argv0);
  snprintf(buf, len, "%.*s/web_root", dir_len, slash == NULL ? "." : argv0);
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "8000", *err = NULL;
  char root[512];
  int i;

  default_root(argv[0], root, sizeof(root));
  memset(&s_http_opts, 0, sizeof(s_http_opts));
  s_http_opts.document_root = root;
  s_http_opts.enable_directory_listing = "no";
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      address = argv[++i];
    } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
      s_http_opts.document_root = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-d DOCROOT]\n", argv[0]);
      return EXIT_FAILURE;
    }
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
  printf("Device on port %s\n", address);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
