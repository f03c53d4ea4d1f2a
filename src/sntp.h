// SNTP client (RFC 4330): asks an NTP server for the time over UDP.
//
// mg_sntp_get_time() is the whole job in one call: it connects, sends a
// request, retries, and gives the handler exactly one MG_SNTP_REPLY or
// MG_SNTP_FAILED, then closes the connection. mg_sntp_connect() and
// mg_sntp_send_request() are the parts, for an application that wants to
// ask again on its own schedule.
#pragma once
#include "net.h"

#if MG_ENABLE_SNTP

// SNTP events: what ev_data points to is in the comment.
#define MG_SNTP_REPLY 501            // struct mg_sntp_message *: a reply
#define MG_SNTP_MALFORMED_REPLY 502  // NULL: a reply failed the RFC checks
#define MG_SNTP_FAILED 503           // NULL: no usable reply came

// The answer of a server.
struct mg_sntp_message {
  int kiss_of_death;  // 1: the server said "stop asking" (stratum 0); time
                      // is then 0 and must not be used
  double time;        // Seconds since 1970-01-01 UTC, with the fraction: the
                      // server's time corrected by half the round trip
};

// Opens a UDP connection to an NTP server: "host", "host:port",
// "udp://host[:port]", "[v6addr]:port" or a bare IPv6 address; the port
// defaults to 123. The handler sees the core events (MG_EV_CONNECT: send
// the request with mg_sntp_send_request()) and, for each reply to the
// latest request, MG_SNTP_REPLY or MG_SNTP_MALFORMED_REPLY. A reply whose
// originate timestamp is not our request's transmit timestamp is not an
// answer to us and is dropped without an event. A failed connect (for a
// host name: no resolver yet, MG_ENORESOLVER) gives MG_EV_CONNECT with the
// error, then MG_SNTP_FAILED. Returns NULL on a malformed address.
struct mg_connection *mg_sntp_connect(struct mg_mgr *mgr,
                                      MG_CB(mg_event_handler_t event_handler,
                                            void *user_data),
                                      const char *sntp_server_name);

// Sends a request on a connection made by mg_sntp_connect(). Its transmit
// timestamp is 64 random bits (the server echoes it: only a reply that
// carries it is accepted), so a new request makes late replies to an
// earlier one stale. After a kiss-of-death no request is sent on this
// connection for MG_SNTP_KOD_BACKOFF seconds (the call logs and returns).
void mg_sntp_send_request(struct mg_connection *c);

// mg_sntp_connect(), then a request, repeated every MG_SNTP_TIMEOUT
// seconds until a reply comes, MG_SNTP_ATTEMPTS requests in all. The
// handler gets one MG_SNTP_REPLY (kiss_of_death set if the server refused)
// or one MG_SNTP_FAILED (connect error, no reply in time, or a malformed
// reply), then MG_EV_CLOSE; no other events. The connection's timer is
// this function's. Returns NULL on a malformed address.
struct mg_connection *mg_sntp_get_time(struct mg_mgr *mgr,
                                       MG_CB(mg_event_handler_t event_handler,
                                             void *user_data),
                                       const char *sntp_server_name);

#endif  // MG_ENABLE_SNTP
