"""The world of bench/latency.py: the simulator's seed and process, the Odoo companies and
users, and Outlook's part (changes made through exchangelib and raw Graph requests)."""

from datetime import datetime, timedelta, timezone

UTC = timezone.utc
DELEGATE, PASSWORD = "svc-sync", "S3rvice!"
TENANT, CLIENT_ID, SECRET = "11111111-2222-3333-4444-555555555555", "bench-app", "bench-secret"


def seed(ews_boxes, graph_boxes):
    users = [
        {
            "smtp": "svc-sync@contoso.com",
            "username": DELEGATE,
            "password": PASSWORD,
            "mailbox": False,
        }
    ]
    users += [{"smtp": box, "password": "pw"} for box in ews_boxes + graph_boxes]
    app = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "consented": True,
        "permissions": ["Calendars.ReadWrite"],
    }
    return {
        "server": {"version": "Exchange2016", "domain": "CONTOSO"},
        "users": users,
        "impersonation": {"svc-sync@contoso.com": ews_boxes},
        "tenants": [{"tenant_id": TENANT, "domains": ["fabrikam.com"], "apps": [app]}],
    }


def simulator_process(conn, seed_data, graph_delay, ews_poll):
    """The simulated Exchange, in a process of its own: answers "deliveries" and "stop"."""
    from exchange_simulator.callbacks import callbacks_for
    from exchange_simulator.ews.push import push_for
    from exchange_simulator.graph.subscriptions import subscriptions_for
    from exchange_simulator.simulator import Simulator

    sim = Simulator(seed_data, https=True, numthreads=16).start()
    callbacks_for(sim).allow_http = True  # Odoo listens on plain HTTP on 127.0.0.1
    subscriptions_for(sim).delay = graph_delay
    push_for(sim).poll_interval = ews_poll
    conn.send((sim.ews_url, sim.https_url, sim.ca_file))
    while True:
        command = conn.recv()
        if command == "deliveries":
            found = {}
            for d in callbacks_for(sim).deliveries():
                key = "%s %s %s" % (d.protocol, d.kind, d.outcome or d.status)
                found[key] = found.get(key, 0) + 1
            conn.send(found)
        elif command == "timeline":
            from latency_hops import timeline

            conn.send(timeline(callbacks_for(sim)))
        else:
            sim.stop()
            conn.send(True)
            return


def configure(env, ews_url, https_url, ca_file, ews_boxes, graph_boxes, base_url):
    env["ir.config_parameter"].set_param("web.base.url", base_url)
    env["ir.config_parameter"].set_param("web.base.url.freeze", "True")
    ews = env.ref("base.main_company")
    ews.write(
        {
            "exchange_enabled": True,
            "exchange_version": "exchange2016",
            "exchange_ews_url": ews_url,
            "exchange_domain": "CONTOSO",
            "exchange_username": DELEGATE,
            "exchange_password": PASSWORD,
            "exchange_realtime": True,
        }
    )
    graph = env["res.company"].create({"name": "Fabrikam (Office 365)"})
    graph.write(
        {
            "exchange_enabled": True,
            "exchange_version": "office365",
            "exchange_tenant": TENANT,
            "exchange_client_id": CLIENT_ID,
            "exchange_client_secret": SECRET,
            "exchange_login_url": https_url,
            "exchange_graph_url": https_url,
            "exchange_ca_file": ca_file,
            "exchange_realtime": True,
        }
    )
    for company, boxes in ((ews, ews_boxes), (graph, graph_boxes)):
        for box in boxes:
            env["res.users"].create(
                {
                    "name": box,
                    "login": box,
                    "email": box,
                    "exchange_mailbox": box,  # an administrator's choice (issue 9)
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "exchange_sync_enabled": True,
                }
            )
    env.ref("calendar_exchange_sync.ir_cron_exchange_sync").nextcall = datetime.now(UTC).replace(
        tzinfo=None
    )
    return ews, graph


class Outlook:
    """Changes made as Outlook would: exchangelib for EWS, raw requests for Graph."""

    def __init__(self, ews_url, https_url, ca_file):
        import requests

        self.ews_url, self.https_url = ews_url, https_url
        self.accounts, self.items = {}, {}
        self.http = requests.Session()
        self.http.verify, self.http.trust_env = ca_file, False
        token = self.http.post(
            "%s/%s/oauth2/v2.0/token" % (https_url, TENANT),
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "scope": https_url + "/.default",
            },
            timeout=10,
        ).json()["access_token"]
        self.http.headers["Authorization"] = "Bearer " + token

    def account(self, box):
        from exchangelib import (
            IMPERSONATION,
            NTLM,
            Account,
            Build,
            Configuration,
            Credentials,
            EWSTimeZone,
            FailFast,
            Version,
        )

        if box not in self.accounts:
            config = Configuration(
                service_endpoint=self.ews_url,
                credentials=Credentials("CONTOSO\\" + DELEGATE, PASSWORD),
                auth_type=NTLM,
                version=Version(build=Build(15, 1), api_version="Exchange2016"),
                retry_policy=FailFast(),
            )
            self.accounts[box] = Account(
                box,
                config=config,
                autodiscover=False,
                access_type=IMPERSONATION,
                default_timezone=EWSTimeZone("UTC"),
            )
        return self.accounts[box]

    def change(self, protocol, box, name, rename=None):
        """Create ``name`` in ``box`` (or rename it to ``rename``)."""
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        if protocol == "ews":
            from exchangelib import CalendarItem

            if rename:
                item = self.items[(box, name)]
                item.subject = rename
                item.save(update_fields=["subject"], send_meeting_invitations="SendToNone")
                return
            account = self.account(box)
            item = CalendarItem(
                folder=account.calendar, subject=name, start=start, end=start + timedelta(hours=1)
            )
            item.save(send_meeting_invitations="SendToNone")
            self.items[(box, name)] = item
            return
        url = "%s/v1.0/users/%s/events" % (self.https_url, box)
        if rename:
            answer = self.http.patch(url + "/" + self.items[(box, name)], json={"subject": rename})
        else:
            body = {
                "subject": name,
                "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                "end": {
                    "dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                    "timeZone": "UTC",
                },
            }
            answer = self.http.post(url, json=body)
            self.items[(box, name)] = answer.json().get("id")
        answer.raise_for_status()
