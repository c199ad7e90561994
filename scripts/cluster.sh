#!/usr/bin/env bash
# A local peakmatch cluster on loopback: 3 NATS nodes (JetStream), 4 shards x 2 replicas, one
# gateway. See docs/cluster.md.
#   scripts/cluster.sh start CATALOG.pmx
#   scripts/cluster.sh status
#   scripts/cluster.sh stop
set -euo pipefail
# The catalog's path as given, before moving to the repository
if [ "${1:-}" = start ] && [ -n "${2:-}" ]; then set -- start "$(realpath "$2")"; fi
cd "$(dirname "$0")/.."
if [ ! -x "${NATS_SERVER:-/usr/sbin/nats-server}" ]; then
  echo "nats-server not found (apt-get install nats-server, or set NATS_SERVER)" >&2
  exit 2
fi
exec node --import tsx scripts/cluster.ts "$@"
