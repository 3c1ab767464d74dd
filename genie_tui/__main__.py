from genie_tui.cli import main

raise SystemExit(main())
