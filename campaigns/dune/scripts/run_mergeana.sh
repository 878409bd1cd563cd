#!/bin/sh
# ProtoDUNE MCC9 mergeana job (see run_stage.sh).
exec "$(dirname "$0")/run_stage.sh" mergeana "$@"
