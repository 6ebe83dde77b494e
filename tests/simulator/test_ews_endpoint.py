"""The simulator's EWS endpoint seen from exchangelib and from raw SOAP: faithful to Exchange."""

import datetime
from pathlib import Path

import pytest
import requests
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    Account,
    Build,
    Configuration,
    Credentials,
    EWSTimeZone,
    FailFast,
    Version,
)
from exchangelib.errors import (
    ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
    ErrorCalendarOccurrenceIsDeletedFromRecurrence,
    ErrorIrresolvableConflict,
)
from exchangelib.properties import EWS_ID, HEX_ENTRY_ID, AlternateId

from exchange_simulator.seed import load_seed
from exchange_simulator.simulator import Simulator

DEMO = Path(__file__).resolve().parents[2] / "exchange_simulator" / "seeds" / "demo.json"
UTC = datetime.timezone.utc
ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    '<s:Header><t:RequestServerVersion Version="Exchange2013"/>%s</s:Header>'
    "<s:Body>%s</s:Body></s:Envelope>"
)
IMPERSONATE = (
    "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>%s"
    "</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
)


@pytest.fixture(name="demo")
def demo_fixture():
    with Simulator(DEMO).start() as sim:
        yield sim
        assert sim.mounted("ews").invalid_answers == []


def account(sim, mailbox="admin@contoso.com", version="Exchange2016"):
    build = {"Exchange2016": Build(15, 1), "Exchange2013": Build(15, 0)}[version]
    config = Configuration(
        service_endpoint=sim.ews_url,
        credentials=Credentials("CONTOSO\\svc-odoo", "Demo-Delegate-1"),
        auth_type=BASIC,
        version=Version(build=build, api_version=version),
        retry_policy=FailFast(),
    )
    return Account(
        mailbox,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION,
        default_timezone=EWSTimeZone("UTC"),
    )


def post(sim, body, header="", auth=("CONTOSO\\svc-odoo", "Demo-Delegate-1")):
    data = (ENVELOPE % (header, body)).encode()
    return requests.post(
        sim.ews_url, data=data, auth=auth, headers={"Content-Type": "text/xml; charset=utf-8"}
    )


def test_demo_seed_loads_and_calendar_view_expands_occurrences(demo):
    acc = account(demo)
    start = datetime.datetime(2026, 11, 23, tzinfo=acc.default_timezone)
    end = datetime.datetime(2027, 1, 4, tzinfo=acc.default_timezone)
    view = list(acc.calendar.view(start=start, end=end))
    weekly = [i for i in view if i.subject.startswith("Weekly sales")]
    # Mondays 23 Nov - 28 Dec, 28 Dec deleted; 30 Nov moved to the afternoon.
    assert [i.start.date().isoformat() for i in weekly] == [
        "2026-11-23",
        "2026-11-30",
        "2026-12-07",
        "2026-12-14",
        "2026-12-21",
    ]
    moved = weekly[1]
    assert moved.type == "Exception" and moved.start.hour == 12
    assert {i.type for i in weekly} == {"Occurrence", "Exception"}
    assert sum(1 for i in view if i.type == "Single") == 3


def test_server_version_info_and_version_negotiation(demo):
    answer = post(
        demo,
        '<m:ResolveNames ReturnFullContactData="false">'
        "<m:UnresolvedEntry>marc</m:UnresolvedEntry></m:ResolveNames>",
    )
    assert answer.status_code == 200
    assert 'Version="Exchange2016"' in answer.text and 'MajorVersion="15"' in answer.text
    assert "marc.demo@contoso.com" in answer.text
    newer = (
        ENVELOPE
        % (
            "",
            '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>'
            "x</m:UnresolvedEntry></m:ResolveNames>",
        )
    ).replace("Exchange2013", "V2018_01_08")
    refused = requests.post(
        demo.ews_url, data=newer.encode(), auth=("CONTOSO\\svc-odoo", "Demo-Delegate-1")
    )
    assert refused.status_code == 500 and "ErrorInvalidServerVersion" in refused.text


@pytest.mark.ews_schema
def test_invalid_request_gets_schema_validation_fault(demo):
    body = (
        '<m:GetFolder><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds>'
        "</m:GetFolder>"
    )  # FolderShape is missing
    answer = post(demo, body, IMPERSONATE % "admin@contoso.com")
    assert answer.status_code == 500
    assert "ErrorSchemaValidation" in answer.text and "FolderShape" in answer.text
    assert demo.journal.errors("ews")[-1] == ("GetFolder", "ErrorSchemaValidation")


def test_bad_password_and_impersonation(demo):
    bad = post(
        demo,
        '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>x'
        "</m:UnresolvedEntry></m:ResolveNames>",
        auth=("CONTOSO\\svc-odoo", "no"),
    )
    assert bad.status_code == 401
    assert "NTLM" in bad.headers.get("WWW-Authenticate", "")
    body = (
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
        '<m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>'
    )
    denied = post(demo, body, IMPERSONATE % "joel.willis@contoso.com")
    assert denied.status_code == 500 and "ErrorImpersonateUserDenied" in denied.text
    missing = post(demo, body, IMPERSONATE % "ghost@contoso.com")
    assert "ErrorNonExistentMailbox" in missing.text
    ok = post(demo, body, IMPERSONATE % "marc.demo@contoso.com")
    assert ok.status_code == 200 and "CalendarFolder" in ok.text


def test_change_key_conflict_and_always_overwrite(demo):
    acc = account(demo, "marc.demo@contoso.com", "Exchange2013")
    item = next(iter(acc.calendar.all()))
    old_key = item.changekey
    item.subject = "first"
    item.save(update_fields=["subject"])
    stale = acc.calendar.get(id=item.id)
    stale.changekey = old_key
    stale.subject = "second"
    with pytest.raises(ErrorIrresolvableConflict):
        stale.save(update_fields=["subject"], conflict_resolution="NeverOverwrite")
    stale.save(update_fields=["subject"], conflict_resolution="AlwaysOverwrite")
    assert acc.calendar.get(id=item.id).subject == "second"
    # AutoResolve (exchangelib's default) overwrites too, as [MS-OXWSCORE] describes.
    stale.changekey, stale.subject = old_key, "third"
    stale.save(update_fields=["subject"], conflict_resolution="AutoResolve")
    assert acc.calendar.get(id=item.id).subject == "third"


def test_convert_id_round_trip(demo):
    acc = account(demo)
    item = next(iter(acc.calendar.all()))
    [hex_id] = acc.protocol.convert_ids(
        [AlternateId(id=item.id, format=EWS_ID, mailbox=acc.primary_smtp_address)],
        destination_format=HEX_ENTRY_ID,
    )
    [back] = acc.protocol.convert_ids(
        [AlternateId(id=hex_id.id, format=HEX_ENTRY_ID, mailbox=acc.primary_smtp_address)],
        destination_format=EWS_ID,
    )
    assert back.id == item.id and hex_id.id != item.id


def test_delete_needs_send_meeting_cancellations(demo):
    acc = account(demo)
    item = next(iter(acc.calendar.all()))
    body = (
        '<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="%s"/>'
        "</m:ItemIds></m:DeleteItem>" % item.id
    )
    answer = post(demo, body, IMPERSONATE % "admin@contoso.com")
    assert "ErrorSendMeetingCancellationsRequired" in answer.text
    item.delete(send_meeting_cancellations="SendToNone")
    assert demo.store.count("admin@contoso.com") == 3


def test_delegate_access_without_impersonation_reads_own_mailbox(demo):
    config = Configuration(
        service_endpoint=demo.ews_url,
        credentials=Credentials("CONTOSO\\marc", "Demo-Marc-1"),
        auth_type=BASIC,
        retry_policy=FailFast(),
        version=Version(build=Build(15, 1), api_version="Exchange2016"),
    )
    own = Account(
        "marc.demo@contoso.com",
        config=config,
        autodiscover=False,
        access_type=DELEGATE,
        default_timezone=EWSTimeZone("UTC"),
    )
    assert sorted(i.subject for i in own.calendar.all()) == ["Call with Deco Addict", "Training"]


@pytest.mark.ews_schema
def test_schema_files_are_published(demo):
    answer = requests.get(demo.http_url + "/EWS/Services.wsdl")
    assert answer.status_code == 200 and b"definitions" in answer.content[:2000]


def test_seed_round_trip_keeps_the_series(tmp_path, demo):
    from exchange_simulator.seed import save_seed

    path = tmp_path / "saved.json"
    save_seed(demo.seed, path, demo.store)
    again = load_seed(path)
    with Simulator(again).start() as copy:
        series = [i for i in copy.store.items("admin@contoso.com") if i.recurrence]
        assert len(series) == 1
        assert len(series[0].modified_occurrences) == 1
        assert len(series[0].deleted_occurrences) == 1


def test_occurrence_and_recurring_master_ids(demo):
    acc = account(demo)
    master = next(i for i in acc.calendar.all() if i.type == "RecurringMaster")
    assert [o.original_start.isoformat() for o in master.modified_occurrences] == [
        "2026-11-30T08:00:00+00:00"
    ]
    assert [d.start.isoformat() for d in master.deleted_occurrences] == [
        "2026-12-28T08:00:00+00:00"
    ]
    fifth = master.occurrence(5)  # OccurrenceItemId: the moved one (30 Nov)
    fifth.refresh()
    assert fifth.type == "Exception" and fifth.subject.endswith("(afternoon)")
    again = fifth.recurring_master()  # RecurringMasterItemId from an occurrence id
    again.refresh()
    assert again.id == master.id and again.type == "RecurringMaster"
    with pytest.raises(ErrorCalendarOccurrenceIsDeletedFromRecurrence):
        master.occurrence(9).refresh()  # 28 Dec was deleted
    with pytest.raises(ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange):
        bounded = next(i for i in account(demo, "marc.demo@contoso.com").calendar.all())
        bounded.occurrence(2).refresh()  # not a series at all


@pytest.mark.ews_schema
def test_an_invalid_answer_is_caught(monkeypatch):
    from exchange_simulator.ews import operations
    from exchange_simulator.ews.soap import ResponseBuilder, m, sub

    def broken(ctx, op):
        out = ResponseBuilder("ResolveNames")
        sub(out.success(), m("NotAnElement"), "x")  # what a buggy simulator might write
        return out

    monkeypatch.setitem(operations.HANDLERS, "ResolveNames", broken)
    with Simulator(DEMO).start() as sim:
        answer = post(
            sim,
            '<m:ResolveNames ReturnFullContactData="false">'
            "<m:UnresolvedEntry>x</m:UnresolvedEntry></m:ResolveNames>",
        )
        # Never sent as an answer: a server error, and the suite's fixture would fail.
        assert answer.status_code == 500 and "NotAnElement" not in answer.text
        [(operation, problems)] = sim.mounted("ews").invalid_answers
        assert operation == "ResolveNames" and "NotAnElement" in problems[0]
        assert sim.journal.errors("ews") == [("ResolveNames", "ErrorInternalServerError")]
    from exchange_simulator.ews.app import BROKEN_ANSWERS

    assert BROKEN_ANSWERS.pop()[0] == "ResolveNames"
