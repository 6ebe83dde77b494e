"""Schema validation of EWS messages: on with Microsoft's schema; without it, off with one line,
or an error naming the folder where the schema is required (CI, EWS_SCHEMA_REQUIRED=1)."""

import logging

import pytest
from lxml import etree

from exchange_simulator.schema import (
    SchemaMissing,
    Validator,
    schema_dir,
    schema_required,
    validator,
)

M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
GET_FOLDER = (
    '<m:GetFolder xmlns:m="%s" xmlns:t="%s">%s<m:FolderIds>'
    '<t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>'
)
SHAPE = "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"


@pytest.fixture(name="env")
def env_fixture(monkeypatch):
    """No CI, no EWS_SCHEMA_REQUIRED: each test sets what it is about."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("EWS_SCHEMA_REQUIRED", raising=False)
    return monkeypatch


@pytest.mark.ews_schema
def test_valid_and_invalid_elements():
    check = validator()
    assert check.enabled
    assert check.errors(etree.fromstring(GET_FOLDER % (M, T, SHAPE))) == []
    [problem] = check.errors(etree.fromstring(GET_FOLDER % (M, T, "")))
    assert "FolderIds" in problem and "FolderShape" in problem
    # Header elements validate on their own too.
    header = etree.fromstring('<t:RequestServerVersion xmlns:t="%s" Version="Exchange2016"/>' % T)
    assert check.errors(header) == []
    header.set("Version", "Exchange2099")
    assert check.errors(header)


def test_missing_schema_is_skipped_with_one_clear_line(tmp_path, caplog, env):
    with caplog.at_level(logging.WARNING, logger="exchange_simulator.schema"):
        check = Validator(tmp_path)
    assert not check.enabled
    assert check.errors(etree.fromstring(GET_FOLDER % (M, T, ""))) == []
    [record] = caplog.records
    line = record.getMessage()
    assert "validation is OFF" in line and str(tmp_path) in line and "EWS_SCHEMA_DIR=" in line
    assert "\n" not in line
    env.setenv("EWS_SCHEMA_DIR", str(tmp_path))
    assert schema_dir() == tmp_path


@pytest.mark.parametrize(
    ("ci", "required", "expected"),
    [
        (None, None, False),
        ("true", None, True),
        ("false", None, False),
        (None, "1", True),
        ("true", "0", False),  # a CI job that knowingly runs without the schema
        ("", "yes", True),
    ],
)
def test_where_the_schema_is_required(env, ci, required, expected):
    for name, value in (("CI", ci), ("EWS_SCHEMA_REQUIRED", required)):
        if value is not None:
            env.setenv(name, value)
    assert schema_required() is expected


@pytest.mark.parametrize("variable", ["CI", "EWS_SCHEMA_REQUIRED"])
def test_required_and_missing_is_an_error_naming_the_folder(tmp_path, env, variable):
    env.setenv(variable, "true")
    with pytest.raises(SchemaMissing) as caught:
        Validator(tmp_path / "ews-schema")
    assert str(tmp_path / "ews-schema") in str(caught.value)
    assert "EWS_SCHEMA_DIR" in str(caught.value)
