"""Graph backend sign-in against the simulator with the real msal over HTTPS: token, secret,
consent (granted, missing, declined round trip), no request leaving 127.0.0.1, Test connection.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from freezegun import freeze_time
from graph_support import (
    ALICE,
    BOB,
    CAROL,
    CLIENT_ID,
    TENANT,
    loopback_only,
    running,
    seed,
    settings_for,
    side_for,
    window,
)

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.graph.check import admin_consent_url, check_connection
from calendar_exchange_sync.sync.graph.client import GraphClient

REDIRECT = "https://odoo.example.com/exchange/consent"


def test_token_then_delta_and_nothing_leaves_loopback():
    with running() as sim, loopback_only() as attempts:
        side = side_for(sim)
        changes = side.list_changes(None, window())
        assert changes.complete and changes.token
        # msal asked our login server, never login.microsoftonline.com's instance discovery.
        assert sim.journal.count(protocol="login", operation="instance") == 0
        assert sim.journal.operations("login") == ["openid-configuration", "token"]
        assert attempts and all(host == "127.0.0.1" for host in attempts)


def test_token_is_cached_across_clients_of_the_same_app():
    with running() as sim:
        side_for(sim).list_changes(None, window())
        side_for(sim).list_changes(None, window())
        assert sim.journal.count(protocol="login", operation="token") == 1


def test_wrong_secret_is_reported_in_plain_words():
    with running() as sim:
        side = side_for(sim, client_secret="Xq9-not-it")
        with pytest.raises(errors.AuthenticationError, match="client secret") as info:
            side.list_changes(None, window())
        assert "Xq9" not in str(info.value)  # never echo a secret
        assert sim.journal.errors("login") == [("token", "AADSTS7000215")]


def test_unknown_tenant_and_unknown_client():
    with running() as sim:
        with pytest.raises(errors.AuthenticationError, match="tenant 'fabrikam.com'"):
            side_for(sim, tenant="fabrikam.com").list_changes(None, window())
        with pytest.raises(errors.AuthenticationError, match="no application with client id"):
            side_for(sim, client_id="00000000-0000-0000-0000-000000000000").list_changes(
                None, window()
            )


def test_consent_round_trip():
    with running(seed(consented=False)) as sim:
        side = side_for(sim, client_secret="s3cr3t~value", tenant=TENANT)
        with pytest.raises(errors.ConsentRequired, match="Grant permissions"):
            side.list_changes(None, window())
        url = admin_consent_url(sim.https_url, "contoso.com", CLIENT_ID, REDIRECT, "st-123")
        answer = requests.get(url, allow_redirects=False, verify=sim.ca_file, timeout=5)
        assert answer.status_code == 302
        target = urlsplit(answer.headers["Location"])
        assert target.netloc == "odoo.example.com"
        query = parse_qs(target.query)
        assert query == {"admin_consent": ["True"], "tenant": [TENANT], "state": ["st-123"]}
        # Consent is recorded: the same side now gets a token.
        assert side.list_changes(None, window()).complete


def test_declined_consent_comes_back_with_the_reason_and_state():
    with running(seed(consented=False, admin_declines=True)) as sim:
        url = admin_consent_url(sim.https_url, TENANT, CLIENT_ID, REDIRECT, "st-9")
        answer = requests.get(url, allow_redirects=False, verify=sim.ca_file, timeout=5)
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        assert query["error"] == ["access_denied"]
        assert query["state"] == ["st-9"]
        assert "declined" in query["error_description"][0]
        with pytest.raises(errors.ConsentRequired):
            side_for(sim).list_changes(None, window())


def test_consent_page_refuses_an_unregistered_redirect():
    with running(seed(consented=False)) as sim:
        url = admin_consent_url(sim.https_url, TENANT, CLIENT_ID, "https://evil.example/", "s")
        answer = requests.get(url, allow_redirects=False, verify=sim.ca_file, timeout=5)
        assert answer.status_code == 400 and "AADSTS50011" in answer.text
        assert "Location" not in answer.headers


def test_admin_consent_url_is_pure_and_encoded():
    url = admin_consent_url(
        "https://login.microsoftonline.com/", "contoso.com", "abc", "https://o/x?y=1", "a b"
    )
    parts = urlsplit(url)
    assert parts.path == "/contoso.com/adminconsent"
    assert parse_qs(parts.query) == {
        "client_id": ["abc"],
        "redirect_uri": ["https://o/x?y=1"],
        "state": ["a b"],
    }


def test_untrusted_certificate_is_a_tls_error():
    with running() as sim:
        side = side_for(sim, verify=True)  # the system CAs do not know the simulator's CA
        with pytest.raises(errors.TlsError, match="certificate"):
            side.list_changes(None, window())


def test_expired_token_is_renewed_once():
    with running() as sim:
        client = GraphClient(settings_for(sim))
        client.token()
        sim.store.clock.shift(timedelta(hours=2))  # the server now thinks the token expired
        assert client.request("GET", "/users/%s/calendar" % ALICE)["name"] == "Calendar"
        graph = sim.journal.entries(protocol="graph")
        assert [e.status for e in graph] == [401, 200]


def test_check_connection_all_good():
    with running() as sim:
        checks = check_connection(settings_for(sim), ALICE)
        assert [(c, ok) for c, ok, *_ in checks] == [
            ("token", True),
            ("mailbox", True),
            ("access policy", True),
            ("clock", True),
        ]


def test_check_connection_explains_each_failure():
    with running() as sim:
        checks = {c: (ok, m) for c, ok, m, *_ in check_connection(settings_for(sim), CAROL)}
        assert checks["access policy"][0] is False
        assert "access policy" in checks["access policy"][1]
        checks = {c: (ok, m) for c, ok, m, *_ in check_connection(settings_for(sim), "zed@x.io")}
        assert checks["mailbox"][0] is False and "no mailbox zed@x.io" in checks["mailbox"][1]
        checks = check_connection(settings_for(sim, client_secret="nope"), BOB)
        assert checks == [("token", False, checks[0][2])] and "secret" in checks[0][2]
        sim.store.clock.shift(timedelta(minutes=12))
        # Our clock stands still (freezegun): the Date header is exactly 12 minutes ahead.
        with freeze_time("2026-03-02 08:00:00"):
            checks = check_connection(settings_for(sim), BOB)
        assert checks[-1] == (
            "clock",
            False,
            "The Exchange server's clock differs from this server's by +720 seconds; fix the "
            "time of this server (NTP).",
            720.0,
        )
