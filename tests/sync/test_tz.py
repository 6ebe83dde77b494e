"""Windows <-> IANA zone names and wall-clock <-> UTC conversion (sync/tz.py)."""

from datetime import date, datetime, time, timezone

import pytest

from calendar_exchange_sync.sync import tz

UTC = timezone.utc


@pytest.mark.parametrize(
    ("windows", "iana"),
    [
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Romance Standard Time", "Europe/Paris"),
        ("Eastern Standard Time", "America/New_York"),
        ("India Standard Time", "Asia/Kolkata"),  # CLDR says Asia/Calcutta
        ("FLE Standard Time", "Europe/Kyiv"),
        ("UTC", "UTC"),
        ("tzone://Microsoft/Utc", "UTC"),
    ],
)
def test_windows_to_iana(windows, iana):
    assert tz.windows_to_iana(windows) == iana
    assert tz.to_iana(windows) == iana
    # Exchange writes ids in any case in some payloads.
    assert tz.windows_to_iana(windows.upper()) == iana


@pytest.mark.parametrize(
    ("iana", "windows"),
    [
        ("Europe/Stockholm", "W. Europe Standard Time"),
        ("Europe/London", "GMT Standard Time"),
        ("Asia/Kolkata", "India Standard Time"),
        ("Asia/Calcutta", "India Standard Time"),
        ("Europe/Kyiv", "FLE Standard Time"),
        ("America/Argentina/Buenos_Aires", "Argentina Standard Time"),
        ("UTC", "UTC"),
        ("Etc/UTC", "UTC"),
    ],
)
def test_iana_to_windows(iana, windows):
    assert tz.iana_to_windows(iana) == windows


def test_every_windows_zone_round_trips_through_iana():
    from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

    for windows in MS_TIMEZONE_TO_IANA_MAP:
        iana = tz.windows_to_iana(windows)
        tz.get_zone(iana)  # a zone this Python can load
        back = tz.iana_to_windows(iana)
        if windows.lower() == "tzone://microsoft/utc":
            assert back == "UTC"
        else:
            assert back == windows


def test_unknown_names_are_refused_with_the_name():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        tz.to_iana("Mars/Olympus")
    with pytest.raises(ValueError, match="Nowhere Standard Time"):
        tz.windows_to_iana("Nowhere Standard Time")
    with pytest.raises(ValueError, match="no Windows equivalent"):
        tz.iana_to_windows("localtime")


def test_empty_zone_means_utc():
    assert tz.to_iana(None) == "UTC"
    assert tz.to_iana("") == "UTC"


def test_local_to_utc_follows_daylight_saving():
    winter = datetime(2026, 1, 12, 9, 0)
    summer = datetime(2026, 7, 13, 9, 0)
    assert tz.to_utc(winter, "Europe/Berlin") == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    assert tz.to_utc(summer, "W. Europe Standard Time") == datetime(2026, 7, 13, 7, tzinfo=UTC)
    assert tz.to_local(datetime(2026, 7, 13, 7, tzinfo=UTC), "Europe/Berlin") == summer


def test_gap_and_fold_follow_the_documented_rule():
    # 29 March 2026 02:30 does not exist in Berlin: read with the winter offset (01:30 UTC).
    assert tz.to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Berlin") == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    # 25 October 2026 02:30 happens twice: the first (summer) one, 00:30 UTC.
    assert tz.to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Berlin") == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_aware_input_keeps_its_own_offset():
    aware = datetime(2026, 5, 1, 12, 0, tzinfo=tz.get_zone("Asia/Tokyo"))
    assert tz.to_utc(aware, "Europe/Berlin") == datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


def test_local_date_and_combine():
    late = datetime(2026, 5, 1, 23, 30, tzinfo=UTC)
    assert tz.local_date(late, "Europe/Berlin") == date(2026, 5, 2)
    assert tz.local_date(late, "America/New_York") == date(2026, 5, 1)
    assert tz.local_date(date(2026, 5, 1), "Asia/Tokyo") == date(2026, 5, 1)
    assert tz.combine_utc(date(2026, 5, 2), time(1, 30), "Europe/Berlin") == late
