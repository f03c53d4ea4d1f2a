#!/bin/sh
# A CGI script (RFC 3875): the header block, an empty line, the body.
# Without a Content-Length the server sends the body chunked (HTTP/1.1)
# or until the close (HTTP/1.0).
printf 'Content-Type: text/plain\r\n\r\n'
echo "Hello from $SCRIPT_NAME"
echo "REQUEST_METHOD=$REQUEST_METHOD"
echo "PATH_INFO=$PATH_INFO"
echo "QUERY_STRING=$QUERY_STRING"
echo "REMOTE_ADDR=$REMOTE_ADDR"
echo "SERVER_NAME=$SERVER_NAME SERVER_PORT=$SERVER_PORT"
if [ -n "$CONTENT_LENGTH" ]; then
  echo "Body ($CONTENT_LENGTH bytes):"
  cat
fi
