"""A user's own Microsoft sign-in (Office 365, "each user signs in"): from the code Microsoft
sent back to a synchronising mailbox, and the user's access token for each run.

Runs in the cron worker, never in the user's request: the callback only stores the code and
wakes the sign-in cron (``calendar.exchange.grant._cron_sign_in``), which calls
:func:`complete`. The sync run asks :func:`access_token` for the token of its user, which
refreshes it shortly before it expires and stores the new refresh token Entra answers.

A grant Microsoft no longer accepts (revoked, expired, the password reset) becomes
"sign in again": the grant is marked so, the user is told once in Odoo (their inbox and a
browser notification), and their mailbox waits (``calendar.exchange.mailbox._due``) instead
of failing every few minutes, until they sign in again.
"""

from odoo import SUPERUSER_ID, fields

from ..sync import errors
from ..sync.graph import delegated
from ..sync.graph import resolve as graph_resolve
from .addresses import normalize
from .backends import connection_settings, graph_settings

SIGNIN_ROUTE = "/calendar_exchange_sync/signin"


def signin_settings(company):
    """The company's app registration for users' sign-ins (sudo: the secret stays here)."""
    settings = connection_settings(company)
    base = company.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
    return delegated.SignInSettings(
        tenant=settings["tenant"].strip(),
        client_id=settings["client_id"].strip(),
        client_secret=settings["client_secret"],
        redirect_uri=base.rstrip("/") + SIGNIN_ROUTE,
        login_url=settings["login_url"].strip().rstrip("/"),
        graph_url=settings["graph_url"].strip().rstrip("/"),
        verify=settings["ca_file"] or True,
    )


def _tokens_values(tokens):
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": fields.Datetime.to_datetime(tokens.expires_at.replace(tzinfo=None)),
        "scope": tokens.scope,
    }


def complete(grant):
    """Redeem the code of a pending ``grant``, find the user's mailbox, switch their sync on.

    The mailbox becomes the signed-in Microsoft user's primary address, as Graph answers it:
    the user proved it is theirs by signing in. A mailbox another Odoo user already has is
    refused (two users never share one), and the grant waits for another sign-in.
    """
    env = grant.env
    user = grant.user_id
    company = user.company_id
    settings = signin_settings(company)
    code, verifier = grant.code, grant.code_verifier
    grant.write({"code": False, "code_verifier": False})  # single use, whatever happens
    try:
        tokens = delegated.redeem(settings, code, verifier)
        client = delegated.DelegatedClient(
            graph_settings(connection_settings(company)), lambda fresh: tokens.access_token
        )
        me = graph_resolve.signed_in_user(client)
    except errors.SyncError as error:
        return _refused(grant, env._("Microsoft did not sign you in: %s", error))
    owner = (
        env["res.users"]
        .sudo()
        .with_context(active_test=True)
        .search([("exchange_mailbox", "=", me.address), ("id", "!=", user.id)], limit=1)
    )
    if owner:
        return _refused(
            grant,
            env._(
                "You signed in as %(mailbox)s, which is the Exchange mailbox of %(user)s: two "
                "users cannot synchronise one mailbox. Sign in with your own Microsoft account.",
                mailbox=me.address,
                user=owner.name,
            ),
        )
    grant.write(
        dict(
            _tokens_values(tokens),
            state="active",
            ms_user_id=me.user_id,
            ms_mailbox=me.address,
            signed_in=fields.Datetime.now(),
            problem=False,
        )
    )
    # The cron runs as the superuser: it writes the mailbox the sign-in proved (see
    # ``res_users_mailbox._exchange_may_set_mailbox``) and the switch the user asked for.
    user = user.with_user(SUPERUSER_ID)
    if normalize(user.exchange_mailbox) != me.address:
        user.exchange_mailbox = me.address
    mailbox = env["calendar.exchange.mailbox"]._for_user(user)
    mailbox.write({"resolved_email": me.address, "resolved_from": me.address})
    if not user.exchange_sync_enabled:
        user.exchange_sync_enabled = True
    mailbox._exchange_clear_problem()
    mailbox._request_run(notify=True)
    _tell(
        grant.user_id,
        env._("You are signed in to Microsoft as %s: your calendar synchronises now.", me.address),
        "success",
    )
    return True


def _refused(grant, message):
    grant.write({"state": "revoked", "problem": message})
    _tell(grant.user_id, message, "danger")
    return False


def _tell(user, message, kind):
    """The user's Odoo inbox and, if they are online, a browser notification."""
    user.env["mail.thread"].sudo().message_notify(
        partner_ids=user.partner_id.ids,
        subject=user.env._("Calendar synchronisation with Microsoft"),
        body=message,
    )
    user._bus_send("simple_notification", {"type": kind, "message": message, "sticky": True})


def access_token(grant, company, fresh=False):
    """The user's current access token, refreshed when it expires within minutes (or when
    Graph refused it: ``fresh``). Raises ``SignInRequired`` when only the user can help."""
    env = grant.env
    if not grant or grant.state != "active" or not grant.refresh_token:
        raise errors.SignInRequired(
            grant.problem
            if grant and grant.problem
            else env._("Sign in with Microsoft in your Preferences to synchronise your calendar.")
        )
    expires = fields.Datetime.to_datetime(grant.expires_at)
    now = fields.Datetime.now()
    if not fresh and grant.access_token and expires and expires - now > delegated.REFRESH_AHEAD:
        return grant.access_token
    try:
        tokens = delegated.refresh(signin_settings(company), grant.refresh_token)
    except errors.SignInRequired as error:
        message = env._(
            "Microsoft no longer accepts your sign-in (%s): sign in again with Microsoft in "
            "your Preferences.",
            error,
        )
        _refused(grant, message)
        raise errors.SignInRequired(message) from None
    grant.write(_tokens_values(tokens))
    return tokens.access_token


def check(grant, company):
    """Settings' Test connection for a signed-in user: [(check, ok, sentence)]."""
    try:
        token = access_token(grant, company)
    except errors.SyncError as error:
        return [("sign-in", False, str(error))]
    client = delegated.DelegatedClient(
        graph_settings(connection_settings(company)), lambda fresh: token
    )
    signed = [("sign-in", True, grant.env._("Signed in to Microsoft as %s.", grant.ms_mailbox))]
    try:
        client.request("GET", "/me/calendar?$select=id", mailbox=grant.ms_mailbox)
    except errors.SyncError as error:
        return [*signed, ("mailbox", False, str(error))]
    return [
        *signed,
        ("mailbox", True, grant.env._("The calendar of %s can be reached.", grant.ms_mailbox)),
    ]
