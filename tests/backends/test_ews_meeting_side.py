"""The EWS backend's meeting reads and writes, through exchangelib, against the simulator.

Alice organises; Bob's mailbox is a colleague's; Dan is outside (only the journal sees his mail).
What the backend reads of a copy (the owner's answer, a cancellation), what it writes (send
modes, the meeting's UID) and how it answers (AcceptItem…, sent or kept quiet).
"""

from datetime import timedelta

import pytest
from ews_support import ALICE, BOB, SEED, assert_schema_clean, settings, start, utc

from calendar_exchange_sync.sync.engine import Window
from calendar_exchange_sync.sync.ews import EwsSide
from calendar_exchange_sync.sync.items import Attendee, CalendarItem

DAN = "dan@fabrikam.example"
REQUEST = "IPM.Schedule.Meeting.Request"
CANCELED = "IPM.Schedule.Meeting.Canceled"


def with_bob(seed):
    seed = {**seed, "impersonation": {"svc-sync@contoso.com": [ALICE, BOB]}}
    return seed


@pytest.fixture(name="sim", params=["Exchange2016", "Exchange2010_SP2", "Exchange2007_SP1"])
def sim_fixture(request):
    seed = {**SEED, "server": {"version": request.param, "domain": "CONTOSO"}}
    sim = start(with_bob(seed))
    sim.version = request.param
    try:
        yield sim
        assert_schema_clean(sim)
    finally:
        sim.stop()


def side(sim, mailbox):
    return EwsSide(settings(sim, version=sim.version), mailbox)


def planning(**changes):
    values = {
        "subject": "Planning",
        "start": utc(2026, 4, 2, 9),
        "end": utc(2026, 4, 2, 10),
        "timezone": "Europe/Paris",
        "organizer": ALICE,
        "attendees": (Attendee(BOB, "Bob"), Attendee(DAN, "Dan")),
    }
    values.update(changes)
    return CalendarItem(**values)


def listed(side_):
    changes = side_.list_changes(None, Window(utc(2026, 3, 1)))
    return side_.fetch(list(changes.changed))


def only(fetched):
    assert len(fetched) == 1, fetched
    return next(iter(fetched.items()))


def mail(sim, recipient, item_class=REQUEST):
    return len(sim.journal.mail(recipient=recipient, item_class=item_class))


def test_a_meeting_sent_reaches_the_colleague_with_its_uid(sim):
    alice, bob = side(sim, ALICE), side(sim, BOB)
    [created] = alice.create(
        [("calendar.event,1", planning())],
        send={"calendar.event,1"},
        uids={"calendar.event,1": "meeting-1@odoo"},
    )
    assert created.ok, created.error
    _id, organizers = only(alice.fetch([created.remote.id]))
    assert organizers.uid == "meeting-1@odoo" and organizers.meeting.sent
    assert organizers.item.response is None
    copy_id, copy = only(listed(bob))
    assert copy.uid == "meeting-1@odoo" and copy.identity is None  # Exchange's, not ours
    assert copy.item.organizer == ALICE and copy.item.response == "none"
    assert copy.meeting is not None and not copy.meeting.cancelled
    assert (mail(sim, BOB), mail(sim, DAN)) == (1, 1)


def test_a_meeting_written_quietly_sends_nothing_and_keeps_its_uid(sim):
    alice, bob = side(sim, ALICE), side(sim, BOB)
    [created] = alice.create([("e,1", planning())], uids={"e,1": "quiet@odoo"})
    assert created.ok
    assert listed(bob) == {} and sim.journal.mail() == []
    _id, organizers = only(alice.fetch([created.remote.id]))
    assert organizers.uid == "quiet@odoo" and not organizers.meeting.sent
    # The sync writes Bob's own entry itself, with the same UID.
    [own] = bob.create([("e,1", planning(organizer=BOB, attendees=()))], uids={"e,1": "quiet@odoo"})
    _id, bobs = only(listed(bob))
    assert bobs.uid == "quiet@odoo" and bobs.identity == "e,1" and bobs.item.response is None
    assert sim.journal.mail() == []


def test_answers_from_the_copy_sent_or_kept_quiet(sim):
    alice, bob = side(sim, ALICE), side(sim, BOB)
    [created] = alice.create([("e,1", planning())], send={"e,1"})
    copy_id, _copy = only(listed(bob))
    [answer] = bob.respond([(copy_id, "tentative", False)])
    assert answer.ok, answer.error
    copy_id, copy = only(listed(bob))
    assert answer.remote.id == copy_id  # Exchange 2007/2010 gave the copy a new id
    assert copy.item.response == "tentative"
    tally = {
        a.email: a.response
        for a in alice.fetch([created.remote.id])[created.remote.id].item.attendees
    }
    assert tally[BOB] == "none"  # not sent: the organizer does not know
    assert sim.journal.mail(sender=BOB) == []
    assert not sim.store.items(BOB, "drafts"), "no draft left among Bob's"
    [answer] = bob.respond([(copy_id, "accepted", True)])
    assert answer.ok, answer.error
    tally = {
        a.email: a.response
        for a in alice.fetch([created.remote.id])[created.remote.id].item.attendees
    }
    assert tally[BOB] == "accepted"
    assert len(sim.journal.mail(sender=BOB)) == 1
    # An update of the organizer's item keeps the answers Exchange tallied.
    now = alice.fetch([created.remote.id])[created.remote.id]
    [updated] = alice.update([(created.remote.id, now.version, planning(location="Room 9"))])
    assert updated.ok, updated.error
    tally = {
        a.email: a.response
        for a in alice.fetch([created.remote.id])[created.remote.id].item.attendees
    }
    assert tally[BOB] == "accepted"


def test_updates_and_cancellations_go_out_only_when_asked(sim):
    alice, bob = side(sim, ALICE), side(sim, BOB)
    [created] = alice.create([("e,1", planning())], send={"e,1"})
    rid = created.remote.id
    version = alice.fetch([rid])[rid].version
    [quiet] = alice.update([(rid, version, planning(subject="Planning (draft)"))])
    assert quiet.ok
    assert only(listed(bob))[1].item.subject == "Planning" and mail(sim, BOB) == 1
    [loud] = alice.update(
        [(rid, quiet.remote.version, planning(subject="Planning v2"))], send={rid}
    )
    assert loud.ok
    assert only(listed(bob))[1].item.subject == "Planning v2" and mail(sim, BOB) == 2
    [gone] = alice.delete([(rid, loud.remote.version)], send={rid})
    assert gone.ok
    _id, copy = only(listed(bob))
    assert copy.meeting.cancelled and copy.item.subject == "Canceled: Planning v2"
    assert (mail(sim, BOB, CANCELED), mail(sim, DAN, CANCELED)) == (1, 1)


def test_declining_takes_the_copy_out_of_the_calendar(sim):
    alice, bob = side(sim, ALICE), side(sim, BOB)
    [created] = alice.create([("e,1", planning())], send={"e,1"})
    copy_id, _copy = only(listed(bob))
    [answer] = bob.respond([(copy_id, "declined", True)])
    assert answer.ok
    assert listed(bob) == {}
    tally = {
        a.email: a.response
        for a in alice.fetch([created.remote.id])[created.remote.id].item.attendees
    }
    assert tally[BOB] == "declined"


def test_no_answer_can_be_taken_back_and_the_organizer_cannot_answer(sim):
    alice, bob = side(sim, ALICE), side(sim, BOB)
    [created] = alice.create([("e,1", planning())], send={"e,1"})
    copy_id, _copy = only(listed(bob))
    [none] = bob.respond([(copy_id, "none", True)])
    assert not none.ok and "take an answer back" in str(none.error)
    [own] = alice.respond([(created.remote.id, "accepted", True)])
    assert not own.ok
    # Bob's item id means nothing in Alice's mailbox: nobody answers for him.
    [other] = alice.respond([(copy_id, "accepted", True)])
    assert not other.ok
    assert only(listed(bob))[1].item.response == "none"


def test_an_organizers_series_update_in_place_keeps_its_uid(sim):
    alice, bob = side(sim, ALICE), side(sim, BOB)
    from calendar_exchange_sync.sync.items import Recurrence

    weekly = planning(recurrence=Recurrence("FREQ=WEEKLY;COUNT=4"))
    [created] = alice.create([("s,1", weekly)], send={"s,1"}, uids={"s,1": "series@odoo"})
    rid = created.remote.id
    version = alice.fetch([rid])[rid].version
    later = weekly.replace(
        start=weekly.start + timedelta(hours=2),
        end=weekly.end + timedelta(hours=2),
        recurrence=Recurrence("FREQ=WEEKLY;COUNT=6"),
    )
    [updated] = alice.update([(rid, version, later)], send={rid})
    assert updated.ok, updated.error
    assert updated.remote.id == rid
    _rid, now = only(alice.fetch([rid]))
    assert now.uid == "series@odoo" and "COUNT=6" in now.item.recurrence.rrule
    _cid, copy = only(listed(bob))
    assert copy.uid == "series@odoo" and copy.item.start == later.start
