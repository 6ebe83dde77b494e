"""Company settings -> the Exchange side of one mailbox (EWS or Graph). No network here: the
backend connects when the engine first asks it something."""

from urllib.parse import urlparse

from ..sync.errors import ConfigurationError
from ..sync.versions import ON_PREMISES_VERSIONS, by_key


def connection_settings(company):
    """The company's connection settings as plain data (sudo: secrets never leave the server)."""
    company = company.sudo()
    return {
        "version": company.exchange_version,
        "ews_url": company.exchange_ews_url or "",
        "domain": company.exchange_domain or "",
        "username": company.exchange_username or "",
        "password": company.exchange_password or "",
        "auth_type": company.exchange_auth_type or "ntlm",
        "refusal": _refusal(company),
        "ca_file": company.exchange_ca_file or None,
        "tenant": company.exchange_tenant or "",
        "client_id": company.exchange_client_id or "",
        "client_secret": company.exchange_client_secret or "",
        "login_url": company.exchange_login_url or "",
        "graph_url": company.exchange_graph_url or "",
    }


def is_plain_http(url):
    """True for an http:// (unencrypted) URL."""
    return urlparse((url or "").strip()).scheme.lower() == "http"


def _refusal(company):
    """Why these settings must not be used to connect, in the company's words, or "".

    Settings refuse Basic authentication over plain http unless the administrator accepted it;
    values written around that check (a script, an old database) are refused here, at run time.
    """
    basic_in_clear = (
        company.exchange_version in ON_PREMISES_VERSIONS
        and company.exchange_auth_type == "basic"
        and is_plain_http(company.exchange_ews_url)
    )
    if basic_in_clear and not company.exchange_basic_over_http:
        return company.env._(
            "Basic authentication over plain http would send the delegate's password "
            "unencrypted: use an https EWS URL or NTLM (Settings refuse it for this reason)."
        )
    return ""


def ews_settings(settings):
    from ..sync.ews import EwsSettings

    username = settings["username"].strip()
    ntlm = settings["auth_type"] != "basic"
    if settings["refusal"]:
        raise ConfigurationError(settings["refusal"])
    if ntlm and settings["domain"] and "\\" not in username and "@" not in username:
        username = "%s\\%s" % (settings["domain"].strip(), username)
    return EwsSettings(
        endpoint=settings["ews_url"].strip(),
        username=username,
        password=settings["password"],
        version=by_key(settings["version"]).ews,
        auth="NTLM" if ntlm else "Basic",
        ca_file=settings["ca_file"],
    )


def graph_settings(settings):
    from ..sync.graph import GraphSettings

    return GraphSettings(
        tenant=settings["tenant"].strip(),
        client_id=settings["client_id"].strip(),
        client_secret=settings["client_secret"],
        login_url=settings["login_url"].strip().rstrip("/"),
        graph_url=settings["graph_url"].strip().rstrip("/"),
        verify=settings["ca_file"] or True,
    )


def make_backend(settings, mailbox, **options):
    """The ``Side`` for ``mailbox`` with a company's ``connection_settings``."""
    if settings["version"] in ON_PREMISES_VERSIONS:
        from ..sync.ews import EwsSide

        return EwsSide(ews_settings(settings), mailbox, **options)
    if settings["version"] == "office365":
        from ..sync.graph import GraphSide

        return GraphSide(graph_settings(settings), mailbox, **options)
    raise ConfigurationError("Choose the Exchange version in Settings first.")


def admin_consent_url(company, redirect_uri, state):
    """Microsoft's admin-consent page for the company's Office 365 app, back to ``redirect_uri``."""
    from ..sync import graph

    settings = graph_settings(connection_settings(company))
    return graph.admin_consent_url(
        settings.login_url, settings.tenant, settings.client_id, redirect_uri, state
    )


def check_connection(company, mailbox):
    """Run the backend's connection checks: a list of (check, ok, plain message)."""
    settings = connection_settings(company)
    if settings["version"] in ON_PREMISES_VERSIONS:
        from ..sync import ews

        return ews.check_connection(ews_settings(settings), mailbox)
    from ..sync import graph

    return graph.check_connection(graph_settings(settings), mailbox)
