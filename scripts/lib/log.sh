# Logging and timing helpers for the scripts in scripts/, sourced (not run). Set LOG_TAG first:
# lines go to stderr as "[LOG_TAG] message". `usage` prints lines USAGE_LINES (default 2,10) of
# SCRIPT (default $0), the sourcing script's header comment.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

usage() {
    sed -n "${USAGE_LINES:-2,10}p" "${SCRIPT:-$0}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# The time since T0 (from now_ms) as "S.mmm s".
seconds_since() {
    local ms=$(($(now_ms) - $1))
    printf '%d.%03d s' $((ms / 1000)) $((ms % 1000))
}
