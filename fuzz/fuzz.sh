#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang, AddressSanitizer and UBSan, and
# runs each for FUZZ_SECONDS on a copy of its committed seed corpus, in
# WORK (a folder this script owns). A crash, leak, timeout or sanitizer report
# fails the run; its input is left in WORK/<target>/ for a regression test.
#   fuzz.sh SRCDIR BUILDDIR WORK SECONDS -- CFLAGS... -- LIBS... -- SOURCES...
set -eu
srcdir=$1 builddir=$2 work=$3 seconds=$4
shift 4
[ "$1" = -- ] && shift
cflags=""
while [ "$1" != -- ]; do cflags="$cflags $1"; shift; done
shift
libs=""
while [ "$1" != -- ]; do libs="$libs $1"; shift; done
shift
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)"; exit 1; }
mkdir -p "$work/obj"
srcdir=$(cd "$srcdir" && pwd) builddir=$(cd "$builddir" && pwd) work=$(cd "$work" && pwd)
objs=""
for s in "$@"; do
    case $s in *.c) ;; *) continue ;; esac
    src=$srcdir/$s
    [ -f "$src" ] || src=$builddir/$s
    o=$work/obj/$(echo "$s" | tr / _).o
    # shellcheck disable=SC2086
    clang -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
        -I"$srcdir" -I"$srcdir/include" -I"$builddir" -I"$srcdir/tracecore" -D_DEFAULT_SOURCE \
        $cflags -c "$src" -o "$o"
    objs="$objs $o"
done
status=0
for t in fuzz_model fuzz_run fuzz_sweep fuzz_hpa; do
    extra=""
    [ $t = fuzz_sweep ] && extra="$srcdir/cli/sweep_file.c $srcdir/cli/sweep_metrics.c $srcdir/cli/sweep_results.c"
    # shellcheck disable=SC2086
    clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$srcdir" -I"$srcdir/include" -I"$builddir" -D_DEFAULT_SOURCE $cflags \
        "$srcdir/fuzz/$t.c" $extra $objs \
        $libs -lm -o "$work/$t"
    mkdir -p "$work/$t.corpus" "$work/$t.out"
    cp "$srcdir/fuzz/corpus/${t#fuzz_}/"* "$work/$t.corpus/"
    echo "fuzz: $t for $seconds s"
    if ! (cd "$work/$t.out" && ASAN_OPTIONS=detect_leaks=1 \
        LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp:print_suppressions=0" \
        "../$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 \
        -print_final_stats=1 "../$t.corpus" 2>"../$t.log"); then
        echo "fuzz: $t FAILED; see $work/$t.log and $work/$t.out"
        tail -30 "$work/$t.log"
        status=1
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work/$t.log" | sed "s/^/fuzz: $t /"
done
exit $status
