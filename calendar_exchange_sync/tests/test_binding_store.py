"""The Odoo status store answers the engine's targeted look-ups from the binding table.

A run over a large mailbox reads only the bindings its listings touch: by Odoo entry, by
Exchange item or by identity (``lookup``), the ones left unfinished (``unsettled``) and the
counts the deletion guard needs (``totals``), each in one query.
"""

from datetime import datetime, timezone

from odoo.tests import tagged

from ..bridge.binding_store import BindingStore
from ..bridge.mailbox_state import MailboxState
from ..sync.engine import ChangeSet, StatusRow
from ..sync.engine.rows import RunRows
from .common import ExchangeSyncCase
from .sync_common import in_days, naive


@tagged("post_install", "-at_install")
class TestBindingStore(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        Mailbox = self.env["calendar.exchange.mailbox"]
        self.mailbox = Mailbox.create({"user_id": self.alice.id, "email": "alice@example.com"})
        self.other = Mailbox.create({"user_id": self.bob.id, "email": "bob@example.com"})
        start = in_days(3, 10)
        events = self.env["calendar.event"].create(
            [
                {"name": "Entry %d" % n, "start": naive(start), "stop": naive(start)}
                for n in range(4)
            ]
        )
        self.ids = ["calendar.event,%d" % event.id for event in events]
        for mailbox in (self.mailbox, self.other):
            self.env["calendar.exchange.binding"].create(
                [
                    {"mailbox_id": mailbox.id, "identity": self.ids[0],
                     "local_id": self.ids[0], "remote_id": "R1-%d" % mailbox.id},
                    {"mailbox_id": mailbox.id, "identity": "exchange:R2",
                     "local_id": self.ids[1], "remote_id": "R2-%d" % mailbox.id},
                    {"mailbox_id": mailbox.id, "identity": self.ids[2],
                     "local_id": self.ids[2]},  # a create towards Exchange, pending
                    {"mailbox_id": mailbox.id, "identity": "exchange:R4",
                     "local_id": self.ids[3], "remote_id": "R4-%d" % mailbox.id,
                     "recheck": True},
                ]
            )  # fmt: skip
        self.env.flush_all()

    def store(self, mailbox=None):
        mailbox = mailbox or self.mailbox
        return BindingStore(mailbox, MailboxState.lock(self.env, mailbox.id))

    def test_lookup_by_either_id_or_identity_in_one_query(self):
        store = self.store()
        remote = "R2-%d" % self.mailbox.id
        with self.assertQueryCount(1):
            rows = store.lookup([self.ids[0]], [remote], [self.ids[2], "nope"])
        self.assertEqual(
            sorted(r.identity for r in rows), sorted([self.ids[0], self.ids[2], "exchange:R2"])
        )
        self.assertEqual(store.lookup([], [], []), [])
        # Another mailbox's bindings of the same Odoo entry are not this store's.
        [row] = store.lookup([self.ids[0]], ["R1-%d" % self.other.id], [])
        self.assertEqual(row.remote_id, "R1-%d" % self.mailbox.id)

    def test_unsettled_and_totals(self):
        store = self.store()
        unsettled = sorted(r.identity for r in store.unsettled())
        self.assertEqual(unsettled, sorted([self.ids[2], "exchange:R4"]))
        self.assertEqual(store.totals(), (4, 3))

    def test_an_incremental_run_reads_only_what_it_touches(self):
        rows = RunRows(self.store(), {"local": "odoo", "remote": "exchange"})
        changes = {"local": ChangeSet({self.ids[1]: "2"}), "remote": ChangeSet()}
        with self.assertQueryCount(2):  # the unsettled bindings, then the listed entry's
            rows.load(changes)
        self.assertTrue(rows.targeted)
        identities = sorted(r.identity for r in rows.all())
        self.assertEqual(identities, sorted([self.ids[2], "exchange:R2", "exchange:R4"]))
        self.assertEqual(rows.total("remote"), 3)

    def test_saving_a_row_not_read_replaces_it(self):
        store = self.store()
        row = StatusRow("exchange:R2", local_id=self.ids[1], remote_id="R2-x")
        store.save([row])  # never looked up in this store: still one binding per identity
        bindings = self.mailbox.binding_ids.filtered(lambda b: b.identity == "exchange:R2")
        self.assertEqual(bindings.remote_id, "R2-x")
        store.remove([self.ids[0]])
        self.assertEqual(len(self.mailbox.binding_ids), 3)
        self.assertEqual(len(self.other.binding_ids), 4)

    def test_activity_type_has_its_own_column(self):
        store = self.store()
        [row] = store.lookup([], [], ["exchange:R4"])
        row.activity_type = "Lunch"
        store.save([row])
        binding = self.mailbox.binding_ids.filtered(lambda b: b.identity == "exchange:R4")
        self.assertEqual(binding.activity_type, "Lunch")
        # A binding saved before the column existed kept the type as text in its hashes.
        binding.write({"activity_type": False, "field_hashes": {"activity_type": "sHoliday"}})
        [row] = self.store().lookup([], [], ["exchange:R4"])
        self.assertEqual(row.activity_type, "Holiday")

    def test_rows_saved_in_bulk_read_back_as_the_orm_stores_them(self):
        store = self.store()
        self.assertEqual(len(self.mailbox.binding_ids), 4)  # cached before the save
        modified = datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)
        new = [
            StatusRow(
                "exchange:N%d" % n,
                local_id=self.ids[n % 4],
                remote_id="N%d" % n,
                local_version="v%d" % n,
                item_hash="h%d" % n,
                field_hashes={"subject": "s%d" % n},
                remote_modified=modified,
                recheck=bool(n % 2),
            )
            for n in range(3)
        ]
        store.save(new)
        bindings = self.mailbox.binding_ids.filtered(lambda b: b.identity.startswith("exchange:N"))
        self.assertEqual(len(bindings), 3, "the mailbox's cached list sees the new rows")
        first = bindings.filtered(lambda b: b.identity == "exchange:N1")
        self.assertEqual(first.user_id, self.alice)
        self.assertEqual(first.event_id.id, int(self.ids[1].split(",")[1]))
        self.assertEqual(first.field_hashes, {"subject": "s1"})
        self.assertEqual(first.remote_modified, modified.replace(tzinfo=None))
        self.assertTrue(first.recheck)
        self.assertFalse(first.local_modified)
        self.assertEqual(first.create_uid, self.env.user)
        # Rows changed differently are written in one statement, and read back changed.
        for n, row in enumerate(new):
            row.remote_version, row.field_hashes = "r%d" % n, {"subject": "t%d" % n}
        with self.assertQueryCount(1):
            store.save(new)
        self.assertEqual(
            sorted(bindings.mapped("field_hashes"), key=str),
            [{"subject": "t%d" % n} for n in range(3)],
        )
        self.assertEqual(sorted(bindings.mapped("remote_version")), ["r0", "r1", "r2"])
        [row] = self.store().lookup([], ["N2"], [])
        self.assertEqual((row.local_version, row.item_hash, row.recheck), ("v2", "h2", False))
