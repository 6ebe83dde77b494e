"""Connects the demo database to the local Exchange simulator (run in `odoo shell`, by
scripts/run). The simulator's demo seed (exchange_simulator/seeds/demo.json) has the mailboxes
admin@contoso.com and marc.demo@contoso.com and the delegate svc-odoo."""

import os

port = os.environ.get("SIMULATOR_PORT", "8765")
company = env.ref("base.main_company")  # noqa: F821 - `env` is given by odoo shell
company.write(
    {
        "exchange_enabled": True,
        "exchange_version": "exchange2016",
        "exchange_ews_url": "http://127.0.0.1:%s/EWS/Exchange.asmx" % port,
        "exchange_domain": "CONTOSO",
        "exchange_username": "svc-odoo",
        "exchange_password": "Demo-Delegate-1",
        "exchange_auth_type": "ntlm",
    }
)
DEMO_USERS = (("base.user_admin", "admin@contoso.com"), ("base.user_demo", "marc.demo@contoso.com"))
for xmlid, email in DEMO_USERS:
    user = env.ref(xmlid, raise_if_not_found=False)  # noqa: F821
    if user:
        # The superuser sets the demo users up: the mailbox is an administrator's decision (the
        # e-mail alone would not move it); a real user then switches sync on in Preferences.
        user.write({"email": email, "exchange_mailbox": email})
        user.write({"exchange_sync_enabled": True})
env.cr.commit()  # noqa: F821
print("demo connected to the simulator on port %s" % port)
