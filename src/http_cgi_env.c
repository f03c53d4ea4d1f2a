#include "compat.h"
#include "http_internal.h"
#include "uri.h"

// The environment of a CGI script (RFC 3875 section 4.1) for http_cgi.c:
// "NAME=value" strings, each with its NUL, in an mg_http_out buffer.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI

// Adds "name=value" and its NUL.
static void cgi_env(struct mg_http_out *e, const char *name, struct mg_str v) {
  mg_http_out_printf(e, "%s=%.*s", name, (int) v.len, v.p);
  mg_http_out_add(e, "", 1);
}

static void cgi_envs(struct mg_http_out *e, const char *name, const char *v) {
  cgi_env(e, name, mg_mk_str(v));
}

// SERVER_NAME: the Host header without its port, else our address.
static struct mg_str cgi_server_name(struct http_message *hm,
                                     const char *addr) {
  struct mg_str *h = mg_get_http_header(hm, "Host"), v;
  const char *colon;
  if (h == NULL || h->len == 0) return mg_mk_str(addr);
  v = mg_strstrip(*h);
  if (v.len > 0 && v.p[0] == '[') {
    colon = mg_strchr(v, ']');
    if (colon != NULL) v.len = (size_t) (colon + 1 - v.p);
  } else if ((colon = mg_strchr(v, ':')) != NULL) {
    v.len = (size_t) (colon - v.p);
  }
  return v;
}

// The addresses: REMOTE_ADDR, REMOTE_HOST (no lookup: the address, as
// section 4.1.9 allows), REMOTE_PORT, SERVER_ADDR, SERVER_PORT,
// SERVER_NAME.
static void cgi_env_addrs(struct mg_http_out *e, struct mg_connection *nc,
                          struct http_message *hm) {
  char ip[64], port[16];
  int r = MG_SOCK_STRINGIFY_REMOTE;
  mg_conn_addr_to_str(nc, ip, sizeof(ip), MG_SOCK_STRINGIFY_IP | r);
  mg_conn_addr_to_str(nc, port, sizeof(port), MG_SOCK_STRINGIFY_PORT | r);
  cgi_envs(e, "REMOTE_ADDR", ip);
  cgi_envs(e, "REMOTE_HOST", ip);
  cgi_envs(e, "REMOTE_PORT", port);
  mg_conn_addr_to_str(nc, ip, sizeof(ip), MG_SOCK_STRINGIFY_IP);
  mg_conn_addr_to_str(nc, port, sizeof(port), MG_SOCK_STRINGIFY_PORT);
  cgi_envs(e, "SERVER_ADDR", ip);
  cgi_envs(e, "SERVER_PORT", port);
  cgi_env(e, "SERVER_NAME", cgi_server_name(hm, ip));
}

// AUTH_TYPE and REMOTE_USER from Authorization (Basic or Digest).
static void cgi_env_auth(struct mg_http_out *e, struct http_message *hm) {
  struct mg_str *h = mg_get_http_header(hm, "Authorization");
  char user[256], pass[256];
  if (h == NULL) return;
  if (h->len > 6 && mg_ncasecmp(h->p, "Basic ", 6) == 0) {
    cgi_envs(e, "AUTH_TYPE", "Basic");
    if (mg_get_http_basic_auth(hm, user, sizeof(user), pass, sizeof(pass)) ==
        0) {
      cgi_envs(e, "REMOTE_USER", user);
    }
  } else if (h->len > 7 && mg_ncasecmp(h->p, "Digest ", 7) == 0) {
    struct mg_str v = mg_mk_str_n(h->p + 7, h->len - 7);
    cgi_envs(e, "AUTH_TYPE", "Digest");
    if (mg_http_parse_header(&v, "username", user, sizeof(user)) > 0) {
      cgi_envs(e, "REMOTE_USER", user);
    }
  }
}

// True for a header that gets no HTTP_ variable: credentials and what
// other variables carry (section 4.1.18), "Proxy" (httpoxy: HTTP_PROXY
// would be taken for a proxy setting), and names that would not map back
// to one header ('_' and other non-token bytes).
static int cgi_header_skipped(struct mg_str name) {
  static const char *const skip[] = {"Authorization", "Proxy-Authorization",
                                     "Content-Length", "Content-Type", "Proxy"};
  size_t i;
  for (i = 0; i < MG_ARRAY_SIZE(skip); i++) {
    if (mg_vcasecmp(&name, skip[i]) == 0) return 1;
  }
  for (i = 0; i < name.len; i++) {
    if (!isalnum((unsigned char) name.p[i]) && name.p[i] != '-') return 1;
  }
  return name.len == 0;
}

// HTTP_<NAME> for each header; repeated fields are joined with ", "
// ("; " for Cookie), in order, under the first one.
static void cgi_env_headers(struct mg_http_out *e, struct http_message *hm) {
  size_t i, j, k;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    struct mg_str n = hm->header_names[i];
    const char *sep = mg_vcasecmp(&n, "Cookie") == 0 ? "; " : ", ";
    for (j = 0; j < i && mg_strcasecmp(hm->header_names[j], n) != 0; j++) {
    }
    if (j < i || cgi_header_skipped(n)) continue;  // Done, or none
    mg_http_out_add(e, "HTTP_", 5);
    for (k = 0; k < n.len; k++) {
      char c = (char) toupper((unsigned char) n.p[k]);
      mg_http_out_add(e, c == '-' ? "_" : &c, 1);
    }
    mg_http_out_printf(e, "=%.*s", (int) hm->header_values[i].len,
                       hm->header_values[i].p);
    for (j = i + 1; j < MG_MAX_HTTP_HEADERS && hm->header_names[j].len; j++) {
      if (mg_strcasecmp(hm->header_names[j], n) != 0) continue;
      mg_http_out_printf(e, "%s%.*s", sep, (int) hm->header_values[j].len,
                         hm->header_values[j].p);
    }
    mg_http_out_add(e, "", 1);
  }
}

// CONTENT_LENGTH and CONTENT_TYPE, when the request has a body (len: its
// length, which a streamed body does not have in hm yet).
static void cgi_env_body(struct mg_http_out *e, struct http_message *hm,
                         uint64_t len) {
  struct mg_str *ct = mg_get_http_header(hm, "Content-Type");
  if (len > 0 || mg_get_http_header(hm, "Content-Length") != NULL ||
      mg_get_http_header(hm, "Transfer-Encoding") != NULL) {
    mg_http_out_printf(e, "CONTENT_LENGTH=%llu", (unsigned long long) len);
    mg_http_out_add(e, "", 1);
  }
  if (ct != NULL) cgi_env(e, "CONTENT_TYPE", *ct);
}

void mg_http_cgi_env(struct mg_http_out *e, struct mg_connection *nc,
                     struct http_message *hm, const struct mg_cgi_paths *p) {
  const char *path = getenv("PATH");
  cgi_envs(e, "GATEWAY_INTERFACE", "CGI/1.1");
  cgi_envs(e, "SERVER_SOFTWARE", "Mongoose/" MG_VERSION);
  cgi_env(e, "SERVER_PROTOCOL", hm->proto);
  cgi_env(e, "REQUEST_METHOD", hm->method);
  cgi_env(e, "REQUEST_URI",
          mg_mk_str_n(hm->uri.p, (size_t) (hm->proto.p - 1 - hm->uri.p)));
  cgi_env(e, "QUERY_STRING", hm->query_string);
  cgi_env(e, "SCRIPT_NAME", p->name);
  cgi_envs(e, "SCRIPT_FILENAME", p->script);
  cgi_envs(e, "DOCUMENT_ROOT", p->root);
  if (*p->path_info != '\0') {
    cgi_envs(e, "PATH_INFO", p->path_info);
    mg_http_out_printf(e, "PATH_TRANSLATED=%s%s", p->root, p->path_info);
    mg_http_out_add(e, "", 1);
  }
  cgi_envs(e, "REDIRECT_STATUS", "200");  // php-cgi's force-cgi-redirect
  cgi_envs(e, "PATH", path != NULL ? path : "/bin:/usr/bin");
  if (nc->flags & MG_F_SSL) cgi_envs(e, "HTTPS", "on");
  cgi_env_addrs(e, nc, hm);
  cgi_env_auth(e, hm);
  {
    struct mg_http_proto_data *pd =
        (struct mg_http_proto_data *) nc->proto_data;
    cgi_env_body(e, hm,
                 pd != NULL && pd->stream_len > 0 ? pd->stream_len
                                                  : (uint64_t) hm->body.len);
  }
  cgi_env_headers(e, hm);
}

char **mg_http_cgi_env_array(struct mg_http_out *e) {
  size_t i, n = 0, k = 0;
  char **v;
  for (i = 0; i < e->m.len; i++) n += e->m.buf[i] == '\0';
  if (e->failed || (v = (char **) MG_CALLOC(n + 1, sizeof(*v))) == NULL) {
    return NULL;
  }
  for (i = 0; i < e->m.len; i += strlen(e->m.buf + i) + 1)
    v[k++] = e->m.buf + i;
  return v;
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI
