#!/usr/bin/env bash
# Export a database's dataset, restore it into a new empty PostgreSQL database, export that
# again, and compare the two files (all but the export time). Prints "identical" or the
# first difference and fails.
#   tools/dataset_roundtrip.sh postgres://postgres@127.0.0.1:5432/csem csem_restore_check
set -euo pipefail
cd "$(dirname "$0")/.."
source_url=$1
target_db=$2
target_url="${source_url%/*}/$target_db"
py=${PYTHON:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql "${source_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$target_db\"" -c "CREATE DATABASE \"$target_db\""
DATABASE_URL=$source_url $py manage.py export_dataset "$work/a.json" | head -n 1
DATABASE_URL=$target_url $py manage.py migrate --no-input -v 0
DATABASE_URL=$target_url $py manage.py import_dataset "$work/a.json" | head -n 1
DATABASE_URL=$target_url $py manage.py export_dataset "$work/b.json" | head -n 1
$py - "$work/a.json" "$work/b.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a.pop("exported_at"), b.pop("exported_at")
if a == b:
    print(f"identical: {len(a['objects'])} records")
    sys.exit(0)
for x, y in zip(a["objects"], b["objects"]):
    if x != y:
        print("first difference:", x, y, sep="\n")
        break
sys.exit(1)
PY
