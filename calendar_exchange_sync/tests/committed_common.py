"""Set-up and clean-up of the tests that need committed data.

Two cron workers, a running sync and a user's edit meanwhile, or a row lock held by a run are
several database connections: such a test works in cursors of its own, points the company at
its simulator for real (committed) and must put everything back afterwards.
"""

from .sync_common import DELEGATE, PASSWORD

COMPANY_FIELDS = (
    "exchange_enabled",
    "exchange_version",
    "exchange_ews_url",
    "exchange_domain",
    "exchange_username",
    "exchange_password",
)


def point_company_at(env, sim):
    """Point the main company at ``sim``'s EWS as its delegate; the values to restore."""
    company = env.ref("base.main_company")
    saved = company.read(COMPANY_FIELDS)[0]
    saved.pop("id")
    company.write(
        {
            "exchange_enabled": True,
            "exchange_version": "exchange2016",
            "exchange_ews_url": sim.ews_url,
            "exchange_domain": "CONTOSO",
            "exchange_username": DELEGATE,
            "exchange_password": PASSWORD,
        }
    )
    return saved


def remove_committed(env, saved, user_ids, mailbox_ids):
    """Remove what a test committed for its users and give the company its values back.

    Committed users outlive their test: they are archived, and must not keep the mailboxes
    (the addresses) that the next test's users are given."""
    users = env["res.users"].browse(user_ids)
    env["calendar.event"].search([("user_id", "in", users.ids)]).unlink()
    env["calendar.exchange.log"].search([("user_id", "in", users.ids)]).unlink()
    env["calendar.exchange.mailbox"].browse(mailbox_ids).unlink()
    users.write({"exchange_sync_enabled": False, "exchange_mailbox": False, "active": False})
    env.ref("base.main_company").write(saved)
