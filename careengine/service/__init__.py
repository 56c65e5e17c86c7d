"""The CDS Hooks 2.0 service (``careengine serve``; docs/cds-hooks.md).

An optional part: it needs the ``service`` extra (``pip install 'careengine[service]'``: FastAPI,
uvicorn, PyJWT, SQLAlchemy 2 Core, psycopg 3). Nothing outside this package imports it, so the
library and the rest of the command line work without the extra.
"""

from __future__ import annotations
