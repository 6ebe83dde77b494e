"""The simulator as tenants are: addresses with aliases (EWS ResolveNames through exchangelib,
Graph's directory), access limited to a scope (impersonation management scope, application
access policy, RBAC for Applications), and a mailbox moved from an on-premises server to
Exchange Online (new ids, same UID and extended properties; hybrid answers before the move).
"""

import copy

import pytest
import requests
from exchangelib import (
    DELEGATE,
    IMPERSONATION,
    NTLM,
    Account,
    Build,
    Configuration,
    Credentials,
    Version,
)
from exchangelib.errors import ErrorImpersonateUserDenied, ErrorNameResolutionNoResults
from exchangelib.properties import Mailbox

from exchange_simulator.migration import move_mailbox
from exchange_simulator.simulator import Simulator

ALICE, BOB, CAROL = "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"
IDENTITY = ("c11ff724-aa03-4555-9952-8fa248a11c3e", "OdooIdentity", "String")


@pytest.fixture
def tenant_seed(seed):
    seed["users"][1]["aliases"] = ["a.smith@contoso.com", "alice@fabrikam.com"]
    seed["tenants"][0]["apps"].append(
        {"client_id": "app-dir", "client_secret": "secret-dir", "consented": True,
         "permissions": ["Calendars.ReadWrite", "User.Read.All"]}
    )  # fmt: skip
    seed["tenants"][0]["apps"].append(
        {"client_id": "app-rbac", "client_secret": "secret-rbac", "consented": True,
         "permissions": ["Calendars.ReadWrite"], "rbac_scope": [ALICE]}
    )  # fmt: skip
    return seed


@pytest.fixture
def sim(tenant_seed):
    with Simulator(tenant_seed, https=True).start() as running:
        yield running


def app_token(sim, client="app-1", secret="secret-1"):
    answer = requests.post(
        "%s/contoso.com/oauth2/v2.0/token" % sim.https_url,
        data={
            "grant_type": "client_credentials",
            "client_id": client,
            "client_secret": secret,
            "scope": sim.https_url + "/.default",
        },
        verify=sim.ca_file,
        timeout=5,
    )
    return answer.json()["access_token"]


def graph(sim, token, path):
    return requests.get(
        "%s/v1.0%s" % (sim.https_url, path),
        headers={"Authorization": "Bearer " + token},
        verify=sim.ca_file,
        timeout=5,
    )


def delegate_account(sim, mailbox=ALICE):
    config = Configuration(
        service_endpoint=sim.ews_url,
        credentials=Credentials("CONTOSO\\svc-sync", "S3rvice!"),
        auth_type=NTLM,
        version=Version(build=Build(15, 1), api_version="Exchange2016"),
    )
    return Account(mailbox, config=config, autodiscover=False, access_type=IMPERSONATION)


# -- addresses ----------------------------------------------------------------------------


def test_resolve_names_answers_the_primary_address_of_an_alias(sim):
    protocol = delegate_account(sim).protocol
    [found] = protocol.resolve_names(["smtp:alice@fabrikam.com"])
    assert isinstance(found, Mailbox) and found.email_address == ALICE
    [again] = protocol.resolve_names(["A.Smith@contoso.com"])
    assert again.email_address == ALICE
    [unknown] = protocol.resolve_names(["smtp:nobody@contoso.com"])
    assert isinstance(unknown, ErrorNameResolutionNoResults)
    # Ambiguous name resolution matches the start of names, not anything inside them.
    assert isinstance(protocol.resolve_names(["lice"])[0], ErrorNameResolutionNoResults)
    [carol] = protocol.resolve_names(["car"])
    assert carol.email_address == CAROL


def test_graph_finds_an_alias_through_proxy_addresses_only(sim):
    token = app_token(sim, "app-dir", "secret-dir")
    by_alias = graph(
        sim, token, "/users?$filter=proxyAddresses/any(x:x eq 'smtp:ALICE@fabrikam.com')"
    )
    assert by_alias.status_code == 200
    [user] = by_alias.json()["value"]
    assert user["mail"] == ALICE
    direct = graph(sim, token, "/users/alice@fabrikam.com")
    assert direct.status_code == 404
    assert direct.json()["error"]["code"] == "Request_ResourceNotFound"
    upn = graph(sim, token, "/users/%s?$select=mail,proxyAddresses" % ALICE).json()
    assert upn["proxyAddresses"] == [
        "SMTP:alice@contoso.com",
        "smtp:a.smith@contoso.com",
        "smtp:alice@fabrikam.com",
    ]
    unsupported = graph(sim, token, "/users?$filter=startswith(mail,'a')")
    assert unsupported.status_code == 400


def test_the_directory_needs_a_directory_permission(sim):
    token = app_token(sim)  # Calendars.ReadWrite only
    answer = graph(sim, token, "/users/%s" % ALICE)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "Authorization_RequestDenied"
    # The mailbox itself answers, under its primary address, not under an alias.
    calendar = graph(sim, token, "/users/%s/calendar" % ALICE)
    assert calendar.json()["owner"]["address"] == ALICE
    assert graph(sim, token, "/users/alice@fabrikam.com/calendar").status_code == 404


# -- scopes ---------------------------------------------------------------------------------


def test_impersonation_outside_the_management_scope_is_refused_per_mailbox(sim):
    alice = delegate_account(sim, ALICE)
    assert list(alice.calendar.all().only("subject"))
    carol = delegate_account(sim, CAROL)
    with pytest.raises(ErrorImpersonateUserDenied):
        list(carol.calendar.all().only("subject"))


def test_rbac_for_applications_limits_the_app_to_its_scope(sim):
    token = app_token(sim, "app-rbac", "secret-rbac")
    assert graph(sim, token, "/users/%s/calendar" % ALICE).status_code == 200
    refused = graph(sim, token, "/users/%s/calendar" % BOB)
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        **refused.json()["error"],
        "code": "ErrorAccessDenied",
        "message": "Access is denied. Check credentials and try again.",
    }


# -- a mailbox moving to Exchange Online ----------------------------------------------------


@pytest.fixture
def onprem_and_cloud(seed):
    cloud_seed = copy.deepcopy(seed)
    cloud_seed.pop("mailboxes")
    for user in cloud_seed["users"]:
        user["mailbox"] = False  # the tenant knows everybody; mailboxes arrive by moving
    seed.pop("tenants")
    with Simulator(seed).start() as onprem, Simulator(cloud_seed, https=True).start() as cloud:
        yield onprem, cloud


def test_a_moved_mailbox_keeps_uids_and_properties_under_new_ids(onprem_and_cloud):
    onprem, cloud = onprem_and_cloud
    [standup, dentist] = onprem.store.items(ALICE)
    onprem.store.update_item(
        ALICE, dentist.id, {"extended_properties": {IDENTITY: "calendar.event,7"}}
    )
    onprem.store.delete_item(ALICE, onprem.store.occurrence_id(standup.id, standup.start))
    before = {i.uid: i for i in onprem.store.items(ALICE)}
    token = app_token(cloud)
    hybrid = graph(cloud, token, "/users/%s/calendar" % ALICE)
    assert hybrid.status_code == 404
    assert hybrid.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"

    id_map = move_mailbox(onprem, cloud, ALICE)

    after = {i.uid: i for i in cloud.store.items(ALICE)}
    assert after.keys() == before.keys()
    for uid, item in after.items():
        old = before[uid]
        assert item.id != old.id and id_map[old.id] == item.id
        assert item.extended_properties == old.extended_properties
        assert item.recurrence == old.recurrence
        assert item.deleted_occurrences == old.deleted_occurrences
        assert item.last_modified == old.last_modified
    events = graph(cloud, token, "/users/%s/events" % ALICE).json()["value"]
    assert {e["iCalUId"] for e in events} == set(before)
    with pytest.raises(Exception) as caught:
        list(delegate_account(onprem, ALICE).calendar.all().only("subject"))
    assert "ErrorNonExistentMailbox" in type(caught.value).__name__
    # Bob has not moved: still on premises, still not in the cloud.
    assert list(delegate_account(onprem, BOB).calendar.all().only("subject")) == []
    assert graph(cloud, token, "/users/%s/calendar" % BOB).status_code == 404


def test_delegated_access_is_not_an_impersonation(sim):
    # A plain delegate session opens the delegate's own mailbox, which it has not.
    config = Configuration(
        service_endpoint=sim.ews_url,
        credentials=Credentials("CONTOSO\\svc-sync", "S3rvice!"),
        auth_type=NTLM,
    )
    account = Account(
        "svc-sync@contoso.com", config=config, autodiscover=False, access_type=DELEGATE
    )
    with pytest.raises(Exception) as caught:
        list(account.calendar.all().only("subject"))
    assert "NonExistentMailbox" in type(caught.value).__name__
