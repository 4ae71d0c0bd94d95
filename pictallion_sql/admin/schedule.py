"""Scheduled backups with the system's scheduler: a systemd service and timer, or a crontab line.

Nothing here runs in the background: the text printed is installed by the operator
(``docs/backups.md``), and the scheduler runs ``pictallion-db backup --to DIR --verify``
with the retention options at the chosen time.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["BackupJob", "cron_line", "systemd_units"]


@dataclass(frozen=True)
class BackupJob:
    """What a scheduled backup runs."""

    program: tuple[str, ...]  # the pictallion-db command: an absolute path (and arguments)
    folder: str
    keep_last: int = 0
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    verify: bool = True
    environment_file: str = "/etc/pictallion/backup.env"  # holds DATABASE_URL (0600)
    user: str = "pictallion"
    on_calendar: str = "*-*-* 03:15:00"  # systemd calendar; cron gets minute 15 hour 3
    cron_schedule: str = "15 3 * * *"

    def arguments(self) -> list[str]:
        args = [*self.program, "backup", "--to", self.folder]
        for option, value in (
            ("--keep-last", self.keep_last),
            ("--keep-daily", self.keep_daily),
            ("--keep-weekly", self.keep_weekly),
            ("--keep-monthly", self.keep_monthly),
        ):
            if value:
                args += [option, str(value)]
        if self.verify:
            args.append("--verify")
        return args


def _systemd_quote(args: Sequence[str]) -> str:
    # systemd's ExecStart splits on whitespace and honours double quotes; % starts a
    # specifier and must be doubled.
    def one(arg: str) -> str:
        arg = arg.replace("%", "%%")
        if arg and not any(c in arg for c in " \t\"'\\;"):
            return arg
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return " ".join(one(a) for a in args)


def systemd_units(job: BackupJob, name: str = "pictallion-backup") -> dict[str, str]:
    """``{"<name>.service": ..., "<name>.timer": ...}``: a oneshot service and its timer."""
    service = f"""[Unit]
Description=Pictallion database backup (verified, rotated)
Wants=network-online.target
After=network-online.target postgresql.service

[Service]
Type=oneshot
User={job.user}
EnvironmentFile={job.environment_file}
UMask=0077
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
ExecStart={_systemd_quote(job.arguments())}
"""
    timer = f"""[Unit]
Description=Run the Pictallion database backup daily

[Timer]
OnCalendar={job.on_calendar}
Persistent=true
RandomizedDelaySec=10min
Unit={name}.service

[Install]
WantedBy=timers.target
"""
    return {f"{name}.service": service, f"{name}.timer": timer}


def cron_line(job: BackupJob) -> str:
    """One crontab line (for ``crontab -e`` of the backup user); output goes to syslog."""
    command = " ".join(shlex.quote(a) for a in job.arguments())
    env = shlex.quote(job.environment_file)
    # % is special in crontab (it ends the command): escaped here.
    line = (
        f"{job.cron_schedule} set -a && . {env} && set +a && {command} 2>&1 "
        "| logger -t pictallion-backup"
    )
    return line.replace("%", "\\%")
