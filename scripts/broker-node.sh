#!/usr/bin/env bash
# A second, private RabbitMQ node for tests that stop, alarm or reconfigure a broker, so they
# never disturb the main broker on 5672.
#
#   scripts/broker-node.sh start  NAME AMQP_PORT   # prints amqp://guest:guest@127.0.0.1:PORT/%2F
#   scripts/broker-node.sh start  NAME AMQP_PORT --tls-port TLS_PORT --tls-dir DIR   # plus TLS
#   scripts/broker-node.sh start  NAME AMQP_PORT --management-port HTTP_PORT         # plus the HTTP API
#   scripts/broker-node.sh stop   NAME             # stops it and deletes its data
#   scripts/broker-node.sh status NAME             # exit 0 running, 3 not running
#   scripts/broker-node.sh ctl    NAME ARGS...     # rabbitmqctl -n NAME@localhost ARGS...
#   scripts/broker-node.sh url    NAME             # the AMQP URL of a running node
#   scripts/broker-node.sh crash  NAME             # kill -9 its VM, keeping its data
#   scripts/broker-node.sh restart NAME            # start it again on its data (after crash/stop_app)
#
# The node is NAME@localhost, with AMQP on AMQP_PORT and Erlang distribution on AMQP_PORT+20000.
# Everything lives in $WARREN_NODES_DIR/NAME (default /tmp/warren-nodes/NAME): mnesia, logs,
# pid file, an empty plugins file (no management plugin, so no port clash on 15672) and its own
# rabbitmq.conf / rabbitmq-env.conf, so /etc/rabbitmq settings of the main broker do not leak in.
# Extra rabbitmq.conf lines for a node can be passed in WARREN_NODE_CONF at `start`.
# `start` of a node that is already running on the same port reuses it.
#
# With --tls-port and --tls-dir the node also listens for AMQP over TLS on 127.0.0.1:TLS_PORT,
# with DIR/ca.pem (the CA it trusts for client certificates), DIR/server.pem and
# DIR/server-key.pem (its certificate and key), copied into its data folder; it asks clients for
# a certificate (verify_peer) but accepts clients without one (fail_if_no_peer_cert = false).
# A running node is reused only if its TLS port and certificate files are the same; otherwise it
# is restarted.
#
# With --management-port the node runs the rabbitmq_management plugin, its HTTP API on
# 127.0.0.1:HTTP_PORT (without it the node has no plugin, so no clash on 15672).
#
# As root the node runs as the rabbitmq user (like the main broker, same Erlang cookie);
# as another user it runs as that user with the cookie in $HOME/.erlang.cookie.
#
# With WARREN_RABBITMQ_ROOT set to a chroot (scripts/rabbitmq-chroot.sh ensure 4.0|4.3), the node's
# rabbitmq-server and rabbitmqctl run inside that chroot, as its rabbitmq user with a clean
# environment (`chroot ROOT runuser -u rabbitmq -- env -i HOME=/var/lib/rabbitmq RABBITMQ_*=...
# /usr/lib/rabbitmq/bin/TOOL`), so with the chroot's RabbitMQ and Erlang and its Erlang cookie (one
# cookie for all the nodes of a chroot: they can cluster). Needs root. proc is mounted in the chroot
# and $WARREN_NODES_DIR bind-mounted at the same path inside it (once; both stay mounted), so pid
# files, logs and TLS files are where this script and the tests look. The node's data is chowned to
# the chroot's rabbitmq uid/gid, which may differ from the host's. The chroot a node was started
# from is remembered: stop, ctl, crash and restart use it whatever the variable says, and `start`
# restarts a running node that was started from another RabbitMQ.
# Progress goes to stderr; `start` and `url` print only the URL on stdout.
set -euo pipefail
# Absolute, because main() changes to / before commands run and usage() reads this file.
SCRIPT_PATH=$(readlink -f "$0")

RMQ_LIB_BIN=/usr/lib/rabbitmq/bin
# The chroot whose RabbitMQ the node runs (empty: the host's). Commands on an existing node switch
# to the one it was started from (use_node_root).
RMQ_ROOT=${WARREN_RABBITMQ_ROOT:-}
NODES_DIR=${WARREN_NODES_DIR:-/tmp/warren-nodes}
START_TIMEOUT=${WARREN_NODE_START_TIMEOUT:-90}
STOP_TIMEOUT=${WARREN_NODE_STOP_TIMEOUT:-60}

log() { printf '[broker-node] %s\n' "$*" >&2; }
die() { printf '[broker-node] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,13p' "${SCRIPT_PATH:-$0}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

now_ms() { date +%s%3N; }

as_rabbitmq_user() { [[ $(id -u) -eq 0 ]] && id -u rabbitmq >/dev/null 2>&1; }

# Closes every descriptor above 2 in this (sub)shell. The detached Erlang VM must not inherit any:
# a caller waiting for this script's output or exit (Foundation's Process watches a socket the child
# inherits) would otherwise wait for the node to die.
close_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [[ $fd -gt 2 ]] && eval "exec $fd>&-" 2>/dev/null || true
    done
}

# Run a RabbitMQ tool (rabbitmq-server, rabbitmqctl) with the node's environment, optionally
# under `timeout SECS`: `rmq [SECS] TOOL ARGS...`.
# Root: as the rabbitmq user via runuser (no shell re-quoting of arguments, unlike the
# /usr/sbin wrappers which go through `su -c`). Others: the tool directly.
# With a chroot (RMQ_ROOT): inside it, as its rabbitmq user, with only HOME, PATH, a UTF-8 locale
# and the RABBITMQ_* variables, and a soft limit of open files raised to the hard one (at most 65536).
rmq() {
    local pre=()
    if [[ $1 =~ ^[0-9]+$ ]]; then
        pre=(timeout "$1")
        shift
    fi
    local tool=$1
    shift
    # 9>&-: the lock's fd must not leak into the detached Erlang VM, or the node would hold
    # the lock for its whole life.
    if [[ -n $RMQ_ROOT ]]; then
        local envs=(HOME=/var/lib/rabbitmq PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8) var
        for var in $(compgen -e | grep '^RABBITMQ_' || true); do envs+=("$var=${!var}"); done
        # runuser's PAM session (pam_limits) puts the soft limit of open files back to 1024, and
        # 4.0's rabbitmq-server has no RABBITMQ_MAX_OPEN_FILES: a small sh raises it up to the hard limit.
        "${pre[@]}" chroot "$RMQ_ROOT" runuser -u rabbitmq -- env -i "${envs[@]}" /bin/sh -c \
            'h=$(ulimit -Hn); { [ "$h" = unlimited ] || [ "$h" -gt 65536 ]; } && h=65536; ulimit -Sn "$h" 2>/dev/null; exec "$@"' \
            sh "$RMQ_LIB_BIN/$tool" "$@" 9>&-
    elif as_rabbitmq_user; then
        if command -v runuser >/dev/null 2>&1; then
            "${pre[@]}" runuser -u rabbitmq -- "$RMQ_LIB_BIN/$tool" "$@" 9>&-
        else
            "${pre[@]}" "/usr/sbin/$tool" "$@" 9>&-
        fi
    else
        "${pre[@]}" "$RMQ_LIB_BIN/$tool" "$@" 9>&-
    fi
}

check_name() {
    [[ ${1:-} =~ ^[A-Za-z0-9_-]+$ ]] || die "NAME must match [A-Za-z0-9_-]+ (got '${1:-}')"
    # epmd registers nodes by the part before '@': "rabbit" would clash with the main broker.
    [[ $1 != rabbit ]] || die "NAME 'rabbit' is the main broker's node name; pick another"
}

node_vars() {
    NAME=$1
    NODE="$NAME@localhost"
    DIR="$NODES_DIR/$NAME"
    PID_FILE="$DIR/$NAME.pid"
    LOCK="$NODES_DIR/.$NAME.lock"
}

# Checks WARREN_RABBITMQ_ROOT (made canonical: the paths bind-mounted in it must not go through
# symlinks).
check_root() {
    [[ -n $RMQ_ROOT ]] || return 0
    [[ $(id -u) -eq 0 ]] || die "WARREN_RABBITMQ_ROOT needs root (chroot, mount)"
    [[ -d $RMQ_ROOT ]] || die "WARREN_RABBITMQ_ROOT=$RMQ_ROOT is not a directory"
    RMQ_ROOT=$(readlink -f "$RMQ_ROOT")
    [[ $RMQ_ROOT != / ]] || die "WARREN_RABBITMQ_ROOT=/ : unset it to use the host's RabbitMQ"
    [[ -x $RMQ_ROOT$RMQ_LIB_BIN/rabbitmq-server ]] ||
        die "no RabbitMQ in $RMQ_ROOT (no $RMQ_LIB_BIN/rabbitmq-server); see scripts/rabbitmq-chroot.sh"
    grep -q '^rabbitmq:' "$RMQ_ROOT/etc/passwd" || die "no rabbitmq user in $RMQ_ROOT/etc/passwd"
    [[ -x $RMQ_ROOT/usr/sbin/runuser || -x $RMQ_ROOT/sbin/runuser || -x $RMQ_ROOT/usr/bin/runuser ]] ||
        die "no runuser in $RMQ_ROOT"
}

# For commands on an existing node: the chroot it was started from (recorded at `start`), whatever
# WARREN_RABBITMQ_ROOT says now.
use_node_root() {
    if [[ -f $DIR/rabbitmq-root ]]; then
        RMQ_ROOT=$(cat "$DIR/rabbitmq-root")
    fi
    check_root
    prepare_root
}

# The uid:gid of the chroot's rabbitmq user (or the host's).
rabbitmq_owner() {
    if [[ -n $RMQ_ROOT ]]; then
        awk -F: '$1 == "rabbitmq" { print $3 ":" $4; found = 1 } END { exit !found }' "$RMQ_ROOT/etc/passwd"
    else
        echo rabbitmq:rabbitmq
    fi
}

# With a chroot: proc mounted in it, NODES_DIR bind-mounted at the same path inside it and an Erlang
# cookie for its rabbitmq user. Idempotent, and under a lock of its own, since three nodes of a
# cluster start at once; the mounts stay for the next node.
prepare_root() {
    [[ -n $RMQ_ROOT ]] || return 0
    (
        exec 6>>"$RMQ_ROOT/.warren-mounts.lock"
        flock -w 60 6 || die "timed out waiting for the lock on $RMQ_ROOT/.warren-mounts.lock"
        mkdir -p "$RMQ_ROOT/proc"
        if ! mountpoint -q "$RMQ_ROOT/proc"; then
            log "mounting proc in $RMQ_ROOT"
            mount -t proc proc "$RMQ_ROOT/proc" || die "mount -t proc proc $RMQ_ROOT/proc failed"
        fi
        local inner="$RMQ_ROOT$NODES_DIR"
        # A symlink on the way (e.g. var/run -> /run) would lead out of the chroot: refuse.
        [[ $(readlink -m "$inner") == "$inner" ]] ||
            die "$inner leads out of the chroot through a symlink; choose another WARREN_NODES_DIR"
        mkdir -p "$inner"
        if mountpoint -q "$inner" && [[ $(stat -c %d:%i "$inner") != "$(stat -c %d:%i "$NODES_DIR")" ]]; then
            # The host's folder was deleted and made again: the mount shows the old one.
            log "$inner shows an older $NODES_DIR: mounting it again"
            umount "$inner" 2>/dev/null || umount -l "$inner"
        fi
        if ! mountpoint -q "$inner"; then
            log "bind-mounting $NODES_DIR at the same path in $RMQ_ROOT"
            mount --bind "$NODES_DIR" "$inner" || die "mount --bind $NODES_DIR $inner failed"
        fi
        local cookie="$RMQ_ROOT/var/lib/rabbitmq/.erlang.cookie" letters
        if [[ ! -s $cookie ]]; then
            log "making an Erlang cookie for the rabbitmq user of $RMQ_ROOT"
            letters=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc 'A-Z')
            (umask 077 && printf '%s' "${letters:0:20}" >"$cookie")
            chown "$(rabbitmq_owner)" "$cookie"
            chmod 400 "$cookie"
        fi
    ) 6>&- || exit 1
}

export_node_env() {
    local port=$1
    export RABBITMQ_NODENAME="$NODE" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$port" \
        RABBITMQ_DIST_PORT=$((port + 20000)) \
        RABBITMQ_MNESIA_BASE="$DIR/mnesia" \
        RABBITMQ_LOG_BASE="$DIR/log" \
        RABBITMQ_PID_FILE="$PID_FILE" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" \
        RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config" \
        RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
}

lock() {
    mkdir -p "$NODES_DIR"
    chmod 1777 "$NODES_DIR" 2>/dev/null || true
    exec 9>>"$LOCK"
    chmod 666 "$LOCK" 2>/dev/null || true
    flock -w 180 9 || die "timed out waiting for the lock on $LOCK"
}

node_pid() {
    local pid
    [[ -s $PID_FILE ]] || return 1
    pid=$(tr -dc '0-9' <"$PID_FILE")
    [[ -n $pid ]] || return 1
    printf '%s\n' "$pid"
}

# True when PID is alive and is this node's Erlang VM (guards against a recycled pid).
is_our_beam() {
    local pid=$1
    [[ -d /proc/$pid ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'beam' || return 1
    if [[ -r /proc/$pid/environ ]]; then
        tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF "RABBITMQ_MNESIA_BASE=$DIR/mnesia" || return 1
    fi
    return 0
}

tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

url_for() { printf 'amqp://guest:guest@127.0.0.1:%s/%%2F\n' "$1"; }

show_logs() {
    local f
    for f in "$DIR/start.out" "$DIR/log/$NODE.log"; do
        [[ -s $f ]] || continue
        log "---- last lines of $f ----"
        tail -n 25 "$f" >&2
    done
}

# Kill a node that refuses to stop: TERM, then KILL. Only our own beam is touched.
kill_node() {
    local pid=$1 i
    is_our_beam "$pid" || return 0
    log "killing $NODE (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        [[ -d /proc/$pid ]] || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        [[ -d /proc/$pid ]] || return 0
        sleep 0.1
    done
    die "pid $pid of $NODE survived SIGKILL"
}

running() {
    local pid
    pid=$(node_pid) || return 1
    is_our_beam "$pid"
}

# The TLS files a node is started with (from --tls-dir).
TLS_FILES=(ca.pem server.pem server-key.pem)

# What identifies a node's setup besides its AMQP port: its TLS port and the checksums of its
# files, its management port, the chroot it runs from; empty for a plain node of the host's RabbitMQ.
node_signature() {
    local tls_port=$1 tls_dir=$2 management_port=$3 root=$4
    if [[ -n $tls_port ]]; then
        printf 'port %s\n' "$tls_port"
        (cd "$tls_dir" && sha256sum "${TLS_FILES[@]}")
    fi
    [[ -z $management_port ]] || printf 'management %s\n' "$management_port"
    [[ -z $root ]] || printf 'root %s\n' "$root"
}

# Checks --management-port.
check_management_port() {
    local port=$1 tls_port=$2 management_port=$3
    [[ -n $management_port ]] || return 0
    [[ $management_port =~ ^[0-9]+$ ]] && ((management_port > 0 && management_port <= 65535)) ||
        die "--management-port must be a number from 1 to 65535 (got '$management_port')"
    ((management_port != port && management_port != port + 20000)) ||
        die "--management-port $management_port clashes with the node's AMQP or distribution port"
    [[ $management_port != "$tls_port" ]] || die "--management-port and --tls-port must differ"
    [[ $management_port -ne 15672 ]] || die "15672 is the main broker's management port; pick another"
}

# Checks --tls-port and --tls-dir: both or neither, a port of its own, readable files.
check_tls_args() {
    local port=$1 tls_port=$2 tls_dir=$3 f
    [[ -n $tls_port || -n $tls_dir ]] || return 0
    [[ -n $tls_port && -n $tls_dir ]] || die "--tls-port and --tls-dir go together"
    [[ $tls_port =~ ^[0-9]+$ ]] && ((tls_port > 0 && tls_port <= 65535)) ||
        die "--tls-port must be a number from 1 to 65535 (got '$tls_port')"
    ((tls_port != port && tls_port != port + 20000)) ||
        die "--tls-port $tls_port clashes with the node's AMQP or distribution port"
    [[ $tls_port -ne 5672 ]] || die "5672 is the main broker's port; pick another"
    [[ -d $tls_dir ]] || die "--tls-dir '$tls_dir' is not a directory"
    for f in "${TLS_FILES[@]}"; do
        [[ -r $tls_dir/$f ]] || die "--tls-dir '$tls_dir' has no readable $f (it needs ${TLS_FILES[*]})"
    done
}

cmd_start() {
    local port=${1:-} tls_port=${2:-} tls_dir=${3:-} management_port=${4:-}
    [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port + 20000 <= 65535)) ||
        die "AMQP_PORT must be a number from 1 to 45535 (the distribution port is AMQP_PORT+20000)"
    [[ $port -ne 5672 ]] || die "5672 is the main broker's port; pick another"
    check_tls_args "$port" "$tls_port" "$tls_dir"
    check_management_port "$port" "$tls_port" "$management_port"
    check_root
    local new_root=$RMQ_ROOT
    lock

    if running; then
        local old_port same_setup=1
        old_port=$(cat "$DIR/port" 2>/dev/null || echo '?')
        [[ $old_port == "$port" ]] || die "$NODE is already running on AMQP port $old_port (asked for $port)"
        [[ $(cat "$DIR/signature" 2>/dev/null) == "$(node_signature "$tls_port" "$tls_dir" "$management_port" "$new_root")" ]] ||
            same_setup=0
        if ((same_setup)) && tcp_open "$port" && { [[ -z $tls_port ]] || tcp_open "$tls_port"; } &&
            { [[ -z $management_port ]] || tcp_open "$management_port"; }; then
            log "$NODE already running on $port (pid $(node_pid))${new_root:+ from $new_root}: reusing it"
            url_for "$port"
            return 0
        fi
        if ((same_setup)); then
            log "$NODE is running but does not answer on $port${tls_port:+ or $tls_port}${management_port:+ or $management_port}: restarting it"
        else
            log "$NODE is running with other settings (TLS, management port or RabbitMQ chroot): restarting it"
        fi
        # Stopped with the RabbitMQ it runs.
        use_node_root
        export_node_env "$port"
        rmq "$STOP_TIMEOUT" rabbitmqctl -q -n "$NODE" stop "$PID_FILE" >/dev/null 2>&1 || true
        kill_node "$(node_pid)"
        RMQ_ROOT=$new_root
    elif [[ -e $DIR ]]; then
        log "removing stale data of a previous $NODE in $DIR"
    fi
    rm -rf "$DIR"
    prepare_root

    local dist=$((port + 20000))
    ! tcp_open "$port" || die "port $port is already in use by something else"
    ! tcp_open "$dist" || die "distribution port $dist is already in use by something else"
    [[ -z $tls_port ]] || ! tcp_open "$tls_port" || die "TLS port $tls_port is already in use by something else"
    [[ -z $management_port ]] || ! tcp_open "$management_port" ||
        die "management port $management_port is already in use by something else"

    mkdir -p "$DIR/mnesia" "$DIR/log"
    if [[ -n $management_port ]]; then
        echo '[rabbitmq_management].' >"$DIR/enabled_plugins"
    else
        echo '[].' >"$DIR/enabled_plugins"
    fi
    {
        echo "# Private test node $NODE, written by scripts/broker-node.sh"
        echo "loopback_users.guest = true"
        if [[ -n $management_port ]]; then
            echo "management.tcp.ip = 127.0.0.1"
            echo "management.tcp.port = $management_port"
        fi
        [[ -z ${WARREN_NODE_CONF:-} ]] || printf '%s\n' "$WARREN_NODE_CONF"
    } | awk '!seen[$0]++' >"$DIR/rabbitmq.conf" # a line given twice (loopback_users) once
    node_signature "$tls_port" "$tls_dir" "$management_port" "$new_root" >"$DIR/signature"
    printf '%s\n' "$new_root" >"$DIR/rabbitmq-root"
    [[ -z $management_port ]] || echo "$management_port" >"$DIR/management-port"
    if [[ -n $tls_port ]]; then
        # Copied: the node may run as the rabbitmq user, who may not be able to read DIR.
        mkdir -p "$DIR/tls"
        local f
        for f in "${TLS_FILES[@]}"; do cp "$tls_dir/$f" "$DIR/tls/$f"; done
        chmod 700 "$DIR/tls"
        chmod 600 "$DIR/tls/"*
        {
            echo "listeners.ssl.default = 127.0.0.1:$tls_port"
            echo "ssl_options.cacertfile = $DIR/tls/ca.pem"
            echo "ssl_options.certfile = $DIR/tls/server.pem"
            echo "ssl_options.keyfile = $DIR/tls/server-key.pem"
            echo "ssl_options.verify = verify_peer"
            echo "ssl_options.fail_if_no_peer_cert = false"
        } >>"$DIR/rabbitmq.conf"
        echo "$tls_port" >"$DIR/tls-port"
    fi
    : >"$DIR/rabbitmq-env.conf"
    echo "$port" >"$DIR/port"
    if [[ -n $RMQ_ROOT ]] || as_rabbitmq_user; then chown -R "$(rabbitmq_owner)" "$DIR"; fi

    launch_node "$port"
}

# Starts the node's VM on its existing data directory and waits until AMQP answers.
launch_node() {
    local port=$1 dist=$(($1 + 20000))
    export_node_env "$port"
    local t0
    t0=$(now_ms)
    log "starting $NODE (AMQP $port$([[ ! -s $DIR/tls-port ]] || echo ", TLS $(cat "$DIR/tls-port")")$([[ ! -s $DIR/management-port ]] || echo ", management $(cat "$DIR/management-port")"), distribution $dist, data $DIR${RMQ_ROOT:+, RabbitMQ of $RMQ_ROOT})"
    if ! (close_inherited_fds; rmq rabbitmq-server -detached >"$DIR/start.out" 2>&1); then
        show_logs
        die "rabbitmq-server -detached failed for $NODE"
    fi
    # `wait PIDFILE` waits for the pid file, Erlang distribution, then the rabbit app; it
    # returns early if the OS process dies.
    if ! rmq "$((START_TIMEOUT + 5))" rabbitmqctl -q -n "$NODE" wait --timeout "$START_TIMEOUT" "$PID_FILE" \
        >>"$DIR/start.out" 2>&1; then
        show_logs
        local pid
        if pid=$(node_pid); then kill_node "$pid"; fi
        die "$NODE did not start within ${START_TIMEOUT} s"
    fi
    local i
    for ((i = 0; i < 50; i++)); do
        tcp_open "$port" && break
        sleep 0.1
    done
    tcp_open "$port" || { show_logs; die "$NODE started but nothing listens on $port"; }
    if [[ -s $DIR/tls-port ]]; then
        local tls_port
        tls_port=$(cat "$DIR/tls-port")
        for ((i = 0; i < 50; i++)); do
            tcp_open "$tls_port" && break
            sleep 0.1
        done
        tcp_open "$tls_port" || { show_logs; die "$NODE started but nothing listens on TLS port $tls_port"; }
    fi
    if [[ -s $DIR/management-port ]]; then
        local management_port
        management_port=$(cat "$DIR/management-port")
        for ((i = 0; i < 150; i++)); do
            tcp_open "$management_port" && break
            sleep 0.1
        done
        tcp_open "$management_port" || { show_logs; die "$NODE started but nothing listens on management port $management_port"; }
    fi
    local ms=$(($(now_ms) - t0))
    log "$NODE up on 127.0.0.1:$port (pid $(node_pid)) in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s"
    url_for "$port"
}


cmd_stop() {
    lock
    if [[ ! -e $DIR ]]; then
        log "$NODE is not running (no $DIR)"
        return 0
    fi
    local pid t0
    t0=$(now_ms)
    if pid=$(node_pid) && is_our_beam "$pid"; then
        use_node_root
        export_node_env "$(cat "$DIR/port" 2>/dev/null || echo 0)"
        log "stopping $NODE (pid $pid)"
        # `stop PIDFILE` returns once the OS process is gone.
        rmq "$STOP_TIMEOUT" rabbitmqctl -q -n "$NODE" stop "$PID_FILE" >/dev/null 2>&1 ||
            log "rabbitmqctl stop failed or timed out"
        kill_node "$pid"
    fi
    rm -rf "$DIR"
    local ms=$(($(now_ms) - t0))
    log "$NODE stopped and $DIR removed in $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s"
}

cmd_status() {
    if running; then
        log "$NODE running: pid $(node_pid), AMQP port $(cat "$DIR/port" 2>/dev/null || echo '?')"
        return 0
    fi
    log "$NODE not running"
    return 3
}

cmd_url() {
    running || die "$NODE is not running"
    url_for "$(cat "$DIR/port")"
}

# Kills the node's VM with SIGKILL, keeping its data (a crash).
cmd_crash() {
    lock
    local pid
    pid=$(node_pid) && is_our_beam "$pid" || die "$NODE is not running"
    log "crashing $NODE (kill -9 pid $pid)"
    kill -KILL "$pid"
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -d /proc/$pid ]] || return 0
        sleep 0.05
    done
    die "pid $pid of $NODE survived SIGKILL"
}

# Starts a crashed or stopped node again on its data, so durable queues and persistent messages
# come back.
cmd_restart() {
    lock
    [[ -f $DIR/port ]] || die "$NODE has no data in $DIR; use start"
    if running; then
        log "$NODE is running already"
        url_for "$(cat "$DIR/port")"
        return 0
    fi
    rm -f "$PID_FILE"
    use_node_root
    # After a kill -9, RabbitMQ 3.10 has been seen to crash once while recovering a classic queue's
    # index journal (rabbit_queue_index:recover_journal) and boot normally the next time: one more try.
    if ! (launch_node "$(cat "$DIR/port")"); then
        log "$NODE did not boot; trying once more"
        rm -f "$PID_FILE"
        launch_node "$(cat "$DIR/port")"
    fi
}

cmd_ctl() {
    running || die "$NODE is not running"
    use_node_root
    export_node_env "$(cat "$DIR/port" 2>/dev/null || echo 0)"
    rmq rabbitmqctl -n "$NODE" "$@"
}

main() {
    [[ $# -ge 2 ]] || usage
    [[ $NODES_DIR == /* ]] || NODES_DIR="$PWD/$NODES_DIR"
    # The tools may run as the rabbitmq user, who may not be able to read the caller's cwd.
    cd /
    local cmd=$1
    check_name "$2"
    node_vars "$2"
    shift 2
    case $cmd in
        start)
            [[ $# -ge 1 ]] || usage
            local port=$1 tls_port='' tls_dir='' management_port=''
            shift
            while [[ $# -gt 0 ]]; do
                case $1 in
                    --management-port) [[ $# -ge 2 ]] || usage; management_port=$2; shift 2 ;;
                    --tls-port) [[ $# -ge 2 ]] || usage; tls_port=$2; shift 2 ;;
                    --tls-dir) [[ $# -ge 2 ]] || usage; tls_dir=$2; shift 2 ;;
                    *) usage ;;
                esac
            done
            # main changed to / already; a relative DIR is relative to the caller's folder.
            if [[ -n $tls_dir && $tls_dir != /* ]]; then tls_dir="$OLDPWD/$tls_dir"; fi
            cmd_start "$port" "$tls_port" "$tls_dir" "$management_port"
            ;;
        stop) [[ $# -eq 0 ]] || usage; cmd_stop ;;
        status) [[ $# -eq 0 ]] || usage; cmd_status ;;
        url) [[ $# -eq 0 ]] || usage; cmd_url ;;
        ctl) [[ $# -ge 1 ]] || usage; cmd_ctl "$@" ;;
        crash) [[ $# -eq 0 ]] || usage; cmd_crash ;;
        restart) [[ $# -eq 0 ]] || usage; cmd_restart ;;
        *) usage ;;
    esac
}

main "$@"
