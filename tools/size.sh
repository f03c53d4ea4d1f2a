#!/usr/bin/env bash
# `make size`: the size of mongoose.c compiled with -Os for the default
# build, with everything on (every optional feature, TLS through OpenSSL
# and through mbedTLS), and with MG_ENABLE_HTTP=0. Prints a table of
# .text, .data and .bss in bytes (size(1), Berkeley format) and .text in
# KiB. Only mongoose.c itself is counted: the TLS libraries are not.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=${CC:-cc}
OUT=${BUILD:-build}/size
mkdir -p "$OUT"
WARN="-W -Wall -Wextra -Werror -pedantic -std=c99"
ON="-DMG_ENABLE_CALLBACK_USERDATA=1 -DMG_ENABLE_HTTP_SSI_EXEC=1 -DMG_ENABLE_HTTP_CGI=1 -DMG_ENABLE_HTTP_WEBDAV=1"
configs=(
  "default|"
  "everything on, no TLS|$ON"
  "everything on, TLS OpenSSL|$ON -DMG_ENABLE_SSL=1"
  "everything on, TLS mbedTLS|$ON -DMG_ENABLE_SSL=1 -DMG_SSL_IF=MG_SSL_IF_MBEDTLS"
  "MG_ENABLE_HTTP=0|-DMG_ENABLE_HTTP=0"
)
echo "mongoose.c, $($CC --version | head -n 1), -Os, $(uname -m)"
echo
echo "| build | .text | .data | .bss | .text KiB |"
echo "|---|---:|---:|---:|---:|"
i=0
for c in "${configs[@]}"; do
  name=${c%%|*} flags=${c#*|}
  obj=$OUT/mongoose-$i.o
  i=$((i + 1))
  # shellcheck disable=SC2086
  if ! $CC $WARN -Os $flags -c mongoose.c -o "$obj" 2>"$obj.err"; then
    echo "size: $name ($flags) does not compile:" >&2
    cat "$obj.err" >&2
    exit 1
  fi
  read -r text data bss _ <<<"$(size "$obj" | awk 'NR == 2')"
  echo "| $name | $text | $data | $bss | $(awk -v t="$text" 'BEGIN { printf "%.1f", t / 1024 }') |"
done
