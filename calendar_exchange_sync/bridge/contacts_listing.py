"""How the Odoo side lists one user's contacts for the engine: one query, cheap when quiet.

Which contacts go to a user's Exchange:

* those the user may read (res.partner's record rules applied as that user: another
  company's contacts never reach their mailbox), active, persons or companies (not the
  invoice or delivery addresses of a contact);
* chosen by the company: those the user is the salesperson of, or those with the user's own
  tag; plus, always, those that came from the user's own Exchange;
* except those the user deleted in Outlook while Odoo kept them (``res_partner.py``).

A contact's version is its revision (``res_partner.py``: it goes up with every change of a
synchronised field) and its company's (whose name it shows). The token is a write-date cursor
taken a margin before the run, as the calendar's (``odoo_listing``); contacts bound in this
mailbox that are no longer listed are reported as removed: they leave the user's folder.
"""

from datetime import timedelta

from odoo.tools import SQL

from ..sync.engine import ChangeSet

PARTNER = "res.partner"
TOKEN_MARGIN = timedelta(minutes=10)


def _query(env, user, scope, tag_id, mailbox_id, only=None):
    """The listing (``only``: just these partner ids, and no removed bindings)."""
    visible = env[PARTNER].with_user(user).with_context(active_test=True)._search([])
    if scope == "tag":
        chosen = SQL(
            "EXISTS (SELECT 1 FROM res_partner_res_partner_category_rel r"
            " WHERE r.partner_id = p.id AND r.category_id = %s)",
            tag_id or 0,
        )
    else:
        chosen = SQL("p.user_id = %s", user.id)
    return SQL(
        """
        WITH listed AS (
            SELECT p.id,
                   p.exchange_revision || '|' || COALESCE(parent.exchange_revision, 0)
                       AS version,
                   GREATEST(p.write_date, parent.write_date) AS written
              FROM res_partner p
              LEFT JOIN res_partner parent ON parent.id = p.parent_id
             WHERE p.active
               AND (p.is_company OR COALESCE(p.type, 'contact') = 'contact')
               AND (%(chosen)s OR p.exchange_contact_user_id = %(user)s)
               AND NOT EXISTS (SELECT 1 FROM res_partner_exchange_stopped_rel s
                                WHERE s.partner_id = p.id AND s.user_id = %(user)s)
               AND p.id IN %(visible)s
               AND (%(all)s OR p.id = ANY(%(only)s))
        )
        SELECT 'contact', id, version, written, NULL FROM listed
        UNION ALL
        SELECT 'removed', b.id, NULL, NULL, b.local_id
          FROM calendar_exchange_contact_binding b
         WHERE b.mailbox_id = %(mailbox)s AND b.local_id IS NOT NULL
           AND b.local_id NOT IN (SELECT 'res.partner,' || id FROM listed)
        UNION ALL
        SELECT 'now', 0, NULL, now() AT TIME ZONE 'UTC', NULL
        """,
        chosen=chosen,
        user=user.id,
        visible=visible.subselect(),
        mailbox=mailbox_id if only is None else 0,
        all=only is None,
        only=list(only or ()),
    )


def version_of(moment):
    return moment.isoformat(timespec="microseconds")


def list_changes(env, token, *, user, scope, tag_id, mailbox_id):
    """The ``ChangeSet`` of one user's contacts (see the module docstring)."""
    env.flush_all()
    env.cr.execute(_query(env, user, scope, tag_id, mailbox_id))
    listed, written, removed, now = {}, {}, set(), None
    for kind, record_id, version, moment, bound in env.cr.fetchall():
        if kind == "now":
            now = moment
        elif kind == "removed":
            removed.add(bound)
        else:
            key = "%s,%d" % (PARTNER, record_id)
            listed[key], written[key] = version, version_of(moment)
    next_token = version_of(now - TOKEN_MARGIN)
    if token is None:
        return ChangeSet(changed=listed, token=next_token, complete=True)
    changed = {i: v for i, v in listed.items() if written[i] >= token}
    return ChangeSet(changed=changed, removed=removed, token=next_token)


def versions(env, ids, **params):
    """{id: version} of those of these contact ids (``"res.partner,N"``) the listing holds."""
    numbers = [int(i.split(",")[1]) for i in ids if i.startswith(PARTNER + ",")]
    if not numbers:
        return {}
    env.flush_all()
    env.cr.execute(_query(env, mailbox_id=0, only=numbers, **params))
    return {"%s,%d" % (PARTNER, r[1]): r[2] for r in env.cr.fetchall() if r[0] == "contact"}
