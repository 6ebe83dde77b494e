"""The simulator's authorization code flow, spoken to as a browser and a web app would (raw
HTTPS): the sign-in page, PKCE, single-use codes, refresh tokens that rotate without revoking
the old ones, revokeSignInSessions, and delegated tokens that reach their user's mailbox only.
"""

import base64
import copy
import hashlib
import re
import secrets
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from exchange_simulator.seed import seed_data
from exchange_simulator.simulator import Simulator

# The app of the shared test seed (exchange_simulator/seeds/contoso.json).
APP = seed_data("contoso")["tenants"][0]["apps"][0]

REDIRECT = "https://odoo.example.com/calendar_exchange_sync/signin"


@pytest.fixture
def sim(seed):
    seed["tenants"][0]["apps"][0]["redirect_uris"] = [REDIRECT]
    with Simulator(seed, https=True).start() as running:
        yield running


def pkce():
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(sim, challenge, **changes):
    params = {
        "client_id": APP["client_id"],
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "%s/Calendars.ReadWrite %s/User.Read offline_access"
        % (sim.https_url, sim.https_url),
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(changes)
    return params


def authorize_url(sim):
    return "%s/contoso.com/oauth2/v2.0/authorize" % sim.https_url


def sign_in(sim, params, login="alice@contoso.com", password="alice-pw"):
    """Open the page, post the form it shows with the credentials: the answer (no redirect)."""
    page = requests.get(authorize_url(sim), params=params, verify=sim.ca_file, timeout=5)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form = {k: unescape(v) for k, v in form.items()}
    form.update(login=login, passwd=password)
    return requests.post(
        authorize_url(sim), data=form, verify=sim.ca_file, allow_redirects=False, timeout=5
    )


def code_of(answer):
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert "%s://%s%s" % (location.scheme, location.netloc, location.path) == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["st4te"]
    return query["code"][0]


def token(sim, **form):
    data = {"client_id": APP["client_id"], "client_secret": APP["client_secret"]}
    data.update(form)
    return requests.post(
        "%s/contoso.com/oauth2/v2.0/token" % sim.https_url, data=data, verify=sim.ca_file, timeout=5
    )


def redeem(sim, code, verifier):
    return token(
        sim,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )


def graph(sim, access_token, path, method="GET", headers=None, **kwargs):
    return requests.request(
        method,
        "%s/v1.0%s" % (sim.https_url, path),
        headers=headers or {"Authorization": "Bearer " + access_token},
        verify=sim.ca_file,
        timeout=5,
        **kwargs,
    )


def signed_in(sim):
    verifier, challenge = pkce()
    code = code_of(sign_in(sim, authorize_params(sim, challenge)))
    answer = redeem(sim, code, verifier)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_code_flow_with_pkce(sim):
    verifier, challenge = pkce()
    refused = sign_in(sim, authorize_params(sim, challenge), password="wrong")
    assert refused.status_code == 200 and "AADSTS50126" in refused.text
    code = code_of(sign_in(sim, authorize_params(sim, challenge)))
    wrong = redeem(sim, code, pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert wrong.json()["error_codes"] == [501481]
    assert redeem(sim, code, None).json()["error_codes"] == [501481]
    answer = redeem(sim, code, verifier)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    assert "offline_access" not in tokens["scope"].split()
    # A code is redeemed once.
    again = redeem(sim, code, verifier)
    assert again.json()["error_codes"] == [54005]


def test_codes_expire_and_are_bound_to_their_redirect_uri(sim):
    verifier, challenge = pkce()
    code = code_of(sign_in(sim, authorize_params(sim, challenge)))
    other = token(
        sim,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT + "/other",
        code_verifier=verifier,
    )
    assert other.json()["error_codes"] == [50011]
    sim.store.clock.shift(timedelta(minutes=11))
    assert redeem(sim, code, verifier).json()["error_codes"] == [70008]


def test_the_page_refuses_what_it_cannot_trust(sim):
    _verifier, challenge = pkce()
    page = requests.get(
        authorize_url(sim),
        params=authorize_params(sim, challenge, redirect_uri="https://evil.example.com/cb"),
        verify=sim.ca_file,
        allow_redirects=False,
        timeout=5,
    )
    assert page.status_code == 400 and "AADSTS50011" in page.text
    assert "Location" not in page.headers
    bad = requests.get(
        authorize_url(sim),
        params=authorize_params(sim, challenge, response_type="token"),
        verify=sim.ca_file,
        allow_redirects=False,
        timeout=5,
    )
    assert bad.status_code == 302
    query = parse_qs(urlsplit(bad.headers["Location"]).query)
    assert query["error"] == ["unsupported_response_type"] and query["state"] == ["st4te"]
    scope = requests.get(
        authorize_url(sim),
        params=authorize_params(sim, challenge, scope="%s/Mail.Send" % sim.https_url),
        verify=sim.ca_file,
        allow_redirects=False,
        timeout=5,
    )
    assert parse_qs(urlsplit(scope.headers["Location"]).query)["error"] == ["invalid_scope"]


def test_the_client_secret_is_required_to_redeem(sim):
    verifier, challenge = pkce()
    code = code_of(sign_in(sim, authorize_params(sim, challenge)))
    answer = token(
        sim,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        client_secret="wrong",
    )
    assert answer.status_code == 401 and answer.json()["error_codes"] == [7000215]


def test_a_delegated_token_reaches_its_own_mailbox_only(sim):
    access = signed_in(sim)["access_token"]
    me = graph(sim, access, "/me")
    assert me.status_code == 200 and me.json()["mail"] == "alice@contoso.com"
    assert graph(sim, access, "/me/calendar").status_code == 200
    own = graph(sim, access, "/users/%s/events" % me.json()["id"])
    assert own.status_code == 200
    other = graph(sim, access, "/users/bob@contoso.com/calendar")
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "ErrorAccessDenied"
    assert other.json()["error"]["message"] == "Access is denied. Check credentials and try again."
    created = graph(
        sim,
        access,
        "/me/calendar/events",
        method="POST",
        json={
            "subject": "Mine",
            "start": {"dateTime": "2026-03-10T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-10T10:00:00", "timeZone": "UTC"},
        },
    )
    assert created.status_code == 201, created.text
    assert [i.subject for i in sim.store.items("alice@contoso.com")].count("Mine") == 1


def test_app_only_tokens_have_no_me(sim):
    answer = token(sim, grant_type="client_credentials", scope=sim.https_url + "/.default").json()
    me = graph(sim, answer["access_token"], "/me/calendar")
    assert me.status_code == 400
    assert "only valid with delegated authentication flow" in me.json()["error"]["message"]


def test_refresh_tokens_rotate_and_die_with_revocation(sim):
    first = signed_in(sim)
    second = token(sim, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    # Entra does not revoke a refresh token when it is used: the old one still works.
    third = token(sim, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert third.status_code == 200
    revoked = graph(sim, second["access_token"], "/me/revokeSignInSessions", method="POST")
    assert revoked.status_code == 200 and revoked.json() == {"value": True}
    for refresh_token in (first["refresh_token"], second["refresh_token"]):
        answer = token(sim, grant_type="refresh_token", refresh_token=refresh_token)
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_grant"
        assert answer.json()["error_codes"] == [50173]
    # Access tokens already issued live until they expire.
    assert graph(sim, second["access_token"], "/me/calendar").status_code == 200
    # A new sign-in works again.
    assert signed_in(sim)["refresh_token"]


def test_an_unused_refresh_token_expires_after_90_days(sim):
    first = signed_in(sim)
    sim.store.clock.shift(timedelta(days=91))
    answer = token(sim, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert answer.json()["error_codes"] == [700082]


def test_an_application_without_consent_needs_admin_approval(sim):
    sim.directory.set_consent("contoso.com", APP["client_id"], False)
    _verifier, challenge = pkce()
    answer = sign_in(sim, authorize_params(sim, challenge))
    assert answer.status_code == 400 and "AADSTS90094" in answer.text


def test_translate_exchange_ids_is_for_delegated_tokens(sim):
    access = signed_in(sim)["access_token"]
    [standup, _dentist] = sim.store.items("alice@contoso.com")
    body = {
        "inputIds": [standup.id, "not-an-id"],
        "sourceIdType": "ewsId",
        "targetIdType": "restImmutableEntryId",
    }
    answer = graph(sim, access, "/me/translateExchangeIds", method="POST", json=body)
    assert answer.status_code == 200, answer.text
    converted, malformed = answer.json()["value"]
    assert converted["sourceId"] == standup.id
    event = graph(
        sim,
        access,
        "/me/events/%s" % converted["targetId"],
        headers={"Authorization": "Bearer " + access, "Prefer": 'IdType="ImmutableId"'},
    )
    assert event.status_code == 200 and event.json()["subject"] == "Standup"
    assert event.json()["id"] == converted["targetId"]
    assert malformed["errorDetails"]["code"] == "ErrorInvalidIdMalformed"
    assert "targetId" not in malformed
    app = token(sim, grant_type="client_credentials", scope=sim.https_url + "/.default").json()
    refused = graph(
        sim,
        app["access_token"],
        "/users/alice@contoso.com/translateExchangeIds",
        method="POST",
        json=body,
    )
    assert refused.status_code == 403


def test_a_user_of_another_tenant_cannot_sign_in_here(sim):
    sim.seed.users.append(copy.deepcopy(sim.seed.users[1]))
    stranger = sim.seed.users[-1]
    stranger.smtp = stranger.upn = "eve@fabrikam.com"
    _verifier, challenge = pkce()
    answer = sign_in(sim, authorize_params(sim, challenge), "eve@fabrikam.com", "alice-pw")
    assert answer.status_code == 200 and "AADSTS50126" in answer.text


def test_a_calendar_grant_reaches_no_contact(sim):
    """Graph's contact calls need the delegated Contacts scope; Calendars.ReadWrite is not it."""
    access = signed_in(sim)["access_token"]
    refused = graph(sim, access, "/me/contacts")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ErrorAccessDenied"
    assert graph(sim, access, "/me/calendar").status_code == 200


def test_a_contacts_grant_reads_and_writes_contacts(seed):
    seed["tenants"][0]["apps"][0]["redirect_uris"] = [REDIRECT]
    seed["tenants"][0]["apps"][0]["delegated_permissions"] = ["Contacts.Read", "Contacts.ReadWrite"]
    with Simulator(seed, https=True).start() as running:
        verifier, challenge = pkce()
        scope = "%s/Contacts.ReadWrite offline_access" % running.https_url
        code = code_of(sign_in(running, authorize_params(running, challenge, scope=scope)))
        access = redeem(running, code, verifier).json()["access_token"]
        assert graph(running, access, "/me/contacts").status_code == 200
        made = graph(running, access, "/me/contacts", "POST", json={"givenName": "Ada"})
        assert made.status_code == 201, made.text
        assert graph(running, access, "/me/calendar").status_code == 403
