#!/bin/bash
# The image's HEALTHCHECK: GET /healthz on the admin port, with bash's /dev/tcp, so the runtime
# image needs no curl. Exit 0 on a 200, 1 otherwise. PORTCULLIS_ADMIN_PORT (default 9901) must
# match admin.listen; the admin endpoint may listen on 127.0.0.1 or 0.0.0.0.
set -u
port="${PORTCULLIS_ADMIN_PORT:-9901}"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
IFS=' ' read -r -t 3 _ status _ <&3 || exit 1
[ "$status" = 200 ]
