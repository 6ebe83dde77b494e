"""Is an Odoo contact in use? Asked before a contact deleted in Outlook is deleted in Odoo.

A contact is in use when any stored many2one or many2many field of any model points at it
(an invoice, a sales order, a meeting's attendees, a user, a follower, a child contact …),
other than its own bookkeeping: the contact itself (its commercial entity is itself) and
this sync's pairings with the mailbox deleting it. Another user's pairing counts: the contact
is in that user's Outlook. One query, one EXISTS per field, bounded by the number of fields
that point at res.partner in the database.
"""

from odoo.tools import SQL

IGNORED = {
    ("calendar.exchange.contact.binding", "partner_id"),  # pairings: checked apart below
    ("res.partner", "commercial_partner_id"),
}


def _references(env):
    fields = (
        env["ir.model.fields"]
        .sudo()
        .search(
            [
                ("relation", "=", "res.partner"),
                ("ttype", "in", ("many2one", "many2many")),
                ("store", "=", True),
            ]  # fmt: skip
        )
    )
    out = []
    for field in fields:
        if (field.model, field.name) in IGNORED or field.model not in env:
            continue
        model = env[field.model]
        orm_field = model._fields.get(field.name)
        if model._abstract or model._transient or not model._auto or orm_field is None:
            continue
        if not orm_field.store:
            continue
        if field.ttype == "many2one":
            out.append((model._table, orm_field.name, field.model == "res.partner"))
        elif orm_field.relation and orm_field.column2:
            out.append((orm_field.relation, orm_field.column2, False))
    return out


def in_use(env, partner_id, mailbox_id):
    """True when anything in Odoo but this mailbox's pairing refers to the contact."""
    env.flush_all()
    checks = [
        SQL(
            "EXISTS (SELECT 1 FROM calendar_exchange_contact_binding"
            " WHERE partner_id = %s AND mailbox_id != %s)",
            partner_id,
            mailbox_id,
        )
    ]
    for table, column, same_table in _references(env):
        if same_table:  # a self-reference of the contact itself is no use of it
            checks.append(
                SQL(
                    "EXISTS (SELECT 1 FROM %s WHERE %s = %s AND id != %s)",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    partner_id,
                    partner_id,
                )
            )
        else:
            checks.append(
                SQL(
                    "EXISTS (SELECT 1 FROM %s WHERE %s = %s)",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    partner_id,
                )
            )
    env.cr.execute(SQL("SELECT %s", SQL(" OR ").join(checks)))
    return bool(env.cr.fetchone()[0])
