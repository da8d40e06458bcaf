#!/usr/bin/env bash
# Builds the static amanda-backend binary exactly as the production image does
# (the Dockerfile's build stage runs this script; build_test.go runs it too).
#
#   scripts/build.sh OUTPUT            e.g. scripts/build.sh bin/amanda-backend
#   VERSION=v1.2.3 scripts/build.sh OUTPUT
#
# CGO_ENABLED=0: pure Go (the SQLite driver is modernc.org/sqlite), so the
#   binary is static and runs on distroless/static with no libc.
# -trimpath:     no build-machine paths in the binary (reproducible builds).
# -s -w:         no symbol table or DWARF (smaller; stack traces still work).
# -X main.version: the version reported by GET / and the start-up log;
#   VERSION wins, else `git describe`, else "dev" (no .git in the image build).
set -euo pipefail

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTPUT" >&2
  exit 2
fi
output=$1
# OUTPUT is relative to where the script was called from, not to the repository.
case $output in
  /*) ;;
  *) output=$PWD/$output ;;
esac

cd "$(dirname "$0")/.."
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
case $version in
  *[[:space:]]*)
    echo "$0: VERSION must not contain whitespace: '$version'" >&2
    exit 2
    ;;
esac

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${version}" -o "$output" .
