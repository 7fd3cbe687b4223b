"""CORS Lab: run every idea of Cross-Origin Resource Sharing against a real stack.

The package is split by concept (see DESIGN.md):
  topology  - services, ports, origins: the one source of truth
  policy    - the lab's CORS policy that every method states in its own format
  runner    - the native runner behind `python -m corslab up|down|status|logs`
  nginxconf - renders the nginx method configs for native runs and compose
  compose   - renders docker-compose.yml from the topology
"""

__version__ = "0.1.0"
