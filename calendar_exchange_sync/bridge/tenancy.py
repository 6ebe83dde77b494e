"""Which Exchange side a run talks to, and under which address: the tenant's realities.

``open_backend(run)`` answers ``(side, address)`` for one run of one mailbox, doing first what
must happen before the engine may touch the mailbox:

1. **The address.** The user's mailbox address (an administrator's, or a sign-in's) is asked
   of Exchange once (EWS ResolveNames, Graph's directory): an alias becomes the primary
   address, which the run uses everywhere (and which is unique among the mailboxes); an
   address Exchange does not know, or that is another user's mailbox, becomes the mailbox's
   status instead of failing every run.
2. **The route.** On premises: EWS with the delegate. Office 365: Graph, app-only or with the
   user's own sign-in; during a hybrid migration a mailbox Graph reports as still on premises
   keeps its EWS route while the company keeps its EWS settings.
3. **The ids.** When the stored pairs hold ids of the other protocol (the company or the
   mailbox moved), they are found again first (:mod:`.migration`): no EWS id is ever sent to
   Graph.
4. **The scope.** A mailbox the sync account may not reach (impersonation outside its
   management scope, an application access policy, RBAC for Applications) gets that as its
   own status; the other mailboxes go on.

Problems of the first and last kind are recorded on the mailbox (``access_problem``): the cron
leaves such a mailbox alone for a while instead of failing it every few minutes.
"""

from ..sync import errors
from ..sync.ews import resolve as ews_resolve
from ..sync.graph import GraphSide, delegated
from ..sync.graph import resolve as graph_resolve
from ..sync.graph.client import GraphClient
from ..sync.versions import ON_PREMISES_VERSIONS
from . import migration, signin
from .addresses import normalize
from .backends import ews_settings, graph_settings, make_backend
from .scope_guard import AccessProblem, ScopeGuardSide, out_of_scope

EWS, GRAPH = "ews", "graph"


def _company(run):
    return run.env["res.company"].browse(run.company_id).sudo()


def open_backend(run):
    mailbox = run.mailbox
    company = _company(run)
    connection = run.company.connection
    if connection["version"] in ON_PREMISES_VERSIONS:
        address = _resolved(run, lambda a: ews_resolve.resolve(ews_settings(connection), a))
        side = make_backend(connection, address)
        kind = EWS
    elif run.company.access_mode == "signin":  # the settings read once per cron pass
        side, address = _signed_in_side(run, company)
        kind = GRAPH
    else:
        client = GraphClient(graph_settings(connection))
        onprem = dict(connection, version=run.company.onprem_version)

        def ask(typed):
            try:
                return graph_resolve.resolve(client, typed).address
            except errors.MailboxNotInCloud:
                if not _hybrid(company):
                    raise
                return ews_resolve.resolve(ews_settings(onprem), typed)

        address = _resolved(run, ask)
        if _stays_on_premises(run, company, client, address):
            return ScopeGuardSide(make_backend(onprem, address), mailbox), address
        side = GraphSide(graph_settings(connection), address, client=client)
        kind = GRAPH
    migration.repair_if_moved(run, side, kind)
    return ScopeGuardSide(side, mailbox), address


def _resolved(run, ask):
    """The primary address of the user's mailbox, asked of Exchange on the first run."""
    mailbox, typed = run.mailbox, run.state.user_mailbox
    # As the lock query read them (the mailbox row itself need not be read on a quiet run).
    if run.state.resolved_email and run.state.resolved_from == typed:
        return run.state.resolved_email
    try:
        address = normalize(ask(typed)) or typed
    except errors.MailboxNotInCloud:
        raise
    except errors.ImpersonationDenied as error:
        raise out_of_scope(mailbox, typed, error) from None
    except errors.MailboxNotFound as error:
        message = run.env._(
            "Exchange knows no mailbox %(address)s (%(reason)s): check the user's Exchange "
            "mailbox in their settings.",
            address=typed,
            reason=error,
        )
        mailbox._exchange_set_problem("unknown", message)
        raise AccessProblem("unknown", message) from None
    other = mailbox._exchange_owner_of(address)
    if other:
        message = run.env._(
            "%(typed)s is the mailbox %(address)s, which %(user)s synchronises already: two "
            "users cannot synchronise one mailbox.",
            typed=typed,
            address=address,
            user=other.name,
        )
        mailbox._exchange_set_problem("duplicate", message)
        raise AccessProblem("duplicate", message)
    mailbox._exchange_set_resolved(typed, address)
    return address


def _signed_in_side(run, company):
    """Graph with the user's own token, on ``/me``: only their own mailbox is reachable."""
    grant = run.env["calendar.exchange.grant"].sudo().search([("user_id", "=", run.user.id)])
    mailbox = run.mailbox
    try:
        token = signin.access_token(grant, company)
    except errors.SignInRequired as error:
        mailbox._exchange_set_problem("signin", str(error))
        raise
    if grant.ms_mailbox != run.state.user_mailbox:
        message = run.env._(
            "You signed in to Microsoft as %(signed)s, but your Exchange mailbox is now "
            "%(mailbox)s: sign in again with Microsoft in your Preferences.",
            signed=grant.ms_mailbox,
            mailbox=run.state.user_mailbox,
        )
        grant.write({"state": "revoked", "problem": message})
        mailbox._exchange_set_problem("signin", message)
        raise errors.SignInRequired(message)
    tokens = {"current": token}

    def current(fresh):
        if fresh:
            tokens["current"] = signin.access_token(grant, company, fresh=True)
        return tokens["current"]

    settings = graph_settings(run.company.connection)
    client = delegated.DelegatedClient(settings, current)
    return delegated.DelegatedGraphSide(settings, grant.ms_mailbox, client), grant.ms_mailbox


def _hybrid(company):
    """The company keeps its EWS settings for mailboxes not moved yet."""
    return bool(
        company.exchange_hybrid
        and company.exchange_ews_url
        and company.exchange_onprem_version in ON_PREMISES_VERSIONS
    )


def _stays_on_premises(run, company, client, address):
    """Hybrid: a mailbox Graph does not hold yet keeps syncing through EWS."""
    if not run.company.hybrid:
        return False
    if run.mailbox.remote_kind == GRAPH:
        return False  # it moved already; there is no way back in the middle of a move
    try:
        if graph_resolve.in_cloud(client, address):
            return False
    except errors.ImpersonationDenied as error:
        raise out_of_scope(run.mailbox, address, error) from None
    if run.mailbox.remote_kind != EWS:
        run.mailbox.sudo().remote_kind = EWS
    return True
