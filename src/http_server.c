#include "http_internal.h"

// The HTTP server protocol handler: requests parsed from recv_mbuf in
// order (pipelining), bodies by Content-Length or chunked, Expect:
// 100-continue, keep-alive, HEAD, timeouts, endpoint auth, multipart
// streaming and the WebSocket upgrade (which hands the connection to the
// WebSocket protocol handler). mg_set_protocol_http_websocket() picks this
// handler or the client one (http_client.c).

#if MG_ENABLE_HTTP

// Answers a request that cannot be processed, and closes after it.
static void srv_reply_error(struct mg_connection *nc, int status) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  MG_DEBUG(("%p HTTP error %d", (void *) nc, status));
  if (pd != NULL) {
    pd->must_close = 1;
    pd->is_head = 0;
  }
  mg_http_send_error(nc, status, NULL);
  nc->flags |= MG_F_SEND_AND_CLOSE;
  mbuf_clear(&nc->recv_mbuf);
}

// Per-request connection rules: keep-alive, HEAD, the endpoint (returned,
// NULL if none matches).
static struct mg_http_endpoint *srv_prepare_request(
    struct mg_connection *nc, struct mg_http_proto_data *pd,
    struct http_message *hm) {
  struct mg_str *conn = mg_get_http_header(hm, "Connection");
  struct mg_http_endpoint *ep = mg_http_find_endpoint(nc, hm->uri);
  pd->is_head = mg_vcmp(&hm->method, "HEAD") == 0;
  pd->cgi_redirects = 0;
  pd->keep_alive_10 = 0;
  pd->is_http10 = mg_vcmp(&hm->proto, "HTTP/1.0") == 0;
  if (mg_vcmp(&hm->proto, "HTTP/1.0") == 0) {
    pd->keep_alive_10 =
        (unsigned char) mg_http_header_has_token(conn, "keep-alive");
    if (!pd->keep_alive_10) pd->must_close = 1;
  } else if (mg_http_header_has_token(conn, "close")) {
    pd->must_close = 1;
  }
  pd->endpoint_handler = ep != NULL ? ep->handler : NULL;
  pd->endpoint_user_data = ep != NULL ? ep->user_data : NULL;
  return ep;
}

// Total bytes ever queued for sending on nc.
static uint64_t srv_bytes_out(struct mg_connection *nc,
                              struct mg_http_proto_data *pd) {
  return pd->bytes_sent + nc->send_mbuf.len;
}

// After a request: decides whether its handler has answered, and whether
// the connection must close once the answer is out.
static void srv_check_answered(struct mg_connection *nc,
                               struct mg_http_proto_data *pd) {
  int busy;
  if (pd->waiting && srv_bytes_out(nc, pd) > pd->out_at_dispatch) {
    pd->waiting = 0;
  }
  busy = pd->waiting || pd->file.fp != NULL || pd->mp != NULL ||
         pd->chunked_open || pd->ssi != NULL || pd->proxy_peer != NULL ||
         pd->cgi != NULL;
  if (pd->waiting) {
    nc->flags |= MG_F_HOLD_ON_EOF;
  } else {
    nc->flags &= ~(unsigned long) MG_F_HOLD_ON_EOF;
  }
  // A peer that half-closed gets its answer, then the connection closes.
  if (!pd->waiting && (nc->flags & MG_F_PEER_EOF)) pd->must_close = 1;
  if (pd->must_close && !busy) nc->flags |= MG_F_SEND_AND_CLOSE;
}

// A response to HEAD has no body, even if the handler wrote one: cut what
// follows the first blank line of the response queued for this request.
static void srv_strip_head_body(struct mg_connection *nc,
                                struct mg_http_proto_data *pd) {
  struct mbuf *io = &nc->send_mbuf;
  size_t i, start;
  if (pd->out_at_dispatch < pd->bytes_sent) return;
  start = (size_t) (pd->out_at_dispatch - pd->bytes_sent);
  for (i = start; i + 4 <= io->len; i++) {
    if (memcmp(io->buf + i, "\r\n\r\n", 4) == 0) {
      io->len = i + 4;
      return;
    }
  }
}

static void srv_dispatch(struct mg_connection *nc,
                         struct mg_http_proto_data *pd, struct http_message *hm,
                         size_t total) {
  hm->message.len = total;
  pd->out_at_dispatch = srv_bytes_out(nc, pd);
  pd->waiting = 1;
  mg_http_call_endpoint_handler(nc, MG_EV_HTTP_REQUEST, hm);
  if (pd->is_head) srv_strip_head_body(nc, pd);
  mbuf_remove(&nc->recv_mbuf, total);
  memset(&pd->scan, 0, sizeof(pd->scan));
  pd->body_wait = 0;
  pd->request_start = 0;
  pd->continue_sent = 0;
  pd->body_decoded = pd->chunk_off = 0;
  // Bytes after a request that ends the connection are ignored.
  if (pd->must_close) mbuf_clear(&nc->recv_mbuf);
  srv_check_answered(nc, pd);
}

// Checks the credentials a protected endpoint needs, as soon as the head
// is in (before any body is read or streamed). On failure answers 401 with
// a challenge, closes after it, and returns 0.
static int srv_authorized(struct mg_connection *nc,
                          struct mg_http_proto_data *pd,
                          struct http_message *hm,
                          struct mg_http_endpoint *ep) {
#if MG_ENABLE_FILESYSTEM
  if (ep == NULL || ep->auth_file == NULL ||
      mg_http_is_authorized(hm, hm->uri, ep->auth_domain, ep->auth_file,
                            MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE)) {
    return 1;
  }
  pd->must_close = 1;  // The body, if any, is not read
  mg_http_send_digest_auth_request(nc, ep->auth_domain);
  nc->flags |= MG_F_SEND_AND_CLOSE;
  mbuf_clear(&nc->recv_mbuf);
  return 0;
#else
  (void) nc, (void) pd, (void) hm, (void) ep;
  return 1;
#endif
}

// Checks "Expect:". Returns 1 if the client waits for "100 Continue", 0
// if there is nothing to do, -1 if the request failed (417 is sent).
static int srv_expect(struct mg_connection *nc, struct mg_http_proto_data *pd,
                      struct http_message *hm) {
  struct mg_str *expect = mg_get_http_header(hm, "Expect");
  if (expect == NULL) return 0;
  if (mg_vcasecmp(expect, "100-continue") != 0) {
    return srv_reply_error(nc, 417), -1;
  }
  return !pd->continue_sent && mg_vcmp(&hm->proto, "HTTP/1.1") == 0;
}

static void srv_send_continue(struct mg_connection *nc,
                              struct mg_http_proto_data *pd) {
  mg_printf(nc, "%s", "HTTP/1.1 100 Continue\r\n\r\n");
  pd->continue_sent = 1;
}

#if MG_ENABLE_HTTP_WEBSOCKET
// Hands the frames that came right behind a handshake to the WebSocket
// handler.
static void srv_ws_leftover(struct mg_connection *nc) {
  int n = (int) nc->recv_mbuf.len;
  if (n > 0) mg_ws_handler(nc, MG_EV_RECV, &n);
}

// A WebSocket upgrade request: the handshake replaces the request event.
// Returns 1 if the connection stays HTTP (the upgrade was refused).
static int srv_upgrade(struct mg_connection *nc, struct mg_http_proto_data *pd,
                       struct http_message *hm, size_t hlen) {
  pd->out_at_dispatch = srv_bytes_out(nc, pd);
  pd->waiting = 1;
  mg_ws_handshake(nc, hm);
  mbuf_remove(&nc->recv_mbuf, hlen);
  pd->request_start = 0;
  if (nc->flags & MG_F_IS_WEBSOCKET) {
    pd->waiting = 0;
    nc->flags &= ~(unsigned long) MG_F_HOLD_ON_EOF;
    srv_ws_leftover(nc);
    return 0;
  }
  srv_check_answered(nc, pd);
  return 1;
}
#endif

#if MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI
#define SRV_STREAM_RECV (64 * 1024)  // recv_mbuf cap while a body streams

// A Content-Length body still to come: MG_EV_HTTP_REQUEST_HEAD lets the
// handler start a CGI script (mg_serve_http()) that takes the body as it
// arrives. Returns 1 if the request was taken (its head leaves recv_mbuf),
// 0 to buffer the body as usual.
static int srv_head_event(struct mg_connection *nc,
                          struct mg_http_proto_data *pd,
                          struct http_message *hm, size_t hlen, int expect) {
  struct http_message h = *hm;
  uint64_t out = srv_bytes_out(nc, pd);
  h.message.len = hlen;
  h.body = mg_mk_str_n(hm->message.p + hlen, 0);
  pd->stream_len = hm->body.len;
  pd->cgi_probe = 1;
  mg_http_call_endpoint_handler(nc, MG_EV_HTTP_REQUEST_HEAD, &h);
  pd->cgi_probe = 0;
  pd->stream_left = pd->cgi != NULL ? pd->stream_len : 0;
  pd->stream_len = 0;
  if (pd->cgi == NULL && srv_bytes_out(nc, pd) == out) return 0;
  memset(&pd->scan, 0, sizeof(pd->scan));
  pd->request_start = 0;
  pd->body_wait = 0;
  if (pd->cgi == NULL) {
    // Answered (a CGI that would not start: 500) without the body: the
    // connection ends after the answer.
    mbuf_clear(&nc->recv_mbuf);
    pd->must_close = 1;
  } else {
    if (expect) srv_send_continue(nc, pd);
    mbuf_remove(&nc->recv_mbuf, hlen);
    pd->saved_recv_limit = nc->recv_mbuf_limit;
    if (nc->recv_mbuf_limit > SRV_STREAM_RECV) {
      nc->recv_mbuf_limit = SRV_STREAM_RECV;
    }
    mg_http_cgi_feed(nc);
  }
  srv_check_answered(nc, pd);
  return 1;
}
#endif

// Processes the head at the start of recv_mbuf (hlen bytes). Returns 1 if
// a request was dispatched or handed to a stream, 0 if more input is needed
// or the connection failed.
static int srv_serve_one(struct mg_connection *nc,
                         struct mg_http_proto_data *pd, struct http_message *hm,
                         size_t hlen) {
  struct mbuf *io = &nc->recv_mbuf;
  struct mg_http_endpoint *ep;
  int expect, r;
  if (pd->body_decoded == 0 && pd->chunk_off == 0) {
    ep = srv_prepare_request(nc, pd, hm);
    if (!srv_authorized(nc, pd, hm, ep)) return 0;
#if MG_ENABLE_HTTP_WEBSOCKET
    if (mg_ws_is_upgrade(hm) && hm->body.len == 0) {
      return srv_upgrade(nc, pd, hm, hlen);
    }
#endif
  }
  if ((expect = srv_expect(nc, pd, hm)) < 0) return 0;
  if (hm->body.len == (size_t) -1) {  // Chunked
    if (expect) srv_send_continue(nc, pd);
    if ((r = mg_http_dechunk(nc, pd, hm, hlen)) <= 0) {
      if (r < 0) srv_reply_error(nc, -r);
      return 0;
    }
    srv_dispatch(nc, pd, hm, hlen + pd->body_decoded);
    return 1;
  }
#if MG_ENABLE_HTTP_STREAMING_MULTIPART
  // A multipart upload streams through events instead of being buffered.
  if (hm->body.len > 0 && (r = mg_http_multipart_begin(nc, hm, hlen)) != 0) {
    if (r < 0) return srv_reply_error(nc, 413), 0;
    memset(&pd->scan, 0, sizeof(pd->scan));  // The head left recv_mbuf
    if (expect) srv_send_continue(nc, pd);
    pd->request_start = 0;
    srv_check_answered(nc, pd);
    return 1;
  }
#endif
#if MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI
  if (io->len - hlen < hm->body.len &&
      srv_head_event(nc, pd, hm, hlen, expect)) {
    return 1;
  }
#endif
  if (hm->body.len > MG_MAX_HTTP_BODY_SIZE) return srv_reply_error(nc, 413), 0;
  if (io->len - hlen < hm->body.len) {
    if (expect) srv_send_continue(nc, pd);
    pd->body_wait = hlen + hm->body.len;
    return 0;
  }
  srv_dispatch(nc, pd, hm, hlen + hm->body.len);
  return 1;
}

// True while the connection must not start on the next request.
static int srv_busy(struct mg_connection *nc, struct mg_http_proto_data *pd) {
  return pd->waiting || pd->file.fp != NULL || pd->mp != NULL ||
         pd->chunked_open || pd->ssi != NULL || pd->proxy_peer != NULL ||
         pd->cgi != NULL ||
         (nc->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE)) ||
         pd->must_close;
}

// Nothing to do until more bytes come: marks it for MG_EV_POLL, with the
// earliest time srv_check_timeouts() could act.
static void srv_mark_idle(struct mg_connection *nc,
                          struct mg_http_proto_data *pd) {
  double deadline = (double) nc->last_io_time + MG_HTTP_IDLE_TIMEOUT;
  if (pd->request_start > 0 && pd->mp == NULL && pd->body_decoded == 0 &&
      pd->request_start + MG_HTTP_HEADER_TIMEOUT < deadline) {
    deadline = pd->request_start + MG_HTTP_HEADER_TIMEOUT;
  }
  pd->poll_idle_len = nc->recv_mbuf.len + 1;
  pd->poll_idle_deadline = deadline;
}

// Serves the requests in recv_mbuf, in order, one at a time.
static void srv_serve(struct mg_connection *nc, struct mg_http_proto_data *pd) {
  struct mbuf *io = &nc->recv_mbuf;
  struct http_message hm;
  int n, status = 400;
  int r, stage;
  pd->poll_idle_len = 0;
#if MG_ENABLE_HTTP_STREAMING_MULTIPART
  if (pd->mp != NULL) {
    if (mg_http_multipart_continue(nc)) return;
    srv_check_answered(nc, pd);
  }
#endif
#if MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI
  if (pd->stream_left > 0) {
    mg_http_cgi_feed(nc);  // To the script, or dropped once it is done
    if (pd->stream_left > 0) return;
  }
#endif
  while (io->len > 0 && !srv_busy(nc, pd)) {
    if (pd->request_start == 0) pd->request_start = mg_time();
    // A body still short of its Content-Length: nothing to parse again.
    if (pd->body_wait > 0 && io->len < pd->body_wait) {
      srv_mark_idle(nc, pd);
      return;
    }
    // The head is parsed only when the scan of the new bytes says it (or
    // its start line) is complete: each byte is looked at about once,
    // however the head is split, and not at every MG_EV_POLL.
    stage = pd->scan.stage;
    if ((r = mg_http_scan_head(io->buf, io->len, &pd->scan, &status)) == 0) {
      srv_mark_idle(nc, pd);
      return;
    }
    n = r < 0 ? -1 : mg_http_parse(io->buf, io->len, &hm, 1, &status);
    if (n < 0) {
      srv_reply_error(nc, status);
      return;
    }
    if (n == 0) {
      if (stage == 1) return;  // Not expected: wait for more bytes
      continue;                // The start line is in: scan the fields
    }
    if (!srv_serve_one(nc, pd, &hm, (size_t) n)) return;
  }
  if (io->len == 0 && !srv_busy(nc, pd)) srv_mark_idle(nc, pd);
}

// Closes connections whose client stalls: a head not finished within
// MG_HTTP_HEADER_TIMEOUT, or no traffic for MG_HTTP_IDLE_TIMEOUT. A file or
// SSI page being sent counts as traffic only while the client reads it: one
// that stops reading is closed by the idle rule. A handler that has not
// answered yet, and a CGI (it has MG_CGI_TIMEOUT), are not timed out here.
static void srv_check_timeouts(struct mg_connection *nc,
                               struct mg_http_proto_data *pd, double now) {
  int sending = pd->file.fp != NULL || pd->ssi != NULL;
  if (pd->waiting || pd->cgi != NULL) return;
  if (!sending && pd->request_start > 0 && pd->mp == NULL &&
      pd->body_decoded == 0 &&
      now - pd->request_start > MG_HTTP_HEADER_TIMEOUT) {
    srv_reply_error(nc, 408);
  } else if (now - (double) nc->last_io_time > MG_HTTP_IDLE_TIMEOUT) {
    MG_DEBUG(("%p idle timeout", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static void srv_handle_close(struct mg_connection *nc, void *ev_data) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
#if MG_ENABLE_HTTP_STREAMING_MULTIPART
  if (pd != NULL) mg_http_multipart_free(nc);
#endif
#if MG_ENABLE_HTTP_SSI && MG_ENABLE_FILESYSTEM
  if (pd != NULL) mg_http_ssi_free(pd);
#endif
#if MG_ENABLE_FILESYSTEM && MG_ENABLE_HTTP_CGI
  mg_http_cgi_detach(nc);  // The script is killed
#endif
  mg_http_call_close(nc, ev_data);
  // After the handler has seen the close: the peer must not point at us.
  if (pd != NULL) mg_http_unlink_proxy(nc, pd);
}

// True for an accepted connection that has no HTTP state yet. It gets its
// state with its first bytes: until then it costs only its struct, and the
// idle timeout still applies.
static int srv_still_idle(struct mg_connection *nc, int ev, void *ev_data) {
  if (nc->proto_data != NULL || ev == MG_EV_RECV) return 0;
  if (ev == MG_EV_POLL &&
      (double) *(time_t *) ev_data - (double) nc->last_io_time >
          MG_HTTP_IDLE_TIMEOUT) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
  return 1;
}

static void srv_handler(struct mg_connection *nc, int ev,
                        void *ev_data MG_UD_ARG(void *user_data)) {
  struct mg_http_proto_data *pd;
  MG_UD_UNUSED;
  if (ev == MG_EV_CLOSE) {
    srv_handle_close(nc, ev_data);
    return;
  }
  // Every core event reaches the user handler first, as in 6.x.
  mg_call_user(nc, ev, ev_data);
  if ((nc->flags & MG_F_LISTENING) || srv_still_idle(nc, ev, ev_data)) return;
  if ((pd = mg_http_get_proto_data(nc)) == NULL) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (ev == MG_EV_SEND) pd->bytes_sent += (uint64_t) * (int *) ev_data;
  // The MG_EV_POLL of a connection that waits for bytes (most of them, with
  // many connections): nothing is in progress (the serve pass set the mark;
  // the next receive or send serves again and renews it), so it can only
  // time out, and not before the deadline.
  if (ev == MG_EV_POLL && pd->poll_idle_len == nc->recv_mbuf.len + 1 &&
      !(nc->flags & MG_F_IS_WEBSOCKET)) {
    double now = (double) *(time_t *) ev_data;
    if (now >= pd->poll_idle_deadline) srv_check_timeouts(nc, pd, now);
    return;
  }
#if MG_ENABLE_FILESYSTEM
  if (pd->file.fp != NULL) mg_http_transfer_file_data(nc);
#if MG_ENABLE_HTTP_CGI
  if (pd->cgi != NULL) mg_http_cgi_pump(nc);
#endif
#endif
#if MG_ENABLE_HTTP_SSI && MG_ENABLE_FILESYSTEM
  if (pd->ssi != NULL) mg_http_ssi_continue(nc);
#endif
  if (ev != MG_EV_ACCEPT) srv_check_answered(nc, pd);
  if (ev == MG_EV_RECV || ev == MG_EV_SEND || ev == MG_EV_POLL) {
    srv_serve(nc, pd);
  }
  // The poll time comes with the event: no clock read per connection.
  if (ev == MG_EV_POLL && !(nc->flags & MG_F_IS_WEBSOCKET)) {
    srv_check_timeouts(nc, pd, (double) *(time_t *) ev_data);
  }
}

// A listener and the connections it accepts serve requests; an outgoing
// connection (mg_connect() then this, as 6.x programs do) reads replies.
void mg_set_protocol_http_websocket(struct mg_connection *nc) {
  int server = (nc->flags & MG_F_LISTENING) || nc->listener != NULL;
  nc->proto_handler = server ? srv_handler : mg_http_client_handler;
}

#endif  // MG_ENABLE_HTTP
