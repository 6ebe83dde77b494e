"""Settings' Test connection against the simulator: one plain sentence per check."""

from datetime import timedelta

from ews_support import ALICE, CAROL, PASSWORD, SEED, settings, start
from freezegun import freeze_time

from calendar_exchange_sync.sync.ews import check_connection


def as_dict(checks):
    return {name: (ok, message) for name, ok, message, *_ in checks}


def test_everything_fine_over_https():
    sim = start(https=True)
    try:
        url = sim.https_url + "/EWS/Exchange.asmx"
        checks = check_connection(settings(sim, endpoint=url, ca_file=sim.ca_file), ALICE)
        assert [check[0] for check in checks] == [
            "reachability",
            "tls",
            "authentication",
            "version",
            "impersonation",
            "clock",
        ]
        assert all(check[1] for check in checks), checks
        assert abs(checks[-1][3]) < 2  # the measured skew, in seconds
        assert "Exchange 2016" in as_dict(checks)["version"][1]
    finally:
        sim.stop()


def test_plain_http_is_flagged_and_the_rest_still_checked():
    sim = start()
    try:
        result = as_dict(check_connection(settings(sim), ALICE))
        assert result["tls"][0] is False and "http://" in result["tls"][1]
        assert all(result[name][0] for name in ("authentication", "version", "impersonation"))
    finally:
        sim.stop()


def test_each_failure_in_one_sentence_without_the_password():
    sim = start(dict(SEED, server={"version": "Exchange2013", "domain": "CONTOSO"}))
    try:
        sim.store.clock.shift(timedelta(minutes=10))
        # Our clock stands still (freezegun), so the server's Date header, in whole seconds,
        # is exactly ten minutes ahead of it.
        with freeze_time("2026-03-02 08:00:00"):
            result = as_dict(check_connection(settings(sim, version="Exchange2016"), CAROL))
        assert result["version"] == (
            False,
            "Settings say Exchange 2016 or newer but the server is Exchange 2013: "
            "choose Exchange 2013.",
        )
        assert result["impersonation"][0] is False and CAROL in result["impersonation"][1]
        assert result["clock"] == (
            False,
            "The Exchange server's clock is 10 min 0 s ahead of this server's; the "
            "synchronisation corrects for it.",
        )
        with freeze_time("2026-03-02 08:00:00"):
            checks = check_connection(settings(sim, version="Exchange2013"), ALICE)
        assert [c[3] for c in checks if c[0] == "clock"] == [600.0]

        bad = settings(sim, password="Secret-123", version="Exchange2013")
        result = as_dict(check_connection(bad, ALICE))
        assert result["authentication"][0] is False
        assert "CONTOSO\\svc-sync" in result["authentication"][1]
        assert result["impersonation"] == (False, "Not checked: the delegate could not sign in.")
        text = repr(result) + repr(bad)
        assert "Secret-123" not in text and PASSWORD not in text
    finally:
        sim.stop()


def test_unreachable_and_untrusted_certificate():
    sim = start(https=True)
    try:
        result = as_dict(
            check_connection(settings(sim, endpoint="http://127.0.0.1:9/EWS/Exchange.asmx"), ALICE)
        )
        assert result["reachability"][0] is False
        assert result["authentication"][1].startswith("Not checked")
        wrong = check_connection(settings(sim, endpoint=sim.http_url + "/EWS/Exchange.aspx"), ALICE)
        assert wrong[0][1] is False and "does not look like an EWS endpoint" in wrong[0][2]
        url = sim.https_url.replace("127.0.0.1", "localhost") + "/EWS/Exchange.asmx"
        result = as_dict(check_connection(settings(sim, endpoint=url), ALICE))
        assert result["reachability"][0] is True
        assert result["tls"][0] is False and "CA file" in result["tls"][1]
    finally:
        sim.stop()
