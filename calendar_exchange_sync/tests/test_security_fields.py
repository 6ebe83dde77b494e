"""Issue 9, proof: every field the addon adds, read as each kind of user.

The tables below are the addon's access decisions, in one place: who may read each field (its
``groups``, or a user's own record), and who may read the records of the addon's own models at
all (access rights and record rules). A field added without a decision here fails the first
test; a decision the code does not keep fails the second.
"""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ExchangeSyncCase


def event_id(event):
    return "calendar.event,%d" % event.id


ADDON = "calendar_exchange_sync"
# The fields Odoo adds to every model (who reads them is who reads the record).
ODOO_OWN = ("id", "display_name", "create_uid", "create_date", "write_uid", "write_date")
ROLES = ("portal", "colleague", "other_company", "owner", "admin")
ALL = frozenset(ROLES)
INTERNAL = ALL - {"portal"}
OWNER_ADMIN = frozenset({"owner", "admin"})
ADMIN = frozenset({"admin"})

# Field -> who may read it, where the record itself is readable.
COMPANY_SECRETS = (
    "exchange_domain exchange_ews_url exchange_username exchange_password exchange_auth_type "
    "exchange_basic_over_http exchange_tenant exchange_client_id exchange_client_secret "
    "exchange_login_url exchange_graph_url exchange_ca_file exchange_consent_granted "
    "exchange_consent_date exchange_consent_nonce exchange_hybrid exchange_onprem_version "
    "exchange_realtime_problem"
).split()
COMPANY_PUBLIC = (
    "exchange_enabled exchange_version exchange_clock_skew exchange_clock_checked "
    "exchange_send_invitations exchange_window_days exchange_conflict_policy "
    "exchange_default_activity_type_id exchange_personal_activity_type_id exchange_access_mode "
    "exchange_deletion_limit exchange_deletion_min exchange_realtime"
).split()
COMPANY_CONTACTS = (
    "exchange_contacts_enabled exchange_contacts_scope exchange_contacts_folder "
    "exchange_contacts_folder_name exchange_contacts_deletion exchange_contacts_master"
).split()
FIELDS = {
    "res.users": {
        "exchange_sync_enabled": INTERNAL,
        "exchange_mailbox": INTERNAL,
        "exchange_last_sync": OWNER_ADMIN,
        "exchange_last_error": OWNER_ADMIN,
        "exchange_company_enabled": ALL,
        "exchange_access_mode": ALL,
        "exchange_resolved_mailbox": INTERNAL,
        "exchange_signin_state": INTERNAL,
        "exchange_signin_message": OWNER_ADMIN,
        "exchange_contacts_enabled": INTERNAL,
        "exchange_contacts_tag_id": INTERNAL,
        "exchange_contacts_company_enabled": ALL,
        "exchange_contacts_scope": ALL,
        "exchange_contacts_last_error": OWNER_ADMIN,
        # computed per reader: the user's own held deletions (administrators: anyone's)
        "exchange_held_deletion_ids": INTERNAL,
        "exchange_held_count": INTERNAL,
        # the sync's own state of the user's mailboxes (read by the sync, as superuser)
        "exchange_mailbox_ids": ADMIN,
    },
    "res.company": dict.fromkeys(COMPANY_SECRETS, ADMIN)
    | dict.fromkeys(COMPANY_PUBLIC, ALL)
    | dict.fromkeys(COMPANY_CONTACTS, ALL),
    # Who reads the contact reads what Exchange adds to it; the sync's identity is its own.
    "res.partner": dict.fromkeys(
        (
            "exchange_email2 exchange_email3 exchange_mobile exchange_state_text "
            "exchange_revision exchange_contact_user_id exchange_contact_stopped_user_ids"
        ).split(),
        ALL,
    )
    | {"exchange_contact_identity": ADMIN},
    "calendar.event": {
        "activity_type_id": ALL,
        "exchange_revision": ALL,
        "exchange_original_start": ALL,
        "exchange_organizer": ALL,
        "exchange_sync_error": ALL,  # computed per reader: see test_security_status
        "exchange_invitations": ALL,  # who sends the invitations: no secret
        "exchange_identity": ADMIN,
        "exchange_uid": ADMIN,
        "exchange_source": ADMIN,
        "exchange_overflow": ADMIN,
    },
    "calendar.attendee": {"exchange_optional": ALL},
    "calendar.recurrence": {
        "exchange_dtstart": ALL,
        "exchange_organizer": ALL,
        "exchange_invitations": ALL,
        "exchange_identity": ADMIN,
        "exchange_source": ADMIN,
    },
    "calendar.activity.type": dict.fromkeys(
        "name sequence color active company_id sync_to_exchange trigger_words".split(), ALL
    ),
    "calendar.exchange.mailbox": dict.fromkeys(
        (
            "user_id company_id email active last_run last_success last_error next_attempt "
            "needs_sync notify_user sync_requested log_ids resolved_email resolved_from "
            "remote_kind access_problem access_checked held_deletion_ids held_count"
        ).split(),
        ALL,
    )
    | {"local_token": ADMIN, "remote_token": ADMIN, "binding_ids": ADMIN}
    | {"contacts_last_success": ALL, "contacts_last_error": ALL}
    | dict.fromkeys(
        "contacts_local_token contacts_remote_token contact_binding_ids".split(), ADMIN
    ),
    "calendar.exchange.binding": dict.fromkeys(
        (
            "mailbox_id user_id identity local_id remote_id local_version remote_version "
            "item_hash field_hashes local_modified remote_modified uid recheck verify_side "
            "event_id recurrence_id sync_error activity_type written declines"
        ).split(),
        ALL,
    ),
    "calendar.exchange.log": dict.fromkeys(
        (
            "mailbox_id user_id company_id started duration state message odoo_created "
            "odoo_updated odoo_deleted exchange_created exchange_updated exchange_deleted "
            "matched conflicts line_ids kind attempts held_count held_deletion_ids"
        ).split(),
        ALL,
    ),
    "calendar.exchange.log.line": dict.fromkeys(
        "log_id user_id event_id partner_id side action subject message private".split(), ALL
    ),
    "calendar.exchange.contact.binding": dict.fromkeys(
        (
            "mailbox_id user_id identity local_id remote_id local_version remote_version "
            "item_hash field_hashes local_modified remote_modified recheck verify_side "
            "partner_id sync_error"
        ).split(),
        ALL,
    ),
    "calendar.exchange.held.deletion": dict.fromkeys(
        "mailbox_id user_id side deleted_in subject start event_id private decision".split(), ALL
    )
    | {"identity": ADMIN},
    # Real-time subscriptions: bookkeeping of the crons and the public endpoints, which name
    # the URL secrets (token, clientState); administrators only, the record as a whole.
    "calendar.exchange.subscription": dict.fromkeys(
        (
            "mailbox_id company_id email protocol state is_test remote_id expires "
            "status_frequency last_call last_change watermark action next_attempt last_error "
            "run_asked"
        ).split(),
        ALL,
    )
    | {"token": ADMIN, "client_state": ADMIN},
}
# A user's Microsoft sign-in: the system's (tokens), read by administrators only.
FIELDS["calendar.exchange.grant"] = dict.fromkeys(
    (
        "user_id company_id state nonce nonce_date session_hash code_verifier code access_token "
        "refresh_token expires_at scope ms_user_id ms_mailbox signed_in problem"
    ).split(),
    ADMIN,
)
# Settings are for Settings administrators (the model's access rights say so), and so is
# "Move to Office 365".
SETTINGS_MODEL = "res.config.settings"
SWITCH_MODEL = "calendar.exchange.switch"

# The addon's own models: who reads a record of the owner's (rights + record rules).
RECORDS = {
    "calendar.activity.type": INTERNAL,  # a shared type; another company's are hidden
    "calendar.exchange.mailbox": OWNER_ADMIN,
    "calendar.exchange.binding": ADMIN,
    "calendar.exchange.contact.binding": ADMIN,
    "calendar.exchange.log": OWNER_ADMIN,
    "calendar.exchange.log.line": OWNER_ADMIN,
    "calendar.exchange.grant": ADMIN,
    "calendar.exchange.held.deletion": OWNER_ADMIN,
    "calendar.exchange.subscription": ADMIN,
    SETTINGS_MODEL: ADMIN,
    SWITCH_MODEL: ADMIN,
}


def addon_fields(env):
    """{model: {field names}} of the fields this addon defines, on any model. A field another
    model shows through ``_inherits`` (res.users of res.partner) is decided on its own model;
    a registry reload (another test's extension) may name this addon as its module too."""
    found = {}
    for name in env.registry:
        for field in env[name]._fields.values():
            if field.name in ODOO_OWN or not field._modules or field._modules[0] != ADDON:
                continue
            if field.inherited:
                continue
            found.setdefault(name, set()).add(field.name)
    return found


@tagged("post_install", "-at_install")
class TestEveryFieldsAccess(ExchangeSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enable_on_premises(cls)
        cls.portal = new_test_user(
            cls.env, login="fld_portal", email="paul@customer.example", groups="base.group_portal"
        )
        cls.olga = new_test_user(
            cls.env,
            login="fld_olga",
            email="olga@other.example",
            groups="base.group_user",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )
        cls.alice.with_user(cls.alice).exchange_sync_enabled = True
        cls.users = {
            "portal": cls.portal,
            "colleague": cls.bob,
            "other_company": cls.olga,
            "owner": cls.alice,
            "admin": cls.admin,
        }
        cls.targets = cls._targets()

    @classmethod
    def _targets(cls):
        env = cls.env
        partners = [(6, 0, (cls.alice | cls.portal).partner_id.ids)]
        times = {"start": "2030-01-07 09:00:00", "stop": "2030-01-07 10:00:00"}
        event = (
            env["calendar.event"]
            .with_user(cls.alice)
            .create(dict(times, name="Review", partner_ids=partners))
        )
        series = (
            env["calendar.event"]
            .with_user(cls.alice)
            .create(
                dict(
                    times,
                    name="Stand-up",
                    partner_ids=partners,
                    recurrency=True,
                    rrule_type="daily",
                    count=2,
                    end_type="count",
                )
            )
        )
        mailbox = env["calendar.exchange.mailbox"]._for_user(cls.alice)
        binding = env["calendar.exchange.binding"].create(
            {"mailbox_id": mailbox.id, "identity": "exchange:X", "event_id": event.id}
        )
        contact = env["res.partner"].create({"name": "Mary Smith", "email": "mary@acme.example"})
        contact.sudo().write(
            {
                "exchange_contact_user_id": cls.alice.id,
                "exchange_contact_identity": "exchange:C",
                "exchange_contact_stopped_user_ids": [(4, cls.bob.id)],
            }
        )
        contact_binding = env["calendar.exchange.contact.binding"].create(
            {"mailbox_id": mailbox.id, "identity": "exchange:C", "partner_id": contact.id}
        )
        log = env["calendar.exchange.log"].create(
            {
                "mailbox_id": mailbox.id,
                "user_id": cls.alice.id,
                "company_id": cls.company.id,
                "state": "partial",
                "line_ids": [
                    (0, 0, {"subject": "Review", "message": "refused", "partner_id": contact.id})
                ],
            }
        )
        grant = env["calendar.exchange.grant"].create(
            {"user_id": cls.alice.id, "refresh_token": "secret-rt", "access_token": "secret-at"}
        )
        switch = (
            env[SWITCH_MODEL]
            .with_user(cls.admin)
            .create(
                {
                    "company_id": cls.company.id,
                    "tenant": "t",
                    "client_id": "c",
                    "client_secret": "s",
                }
            )
        )
        return {
            "calendar.exchange.grant": grant,
            SWITCH_MODEL: switch,
            "res.users": cls.alice,
            "res.company": cls.company,
            SETTINGS_MODEL: env[SETTINGS_MODEL].with_user(cls.admin).create({}),
            "calendar.event": event,
            "calendar.attendee": event.attendee_ids[:1],
            "calendar.recurrence": series.recurrence_id,
            "calendar.activity.type": env.ref("calendar_exchange_sync.activity_type_lunch"),
            "calendar.exchange.mailbox": mailbox,
            "calendar.exchange.binding": binding,
            "res.partner": contact,
            "calendar.exchange.contact.binding": contact_binding,
            "calendar.exchange.log": log,
            "calendar.exchange.log.line": log.line_ids,
            "calendar.exchange.held.deletion": env["calendar.exchange.held.deletion"].create(
                {
                    "mailbox_id": mailbox.id,
                    "identity": event_id(event),
                    "side": "odoo",
                    "subject": "Review",
                    "event_id": event.id,
                }
            ),  # fmt: skip
            "calendar.exchange.subscription": env["calendar.exchange.subscription"].create(
                {
                    "mailbox_id": mailbox.id,
                    "company_id": cls.company.id,
                    "email": mailbox.email,
                    "protocol": "ews",
                    "token": "t0ken",
                    "client_state": "st4te",
                }
            ),
        }

    def test_every_addon_field_has_an_access_decision(self):
        decided = {model: set(names) for model, names in FIELDS.items()}
        for model in (SETTINGS_MODEL, SWITCH_MODEL):
            decided[model] = set(addon_fields(self.env).get(model, ()))
        for model, names in addon_fields(self.env).items():
            with self.subTest(model=model):
                self.assertEqual(names - decided.get(model, set()), set(), "who may read them?")
                self.assertIn(model, self.targets, "no record to read")

    def test_each_field_reads_as_decided(self):
        fields = dict(
            FIELDS, **{m: addon_fields(self.env)[m] for m in (SETTINGS_MODEL, SWITCH_MODEL)}
        )
        for model, names in fields.items():
            target = self.targets[model]
            for role, user in self.users.items():
                record = target.with_user(user)
                try:
                    record.check_access("read")
                    readable = True
                except AccessError:
                    readable = False
                if model in RECORDS:
                    self.assertEqual(readable, role in RECORDS[model], (model, role, "record"))
                for name in names:
                    admin_only = model in (SETTINGS_MODEL, SWITCH_MODEL)
                    allowed = ADMIN if admin_only else fields[model][name]
                    expected = readable and role in allowed
                    with self.subTest(model=model, field=name, role=role):
                        self.env.invalidate_all()
                        try:
                            record.read([name])
                            actual = True
                        except AccessError:
                            actual = False
                        self.assertEqual(actual, expected)
