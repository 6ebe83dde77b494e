#!/usr/bin/env bash
# Regenerates calendar_exchange_sync/i18n/calendar_exchange_sync.pot from an Odoo 19 database
# with the addon installed (a throwaway one on the private PostgreSQL of scripts/pg.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
export PY
# shellcheck source=scripts/odoo_env.sh
source scripts/odoo_env.sh
[ "$ODOO_FOUND" = 1 ] || { echo "no Odoo 19: $ODOO_MISSING" >&2; exit 1; }
PGPORT=$(scripts/pg.sh start)
DB="cesync_pot_$$"
mkdir -p .run/logs
cat >.run/pot.conf <<CONF
[options]
db_host = 127.0.0.1
db_port = $PGPORT
db_user = odoo
db_password = odoo
addons_path = $ODOO_ADDONS_PATH
data_dir = $PWD/.run/odoo-data
CONF
trap 'dropdb -h 127.0.0.1 -p "$PGPORT" -U odoo --if-exists "$DB"' EXIT
(cd / && "$PY" -m odoo -c "$OLDPWD/.run/pot.conf" -d "$DB" -i calendar_exchange_sync \
    --stop-after-init --no-http) >.run/logs/pot-install.log 2>&1
(cd / && "$PY" -m odoo "--addons-path=$ODOO_ADDONS_PATH" i18n export -c "$OLDPWD/.run/pot.conf" -d "$DB" \
    calendar_exchange_sync -l pot) >.run/logs/pot-export.log 2>&1
ls -l calendar_exchange_sync/i18n/
