#!/usr/bin/env bash
# The CI test matrix: the suite against newer RabbitMQ releases, against a newer rabbitmq-c, and with
# the pipe wake-up, after the default run of scripts/test.sh. Jobs run one after the other (never in
# parallel: two cores), each bounded by `timeout`, each with a header and its duration; a summary
# table (job, status, seconds) ends the run; the exit status is non-zero if any job failed.
#
#   bash scripts/test-matrix.sh                     # every job
#   bash scripts/test-matrix.sh broker-4.3 pipe-wakeup
#   bash scripts/test-matrix.sh --list
#
# Jobs:
#   broker-4.0, broker-4.3  the main node of that RabbitMQ (scripts/broker-matrix.sh start, from a
#       chroot), then with its exports: swift test --skip-build --filter
#       'WarrenAMQPIntegrationTests|WarrenIntegrationTests|WarrenCLITests|ExamplesTests'; the fault
#       tests (--no-parallel --filter WarrenFaultTests), whose private nodes and cluster run the same
#       RabbitMQ (WARREN_RABBITMQ_ROOT); the cross-language tests (scripts/test-interop.sh with the
#       warren CLI of the default build). A node this job started is stopped at its end; one that was
#       running before is left running.
#   rabbitmq-c-0.18  rabbitmq-c 0.18 unpacked from Debian forky (scripts/rabbitmq-chroot.sh rabbitmq-c
#       0.18); a build of its own in .build-rmqc018 (PKG_CONFIG_PATH to it, an rpath to its library
#       directory); no warning may come from the project's own files (nor from rabbitmq-c's headers,
#       which warn only when included by their deprecated names); then swift test --filter
#       'WarrenAMQPTests|WarrenAMQPIntegrationTests|WarrenTests|WarrenIntegrationTests' against the
#       default broker, with LD_LIBRARY_PATH to the same library directory and
#       WARREN_EXPECT_RABBITMQ_C set to its exact version (a test checks amqp_version()).
#   pipe-wakeup  WARREN_WAKEUP=pipe swift test --skip-build --skip WarrenFaultTests, default broker.
#
# What the tests get (the environment contract):
#   AMQP_URL                   the broker under test
#   WARREN_MANAGEMENT_URL      its management API (http://127.0.0.1:15672 for the default broker)
#   WARREN_RABBITMQ_ROOT       the chroot whose RabbitMQ the tests' private nodes use (broker jobs only)
#   WARREN_BROKER_VERSION      the RabbitMQ version under test (broker jobs only)
#   WARREN_BROKER_NODE_SCRIPT  scripts/broker-node.sh
#   WARREN_EXPECT_RABBITMQ_C   the rabbitmq-c version the test binary must have loaded (rabbitmq-c job)
#   WARREN_WAKEUP=pipe         the pipe wake-up instead of eventfd (pipe-wakeup job)
#
# The broker and pipe-wakeup jobs use the default build in .build (swift test --skip-build): the
# caller (scripts/test.sh) has built it; if its test bundle is missing it is built first. The
# default broker (127.0.0.1:5672) is set up with scripts/setup-broker.sh unless
# WARREN_SKIP_BROKER_SETUP=1. Timeouts per job (minutes): broker jobs 25, rabbitmq-c-0.18 35,
# pipe-wakeup 20; WARREN_MATRIX_JOB_TIMEOUT (a `timeout` duration, e.g. 40m) overrides them all.
# WARREN_MATRIX_CLEAN=1 deletes .build-rmqc018 first: an incremental build does not show again
# the warnings of files it does not recompile (the job says when none of the project's own modules
# was recompiled). Needs root (chroots). WARREN_SWIFT names another swift executable.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
SCRIPT="$root/scripts/test-matrix.sh"
SWIFT=${WARREN_SWIFT:-swift}
ALL_JOBS=(broker-4.0 broker-4.3 rabbitmq-c-0.18 pipe-wakeup)
DEFAULT_AMQP_URL=${WARREN_MATRIX_DEFAULT_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}
DEFAULT_MANAGEMENT_URL=${WARREN_MATRIX_DEFAULT_MANAGEMENT_URL:-http://127.0.0.1:15672}
INTEGRATION_FILTER='WarrenAMQPIntegrationTests|WarrenIntegrationTests|WarrenCLITests|ExamplesTests'
RABBITMQ_C_FILTER='WarrenAMQPTests|WarrenAMQPIntegrationTests|WarrenTests|WarrenIntegrationTests'
RMQC_SCRATCH=.build-rmqc018

LOG_TAG=test-matrix
# shellcheck source=lib/log.sh
source "$root/scripts/lib/log.sh"

# The time since T0 (from now_ms) in seconds to a tenth, without a unit: the summary table's column.
tenths_since() {
    local ms=$(($(now_ms) - $1))
    printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

job_timeout() {
    if [[ -n ${WARREN_MATRIX_JOB_TIMEOUT:-} ]]; then
        echo "$WARREN_MATRIX_JOB_TIMEOUT"
        return
    fi
    case $1 in
        broker-*) echo 25m ;;
        rabbitmq-c-*) echo 35m ;;
        *) echo 20m ;;
    esac
}

# --- Inside a job (a process of its own, under `timeout`) -----------------------------------------

STEP_NAMES=()
STEP_STATUS=()

# Runs one step of a job, records its status and shows its duration: `step LABEL COMMAND...`.
step() {
    local label=$1 t0 rc=0
    shift
    log "--- $JOB: $label: $*"
    t0=$(now_ms)
    "$@" || rc=$?
    log "--- $JOB: $label: $([[ $rc -eq 0 ]] && echo passed || echo "FAILED (status $rc)") in $(tenths_since "$t0") s"
    STEP_NAMES+=("$label")
    STEP_STATUS+=("$rc")
    return 0
}

# The job's status: 0 if every step passed; lists the failed steps.
finish_job() {
    local i failed=()
    for i in "${!STEP_NAMES[@]}"; do
        [[ ${STEP_STATUS[i]} -eq 0 ]] || failed+=("${STEP_NAMES[i]}")
    done
    if ((${#failed[@]} > 0)); then
        log "--- $JOB: failed steps: ${failed[*]}"
        return 1
    fi
    return 0
}

# What every job's tests get, and nothing left over from the caller's environment.
base_env() {
    export WARREN_BROKER_NODE_SCRIPT="$root/scripts/broker-node.sh"
    unset WARREN_RABBITMQ_ROOT WARREN_BROKER_VERSION WARREN_EXPECT_RABBITMQ_C WARREN_WAKEUP
    export AMQP_URL=$DEFAULT_AMQP_URL WARREN_MANAGEMENT_URL=$DEFAULT_MANAGEMENT_URL
}

interop() {
    local bin_dir
    bin_dir=$("$SWIFT" build --show-bin-path) || return 1
    WARREN_BIN="$bin_dir/warren" WARREN_INTEROP_REQUIRE_CLI=1 WARREN_SKIP_BROKER_SETUP=1 bash "$root/scripts/test-interop.sh"
}

job_broker() {
    local version=$1 exports was_running=0 name
    name=rmq${version//./}
    base_env
    if bash "$root/scripts/broker-matrix.sh" status "$version" 2>/dev/null; then was_running=1; fi
    if ! exports=$(bash "$root/scripts/broker-matrix.sh" start "$version"); then
        log "--- $JOB: RabbitMQ $version did not start (scripts/broker-matrix.sh start $version)"
        return 1
    fi
    eval "$exports"
    export AMQP_URL WARREN_MANAGEMENT_URL WARREN_RABBITMQ_ROOT WARREN_BROKER_VERSION
    log "--- $JOB: $(tr '\n' ' ' <<<"$exports")"
    step "integration tests" "$SWIFT" test --skip-build --filter "$INTEGRATION_FILTER"
    step "fault tests" "$SWIFT" test --skip-build --no-parallel --filter WarrenFaultTests
    step "cross-language tests" interop
    if ((was_running)); then
        log "--- $JOB: leaving $name running (it was running before this job)"
    else
        bash "$root/scripts/broker-matrix.sh" stop "$version" || log "--- $JOB: could not stop $name"
    fi
    finish_job
}

# The targets of Package.swift (the project's own modules).
own_targets() { sed -n 's/^ *name: "\([^"]*\)",\{0,1\}$/\1/p' "$root/Package.swift" | sort -u; }

# Warnings in a build log from the project's own files (not .build*) or from rabbitmq-c's headers
# in PREFIX (which warn when included by their deprecated names): `own_warnings LOG PREFIX`.
own_warnings() {
    local log_file=$1 prefix=$2
    grep -E ': warning: ' "$log_file" | awk -v r="$root/" -v p="$prefix/" '
        {
            file = $0
            sub(/:[0-9]+:[0-9]+: warning: .*/, "", file)
            sub(/:[0-9]+: warning: .*/, "", file)
            if (index(file, r ".build") == 1) next
            if (index(file, r) == 1 || index(file, p) == 1 || file ~ /^(Sources|Tests|Benchmarks|Examples)\//) print
        }' | sort -u
}

# Checks that FILE loads librabbitmq.so.4 from LIBDIR by its rpath alone: `links_to FILE LIBDIR`.
links_to() {
    local file=$1 libdir=$2 line
    [[ -e $file ]] || { log "--- $JOB: no $file"; return 1; }
    line=$(env -u LD_LIBRARY_PATH ldd "$file" | grep 'librabbitmq\.so\.4' || true)
    log "--- $JOB: $(basename "$file"): ${line# }"
    [[ $line == *"=> $libdir/librabbitmq.so.4 "* ]]
}

job_rabbitmq_c() {
    local cversion=$1 prefix libdir version build_log rc=0 targets warnings
    base_env
    prefix=$(bash "$root/scripts/rabbitmq-chroot.sh" rabbitmq-c "$cversion") || {
        log "--- $JOB: no rabbitmq-c $cversion (scripts/rabbitmq-chroot.sh rabbitmq-c $cversion)"
        return 1
    }
    libdir=$(dirname "$(find "$prefix/lib" -maxdepth 2 -name librabbitmq.so.4 | head -n 1)")
    version=$(cat "$prefix/VERSION")
    export PKG_CONFIG_PATH="$libdir/pkgconfig"
    local flags=(--scratch-path "$RMQC_SCRATCH" -Xlinker -rpath -Xlinker "$libdir")
    log "--- $JOB: rabbitmq-c $version in $prefix; PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
    if [[ ${WARREN_MATRIX_CLEAN:-0} == 1 ]]; then
        log "--- $JOB: WARREN_MATRIX_CLEAN=1: deleting $RMQC_SCRATCH"
        rm -rf "${root:?}/$RMQC_SCRATCH"
    fi
    mkdir -p "$RMQC_SCRATCH"
    build_log="$root/$RMQC_SCRATCH/matrix-build.log"
    build() {
        "$SWIFT" build --build-tests "${flags[@]}" 2>&1 | tee "$build_log"
        return "${PIPESTATUS[0]}"
    }
    step "build against rabbitmq-c $version" build
    if [[ ${STEP_STATUS[-1]} -ne 0 ]]; then
        finish_job
        return 1
    fi
    zero_warnings() {
        warnings=$(own_warnings "$build_log" "$prefix")
        targets=$(own_targets | paste -sd '|')
        if ! grep -qE "Compiling ($targets) " "$build_log"; then
            log "--- $JOB: note: none of the project's own modules was recompiled, so their warnings (if any) are not in this log; WARREN_MATRIX_CLEAN=1 for a clean build"
        fi
        if [[ -n $warnings ]]; then
            log "--- $JOB: $(wc -l <<<"$warnings") warning(s) from the project's own files or rabbitmq-c's headers (zero-warnings standard):"
            printf '%s\n' "$warnings" >&2
            return 1
        fi
        log "--- $JOB: no warnings from the project's own files ($(grep -c ': warning: ' "$build_log" || true) warning line(s) in the whole log)"
    }
    step "zero warnings" zero_warnings
    local bin_dir
    bin_dir=$("$SWIFT" build "${flags[@]}" --show-bin-path)
    step "test bundle links rabbitmq-c $version by rpath" links_to "$bin_dir/WarrenPackageTests.xctest" "$libdir"
    step "tests against rabbitmq-c $version" env LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        WARREN_EXPECT_RABBITMQ_C="$version" "$SWIFT" test --skip-build "${flags[@]}" --filter "$RABBITMQ_C_FILTER"
    finish_job
}

job_pipe_wakeup() {
    base_env
    export WARREN_WAKEUP=pipe
    step "all but the fault tests, WARREN_WAKEUP=pipe" "$SWIFT" test --skip-build --skip WarrenFaultTests
    finish_job
}

run_job() {
    JOB=$1
    case $JOB in
        broker-4.0) job_broker 4.0 ;;
        broker-4.3) job_broker 4.3 ;;
        rabbitmq-c-0.18) job_rabbitmq_c 0.18 ;;
        pipe-wakeup) job_pipe_wakeup ;;
        *) log "unknown job $JOB"; return 2 ;;
    esac
}

# --- The matrix -----------------------------------------------------------------------------------

# Builds the default build's tests if their bundle is missing (the jobs run swift test --skip-build).
ensure_default_build() {
    local bin_dir
    bin_dir=$("$SWIFT" build --show-bin-path 2>/dev/null) || bin_dir=
    if [[ -n $bin_dir && -e $bin_dir/WarrenPackageTests.xctest && -x $bin_dir/warren ]]; then
        return 0
    fi
    log "no test bundle in the default build (.build): swift build --build-tests first"
    timeout --kill-after=30s "${WARREN_MATRIX_BUILD_TIMEOUT:-30m}" "$SWIFT" build --build-tests
}

main() {
    local jobs=() arg
    for arg in "$@"; do
        case $arg in
            --list) printf '%s\n' "${ALL_JOBS[@]}"; exit 0 ;;
            -h | --help) usage ;;
            --job) ;;
            *)
                [[ " ${ALL_JOBS[*]} " == *" $arg "* ]] || { log "unknown job '$arg' (jobs: ${ALL_JOBS[*]})"; exit 2; }
                jobs+=("$arg")
                ;;
        esac
    done
    ((${#jobs[@]} > 0)) || jobs=("${ALL_JOBS[@]}")

    local t_all names=() statuses=() times=() job t0 rc limit
    t_all=$(now_ms)
    log "jobs: ${jobs[*]} (one after the other)"

    # The default broker, for the jobs that use it.
    if [[ " ${jobs[*]} " == *" rabbitmq-c-"* || " ${jobs[*]} " == *" pipe-wakeup "* ]] &&
        [[ ${WARREN_SKIP_BROKER_SETUP:-0} != 1 ]]; then
        bash "$root/scripts/setup-broker.sh" || { log "the default broker is not available"; exit 1; }
    fi
    local need_default_build=0
    for job in "${jobs[@]}"; do [[ $job == rabbitmq-c-* ]] || need_default_build=1; done
    if ((need_default_build)) && ! ensure_default_build; then
        log "the default build failed: the broker and pipe-wakeup jobs cannot run"
    fi

    for job in "${jobs[@]}"; do
        limit=$(job_timeout "$job")
        printf '\n' >&2
        log "======== job $job (at most $limit) ========"
        t0=$(now_ms)
        rc=0
        timeout --kill-after=30s "$limit" bash "$SCRIPT" --job "$job" </dev/null || rc=$?
        names+=("$job")
        times+=("$(tenths_since "$t0")")
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            statuses+=("TIMED OUT ($limit)")
        elif [[ $rc -ne 0 ]]; then
            statuses+=("FAILED ($rc)")
        else
            statuses+=(passed)
        fi
        log "======== job $job: ${statuses[-1]} in ${times[-1]} s ========"
    done

    local i any_failed=0
    {
        printf '\n[test-matrix] summary (%s s in all)\n' "$(tenths_since "$t_all")"
        printf '  %-18s %-22s %9s\n' job status seconds
        for i in "${!names[@]}"; do
            printf '  %-18s %-22s %9s\n' "${names[i]}" "${statuses[i]}" "${times[i]}"
            [[ ${statuses[i]} == passed ]] || any_failed=1
        done
    } >&2
    exit "$any_failed"
}

if [[ ${1:-} == --job ]]; then
    [[ $# -eq 2 ]] || usage
    run_job "$2"
    exit $?
fi
main "$@"
