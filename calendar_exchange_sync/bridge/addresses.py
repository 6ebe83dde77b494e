"""E-mail addresses as the sync compares them: normalised, matched exactly, never as patterns.

Exchange knows a person by their mailbox address; Odoo by a partner whose e-mail anybody with
the right to edit it may have typed. So an address from Exchange resolves to an Odoo user only
through the mailbox an administrator gave that user (``res.users.exchange_mailbox``), never
through a self-edited e-mail, and to a partner only when that partner is nobody's login.
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
        .search([("exchange_mailbox", "in", sorted(wanted)), ("share", "=", False)])
    )
    return {user.exchange_mailbox: user for user in users}


def partner_address(partner):
    """The address under which Exchange knows ``partner``: an internal user's mailbox when an
    administrator set one (their own e-mail may say anything), else the partner's e-mail."""
    users = partner.sudo().user_ids.filtered(lambda u: not u.share and u.exchange_mailbox)
    if users:
        return users[0].exchange_mailbox
    return normalize(partner.email) or (partner.email or "").strip().lower()
