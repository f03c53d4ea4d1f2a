// A 6.x-style HTTP program: a server that registers endpoints with MG_CB()
// on a listener whose own handler is NULL, a client made with
// mg_connect_http(MG_CB(...)), a WebSocket client made with
// mg_connect_ws(MG_CB(...)) and endpoint handlers that see MG_EV_CLOSE.
#include "compat.h"

struct http_state {
  int requests, closes, replies, reply_code, ws_done, ws_echo, ws_closed;
  char body[64];
};

static void hello_endpoint(struct mg_connection *nc, int ev,
                           void *ev_data MG_UD_ARG(void *user_data)) {
  struct http_state *s;
#if MG_ENABLE_CALLBACK_USERDATA
  s = (struct http_state *) user_data;  // The endpoint's own user_data
#else
  s = (struct http_state *) nc->mgr->user_data;
#endif
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    s->requests++;
    mg_send_head(nc, 200, 5, "Content-Type: text/plain");
    mg_printf(nc, "%s", "hello");
  } else if (ev == MG_EV_CLOSE) {
    s->closes++;
  }
}

static void ws_endpoint(struct mg_connection *nc, int ev,
                        void *ev_data MG_UD_ARG(void *user_data)) {
  struct websocket_message *wm = (struct websocket_message *) ev_data;
#if MG_ENABLE_CALLBACK_USERDATA
  (void) user_data;
#endif
  if (ev == MG_EV_WEBSOCKET_FRAME) {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, wm->data, wm->size);
  }
}

static void client_handler(struct mg_connection *nc, int ev,
                           void *ev_data MG_UD_ARG(void *user_data)) {
  struct http_state *s = (struct http_state *) COMPAT_UD(nc);
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REPLY) {
    size_t n = hm->body.len < sizeof(s->body) - 1 ? hm->body.len
                                                  : sizeof(s->body) - 1;
    s->replies++;
    s->reply_code = hm->resp_code;
    memcpy(s->body, hm->body.p, n);
    s->body[n] = '\0';
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static void ws_client_handler(struct mg_connection *nc, int ev,
                              void *ev_data MG_UD_ARG(void *user_data)) {
  struct http_state *s = (struct http_state *) COMPAT_UD(nc);
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) {
    s->ws_done = ((struct http_message *) ev_data)->resp_code;
    mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "ping 6.x", 8);
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    s->ws_echo = wm->size == 8 && memcmp(wm->data, "ping 6.x", 8) == 0;
    nc->flags |= MG_F_SEND_AND_CLOSE;
  } else if (ev == MG_EV_CLOSE) {
    s->ws_closed = 1;
  }
}

static struct mg_connection *start_server(struct mg_mgr *mgr,
                                          struct http_state *s) {
  struct mg_connection *lc = mg_bind(mgr, "127.0.0.1:0", MG_CB(NULL, NULL));
  (void) s;  // Only the user_data mode hands it to the endpoints
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  mg_register_http_endpoint(lc, "/hello", MG_CB(hello_endpoint, s));
  mg_register_http_endpoint(lc, "/ws", MG_CB(ws_endpoint, s));
  return lc;
}

static void test_endpoints_with_null_listener_handler(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  struct http_state s;
  char url[64];
  (void) state;
  memset(&s, 0, sizeof(s));
  mg_mgr_init(&mgr, &s);
  lc = start_server(&mgr, &s);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", compat_port(lc));
  c = mg_connect_http(&mgr, MG_CB(client_handler, &s), url, NULL, NULL);
  assert_non_null(c);
  c->user_data = &s;
  assert_true(compat_poll(&mgr, &s.replies, 5));
  assert_int_equal(s.reply_code, 200);
  assert_string_equal(s.body, "hello");
  assert_int_equal(s.requests, 1);
  // The endpoint sees the close of the connection it served.
  assert_true(compat_poll(&mgr, &s.closes, 5));
  assert_int_equal(s.closes, 1);
  mg_mgr_free(&mgr);
}

static void test_websocket_client_with_mg_cb(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  struct http_state s;
  char url[64];
  (void) state;
  memset(&s, 0, sizeof(s));
  mg_mgr_init(&mgr, &s);
  lc = start_server(&mgr, &s);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/ws", compat_port(lc));
  c = mg_connect_ws(&mgr, MG_CB(ws_client_handler, &s), url, NULL, NULL);
  assert_non_null(c);
  c->user_data = &s;
  assert_true(compat_poll(&mgr, &s.ws_closed, 5));
  assert_int_equal(s.ws_done, 101);
  assert_int_equal(s.ws_echo, 1);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_endpoints_with_null_listener_handler),
      cmocka_unit_test(test_websocket_client_with_mg_cb),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
