from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestActivityTypes(ExchangeSyncCase):
    def test_seed_types_and_trigger_words(self):
        Type = self.env["calendar.activity.type"]
        expected = {
            "Meeting": ("Meeting", "Möte", "MÖT"),
            "Lunch": ("Lunch", "LUN"),
            "Holiday": ("Holiday", "Semester", "HOL"),
            "Away on business": ("Away on business", "Tjänsteresa", "TJR"),
            "On leave": ("On leave", "Tjänstledig", "TJL"),
            "Do not disturb": ("Do not disturb", "Stör ej", "DND"),
            "Temporarily unavailable": ("Temporarily unavailable", "Tillfälligt ute", "UTE"),
            "Parental leave": ("Parental leave", "Föräldraledig"),
            "Sick": ("Sick", "Sjuk"),
        }
        for name, words in expected.items():
            activity_type = Type.search([("name", "=", name)])
            self.assertEqual(len(activity_type), 1, name)
            self.assertEqual(activity_type._trigger_word_list(), words)
        personal = self.env.ref("calendar_exchange_sync.activity_type_personal")
        self.assertFalse(personal.trigger_words)
        self.assertEqual(personal._trigger_word_list(), ())

    def test_company_defaults(self):
        meeting = self.env.ref("calendar_exchange_sync.activity_type_meeting")
        personal = self.env.ref("calendar_exchange_sync.activity_type_personal")
        self.assertEqual(self.company.exchange_default_activity_type_id, meeting)
        self.assertEqual(self.company.exchange_personal_activity_type_id, personal)
        # A company created after installation gets the same defaults.
        self.assertEqual(self.other_company.exchange_default_activity_type_id, meeting)

    def test_event_gets_company_default_type(self):
        lunch = self.env.ref("calendar_exchange_sync.activity_type_lunch")
        self.other_company.exchange_default_activity_type_id = lunch
        event = (
            self.env["calendar.event"]
            .with_user(self.admin)
            .with_company(self.other_company)
            .create(
                {
                    "name": "Kick-off",
                    "start": "2026-12-01 09:00:00",
                    "stop": "2026-12-01 10:00:00",
                }
            )
        )
        self.assertEqual(event.activity_type_id, lunch)
        event_main = (
            self.env["calendar.event"]
            .with_user(self.admin)
            .create(
                {"name": "Other", "start": "2026-12-01 09:00:00", "stop": "2026-12-01 10:00:00"}
            )
        )
        self.assertEqual(
            event_main.activity_type_id,
            self.env.ref("calendar_exchange_sync.activity_type_meeting"),
        )

    def test_trigger_words_that_do_not_parse_are_refused(self):
        Type = self.env["calendar.activity.type"]
        for bad in ("Lunch;;LUN", ";", "Lunch; ; LUN"):
            with self.subTest(bad=bad), self.assertRaises(ValidationError):
                Type.create({"name": f"Bad {bad}", "trigger_words": bad})
        good = Type.create({"name": "Training", "trigger_words": " Training ;TRN "})
        self.assertEqual(good._trigger_word_list(), ("Training", "TRN"))

    def test_types_of_another_company_are_hidden(self):
        Type = self.env["calendar.activity.type"]
        other_type = Type.create({"name": "Other only", "company_id": self.other_company.id})
        shared_type = Type.create({"name": "Shared"})
        visible = Type.with_user(self.alice).search([])
        self.assertIn(shared_type, visible)
        self.assertNotIn(other_type, visible)

    def test_only_administrators_edit_types(self):
        lunch = self.env.ref("calendar_exchange_sync.activity_type_lunch")
        with self.assertRaises(AccessError):
            lunch.with_user(self.alice).write({"sync_to_exchange": False})
        lunch.with_user(self.admin).write({"sync_to_exchange": False})
        self.assertFalse(lunch.sync_to_exchange)

    def test_swedish_translations_load(self):
        self.env["res.lang"]._activate_lang("sv_SE")
        self.env["ir.module.module"]._load_module_terms(["calendar_exchange_sync"], ["sv_SE"])
        dnd = self.env.ref("calendar_exchange_sync.activity_type_do_not_disturb")
        self.assertEqual(dnd.with_context(lang="sv_SE").name, "Stör ej")
        self.assertEqual(dnd.with_context(lang="en_US").name, "Do not disturb")
