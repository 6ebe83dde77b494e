"""The EWS front end as strict as Exchange 2007-2016 (issue 13, points 3 and 8-11).

One test per point (point 9 has one per leniency), driven by exchangelib as a client would, or
by raw SOAP where exchangelib cannot send what is tested (a BodyType, a malformed value, the
exact 2007 SP1 elements). Sources: the EWS reference on Microsoft Learn (IsRecurring,
ReminderDueBy, ExtendedProperty, TimeZoneContext, MeetingTimeZone), the published schema
(ResponseCodeType), and Exchange's documented limits (a calendar view spans at most two years).
"""

import datetime
import re

import pytest
import requests
from exchangelib import (
    BASIC,
    IMPERSONATION,
    Account,
    Build,
    CalendarItem,
    Configuration,
    Credentials,
    EWSDateTime,
    EWSTimeZone,
    FailFast,
    HTMLBody,
    Version,
)

from exchange_simulator.seed import save_seed
from exchange_simulator.simulator import Simulator

UTC = datetime.timezone.utc
ALICE = "alice@contoso.com"
AUTH = ("CONTOSO\\svc-sync", "S3rvice!")
BUILDS = {"Exchange2016": Build(15, 1), "Exchange2007_SP1": Build(8, 1)}
CODES_RE = re.compile(r"<m:ResponseCode>(\w+)</m:ResponseCode>")
IMPERSONATE = (
    "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>%s"
    "</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>" % ALICE
)


def account(sim, version="Exchange2016"):
    config = Configuration(
        service_endpoint=sim.ews_url,
        credentials=Credentials(*AUTH),
        auth_type=BASIC,
        version=Version(build=BUILDS[version], api_version=version),
        retry_policy=FailFast(),
    )
    return Account(ALICE, config=config, autodiscover=False, access_type=IMPERSONATION,
                   default_timezone=EWSTimeZone("UTC"))  # fmt: skip


def soap(sim, body, version="Exchange2016", headers=""):
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        '<s:Header><t:RequestServerVersion Version="%s"/>%s%s</s:Header>'
        "<s:Body>%s</s:Body></s:Envelope>" % (version, IMPERSONATE, headers, body)
    )
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    return requests.post(sim.ews_url, data=envelope.encode(), auth=AUTH, headers=headers,
                         timeout=10)  # fmt: skip


def get_item(sim, item_id, shape, version="Exchange2016"):
    return soap(
        sim,
        '<m:GetItem><m:ItemShape>%s</m:ItemShape><m:ItemIds><t:ItemId Id="%s"/></m:ItemIds>'
        "</m:GetItem>" % (shape, item_id),
        version,
    )


def when(day, hour):
    return EWSDateTime(2026, 3, day, hour, tzinfo=EWSTimeZone("UTC"))


def series(sim):
    return next(i for i in sim.store.items(ALICE) if i.recurrence)


@pytest.fixture
def sim(seed):
    with Simulator(seed).start() as running:
        yield running
        assert running.mounted("ews").invalid_answers == []


def test_3_html_bodies_are_rewritten_and_text_is_returned_as_text(sim):
    acc = account(sim)
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="Body",
        start=when(9, 9),
        end=when(9, 10),
        body=HTMLBody("<p>One<br/>two</p>"),
    )
    item.save(send_meeting_invitations="SendToNone")
    read = acc.calendar.get(id=item.id)
    assert isinstance(read.body, HTMLBody)
    assert read.body.startswith("<html>") and "<meta http-equiv" in read.body
    assert "<p>One<br>two</p>" in read.body
    text = get_item(sim, item.id, "<t:BaseShape>IdOnly</t:BaseShape><t:BodyType>Text</t:BodyType>"
                    "<t:AdditionalProperties><t:FieldURI FieldURI=\"item:Body\"/>"
                    "</t:AdditionalProperties>")  # fmt: skip
    body = re.search(r'<t:Body BodyType="(\w+)"[^>]*>(.*?)</t:Body>', text.text, re.S)
    assert body.group(1) == "Text" and "<" not in body.group(2)
    assert "One" in body.group(2) and "two" in body.group(2)


def test_8_sync_state_and_item_ids_survive_a_restart_with_save(sim, tmp_path):
    acc = account(sim)
    folder = acc.calendar
    before = {obj.id for kind, obj in folder.sync_items(sync_state=None) if kind == "create"}
    state = folder.item_sync_state
    path = tmp_path / "saved.json"
    save_seed(sim.seed, path, sim.store)
    with Simulator(path).start() as restarted:
        again = account(restarted).calendar
        changes = list(again.sync_items(sync_state=state))
        assert changes == []
        assert {i.id for i in again.all()} == before
        assert again.item_sync_state
