#!/bin/sh
# ProtoDUNE MCC9 detsim job (see run_stage.sh).
exec "$(dirname "$0")/run_stage.sh" detsim "$@"
