#!/usr/bin/env bash
# Installs chdb (the ClickHouse engine in-process, ~540 MB) for the tests, with Node's npm, into .cache/chdb/
# (git-ignored). Deno cannot take chdb from deno.json's import map: it fails on chdb's optional per-platform
# packages ("npm package '@chdb/lib-darwin-arm64' does not exist"), while npm installs only the one this machine
# needs (@chdb/lib-linux-x64-gnu here). Tests load it with createRequire (tests/support/chdb.ts).
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.cache/chdb
want="$(sed -n 's/.*"chdb": "\(.*\)".*/\1/p' scripts/chdb/package.json)"
have="$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$target/node_modules/chdb/package.json" 2>/dev/null | head -1 || true)"
if [ "$have" = "$want" ] && ls "$target"/node_modules/@chdb/lib-*/libchdb.so >/dev/null 2>&1; then
  echo "chdb $have already in $target"
  exit 0
fi
mkdir -p "$target"
cp scripts/chdb/package.json "$target/package.json"
(cd "$target" && npm install --no-audit --no-fund --no-package-lock --loglevel=error)
ls "$target"/node_modules/@chdb/lib-*/libchdb.so >/dev/null
echo "chdb $want installed in $target"
