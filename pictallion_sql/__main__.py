"""``python -m pictallion_sql``: the ``pictallion-db`` command."""

import sys

from .cli import main

sys.exit(main())
