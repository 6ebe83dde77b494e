"""Meetings on the simulator's Graph front end, spoken to with raw requests as an app-only
client would: invitations on POST, updates on PATCH, accept / tentativelyAccept / decline /
cancel, DELETE. The EWS view of the same mailboxes is checked where it tells more."""

import pytest
from meeting_support import (
    ALICE,
    BOB,
    CAROL,
    OUTSIDER,
    account,
    cancellations,
    graph_session,
    invitations,
    meeting_seed,
)

from exchange_simulator.goid import PSETID_MEETING
from exchange_simulator.simulator import Simulator

CLEAN_GOID = "Binary {%s} Id 0x23" % PSETID_MEETING.upper()
EVENT = {
    "subject": "Review",
    "start": {"dateTime": "2026-04-01T10:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2026-04-01T11:00:00", "timeZone": "UTC"},
    "location": {"displayName": "Room 1"},
    "attendees": [
        {"emailAddress": {"address": BOB, "name": "Bob"}, "type": "required"},
        {"emailAddress": {"address": OUTSIDER, "name": "Eve"}, "type": "optional"},
    ],
}


@pytest.fixture
def sim():
    with Simulator(meeting_seed(), https=True).start() as running:
        yield running
        assert running.mounted("ews").invalid_answers == []


@pytest.fixture
def api(sim):
    return graph_session(sim)


def url(api, path):
    return api.base + path


def events(api, who):
    answer = api.get(url(api, "/users/%s/events" % who))
    assert answer.status_code == 200, answer.text
    return answer.json()["value"]


def one(api, who):
    found = events(api, who)
    assert len(found) == 1, found
    return found[0]


def organize(api, **changes):
    answer = api.post(url(api, "/users/%s/events" % CAROL), json=dict(EVENT, **changes))
    assert answer.status_code == 201, answer.text
    return answer.json()


def status(event, who):
    for att in event["attendees"]:
        if att["emailAddress"]["address"] == who:
            return att["status"]
    raise AssertionError("%s is no attendee" % who)


def act(api, who, event_id, action, **body):
    return api.post(url(api, "/users/%s/events/%s/%s" % (who, event_id, action)), json=body)


def test_post_with_attendees_invites_them_all(sim, api):
    meeting = organize(api)
    assert meeting["isOrganizer"] and meeting["responseStatus"]["response"] == "organizer"
    assert status(meeting, BOB) == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    copy = one(api, BOB)
    assert copy["iCalUId"] == meeting["iCalUId"] and copy["id"] != meeting["id"]
    assert not copy["isOrganizer"] and copy["organizer"]["emailAddress"]["address"] == CAROL
    assert copy["responseStatus"] == {"response": "notResponded", "time": "0001-01-01T00:00:00Z"}
    assert copy["showAs"] == "tentative" and copy["subject"] == "Review"
    assert not copy["isCancelled"]
    # The same CleanGlobalObjectId on both sides, read as Graph reads extended properties.
    expand = {"$expand": "singleValueExtendedProperties($filter=id eq '%s')" % CLEAN_GOID}
    ids = [
        api.get(url(api, "/users/%s/events/%s" % (who, e["id"])), params=expand).json()
        for who, e in ((CAROL, meeting), (BOB, copy))
    ]
    values = [e["singleValueExtendedProperties"][0]["value"] for e in ids]
    assert values[0] == values[1]
    # Graph has no SendToNone: Bob and Eve were invited, once each.
    assert [invitations(sim, who) for who in (BOB, OUTSIDER, CAROL)] == [1, 1, 0]
    assert len(list(account(sim, BOB).inbox.all())) == 1


def test_accept_and_tentative_reach_the_organizer(sim, api):
    meeting = organize(api)
    copy = one(api, BOB)
    answer = act(api, BOB, copy["id"], "accept", comment="Sure", sendResponse=True)
    assert answer.status_code == 202 and answer.content == b""
    copy = one(api, BOB)
    assert copy["responseStatus"]["response"] == "accepted" and copy["showAs"] == "busy"
    assert copy["responseStatus"]["time"] != "0001-01-01T00:00:00Z"
    seen = api.get(url(api, "/users/%s/events/%s" % (CAROL, meeting["id"]))).json()
    assert status(seen, BOB)["response"] == "accepted"
    assert status(seen, OUTSIDER)["response"] == "none"
    assert [m.subject for m in sim.journal.mail(recipient=CAROL)] == ["Accepted: Review"]

    # Without sendResponse the organizer hears nothing.
    assert act(api, BOB, copy["id"], "tentativelyAccept", sendResponse=False).status_code == 202
    assert one(api, BOB)["responseStatus"]["response"] == "tentativelyAccepted"
    seen = api.get(url(api, "/users/%s/events/%s" % (CAROL, meeting["id"]))).json()
    assert status(seen, BOB)["response"] == "accepted"
    assert len(sim.journal.mail(recipient=CAROL)) == 1


def delta_link(api, who):
    """The deltaLink after a first delta round over April 2026."""
    page = api.get(
        url(api, "/users/%s/calendarView/delta" % who),
        params={"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"},
    ).json()
    while "@odata.nextLink" in page:
        page = api.get(page["@odata.nextLink"]).json()
    return page["@odata.deltaLink"]


def test_decline_removes_the_event_from_the_attendees_calendar(api):
    meeting = organize(api)
    copy = one(api, BOB)
    link = delta_link(api, BOB)
    assert act(api, BOB, copy["id"], "decline", comment="Away").status_code == 202
    assert events(api, BOB) == []
    assert api.get(url(api, "/users/%s/events/%s" % (BOB, copy["id"]))).status_code == 404
    changes = api.get(link).json()["value"]
    assert [c["id"] for c in changes if "@removed" in c] == [copy["id"]]
    seen = api.get(url(api, "/users/%s/events/%s" % (CAROL, meeting["id"]))).json()
    assert status(seen, BOB)["response"] == "declined"


def test_refusals(api):
    meeting = organize(api)
    copy = one(api, BOB)
    answer = act(api, CAROL, meeting["id"], "accept")
    assert answer.status_code == 400
    answer = act(api, BOB, copy["id"], "cancel", comment="No")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "Your request can't be completed. You need to be an organizer to cancel a meeting."
    )
    # Bob's event id means nothing in Alice's mailbox: nobody answers for him.
    assert act(api, ALICE, copy["id"], "accept").status_code == 404
    assert act(api, BOB, copy["id"], "accept", sendResponse="yes").status_code == 400
    assert one(api, BOB)["responseStatus"]["response"] == "notResponded"


def test_patch_by_the_organizer_updates_every_copy(sim, api):
    meeting = organize(api)
    act(api, BOB, one(api, BOB)["id"], "accept")
    link = delta_link(api, BOB)
    answer = api.patch(
        url(api, "/users/%s/events/%s" % (CAROL, meeting["id"])), json={"subject": "Review v2"}
    )
    assert answer.status_code == 200
    copy = one(api, BOB)
    assert copy["subject"] == "Review v2" and copy["responseStatus"]["response"] == "accepted"
    # Bob's delta round sees his copy change.
    assert [c["subject"] for c in api.get(link).json()["value"]] == ["Review v2"]
    assert invitations(sim, BOB) == invitations(sim, OUTSIDER) == 2
    # Moving the meeting asks everyone again.
    api.patch(
        url(api, "/users/%s/events/%s" % (CAROL, meeting["id"])),
        json={"start": {"dateTime": "2026-04-02T10:00:00", "timeZone": "UTC"},
              "end": {"dateTime": "2026-04-02T11:00:00", "timeZone": "UTC"}},
    )  # fmt: skip
    copy = one(api, BOB)
    assert copy["start"]["dateTime"].startswith("2026-04-02T10:00")
    assert copy["responseStatus"]["response"] == "notResponded"
    assert [m.request_type for m in sim.journal.mail(recipient=BOB)] == [
        "NewMeetingRequest", "InformationalUpdate", "FullUpdate",
    ]  # fmt: skip


def test_patch_of_attendees_alone_reaches_only_the_changed(sim, api):
    meeting = organize(api)
    people = [*EVENT["attendees"], {"emailAddress": {"address": ALICE}, "type": "required"}]
    api.patch(url(api, "/users/%s/events/%s" % (CAROL, meeting["id"])), json={"attendees": people})
    assert one(api, ALICE)["iCalUId"] == meeting["iCalUId"]
    assert [invitations(sim, who) for who in (BOB, OUTSIDER, ALICE)] == [1, 1, 1]
    api.patch(
        url(api, "/users/%s/events/%s" % (CAROL, meeting["id"])),
        json={"attendees": EVENT["attendees"]},
    )
    assert one(api, ALICE)["isCancelled"] and cancellations(sim, ALICE) == 1
    assert cancellations(sim, BOB) == 0


def test_patch_of_an_attendees_copy_stays_theirs(sim, api):
    meeting = organize(api)
    copy = one(api, BOB)
    api.patch(url(api, "/users/%s/events/%s" % (BOB, copy["id"])), json={"isReminderOn": False})
    assert invitations(sim, OUTSIDER) == 1 and sim.journal.mail(sender=BOB) == []
    seen = api.get(url(api, "/users/%s/events/%s" % (CAROL, meeting["id"]))).json()
    assert seen["isReminderOn"] == meeting["isReminderOn"]


def test_cancel_marks_the_copies_and_removes_the_organizers_event(sim, api):
    meeting = organize(api)
    answer = act(api, CAROL, meeting["id"], "cancel", comment="Postponed")
    assert answer.status_code == 202
    assert events(api, CAROL) == []
    copy = one(api, BOB)
    assert copy["isCancelled"] and copy["subject"] == "Canceled: Review"
    assert cancellations(sim, BOB) == cancellations(sim, OUTSIDER) == 1
    cancellation = account(sim, BOB).inbox.get(item_class="IPM.Schedule.Meeting.Canceled")
    assert "Postponed" in cancellation.body
    assert act(api, BOB, copy["id"], "accept").status_code == 400  # cancelled: no answer


def test_delete_by_the_organizer_cancels_by_an_attendee_does_not(sim, api):
    meeting = organize(api)
    copy = one(api, BOB)
    api.delete(url(api, "/users/%s/events/%s" % (BOB, copy["id"])))
    assert events(api, BOB) == [] and sim.journal.mail(sender=BOB) == []
    seen = api.get(url(api, "/users/%s/events/%s" % (CAROL, meeting["id"]))).json()
    assert status(seen, BOB)["response"] == "none"
    assert api.delete(url(api, "/users/%s/events/%s" % (CAROL, meeting["id"]))).status_code == 204
    assert cancellations(sim, OUTSIDER) == 1 and cancellations(sim, BOB) == 1


def test_series_copy_and_an_occurrence_cancelled(sim, api):
    recurrence = {
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "numbered", "startDate": "2026-04-01", "numberOfOccurrences": 3},
    }
    meeting = organize(api, recurrence=recurrence)
    copy = one(api, BOB)
    assert copy["type"] == "seriesMaster" and copy["iCalUId"] == meeting["iCalUId"]
    window = {"startDateTime": "2026-04-01T00:00:00Z", "endDateTime": "2026-04-05T00:00:00Z"}
    instances = api.get(
        url(api, "/users/%s/events/%s/instances" % (CAROL, meeting["id"])), params=window
    ).json()["value"]
    assert act(api, CAROL, instances[1]["id"], "cancel").status_code == 202
    answer = api.patch(
        url(api, "/users/%s/events/%s" % (CAROL, instances[2]["id"])), json={"subject": "Wrap-up"}
    )
    assert answer.status_code == 200
    view = api.get(url(api, "/users/%s/calendarView" % BOB), params=window).json()["value"]
    assert [(e["subject"], e["isCancelled"], e["type"]) for e in view] == [
        ("Review", False, "occurrence"),
        ("Canceled: Review", True, "exception"),
        ("Wrap-up", False, "exception"),
    ]  # fmt: skip
    # Each instance has an iCalUId of its own (its GlobalObjectId carries the date), the same
    # in the organizer's calendar and in the copy.
    assert len({e["iCalUId"] for e in view} | {meeting["iCalUId"]}) == 4
    assert [e["iCalUId"] for e in view] == [e["iCalUId"] for e in instances]
    mine = api.get(url(api, "/users/%s/calendarView" % CAROL), params=window).json()["value"]
    assert len(mine) == 2


def test_ews_meeting_answered_through_graph(sim, api):
    from exchangelib import Attendee, CalendarItem, Mailbox
    from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY
    from meeting_support import at

    alice = account(sim, ALICE)
    item = CalendarItem(
        account=alice, folder=alice.calendar, subject="Mixed", start=at(3, 9), end=at(3, 10),
        required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB))],
    )  # fmt: skip
    item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    copy = one(api, BOB)
    assert act(api, BOB, copy["id"], "accept").status_code == 202
    seen = alice.calendar.get(id=item.id)
    assert seen.required_attendees[0].response_type == "Accept"
