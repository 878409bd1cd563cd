#!/usr/bin/env bash
# npm run dashboard: the main job (the SBND demo), then gitpoms serve on its state with the
# dashboard at http://127.0.0.1:${PORT:-8080}/ until Ctrl-C. The service goes on reconciling
# the repository: the campaigns the demo did not run start on the embedded backends, live.
set -euo pipefail
cd "$(dirname "$0")/.."
bash demo/start.sh
echo "== dashboard: http://127.0.0.1:${PORT:-8080}/ (Ctrl-C stops it)"
exec node bin/gitpoms.js serve --host 127.0.0.1 --port "${PORT:-8080}"
