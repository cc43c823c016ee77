#!/usr/bin/env bash
# Warren's benchmarks against the raw rabbitmq-c baseline, interleaved on the same broker
# (docs/benchmarks.md).
#
#   bash scripts/bench.sh                 # build both in release, 3 interleaved rounds + the 1M-task leak run
#   bash scripts/bench.sh --rounds 5      # more rounds
#   bash scripts/bench.sh --no-leak       # skip the 1,000,000-task worker memory run
#   bash scripts/bench.sh --smoke         # CI: one small round (a few thousand messages), well under a minute
#   bash scripts/bench.sh --no-build      # reuse the binaries already built
#   BENCH_DYNAMIC=1 bash scripts/bench.sh # Swift runtime and Foundation as shared libraries (default: static, as deployed)
#
# AMQP_URL (or --url) chooses the broker; default amqp://guest:guest@127.0.0.1:5672/%2F.
# Every result is one JSON line, collected in .build-bench/results/<time>/results.jsonl (stderr of
# each command in bench.log there); the markdown table of medians and Warren / C ratios is printed at
# the end (WarrenBenchmarks report). Within a round each Warren benchmark runs right next to its C
# counterpart; odd rounds run C first, even rounds Warren first. When the broker runs on this
# machine, each result also gets "broker_cpu_s": the CPU time its Erlang VM spent while the command
# ran (for the broker's CPU per message in the report).
#
# The exit status is non-zero when a benchmark fails to run (or prints no result), never because of a
# ratio or a target.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rounds=3
smoke=0
build=1
leak=1
url=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --smoke) smoke=1; shift ;;
        --no-build) build=0; shift ;;
        --no-leak) leak=0; shift ;;
        --url) url=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
export AMQP_URL=$url

# Message counts: each result takes a few seconds on a 2-core machine (publish-256 ~17k msg/s).
if [[ $smoke == 1 ]]; then
    rounds=1
    n_pub=2000 n_pub1=200 n_cons=2000 n_cons1=1000 n_enq=2000 n_enq1=200 n_drain=2000 n_drain1=500
    n_lat=100 n_leak=4000 leak_every=1000
else
    n_pub=30000 n_pub1=2000 n_cons=40000 n_cons1=10000 n_enq=30000 n_enq1=1000 n_drain=40000 n_drain1=5000
    n_lat=500 n_leak=1000000 leak_every=100000
fi
size=${BENCH_SIZE:-100}

swift_bench=$root/.build-bench/release/WarrenBenchmarks
c_bench=$root/Benchmarks/c/build/rmqbench

if [[ $build == 1 ]]; then
    echo "[bench] building WarrenBenchmarks (release) and rmqbench" >&2
    # Linked like the deployed images (docker/Dockerfile): the Swift runtime and Foundation static.
    # BENCH_DYNAMIC=1 links them as shared libraries instead (about 6 MB more resident per process).
    static=--static-swift-stdlib
    [[ ${BENCH_DYNAMIC:-0} == 1 ]] && static=
    swift build -c release $static --scratch-path "$root/.build-bench" --product WarrenBenchmarks >&2 || { echo "[bench] swift build failed" >&2; exit 1; }
    make -s -C "$root/Benchmarks/c" >&2 || { echo "[bench] make failed" >&2; exit 1; }
fi
[[ -x $swift_bench && -x $c_bench ]] || { echo "[bench] binaries missing; build first" >&2; exit 1; }

# find_broker_pid: the broker's Erlang VM when the URL names this machine: the beam.smp listening on
# the URL's port (ss), else the oldest beam.smp; nothing when there is none we can read.
find_broker_pid() {
    local authority=${url#*://} host port pid
    authority=${authority%%/*}
    authority=${authority##*@}
    if [[ $authority =~ ^(.*):([0-9]+)$ ]]; then
        host=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]}
    else
        host=$authority port=5672
        [[ $url == amqps:* ]] && port=5671
    fi
    case $host in
        '' | localhost | 127.* | '[::1]' | "$(hostname)") ;;
        *) return 0 ;;
    esac
    pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'beam\.smp",pid=[0-9]*' | head -n 1)
    pid=${pid##*=}
    [[ -n $pid ]] || pid=$(pgrep -o beam.smp)
    [[ -n $pid && -r /proc/$pid/stat ]] && echo "$pid"
}

# broker_ticks: the broker VM's CPU time so far, user + system (fields 14 and 15 of /proc/PID/stat),
# in clock ticks; nothing when it cannot be read (no local broker, or it has gone).
broker_ticks() {
    [[ -n $broker_pid ]] || return 0
    local stat fields
    stat=$(cat "/proc/$broker_pid/stat" 2>/dev/null) || return 0
    read -ra fields <<<"${stat##*) }" # from field 3 on: the name in field 2 may hold spaces
    echo $((fields[11] + fields[12]))
}

# broker_cpu_seconds BEFORE AFTER: the broker's CPU seconds between two broker_ticks readings, with 2
# decimals; nothing when either is missing.
broker_cpu_seconds() {
    [[ -n $1 && -n $2 ]] || return 0
    awk -v ticks=$(($2 - $1)) -v hz="$clock_ticks" 'BEGIN { printf "%.2f", ticks / hz }'
}

broker_pid=$(find_broker_pid)
clock_ticks=$(getconf CLK_TCK)
if [[ -n $broker_pid ]]; then
    echo "[bench] broker CPU: /proc/$broker_pid/stat (beam.smp), added to each result as broker_cpu_s" >&2
else
    echo "[bench] broker CPU: not measured (no local broker process to read)" >&2
fi

out=$root/.build-bench/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
results=$out/results.jsonl
log=$out/bench.log
: >"$results"
failures=()
started=$SECONDS

# run NAME COMMAND...: runs one benchmark (bounded by a timeout), appends its JSON line to results,
# with "broker_cpu_s" (the broker's CPU time during the command) before its final } when measured.
run() {
    local name=$1; shift
    local before after status=0 ticks_before ticks_after cpu summary
    before=$(wc -l <"$results")
    echo "[bench] $name: $*" >>"$log"
    ticks_before=$(broker_ticks)
    timeout --kill-after=10s "${BENCH_TIMEOUT:-600}" "$@" --name "$name" >>"$results" 2>>"$log" || status=$?
    ticks_after=$(broker_ticks)
    after=$(wc -l <"$results")
    if [[ $status -ne 0 || $after -eq $before ]]; then
        echo "[bench] FAILED: $name (exit $status): $*" >&2
        failures+=("$name")
    else
        cpu=$(broker_cpu_seconds "$ticks_before" "$ticks_after")
        [[ -n $cpu ]] && sed -i '$ s/}$/,"broker_cpu_s":'"$cpu"'}/' "$results"
        summary=$(tail -n 1 "$results" | sed 's/"params":.*"msgs_per_s"/… "msgs_per_s"/; s/,"rss_samples_kb".*//; s/,"broker_cpu_s":[0-9.]*//' | cut -c1-160)
        echo "$summary${cpu:+ (broker CPU $cpu s)}" >&2
    fi
}

# pair ROUND NAME "C command" "Warren command" [C_NAME]: both, in the round's order; the C result is
# named C_NAME when given (a C run of other messages beside a Warren benchmark), else NAME.
pair() {
    local round=$1 name=$2 c=$3 w=$4 c_name=${5:-$2}
    if (( round % 2 == 1 )); then
        [[ -n $c ]] && run "$c_name" $c_bench $c
        run "$name" $swift_bench $w
    else
        run "$name" $swift_bench $w
        [[ -n $c ]] && run "$c_name" $c_bench $c
    fi
}

# fill_and_drain ROUND NAME COUNT CONCURRENCY: fills a task queue in its own process, then drains it.
fill_and_drain() {
    local name=$2 count=$3 concurrency=$4 queue
    queue=warren-bench-drain-$$-$RANDOM$RANDOM
    if timeout "${BENCH_TIMEOUT:-600}" $swift_bench fill --queue "$queue" --count "$count" --size "$size" 2>>"$log"; then
        run "$name" $swift_bench drain --queue "$queue" --delete --count "$count" --size "$size" --concurrency "$concurrency" ${5:+--rss-every $5}
    else
        echo "[bench] FAILED: fill for $name" >&2
        failures+=("$name (fill)")
    fi
}

# fill_and_consume_c NAME COUNT: C consuming COUNT tasks that `fill` enqueued first in its own process
# (as fill_and_drain does: outside run, so that broker_cpu_s counts the consume alone), then deleting
# the queue and its .dead queue (declared by fill, as by a worker).
fill_and_consume_c() {
    local name=$1 count=$2 queue
    queue=warren-bench-drain-$$-$RANDOM$RANDOM
    if timeout "${BENCH_TIMEOUT:-600}" $swift_bench fill --queue "$queue" --count "$count" --size "$size" 2>>"$log"; then
        run "$name" $c_bench consume --queue "$queue" --count "$count" --prefetch 256 --size "$task_body"
    else
        echo "[bench] FAILED: fill for $name" >&2
        failures+=("$name (fill)")
    fi
    timeout 60 $swift_bench delete-queues "$queue" "$queue.dead" 2>>"$log" || echo "[bench] warning: could not delete $queue" >&2
}

# drain_pair ROUND NAME COUNT CONCURRENCY: fill_and_drain next to C consuming as many of the same
# task messages (the broker's cost of delivering a task, without Warren).
drain_pair() {
    if (( $1 % 2 == 1 )); then
        fill_and_consume_c consume-task-256 "$3"
        fill_and_drain "$@"
    else
        fill_and_drain "$@"
        fill_and_consume_c consume-task-256 "$3"
    fi
}

common="--size $size"
# The JSON body of a --size task (BenchTask: id, sentAt and a payload of --size characters), for the
# C runs with --task-shaped messages.
task_body=$((size + 49))
for ((round = 1; round <= rounds; round++)); do
    echo "[bench] round $round of $rounds" >&2
    pair $round publish-confirm-256 "publish --count $n_pub --confirm-window 256 $common" "publish --count $n_pub --in-flight 256 $common"
    pair $round publish-confirm-1 "publish --count $n_pub1 --confirm-window 1 $common" "publish --count $n_pub1 --in-flight 1 $common"
    pair $round publish-noconfirm "publish --count $n_pub --no-confirm $common" "publish --count $n_pub --no-confirms --in-flight 1 $common"
    pair $round publish-batch-64x4 "" "publish --count $n_pub --in-flight 4 --batch 64 $common"
    pair $round consume-p256 "consume --count $n_cons --prefetch 256 $common" "consume --count $n_cons --prefetch 256 $common"
    pair $round consume-p256-multi "consume --count $n_cons --prefetch 256 --ack-every 128 $common" "consume --count $n_cons --prefetch 256 --ack-every 128 $common"
    pair $round consume-p1 "consume --count $n_cons1 --prefetch 1 $common" "consume --count $n_cons1 --prefetch 1 $common"
    pair $round enqueue-batch "publish --count $n_enq --confirm-window 256 --size $task_body --task-shaped" "enqueue --count $n_enq --batch 256 --concurrency 2 --window 256 $common" publish-task-256
    pair $round enqueue-single "" "enqueue --count $n_enq --batch 1 --concurrency 256 --window 256 $common"
    pair $round enqueue-single-1 "" "enqueue --count $n_enq1 --batch 1 --concurrency 1 --window 256 $common"
    drain_pair $round drain-c128 $n_drain 128
    fill_and_drain $round drain-c1 $n_drain1 1
    pair $round latency-worker "latency --count $n_lat --rate 100 --size $task_body --task-shaped --confirm" "latency --count $n_lat --rate 100 --layer worker $common" latency-task-confirm
    pair $round latency-amqp "latency --count $n_lat --rate 100 $common" "latency --count $n_lat --rate 100 --layer amqp $common"
done

# fill_while_draining NAME COUNT CONCURRENCY RSS_EVERY: a producer process enqueues while the worker
# drains (both declare the same topology), so the memory run takes about one pass, not two.
fill_while_draining() {
    local name=$1 count=$2 concurrency=$3 every=$4 queue fill_pid fill_status=0
    queue=warren-bench-drain-$$-$RANDOM$RANDOM
    timeout "${BENCH_TIMEOUT:-600}" $swift_bench fill --queue "$queue" --count "$count" --size "$size" 2>>"$log" &
    fill_pid=$!
    run "$name" $swift_bench drain --queue "$queue" --delete --count "$count" --size "$size" --concurrency "$concurrency" --rss-every "$every"
    wait "$fill_pid" || fill_status=$?
    if [[ $fill_status -ne 0 ]]; then
        echo "[bench] FAILED: the producer feeding $name (exit $fill_status)" >&2
        failures+=("$name (fill)")
    fi
}

if [[ $leak == 1 ]]; then
    echo "[bench] worker memory: draining $n_leak tasks while a producer process enqueues them (VmRSS every $leak_every)" >&2
    fill_while_draining drain-leak $n_leak 128 $leak_every
fi

echo "[bench] done in $((SECONDS - started)) s; results in $results" >&2
echo
echo "Warren / C, medians of $rounds interleaved round(s), broker $(echo "$url" | sed 's#//[^@]*@#//#'), $(nproc) cores, size $size B"
echo
$swift_bench report "$results" || failures+=("report")

if [[ ${#failures[@]} -gt 0 ]]; then
    echo "[bench] ${#failures[@]} benchmark(s) failed to run: ${failures[*]} (see $log)" >&2
    exit 1
fi
