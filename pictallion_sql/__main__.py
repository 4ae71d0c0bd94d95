"""``python -m pictallion_sql``: the ``pictallion-db`` command."""

import sys

from pictallion_sql.admin.cli import main

sys.exit(main())
