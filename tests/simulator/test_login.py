"""The simulator's Entra endpoints, spoken to directly over HTTPS (no msal): discovery, the
client credentials grant and its refusals, tokens that expire, the admin-consent redirect."""

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from exchange_simulator.login.directory import TokenError
from exchange_simulator.seed import seed_data
from exchange_simulator.simulator import Simulator

TENANT = seed_data("contoso")["tenants"][0]["tenant_id"]
# The app of the shared test seed (exchange_simulator/seeds/contoso.json).
APP = seed_data("contoso")["tenants"][0]["apps"][0]


@pytest.fixture
def sim(seed):
    seed["tenants"][0]["apps"].append(
        {"client_id": "app-2", "client_secret": "secret-2", "consented": False,
         "admin_declines": True}
    )  # fmt: skip
    with Simulator(seed, https=True).start() as running:
        yield running


def _token(
    sim, tenant="contoso.com", client=APP["client_id"], secret=APP["client_secret"], scope=None
):
    return requests.post(
        "%s/%s/oauth2/v2.0/token" % (sim.https_url, tenant),
        data={
            "grant_type": "client_credentials",
            "client_id": client,
            "client_secret": secret,
            "scope": scope or sim.https_url + "/.default",
        },
        verify=sim.ca_file,
        timeout=5,
    )


def _claims(token):
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_https_only_with_the_simulators_ca(sim):
    assert sim.https_url.startswith("https://127.0.0.1:")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sim.https_url + "/contoso.com/v2.0/.well-known/openid-configuration",
                     verify=True, timeout=5)  # fmt: skip


def test_discovery_names_the_tenants_endpoints(sim):
    answer = requests.get(
        sim.https_url + "/contoso.com/v2.0/.well-known/openid-configuration",
        verify=sim.ca_file,
        timeout=5,
    ).json()
    assert answer["token_endpoint"] == "%s/%s/oauth2/v2.0/token" % (sim.https_url, TENANT)
    assert answer["issuer"].endswith("/%s/v2.0" % TENANT)
    missing = requests.get(
        sim.https_url + "/nowhere.org/v2.0/.well-known/openid-configuration",
        verify=sim.ca_file,
        timeout=5,
    )
    assert missing.status_code == 400
    assert missing.json()["error_description"].startswith("AADSTS90002")


def test_client_credentials_token_carries_app_only_claims(sim):
    answer = _token(sim)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    claims = _claims(body["access_token"])
    assert claims["aud"] == sim.https_url and claims["tid"] == TENANT
    assert claims["roles"] == ["Calendars.ReadWrite"] and claims["idtyp"] == "app"
    assert claims["exp"] - claims["iat"] == 3599


@pytest.mark.parametrize(
    ("kwargs", "status", "error", "code"),
    [
        ({"secret": "nope"}, 401, "invalid_client", 7000215),
        ({"client": "ghost"}, 400, "unauthorized_client", 700016),
        ({"tenant": "fabrikam.com"}, 400, "invalid_request", 90002),
        ({"scope": "https://vault.azure.net/.default"}, 400, "invalid_resource", 500011),
        ({"client": "app-2", "secret": "secret-2"}, 400, "invalid_grant", 65001),
    ],
)
def test_refusals_are_worded_like_entra(sim, kwargs, status, error, code):
    answer = _token(sim, **kwargs)
    assert answer.status_code == status
    body = answer.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith("AADSTS%d:" % code)


def test_tokens_expire_by_the_servers_clock(sim):
    directory = sim.directory
    directory.set_lifetime(60)
    token = _token(sim).json()["access_token"]
    audiences = {sim.https_url}
    assert directory.verify(token, audiences)["appid"] == APP["client_id"]
    sim.store.clock.shift(timedelta(seconds=61))
    with pytest.raises(TokenError, match="expired"):
        directory.verify(token, audiences)
    with pytest.raises(TokenError, match="audience"):
        directory.verify(_token(sim).json()["access_token"], {"https://graph.microsoft.com"})
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(TokenError, match="signature"):
        directory.verify(forged, audiences)


def test_admin_consent_grants_and_records(sim):
    seed_app = {"client_id": "app-3", "client_secret": "s3", "consented": False}
    sim.directory.tenants[0]["apps"].append(seed_app)
    assert _token(sim, client="app-3", secret="s3").status_code == 400
    answer = requests.get(
        sim.https_url + "/contoso.com/adminconsent",
        params={"client_id": "app-3", "redirect_uri": "https://odoo.test/cb?db=x", "state": "s1"},
        allow_redirects=False,
        verify=sim.ca_file,
        timeout=5,
    )
    assert answer.status_code == 302
    target = urlsplit(answer.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "odoo.test", "/cb")
    assert parse_qs(target.query) == {
        "db": ["x"], "admin_consent": ["True"], "tenant": [TENANT], "state": ["s1"],
    }  # fmt: skip
    assert _token(sim, client="app-3", secret="s3").status_code == 200


def test_declining_administrator(sim):
    answer = requests.get(
        sim.https_url + "/%s/v2.0/adminconsent" % TENANT,
        params={"client_id": "app-2", "redirect_uri": "https://odoo.test/cb", "state": "s2"},
        allow_redirects=False,
        verify=sim.ca_file,
        timeout=5,
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["error_subcode"] == ["cancel"]
    assert query["error_description"][0].startswith("AADSTS65004")
    assert query["state"] == ["s2"]
    assert _token(sim, client="app-2", secret="secret-2").json()["error_codes"] == [65001]
