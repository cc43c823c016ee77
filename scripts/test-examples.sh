#!/usr/bin/env bash
# Builds and tests the example packages that have a package of their own (so that Warren itself
# never builds their dependencies): today Examples/WebhookService (Hummingbird, SQLite). Its
# end-to-end tests run the built `webhook-service` and `webhook-worker` against a real RabbitMQ.
#
#   bash scripts/test-examples.sh                    # all of the example's tests
#   bash scripts/test-examples.sh --filter JobStore  # extra arguments go to `swift test`
#
# Idempotent. Makes sure a broker answers (scripts/setup-broker.sh; skip with
# WARREN_SKIP_BROKER_SETUP=1); builds in .build-webhook (a first build takes minutes: Hummingbird
# and SwiftNIO); caps the test run at WARREN_EXAMPLES_TIMEOUT (default 20m). AMQP_URL defaults to
# amqp://guest:guest@127.0.0.1:5672/%2F. Exits with swift test's status and says so on its last line.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '[test-examples] %s\n' "$*" >&2; }

if [[ ${WARREN_SKIP_BROKER_SETUP:-0} != 1 ]]; then
    bash "$root/scripts/setup-broker.sh"
fi
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}"

package=Examples/WebhookService
scratch=$root/.build-webhook
started=$SECONDS
log "building $package in ${scratch#"$root"/} (AMQP_URL=$AMQP_URL)"
status=0
timeout --kill-after=30s "${WARREN_EXAMPLES_TIMEOUT:-20m}" \
    swift build --package-path "$package" --scratch-path "$scratch" --build-tests || status=$?
if [[ $status -eq 0 ]]; then
    log "built in $((SECONDS - started)) s; running the tests"
    timeout --kill-after=30s "${WARREN_EXAMPLES_TIMEOUT:-20m}" \
        swift test --package-path "$package" --scratch-path "$scratch" --skip-build "$@" || status=$?
fi
elapsed=$((SECONDS - started))
if [[ $status -eq 0 ]]; then
    echo "[test-examples] $package: build and tests passed in ${elapsed} s"
else
    echo "[test-examples] $package: FAILED with status $status after ${elapsed} s"
fi
exit "$status"
