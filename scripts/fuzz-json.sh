#!/usr/bin/env bash
# Fuzzes Warren's fast JSON coders with libFuzzer (Fuzz/README.md).
#
#   bash scripts/fuzz-json.sh [SECONDS]     # default 120
#
# Builds Sources/Warren/JSON/*.swift with Fuzz/TaskJSON/Harness.swift into .build-fuzz/taskjson
# (-Onone, -sanitize=fuzzer,address), seeds a corpus with a few task bodies, and runs for SECONDS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-120}
out=$root/.build-fuzz
mkdir -p "$out/corpus"
swiftc -Onone -g -parse-as-library -sanitize=fuzzer,address -module-name WarrenJSONFuzz \
    "$root"/Sources/Warren/JSON/*.swift "$root/Fuzz/TaskJSON/Harness.swift" -o "$out/taskjson"
printf '%s' '{"a":1,"b":"x\u00e9\n","c":-0.5e3,"d":true,"e":255}' >"$out/corpus/flat.json"
printf '%s' '{"list":[1,2,3],"names":{"k":"v"},"child":{"a":-9},"matrix":[[1.5],[]]}' >"$out/corpus/nested.json"
printf '%s' '{"circle":{"radius":2}}' >"$out/corpus/shape.json"
printf '%s' '{"label":{"_0":"t","_1":null}}' >"$out/corpus/label.json"
cd "$out"
./taskjson -max_total_time="$seconds" -max_len=512 -print_final_stats=1 corpus
