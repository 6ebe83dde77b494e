"""Authentication, impersonation, versions and TLS against the simulated Exchange."""

import pytest
from ews_support import (  # noqa: F401 - fixtures
    ALICE,
    BOB,
    CAROL,
    PASSWORD,
    SEED,
    assert_schema_clean,
    ews_sim_fixture,
    settings,
    start,
    utc,
)

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.engine import Window
from calendar_exchange_sync.sync.ews import EwsSide

WINDOW = Window(utc(2026, 1, 1))


@pytest.mark.parametrize(
    "auth, username",
    [
        ("NTLM", "CONTOSO\\svc-sync"),
        ("Basic", "CONTOSO\\svc-sync"),
        ("Basic", "svc-sync@contoso.com"),
    ],
)
def test_delegate_logs_in_and_impersonates(ews_sim, auth, username):
    side = EwsSide(settings(ews_sim, auth=auth, username=username), BOB)
    ews_sim.store.create_item(
        BOB, {"subject": "Bob's", "start": utc(2026, 3, 3, 9), "end": utc(2026, 3, 3, 10)}
    )
    assert len(side.list_changes(None, WINDOW).changed) == 1
    soap = [e for e in ews_sim.journal.entries("ews") if e.operation == "SyncFolderItems"]
    assert soap[-1].user == "svc-sync@contoso.com" and soap[-1].mailbox == BOB
    if auth == "NTLM":
        # The handshake's two 401 legs, then the request itself, on one connection.
        assert [e.status for e in ews_sim.journal.entries("ews")][:3] == [401, 401, 200]


@pytest.mark.parametrize("auth", ["NTLM", "Basic"])
def test_wrong_password_is_an_authentication_error(ews_sim, auth):
    side = EwsSide(settings(ews_sim, auth=auth, password="wrong"), ALICE)
    with pytest.raises(errors.AuthenticationError) as caught:
        side.list_changes(None, WINDOW)
    assert "wrong" not in str(caught.value) and PASSWORD not in str(caught.value)


def test_impersonation_denied_and_unknown_mailbox(ews_sim):
    with pytest.raises(errors.ImpersonationDenied) as caught:
        EwsSide(settings(ews_sim), CAROL).list_changes(None, WINDOW)
    assert CAROL in str(caught.value)
    with pytest.raises(errors.MailboxNotFound):
        EwsSide(settings(ews_sim), "nobody@contoso.com").list_changes(None, WINDOW)
    codes = [c for _, c in ews_sim.journal.errors("ews")]
    assert "ErrorImpersonateUserDenied" in codes and "ErrorNonExistentMailbox" in codes


def test_a_newer_version_than_the_server_is_refused_then_adapted():
    seed = dict(SEED, server={"version": "Exchange2010_SP2", "domain": "CONTOSO"})
    sim = start(seed)
    try:
        side = EwsSide(settings(sim, version="Exchange2016"), ALICE)
        listing = side.list_changes(None, WINDOW)
        assert listing.complete
        # The server refused Exchange2016 and exchangelib fell back to what it reported.
        assert "ErrorInvalidServerVersion" in [c for _, c in sim.journal.errors("ews")]
        assert side.account.version.api_version == "Exchange2010_SP2"
        assert_schema_clean(sim)
    finally:
        sim.stop()


def test_https_with_the_company_ca_and_without_it():
    sim = start(https=True)
    try:
        url = sim.https_url + "/EWS/Exchange.asmx"
        trusted = EwsSide(settings(sim, endpoint=url, ca_file=sim.ca_file), ALICE)
        assert trusted.list_changes(None, WINDOW).complete
        # A second endpoint name for the same server, with no CA configured: refused.
        other = url.replace("127.0.0.1", "localhost")
        with pytest.raises(errors.TlsError) as caught:
            EwsSide(settings(sim, endpoint=other), ALICE).list_changes(None, WINDOW)
        assert "certificate" in str(caught.value)
    finally:
        sim.stop()
