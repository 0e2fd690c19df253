"""The ASGI entry point uvicorn imports in each worker: `api.http.asgi:app`."""

import gc

from api.http.app import create_app

app = create_app()

# What a worker made on starting (its modules, the schema, the app) lives as long as it does:
# moved out of the collector's reach, it is no longer walked by every collection the requests'
# garbage sets off. The garbage of start-up itself is collected first, not kept for good.
gc.collect()
gc.freeze()
