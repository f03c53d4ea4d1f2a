// Settings panel for a device: a page with a form of settings that the
// server keeps in memory. The page (web_root/index.html) reads the current
// values from a JSON endpoint, and its form posts them back.
//
//   GET  /get_settings  -> {"setting1": "...", "setting2": "...",
//                           "enabled": true|false}
//   POST /save          form body setting1=..&setting2=..&enabled=on|off:
//                       stores the fields present (a field left out keeps
//                       its value) and answers with the settings as JSON;
//                       a text longer than 99 bytes or a bad escape -> 400
//                       and nothing changes
//   everything else     -> a file from the web root
//
// 6.18's version put the values into the page with SSI; SSI is not built
// yet, so the page reads them with fetch() instead.
//
//   make examples/settings_panel/settings_panel
//   examples/settings_panel/settings_panel
//   open http://127.0.0.1:8000/
//   curl -d 'setting1=kitchen&enabled=on' http://127.0.0.1:8000/save
//   curl http://127.0.0.1:8000/get_settings
//
// Usage: settings_panel [-p [ADDR:]PORT] [-d DOCROOT]
//   -p  listening address, default 8000 (every interface)
//   -d  directory with the page, default web_root next to the executable
#include "mongoose.h"

#define TEXT_SIZE 100  // A text setting holds at most 99 bytes

struct device_settings {
  char setting1[TEXT_SIZE];
  char setting2[TEXT_SIZE];
  int enabled;
};

static volatile sig_atomic_t s_stop = 0;
static struct mg_serve_http_opts s_http_opts;
static struct device_settings s_settings = {"value1", "value2", 0};

static void on_signal(int sig) {
  s_stop = sig;
}

// Copies src into dst as the inside of a JSON string (dst is big enough for
// a TEXT_SIZE setting with every byte escaped).
static void json_escape(const char *src, char *dst, size_t len) {
  size_t j = 0;
  for (; *src != '\0' && j + 7 < len; src++) {
    unsigned char c = (unsigned char) *src;
    if (c < 0x20) {
      j += (size_t) snprintf(dst + j, len - j, "\\u%04x", c);
    } else {
      if (c == '"' || c == '\\') dst[j++] = '\\';
      dst[j++] = (char) c;
    }
  }
  dst[j] = '\0';
}

static void send_settings(struct mg_connection *nc) {
  char s1[TEXT_SIZE * 6 + 1], s2[TEXT_SIZE * 6 + 1];
  json_escape(s_settings.setting1, s1, sizeof(s1));
  json_escape(s_settings.setting2, s2, sizeof(s2));
  mg_send_head(nc, 200, -1,
               "Content-Type: application/json\r\n"
               "Cache-Control: no-cache");
  mg_printf_http_chunk(
      nc, "{\"setting1\": \"%s\", \"setting2\": \"%s\", \"enabled\": %s}\n", s1,
      s2, s_settings.enabled ? "true" : "false");
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
  struct device_settings next = s_settings;
  char flag[8];
  int r1 = read_text(&hm->body, "setting1", next.setting1);
  int r2 = read_text(&hm->body, "setting2", next.setting2);
  if (r1 < 0 || r2 < 0) {
    mg_http_send_error(nc, 400, "a setting is too long or malformed");
    return;
  }
  if (mg_get_http_var(&hm->body, "enabled", flag, sizeof(flag)) > 0) {
    next.enabled = strcmp(flag, "on") == 0 || strcmp(flag, "true") == 0 ||
                   strcmp(flag, "1") == 0;
  }
  s_settings = next;
  printf("Saved: setting1=%s setting2=%s enabled=%d\n", s_settings.setting1,
         s_settings.setting2, s_settings.enabled);
  fflush(stdout);
  send_settings(nc);
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->uri, "/get_settings") == 0) {
    send_settings(nc);
  } else if (mg_vcmp(&hm->uri, "/save") == 0) {
    if (mg_vcmp(&hm->method, "POST") == 0) {
      handle_save(nc, hm);
    } else {
      mg_http_send_error(nc, 405, NULL);
    }
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
  printf("Settings panel on port %s, page from %s\n", address,
         s_http_opts.document_root);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
