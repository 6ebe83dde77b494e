"""Binding rows written in bulk: one INSERT for the new rows of a save, one UPDATE for rows
changed alike and one per set of changed columns otherwise, instead of one ORM create or write
per row.

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

NOW = "(now() AT TIME ZONE 'UTC')"


def _name(name):
    return SQL.identifier(name).code


def _placeholders(model, names):
    """One row's placeholders, each cast to its column's type (VALUES rows are untyped)."""
    return ", ".join("%s::" + model._fields[name].column_type[1] for name in names)


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
    # One statement text with a placeholder per value: composing an SQL object per row and per
    # value cost more than the whole INSERT.
    row_code = "(%s, %%s, %s, %%s, %s)" % (_placeholders(model, names), NOW, NOW)
    params = []
    for row in rows:
        params.extend(_column(model, name, row[name]) for name in names)
        params += [uid, uid]
    code = "INSERT INTO %s (%s, create_uid, create_date, write_uid, write_date) VALUES %s" % (
        _name(model._table),
        ", ".join(_name(name) for name in names),
        ", ".join([row_code] * len(rows)),
    )
    model.env.cr.execute(SQL(code + " RETURNING identity, id", *params))
    created = dict(model.env.cr.fetchall())
    mailbox.invalidate_recordset([_one2many(mailbox, model)])
    return created


def update(model, writes):
    """Write ``writes``: ``(changed, ids)`` pairs, the field values ``changed`` alike on the
    bindings ``ids``. Rows changed alike take one UPDATE (the run after an import clears the
    flags of every row it made); the rows changed each their own way take one UPDATE per set of
    changed fields, whatever their values."""
    each = {}
    for changed, ids in writes:
        if len(ids) > 1:
            _update_alike(model, changed, ids)
        else:
            each.setdefault(tuple(sorted(changed)), []).append((ids[0], changed))
    for names, members in each.items():
        _update_each(model, names, members)


def _update_alike(model, changed, ids):
    names = sorted(changed)
    code = "UPDATE %s SET %s, write_uid = %%s, write_date = %s WHERE id = ANY(%%s)" % (
        _name(model._table),
        ", ".join("%s = %s" % (_name(name), _placeholders(model, [name])) for name in names),
        NOW,
    )
    params = [_column(model, name, changed[name]) for name in names]
    model.env.cr.execute(SQL(code, *params, model.env.uid, list(ids)))
    model.browse(ids).invalidate_recordset([*names, "write_uid", "write_date"])


def _update_each(model, names, members):
    row_code = "(%%s::int4, %s)" % _placeholders(model, names)
    params = []
    for binding_id, changed in members:
        params.append(binding_id)
        params.extend(_column(model, name, changed[name]) for name in names)
    code = "UPDATE %s AS t SET %s, write_uid = %%s, write_date = %s FROM (VALUES %s)" % (
        _name(model._table),
        ", ".join("%s = v.%s" % (_name(name), _name(name)) for name in names),
        NOW,
        ", ".join([row_code] * len(members)),
    )
    code += " AS v(id, %s) WHERE t.id = v.id" % ", ".join(_name(name) for name in names)
    model.env.cr.execute(SQL(code, model.env.uid, *params))
    model.browse([m[0] for m in members]).invalidate_recordset([*names, "write_uid", "write_date"])


def _one2many(mailbox, model):
    """The mailbox's field listing these bindings (its cache is stale after an INSERT)."""
    return next(
        name
        for name, field in mailbox._fields.items()
        if field.type == "one2many" and field.comodel_name == model._name
    )
