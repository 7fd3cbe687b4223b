"""CORS Lab: run every idea of Cross-Origin Resource Sharing against a real stack.

The package, by part (docs/architecture.md draws the layers; each package's docstring says what it
holds and what it may import). From the bottom up:

  fetch/     the browser model: origins, header rules, Chromium's reasons, the verdict, and the
             attack origins derived from an allowlist (pure, no I/O)
  errors     the one exception type the command line turns into one line; the timeout check
  stack/     topology (the one source of ports and origins), policy, ports, runner and its verbs,
             nginx host and configs, compose, labstack, safe_yaml
  probing/   probe, its display and verb, Chromium (launcher, scenarios), the playground's server
  emulate/   the products' CORS behaviour from their own configs (ingress-nginx, Gateway API,
             Kong, Istio, ALB, API Gateway, nginx)
  tools/     explain, generate, scan (each with its verb)
  course/    start(), lesson checkers, live helpers;  widgets/  the ipywidgets
  labs/      catalog, components, checker, `lab list|start|check|reset`
  site/      the course website (Sphinx + MyST-NB, English and Korean), the Korean notebooks'
             generator and translation files, the one repository setting (`site build|sync|ko|...`)
  cli        `python -m corslab VERB`
"""

__version__ = "0.1.0"
