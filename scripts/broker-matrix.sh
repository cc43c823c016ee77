#!/usr/bin/env bash
# The "main" broker of a newer RabbitMQ for the test matrix: a private node (scripts/broker-node.sh)
# running the RabbitMQ of a chroot (scripts/rabbitmq-chroot.sh), beside the host's broker on 5672.
#
#   scripts/broker-matrix.sh start  VERSION   # make the chroot and start the node if needed; prints exports
#   scripts/broker-matrix.sh env    VERSION   # the exports of the running node (starts nothing)
#   scripts/broker-matrix.sh stop   VERSION   # stop the node (the chroot stays)
#   scripts/broker-matrix.sh status VERSION   # exit 0 running, 3 not
#
#   eval "$(bash scripts/broker-matrix.sh start 4.3)"
#
# VERSION  node   AMQP   management  Erlang distribution  Debian
# 4.0      rmq40  5740   15740       25740                trixie (RabbitMQ 4.0.x)
# 4.3      rmq43  5743   15743       25743                forky  (RabbitMQ 4.3.x)
# (The fault tests' private nodes use 5682-5687 and 5691-5693, plus 20000 for distribution.)
#
# The node's rabbitmq.conf has, besides its listeners, the settings later 4.x releases default to:
#   deprecated_features.permit.transient_nonexcl_queues = false
#   deprecated_features.permit.global_qos = false
#   loopback_users.guest = true
# plus any lines in WARREN_MATRIX_NODE_CONF. `start` checks that guest/guest can log in over AMQP
# and that the management API answers (/api/overview) before printing, on stdout, these lines
# (and nothing else):
#   export AMQP_URL=amqp://guest:guest@127.0.0.1:5740/%2F
#   export WARREN_MANAGEMENT_URL=http://127.0.0.1:15740
#   export WARREN_RABBITMQ_ROOT=/var/lib/warren/chroots/rabbitmq-4.0
#   export WARREN_BROKER_VERSION=4.0.5          (what the running node reports)
# WARREN_RABBITMQ_ROOT is for the tests' own private nodes (broker-node.sh, cluster.sh): with it they
# run the same RabbitMQ as the main node. `start` of a running node reuses it (about a second); a
# first start takes 1.5-3 minutes for the chroot plus ~5 s for the node. Needs root. Progress and
# timings go to stderr. Bounded: the chroot (WARREN_MATRIX_CHROOT_TIMEOUT, default 1800 s), the node's
# start (broker-node.sh's own bounds, and 300 s as a backstop), the checks (60 s).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODES_DIR=${WARREN_NODES_DIR:-/tmp/warren-nodes}
CHROOT_TIMEOUT=${WARREN_MATRIX_CHROOT_TIMEOUT:-1800}
CHECK_TIMEOUT=60

LOG_TAG=broker-matrix
# shellcheck source=lib/log.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/log.sh"

# NAME AMQP_PORT MANAGEMENT_PORT of VERSION's node.
node_of() {
    case $1 in
        4.0) echo "rmq40 5740 15740" ;;
        4.3) echo "rmq43 5743 15743" ;;
        *) die "unknown RabbitMQ version '${1:-}' (known: 4.0, 4.3)" ;;
    esac
}

# The AMQP login probe of setup-broker.sh (bash's /dev/tcp, no client needed), without running
# the rest of that script.
eval "$(sed -n '/^_wsb_amqp_probe_impl()/,/^}/p; /^_wsb_amqp_probe()/,/^}/p' "$HERE/setup-broker.sh")"
declare -F _wsb_amqp_probe >/dev/null || die "could not load _wsb_amqp_probe from setup-broker.sh"

# GET URL with guest:guest; prints the body, fails unless HTTP 200.
http_get() {
    local url=$1
    if command -v curl >/dev/null 2>&1; then
        curl -sf --max-time 5 -u guest:guest "$url"
    elif command -v python3 >/dev/null 2>&1; then
        python3 - "$url" <<'EOF'
import base64, sys, urllib.request
request = urllib.request.Request(sys.argv[1])
request.add_header("Authorization", "Basic " + base64.b64encode(b"guest:guest").decode())
with urllib.request.urlopen(request, timeout=5) as response:
    sys.stdout.write(response.read().decode())
EOF
    else
        die "neither curl nor python3 to ask the management API"
    fi
}

# Checks the running node of VERSION (AMQP login, management API) and prints the exports.
print_env() {
    local version=$1 name port mport root body broker_version rc deadline
    read -r name port mport <<<"$(node_of "$version")"
    root=$(cat "$NODES_DIR/$name/rabbitmq-root" 2>/dev/null || true)
    [[ -n $root ]] || die "$name has no rabbitmq-root in $NODES_DIR/$name: not started by this script?"
    deadline=$(($(now_ms) + CHECK_TIMEOUT * 1000))
    while :; do
        rc=0
        _wsb_amqp_probe 127.0.0.1 "$port" || rc=$?
        ((rc != 0)) || break
        (($(now_ms) < deadline)) || die "guest/guest cannot use vhost / on 127.0.0.1:$port (probe status $rc)"
        sleep 0.5
    done
    until body=$(http_get "http://127.0.0.1:$mport/api/overview" 2>/dev/null) && [[ $body == *'"rabbitmq_version"'* ]]; do
        (($(now_ms) < deadline)) || die "the management API of $name does not answer on http://127.0.0.1:$mport/api/overview"
        sleep 0.5
    done
    broker_version=$(sed -n 's/.*"rabbitmq_version":"\([^"]*\)".*/\1/p' <<<"$body")
    [[ -n $broker_version ]] || die "no rabbitmq_version in /api/overview of $name"
    [[ $broker_version == "$version".* ]] || die "$name reports RabbitMQ $broker_version, not $version.x"
    log "$name: AMQP login on $port and management API on $mport answer; RabbitMQ $broker_version from $root"
    printf 'export AMQP_URL=%q\n' "amqp://guest:guest@127.0.0.1:$port/%2F"
    printf 'export WARREN_MANAGEMENT_URL=%q\n' "http://127.0.0.1:$mport"
    printf 'export WARREN_RABBITMQ_ROOT=%q\n' "$root"
    printf 'export WARREN_BROKER_VERSION=%q\n' "$broker_version"
}

lock() {
    mkdir -p "$NODES_DIR"
    chmod 1777 "$NODES_DIR" 2>/dev/null || true
    local file="$NODES_DIR/.matrix-$1.lock"
    exec 8>>"$file"
    flock -w 600 8 || die "timed out waiting for the lock on $file"
}

cmd_start() {
    local version=$1 name port mport root t0 t1 conf
    read -r name port mport <<<"$(node_of "$version")"
    t0=$(now_ms)
    lock "$version"
    root=$(timeout --kill-after=30 "$CHROOT_TIMEOUT" bash "$HERE/rabbitmq-chroot.sh" ensure "$version" 8>&-) ||
        die "no chroot for RabbitMQ $version (scripts/rabbitmq-chroot.sh ensure $version failed)"
    t1=$(now_ms)
    conf=$'deprecated_features.permit.transient_nonexcl_queues = false\ndeprecated_features.permit.global_qos = false\nloopback_users.guest = true'
    [[ -z ${WARREN_MATRIX_NODE_CONF:-} ]] || conf+=$'\n'"$WARREN_MATRIX_NODE_CONF"
    WARREN_RABBITMQ_ROOT=$root WARREN_NODE_CONF=$conf \
        timeout --kill-after=30 300 bash "$HERE/broker-node.sh" start "$name" "$port" --management-port "$mport" >/dev/null 8>&- ||
        die "$name did not start (scripts/broker-node.sh start $name $port --management-port $mport)"
    log "$name ready in $(seconds_since "$t1") (all of start: $(seconds_since "$t0"))"
    print_env "$version"
}

cmd_env() {
    local version=$1 name
    read -r name _ _ <<<"$(node_of "$version")"
    bash "$HERE/broker-node.sh" status "$name" 2>/dev/null || die "$name is not running (scripts/broker-matrix.sh start $version)"
    print_env "$version"
}

cmd_stop() {
    local version=$1 name
    read -r name _ _ <<<"$(node_of "$version")"
    lock "$version"
    timeout --kill-after=30 180 bash "$HERE/broker-node.sh" stop "$name" 8>&-
}

cmd_status() {
    local name
    read -r name _ _ <<<"$(node_of "$1")"
    bash "$HERE/broker-node.sh" status "$name"
}

main() {
    [[ $# -eq 2 ]] || usage
    node_of "$2" >/dev/null
    case $1 in
        start) cmd_start "$2" ;;
        env) cmd_env "$2" ;;
        stop) cmd_stop "$2" ;;
        status) cmd_status "$2" ;;
        *) usage ;;
    esac
}

main "$@"
