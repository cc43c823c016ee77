#!/usr/bin/env bash
# Newer RabbitMQ (and rabbitmq-c) than Debian 12's, from later Debian releases, in debootstrap chroots
# on this machine: no Docker needed, nothing of the host's broker or libraries touched.
#
#   scripts/rabbitmq-chroot.sh ensure  VERSION   # make the chroot if missing or incomplete; prints its root
#   scripts/rabbitmq-chroot.sh path    VERSION   # prints the root of a ready chroot; exit 3 if not ready
#   scripts/rabbitmq-chroot.sh version VERSION   # the rabbitmq-server version installed in it (e.g. 4.0.5)
#   scripts/rabbitmq-chroot.sh rabbitmq-c CVERSION  # unpack rabbitmq-c CVERSION into a prefix; prints it
#   scripts/rabbitmq-chroot.sh umount  VERSION   # unmount what is mounted inside the chroot (proc, node dirs)
#   scripts/rabbitmq-chroot.sh remove  VERSION   # unmount, then delete the chroot
#
# VERSION 4.0 is Debian 13 "trixie" (RabbitMQ 4.0.x), 4.3 is "forky" (RabbitMQ 4.3.x). CVERSION 0.15
# comes from trixie's packages, 0.18 from forky's (so it makes that chroot first).
#
# A chroot is ${WARREN_CHROOT_BASE:-/var/lib/warren/chroots}/rabbitmq-VERSION: a minbase debootstrap
# from the Debian mirror apt already uses (the first .../debian URI in /etc/apt/sources*; override with
# WARREN_DEBIAN_MIRROR), with an executable /usr/sbin/policy-rc.d that exits 101 (so the package's
# postinst starts no node on 5672), the host's /etc/hosts (forky's minbase has none, and a node without
# it fails with "epmd error for host localhost: nxdomain"), apt told to accept Release files past their
# Valid-Until date (forky's is), rabbitmq-server installed, and an Erlang cookie for its rabbitmq user
# (so the nodes of one chroot can cluster). Two stamps mark progress: .warren-bootstrapped (debootstrap
# finished; without it the directory is deleted and made again) and .warren-ready (all done).
# `ensure` of a ready chroot takes well under a second; a new one about 1.5-3 minutes.
#
# A rabbitmq-c prefix is ${WARREN_CHROOT_BASE:-/var/lib/warren/chroots}/rabbitmq-c-CVERSION: the
# librabbitmq4 and librabbitmq-dev .debs fetched with `apt-get download` inside the chroot, unpacked with
# dpkg-deb -x (their usr/ becomes the prefix), lib/<triplet>/pkgconfig/librabbitmq.pc rewritten to the
# prefix, the library checked to load on this host (ldd finds everything), and the exact upstream
# version (e.g. 0.18.1) written to PREFIX/VERSION last, which marks the prefix as complete. Build with
#   PKG_CONFIG_PATH=PREFIX/lib/x86_64-linux-gnu/pkgconfig
# and run with LD_LIBRARY_PATH=PREFIX/lib/x86_64-linux-gnu (or an rpath): the soname is the system's
# (librabbitmq.so.4), so without it the system's 0.11 is what gets loaded.
#
# Needs root (debootstrap, chroot, mount). Installs debootstrap with apt-get if missing. Concurrent runs
# wait for each other (flock on BASE/.NAME.lock, at most WARREN_CHROOT_LOCK_TIMEOUT s, default 1200);
# debootstrap and apt-get are each bounded (WARREN_CHROOT_STEP_TIMEOUT s, default 900). Progress and
# timings go to stderr; stdout carries only the path or version asked for.
set -euo pipefail

BASE=${WARREN_CHROOT_BASE:-/var/lib/warren/chroots}
LOCK_TIMEOUT=${WARREN_CHROOT_LOCK_TIMEOUT:-1200}
STEP_TIMEOUT=${WARREN_CHROOT_STEP_TIMEOUT:-900}
# What a command inside a chroot sees: no host environment.
CHROOT_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive)
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 -o Dpkg::Use-Pty=0)

LOG_TAG=rabbitmq-chroot
# shellcheck source=lib/log.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/log.sh"

# The Debian suite that carries RabbitMQ VERSION.
suite_for() {
    case $1 in
        4.0) echo trixie ;;
        4.3) echo forky ;;
        *) die "unknown RabbitMQ version '$1' (known: 4.0 = trixie, 4.3 = forky)" ;;
    esac
}

# The chroot (RabbitMQ VERSION) whose packages carry rabbitmq-c CVERSION.
chroot_for_rabbitmq_c() {
    case $1 in
        0.15) echo 4.0 ;;
        0.18) echo 4.3 ;;
        *) die "unknown rabbitmq-c version '$1' (known: 0.15 from trixie, 0.18 from forky)" ;;
    esac
}

root_of() { printf '%s/rabbitmq-%s\n' "$BASE" "$1"; }
is_ready() { [[ -f $1/.warren-ready && -x $1/usr/lib/rabbitmq/bin/rabbitmq-server ]]; }

need_root() { [[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot and mount)"; }

# Takes the lock BASE/.NAME.lock on descriptor FD: `take_lock NAME FD`.
take_lock() {
    local name=$1 fd=$2 file
    mkdir -p "$BASE"
    file="$BASE/.$name.lock"
    eval "exec $fd>>\"\$file\""
    if ! flock -n "$fd"; then
        log "waiting for another run holding $file (at most $LOCK_TIMEOUT s)"
        flock -w "$LOCK_TIMEOUT" "$fd" || die "timed out waiting for the lock on $file"
    fi
}

# The Debian mirror apt uses on this host: the first URI ending in /debian in its sources.
detect_mirror() {
    if [[ -n ${WARREN_DEBIAN_MIRROR:-} ]]; then
        printf '%s\n' "${WARREN_DEBIAN_MIRROR%/}"
        return
    fi
    local uri
    uri=$({
        # deb822 (.sources): "URIs: a b"
        cat /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -iE '^URIs:' | sed -E 's/^[Uu][Rr][Ii][Ss]:[[:space:]]*//' | tr ' \t' '\n\n'
        # one-line: "deb [options] URI suite components"
        cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -E '^[[:space:]]*deb[[:space:]]' |
            sed -E 's/\[[^]]*\]//' | awk '{print $2}'
    } | grep -E '^(https?|file)://.*/debian/?$' | head -n 1 || true)
    if [[ -z $uri ]]; then
        uri=http://deb.debian.org/debian
        log "no .../debian URI in apt's sources: using $uri"
    fi
    printf '%s\n' "${uri%/}"
}

ensure_debootstrap() {
    command -v debootstrap >/dev/null 2>&1 && return 0
    command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing and there is no apt-get to install it"
    local t0
    t0=$(now_ms)
    log "installing debootstrap with apt-get"
    if ! timeout "$STEP_TIMEOUT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 7>&- 8>&-; then
        log "apt-get install failed; running apt-get update first"
        timeout "$STEP_TIMEOUT" env DEBIAN_FRONTEND=noninteractive apt-get update -qq 7>&- 8>&- || die "apt-get update failed"
        timeout "$STEP_TIMEOUT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 7>&- 8>&- ||
            die "apt-get install debootstrap failed"
    fi
    log "debootstrap installed in $(seconds_since "$t0")"
}

# Unmounts everything mounted at or below DIR, deepest first.
umount_below() {
    local dir=$1 target
    [[ -d $dir ]] || return 0
    dir=$(readlink -f "$dir")
    while read -r target; do
        [[ -n $target ]] || continue
        log "unmounting $target"
        umount "$target" 2>/dev/null || umount -l "$target" || log "could not unmount $target"
    done < <(findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1' | sort -r)
}

# Deletes a chroot: unmount first, so that nothing of the host (proc, the node directories bound in)
# is deleted through it; --one-file-system as a second guard.
remove_root() {
    local root=$1
    [[ -n $root && $root == "$BASE"/rabbitmq-* ]] || die "refusing to delete '$root'"
    [[ -e $root ]] || return 0
    local real p pids=()
    real=$(readlink -f "$root")
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) != "$real" ]] || pids+=("${p#/proc/}")
    done
    ((${#pids[@]} == 0)) || die "processes run inside $root (pids ${pids[*]}; stop its nodes first); not deleting it"
    umount_below "$root"
    if findmnt -rn -o TARGET | awk -v d="$(readlink -f "$root")" 'index($0, d "/") == 1 { found = 1 } END { exit !found }'; then
        die "something is still mounted below $root; not deleting it"
    fi
    rm -rf --one-file-system "$root"
}

# Mounts proc at ROOT/proc unless it is mounted already.
mount_proc() {
    local root=$1
    mkdir -p "$root/proc"
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
}

# Runs a command inside the chroot as root, with a clean environment, bounded, holding no lock:
# `in_chroot ROOT COMMAND...`.
in_chroot() {
    local root=$1
    shift
    timeout --kill-after=10 "$STEP_TIMEOUT" chroot "$root" "${CHROOT_ENV[@]}" "$@" 7>&- 8>&-
}

# The upstream part of a Debian version: 1:4.0.5-1+b1 -> 4.0.5, 0.15.0-1 -> 0.15.0.
upstream_version() {
    local v=$1
    v=${v#*:}
    v=${v%-*}
    v=${v%%[+~]*}
    printf '%s\n' "$v"
}

installed_version() {
    local root=$1 v
    v=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' rabbitmq-server 2>/dev/null) || return 1
    [[ -n $v ]] || return 1
    upstream_version "$v"
}

# Files the host keeps in step with a ready chroot (cheap; run on every `ensure`).
refresh_root() {
    local root=$1
    # The nodes resolve "localhost" through it; keep it the host's.
    if ! cmp -s /etc/hosts "$root/etc/hosts"; then cp /etc/hosts "$root/etc/hosts"; fi
    if [[ -e /etc/resolv.conf ]] && ! cmp -s /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null; then
        rm -f "$root/etc/resolv.conf"
        cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    fi
}

# Makes the chroot of VERSION if missing or incomplete (the caller holds its lock).
make_root() {
    local version=$1 suite root mirror t0 t1
    suite=$(suite_for "$version")
    root=$(root_of "$version")
    t0=$(now_ms)

    if [[ ! -f $root/.warren-bootstrapped ]]; then
        if [[ -e $root ]]; then
            log "removing the incomplete chroot $root (debootstrap never finished)"
            remove_root "$root"
        fi
        ensure_debootstrap
        mirror=$(detect_mirror)
        local script=()
        # bookworm's debootstrap has no script for releases after trixie; theirs is sid's.
        [[ -e /usr/share/debootstrap/scripts/$suite ]] || script=(/usr/share/debootstrap/scripts/sid)
        log "debootstrap --variant=minbase $suite $root $mirror ${script[*]} (about a minute)"
        t1=$(now_ms)
        mkdir -p "$root"
        if ! timeout --kill-after=10 "$STEP_TIMEOUT" debootstrap --variant=minbase "$suite" "$root" "$mirror" "${script[@]}" \
            >"$BASE/debootstrap-$version.log" 2>&1 7>&- 8>&-; then
            tail -n 25 "$BASE/debootstrap-$version.log" >&2
            [[ ! -f $root/debootstrap/debootstrap.log ]] || tail -n 25 "$root/debootstrap/debootstrap.log" >&2
            die "debootstrap of $suite failed (log: $BASE/debootstrap-$version.log); the next run starts over"
        fi
        printf '%s %s %s\n' "$suite" "$mirror" "$(date -u +%FT%TZ)" >"$root/.warren-bootstrapped"
        log "debootstrap of $suite done in $(seconds_since "$t1")"
    else
        log "$root: debootstrap done earlier; finishing the installation"
    fi

    # No service starts from a maintainer script (the postinst would start a node on 5672).
    printf '#!/bin/sh\n# scripts/rabbitmq-chroot.sh: no service starts inside this chroot\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    refresh_root "$root"
    mkdir -p "$root/etc/apt/apt.conf.d"
    {
        echo '// scripts/rabbitmq-chroot.sh: forky'"'"'s Release file is past its Valid-Until date'
        echo 'Acquire::Check-Valid-Until "false";'
        echo 'APT::Install-Recommends "false";'
        echo 'APT::Install-Suggests "false";'
    } >"$root/etc/apt/apt.conf.d/99warren"
    mount_proc "$root"

    t1=$(now_ms)
    log "apt-get update and install rabbitmq-server in the $suite chroot (15-60 s)"
    if ! in_chroot "$root" apt-get "${APT_OPTS[@]}" -qq update >"$BASE/apt-$version.log" 2>&1 ||
        ! in_chroot "$root" apt-get "${APT_OPTS[@]}" -y -q install --no-install-recommends rabbitmq-server \
            >>"$BASE/apt-$version.log" 2>&1; then
        tail -n 25 "$BASE/apt-$version.log" >&2
        die "installing rabbitmq-server in $root failed (log: $BASE/apt-$version.log)"
    fi
    log "rabbitmq-server installed in $(seconds_since "$t1")"

    local installed
    installed=$(installed_version "$root") || die "rabbitmq-server does not show as installed in $root"
    [[ $installed == "$version".* ]] ||
        die "$suite now carries RabbitMQ $installed, not $version.x: update scripts/rabbitmq-chroot.sh's version map"
    grep -q '^rabbitmq:' "$root/etc/passwd" || die "the package made no rabbitmq user in $root"

    # One cookie for all the nodes and the CLI tools of this chroot, made now rather than by the
    # first nodes, which would race to create it when three start at once.
    local cookie=$root/var/lib/rabbitmq/.erlang.cookie
    if [[ ! -s $cookie ]]; then
        local letters
        letters=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc 'A-Z')
        (umask 077 && printf '%s' "${letters:0:20}" >"$cookie")
    fi
    chroot "$root" chown rabbitmq:rabbitmq /var/lib/rabbitmq/.erlang.cookie
    chmod 400 "$cookie"

    printf 'rabbitmq-server %s (%s) %s\n' "$installed" "$suite" "$(date -u +%FT%TZ)" >"$root/.warren-ready"
    log "chroot $root ready: RabbitMQ $installed from $suite, in $(seconds_since "$t0")"
}

# Makes sure the chroot of VERSION is ready (with its lock on descriptor 7); prints nothing.
ensure_root() {
    local version=$1 root
    suite_for "$version" >/dev/null
    root=$(root_of "$version")
    if is_ready "$root"; then
        refresh_root "$root"
        return 0
    fi
    need_root
    take_lock "rabbitmq-$version" 7
    if is_ready "$root"; then
        refresh_root "$root"
    else
        make_root "$version"
    fi
    exec 7>&-
}

cmd_ensure() {
    local version=$1 t0 root
    t0=$(now_ms)
    root=$(root_of "$version")
    ensure_root "$version"
    log "RabbitMQ $(installed_version "$root") in $root ($(seconds_since "$t0"))"
    printf '%s\n' "$root"
}

cmd_path() {
    local root
    suite_for "$1" >/dev/null
    root=$(root_of "$1")
    if is_ready "$root"; then
        printf '%s\n' "$root"
        return 0
    fi
    log "no ready chroot for RabbitMQ $1 at $root (run: scripts/rabbitmq-chroot.sh ensure $1)"
    return 3
}

cmd_version() {
    local root
    suite_for "$1" >/dev/null
    root=$(root_of "$1")
    is_ready "$root" || { log "no ready chroot for RabbitMQ $1 at $root"; return 3; }
    installed_version "$root" || die "rabbitmq-server does not show as installed in $root"
}

cmd_umount() {
    need_root
    suite_for "$1" >/dev/null
    umount_below "$(root_of "$1")"
}

cmd_remove() {
    need_root
    suite_for "$1" >/dev/null
    take_lock "rabbitmq-$1" 7
    remove_root "$(root_of "$1")"
    log "removed $(root_of "$1")"
}

# --- rabbitmq-c ---------------------------------------------------------------------------------

# The lib/<triplet> directory of a prefix (the one holding librabbitmq.so.4).
prefix_libdir() {
    local so
    so=$(find "$1/lib" -maxdepth 2 -name 'librabbitmq.so.4' 2>/dev/null | head -n 1)
    [[ -n $so ]] || return 1
    dirname "$so"
}

# Checks that the prefix's library loads on this host and that pkg-config points into the prefix;
# prints the problems on stderr.
check_prefix() {
    local prefix=$1 libdir out
    libdir=$(prefix_libdir "$prefix") || { log "no librabbitmq.so.4 under $prefix/lib"; return 1; }
    [[ -f $libdir/pkgconfig/librabbitmq.pc ]] || { log "no $libdir/pkgconfig/librabbitmq.pc"; return 1; }
    [[ -e $libdir/librabbitmq.so ]] || { log "no $libdir/librabbitmq.so (the -dev package's link)"; return 1; }
    out=$(ldd "$libdir/librabbitmq.so.4" 2>&1) || { log "ldd $libdir/librabbitmq.so.4 failed: $out"; return 1; }
    if grep -q 'not found' <<<"$out"; then
        log "$libdir/librabbitmq.so.4 does not load on this host:"
        grep 'not found' <<<"$out" >&2
        return 1
    fi
    if command -v pkg-config >/dev/null 2>&1; then
        local flags
        flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs librabbitmq 2>&1) ||
            { log "pkg-config librabbitmq failed: $flags"; return 1; }
        [[ $flags == *"-L$libdir"* && $flags == *"-I$prefix/include"* ]] ||
            { log "pkg-config librabbitmq gives '$flags', not paths in $prefix"; return 1; }
    fi
    return 0
}

cmd_rabbitmq_c() {
    local cversion=$1 rversion root prefix t0
    rversion=$(chroot_for_rabbitmq_c "$cversion")
    prefix="$BASE/rabbitmq-c-$cversion"
    t0=$(now_ms)
    if [[ -s $prefix/VERSION ]] && check_prefix "$prefix"; then
        log "rabbitmq-c $(cat "$prefix/VERSION") already in $prefix ($(seconds_since "$t0"))"
        printf '%s\n' "$prefix"
        return 0
    fi
    need_root
    take_lock "rabbitmq-c-$cversion" 8
    if [[ -s $prefix/VERSION ]] && check_prefix "$prefix"; then
        printf '%s\n' "$prefix"
        return 0
    fi
    ensure_root "$rversion"
    root=$(root_of "$rversion")

    # Download inside the chroot (its apt sources are the later release's), as root; the
    # directory is _apt's so apt need not warn about downloading unsandboxed.
    local debs=/var/cache/warren-debs/rabbitmq-c
    rm -rf "${root:?}$debs"
    mkdir -p "$root$debs"
    chroot "$root" chown _apt:root "$debs" 2>/dev/null || true
    log "apt-get download librabbitmq4 librabbitmq-dev in the $(suite_for "$rversion") chroot"
    if ! in_chroot "$root" sh -c "cd $debs && apt-get -o Acquire::Check-Valid-Until=false -q download librabbitmq4 librabbitmq-dev" \
        >"$BASE/rabbitmq-c-$cversion.log" 2>&1; then
        log "download failed; apt-get update in the chroot and once more"
        in_chroot "$root" apt-get "${APT_OPTS[@]}" -qq update >>"$BASE/rabbitmq-c-$cversion.log" 2>&1 || true
        in_chroot "$root" sh -c "cd $debs && apt-get -o Acquire::Check-Valid-Until=false -q download librabbitmq4 librabbitmq-dev" \
            >>"$BASE/rabbitmq-c-$cversion.log" 2>&1 ||
            { tail -n 20 "$BASE/rabbitmq-c-$cversion.log" >&2; die "apt-get download of rabbitmq-c failed"; }
    fi
    local lib_deb dev_deb deb_version
    lib_deb=$(ls "$root$debs"/librabbitmq4_*.deb 2>/dev/null | head -n 1)
    dev_deb=$(ls "$root$debs"/librabbitmq-dev_*.deb 2>/dev/null | head -n 1)
    [[ -n $lib_deb && -n $dev_deb ]] || die "apt-get download left no librabbitmq4/librabbitmq-dev .deb in $root$debs"
    deb_version=$(dpkg-deb -f "$lib_deb" Version)
    [[ $(upstream_version "$deb_version") == "$cversion".* ]] ||
        die "the $(suite_for "$rversion") chroot offers librabbitmq4 $deb_version, not $cversion.x"

    # Unpack next to the prefix, then move into place; VERSION is written last, after the checks.
    local tmp="$prefix.tmp"
    rm -rf "$tmp" "$prefix"
    mkdir -p "$tmp/unpack"
    dpkg-deb -x "$lib_deb" "$tmp/unpack"
    dpkg-deb -x "$dev_deb" "$tmp/unpack"
    [[ -d $tmp/unpack/usr ]] || die "the .debs have no usr/ tree"
    mv "$tmp/unpack/usr" "$prefix"
    rm -rf "$tmp"

    local libdir pc
    libdir=$(prefix_libdir "$prefix") || die "no librabbitmq.so.4 under $prefix/lib after unpacking"
    pc="$libdir/pkgconfig/librabbitmq.pc"
    [[ -f $pc ]] || die "no librabbitmq.pc in $libdir/pkgconfig"
    # prefix= to the prefix; absolute /usr paths (libdir, includedir, exec_prefix) relative to it.
    sed -i -E \
        -e "s|^prefix=.*|prefix=$prefix|" \
        -e 's#^(exec_prefix|libdir|includedir|sharedlibdir)=/usr(/|$)#\1=${prefix}\2#' \
        "$pc"
    check_prefix "$prefix" ||
        die "rabbitmq-c $deb_version unpacked in $prefix but does not pass the checks above (no VERSION written; the next run starts over)"

    local upstream
    upstream=$(sed -n 's/^Version:[[:space:]]*//p' "$pc")
    [[ -n $upstream ]] || upstream=$(upstream_version "$deb_version")
    [[ $upstream == "$(upstream_version "$deb_version")" ]] ||
        log "note: librabbitmq.pc says $upstream, the package $deb_version"
    printf '%s\n' "$upstream" >"$prefix/VERSION"
    log "rabbitmq-c $upstream (package $deb_version) in $prefix in $(seconds_since "$t0")"
    log "  build: PKG_CONFIG_PATH=$libdir/pkgconfig   run: LD_LIBRARY_PATH=$libdir"
    printf '%s\n' "$prefix"
}

main() {
    [[ $# -eq 2 ]] || usage
    case $1 in
        ensure) cmd_ensure "$2" ;;
        path) cmd_path "$2" ;;
        version) cmd_version "$2" ;;
        rabbitmq-c) cmd_rabbitmq_c "$2" ;;
        umount) cmd_umount "$2" ;;
        remove) cmd_remove "$2" ;;
        *) usage ;;
    esac
}

main "$@"
