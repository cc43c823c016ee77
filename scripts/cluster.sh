#!/usr/bin/env bash
# A private three-node RabbitMQ cluster on this machine, for tests that kill the node a client is
# connected to. Never touches the main broker on 5672.
#
#   scripts/cluster.sh start   NAME PORT1 PORT2 PORT3  # prints the three AMQP URLs, node 1 first
#   scripts/cluster.sh stop    NAME                    # stops the three nodes, deletes their data
#   scripts/cluster.sh status  NAME                    # exit 0: three nodes running and clustered; 3 not
#   scripts/cluster.sh crash   NAME I                  # kill -9 node I (1-3), keeping its data
#   scripts/cluster.sh restart NAME I                  # start node I again on its data; it rejoins
#   scripts/cluster.sh ctl     NAME I ARGS...          # rabbitmqctl -n NAME-I@localhost ARGS...
#   scripts/cluster.sh url     NAME I                  # the AMQP URL of node I
#
# The nodes are NAME-1, NAME-2 and NAME-3 (@localhost), each a private node of
# scripts/broker-node.sh with its own AMQP port PORTi, distribution port PORTi+20000 and data in
# $WARREN_NODES_DIR/NAME-i. They start in parallel; then nodes 2 and 3 join node 1 (stop_app,
# join_cluster, start_app) and `start` checks that cluster_status lists three running nodes.
# As root they run as the rabbitmq user, so they share the Erlang cookie of the main broker.
# With WARREN_RABBITMQ_ROOT set to a chroot (scripts/rabbitmq-chroot.sh), broker-node.sh runs them
# inside it, as its rabbitmq user, so they share that chroot's cookie instead.
# `start` reuses a cluster that is already running with the same ports and fully clustered;
# anything else of that name (a crashed node, a half-joined cluster) is stopped and started afresh.
# `start` is bounded in time as a whole (WARREN_CLUSTER_START_TIMEOUT, default 240 s), and each
# rabbitmqctl call in it too (WARREN_CLUSTER_CTL_TIMEOUT, default 60 s); a start that fails or
# runs out of time stops the nodes it started. Expect about 20-40 s on two busy cores: the nodes
# start in parallel (~15 s; ~40 s one after the other), joining takes 7-20 s.
# Progress and timings go to stderr; `start` and `url` print only URLs on stdout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_SCRIPT="$HERE/broker-node.sh"
NODES_DIR=${WARREN_NODES_DIR:-/tmp/warren-nodes}
START_TIMEOUT=${WARREN_CLUSTER_START_TIMEOUT:-240}
# Per rabbitmqctl call during joining and checking.
CTL_TIMEOUT=${WARREN_CLUSTER_CTL_TIMEOUT:-60}
# The end of `start`'s time, in ms since the epoch (set by cmd_start).
DEADLINE_MS=''
# Where the output of the join steps goes; shown when one fails.
JOIN_LOG=

LOG_TAG=cluster
USAGE_LINES=2,11
# shellcheck source=lib/log.sh
source "$HERE/lib/log.sh"

check_name() {
    [[ ${1:-} =~ ^[A-Za-z0-9_-]+$ ]] || die "NAME must match [A-Za-z0-9_-]+ (got '${1:-}')"
}

check_index() {
    [[ ${1:-} =~ ^[123]$ ]] || die "node index must be 1, 2 or 3 (got '${1:-}')"
}

node_name() { printf '%s-%s' "$NAME" "$1"; }
node_dir() { printf '%s/%s' "$NODES_DIR" "$(node_name "$1")"; }

# scripts/broker-node.sh for node I: `node I COMMAND ARGS...`. The cluster lock's descriptor (8)
# is not passed on (broker-node.sh also closes everything before it starts a VM).
node() {
    local i=$1 cmd=$2
    shift 2
    "$NODE_SCRIPT" "$cmd" "$(node_name "$i")" "$@" 8>&-
}

# Seconds left until DEADLINE_MS, at most $1 (at least 1); just $1 without a deadline.
bounded_by_deadline() {
    local cap=$1 left
    [[ -n $DEADLINE_MS ]] || { echo "$cap"; return; }
    left=$(((DEADLINE_MS - $(now_ms)) / 1000))
    ((left >= 1)) || left=1
    ((left < cap)) || left=$cap
    echo "$left"
}

# rabbitmqctl on node I, bounded by CTL_TIMEOUT and what is left of `start`'s time:
# `ctl_bounded I ARGS...`.
ctl_bounded() {
    local i=$1
    shift
    timeout --kill-after=5 "$(bounded_by_deadline "$CTL_TIMEOUT")" "$NODE_SCRIPT" ctl "$(node_name "$i")" "$@" 8>&-
}

out_of_time() { [[ -n $DEADLINE_MS ]] && (($(now_ms) > DEADLINE_MS)); }

lock() {
    mkdir -p "$NODES_DIR"
    chmod 1777 "$NODES_DIR" 2>/dev/null || true
    local file="$NODES_DIR/.cluster-$NAME.lock"
    exec 8>>"$file"
    chmod 666 "$file" 2>/dev/null || true
    flock -w 300 8 || die "timed out waiting for the lock on $file"
}

node_running() { node "$1" status 2>/dev/null; }

# The nodes that node I's cluster_status lists as running, one a line (empty when it cannot tell).
running_nodes() {
    ctl_bounded "$1" -q cluster_status --formatter json 2>/dev/null | jq -r '.running_nodes[]?' 2>/dev/null || true
}

# True when node I sees all three nodes running in its cluster.
sees_three() {
    local seen expected
    seen=$(running_nodes "$1" | sort)
    expected=$(printf '%s@localhost\n' "$(node_name 1)" "$(node_name 2)" "$(node_name 3)" | sort)
    [[ $seen == "$expected" ]]
}

# True when the three nodes run on PORTS and form one cluster.
cluster_up() {
    local i ports=("$@")
    for i in 1 2 3; do
        node_running "$i" || return 1
        [[ $(cat "$(node_dir "$i")/port" 2>/dev/null) == "${ports[i - 1]}" ]] || return 1
    done
    sees_three 1
}

tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

url_for() { printf 'amqp://guest:guest@127.0.0.1:%s/%%2F\n' "$1"; }

print_urls() {
    local port
    for port in "$@"; do url_for "$port"; done
}

# Runs `node I stop` for I in 1..3 in parallel, bounded.
stop_nodes() {
    local i pids=()
    for i in 1 2 3; do
        timeout --kill-after=10 120 "$NODE_SCRIPT" stop "$(node_name "$i")" 8>&- &
        pids+=($!)
    done
    local failed=0
    for i in 1 2 3; do wait "${pids[i - 1]}" || failed=1; done
    return $failed
}

# Runs `rabbitmqctl ARGS...` on the given nodes at once: `join_step I... -- ARGS...`.
join_step() {
    local nodes=() pids=() i failed=0
    while [[ $1 != -- ]]; do nodes+=("$1"); shift; done
    shift
    for i in "${nodes[@]}"; do
        ctl_bounded "$i" "$@" >>"$JOIN_LOG" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || failed=1; done
    return $failed
}

# Shows what the join steps printed and the end of the logs of nodes 2 and 3, stops the cluster
# and fails: `join_failed STEP`.
join_failed() {
    local i f
    if [[ -s $JOIN_LOG ]]; then
        log "---- rabbitmqctl output ----"
        cat "$JOIN_LOG" >&2
    fi
    rm -f "$JOIN_LOG"
    out_of_time && log "out of time: WARREN_CLUSTER_START_TIMEOUT is $START_TIMEOUT s"
    for i in 2 3; do
        f="$(node_dir "$i")/log/$(node_name "$i")@localhost.log"
        [[ ! -s $f ]] || { log "---- last lines of $f ----"; tail -n 15 "$f" >&2; }
    done
    stop_nodes || true
    die "joining nodes 2 and 3 to $(node_name 1) failed at: $1"
}

cmd_start() {
    local ports=("$@") p q
    [[ ${#ports[@]} -eq 3 ]] || usage
    for p in "${ports[@]}"; do
        [[ $p =~ ^[0-9]+$ ]] && ((p > 0 && p + 20000 <= 65535)) ||
            die "ports must be numbers from 1 to 45535 (the distribution port is PORT+20000); got '$p'"
        [[ $p -ne 5672 ]] || die "5672 is the main broker's port; pick another"
        for q in "${ports[@]}"; do
            [[ $p == "$q" ]] || ((p != q + 20000)) || die "port $p clashes with the distribution port of $q"
        done
    done
    [[ $(printf '%s\n' "${ports[@]}" | sort -u | wc -l) -eq 3 ]] || die "the three ports must differ"
    lock
    local t0 i
    t0=$(now_ms)
    DEADLINE_MS=$((t0 + START_TIMEOUT * 1000))

    if cluster_up "${ports[@]}"; then
        log "cluster $NAME already running on ${ports[*]} with three nodes: reusing it"
        print_urls "${ports[@]}"
        return 0
    fi
    if [[ -e $(node_dir 1) || -e $(node_dir 2) || -e $(node_dir 3) ]]; then
        log "cluster $NAME is not fully up on ${ports[*]}: stopping what is left of it"
        stop_nodes || die "could not stop the previous nodes of $NAME"
    fi

    # Fail before starting anything when a port is taken (broker-node.sh checks again).
    for p in "${ports[@]}"; do
        for q in "$p" $((p + 20000)); do
            ! tcp_open "$q" || die "port $q is already in use by something else (node ports ${ports[*]}, distribution ports +20000)"
        done
    done

    # Three nodes at once: broker-node.sh bounds each start (WARREN_NODE_START_TIMEOUT); `timeout`
    # here is only a backstop against a hang outside its own checks.
    log "starting $(node_name 1), $(node_name 2), $(node_name 3) in parallel on ${ports[*]}"
    local pids=() outs=() failed=()
    for i in 1 2 3; do
        outs+=("$(mktemp)")
        timeout --kill-after=10 "$(bounded_by_deadline "$START_TIMEOUT")" "$NODE_SCRIPT" start "$(node_name "$i")" "${ports[i - 1]}" \
            >"${outs[i - 1]}" 2>&1 8>&- &
        pids+=($!)
    done
    for i in 1 2 3; do
        if ! wait "${pids[i - 1]}"; then failed+=("$(node_name "$i")"); fi
    done
    if ((${#failed[@]} > 0)); then
        for i in 1 2 3; do sed "s/^/  [$(node_name "$i")] /" "${outs[i - 1]}" >&2; done
        rm -f "${outs[@]}"
        stop_nodes || true
        die "node(s) ${failed[*]} did not start"
    fi
    rm -f "${outs[@]}"
    log "three nodes up in $(seconds_since "$t0")"

    # Join 2 and 3 to 1: stop_app on both at once, join_cluster one after the other (two joins at
    # once race on the cluster's membership, a mnesia schema change), then start_app on both at once.
    local t1 seed
    t1=$(now_ms)
    seed="$(node_name 1)@localhost"
    JOIN_LOG=$(mktemp)
    join_step 2 3 -- -q stop_app || join_failed "stop_app"
    for i in 2 3; do
        ctl_bounded "$i" -q join_cluster "$seed" >>"$JOIN_LOG" 2>&1 || join_failed "join_cluster $seed on $(node_name "$i")"
    done
    # start_app prints harmless errors about tracked connection tables while the node joins.
    join_step 2 3 -- -q start_app || join_failed "start_app"
    # start_app returns when the app runs; cluster_status may lag behind for a moment.
    local check_deadline=$(($(now_ms) + 30000))
    until sees_three 1 && sees_three 2 && sees_three 3; do
        if (($(now_ms) > check_deadline)) || out_of_time; then
            ctl_bounded 1 cluster_status >>"$JOIN_LOG" 2>&1 || true
            join_failed "cluster_status of every node lists three running nodes"
        fi
        sleep 0.5
    done
    rm -f "$JOIN_LOG"
    log "nodes 2 and 3 joined in $(seconds_since "$t1"); cluster $NAME of three running nodes up in $(seconds_since "$t0")"
    print_urls "${ports[@]}"
}

cmd_stop() {
    lock
    local t0
    t0=$(now_ms)
    stop_nodes || die "stopping $NAME failed (see above)"
    log "cluster $NAME stopped in $(seconds_since "$t0")"
}

cmd_status() {
    local i up=0
    for i in 1 2 3; do
        if node_running "$i"; then up=$((up + 1)); fi
    done
    if ((up == 3)) && sees_three 1; then
        log "cluster $NAME: three nodes running and clustered"
        return 0
    fi
    if ((up == 3)); then
        log "cluster $NAME: three nodes running, but $(node_name 1) does not list all three as running members"
    else
        log "cluster $NAME: $up of 3 nodes running"
    fi
    return 3
}

main() {
    [[ $# -ge 2 ]] || usage
    [[ $NODES_DIR == /* ]] || NODES_DIR="$PWD/$NODES_DIR"
    export WARREN_NODES_DIR="$NODES_DIR"
    local cmd=$1
    check_name "$2"
    NAME=$2
    shift 2
    case $cmd in
        start) cmd_start "$@" ;;
        stop) [[ $# -eq 0 ]] || usage; cmd_stop ;;
        status) [[ $# -eq 0 ]] || usage; cmd_status ;;
        crash | restart | url)
            [[ $# -eq 1 ]] || usage
            check_index "$1"
            node "$1" "$cmd"
            ;;
        ctl)
            [[ $# -ge 2 ]] || usage
            check_index "$1"
            local i=$1
            shift
            node "$i" ctl "$@"
            ;;
        *) usage ;;
    esac
}

main "$@"
