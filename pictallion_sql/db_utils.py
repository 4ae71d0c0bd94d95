"""Maintenance: statistics, vacuum, analyze, integrity checks, backup and restore.

The implementation lives in ``pictallion_sql.admin.maintenance``; this module is the public
path (the name the earlier Python port used).
"""

from pictallion_sql.admin.maintenance import (
    BackupError,
    BackupResult,
    DatabaseStats,
    IntegrityCheck,
    IntegrityReport,
    MaintenanceResult,
    RestoreResult,
    analyze_database,
    backup_database,
    check_database_integrity,
    get_database_stats,
    get_table_info,
    restore_database,
    vacuum_database,
)

__all__ = [
    "BackupError",
    "BackupResult",
    "DatabaseStats",
    "IntegrityCheck",
    "IntegrityReport",
    "MaintenanceResult",
    "RestoreResult",
    "analyze_database",
    "backup_database",
    "check_database_integrity",
    "get_database_stats",
    "get_table_info",
    "restore_database",
    "vacuum_database",
]
