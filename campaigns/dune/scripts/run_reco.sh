#!/bin/sh
# ProtoDUNE MCC9 reco job (see run_stage.sh).
exec "$(dirname "$0")/run_stage.sh" reco "$@"
