"""Odoo contacts (res.partner) as the engine's "local" side of one mailbox's contacts.

Ids are ``"res.partner,ID"``; versions come from the listing (``contacts_listing``). Every
read and write is made as the mailbox's owner, so record rules and access rights hold: a
contact the user may not read is never listed, and one they may not edit is never written from
their Outlook (``masters`` names those, and the engine puts Odoo's content back instead).

Exchange -> Odoo (``values``): the name; a company name finds the company contact of that exact
name in the user's company (or shared), else creates it; the job position; three e-mail
addresses (the first is the e-mail, the others ``exchange_email2/3``); business phone and mobile;
the business address, its country by ISO code or name and its state by code or name in that
country (an unknown state is kept as text); website; notes as text (escaped into Odoo's HTML
notes, so nothing of Outlook's markup is ever taken as HTML); categories become tags of that
name (created when missing). A person of a company shares the company's address in Odoo: an
address from Outlook is written on such a person only while the company has none.

Deleting in Outlook (``delete``): the Odoo contact is deleted (or archived, per company
setting) only when it came from this user's Exchange and nothing else in Odoo uses it
(``contacts_usage``); otherwise it is only taken out of this user's synchronisation.
"""

import logging

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import html2plaintext, is_html_empty, plaintext2html

from ..sync.contacts import Address, ContactItem
from ..sync.engine import Fetched, OpResult, Remote
from ..sync.errors import ItemNotFound, PermanentError, StaleVersion
from . import contacts_listing, contacts_usage
from .mapper import as_utc

_logger = logging.getLogger(__name__)

PARTNER = "res.partner"
INBOUND = {
    "exchange_sync_inbound": True,
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
}


def local_id(partner):
    return "%s,%d" % (PARTNER, partner.id)


def parse_id(value):
    name, _sep, number = (value or "").partition(",")
    return int(number) if name == PARTNER and number.isdigit() else None


class OdooContactsSide:
    """The local ``Side`` of one mailbox's contacts (see the module docstring)."""

    name = "odoo"
    batch_size = 200
    writes_with_status = True  # the partners and their bindings commit together

    def __init__(self, env, user, *, mailbox_id, settings):
        self.env = env(user=user.id, context=dict(env.context, **INBOUND))
        self.user = self.env.user
        self.mailbox_id = mailbox_id
        self.settings = settings  # res.company._exchange_contacts_settings()
        self.params = {
            "user": self.user,
            "scope": settings["scope"],
            "tag_id": self.user.sudo().exchange_contacts_tag_id.id,
        }
        self._versions = {}  # id -> version, from the listing of this run

    @property
    def Partner(self):
        return self.env[PARTNER]

    # -- listing and reading ----------------------------------------------------------------

    def list_changes(self, token, window):
        changes = contacts_listing.list_changes(
            self.env, token, mailbox_id=self.mailbox_id, **self.params
        )
        self._versions.update(changes.changed)
        return changes

    def _current_versions(self, ids):
        """{id: version} of the listed contacts among ``ids`` (as the listing computes it)."""
        return contacts_listing.versions(self.env, ids, **self.params)

    def fetch(self, ids):
        versions = self._current_versions(ids)
        partners = self.Partner.browse([parse_id(i) for i in versions])
        return {
            local_id(p): Fetched(
                version=versions[local_id(p)],
                item=self.item(p),
                identity=p.sudo().exchange_contact_identity or None,
                last_modified=as_utc(p.write_date),
            )
            for p in partners
        }

    def item(self, partner):
        """The ``ContactItem`` of an Odoo contact."""
        p = partner
        if p.is_company:
            name = company = p.name or ""
        else:
            name = p.name or ""
            parent = p.parent_id
            company = parent.name if parent else (p.company_name or "")
        street, street2 = p.street or "", p.street2 or ""
        country = p.country_id.with_context(lang="en_US").name if p.country_id else ""
        return ContactItem(
            name=name,
            company=company,
            job_title=p.function or "",
            emails=tuple(e for e in (p.email, p.exchange_email2, p.exchange_email3) if e),
            business_phone=p.phone or "",
            mobile_phone=p.exchange_mobile or "",
            address=Address(
                street="\n".join(s for s in (street, street2) if s),
                city=p.city or "",
                zip=p.zip or "",
                state=p.state_id.name if p.state_id else (p.exchange_state_text or ""),
                country=country,
            ),
            website=p.website or "",
            notes="" if is_html_empty(p.comment) else html2plaintext(p.comment or ""),
            categories=tuple(p.category_id.sudo().mapped("name")),
        )

    def find_by_identity(self, identities):
        identities = list(identities)
        own = [parse_id(i) for i in identities if parse_id(i)]
        others = [i for i in identities if not parse_id(i)]
        found = {}
        candidates = {local_id(p): p for p in self.Partner.browse(own).exists()}
        if others:
            for partner in self.Partner.sudo().search(
                [("exchange_contact_identity", "in", others)]
            ):
                candidates[partner.exchange_contact_identity] = partner
        versions = self._current_versions([local_id(p) for p in candidates.values()])
        for identity, partner in candidates.items():
            version = versions.get(local_id(partner))
            if version is not None:
                found[identity] = Remote(local_id(partner), version)
        return found

    # -- who may change what ----------------------------------------------------------------

    def masters(self, ids):
        """The contacts whose Exchange edits are undone: all of them when Odoo is the master,
        else those this user may not edit (another company's, a user's own contact card)."""
        if self.settings["master"]:
            return set(ids)
        partners = self.Partner.browse([parse_id(i) for i in ids if parse_id(i)]).exists()
        return {local_id(p) for p in partners if not self._may_edit(p)}

    def _may_edit(self, partner):
        if partner.sudo().user_ids:
            return False  # a user's own contact card is theirs to edit, in Odoo
        try:
            partner.check_access("write")
        except AccessError:
            return False
        return True

    # -- writing ----------------------------------------------------------------------------

    def _guarded(self, operation):
        try:
            with self.env.cr.savepoint():
                result = operation()
                self.env.flush_all()
                return result
        except (UserError, ValidationError, AccessError, ValueError) as error:
            return OpResult.failure(PermanentError(str(error)))

    def _result(self, partner):
        self.env.flush_all()
        self.env.invalidate_all()
        version = self._current_versions([local_id(partner)]).get(local_id(partner), "")
        return OpResult.success(Remote(local_id(partner), version))

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch):
        return [self._guarded(lambda i=i, it=it: self._create(i, it)) for i, it in batch]

    def _create(self, identity, item):
        values = self.values(item, None)
        values.update(is_company=item.is_company, type="contact")
        partner = self.Partner.create(values)
        # Readonly to users: set by the sync only.
        partner.sudo().write(
            {"exchange_contact_user_id": self.user.id, "exchange_contact_identity": identity}
        )
        return self._result(partner)

    def _check(self, id_, version):
        number = parse_id(id_)
        current = self._current_versions([id_]).get(id_)
        if not number or current is None:
            raise _Refused(ItemNotFound("%s is no longer synchronised with Odoo" % id_))
        if current != version:
            raise _Refused(StaleVersion("%s changed in Odoo meanwhile" % id_))
        return self.Partner.browse(number)

    def update(self, batch):
        return [self._guarded(lambda i=i, v=v, it=it: self._update(i, v, it)) for i, v, it in batch]

    def _update(self, id_, version, item):
        try:
            partner = self._check(id_, version)
        except _Refused as refused:
            return OpResult.failure(refused.error)
        if not self._may_edit(partner):
            return OpResult.failure(
                PermanentError(self.env._("You may not edit the contact %s in Odoo.", partner.name))
            )
        values = self.values(item, partner)
        current = self.values(self.item(partner), partner)
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        if changed:
            partner.write(changed)
        return self._result(partner)

    def delete(self, batch):
        return [self._guarded(lambda i=i, v=v: self._delete(i, v)) for i, v in batch]

    def _delete(self, id_, version):
        try:
            partner = self._check(id_, version)
        except _Refused as refused:
            return OpResult.failure(refused.error)
        mine = partner.sudo().exchange_contact_user_id == self.user
        if mine and not contacts_usage.in_use(self.env, partner.id, self.mailbox_id):
            try:
                with self.env.cr.savepoint():
                    if self.settings["deletion"] == "archive":
                        partner.write({"active": False})
                    else:
                        partner.unlink()
                return OpResult.success()
            except (UserError, ValidationError, AccessError) as refused:
                # Odoo refused: keep it, as for a contact in use
                _logger.info("Contact %s kept in Odoo: %s", partner.id, refused)
        # Kept in Odoo: no longer synchronised with this user (sudo: bookkeeping of the sync).
        partner.sudo().write({"exchange_contact_stopped_user_ids": [(4, self.user.id)]})
        return OpResult.success()

    # -- Exchange -> Odoo values -------------------------------------------------------------

    def values(self, item, partner):
        """res.partner values for ``item`` (``partner``: the contact being updated, or None)."""
        values = {
            "name": item.name or item.company or item.email or self.env._("Unnamed contact"),
            "function": item.job_title or False,
            "email": item.emails[0] if item.emails else False,
            "exchange_email2": item.emails[1] if len(item.emails) > 1 else False,
            "exchange_email3": item.emails[2] if len(item.emails) > 2 else False,
            "phone": item.business_phone or False,
            "exchange_mobile": item.mobile_phone or False,
            "website": item.website or False,
            "comment": plaintext2html(item.notes) if item.notes else False,
            "category_id": [(6, 0, self._tags(item.categories))],
        }
        is_company = partner.is_company if partner else item.is_company
        if not is_company:
            values.update(self._company(item.company))
        parent = self.Partner.browse(values.get("parent_id") or []) if not is_company else None
        if not (parent and parent.sudo()._get_address_values()):
            values.update(self._address(item.address))
        return values

    def _company(self, name):
        if not name:
            return {"parent_id": False, "company_name": False}
        company = self.Partner.search(
            [
                ("is_company", "=", True),
                ("name", "=", name),
                ("company_id", "in", [self.user.company_id.id, False]),
            ],
            limit=1,
            order="id",
        )
        if not company:
            try:
                with self.env.cr.savepoint():
                    company = self.Partner.create({"name": name, "is_company": True})
            except (UserError, ValidationError, AccessError):
                return {"parent_id": False, "company_name": name}
        return {"parent_id": company.id, "company_name": False}

    def _address(self, address):
        street, street2 = address.street_lines
        country = self._country(address.country)
        state, state_text = self._state(address.state, country)
        return {
            "street": street or False,
            "street2": street2 or False,
            "zip": address.zip or False,
            "city": address.city or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
            "exchange_state_text": state_text or False,
        }

    def _country(self, text):
        Country = self.env["res.country"].sudo()
        if not text:
            return Country
        if len(text) == 2 and text.isalpha():
            found = Country.search([("code", "=", text.upper())], limit=1)
            if found:
                return found
        for lang in ("en_US", self.user.lang or "en_US"):
            found = Country.with_context(lang=lang).search([("name", "=ilike", text)], limit=1)
            if found:
                return found
        return Country

    def _state(self, text, country):
        State = self.env["res.country.state"].sudo()
        if not text:
            return State, ""
        domain = [("country_id", "=", country.id)] if country else []
        found = State.search(domain + [("code", "=ilike", text)], limit=1) or State.search(
            domain + [("name", "=ilike", text)], limit=1
        )
        return (found, "") if found else (State, text)

    def _tags(self, names):
        Tag = self.env["res.partner.category"].sudo()
        ids = []
        for name in names:
            tag = Tag.search([("name", "=ilike", name)], limit=1)
            if not tag:
                tag = Tag.create({"name": name})  # an Outlook category is a tag of that name
            ids.append(tag.id)
        return ids


class _Refused(Exception):
    def __init__(self, error):
        super().__init__(str(error))
        self.error = error
