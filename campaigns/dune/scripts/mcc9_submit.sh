#!/bin/bash
# ProtoDUNE MCC9 submission script (the "submission script" configuration model):
#   mcc9_submit.sh XML STAGE
# XML names the project.py-style beam configuration, STAGE is detsim, reco or mergeana.
# gitpoms passes the submission key in the environment (GITPOMS_SUBMISSION, and
# POMS_TASK_ID for scripts written for POMS) so the jobs it submits can be tracked.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 XML STAGE" >&2
  exit 2
fi
xml=$1
stage=$2
case "$stage" in
  detsim|reco|mergeana) ;;
  *) echo "$0: unknown stage '$stage' (detsim, reco or mergeana)" >&2; exit 2 ;;
esac
njobs=${NJOBS:-10}
# The job scripts live beside this one unless DUNE_MCC_DIR says otherwise.
mccdir=${DUNE_MCC_DIR:-$(cd "$(dirname "$0")" && pwd)}
exec jobsub_submit -G dune -N "$njobs" \
  --expected-lifetime=8h --memory=2500MB \
  --resource-provides=usage_model=OPPORTUNISTIC,DEDICATED \
  -e GITPOMS_SUBMISSION -e POMS_TASK_ID -e POMS_CAMPAIGN_ID \
  "file://${mccdir}/run_${stage}.sh" "$xml"
