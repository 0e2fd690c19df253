"""`python -m api.cli`: the `consentql` command without the console script."""

import sys

from api.cli import main

sys.exit(main())
