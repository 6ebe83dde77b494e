"""Meetings on the simulator's EWS front end, driven by exchangelib's own meeting API.

Alice organizes; Bob and Carol are colleagues with mailboxes here; Eve is outside (her mail
leaves the server, only the journal sees it). Each test looks at what each of them would see.
"""

import pytest
from exchangelib import Attendee, CalendarItem, Mailbox
from exchangelib.errors import (
    ErrorCalendarIsCancelledForAccept,
    ErrorCalendarIsNotOrganizer,
    ErrorCalendarIsOrganizerForAccept,
    ErrorCalendarMeetingRequestIsOutOfDate,
    ErrorItemNotFound,
)
from exchangelib.items import (
    SEND_ONLY,
    SEND_ONLY_TO_ALL,
    SEND_ONLY_TO_CHANGED,
    SEND_TO_ALL_AND_SAVE_COPY,
    SEND_TO_NONE,
    MeetingCancellation,
    MeetingRequest,
    MeetingResponse,
)
from meeting_support import (
    ALICE,
    BOB,
    CAROL,
    OUTSIDER,
    account,
    at,
    cancellations,
    invitations,
    meeting_seed,
    soap,
)

from exchange_simulator.goid import clean_global_object_id, uid_of
from exchange_simulator.meetings import attendant_for
from exchange_simulator.simulator import Simulator
from exchange_simulator.store import Attendee as StoreAttendee


@pytest.fixture
def sim():
    with Simulator(meeting_seed()).start() as running:
        yield running
        assert running.mounted("ews").invalid_answers == []


@pytest.fixture
def alice(sim):
    return account(sim, ALICE)


@pytest.fixture
def bob(sim):
    return account(sim, BOB)


def invite(acc, subject="Plan", send=SEND_TO_ALL_AND_SAVE_COPY, optional=(), **values):
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject=subject,
        start=values.pop("start", at(1, 9)),
        end=values.pop("end", at(1, 10)),
        required_attendees=[Attendee(mailbox=Mailbox(email_address=a)) for a in (BOB, OUTSIDER)],
        optional_attendees=[Attendee(mailbox=Mailbox(email_address=a)) for a in optional],
        **values,
    )
    item.save(send_meeting_invitations=send)
    return item.refresh()


def only(query):
    found = list(query)
    assert len(found) == 1, found
    return found[0]


def answers(acc, item_id):
    item = acc.calendar.get(id=item_id)
    people = (item.required_attendees or []) + (item.optional_attendees or [])
    return {a.mailbox.email_address: a.response_type for a in people}


def test_invitation_puts_a_tentative_copy_in_each_colleagues_calendar(sim, alice, bob):
    meeting = invite(alice, optional=[CAROL], location="Room 1")
    assert meeting.meeting_request_was_sent and meeting.my_response_type == "Organizer"
    assert meeting.is_meeting and meeting.organizer.email_address == ALICE

    copy = only(bob.calendar.all())
    assert copy.uid == meeting.uid and copy.id != meeting.id
    assert copy.clean_global_object_id == meeting.clean_global_object_id
    assert copy.global_object_id == meeting.global_object_id
    assert uid_of(copy.clean_global_object_id) == meeting.uid
    assert copy.is_meeting and copy.my_response_type == "NoResponseReceived"
    assert copy.legacy_free_busy_status == "Tentative" and copy.organizer.email_address == ALICE
    assert copy.subject == "Plan" and copy.location == "Room 1" and copy.start == meeting.start
    assert copy.appointment_state == ("Meeting", "Received")

    request = only(bob.inbox.all())
    assert isinstance(request, MeetingRequest) and request.item_class == (
        "IPM.Schedule.Meeting.Request"
    )
    assert request.meeting_request_type == "NewMeetingRequest"
    assert request.associated_calendar_item_id.id == copy.id
    assert request.intended_free_busy_status == "Busy" and request.sender.email_address == ALICE
    assert request.clean_global_object_id == meeting.clean_global_object_id
    # Carol, optional, was invited too; Eve's invitation left the server.
    assert only(account(sim, CAROL).calendar.all()).uid == meeting.uid
    assert [invitations(sim, who) for who in (BOB, CAROL, OUTSIDER, ALICE)] == [1, 1, 1, 0]
    assert [m.external for m in sim.journal.mail(recipient=OUTSIDER)] == [True]
    # "SaveCopy": the request Alice sent is in her Sent Items.
    assert isinstance(only(alice.sent.all()), MeetingRequest)


def test_a_vcal_uid_is_kept_and_wrapped_in_the_global_object_id(alice, bob):
    meeting = invite(alice, uid="{81412D3C-2A24-4E9D-B20E-11F7BBE92799}")
    copy = only(bob.calendar.all())
    assert copy.uid == "{81412D3C-2A24-4E9D-B20E-11F7BBE92799}"
    assert copy.clean_global_object_id == clean_global_object_id(meeting.uid)
    assert b"vCal-Uid" in copy.clean_global_object_id


def test_send_to_none_and_send_only_to_all(sim, alice, bob):
    invite(alice, "Quiet", send=SEND_TO_NONE)
    assert list(bob.calendar.all()) == [] and list(bob.inbox.all()) == []
    assert sim.journal.mail() == []
    quiet = only(alice.calendar.filter(subject="Quiet"))
    assert not quiet.meeting_request_was_sent

    invite(alice, "Loud", send=SEND_ONLY_TO_ALL)
    assert only(bob.calendar.all()).subject == "Loud"
    assert list(alice.sent.all()) == []  # "Only": no copy kept in Sent Items
    assert invitations(sim, BOB) == invitations(sim, OUTSIDER) == 1


def test_accept_on_the_calendar_copy_reaches_the_organizer(sim, alice, bob):
    meeting = invite(alice)
    copy = only(bob.calendar.all())
    copy.accept(body="See you there")

    copy = only(bob.calendar.all())
    assert copy.my_response_type == "Accept" and copy.legacy_free_busy_status == "Busy"
    assert copy.appointment_reply_time is not None
    organizer_view = alice.calendar.get(id=meeting.id)
    bob_line = next(a for a in organizer_view.required_attendees if a.mailbox.email_address == BOB)
    assert bob_line.response_type == "Accept" and bob_line.last_response_time is not None
    assert answers(alice, meeting.id)[OUTSIDER] == "Unknown"
    response = only(alice.inbox.all())
    assert isinstance(response, MeetingResponse) and response.subject == "Accepted: Plan"
    assert response.item_class == "IPM.Schedule.Meeting.Resp.Pos"
    assert response.associated_calendar_item_id.id == meeting.id
    assert isinstance(only(bob.sent.all()), MeetingResponse)
    assert isinstance(only(bob.inbox.all()), MeetingRequest)  # answered on the calendar item


def test_tentative_on_the_request_moves_the_request_to_deleted_items(alice, bob):
    meeting = invite(alice)
    request = only(bob.inbox.all())
    results = request.tentatively_accept()
    # Exchange 2013+ names the calendar item and the request (now in Deleted Items).
    assert len(results) == 2
    assert list(bob.inbox.all()) == []
    assert isinstance(only(bob.trash.all()), MeetingRequest)
    copy = only(bob.calendar.all())
    assert copy.my_response_type == "Tentative" and copy.legacy_free_busy_status == "Tentative"
    assert answers(alice, meeting.id)[BOB] == "Tentative"
    assert only(alice.inbox.all()).item_class == "IPM.Schedule.Meeting.Resp.Tent"


def test_decline_takes_the_copy_out_of_the_calendar(alice, bob):
    meeting = invite(alice)
    only(bob.calendar.all()).decline()
    assert list(bob.calendar.all()) == []
    moved = only(bob.trash.all())
    assert moved.uid == meeting.uid and moved.my_response_type == "Decline"
    assert answers(alice, meeting.id)[BOB] == "Decline"
    assert only(alice.inbox.all()).subject == "Declined: Plan"
    assert only(alice.calendar.all()).id == meeting.id  # the meeting goes on for the others


def test_answers_not_sent_stay_with_the_attendee(sim, alice, bob):
    meeting = invite(alice)
    copy = only(bob.calendar.all())
    # SaveOnly is how an EWS client answers without telling the organizer.
    copy.accept(message_disposition="SaveOnly", folder=bob.drafts)
    assert only(bob.calendar.all()).my_response_type == "Accept"
    assert answers(alice, meeting.id)[BOB] == "Unknown" and list(alice.inbox.all()) == []
    assert isinstance(only(bob.drafts.all()), MeetingResponse)
    only(bob.calendar.all()).tentatively_accept(message_disposition=SEND_ONLY)
    assert answers(alice, meeting.id)[BOB] == "Tentative"
    assert list(bob.sent.all()) == []  # SendOnly keeps no copy
    assert len(sim.journal.mail(sender=BOB)) == 1


def test_time_change_is_a_full_update_that_asks_again(sim, alice, bob):
    meeting = invite(alice)
    only(bob.calendar.all()).accept()
    state = bob.calendar.sync_items()
    list(state)
    meeting.start, meeting.end = at(2, 14), at(2, 15)
    meeting.save(update_fields=["start", "end"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    copy = only(bob.calendar.all())
    assert copy.start == at(2, 14) and copy.my_response_type == "NoResponseReceived"
    assert copy.legacy_free_busy_status == "Tentative"
    assert copy.appointment_sequence_number == 1
    assert answers(alice, meeting.id)[BOB] == "Unknown"  # the tally starts over
    requests = list(bob.inbox.all())[::-1]  # oldest first
    assert [r.meeting_request_type for r in requests] == ["Outdated", "FullUpdate"]
    assert requests[0].is_out_of_date and not requests[1].is_out_of_date
    with pytest.raises(ErrorCalendarMeetingRequestIsOutOfDate):
        requests[0].accept()
    # Bob's calendar sync sees the update of his copy.
    changes = list(bob.calendar.sync_items(sync_state=bob.calendar.item_sync_state))
    assert [(kind, item.id) for kind, item in changes] == [("update", copy.id)]
    assert invitations(sim, BOB) == invitations(sim, OUTSIDER) == 2


def test_location_change_is_informational_and_keeps_the_answer(alice, bob):
    meeting = invite(alice)
    only(bob.calendar.all()).accept()
    meeting.location = "Room 2"
    meeting.save(update_fields=["location"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    copy = only(bob.calendar.all())
    assert copy.location == "Room 2" and copy.my_response_type == "Accept"
    assert answers(alice, meeting.id)[BOB] == "Accept"
    newest, older = bob.inbox.all()  # newest first, as Exchange lists a mail folder
    assert (newest.meeting_request_type, older.meeting_request_type) == (
        "InformationalUpdate",
        "Outdated",
    )


def test_update_sent_to_nobody_leaves_the_copies_alone(sim, alice, bob):
    meeting = invite(alice)
    meeting.subject = "Plan (draft)"
    meeting.save(update_fields=["subject"], send_meeting_invitations=SEND_TO_NONE)
    assert only(bob.calendar.all()).subject == "Plan"
    assert invitations(sim, BOB) == 1


def test_send_only_to_changed_reaches_the_added_and_cancels_for_the_removed(sim, alice, bob):
    meeting = invite(alice)
    meeting.optional_attendees = [Attendee(mailbox=Mailbox(email_address=CAROL))]
    meeting.save(
        update_fields=["optional_attendees"], send_meeting_invitations=SEND_ONLY_TO_CHANGED
    )
    carol = account(sim, CAROL)
    assert only(carol.calendar.all()).uid == meeting.uid
    assert [invitations(sim, who) for who in (BOB, OUTSIDER, CAROL)] == [1, 1, 1]

    meeting = alice.calendar.get(id=meeting.id)
    meeting.optional_attendees = None
    meeting.save(
        update_fields=["optional_attendees"], send_meeting_invitations=SEND_ONLY_TO_CHANGED
    )
    copy = only(carol.calendar.all())
    assert copy.is_cancelled and copy.subject == "Canceled: Plan"
    assert cancellations(sim, CAROL) == 1 and cancellations(sim, BOB) == 0
    assert not only(bob.calendar.all()).is_cancelled


def test_organizer_deleting_with_cancellations_cancels_every_copy(sim, alice, bob):
    meeting = invite(alice)
    meeting.delete(send_meeting_cancellations=SEND_TO_ALL_AND_SAVE_COPY)
    assert list(alice.calendar.all()) == []
    copy = only(bob.calendar.all())  # still there, marked, until Bob removes it
    assert copy.is_cancelled and copy.subject == "Canceled: Plan"
    assert copy.legacy_free_busy_status == "Free"
    assert copy.appointment_state == ("Meeting", "Received", "Canceled")
    cancellation = only(bob.inbox.filter(item_class="IPM.Schedule.Meeting.Canceled"))
    assert isinstance(cancellation, MeetingCancellation)
    assert cancellation.subject == "Canceled: Plan"
    assert cancellation.associated_calendar_item_id.id == copy.id
    assert cancellations(sim, BOB) == cancellations(sim, OUTSIDER) == 1
    assert isinstance(only(alice.sent.filter(subject="Canceled: Plan")), MeetingCancellation)
    with pytest.raises(ErrorCalendarIsCancelledForAccept):
        copy.accept()


def test_cancel_calendar_item_moves_the_meeting_to_deleted_items(sim, alice, bob):
    meeting = invite(alice)
    meeting.cancel(new_body="Sorry, not this week")
    assert list(alice.calendar.all()) == []
    assert only(alice.trash.all()).uid == meeting.uid
    assert only(bob.calendar.all()).is_cancelled
    cancellation = only(bob.inbox.filter(item_class="IPM.Schedule.Meeting.Canceled"))
    assert "not this week" in cancellation.body


def test_deleting_without_cancellations_or_as_attendee_tells_nobody(sim, alice, bob):
    meeting = invite(alice)
    only(bob.calendar.all()).delete(send_meeting_cancellations=SEND_TO_ALL_AND_SAVE_COPY)
    assert list(bob.calendar.all()) == []
    assert answers(alice, meeting.id)[BOB] == "Unknown" and list(alice.inbox.all()) == []
    assert len(sim.journal.mail(sender=BOB)) == 0
    invite(alice, "Second")
    alice.calendar.get(subject="Second").delete(send_meeting_cancellations=SEND_TO_NONE)
    assert not only(bob.calendar.all()).is_cancelled
    assert cancellations(sim, BOB) == 0


def test_refusals_use_exchanges_codes(sim, alice, bob):
    meeting = invite(alice)
    with pytest.raises(ErrorCalendarIsOrganizerForAccept):
        meeting.accept()
    copy = only(bob.calendar.all())
    with pytest.raises(ErrorCalendarIsNotOrganizer):
        copy.cancel()
    # A hostile colleague cannot answer for Bob: his item ids mean nothing in her mailbox.
    carol = account(sim, CAROL)
    copy.account = carol
    with pytest.raises(ErrorItemNotFound):
        copy.accept()
    assert answers(alice, meeting.id)[BOB] == "Unknown"


def test_series_meeting_copies_its_occurrences(sim, alice, bob):
    from exchangelib.recurrence import DailyPattern, Recurrence

    meeting = invite(
        alice,
        "Standup",
        recurrence=Recurrence(pattern=DailyPattern(interval=1), start=at(1, 9).date(), number=5),
    )
    copy = only(bob.calendar.all())
    assert copy.type == "RecurringMaster" and copy.uid == meeting.uid
    assert copy.recurrence.boundary.number == 5
    second = alice.calendar.get(id=meeting.id).occurrence(2).refresh()
    second.subject = "Standup (moved)"
    second.start, second.end = at(2, 11), at(2, 12)
    second.save(
        update_fields=["subject", "start", "end"],
        send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY,
    )
    copy = bob.calendar.get(id=copy.id)
    assert [o.start for o in copy.modified_occurrences] == [at(2, 11)]
    view = list(bob.calendar.view(start=at(1, 0), end=at(6, 0)))
    assert [o.subject for o in view].count("Standup (moved)") == 1
    assert all(o.uid == meeting.uid for o in view)
    third = alice.calendar.get(id=meeting.id).occurrence(3).refresh()
    third.delete(send_meeting_cancellations=SEND_ONLY_TO_ALL)
    view = list(bob.calendar.view(start=at(3, 0), end=at(4, 0)))
    assert [(o.subject, o.is_cancelled) for o in view] == [("Canceled: Standup", True)]
    # Bob accepts the whole series once; one answer reaches Alice.
    bob.calendar.get(id=copy.id).accept()
    assert answers(alice, meeting.id)[BOB] == "Accept"


def test_exchange_2010_gives_the_answered_copy_a_new_id():
    version = "Exchange2010_SP2"
    with Simulator(meeting_seed(version)).start() as sim:
        alice, bob = account(sim, ALICE, version), account(sim, BOB, version)
        invite(alice)
        before = only(bob.calendar.all())
        request = only(bob.inbox.all())
        assert request.meeting_request_type == "NewMeetingRequest"
        before.accept()
        after = only(bob.calendar.all())
        assert after.id != before.id and after.uid == before.uid
        assert after.my_response_type == "Accept"
        assert sim.mounted("ews").invalid_answers == []


def test_mail_folders_sync_like_the_calendar(alice, bob):
    list(bob.inbox.sync_items())
    meeting = invite(alice)
    created = list(bob.inbox.sync_items(sync_state=bob.inbox.item_sync_state))
    assert [(kind, type(item).__name__) for kind, item in created] == [("create", "MeetingRequest")]
    meeting.delete(send_meeting_cancellations=SEND_ONLY_TO_ALL)
    more = list(bob.inbox.sync_items(sync_state=bob.inbox.item_sync_state))
    # The cancellation arrives, and the request it outdates changes.
    assert sorted((kind, type(item).__name__) for kind, item in more) == [
        ("create", "MeetingCancellation"),
        ("update", "MeetingRequest"),
    ]


def test_unsupported_items_are_refused_with_a_schema_code(sim, alice):
    from exchangelib import Message

    message = Message(account=alice, folder=alice.drafts, subject="Hello")
    with pytest.raises(Exception) as raised:
        message.save()
    assert "ErrorInvalidItemForOperationCreateItem" in type(raised.value).__name__


def test_all_properties_of_copies_and_messages_are_schema_valid_and_say_who_organizes(
    sim, alice, bob
):
    meeting = invite(alice)
    only(bob.calendar.all()).accept()
    ids = [i.id for i in bob.calendar.all()] + [i.id for i in bob.sent.all()]
    ids += [i.id for i in alice.inbox.all()] + [meeting.id]
    answer = soap(
        sim,
        BOB,
        "<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"
        "<m:ItemIds>%s</m:ItemIds></m:GetItem>" % "".join('<t:ItemId Id="%s"/>' % i for i in ids),
    )
    assert answer.count('ResponseClass="Success"') == 2  # Bob's copy and his sent answer
    assert "<t:IsOrganizer>false</t:IsOrganizer>" in answer
    assert "<t:MyResponseType>Accept</t:MyResponseType>" in answer
    assert answer.count("ErrorItemNotFound") == 2  # Alice's items are not Bob's to read
    assert sim.mounted("ews").invalid_answers == []


def test_exchange_2007_names_no_item_in_the_answer_to_a_response():
    with Simulator(meeting_seed("Exchange2007_SP1")).start() as sim:
        meeting = sim.store.create_item(
            ALICE,
            {"subject": "Plan", "start": at(1, 9), "end": at(1, 10),
             "required_attendees": [StoreAttendee(BOB, "Bob")]},
        )  # fmt: skip
        attendant_for(sim).send(ALICE, meeting.id)
        [copy] = sim.store.items(BOB)
        answer = soap(
            sim,
            BOB,
            '<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:AcceptItem>'
            '<t:ReferenceItemId Id="%s"/></t:AcceptItem></m:Items></m:CreateItem>' % copy.id,
            version="Exchange2007_SP1",
        )
        assert 'ResponseClass="Success"' in answer and "<m:Items/>" in answer
        [again] = sim.store.items(BOB)
        assert again.id != copy.id and again.my_response == "Accept"  # re-created, new id
        assert sim.store.get_item(ALICE, meeting.id).required_attendees[0].response == "Accept"
        assert sim.mounted("ews").invalid_answers == []
