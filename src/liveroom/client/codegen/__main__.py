"""``python -m liveroom.client.codegen``."""

from liveroom.client.codegen import main

raise SystemExit(main())
