#!/usr/bin/env bash
# Cross-language tests (Tests/interop/test_interop.py): pika and the Swift `warren` CLI against a
# real RabbitMQ, checking docs/wire-format.md and docs/topology.md. Idempotent; any extra
# arguments go to pytest.
#
#   bash scripts/test-interop.sh
#   bash scripts/test-interop.sh -k schema
#
# What it does:
#   1. makes sure a broker answers (scripts/setup-broker.sh; skip with WARREN_SKIP_BROKER_SETUP=1);
#   2. makes a Python environment with pika, pytest and jsonschema: a venv in .build-interop/venv,
#      or, where `python3 -m venv` cannot make one (Debian without python3-venv), packages installed
#      with `pip install --target .build-interop/site`; reinstalled only when the list changes;
#   3. builds the CLI (`swift build --scratch-path .build-interop-swift --product warren`) unless
#      WARREN_BIN names one; if the build fails the tests that need the CLI are skipped (set
#      WARREN_INTEROP_REQUIRE_CLI=1 to make them fail instead);
#   4. runs pytest, capped at WARREN_INTEROP_TIMEOUT (default 15m).
# Needs python3 with pip (or venv), and swift for step 3. AMQP_URL defaults to
# amqp://guest:guest@127.0.0.1:5672/%2F.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '[test-interop] %s\n' "$*" >&2; }

if [[ ${WARREN_SKIP_BROKER_SETUP:-0} != 1 ]]; then
    if [[ -f $root/scripts/setup-broker.sh ]]; then
        bash "$root/scripts/setup-broker.sh"
    else
        log "scripts/setup-broker.sh is missing: assuming a broker answers at \$AMQP_URL"
    fi
fi
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}"

# --- Python -------------------------------------------------------------------------------------
command -v python3 >/dev/null || { log "ERROR: python3 is needed"; exit 1; }
state=.build-interop
mkdir -p "$state"
requirements=("-r" "Examples/python/requirements.txt" "pytest>=7" "jsonschema>=4.18")
stamp_value="$(python3 --version 2>&1) $(cat Examples/python/requirements.txt) ${requirements[*]:2}"
pip_quiet=(--disable-pip-version-check --no-input -q)

python=""
if [[ -x $state/venv/bin/python && -f $state/venv.stamp && $(cat "$state/venv.stamp") == "$stamp_value" ]]; then
    python=$state/venv/bin/python
elif [[ -f $state/site.stamp && $(cat "$state/site.stamp") == "$stamp_value" ]]; then
    python=python3
    export PYTHONPATH="$root/$state/site${PYTHONPATH:+:$PYTHONPATH}"
else
    rm -rf "$state/venv" "$state/venv.stamp"
    if python3 -m venv "$state/venv" >"$state/venv.log" 2>&1 && [[ -x $state/venv/bin/pip ]]; then
        log "installing pika, pytest and jsonschema into $state/venv"
        "$state/venv/bin/python" -m pip install "${pip_quiet[@]}" "${requirements[@]}"
        echo "$stamp_value" >"$state/venv.stamp"
        python=$state/venv/bin/python
    else
        log "python3 -m venv failed (see $state/venv.log); installing with pip --target $state/site"
        rm -rf "$state/venv" "$state/site" "$state/site.stamp"
        python3 -m pip --version >/dev/null 2>&1 || { log "ERROR: neither venv nor pip works for python3"; exit 1; }
        python3 -m pip install "${pip_quiet[@]}" --target "$state/site" "${requirements[@]}"
        echo "$stamp_value" >"$state/site.stamp"
        python=python3
        export PYTHONPATH="$root/$state/site${PYTHONPATH:+:$PYTHONPATH}"
    fi
fi
"$python" -c 'import pika, pytest, jsonschema' || { log "ERROR: pika, pytest or jsonschema does not import"; exit 1; }

# --- The warren CLI -------------------------------------------------------------------------------
if [[ -z ${WARREN_BIN:-} ]]; then
    if command -v swift >/dev/null; then
        log "building the warren CLI (swift build --scratch-path .build-interop-swift --product warren)"
        if swift build --scratch-path .build-interop-swift --product warren >"$state/swift-build.log" 2>&1; then
            WARREN_BIN=$root/.build-interop-swift/debug/warren
        else
            tail -n 20 "$state/swift-build.log" >&2
            log "the warren CLI did not build (log: $state/swift-build.log): tests that need it will be skipped"
        fi
    else
        log "swift is not installed: tests that need the warren CLI will be skipped"
    fi
fi
if [[ -n ${WARREN_BIN:-} ]]; then
    export WARREN_BIN
    log "WARREN_BIN=$WARREN_BIN"
fi

# --- Tests ---------------------------------------------------------------------------------------
log "AMQP_URL=$AMQP_URL; $python -m pytest Tests/interop $*"
status=0
timeout --kill-after=10s "${WARREN_INTEROP_TIMEOUT:-15m}" \
    "$python" -m pytest -p no:cacheprovider -rsxX Tests/interop "$@" || status=$?
if [[ $status -eq 124 ]]; then
    log "FAILED: timed out after ${WARREN_INTEROP_TIMEOUT:-15m}"
fi
exit "$status"
