"""``python -m evalscope`` runs the command-line interface."""

from evalscope.cli.main import main

raise SystemExit(main())
