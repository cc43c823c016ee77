#!/usr/bin/env bash
# The demo: make sure a local RabbitMQ answers on 127.0.0.1:5672 (installing and starting it if
# needed, see setup-broker.sh), then run `swift run warren demo` with any extra arguments,
# which runs a worker and a producer against it.
#
#   bash scripts/demo.sh
#   bash scripts/demo.sh --help      # the demo's own options
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash "$root/scripts/setup-broker.sh"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}"
exec swift run warren demo "$@"
