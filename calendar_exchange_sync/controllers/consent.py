"""Where Microsoft's admin-consent page sends the administrator back to Odoo."""

from markupsafe import escape

from odoo import fields, http
from odoo.http import request

from ..models.res_company_connection import CONSENT_ROUTE


class ExchangeConsentController(http.Controller):
    @http.route(CONSENT_ROUTE, type="http", auth="user", methods=["GET"])
    def consent_callback(
        self, state=None, admin_consent=None, tenant=None, error=None, error_description=None, **_kw
    ):
        if not request.env.user.has_group("base.group_system"):
            return self._page(
                request.env._("Only a Settings administrator can grant permissions."), 403
            )
        company = request.env["res.company"]._exchange_check_consent_state(state or "")
        if company is None:
            return self._page(
                request.env._(
                    "This link is not valid any more: press Grant permissions again in Settings."
                ),
                400,
            )
        if error:
            reason = error_description or error
            return self._page(
                request.env._("Microsoft did not grant the permissions: %s", reason), 200
            )
        if str(admin_consent).lower() != "true":
            return self._page(request.env._("Microsoft did not confirm the consent."), 400)
        company.write(
            {"exchange_consent_granted": True, "exchange_consent_date": fields.Datetime.now()}
        )
        return request.redirect("/odoo/action-base.action_res_config_settings?module=calendar")

    def _page(self, message, status):
        body = (
            "<html><body style='font-family:sans-serif;margin:3em'>"
            "<h3>Microsoft Exchange</h3><p>%s</p>"
            "<p><a href='/odoo/settings'>Back to Settings</a></p></body></html>"
        ) % escape(message)
        return request.make_response(
            body, status=status, headers=[("Content-Type", "text/html; charset=utf-8")]
        )
