"""CORS Lab: run every idea of Cross-Origin Resource Sharing against a real stack.

The package is split by concept (docs/architecture.md shows how the parts fit):
  topology  - services, ports, origins: the one source of truth
  policy    - the lab's CORS policy that every method states in its own format
  runner    - the native runner behind `python -m corslab up|down|status|logs`
  nginxconf - renders the nginx method configs for native runs and compose
  compose   - renders docker-compose.yml from the topology
  ports     - who holds a TCP port
  origins, fetch_headers, reasons, model - the Fetch standard's CORS protocol as Chromium applies
              it: origins, header rules, Chromium's console texts, the verdict
  probe, probe_cli, probe_display - send what a browser would send; report, CLI and Jupyter view
  emulate/  - the products of methods 3-5 (ingress-nginx, Gateway API, Kong, Istio, ALB, API GW)
"""

__version__ = "0.1.0"
