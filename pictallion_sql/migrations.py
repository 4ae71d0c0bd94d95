"""Applying and inspecting the versioned SQL migrations (yoyo).

The implementation lives in ``pictallion_sql.admin.migrations``; this module is the public path.
"""

from pictallion_sql.admin.migrations import (
    AdoptionError,
    MigrationManager,
    MigrationReport,
    MigrationStatus,
    UpgradeResult,
    apply_migrations,
    create_migration,
    migration_manager,
    migration_report,
    migration_status,
    reset_database,
    rollback_last,
    upgrade,
    upgrade_to_head,
)

__all__ = [
    "AdoptionError",
    "MigrationManager",
    "MigrationReport",
    "MigrationStatus",
    "UpgradeResult",
    "apply_migrations",
    "create_migration",
    "migration_manager",
    "migration_report",
    "migration_status",
    "reset_database",
    "rollback_last",
    "upgrade",
    "upgrade_to_head",
]
