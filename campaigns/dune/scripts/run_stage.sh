#!/bin/sh
# ProtoDUNE MCC9 job: run_stage.sh STAGE XML
# Runs lar for STAGE under the job wrapper ($GITPOMS_WRAP, fife_wrap's stand-in on the local
# executor), which takes input files from $SAM_PROJECT_NAME when the stage has input, and
# declares the outputs with their parents and location.
set -eu
stage=$1
xml=$2
beam=$(basename "$xml" .xml)
case "$stage" in
  detsim) exe='"lar", "-c", "detsim_'"$beam"'.fcl", "-o", "detsim.root", "-n", "5"' ;;
  reco) exe='"lar", "-c", "reco_'"$beam"'.fcl", "-o", "reco.root", "-s"' ;;
  mergeana) exe='"lar", "-c", "mergeana_'"$beam"'.fcl", "-o", "mergeana.root", "-s"' ;;
  *) echo "run_stage.sh: unknown stage $stage" >&2; exit 2 ;;
esac
project=""
if [ -n "${SAM_PROJECT_NAME:-}" ]; then project='"project": "'"$SAM_PROJECT_NAME"'",'; fi
cat > wrap.json <<JSON
{
  "submission": "$GITPOMS_SUBMISSION", "campaign": "$GITPOMS_CAMPAIGN", "stage": "$GITPOMS_STAGE",
  "catalog": $GITPOMS_CATALOG, $project "filesPerJob": 1,
  "executable": [$exe],
  "outputs": [{ "pattern": "$stage*.root", "dest": "/pnfs/dune/scratch/dunepro/mcc9/$stage/", "declareMetadata": true,
                "extractor": ["sam_metadata_dumper"], "addLocation": true, "rename": "unique" }],
  "storageRoot": "$GITPOMS_STORAGE",
  "application": { "family": "art", "name": "$stage", "version": "v06_33_00_01" },
  "categories": ["art", "gitpoms", "dune"], "setup": []
}
JSON
exec "${GITPOMS_NODE:-node}" "$GITPOMS_WRAP" wrap.json
