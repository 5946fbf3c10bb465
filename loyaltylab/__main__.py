"""``python -m loyaltylab report SPEC.toml --out report.html``: see :mod:`loyaltylab.cli`."""

import sys

from loyaltylab.cli import main

sys.exit(main())
