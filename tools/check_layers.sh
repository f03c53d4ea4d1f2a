#!/usr/bin/env bash
# `make headers`: the include graph is the architecture, and the build
# enforces it.
#  1. Every src/*.h compiles alone (a one-line file that includes it).
#  2. Includes point down: each src/*.c is compiled in a scratch directory
#     that holds only the headers of its own layer and those below, so an
#     #include of a higher header is a compile error.
#  3. Calls point down: in the objects of `make unamalgamated`, every
#     symbol a module uses is defined in a module of its own rank or below
#     (the exceptions: the core names the default iface's vtable,
#     mg_connect() calls the resolver's mg_resolve_and_connect() hook, and
#     the core moves TLS connections' bytes through the mg_tls_* hooks).
# Usage: tools/check_layers.sh OBJDIR   (OBJDIR from `make unamalgamated`)
set -euo pipefail
cd "$(dirname "$0")/.."
objdir=${1:-build/unamal}
CC=${CC:-cc}
WARN="-W -Wall -Wextra -Werror -pedantic -std=c99 -Wundef -Wshadow"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Layers, lowest first: the headers each adds and the sources it holds.
LAYERS="base core transport protocols"
H_base="arch.h config.h str.h mbuf.h log.h util.h base64.h md5.h sha1.h uri.h
compat.h"
C_base="str.c mbuf.c log.c util.c base64.c md5.c sha1.c uri.c"
H_core="net.h iface.h core_internal.h"
C_core="net.c net_io.c broadcast.c iface.c"
H_transport="sock_internal.h tls_internal.h"
C_transport="sock_common.c sock_select.c sock_poll.c sock_epoll.c tls.c
tls_openssl.c tls_mbedtls.c"
H_protocols="xml_internal.h http.h http_internal.h dns.h dns_internal.h dns_server.h resolv.h sntp.h
mqtt.h mqtt_internal.h mqtt_broker.h mqtt_broker_internal.h"
C_protocols="xml.c http_parse.c http_header.c http_conn.c http_range.c http_path.c http_file.c http_ssi.c
http_listing.c http_auth.c http_multipart.c http_cgi_env.c http_cgi.c http_dav.c http_dav_props.c
http_dav_lock.c ws.c ws_handshake.c
http_client.c http_proxy.c http_serve.c http_server.c dns.c dns_server.c resolv.c sntp.c
mqtt.c mqtt_tree.c mqtt_client.c mqtt_send.c mqtt_broker.c"

# Ranks for the call check: a module may call modules of its rank or below.
# The HTTP modules have sub-ranks: parsers and http_conn at the bottom, the
# features above them, mg_serve_http and the server dispatcher on top.
# DNS: the codec (dns) beside the HTTP parsers, the server above it.
rank() {
  case "$1" in
    str|mbuf|log|util|base64|md5|sha1|uri) echo 0 ;;
    net|net_io|broadcast|iface) echo 1 ;;
    sock_*|tls|tls_openssl|tls_mbedtls) echo 2 ;;
    http_parse|http_header|http_conn|http_range|xml) echo 3 ;;
    sntp) echo 3 ;;
    http_path|http_file|http_ssi|http_listing|http_auth|http_multipart|http_cgi_env|http_cgi|http_dav|http_dav_props|http_dav_lock|ws|ws_handshake|http_client|http_proxy) echo 4 ;;
    http_serve|http_server) echo 5 ;;
    dns) echo 3 ;;          # The DNS codec and protocol handler
    dns_server) echo 4 ;;   # Replies, on top of the codec
    resolv) echo 4 ;;       # The async resolver, on top of the codec
    mqtt) echo 3 ;;         # The pure MQTT codec
    mqtt_tree) echo 4 ;;    # The broker's subscription tree and retained store
    mqtt_client|mqtt_send) echo 5 ;;  # Protocol handler; sends over TCP or WebSocket
    mqtt_broker) echo 6 ;;  # The broker, on top of the protocol handler
    *) echo "check_layers: no rank for $1" >&2; echo 99 ;;
  esac
}

fail=0
err() { echo "headers: $*" >&2; fail=1; }

# Every file in src/ belongs to a layer.
all_listed=""
for l in $LAYERS; do
  hv="H_$l" cv="C_$l"
  all_listed="$all_listed ${!hv} ${!cv}"
done
for f in src/*.h src/*.c; do
  case " $(echo $all_listed) " in *" $(basename "$f") "*) ;; *) err "$f is in no layer (tools/check_layers.sh)" ;; esac
done

# 1. Headers stand alone.
for h in src/*.h; do
  if ! printf '#include "%s"\nint mg_check_layers_dummy;\n' "$(basename "$h")" |
    $CC $WARN -Isrc -fsyntax-only -x c - 2>"$tmp/err"; then
    err "$h does not compile alone:"; sed 's/^/  /' "$tmp/err" >&2
  fi
done

# 2. Includes point down.
visible=""
for l in $LAYERS; do
  hv="H_$l" cv="C_$l"
  visible="$visible ${!hv}"
  d="$tmp/$l"
  mkdir -p "$d"
  for h in $visible; do cp "src/$h" "$d/"; done
  for c in ${!cv}; do
    cp "src/$c" "$d/"
    if ! $CC $WARN -fsyntax-only "$d/$c" 2>"$tmp/err"; then
      err "src/$c ($l) includes or uses something above its layer:"
      sed 's/^/  /' "$tmp/err" | head -n 5 >&2
    fi
  done
done

# 3. Calls point down.
for o in "$objdir"/*.o; do
  m=$(basename "$o" .o)
  nm --defined-only "$o" | awk -v m="$m" '$2 ~ /[TDBR]/ {print $3, m}'
done | sort > "$tmp/defs"
for o in "$objdir"/*.o; do
  m=$(basename "$o" .o)
  r=$(rank "$m")
  nm -u "$o" | awk '{print $2}' | sort | join - "$tmp/defs" |
    while read -r sym def; do
      case "$sym" in *_iface_vtable) [ "$(rank "$def")" = 2 ] && continue ;; esac
      # The second exception: mg_connect() of a host name hands the
      # connection to the resolver through this one hook (declared in
      # core_internal.h; net.c has a fallback when the resolver is off),
      # because the core cannot resolve a name without the DNS protocol.
      [ "$sym" = mg_resolve_and_connect ] && [ "$m" = net ] && [ "$def" = resolv ] && continue
      # The third: a TLS connection's bytes go through the TLS layer's
      # hooks (mg_tls_*, declared in core_internal.h), which sit on the
      # iface seam and call the iface underneath.
      case "$sym" in mg_tls_*) { [ "$m" = net ] || [ "$m" = net_io ]; } && [ "$def" = tls ] && continue ;; esac
      if [ "$(rank "$def")" -gt "$r" ]; then
        echo "headers: $m (rank $r) calls $sym in $def (rank $(rank "$def"))" >&2
        echo x >> "$tmp/calls"
      fi
    done
done
[ -f "$tmp/calls" ] && fail=1

[ $fail = 0 ] && echo "headers: every header compiles alone; includes and calls point down"
exit $fail
