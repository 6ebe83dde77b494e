"""Binding rows written in bulk: one INSERT for the new rows of a save, one UPDATE per set of
changed columns, instead of one ORM create or write per row.

A first sync of 1,000 entries saves each binding twice (announced, then settled with the ids
and hashes of both sides): through the ORM that was 1,000 creates and 1,000 writes that differ
row by row, a fifth of a 1,000-entry import. The binding tables are the sync's own bookkeeping:
no mail thread, no constraint in Python, no stored field computed from them, and nothing else
hooks their create or write; their one related stored field (``user_id``, the mailbox's user)
is set here as the ORM would. Values go through each field's own ``convert_to_column_insert``,
so that they are stored exactly as the ORM stores them, and the cache of what is written is
invalidated.
"""

from odoo.tools import SQL

NOW = SQL("(now() AT TIME ZONE 'UTC')")


def _cast(model, name):
    """The placeholder of one value, cast to its column's type (VALUES rows are untyped)."""
    return "%s::" + model._fields[name].column_type[1]


def _column(model, name, value):
    return model._fields[name].convert_to_column_insert(value, model)


def insert(model, rows, mailbox):
    """Create ``rows`` (dicts of field values, alike keys, as for ``create``) of the binding
    ``model`` for ``mailbox``; answer ``{identity: id}``."""
    if not rows:
        return {}
    names = sorted(rows[0])
    if "user_id" in model._fields:
        names.append("user_id")
        rows = [dict(row, user_id=mailbox.user_id.id) for row in rows]
    uid = model.env.uid
    casts = [_cast(model, name) for name in names]
    values = [
        SQL(
            "(%s, %s, %s, %s, %s)",
            SQL(", ").join(
                SQL(cast, _column(model, name, row[name]))
                for cast, name in zip(casts, names, strict=True)
            ),
            uid,
            NOW,
            uid,
            NOW,
        )
        for row in rows
    ]
    model.env.cr.execute(
        SQL(
            "INSERT INTO %s (%s, create_uid, create_date, write_uid, write_date) VALUES %s"
            " RETURNING identity, id",
            SQL.identifier(model._table),
            SQL(", ").join(SQL.identifier(name) for name in names),
            SQL(", ").join(values),
        )
    )
    created = dict(model.env.cr.fetchall())
    mailbox.invalidate_recordset([_one2many(mailbox, model)])
    return created


def update(model, changes):
    """Write ``changes`` (``{binding id: {field: value}}``): one UPDATE for the rows whose
    changed fields are the same, whatever their values."""
    groups = {}
    for binding_id, changed in changes.items():
        groups.setdefault(tuple(sorted(changed)), []).append((binding_id, changed))
    uid = model.env.uid
    for names, members in groups.items():
        casts = [_cast(model, name) for name in names]
        values = [
            SQL(
                "(%s, %s)",
                binding_id,
                SQL(", ").join(
                    SQL(cast, _column(model, name, changed[name]))
                    for cast, name in zip(casts, names, strict=True)
                ),
            )
            for binding_id, changed in members
        ]
        model.env.cr.execute(
            SQL(
                "UPDATE %s AS t SET %s, write_uid = %s, write_date = %s"
                " FROM (VALUES %s) AS v(id, %s) WHERE t.id = v.id",
                SQL.identifier(model._table),
                SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name in names
                ),
                uid,
                NOW,
                SQL(", ").join(values),
                SQL(", ").join(SQL.identifier(name) for name in names),
            )
        )
        model.browse([m[0] for m in members]).invalidate_recordset(
            [*names, "write_uid", "write_date"]
        )


def _one2many(mailbox, model):
    """The mailbox's field listing these bindings (its cache is stale after an INSERT)."""
    return next(
        name
        for name, field in mailbox._fields.items()
        if field.type == "one2many" and field.comodel_name == model._name
    )
