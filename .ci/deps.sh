#!/usr/bin/env bash
# Installs the Debian packages gnlab needs, or says exactly how to.
# Usage: .ci/deps.sh GROUP...   (groups: build test plot docs browser bench fuzz clients node mpi)
# As root it runs apt-get; otherwise it prints the command and exits 1.
set -euo pipefail

want=()
for group in "$@"; do
  case "$group" in
    build) want+=(gcc make pkg-config libmpfr-dev libgmp-dev libgsl-dev libopenblas-dev zlib1g-dev) ;;
    test)  want+=(libcmocka-dev perl) ;;
    plot)  want+=(gnuplot-nox graphviz) ;;
    docs)  want+=(help2man) ;;
    browser) want+=(chromium python3) ;;
    bench) want+=(python3-torch) ;;
    fuzz)  want+=(clang libclang-rt-14-dev) ;;
    clients) want+=(python3-torch) ;;
    node)  want+=(nodejs npm) ;;
    mpi)   want+=(libopenmpi-dev openmpi-bin bc) ;;
    *) echo "deps.sh: unknown group '$group' (build test plot docs browser bench fuzz clients node mpi)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "gnlab: installing missing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "gnlab: missing Debian packages: ${missing[*]}" >&2
  echo "gnlab: run as root:  $cmd" >&2
  exit 1
fi
