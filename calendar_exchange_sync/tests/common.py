"""Fixtures shared by the addon's Odoo tests: two companies and users of each kind."""

from odoo.tests import TransactionCase, new_test_user


class ExchangeSyncCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.admin = new_test_user(
            cls.env,
            login="exch_admin",
            groups="base.group_user,base.group_system",
            email="admin@example.com",
            company_id=cls.company.id,
            company_ids=[(6, 0, [cls.company.id, cls.other_company.id])],
        )
        cls.alice = new_test_user(
            cls.env, login="exch_alice", groups="base.group_user", email="Alice@Example.com"
        )
        cls.bob = new_test_user(
            cls.env, login="exch_bob", groups="base.group_user", email="bob@example.com"
        )

    def enable_on_premises(self, company=None):
        (company or self.company).write(
            {
                "exchange_enabled": True,
                "exchange_version": "exchange2016",
                "exchange_ews_url": "https://mail.example.com/EWS/Exchange.asmx",
                "exchange_domain": "EXAMPLE",
                "exchange_username": "svc-sync",
                "exchange_password": "s3cret",
            }
        )
