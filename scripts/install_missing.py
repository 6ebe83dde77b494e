"""Installs what a requirements file asks and the Python environment lacks, changing nothing else.

Usage: ``python scripts/install_missing.py requirements-dev.txt [--constraints FILE]...``, run
with the interpreter whose environment is meant (scripts/test and scripts/run pass ``$PY``).

The environment may be an Odoo's, whose packages are pinned by Odoo (Odoo 19 on Python 3.11
needs cryptography 3.4.8 and pyOpenSSL 21.0.0; a newer cryptography stops it from loading).
So:

- a requirement the environment already meets is left alone, and nothing is downloaded when
  every requirement is met;
- a requirement that an installed package does not meet (too old or too new) is reported in one
  line and left unmet: the installed version stays, and the tests say whether it is enough;
- what is missing is installed with every installed distribution pinned to its version as a
  pip constraint, plus the ``--constraints`` files (Odoo's requirements.txt) for packages that
  are not installed, so a new package comes in at the version Odoo would take. When pip finds
  no such set, one line says why and the command fails: nothing was changed.

Afterwards the installed versions are compared with those before; any change fails loudly.
Stdlib only (``packaging`` comes from pip itself when it is not installed).
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version
except ImportError:  # pip vendors it; every environment that can install has pip
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
    from pip._vendor.packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = (
    "import json, re\n"
    "from importlib import metadata\n"
    "seen = {}\n"
    "for d in metadata.distributions():\n"
    "    name = d.metadata['Name']\n"
    "    if name:\n"
    "        seen.setdefault(re.sub(r'[-_.]+', '-', name).lower(), d.version)\n"
    "print(json.dumps(seen))\n"
)


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def installed():
    """{canonical name: version} of this interpreter's environment, read in a fresh process
    (the first distribution on sys.path wins, as for imports)."""
    out = subprocess.run(
        [sys.executable, "-c", SNAPSHOT], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def requirement_lines(path):
    """(line, Requirement) for each requirement of a pip requirements/constraints file."""
    result = []
    for raw in Path(path).read_text().splitlines():
        line = re.split(r"(^|\s)#", raw, maxsplit=1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            result.append((line, Requirement(line)))
        except InvalidRequirement:
            print("%s: cannot read %r, ignored" % (path, line), file=sys.stderr)
    return result


def plan(requirements, have):
    """(missing requirement lines, one message per requirement an installed package misses)."""
    missing, unmet = [], []
    for line, req in requirements:
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = have.get(canonical(req.name))
        if version is None:
            missing.append(line)
        elif req.specifier and not req.specifier.contains(version, prereleases=True):
            unmet.append(
                "requirement %s is not met: %s %s is installed and stays (installed packages "
                "are never changed here); the tests run with it" % (line, req.name, version)
            )
    return missing, unmet


def constraints_text(have, extra_files):
    """Pins of everything installed, then the extra constraints for what is not installed."""
    lines = ["# installed: kept as they are"]
    for name, version in sorted(have.items()):
        try:
            Version(version)
        except InvalidVersion:
            continue  # a legacy version pip cannot pin; the check after the install covers it
        lines.append("%s==%s" % (name, version))
    for path in extra_files:
        if not Path(path).is_file():
            continue
        lines.append("# from %s, for packages not installed" % path)
        lines += [line for line, req in requirement_lines(path) if canonical(req.name) not in have]
    return "\n".join(lines) + "\n"


def pip_reason(log_text):
    """The most telling line of a failed pip run: which installed package blocks what."""
    lines = [x.strip() for x in log_text.splitlines() if x.strip()]
    pinned = [x.split("(constraint)", 1)[1].strip() for x in lines if "(constraint)" in x]
    for pin in pinned:
        name = canonical(re.split(r"[=<>!~ ;]", pin, maxsplit=1)[0])
        needs = [
            x
            for x in lines
            if " depends on " in x and canonical(x.split(" depends on ")[1]).startswith(name)
        ]
        if needs:
            return "%s is installed and pinned, but %s" % (pin, needs[-1])
    for marker in ("ERROR: Cannot install", "ERROR:"):
        for x in lines:
            if x.startswith(marker):
                return x
    return lines[-1] if lines else "pip printed nothing"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("requirements")
    parser.add_argument("--constraints", action="append", default=[])
    parser.add_argument("--log", default=str(ROOT / ".run" / "logs" / "pip.log"))
    args = parser.parse_args(argv)

    before = installed()
    missing, unmet = plan(requirement_lines(args.requirements), before)
    for message in unmet:
        print(message)
    if not missing:
        return 0

    log = Path(args.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    print("installing what is missing: %s (log: %s)" % (" ".join(missing), log))
    with tempfile.NamedTemporaryFile("w", suffix="-constraints.txt", delete=False) as pins:
        pins.write(constraints_text(before, args.constraints))
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    command += ["-c", pins.name, *missing]
    with log.open("w") as out:
        out.write("$ %s\n" % " ".join(command))
        out.flush()
        rc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT).returncode
    Path(pins.name).unlink()
    if rc != 0:
        print(
            "could not install %s without changing an installed package: %s (see %s)"
            % (" ".join(missing), pip_reason(log.read_text()), log)
        )
        return 1

    after = installed()
    changed = [
        "%s %s -> %s" % (name, version, after.get(name, "removed"))
        for name, version in sorted(before.items())
        if after.get(name) != version
    ]
    if changed:
        print("pip CHANGED installed packages, against its constraints: %s" % ", ".join(changed))
        return 1
    added = sorted(set(after) - set(before))
    print("added: %s" % ", ".join("%s %s" % (name, after[name]) for name in added))
    return 0


if __name__ == "__main__":
    sys.exit(main())
