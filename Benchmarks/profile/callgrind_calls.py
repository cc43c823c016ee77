#!/usr/bin/env python3
"""Call counts and costs from a callgrind output file, per message.

    callgrind_calls.py callgrind.out --messages 5000 [--baseline small.out --baseline-messages 1000]
                       [--callee malloc --callee write ...] [--top 25]

With --baseline (the same run with fewer messages) every number is the marginal cost per message:
(cost of the big run - cost of the small run) / (difference in messages), so process start, argument
parsing, connecting and declaring cancel out.

Reads a file written with --compress-strings=no --compress-pos=no. Prints:
  - the total of each event (Ir, sysCount, sysTime when collected) per message;
  - for each --callee (exact function name, or a prefix ending in '*'): how many calls per message,
    and its callers by number of calls (the call-graph evidence for "who allocates / who calls write");
  - the --top functions by inclusive Ir per message.
"""
import argparse
import collections
import re
import sys


def parse(path):
    events = []
    totals = None
    self_cost = collections.Counter()         # (fn, event index) -> cost
    object_cost = collections.Counter()       # (object file, event index) -> self cost
    calls = collections.Counter()             # (caller, callee) -> calls
    call_cost = collections.Counter()         # (caller, callee, event index) -> inclusive cost
    fn = None
    ob = None
    cfn = None
    pending_calls = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("events:"):
                events = line.split()[1:]
                continue
            if line.startswith("summary:") or line.startswith("totals:"):
                totals = [int(x) for x in line.split()[1:]]
                continue
            if line.startswith("ob="):
                ob = line[3:]
                continue
            if line.startswith("fn="):
                fn = line[3:]
                continue
            if line.startswith("cfn="):
                cfn = line[4:]
                continue
            if line.startswith("calls="):
                pending_calls = int(line[6:].split()[0])
                continue
            if not line or not (line[0].isdigit() or line[0] in "+-*"):
                continue
            parts = line.split()
            costs = [int(x) for x in parts[1:]]
            if pending_calls is not None:
                calls[(fn, cfn)] += pending_calls
                for i, c in enumerate(costs):
                    call_cost[(fn, cfn, i)] += c
                pending_calls = None
            else:
                for i, c in enumerate(costs):
                    self_cost[(fn, i)] += c
                    object_cost[(ob, i)] += c
    return events, totals, self_cost, calls, call_cost, object_cost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--messages", type=float, required=True)
    parser.add_argument("--baseline", help="the same run with fewer messages")
    parser.add_argument("--baseline-messages", type=float, default=0)
    parser.add_argument("--callee", action="append", default=[])
    parser.add_argument("--callers", type=int, default=6)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", action="append", default=[], help="regex: only list top functions matching")
    parser.add_argument("--self-top", type=int, default=40, help="functions listed by self cost")
    args = parser.parse_args()
    events, totals, self_cost, calls, call_cost, object_cost = parse(args.file)
    n = args.messages
    if args.baseline:
        _, b_totals, b_self, b_calls, b_call_cost, b_object = parse(args.baseline)
        totals = [t - b for t, b in zip(totals, b_totals)] if totals and b_totals else totals
        self_cost.subtract(b_self)
        calls.subtract(b_calls)
        call_cost.subtract(b_call_cost)
        object_cost.subtract(b_object)
        n = args.messages - args.baseline_messages
        print(f"# {args.file} minus {args.baseline}: marginal cost per message (n={int(n)})")
    else:
        print(f"# {args.file}: per message (n={int(n)}, including start-up and setup)")
    if totals:
        print("totals per message: " + ", ".join(f"{e}={t / n:,.1f}" for e, t in zip(events, totals)))

    def matches(name, pattern):
        return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern

    print(f"\n## self {events[0] if events else 'Ir'} per message by object file")
    for (ob, i), c in sorted(object_cost.items(), key=lambda kv: -kv[1]):
        if i == 0 and c / n >= 10:
            print(f"  {c / n:12,.0f}  {ob}")

    for pattern in args.callee:
        by_caller = collections.Counter()
        for (caller, callee), count in calls.items():
            if matches(callee, pattern):
                by_caller[caller] += count
        total = sum(by_caller.values())
        print(f"\n## calls to {pattern}: {total / n:.2f} per message ({total} in all)")
        for caller, count in by_caller.most_common(args.callers):
            print(f"  {count / n:8.2f}  from {caller[:150]}")

    print(f"\n## top {args.self_top} functions by self {events[0] if events else 'Ir'} per message")
    ranked = sorted(((c, fn) for (fn, i), c in self_cost.items() if i == 0), reverse=True)
    for c, name in ranked[: args.self_top]:
        print(f"  {c / n:12,.0f}  {name[:160]}")

    # Inclusive Ir per function: self + cost of calls it makes (recursion counted once per edge).
    inclusive = collections.Counter()
    for (fn, i), c in self_cost.items():
        if i == 0:
            inclusive[fn] += c
    for (caller, callee, i), c in call_cost.items():
        if i == 0 and caller != callee:
            inclusive[caller] += c
    print(f"\n## top {args.top} functions by inclusive {events[0] if events else 'Ir'} per message")
    shown = 0
    for name, cost in inclusive.most_common():
        if args.match and not any(re.search(m, name) for m in args.match):
            continue
        print(f"  {cost / n:12,.0f}  {name[:160]}")
        shown += 1
        if shown >= args.top:
            break


if __name__ == "__main__":
    sys.exit(main())
