"""``python -m evalscope`` runs the command-line interface."""

from evalscope.cli import main

raise SystemExit(main())
