#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what uksim needs on Debian 12 (apt-get, as root or through sudo),
# then bootstraps, configures and builds in the source tree. Safe to run again:
# each step is skipped when already done. CONFIGURE_FLAGS are passed to
# ./configure (for example --enable-werror or --enable-asan).
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential autoconf automake libtool pkg-config \
libgsl-dev libconfig-dev libcmocka-dev libgraphviz-dev libjansson-dev libyaml-dev libhttp-parser-dev libuv1-dev \
libxml2-utils jq python3 python3-pil procps gnuplot-nox clang chromium \
parallel slurm-wlm munge"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi

[ -x configure ] || autoreconf -fi
if [ ! -f Makefile ] || [ -n "${CONFIGURE_FLAGS:-}" ]; then
    # shellcheck disable=SC2086
    ./configure ${CONFIGURE_FLAGS:-}
fi
make -j"$(nproc)"
