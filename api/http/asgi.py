"""The ASGI entry point uvicorn imports in each worker: `api.http.asgi:app`."""

from api.http.app import create_app

app = create_app()
