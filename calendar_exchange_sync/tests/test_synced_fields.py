"""The synced field set is the model's to extend: another addon's ``_inherit`` is honoured.

The extension is a real model extension added to the registry (as loading another addon would
do), not a patch of our method, so the test breaks if the set goes back to being a constant.
"""

from odoo import api, models
from odoo.orm.model_classes import add_to_registry

from .common import ExchangeSyncCase

EXTRA = "videocall_location"


class TestSyncedFieldsExtension(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.enable_on_premises()
        self.event = self.env["calendar.event"].create(
            {"name": "Review", "start": "2030-01-07 09:00:00", "stop": "2030-01-07 10:00:00"}
        )
        self.revision = self.event.exchange_revision

    # Returns nothing, as the method it extends.
    # pylint: disable-next=missing-return
    def extend(self):
        """Load an addon that sends one more field to Exchange."""

        class CalendarEventExtension(models.Model):
            _module = None
            _name = "calendar.event"
            _inherit = ["calendar.event"]

            @api.model
            def _exchange_synced_fields(self):
                return super()._exchange_synced_fields() | {EXTRA}

        model_cls = self.registry["calendar.event"]
        bases = model_cls._base_classes__

        def restore():
            model_cls._base_classes__ = bases
            self.registry._setup_models__(self.env.cr, ["calendar.event"])

        self.addCleanup(restore)
        add_to_registry(self.registry, CalendarEventExtension)
        self.registry._setup_models__(self.env.cr, ["calendar.event"])

    def test_an_odoo_only_field_is_not_sent(self):
        self.assertNotIn(EXTRA, self.env["calendar.event"]._exchange_synced_fields())
        self.event.write({EXTRA: "https://meet.example.com/review"})
        self.assertEqual(self.event.exchange_revision, self.revision)

    def test_an_extending_addon_adds_its_field(self):
        self.extend()
        synced = self.env["calendar.event"]._exchange_synced_fields()
        self.assertIn(EXTRA, synced)
        self.assertIn("name", synced, "the extension adds to the set, it does not replace it")
        self.event.write({EXTRA: "https://meet.example.com/review"})
        self.assertEqual(self.event.exchange_revision, self.revision + 1)
