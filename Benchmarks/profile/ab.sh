#!/usr/bin/env bash
# Compares two builds of WarrenBenchmarks (before / after a change), interleaved A B B A …, and prints
# the median msg/s (and latency p50/p99) of each and the ratio B / A. Needs python3.
#
#   bash Benchmarks/profile/ab.sh BIN_A BIN_B [ROUNDS] [BENCH...]
#
# BENCH: publish-256 consume-256 enqueue-batch enqueue-single drain-128 latency-worker (default), and
# publish-1 publish-noconfirm enqueue-single-1 latency-amqp.
set -uo pipefail
a=$1 b=$2
rounds=${3:-4}
shift 3 2>/dev/null || shift $#
benches=${*:-publish-256 consume-256 enqueue-batch enqueue-single drain-128 latency-worker}
out=$(mktemp -d /tmp/warren-ab.XXXXXX)

one() {  # one LABEL BIN BENCH
    local label=$1 bin=$2 bench=$3 queue
    case $bench in
        publish-256) "$bin" publish --count 30000 --in-flight 256 --name "$bench" ;;
        consume-256) "$bin" consume --count 40000 --prefetch 256 --name "$bench" ;;
        enqueue-batch) "$bin" enqueue --count 30000 --batch 256 --concurrency 2 --name "$bench" ;;
        enqueue-single) "$bin" enqueue --count 30000 --batch 1 --concurrency 256 --name "$bench" ;;
        drain-128)
            queue=warren-bench-ab-$$-$RANDOM
            "$bin" fill --queue "$queue" --count 40000 2>/dev/null
            "$bin" drain --queue "$queue" --delete --count 40000 --concurrency 128 --name "$bench" ;;
        latency-worker) "$bin" latency --count 500 --rate 100 --name "$bench" ;;
        latency-amqp) "$bin" latency --count 500 --rate 100 --layer amqp --name "$bench" ;;
        publish-1) "$bin" publish --count 2000 --in-flight 1 --name "$bench" ;;
        publish-noconfirm) "$bin" publish --count 30000 --no-confirms --in-flight 1 --name "$bench" ;;
        enqueue-single-1) "$bin" enqueue --count 1000 --batch 1 --concurrency 1 --name "$bench" ;;
    esac >>"$out/$label.jsonl" 2>>"$out/log"
}

for ((round = 1; round <= rounds; round++)); do
    for bench in $benches; do
        if (( round % 2 == 1 )); then one A "$a" "$bench"; one B "$b" "$bench"; else one B "$b" "$bench"; one A "$a" "$bench"; fi
    done
    echo "[ab] round $round done" >&2
done

python3 - "$out" <<'EOF'
import json, statistics, sys, collections
out = sys.argv[1]
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for label in "AB":
    for line in open(f"{out}/{label}.jsonl"):
        if line.startswith("{"):
            r = json.loads(line)
            rows[r["name"]][label].append(r)
print("| benchmark | A msg/s (median) | B msg/s (median) | B / A | paired B/A: median (min-max) | runs |")
print("|---|---:|---:|---:|---:|---:|")
for name, by in rows.items():
    a, b = [x["msgs_per_s"] for x in by["A"]], [x["msgs_per_s"] for x in by["B"]]
    if not a or not b:
        continue
    paired = [y / x for x, y in zip(a, b)]
    print(f"| {name} | {statistics.median(a):.0f} | {statistics.median(b):.0f} | {statistics.median(b) / statistics.median(a):.2f} | "
          f"{statistics.median(paired):.2f} ({min(paired):.2f}-{max(paired):.2f}) | {len(a)}/{len(b)} |")
    if by["A"][0].get("latency_us") and name.startswith("latency"):
        for q in ("p50", "p99"):
            la = statistics.median(x["latency_us"][q] for x in by["A"])
            lb = statistics.median(x["latency_us"][q] for x in by["B"])
            print(f"| {name} {q} µs | {la:.0f} | {lb:.0f} | {lb / la:.2f} | | |")
EOF
echo "[ab] raw results in $out" >&2
