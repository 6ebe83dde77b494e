#!/usr/bin/env bash
# Runs the addon's Odoo tests in a throwaway database: install with tests, then uninstall,
# failing on any test failure and on any warning or error the addon leaves in the server log.
# Called by scripts/test after scripts/odoo_env.sh found an Odoo 19.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
# shellcheck source=scripts/odoo_env.sh
source scripts/odoo_env.sh
[ "$ODOO_FOUND" = 1 ] || { echo "no Odoo 19: $ODOO_MISSING" >&2; exit 1; }

# The browser tours need Chromium (Debian's package); without it Odoo would skip them.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "installing Debian's chromium for the browser tours" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
    else
        echo "chromium is missing: the browser tours will fail (apt-get install chromium)" >&2
    fi
fi

# The Odoo tests drive the Exchange simulator of this repository in-process.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
PGPORT=$(scripts/pg.sh start) || exit 1
DB="cesync_test_$$"
LOG_DIR=$PWD/.run/logs
mkdir -p "$LOG_DIR"
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ODOO=("$PY" -m odoo)
COMMON=(-d "$DB" --db_host=127.0.0.1 "--db_port=$PGPORT" --db_user=odoo --db_password=odoo
        "--addons-path=$ODOO_ADDONS_PATH" --without-demo "--data-dir=$PWD/.run/odoo-data"
        --http-interface=127.0.0.1)
cleanup() { dropdb -h 127.0.0.1 -p "$PGPORT" -U odoo --if-exists "$DB" 2>/dev/null; }
trap cleanup EXIT

# Each Odoo run has a time limit, so that a stuck test or a thread that keeps the server from
# exiting ends the command (as a failure) instead of hanging it.
limit=${ODOO_TEST_TIME_LIMIT:-2400}
LIMIT=(timeout --kill-after=30 "$limit")

status=0
install_log="$LOG_DIR/install.log"
(cd / && exec "${LIMIT[@]}" "${ODOO[@]}" "${COMMON[@]}" -i calendar_exchange_sync \
    --test-enable --test-tags=/calendar_exchange_sync --stop-after-init "--http-port=$(free_port)" \
    ${ODOO_TEST_ARGS:-}) >"$install_log" 2>&1
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "odoo: the test run did not end within $limit s (ODOO_TEST_TIME_LIMIT) and was stopped"
fi
grep -E ' (ERROR|CRITICAL|WARNING) |FAIL:|ERROR:|Traceback' "$install_log" | head -60
result=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$install_log" | tail -n 1)
if [ -z "$result" ]; then
    echo "Odoo tests: no test result in the log (exit code $rc); last lines:"
    tail -n 30 "$install_log"
    status=1
else
    read -r failed _ errors _ _ total _ <<<"$result"
    bad=$((failed + errors))
    echo "odoo: $((total - bad)) passed, $bad failed"
    [ "$bad" -eq 0 ] && [ "$rc" -eq 0 ] || status=1
fi

uninstall_log="$LOG_DIR/uninstall.log"
(cd / && exec "${LIMIT[@]}" "${ODOO[@]}" shell "${COMMON[@]}" --no-http) >"$uninstall_log" 2>&1 <<'PYEOF'
module = env["ir.module.module"].search([("name", "=", "calendar_exchange_sync")])
module.button_immediate_uninstall()
env.cr.commit()
state = env["ir.module.module"].search([("name", "=", "calendar_exchange_sync")]).state
print("UNINSTALL-STATE", state)
PYEOF
if grep -q "UNINSTALL-STATE uninstalled" "$uninstall_log"; then
    echo "odoo: uninstall clean"
else
    echo "odoo: uninstall FAILED; last lines:"; tail -n 30 "$uninstall_log"; status=1
fi

# The addon must leave no warning of its own in the server log (install, tests or uninstall):
# lines about its module, models or fields, other than the test results counted above.
if grep -hE ' (WARNING|ERROR|CRITICAL) ' "$install_log" "$uninstall_log" \
        | grep -E 'calendar_exchange_sync|[ .]exchange_[a-z_]+|calendar\.activity\.type' \
        | grep -v 'exchange_simulator' \
        | grep -vE '(FAIL|ERROR): |odoo\.tests\.result' | head -20 | grep .; then
    echo "odoo: the addon logged warnings or errors (above)"; status=1
fi
exit $status
