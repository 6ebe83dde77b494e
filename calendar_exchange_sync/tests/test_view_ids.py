"""Every view of the addon is named in Odoo's style, ``<model_underscored>_view_<type>``
(optionally followed by what sets it apart, e.g. ``res_users_view_form_preferences``)."""

import re

from odoo.tests import TransactionCase


class TestViewIds(TransactionCase):
    def test_view_ids_follow_odoo_style(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", "calendar_exchange_sync"), ("model", "=", "ir.ui.view")]
        )
        self.assertTrue(data)
        wrong = []
        for entry in data:
            view = self.env["ir.ui.view"].browse(entry.res_id)
            prefix = "%s_view_%s" % (view.model.replace(".", "_"), view.type)
            if not re.fullmatch(re.escape(prefix) + r"(_[a-z0-9_]+)?", entry.name):
                wrong.append("%s (expected %s…)" % (entry.name, prefix))
        self.assertEqual(wrong, [])
