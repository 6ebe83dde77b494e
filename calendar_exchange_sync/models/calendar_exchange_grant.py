"""A user's own Microsoft sign-in (Office 365 "each user signs in"): one row per user.

Holds secrets only the system may read: the PKCE verifier and the code while a sign-in is on
its way, then the access and refresh tokens (readable by Settings administrators' group only,
never copied, cleared by ``data/neutralize.sql``). Users see their state through computed
fields of their own user (``res_users_signin``), never this model.

The round trip: ``_start`` (the user's button) keeps a fresh nonce and verifier and answers
Microsoft's sign-in URL with a ``state`` signed for that user, nonce and session; the callback
(``controllers/signin.py``) checks it with ``_check_state`` (once: the nonce is used up, and it
lives ``STATE_LIFETIME``), keeps the code and wakes ``_cron_sign_in``, which redeems it in a
cron worker (``bridge/signin.py``).
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools.misc import consteq, hmac

from ..bridge import signin
from ..sync.graph import delegated

_logger = logging.getLogger(__name__)

STATE_SCOPE = "calendar_exchange_sync.signin"
STATE_LIFETIME = timedelta(minutes=30)
SECRET = {"groups": "base.group_system", "copy": False}


class CalendarExchangeGrant(models.Model):
    _name = "calendar.exchange.grant"
    _description = "Microsoft Sign-in of a User"
    _rec_name = "user_id"

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="user_id.company_id", store=True)
    state = fields.Selection(
        [("pending", "Signing in"), ("active", "Signed in"), ("revoked", "Sign in again")],
        default="pending",
        required=True,
        readonly=True,
    )
    nonce = fields.Char(**SECRET)
    nonce_date = fields.Datetime(**SECRET)
    session_hash = fields.Char(**SECRET)
    code_verifier = fields.Char(**SECRET)
    code = fields.Char(**SECRET)
    access_token = fields.Char(**SECRET)
    refresh_token = fields.Char(**SECRET)
    expires_at = fields.Datetime(copy=False, readonly=True)
    scope = fields.Char(copy=False, readonly=True)
    ms_user_id = fields.Char(string="Microsoft User", copy=False, readonly=True)
    ms_mailbox = fields.Char(string="Signed in as", copy=False, readonly=True)
    signed_in = fields.Datetime(copy=False, readonly=True)
    problem = fields.Text(copy=False, readonly=True)

    _user_uniq = models.Constraint("unique(user_id)", "A user has one Microsoft sign-in.")

    # -- the round trip ------------------------------------------------------------------

    @api.model
    def _for(self, user):
        grant = self.sudo().search([("user_id", "=", user.id)])
        return grant or self.sudo().create({"user_id": user.id})

    def _state_for(self, nonce, session_id):
        payload = "%d.%s" % (self.user_id.id, nonce)
        signed = "%s.%s" % (payload, _session_hash(session_id))
        return "%s.%s" % (payload, hmac(self.env(su=True), STATE_SCOPE, signed))

    @api.model
    def _start(self, user, session_id):
        """Microsoft's sign-in URL for ``user``, with a single-use state for this session."""
        grant = self._for(user)
        nonce = secrets.token_urlsafe(24)
        state = grant._state_for(nonce, session_id)
        url, verifier = delegated.authorization_url(
            signin.signin_settings(user.company_id), state, login_hint=user.exchange_mailbox
        )
        grant.write(
            {
                "nonce": nonce,
                "nonce_date": fields.Datetime.now(),
                "session_hash": _session_hash(session_id),
                "code_verifier": verifier,
                "code": False,
            }
        )
        return url

    @api.model
    def _check_state(self, user, state, session_id):
        """The grant a callback's ``state`` belongs to, for this user and session; used up."""
        try:
            user_id, nonce, _signature = (state or "").split(".", 2)
            user_id = int(user_id)
        except ValueError:
            return None
        if user_id != user.id:
            return None
        grant = self.sudo().search([("user_id", "=", user.id)])
        if not grant or not grant.nonce or not consteq(grant.nonce, nonce):
            return None
        expected = grant._state_for(grant.nonce, session_id)
        fresh = grant.nonce_date and fields.Datetime.now() - grant.nonce_date < STATE_LIFETIME
        grant.write({"nonce": False, "nonce_date": False})  # single use, whatever the outcome
        if not fresh or not consteq(expected, state):
            return None
        return grant

    def _received(self, code):
        self.ensure_one()
        self.sudo().write({"code": code, "state": "pending", "problem": False})
        cron = self.env.ref(
            "calendar_exchange_sync.ir_cron_exchange_signin", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    def _refused_by_microsoft(self, reason):
        self.ensure_one()
        self.sudo().write({"state": "revoked", "code_verifier": False, "problem": reason})

    # -- the cron --------------------------------------------------------------------------

    @api.model
    def _cron_sign_in(self):
        """Redeem the codes of the sign-ins that came back, each in its own transaction."""
        grants = self.sudo().search([("code", "!=", False)])
        Cron = self.env["ir.cron"]
        Cron._commit_progress(remaining=len(grants))
        for grant in grants:
            try:
                signin.complete(grant)
            except Exception:  # one user's failure must not stop the others
                self.env.cr.rollback()
                _logger.exception("Microsoft sign-in of user %s crashed", grant.user_id.id)
                grant.write({"code": False, "code_verifier": False, "state": "revoked"})
            if Cron._commit_progress(1) <= 0:
                return

    def _sign_out(self):
        """Forget the tokens (Microsoft keeps its own record; the user may revoke there)."""
        self.sudo().write(
            {
                "state": "revoked",
                "access_token": False,
                "refresh_token": False,
                "code": False,
                "code_verifier": False,
                "problem": False,
            }
        )


def _session_hash(session_id):
    return hashlib.sha256((session_id or "").encode()).hexdigest()
