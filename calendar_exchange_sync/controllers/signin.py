"""Where Microsoft's sign-in page sends a user back to Odoo ("Sign in with Microsoft").

The answer is checked before anything is kept: the ``state`` must be the one signed for this
user and this browser session, unused and recent (``calendar.exchange.grant._check_state``).
The code is only stored; it is redeemed by the sign-in cron, in a worker (no call to
Microsoft inside the user's request), which then starts the user's synchronisation.
"""

from markupsafe import escape

from odoo import http
from odoo.http import request

from ..bridge.signin import SIGNIN_ROUTE


class ExchangeSignInController(http.Controller):
    @http.route(SIGNIN_ROUTE, type="http", auth="user", methods=["GET"])
    def signin_callback(self, state=None, code=None, error=None, error_description=None, **_kw):
        user = request.env.user
        grant = request.env["calendar.exchange.grant"]._check_state(
            user, state or "", request.session.sid
        )
        if grant is None:
            return self._page(
                request.env._(
                    "This sign-in link is not valid any more: press Sign in with Microsoft "
                    "again in your Preferences."
                ),
                400,
            )
        if error:
            reason = (error_description or error).split(" Trace ID:")[0]
            grant._refused_by_microsoft(request.env._("Microsoft did not sign you in: %s", reason))
            return self._page(request.env._("Microsoft did not sign you in: %s", reason), 200)
        if not code:
            return self._page(request.env._("Microsoft sent no answer to the sign-in."), 400)
        grant._received(code)
        return request.redirect("/odoo?exchange_signin=1")

    def _page(self, message, status):
        body = (
            "<html><body style='font-family:sans-serif;margin:3em'>"
            "<h3>Microsoft Exchange</h3><p>%s</p>"
            "<p><a href='/odoo'>Back to Odoo</a></p></body></html>"
        ) % escape(message)
        return request.make_response(
            body, status=status, headers=[("Content-Type", "text/html; charset=utf-8")]
        )
