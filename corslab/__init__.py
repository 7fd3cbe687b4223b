"""CORS Lab: run every idea of Cross-Origin Resource Sharing against a real stack.

The package, by part (docs/architecture.md shows how the parts fit; the pure browser model is at
the bottom, the stack and the probe above it, the CLI, course and labs on top):

  the browser model  origins, fetch_headers, reasons, model - the Fetch standard's CORS protocol
                     as Chromium applies it: origins, header rules, Chromium's console texts, the
                     verdict; errors (the one exception type, and the timeout check)
  the stack          topology (services, ports, origins, the port offset: the one source of
                     truth), policy (the lab's CORS policy), runner (`up|down|status|logs`),
                     nginxhost (the one nginx host), nginxconf (the method configs), ports (who
                     holds a port), compose (docker-compose.yml), safe_yaml (bounded YAML)
  the probe          probe (send what a browser would send), labstack (what reached the stack's
                     backends), probe_display (report and sequence picture), probe_cli
  products           emulate/ (ingress-nginx, Gateway API, Kong, Istio, ALB, API Gateway, nginx)
  real Chromium      chromium (find and launch it, Playwright in a thread of its own), browser
                     (a scenario in Chromium), playground (the playground page's server side)
  tools              explain/explain_cli (a console line in plain words), generate/generate_cli
                     (a secure config per product), scan/scan_cli (an attacker's probe of an API)
  the course         course/ (start(), lesson checkers, live helpers), widgets/ (ipywidgets)
  the labs           labs/ (catalog, components, checker, `lab list|start|check|reset`)
  cli                `python -m corslab VERB`
"""

__version__ = "0.1.0"
