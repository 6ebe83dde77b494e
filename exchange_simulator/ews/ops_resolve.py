"""EWS ResolveNames as Exchange answers it: ANR over the directory, primary addresses out.

``UnresolvedEntry`` is matched by ambiguous name resolution (:mod:`..addresses`): the start of
a display name, a given name or surname, the mail nickname or any SMTP address, or exactly one
proxy address when prefixed ``smtp:``. Each resolution names the mailbox by its primary SMTP
address, whatever alias was asked for. No match: ErrorNameResolutionNoResults (an error);
several: ErrorNameResolutionMultipleResults as a *warning* with every candidate (at most 100).
A user without a mailbox on this server (a service account, a mailbox moved to the cloud) is
a mail-enabled user: ``MailboxType`` ``User`` instead of ``Mailbox``.
"""

from ..addresses import anr
from .soap import ResponseBuilder, m, sub, t

MAX_CANDIDATES = 100


def resolve_names(ctx, op):
    out = ResponseBuilder("ResolveNames")
    found = anr(ctx.simulator.seed, op.findtext(m("UnresolvedEntry")))[:MAX_CANDIDATES]
    if not found:
        out.error("ErrorNameResolutionNoResults", "No results were found.")
        return out
    msg = (
        out.success()
        if len(found) == 1
        else out.error(
            "ErrorNameResolutionMultipleResults", "Multiple results were found.", "Warning"
        )
    )
    holder = sub(
        msg, m("ResolutionSet"), TotalItemsInView=len(found), IncludesLastItemInRange="true"
    )
    store = ctx.store
    for user in found:
        box = sub(sub(holder, t("Resolution")), t("Mailbox"))
        sub(box, t("Name"), user.display_name)
        sub(box, t("EmailAddress"), user.smtp)
        sub(box, t("RoutingType"), "SMTP")
        sub(box, t("MailboxType"), "Mailbox" if store.has_mailbox(user.smtp) else "User")
    return out
