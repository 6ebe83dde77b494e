"""Each user signs in: the product's authorization code flow (requests-oauthlib, PKCE) against
the simulated Microsoft login, the user's token refreshed and revoked, and the engine syncing
through ``/me`` with it. Address resolution through Graph's directory is here too."""

import re
from datetime import datetime, timedelta, timezone
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from graph_support import ALICE, BOB, CLIENT_ID, SECRET, running, seed, settings_for

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.engine import Engine
from calendar_exchange_sync.sync.graph import delegated, resolve
from calendar_exchange_sync.sync.graph.client import GraphClient
from calendar_exchange_sync.sync.items import CalendarItem
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore

REDIRECT = "https://odoo.example.com/calendar_exchange_sync/signin"


def signin_settings(sim):
    return delegated.SignInSettings(
        tenant="contoso.onmicrosoft.com",
        client_id=CLIENT_ID,
        client_secret=SECRET,
        redirect_uri=REDIRECT,
        login_url=sim.https_url,
        graph_url=sim.https_url,
        verify=sim.ca_file,
        timeout=10,
    )


def browser_signs_in(sim, url, login=ALICE, password="x"):
    """What the user's browser does: open the page, post the form; the redirect's query."""
    page = requests.get(url, verify=sim.ca_file, timeout=5)
    assert page.status_code == 200, page.text
    form = {k: unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    form.update(login=login, passwd=password)
    answer = requests.post(
        url.split("?")[0], data=form, verify=sim.ca_file, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert location.geturl().startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(location.query).items()}


@pytest.fixture(name="sim")
def sim_fixture():
    data = seed(redirect_uris=[REDIRECT], permissions=["Calendars.ReadWrite", "User.Read.All"])
    data["users"][0]["aliases"] = ["a.archer@fabrikam.com"]
    with running(data) as sim:
        yield sim


def signed_in(sim, login=ALICE):
    settings = signin_settings(sim)
    url, verifier = delegated.authorization_url(settings, "state-1", login_hint=login)
    assert "code_challenge_method=S256" in url and verifier not in url
    answer = browser_signs_in(sim, url, login)
    assert answer["state"] == "state-1"
    return delegated.redeem(settings, answer["code"], verifier)


def test_sign_in_refresh_and_revocation(sim):
    tokens = signed_in(sim)
    assert tokens.access_token and tokens.refresh_token
    assert not tokens.expiring()
    settings = signin_settings(sim)
    renewed = delegated.refresh(settings, tokens.refresh_token)
    assert renewed.refresh_token != tokens.refresh_token  # Entra rotates it
    graph = settings_for(sim)
    client = delegated.DelegatedClient(graph, lambda fresh: renewed.access_token)
    me = resolve.signed_in_user(client)
    assert me.address == ALICE and me.user_id
    client.request("POST", "/me/revokeSignInSessions")
    with pytest.raises(errors.SignInRequired) as caught:
        delegated.refresh(settings, renewed.refresh_token)
    assert "AADSTS50173" in str(caught.value)


def test_a_wrong_verifier_or_secret_is_refused(sim):
    settings = signin_settings(sim)
    url, _verifier = delegated.authorization_url(settings, "s")
    code = browser_signs_in(sim, url)["code"]
    with pytest.raises(errors.SignInRequired) as caught:
        delegated.redeem(settings, code, "x" * 64)
    assert "AADSTS501481" in str(caught.value)
    url, verifier = delegated.authorization_url(settings, "s")
    code = browser_signs_in(sim, url)["code"]
    wrong = delegated.SignInSettings(**{**settings.__dict__, "client_secret": "nope"})
    with pytest.raises(errors.AuthenticationError) as caught:
        delegated.redeem(wrong, code, verifier)
    assert not isinstance(caught.value, errors.SignInRequired)


def test_plain_http_login_is_refused(sim):
    settings = delegated.SignInSettings(
        **{**signin_settings(sim).__dict__, "login_url": sim.http_url}
    )
    with pytest.raises(errors.ConfigurationError):
        delegated.authorization_url(settings, "s")


def test_the_engine_syncs_the_signed_in_users_own_mailbox(sim):
    tokens = signed_in(sim)
    refreshes = []

    def current(fresh):
        if fresh:
            refreshes.append(1)
            return delegated.refresh(signin_settings(sim), tokens.refresh_token).access_token
        return tokens.access_token

    graph = settings_for(sim)
    side = delegated.DelegatedGraphSide(graph, ALICE, delegated.DelegatedClient(graph, current))
    odoo = MemorySide("odoo")
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(
        days=2
    )
    odoo.user_create(CalendarItem("Mine", start, start + timedelta(hours=1), organizer=ALICE))
    report = Engine(odoo, side, MemoryStatusStore(), window_days=30).run()
    assert report.aborted is None and not report.errors, report.errors
    assert [i.subject for i in sim.store.items(ALICE)] == ["Mine"]
    assert sim.store.items(BOB) == []
    paths = {e.path for e in sim.journal.entries(protocol="graph")}
    assert any(p.startswith("/v1.0/me/") or p == "/v1.0/$batch" for p in paths)
    # An access token Graph refuses (expired) is refreshed once and the call goes on.
    sim.store.clock.shift(timedelta(hours=2))
    report = Engine(odoo, side, MemoryStatusStore(), window_days=30).run()
    assert report.aborted is None, report.aborted
    assert refreshes == [1]


def test_an_alias_resolves_to_the_primary_address(sim):
    client = GraphClient(settings_for(sim))
    assert resolve.resolve(client, "A.Archer@fabrikam.com").address == ALICE
    assert resolve.resolve(client, ALICE).address == ALICE
    with pytest.raises(errors.MailboxNotFound):
        resolve.resolve(client, "nobody@contoso.com")


def test_without_directory_permission_the_mailbox_itself_answers():
    with running() as sim:  # the app has Calendars.ReadWrite only
        client = GraphClient(settings_for(sim))
        assert resolve.resolve(client, ALICE).address == ALICE
        with pytest.raises(errors.MailboxNotFound):
            resolve.resolve(client, "nobody@contoso.com")
        # Carol's mailbox is outside the application access policy.
        with pytest.raises(errors.ImpersonationDenied):
            resolve.resolve(client, "carol@contoso.com")
        # A user without a mailbox in the cloud (still on premises).
        assert resolve.in_cloud(client, ALICE)
        assert not resolve.in_cloud(client, "room@contoso.com")
