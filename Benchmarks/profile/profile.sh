#!/usr/bin/env bash
# Profiles the Swift side of publish-256, consume-256 and drain (and the C baseline for comparison)
# with callgrind and counts syscalls and context switches natively with perf stat. See
# docs/benchmarks.md, "Profile".
#
#   bash Benchmarks/profile/profile.sh [OUT_DIR [SECTION...]]   # default .build-bench/profile/<time>, all sections
#
# Sections: publish consume drain enqueue.
# Needs valgrind, perf (syscall tracepoints) and python3; uses the binaries scripts/bench.sh builds
# (.build-bench/release/WarrenBenchmarks, Benchmarks/c/build/rmqbench). N (default 5000) messages per
# profiled run under callgrind, PERF_N (default 30000) under perf stat. Queues are filled by a separate
# process first, so the profiles hold only the measured work (plus connection setup).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${1:-$root/.build-bench/profile/$(date +%Y%m%d-%H%M%S)}
shift || true
sections=${*:-publish consume drain enqueue}
want() { [[ " $sections " == *" $1 "* ]]; }
mkdir -p "$out"
n=${N:-5000}
n_base=${N_BASE:-1000}
perf_n=${PERF_N:-30000}
swift_bench=$root/.build-bench/release/WarrenBenchmarks
c_bench=$root/Benchmarks/c/build/rmqbench
[[ -x $swift_bench && -x $c_bench ]] || { echo "[profile] build first: scripts/bench.sh builds $swift_bench and $c_bench" >&2; exit 1; }
calls="python3 $root/Benchmarks/profile/callgrind_calls.py"
callees=(--callee malloc --callee free --callee swift_allocObject --callee swift_task_create --callee 'swift_continuation_init'
         --callee 'swift_task_alloc' --callee send --callee sendto --callee recv --callee recvfrom --callee read --callee write
         --callee poll --callee 'pthread_mutex_lock' --callee '$ss9SystemCoreEpSiRA_8Mutex*' --callee 'futex*' --callee '__lll_lock_wait'
         --callee 'syscall')

cgrun() {  # cgrun FILE COMMAND...
    local file=$1; shift
    valgrind --tool=callgrind --callgrind-out-file="$file" --compress-strings=no --compress-pos=no \
        --separate-threads=no --collect-systime=nsec --fair-sched=yes "$@" >"$file.stdout" 2>"$file.valgrind.log"
}

# cg NAME SETUP COMMAND...: two callgrind runs of COMMAND, with --count $n and --count $n_base, each
# after SETUP COUNT (a function that may set $queue, which replaces the word QUEUE in COMMAND), and the
# marginal per-message summary of the difference. Queues are deleted after each run.
cg() {
    local name=$1 setup=$2 count file; shift 2
    echo "[profile] callgrind $name: $* (--count $n and $n_base)" >&2
    for count in "$n_base" "$n"; do
        queue=""
        $setup "$count"
        local args=()
        for a in "$@"; do [[ $a == QUEUE ]] && args+=("$queue") || args+=("$a"); done
        file=$out/$name.callgrind
        [[ $count == "$n_base" ]] && file=$out/$name.base.callgrind
        cgrun "$file" "${args[@]}" --count "$count"
        [[ -n $queue ]] && "$swift_bench" delete-queues "$queue"
    done
    $calls "$out/$name.callgrind" --messages "$n" --baseline "$out/$name.base.callgrind" --baseline-messages "$n_base" \
        "${callees[@]}" --top 80 | swift demangle --simplified >"$out/$name.summary.txt"
}

ps() {  # ps NAME MESSAGES COMMAND...: syscalls and context switches natively, per message
    local name=$1 messages=$2; shift 2
    echo "[profile] perf stat $name: $*" >&2
    perf stat -x, -o "$out/$name.perfstat" -e 'context-switches,cpu-migrations,task-clock' \
        -e 'syscalls:sys_enter_write,syscalls:sys_enter_read,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom' \
        -e 'syscalls:sys_enter_poll,syscalls:sys_enter_futex,syscalls:sys_enter_writev,syscalls:sys_enter_sendmsg' \
        "$@" >"$out/$name.stdout" 2>>"$out/$name.perf.log"
    awk -F, -v n="$messages" -v name="$name" '$1 ~ /^[0-9.]+$/ { printf "%-28s %-34s %12.0f  %8.3f per message\n", name, $3, $1, $1 / n }' \
        "$out/$name.perfstat" >"$out/$name.perf.txt"
    cat "$out/$name.perf.txt"
}

q() { echo "warren-bench-profile-$1-$$-$RANDOM"; }
# Setups for cg: fill a fresh queue with COUNT messages in a separate process.
raw_queue() { queue=$(q consume); "$swift_bench" fill --raw --queue "$queue" --count "$1"; }
task_queue() { queue=$(q drain); "$swift_bench" fill --queue "$queue" --count "$1"; }
nothing() { :; }

# publish, 256 in flight
if want publish; then
    cg warren-publish-256 nothing "$swift_bench" publish --in-flight 256
    cg c-publish-256 nothing "$c_bench" publish --confirm-window 256
    ps warren-publish-256 "$perf_n" "$swift_bench" publish --count "$perf_n" --in-flight 256
    ps c-publish-256 "$perf_n" "$c_bench" publish --count "$perf_n" --confirm-window 256
fi

# consume, prefetch 256, ack each (queues filled by another process first)
if want consume; then
    cg warren-consume-256 raw_queue "$swift_bench" consume --queue QUEUE --prefetch 256
    cg c-consume-256 raw_queue "$c_bench" consume --queue QUEUE --prefetch 256
    raw_queue "$perf_n"; ps warren-consume-256 "$perf_n" "$swift_bench" consume --queue "$queue" --delete --count "$perf_n" --prefetch 256
    raw_queue "$perf_n"; ps c-consume-256 "$perf_n" "$c_bench" consume --queue "$queue" --count "$perf_n" --prefetch 256
    "$swift_bench" delete-queues "$queue"
fi

# drain, concurrency 128 (prefetch 256), tasks filled by another process first
if want drain; then
    cg warren-drain-128 task_queue "$swift_bench" drain --queue QUEUE --delete --concurrency 128
    task_queue "$perf_n"; ps warren-drain-128 "$perf_n" "$swift_bench" drain --queue "$queue" --delete --count "$perf_n" --concurrency 128
fi

# enqueue, batches of 256 (2 callers, 256 confirms in flight)
if want enqueue; then
    cg warren-enqueue-batch nothing "$swift_bench" enqueue --batch 256 --concurrency 2
    ps warren-enqueue-batch "$perf_n" "$swift_bench" enqueue --count "$perf_n" --batch 256 --concurrency 2
fi

echo "[profile] results in $out" >&2
