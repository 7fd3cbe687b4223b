"""Emulators of infrastructure products' CORS handling (methods 3-5).

``python -m corslab emulate PRODUCT CONFIG [--port P] [--upstream URL] [--target NAME=URL]...``

Each product lives in its own module and exposes the same two functions:

    load(path: str) -> object
        Read and validate CONFIG in the product's own format. A config the product would reject
        raises ``corslab.errors.CorsLabError`` naming the file, the field and why.
    serve(config, *, host: str, port: int, upstream: str, targets: dict[str, str]) -> None
        Serve on host:port in the foreground, print ``ready on URL`` once listening, and return
        cleanly on SIGINT/SIGTERM.

PRODUCTS maps the product names of the contract to those modules (imported lazily).
"""

PRODUCTS: dict[str, str] = {
    "nginx": "corslab.emulate.nginx",
    "ingress-nginx": "corslab.emulate.ingress_nginx",
    "gateway-api": "corslab.emulate.gateway_api",
    "kong": "corslab.emulate.kong",
    "istio": "corslab.emulate.istio",
    "alb": "corslab.emulate.alb",
    "apigw-http": "corslab.emulate.apigw_http",
}
