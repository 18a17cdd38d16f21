#!/bin/sh
# Container entrypoint: the first argument names the Cartera process to run (see Dockerfile).
set -e
cmd="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  worker) exec node --import tsx scripts/worker.ts "$@" ;;
  api) exec node --import tsx scripts/api.ts "$@" ;;
  setup) exec node --import tsx scripts/setup.ts "$@" ;;
  simulators) exec node --import tsx scripts/simulators.ts "$@" ;;
  migrate) exec node scripts/prisma.mjs migrate deploy "$@" ;;
  *) exec "$cmd" "$@" ;;
esac
