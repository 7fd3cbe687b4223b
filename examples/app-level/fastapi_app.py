"""The lab API's CORS policy in FastAPI: CORSMiddleware (it is Starlette's CORSMiddleware).

Run:  ALLOWED_ORIGINS=http://localhost:3000,http://localhost:3001 \
          uvicorn --app-dir examples/app-level fastapi_app:app --port 9000

Docs: https://fastapi.tiangolo.com/tutorial/cors/ and Starlette's middleware/cors.py.
"""

import os
import uuid

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware


def create_app(allowed_origins: list[str]) -> FastAPI:
    app = FastAPI()

    app.add_middleware(
        CORSMiddleware,
        allow_origins=allowed_origins,        # exact strings; ["*"] would allow every origin
        allow_credentials=True,               # Access-Control-Allow-Credentials: true
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Content-Type", "Authorization", "X-Trace-Id"],
        expose_headers=["X-Request-Id"],      # the page may read it
        max_age=600,                          # seconds a browser may reuse the preflight answer
    )

    @app.get("/v1/users")
    def list_users(response: Response):
        response.headers["X-Request-Id"] = uuid.uuid4().hex
        return {"users": [{"id": 1, "name": "ada"}]}

    @app.put("/v1/users/{user_id}")
    def update_user(user_id: int, user: dict):
        return {"id": user_id, "name": user.get("name")}

    return app


def _origins_from_env() -> list[str]:
    value = os.environ.get("ALLOWED_ORIGINS", "")
    return [o.strip() for o in value.split(",") if o.strip()]


app = create_app(_origins_from_env())  # no ALLOWED_ORIGINS: no origin is allowed
