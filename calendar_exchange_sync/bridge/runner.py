"""One synchronisation run of one mailbox, from the cron: settings -> engine -> log.

The caller (the cron) holds the mailbox's row lock. Given ``commit`` (the cron's), the run
commits after each batch of writes and takes the lock again, so that a large mailbox never
holds a user's own writes back; given ``time_budget``, it stops between two batches once the
budget is spent and the next run carries on. Without ``commit`` everything lands in the
caller's transaction. Either way a crash loses nothing that matters: the next run recognises
what reached Exchange meanwhile by the identity every created item carries.

Deletions the run held back are listed for the owner and the administrators to decide on (see
``held_deletions``), and their decisions are handed to the engine.
"""

import logging
import time
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

from ..sync.classify import Classifier
from ..sync.engine import Engine, SyncOptions
from ..sync.errors import SyncError
from . import held_deletions
from .addresses import normalize
from .binding_store import BindingStore
from .contacts_runner import ContactsRun
from .mailbox_state import CompanySettings, MailboxState
from .meeting_pairing import converge
from .meetings import MeetingSide, wake_attendees
from .odoo_side import SERIES, OdooSide, parse_id
from .organizer_guard import OrganizerGuardSide
from .postponement import Postponement
from .tenancy import open_backend
from .uid_hints import UidRecordingSide

_logger = logging.getLogger(__name__)

# The engine speaks of roles ("local", "remote"), Odoo's settings and log of "odoo" and
# "exchange": translated here, and only here.
SIDE_NAMES = {"local": "odoo", "remote": "exchange"}
ROLES = {name: role for role, name in SIDE_NAMES.items()}


def lazily(build):
    """A callable built on first use: a run with nothing to decide reads no activity type."""
    built = []

    def call(item):
        if not built:
            built.append(build())
        return built[0](item)

    return call


def company_types(company, **context):
    """The activity types a company's entries may have: its own and the shared ones; of two
    with one name, its own (another company's types and flags are none of its business)."""
    types = (
        company.env["calendar.activity.type"]
        .with_context(**context)
        .search([("company_id", "in", [company.id, False])])
    )
    by_name = {}
    for activity_type in types.sorted(lambda t: (not t.company_id, t.sequence, t.id)):
        by_name.setdefault(activity_type.name.casefold(), activity_type)
    return list(by_name.values())


def export_filter(company):
    """``may_export``: only activity types flagged *sync to Exchange* leave Odoo."""
    default_type = company.exchange_default_activity_type_id
    types = company_types(company, active_test=False)
    flags = {t.name.casefold(): t.sync_to_exchange for t in types}
    default_flag = default_type.sync_to_exchange if default_type else True

    def may_export(item):
        if not item.activity_type:
            return default_flag
        return flags.get(item.activity_type.casefold(), default_flag)

    return may_export


def classifier(company):
    types = company_types(company)
    personal = company.exchange_personal_activity_type_id
    default = company.exchange_default_activity_type_id
    return Classifier(
        [(t.name, t.trigger_words or "") for t in types if t != personal],
        personal=personal.name if personal else None,
        default=default.name if default else None,
    )


class MailboxRun:
    """One run of one mailbox. ``state`` comes from the lock query (``MailboxState.lock``);
    without it (tests, Sync now of a single mailbox) the mailbox is locked here."""

    def __init__(
        self,
        mailbox,
        *,
        state=None,
        company=None,
        backend=None,
        force_deletions=False,
        time_budget=None,
        commit=None,
        written_floor=None,
    ):
        self.mailbox = mailbox.sudo()
        self.env = self.mailbox.env
        self.state = state or MailboxState.lock(self.env, mailbox.id)
        if self.state is None:
            raise SyncError("Another worker is synchronising this mailbox right now.")
        self.user = self.env["res.users"].browse(self.state.user_id)
        self.company_id = self.state.company_id
        self._company = company
        self.backend = backend
        self.address = None  # the mailbox address this run reached (set by execute)
        self.force_deletions = force_deletions
        self.time_budget = time_budget  # seconds of writing, None: no limit (see the cron)
        self.commit = commit  # commits and locks the mailbox again; False: lock lost
        # Read by the cron in a transaction committed before this run's (``written_floor``).
        self.written_floor = written_floor
        self.lock_lost = False
        self.held = (0, False)  # deletions held back now, and whether that list changed
        self.unfinished = False  # out of time: the next run carries on
        self.lines = []  # the log's error lines of this run
        self.private = set()  # remote ids and identities of private items read this run

    @property
    def company(self):
        """The company's settings (read here unless the cron read them for all mailboxes)."""
        if self._company is None:
            self._company = CompanySettings.read(self.env["res.company"].browse(self.company_id))
        return self._company

    def options(self):
        company = self.env["res.company"].browse(self.company_id)
        held, confirmed, restored = held_deletions.decisions(self.mailbox, self.state.has_held)
        return SyncOptions(
            policy=ROLES.get(self.company.policy, self.company.policy),  # "newest" stays
            clock_skew=timedelta(seconds=self.company.clock_skew),
            window_days=self.company.window_days,
            deletion_limit=self.company.deletion_limit,
            deletion_min=self.company.deletion_min,
            held_deletions=held,
            confirmed_deletions=confirmed,
            restored_deletions=restored,
            time_budget=self.time_budget,
            # In the cron the run commits after announcing each batch of creates (see
            # ``checkpoint``), so a killed worker leaves those rows pending for the next run to
            # look up: looking up every new entry in Exchange first, as one transaction per run
            # needs, would cost each pass of a large first sync a search of the whole backlog.
            verify_creates=None if self.commit is None else False,
            may_export=lazily(lambda: export_filter(company)),
            classify=lazily(lambda: classifier(company)),
        )

    def checkpoint(self):
        """Between two batches: commit (in the cron only) and take the mailbox's lock again.
        False when another worker took the mailbox meanwhile: this run stops there."""
        if self.commit is None:
            return True
        if not self.commit():
            self.lock_lost = True
            return False
        return True

    def execute(self):
        """Run the engine for this mailbox and record the outcome; returns the log record."""
        started = fields.Datetime.now()
        clock = time.monotonic()
        uid_hints, meeting_hints = {}, {}
        report = None
        store = BindingStore(self.mailbox, self.state, checkpoint=self.checkpoint)
        try:
            self._check_mailbox()
            backend, address = self.backend, self.state.email
            if backend is None:
                # The address Exchange knows, the route and the ids (see tenancy.py).
                backend, address = open_backend(self)
            self.address = address  # the contacts of this run go to the same mailbox
            local = OdooSide(
                self.env,
                self.user,
                uid_hints=uid_hints,
                meeting_hints=meeting_hints,
                mailbox_id=self.mailbox.id,
                mailbox=address,
                partner_id=self.state.partner_id,
                on_repointed=self._pairs_moved,
                written_floor=self.written_floor,
            )
            meetings = MeetingSide(
                OrganizerGuardSide(backend, address),
                local,
                self.mailbox.id,
                send_answers=self.company.send_invitations,
            )
            remote = UidRecordingSide(meetings, uid_hints, self.private, meeting_hints)
            # Entries that are copies of a meeting the organizer's mailbox has brought in since
            # move onto it before the run (no write to Exchange: the pair only changes sides).
            if converge(local, self.mailbox, due=self.state.needs_converge):
                self._pairs_moved()
            engine = Engine(local, remote, store, self.options())
            report = engine.run(force_deletions=self.force_deletions)
            error = report.aborted
            wake_attendees(self.env, local.written, meetings.touched, self.user)
        except SyncError as failure:  # e.g. settings that cannot build a backend
            error = failure
        if self.lock_lost:
            # Another worker carries on from what was committed; the mailbox is its now.
            _logger.info("Exchange sync of mailbox %s handed over to another worker", self.state.id)
            return self.env["calendar.exchange.log"]
        if report is not None:
            self.unfinished = report.unfinished and error is None
            finished = error is None and not report.unfinished
            self.held = held_deletions.remember(self.mailbox, report, finished, self.state.has_held)
        log = self._record(started, time.monotonic() - clock, report, error, store)
        ContactsRun(self, error).execute()  # contacts: the mailbox's second item kind
        return log

    def _pairs_moved(self):
        self.state.has_unsettled = True  # the moved pairs are read again

    def _check_mailbox(self):
        """The address of this run is the one an administrator gave the user, who may sync:
        the cron sees to it, and a run started any other way must not rely on that."""
        state = self.state
        if state.user_share or not state.user_active or not state.user_sync:
            raise SyncError(self.env._("This user does not synchronise with Exchange (any more)."))
        if not state.user_mailbox or normalize(state.email) != state.user_mailbox:
            raise SyncError(
                self.env._(
                    "The mailbox %(old)s is no longer this user's (now: %(new)s): the run "
                    "is refused; the next one starts over with the new mailbox.",
                    old=state.email,
                    new=state.user_mailbox or self.env._("none"),
                )
            )

    def _record(self, started, duration, report, error, store):
        """The log line of this run; none (an empty recordset) for a run that found nothing to
        do: the cron passes every few minutes, and the mailbox's last success says so."""
        held, held_changed = self.held
        quiet = (
            report is not None
            and not report.errors
            and not report.writes
            and not report.matched
            and not held_changed
        )
        if quiet and not error:
            self._update_mailbox(report, error, store)
            return self.env["calendar.exchange.log"]
        postponed = Postponement(self.mailbox, error)
        if postponed.repeats():
            # One line per mailbox for a whole throttling storm, not one per attempt.
            log = postponed.note_again(duration)
            self._update_mailbox(report, error, store)
            return log
        counts = report.to_dict()["counts"] if report else {}
        values = {
            "mailbox_id": self.mailbox.id,
            "user_id": self.user.id,
            "company_id": self.company_id,
            "started": started,
            "duration": duration,
            "state": self._state(report, error),
            "message": str(error) if error else self._held_message(held) or self._left_message(),
            "held_count": held,
        }
        for side, prefix in SIDE_NAMES.items():
            for action, verb in (
                ("create", "created"),
                ("update", "updated"),
                ("delete", "deleted"),
            ):
                values["%s_%s" % (prefix, verb)] = counts.get(side, {}).get(action, 0)
        if report:
            values["matched"] = report.matched
            values["conflicts"] = report.conflicts
            self.lines = self._error_lines(report)
            values["line_ids"] = [(0, 0, line) for line in self.lines]
        log = self.env["calendar.exchange.log"].create(values)
        self._update_mailbox(report, error, store)
        return log

    def _held_message(self, held):
        if not held:
            return False
        return self.env._(
            "%s deletions are held back: more than the company's limit of this calendar would "
            "have gone. Nothing was deleted; the rest was synchronised. Confirm the deletions or "
            "restore the entries (Preferences, or this mailbox in the sync settings).",
            held,
        )

    def _left_message(self):
        if not self.unfinished:
            return False
        return self.env._(
            "This run stopped at its time budget with work left; the next run carries on "
            "where it stopped."
        )

    @staticmethod
    def _state(report, error):
        if Postponement.applies(error):
            return "postponed"
        if error:
            return "failed"
        if report.held:
            return "stopped"
        if report.errors:
            return "partial"
        return "done"

    def _error_lines(self, report):
        # The bindings of these errors and those that had one, not every binding of the
        # mailbox: each run that wrote something makes a log line.
        Binding = self.env["calendar.exchange.binding"].sudo()
        mine = [("mailbox_id", "=", self.mailbox.id)]
        failed = [e.identity for e in report.errors if e.identity]
        bindings = {}
        if failed:
            bindings = {b.identity: b for b in Binding.search(mine + [("identity", "in", failed)])}
        lines = []
        for item_error in report.errors:
            binding = bindings.get(item_error.identity)
            if binding:
                binding.sync_error = str(item_error.error)
            lines.append(
                {
                    "event_id": binding.event_id.id if binding else False,
                    "side": SIDE_NAMES.get(item_error.side, "exchange"),
                    "action": item_error.action,
                    "subject": item_error.subject,
                    "message": str(item_error.error),
                    "private": self._is_private(item_error, binding),
                }
            )
        Binding.search(
            mine + [("sync_error", "!=", False), ("identity", "not in", failed)]
        ).sync_error = False
        return lines

    def _is_private(self, item_error, binding):
        """Whether the entry of an error is private (an unknown one counts as private): its
        subject, and the message that may quote it, are then for its owner's eyes only."""
        event = binding.event_id if binding else self.env["calendar.event"]
        local_ids = (item_error.item_id, binding.local_id if binding else None, item_error.identity)
        for value in local_ids:
            if event:
                break
            if parse_id(value):
                event = event.browse(parse_id(value)).exists()
            elif parse_id(value, SERIES):
                series = self.env[SERIES].browse(parse_id(value, SERIES)).exists()
                event = series.base_event_id or series.calendar_event_ids[:1]
        if event:
            return event.effective_privacy == "private"
        if {item_error.identity, item_error.item_id} & self.private:
            return True
        # Read from Exchange this run and not private: it would be in ``self.private``.
        return not (item_error.side == "local" and item_error.action == "create")

    def _error_summary(self, lines):
        """The mailbox's last error, shown to its owner and the administrators: private
        entries are not named in it (the log names them to their owner)."""
        return "\n".join(
            self.env._("A private entry could not be synchronised: see the sync log.")
            if line["private"]
            else "%s: %s" % (line["subject"] or self.env._("An entry"), line["message"])
            for line in lines
        )

    def _update_mailbox(self, report, error, store):
        """One write: the tokens the engine moved, and how the run went."""
        state = self.state
        now = fields.Datetime.now()
        values = dict(store.token_changes, last_run=now)
        self._write_mailbox(values, report, error, state, now)

    def _tell_user(self, report, error):
        """The user pressed Sync now: say, in their browser, how it went."""
        if error:
            message, kind = self.env._("Calendar synchronisation failed: %s", error), "danger"
        elif report.errors:
            message = self.env._(
                "Calendar synchronised, but %s entries could not be:", len(report.errors)
            )
            message += "\n" + "\n".join("%s: %s" % (e.subject, e.error) for e in report.errors[:5])
            kind = "warning"
        else:
            message = self.env._(
                "Calendar synchronised: %(odoo)s changes from Exchange, %(exchange)s sent to it.",
                odoo=sum(report.get("local", a) for a in ("create", "update", "delete")),
                exchange=sum(report.get("remote", a) for a in ("create", "update", "delete")),
            )
            kind = "success"
        self.user._bus_send(
            "simple_notification", {"type": kind, "message": message, "sticky": kind != "success"}
        )

    def _write_mailbox(self, values, report, error, state, now):
        postponed = Postponement(self.mailbox, error)
        unfinished = report is not None and report.unfinished
        if unfinished:  # carries on at the next pass, which only takes marked mailboxes
            values["needs_sync"] = True
        elif state.needs_sync:
            values["needs_sync"] = False
        if state.notify_user and not postponed.applies(error) and not unfinished:
            values["notify_user"] = False
            self._tell_user(report, error)
        if postponed.applies(error):
            values.pop("needs_sync", None)
            values["next_attempt"] = postponed.until(now)
            values["last_error"] = str(error)
        elif error:
            values["last_error"] = str(error)
            _logger.info("Exchange sync of mailbox %s failed: %s", self.mailbox.id, error)
        else:
            values["last_success"] = now
            if state.next_attempt:
                values["next_attempt"] = False
            last_error = self._error_summary(self.lines)
            if last_error or state.last_error:
                values["last_error"] = last_error or False
        # Plain SQL: the ORM would first ask the database for its clock (write_date), one more
        # query on the path every quiet run of every mailbox takes.
        assignments = [
            SQL("%s = %s", SQL.identifier(name), value if value is not False else None)
            for name, value in values.items()
        ]
        self.env.cr.execute(
            SQL(
                "UPDATE calendar_exchange_mailbox SET %s, write_date = now() AT TIME ZONE 'UTC',"
                " write_uid = %s WHERE id = %s",
                SQL(", ").join(assignments),
                self.env.uid,
                self.mailbox.id,
            )
        )
        self.mailbox.invalidate_recordset([*values, "write_date", "write_uid"])
