#!/usr/bin/env bash
# Builds the DocC documentation of WarrenAMQP and Warren with swift-docc-plugin: their catalogs
# (Sources/*/*.docc), every public symbol's doc comment, and the snippets in Snippets/ (which the
# catalogs show; they are compiled first, so an example in the docs cannot rot). Any DocC warning
# (a broken symbol link, a missing snippet) fails the run.
#
#   bash scripts/docs.sh                 # into .build/docs/<Target>.doccarchive
#
# Needs nothing but Swift (docc ships with the toolchain); no broker.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_TAG=docs
source "$root/scripts/lib/log.sh"
cd "$root"

started=$(now_ms)
log "swift build (it compiles the snippets in Snippets/ too)"
swift build 2>&1 | tail -n 3
mkdir -p .build/docs
for target in WarrenAMQP Warren WarrenTesting; do
    rm -rf ".build/docs/$target.doccarchive"
    log "generate-documentation --target $target"
    swift package --disable-sandbox generate-documentation --target "$target" --warnings-as-errors \
        --output-path ".build/docs/$target.doccarchive"
done
log "documentation built in $(( ($(now_ms) - started) / 1000 )) s: .build/docs/"
