#!/usr/bin/env bash
# `faultline profile init` on a black box (docs/profiles.md), label `realworld`:
#   profile_init.sh FAULTLINE WORKDIR CAMPAIGN_SH ENGINE_COMMAND
# Writes a profile from a probe, checks that it loads and names a data file, then runs a bounded campaign with it
# (campaign.sh: no error trial).
set -euo pipefail
faultline=$1 work=$2 campaign=$3 engine=$4
rm -rf "$work" && mkdir -p "$work"
"$faultline" profile init --engine "$engine" -o "$work/profile.json" --work-dir "$work"
python3 - "$work/profile.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["data_files"] and p["sync"] in ("always", "none") and p["notes"], p
print(f"profile: data_files {p['data_files']}, sync {p['sync']}")
PY
"$campaign" "$faultline" "$work/campaign" - --profile "$work/profile.json" --scenario all --trials 28
