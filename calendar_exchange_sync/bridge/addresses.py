"""E-mail addresses as the sync compares them: normalised, matched exactly, never as patterns.

Exchange knows a person by their mailbox address; Odoo by a partner whose e-mail anybody with
the right to edit it may have typed. So an address from Exchange resolves to an Odoo user only
through the mailbox an administrator gave that user (``res.users.exchange_mailbox``, or the
primary address Exchange resolved it to), never through a self-edited e-mail, and to a partner
only when that partner is nobody's login.
"""

from odoo.tools import email_normalize


def normalize(address):
    """The comparable form of one address (lower-case, no display name), or "" if it is none.

    Exchange treats addresses case-insensitively, and ``email_normalize`` keeps the case of
    non-ASCII local parts: lower-case those too so that both sides compare the same way.
    """
    return (email_normalize(address or "", strict=True) or "").lower()


def users_by_mailbox(env, addresses):
    """{address: user} for the internal users whose administrator-set mailbox is the address."""
    wanted = {normalize(a) for a in addresses} - {""}
    if not wanted:
        return {}
    users = (
        env["res.users"]
        .sudo()
        # An archived user keeps the mailbox they had, but no longer stands for it (a run may
        # read with active_test off, to see archived events).
        .with_context(active_test=True)
        .search([("exchange_mailbox", "in", sorted(wanted)), ("share", "=", False)])
    )
    found = {user.exchange_mailbox: user for user in users}
    # A mailbox given as an alias is known to Exchange by the primary address it resolved to.
    mailboxes = (
        env["calendar.exchange.mailbox"]
        .sudo()
        .with_context(active_test=True)
        .search([("resolved_email", "in", sorted(wanted - set(found))), ("active", "=", True)])
    )
    for mailbox in mailboxes.filtered(lambda m: not m.user_id.share):
        found[mailbox.resolved_email] = mailbox.user_id
    return found


def partner_address(partner):
    """The address under which Exchange knows ``partner``: an internal user's mailbox when an
    administrator set one (their own e-mail may say anything), else the partner's e-mail."""
    users = partner.sudo().user_ids.filtered(lambda u: not u.share and u.exchange_mailbox)
    if users:
        user = users[0].with_context(active_test=True)
        mailbox = user.exchange_mailbox_ids.filtered(
            lambda m: m.resolved_from == user.exchange_mailbox
        )[:1]
        return mailbox.resolved_email or user.exchange_mailbox
    return normalize(partner.email) or (partner.email or "").strip().lower()
