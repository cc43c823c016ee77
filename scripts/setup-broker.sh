#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers AMQP on 127.0.0.1:5672 with guest/guest on vhost "/"
# (with the management plugin enabled), and that librabbitmq-dev is installed. Idempotent: a
# broker that already answers is reused.
#
#   bash scripts/setup-broker.sh          # run directly
#   source scripts/setup-broker.sh        # from another bash script (also exports AMQP_URL if unset)
#
# Installs with apt-get on Debian/Ubuntu when something is missing (as root, or through
# `sudo -n` when not root). Starts `rabbitmq-server -detached` when nothing answers and waits
# at most WARREN_BROKER_START_TIMEOUT seconds (default 90).
#
# The work runs in a subshell, so sourcing this file neither changes the caller's shell
# options nor exits the caller's shell; the `source` command simply fails on error.

_wsb_log() { printf '[setup-broker] %s\n' "$*" >&2; }
_wsb_die() { printf '[setup-broker] ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command with root privileges: directly as root, else through non-interactive sudo.
_wsb_as_root() {
    if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        return 126
    fi
}

_wsb_can_be_root() {
    [[ ${EUID:-$(id -u)} -eq 0 ]] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

# Talk just enough AMQP 0-9-1 to log in as guest/guest and open vhost "/", using bash's
# /dev/tcp and no other client. Exit status:
#   0 logged in and opened "/"   1 nothing (or nothing AMQP) answers   2 login refused
#   3 vhost "/" refused          4 unexpected protocol reply
# Runs in its own bash under `timeout`, because /dev/tcp reads can block.
_wsb_amqp_probe_impl() {
    local host=$1 port=$2
    exec 3<>"/dev/tcp/$host/$port" || exit 1
    # Read exactly N bytes from the socket, print them as lowercase hex (no spaces).
    rd() { dd bs="$1" count=1 iflag=fullblock status=none <&3 | od -An -v -tx1 | tr -d ' \n'; }
    # Read one frame; sets FRAME_TYPE and FRAME_PAYLOAD (hex). Fails on EOF.
    read_frame() {
        local hdr size
        hdr=$(rd 7)
        [[ ${#hdr} -eq 14 ]] || return 1
        FRAME_TYPE=${hdr:0:2}
        size=$((16#${hdr:6:8}))
        FRAME_PAYLOAD=""
        if ((size > 0)); then FRAME_PAYLOAD=$(rd "$size"); fi
        [[ $(rd 1) == ce ]] || return 1
    }
    printf 'AMQP\x00\x00\x09\x01' >&3
    # connection.start (class 10 = 0x000a, method 10 = 0x000a)
    read_frame || exit 1
    [[ $FRAME_TYPE == 01 && ${FRAME_PAYLOAD:0:8} == 000a000a ]] || exit 1
    # connection.start-ok: empty client-properties, PLAIN "\0guest\0guest", locale en_US.
    # payload = 4 (method) + 4 (table) + 6 + 4 + 12 + 6 = 36 = 0x24
    printf '\x01\x00\x00\x00\x00\x00\x24\x00\x0a\x00\x0b\x00\x00\x00\x00\x05PLAIN\x00\x00\x00\x0c\x00guest\x00guest\x05en_US\xce' >&3
    # connection.tune (0x000a001e) on success; a refused login closes the socket (or sends
    # connection.close 403 ACCESS_REFUSED).
    read_frame || exit 2
    case ${FRAME_PAYLOAD:0:12} in
        000a001e*) ;;
        000a00320193) exit 2 ;;
        *) exit 4 ;;
    esac
    # connection.tune-ok: channel-max 1, frame-max 131072, heartbeat 0. (RabbitMQ 3.10 rejects
    # channel-max 0, "no limit", when its own channel_max is 2047.)
    printf '\x01\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x1f\x00\x01\x00\x02\x00\x00\x00\x00\xce' >&3
    # connection.open vhost "/".
    printf '\x01\x00\x00\x00\x00\x00\x08\x00\x0a\x00\x28\x01/\x00\x00\xce' >&3
    # connection.open-ok (0x000a0029), or connection.close 403 ACCESS_REFUSED / 530 NOT_ALLOWED.
    read_frame || exit 4
    case ${FRAME_PAYLOAD:0:12} in
        000a0029*) ;;
        000a00320193 | 000a00320212) exit 3 ;;
        *) exit 4 ;;
    esac
    # connection.close 200, then wait for close-ok so the broker logs a clean close.
    printf '\x01\x00\x00\x00\x00\x00\x0b\x00\x0a\x00\x32\x00\xc8\x00\x00\x00\x00\x00\xce' >&3
    read_frame || true
    exit 0
}

_wsb_amqp_probe() {
    local rc=0
    timeout 5 bash -c "$(declare -f _wsb_amqp_probe_impl); _wsb_amqp_probe_impl \"\$@\"" \
        _ "${1:-127.0.0.1}" "${2:-5672}" 2>/dev/null || rc=$?
    # timeout(1) exits 124 when the broker accepted TCP but never answered.
    [[ $rc -eq 124 ]] && rc=1
    return "$rc"
}

_wsb_missing_packages() {
    local missing=()
    command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
    if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists librabbitmq; } \
        && [[ ! -f /usr/include/amqp.h ]]; then
        missing+=(librabbitmq-dev)
    fi
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    printf '%s\n' "${missing[@]}"
}

_wsb_install_packages() {
    command -v apt-get >/dev/null 2>&1 ||
        _wsb_die "missing: $*; no apt-get here, install rabbitmq-server, librabbitmq-dev (0.11) and pkg-config yourself"
    _wsb_can_be_root ||
        _wsb_die "missing: $*; need root or passwordless sudo to run apt-get"
    _wsb_log "installing rabbitmq-server librabbitmq-dev pkg-config (missing: $*)"
    local t0=$SECONDS
    _wsb_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
        _wsb_die "apt-get update failed"
    _wsb_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        rabbitmq-server librabbitmq-dev pkg-config >/dev/null ||
        _wsb_die "apt-get install rabbitmq-server librabbitmq-dev pkg-config failed"
    _wsb_log "installed in $((SECONDS - t0)) s"
}

# Pid file of the default node (rabbit@<short hostname>) as the Debian package lays it out.
_wsb_pid_file() {
    local short
    short=$(hostname -s 2>/dev/null || hostname 2>/dev/null || uname -n)
    short=${short%%.*}
    local f="/var/lib/rabbitmq/mnesia/rabbit@${short}.pid"
    if [[ ! -e $f && -e /var/run/rabbitmq/pid ]]; then
        f=/var/run/rabbitmq/pid # started by /etc/init.d/rabbitmq-server (e.g. from apt's postinst)
    fi
    printf '%s\n' "$f"
}

_wsb_show_logs() {
    local f
    for f in "$@" /var/log/rabbitmq/rabbit@*.log /var/log/rabbitmq/startup_err; do
        [[ -s $f ]] || continue
        _wsb_log "---- last lines of $f ----"
        _wsb_as_root tail -n 25 "$f" >&2 || true
    done
}

# Wait until the broker answers AMQP (probe status 0/2/3) or the deadline passes.
_wsb_wait_amqp() {
    local deadline=$1 rc
    while ((SECONDS < deadline)); do
        rc=0
        _wsb_amqp_probe || rc=$?
        [[ $rc -ne 1 ]] && return 0
        sleep 1
    done
    return 1
}

_wsb_ensure_guest() {
    local rc=0
    _wsb_amqp_probe || rc=$?
    case $rc in
        0) return 0 ;;
        1) _wsb_die "the broker stopped answering on 127.0.0.1:5672" ;;
        4) _wsb_die "something on 127.0.0.1:5672 speaks unexpected AMQP; not a RabbitMQ 3.x broker?" ;;
    esac
    _wsb_can_be_root ||
        _wsb_die "guest/guest cannot $([[ $rc -eq 2 ]] && echo 'log in' || echo 'open vhost /') and without root/sudo this script cannot fix it"
    if [[ $rc -eq 2 ]]; then
        if _wsb_as_root rabbitmqctl -q list_users 2>/dev/null | awk '{print $1}' | grep -qx guest; then
            _wsb_log "guest login refused: resetting guest's password to 'guest'"
            _wsb_as_root rabbitmqctl -q change_password guest guest >/dev/null
        else
            _wsb_log "no guest user: creating guest/guest"
            _wsb_as_root rabbitmqctl -q add_user guest guest >/dev/null
            _wsb_as_root rabbitmqctl -q set_user_tags guest administrator >/dev/null
        fi
    else
        _wsb_log "guest cannot open vhost /: granting guest all permissions on /"
    fi
    _wsb_as_root rabbitmqctl -q set_permissions -p / guest '.*' '.*' '.*' >/dev/null
    rc=0
    _wsb_amqp_probe || rc=$?
    [[ $rc -eq 0 ]] ||
        _wsb_die "guest/guest still cannot use vhost / (probe status $rc); check loopback_users / auth_backends in /etc/rabbitmq/rabbitmq.conf"
}

# `warren queues` (without --queue) lists task queues through the management HTTP API
# (port 15672), so the main broker gets the rabbitmq_management plugin. Best effort: without it
# only that listing needs --queue. Enabling applies to the running node, no restart.
_wsb_ensure_management() {
    if _wsb_as_root rabbitmq-plugins -q is_enabled rabbitmq_management >/dev/null 2>&1; then
        return 0
    fi
    _wsb_log "enabling the rabbitmq_management plugin (HTTP API on 127.0.0.1:15672)"
    _wsb_as_root rabbitmq-plugins -q enable rabbitmq_management >/dev/null 2>&1 ||
        _wsb_log "could not enable rabbitmq_management; 'warren queues' then needs --queue"
}

warren_setup_broker() (
    set -euo pipefail
    # Debian keeps rabbitmq-server and rabbitmqctl in /usr/sbin, which non-root users lack.
    case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
    export PATH

    local t0=$SECONDS missing
    missing=$(_wsb_missing_packages | tr '\n' ' ')
    missing=${missing% }
    if [[ -n $missing ]]; then
        _wsb_install_packages $missing
        missing=$(_wsb_missing_packages | tr '\n' ' ')
        missing=${missing% }
        [[ -z $missing ]] || _wsb_die "still missing after apt-get install: $missing"
    else
        _wsb_log "rabbitmq-server, librabbitmq $(pkg-config --modversion librabbitmq 2>/dev/null || echo '(headers in /usr/include)') and pkg-config are installed"
    fi

    local rc=0
    _wsb_amqp_probe || rc=$?
    if [[ $rc -eq 1 ]]; then
        _wsb_can_be_root || _wsb_die "no broker on 127.0.0.1:5672 and no root/sudo to start one"
        local timeout=${WARREN_BROKER_START_TIMEOUT:-90}
        local deadline=$((SECONDS + timeout)) pid_file
        pid_file=$(_wsb_pid_file)
        # A node may be running but still booting (e.g. just started by apt's postinst).
        if _wsb_as_root rabbitmqctl -q ping >/dev/null 2>&1; then
            _wsb_log "a RabbitMQ node is running but AMQP is not up yet: waiting (at most ${timeout} s)"
            _wsb_as_root timeout "$timeout" rabbitmqctl -q await_startup --timeout "$timeout" >/dev/null 2>&1 || true
        else
            _wsb_log "nothing answers AMQP on 127.0.0.1:5672: starting rabbitmq-server -detached"
            local out
            out=$(mktemp "${TMPDIR:-/tmp}/warren-rabbitmq-start.XXXXXX")
            # The Debian wrapper runs the server as the rabbitmq user (via su) from /var/lib/rabbitmq.
            if ! _wsb_as_root rabbitmq-server -detached >"$out" 2>&1; then
                cat "$out" >&2
                _wsb_show_logs
                rm -f "$out"
                _wsb_die "rabbitmq-server -detached failed"
            fi
            rm -f "$out"
            pid_file=$(_wsb_pid_file)
            _wsb_log "waiting for the node (pid file $pid_file, at most ${timeout} s)"
            # `rabbitmqctl wait` waits for the pid file, then Erlang distribution, then the app.
            if ! _wsb_as_root timeout "$timeout" rabbitmqctl -q wait --timeout "$timeout" "$pid_file" >/dev/null 2>&1; then
                if ! _wsb_as_root rabbitmqctl -q ping >/dev/null 2>&1; then
                    _wsb_show_logs
                    _wsb_die "the RabbitMQ node exited or never came up (pid file $pid_file)"
                fi
                _wsb_log "rabbitmqctl wait did not confirm startup; polling AMQP instead"
            fi
        fi
        if ! _wsb_wait_amqp "$deadline"; then
            _wsb_show_logs
            _wsb_die "RabbitMQ did not answer AMQP on 127.0.0.1:5672 within ${timeout} s"
        fi
        _wsb_log "RabbitMQ is up after $((SECONDS - t0)) s"
    elif [[ $rc -eq 4 ]]; then
        _wsb_die "something listens on 127.0.0.1:5672 but does not answer like RabbitMQ"
    else
        _wsb_log "reusing the broker already answering on 127.0.0.1:5672"
    fi

    _wsb_ensure_guest
    _wsb_ensure_management
    _wsb_log "ready: amqp://guest:guest@127.0.0.1:5672/%2F ($((SECONDS - t0)) s)"
)

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    warren_setup_broker "$@"
else
    # Sourced: run, and hand the status to `source` (the caller's `set -e` decides what happens).
    warren_setup_broker "$@" && export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}"
fi
