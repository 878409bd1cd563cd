#!/usr/bin/env bash
# The main job (npm start): the SBND MC campaign end to end, then the reco2 reprocessing
# campaign over SAM datasets cut by nfiles and drainingn, on the embedded backends.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEMO_FAILURE_RATE="${DEMO_FAILURE_RATE:-0.05}" DEMO_SEED="${DEMO_SEED:-sbnd}"
gitpoms() { node bin/gitpoms.js "$@"; }
gitpoms validate
gitpoms run --campaign sbnd-mcc-test-1
# The production team's datasets, as they would make them with samweb create-definition.
gitpoms define sbnd_mcc_test_1_detsim \
  "gitpoms.campaign sbnd-mcc-test-1 and gitpoms.stage detsim and availability physical"
gitpoms define sbnd_reco2_files \
  "gitpoms.campaign sbnd-reco2 and gitpoms.stage reco2 and availability physical"
gitpoms split-preview sbnd-reco2/reco2 --calls 5
gitpoms run --campaign sbnd-reco2
