"""Scheduled backups: the printed systemd units pass ``systemd-analyze verify``; the crontab
line is a valid schedule and shell command that runs the backup."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from pictallion_sql.admin.schedule import BackupJob, cron_line, systemd_units
from tests.ops.conftest import ok


def write_units(units: dict[str, str], folder: Path) -> list[Path]:
    paths = []
    for name, text in units.items():
        path = folder / name
        path.write_text(text)
        paths.append(path)
    return paths


def parse_unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_printed_units_run_the_backup_set_command(new_sqlite_url: str, tmp_path: Path) -> None:
    units = ok(
        new_sqlite_url, "schedule-backup", "--print", "systemd", "--to", "/srv/backups",
        "--keep-daily", "3", "--json",
    ).json  # fmt: skip
    service = parse_unit(units["pictallion-backup.service"])
    timer = parse_unit(units["pictallion-backup.timer"])
    assert service["Service"]["Type"] == "oneshot"
    command = shlex.split(service["Service"]["ExecStart"])
    assert Path(command[0]).name == "pictallion-db" and Path(command[0]).is_absolute()
    assert command[1:] == [
        "backup", "--to", "/srv/backups", "--keep-daily", "3", "--keep-weekly", "4",
        "--keep-monthly", "12", "--verify",
    ]  # fmt: skip
    assert timer["Timer"]["Unit"] == "pictallion-backup.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    human = ok(new_sqlite_url, "schedule-backup", "--print", "systemd").stdout
    assert "# /etc/systemd/system/pictallion-backup.timer" in human


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """With systemd-analyze (the systemd package) the units are verified by systemd itself;
    without it, the strict INI parse of the test above is the check."""
    env_file = tmp_path / "backup.env"
    env_file.write_text("DATABASE_URL=sqlite:////var/lib/pictallion/pictallion.db\n")
    beside = Path(sys.executable).with_name("pictallion-db")
    program = (str(beside),) if beside.is_file() else (sys.executable, "-m", "pictallion_sql")
    job = BackupJob(program=program, folder="/srv/backups", environment_file=str(env_file))
    units = systemd_units(job)
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        for text in units.values():
            parse_unit(text)
        return
    paths = write_units(units, tmp_path)

    def verify(*files: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [analyze, "verify", "--man=no", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    done = verify(*paths)
    assert done.returncode == 0, done.stdout + done.stderr
    # The check can fail: a broken calendar is refused.
    broken = tmp_path / "broken"
    broken.mkdir()
    bad = systemd_units(BackupJob(program=program, folder="/srv", on_calendar="every full moon"))
    refused = verify(*write_units(bad, broken))
    assert refused.returncode != 0


def test_cron_line_is_a_schedule_and_a_shell_command(new_sqlite_url: str) -> None:
    line = ok(new_sqlite_url, "schedule-backup", "--print", "cron", "--to", "/srv/b").stdout.strip()
    fields = line.split(maxsplit=5)
    minute, hour, day, month, weekday, command = fields
    assert 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert (day, month, weekday) == ("*", "*", "*")
    syntax = subprocess.run(
        ["sh", "-n", "-c", command], capture_output=True, text=True, check=False
    )
    assert syntax.returncode == 0, syntax.stderr
    assert "backup --to /srv/b" in command and "--verify" in command
    assert "%" not in command.replace("\\%", "")  # a bare % would end the command in crontab


def test_percent_signs_are_escaped() -> None:
    job = BackupJob(program=("/usr/bin/pictallion-db",), folder="/srv/100%")
    assert "100\\%" in cron_line(job)
    service = systemd_units(job)["pictallion-backup.service"]
    assert "/srv/100%%" in service
