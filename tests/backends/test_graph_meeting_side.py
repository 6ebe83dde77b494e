"""The Graph backend's meeting reads and writes, through requests and msal, on the simulator.

Graph invites whoever an event is written with (there is no SendToNone): the backend can only
leave attendees out. What it reads of a copy (answer, cancellation, the UID Graph chose) and
how it answers (accept / tentativelyAccept / decline with sendResponse).
"""

import pytest
from graph_support import ALICE, BOB, running, seed, side_for, when, window

from calendar_exchange_sync.sync.items import Attendee, CalendarItem

DAN = "dan@fabrikam.example"
REQUEST = "IPM.Schedule.Meeting.Request"
CANCELED = "IPM.Schedule.Meeting.Canceled"


@pytest.fixture(name="sim")
def sim_fixture():
    with running(seed()) as sim:
        yield sim


def planning(**changes):
    values = {
        "subject": "Planning",
        "start": when(20, 9),
        "end": when(20, 10),
        "timezone": "Europe/Paris",
        "organizer": ALICE,
        "attendees": (Attendee(BOB, "Bob"), Attendee(DAN, "Dan")),
    }
    values.update(changes)
    return CalendarItem(**values)


def listed(side):
    changes = side.list_changes(None, window())
    return side.fetch(list(changes.changed))


def only(fetched):
    assert len(fetched) == 1, fetched
    return next(iter(fetched.items()))


def mail(sim, recipient, item_class=REQUEST):
    return len(sim.journal.mail(recipient=recipient, item_class=item_class))


def tally(side, event_id):
    return {a.email: a.response for a in side.fetch([event_id])[event_id].item.attendees}


def test_an_event_with_attendees_invites_them_and_says_its_uid(sim):
    alice, bob = side_for(sim, ALICE), side_for(sim, BOB)
    [created] = alice.create([("e,1", planning())])
    assert created.ok, created.error
    assert created.remote.uid  # Graph chose it; nobody can set it
    _id, organizers = only(alice.fetch([created.remote.id]))
    assert organizers.uid == created.remote.uid and organizers.meeting.sent
    _cid, copy = only(listed(bob))
    assert copy.uid == created.remote.uid and copy.identity is None
    assert copy.item.organizer == ALICE and copy.item.response == "none"
    assert (mail(sim, BOB), mail(sim, DAN)) == (1, 1)


def test_an_event_without_attendees_invites_nobody(sim):
    alice, bob = side_for(sim, ALICE), side_for(sim, BOB)
    [created] = alice.create([("e,1", planning(attendees=()))])
    assert created.ok
    assert listed(bob) == {} and sim.journal.mail() == []
    _id, organizers = only(alice.fetch([created.remote.id]))
    assert organizers.meeting is None  # a plain entry, for Exchange


def test_answers_sent_or_kept_quiet(sim):
    alice, bob = side_for(sim, ALICE), side_for(sim, BOB)
    [created] = alice.create([("e,1", planning())])
    copy_id, _copy = only(listed(bob))
    [answer] = bob.respond([(copy_id, "tentative", False)])
    assert answer.ok, answer.error
    assert answer.remote.version == bob.fetch([copy_id])[copy_id].version
    assert only(listed(bob))[1].item.response == "tentative"
    assert tally(alice, created.remote.id)[BOB] == "none"
    assert sim.journal.mail(sender=BOB) == []
    [answer] = bob.respond([(copy_id, "accepted", True)])
    assert answer.ok
    assert tally(alice, created.remote.id)[BOB] == "accepted"
    [none] = bob.respond([(copy_id, "none", True)])
    assert not none.ok and "take an answer back" in str(none.error)
    [own] = alice.respond([(created.remote.id, "accepted", True)])
    assert not own.ok  # the organizer does not answer their own meeting


def test_a_decline_removes_the_copy_and_a_delete_cancels(sim):
    alice, bob = side_for(sim, ALICE), side_for(sim, BOB)
    [first] = alice.create([("e,1", planning())])
    copy_id, _copy = only(listed(bob))
    [answer] = bob.respond([(copy_id, "declined", True)])
    assert answer.ok
    assert listed(bob) == {}
    assert tally(alice, first.remote.id)[BOB] == "declined"
    [second] = alice.create([("e,2", planning(subject="Review"))])
    assert second.ok
    [gone] = alice.delete([(second.remote.id, second.remote.version)])
    assert gone.ok
    _cid, copy = only(listed(bob))
    assert copy.meeting.cancelled and copy.item.subject == "Canceled: Review"
    assert mail(sim, BOB, CANCELED) == 1
