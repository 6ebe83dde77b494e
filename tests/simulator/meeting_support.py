"""Shared set-up of the meeting tests: a seed of four mailboxes and an outside address,
exchangelib accounts impersonated by the service account, and Graph sessions."""

import datetime

import requests
from exchangelib import (
    BASIC,
    IMPERSONATION,
    Account,
    Build,
    Configuration,
    Credentials,
    EWSTimeZone,
    ExtendedProperty,
    FailFast,
    Version,
)
from exchangelib.items import CalendarItem, MeetingCancellation, MeetingRequest, MeetingResponse

from exchange_simulator.seed import seed_data

UTC = datetime.timezone.utc
ALICE, BOB, CAROL, DAN = (
    "alice@contoso.com",
    "bob@contoso.com",
    "carol@contoso.com",
    "dan@contoso.com",
)
OUTSIDER = "eve@fabrikam.example"  # no mailbox on the server: mail to her leaves it
BUILDS = {"Exchange2016": Build(15, 1), "Exchange2013": Build(15, 0)}
BUILDS |= {"Exchange2010_SP2": Build(14, 2), "Exchange2007_SP1": Build(8, 1)}
# The app of the shared test seed.
APP = seed_data("contoso")["tenants"][0]["apps"][0]


class GlobalObjectId(ExtendedProperty):
    distinguished_property_set_id = "Meeting"
    property_id = 0x3
    property_type = "Binary"


class CleanGlobalObjectId(ExtendedProperty):
    distinguished_property_set_id = "Meeting"
    property_id = 0x23
    property_type = "Binary"


for _cls in (CalendarItem, MeetingRequest, MeetingResponse, MeetingCancellation):
    if "global_object_id" not in {f.name for f in _cls.FIELDS}:
        _cls.register("global_object_id", GlobalObjectId)
        _cls.register("clean_global_object_id", CleanGlobalObjectId)


def meeting_seed(version="Exchange2016"):
    """The shared test seed (exchange_simulator/seeds/contoso.json) with Dan as a fourth
    mailbox, and a delegate and an app that reach every mailbox (Carol's too)."""
    seed = seed_data("contoso")
    seed["server"]["version"] = version
    seed["users"].append({"smtp": DAN, "password": "dan-pw", "display_name": "Dan"})
    seed["impersonation"] = {"svc-sync@contoso.com": ["*"]}
    del seed["tenants"][0]["apps"][0]["mailbox_policy"]
    return seed


def account(sim, mailbox, version="Exchange2016"):
    config = Configuration(
        service_endpoint=sim.ews_url,
        credentials=Credentials("CONTOSO\\svc-sync", "S3rvice!"),
        auth_type=BASIC,
        version=Version(build=BUILDS[version], api_version=version),
        retry_policy=FailFast(),
    )
    return Account(
        mailbox,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION,
        default_timezone=EWSTimeZone("UTC"),
    )


def at(day, hour):
    return datetime.datetime(2026, 4, day, hour, tzinfo=EWSTimeZone("UTC"))


def graph_session(sim):
    token = requests.post(
        "%s/contoso.com/oauth2/v2.0/token" % sim.https_url,
        data={"grant_type": "client_credentials", "client_id": APP["client_id"],
              "client_secret": APP["client_secret"], "scope": sim.https_url + "/.default"},
        verify=sim.ca_file, timeout=5,
    ).json()["access_token"]  # fmt: skip
    session = requests.Session()
    session.verify = sim.ca_file
    session.trust_env = False
    session.headers["Authorization"] = "Bearer " + token
    session.base = sim.https_url + "/v1.0"
    return session


def invitations(sim, recipient):
    """How many meeting requests (invitations and updates) went to ``recipient``."""
    return len(sim.journal.mail(recipient=recipient, item_class="IPM.Schedule.Meeting.Request"))


def cancellations(sim, recipient):
    return len(sim.journal.mail(recipient=recipient, item_class="IPM.Schedule.Meeting.Canceled"))


ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope '
    'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header>'
    '<t:RequestServerVersion Version="%s"/><t:ExchangeImpersonation>'
    "<t:ConnectingSID><t:PrimarySmtpAddress>%s</t:PrimarySmtpAddress></t:ConnectingSID>"
    "</t:ExchangeImpersonation></s:Header><s:Body>%s</s:Body></s:Envelope>"
)


def soap(sim, mailbox, body, version="Exchange2016"):
    """Raw EWS as the service account impersonating ``mailbox``: the answer's text."""
    return requests.post(
        sim.ews_url,
        data=(ENVELOPE % (version, mailbox, body)).encode(),
        auth=("CONTOSO\\svc-sync", "S3rvice!"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    ).text
