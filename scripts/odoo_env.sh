# Sourced by scripts/test and scripts/run: finds an Odoo 19 to run the addon in.
# Sets ODOO_FOUND=1 with ODOO_ROOT (the folder holding the 'odoo' package) and ODOO_ADDONS_PATH,
# or ODOO_FOUND=0 with ODOO_MISSING saying why, in one sentence.
# An Odoo is found when ODOO_PATH points at an Odoo 19 source tree, or when 'import odoo'
# already works for $PY. Odoo is not on PyPI, so nothing here installs it.

ODOO_FOUND=0
ODOO_MISSING=""
ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ -n "${ODOO_PATH:-}" ]; then
    if [ -f "$ODOO_PATH/odoo/release.py" ]; then
        export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
    else
        ODOO_MISSING="ODOO_PATH=$ODOO_PATH holds no odoo/release.py"
    fi
fi

if [ -z "$ODOO_MISSING" ]; then
    if probe=$(cd / && "$PY" -c '
import os, odoo.release as r
print(r.version_info[0], os.path.dirname(os.path.dirname(r.__file__)))' 2>/dev/null); then
        major=${probe%% *}
        ODOO_ROOT=${probe#* }
        if [ "$major" = "19" ]; then
            ODOO_FOUND=1
        else
            ODOO_MISSING="the importable Odoo is version $major, not 19"
        fi
    else
        ODOO_MISSING="no Odoo 19 is importable and ODOO_PATH is not set"
    fi
fi

if [ "$ODOO_FOUND" = 1 ]; then
    # Community add-ons only: odoo/addons (base) is found by Odoo itself; never enterprise.
    ODOO_ADDONS_PATH="$ODOO_ROOT/addons,$ROOT_DIR"
fi
