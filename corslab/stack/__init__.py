"""The lab stack: what runs, where, and how it is started.

  topology   services, ports, origins and the port offset: the one source of truth
  policy     the lab's CORS policy, the same for every method
  ports      who holds a TCP port; a free one
  runner     the native runner (``up | down | status | logs``); cli holds those verbs
  nginxhost  the one nginx host (main config, start, stop, ``nginx -t``)
  nginxconf  the method configs, filled natively or for compose
  compose    docker-compose.yml, rendered from the topology
  labstack   what reached the stack's backends, and where a fix goes
  safe_yaml  bounded YAML for configs that may come from anyone

May import: :mod:`corslab.fetch`, :mod:`corslab.errors` and the standard library (Flask and nginx
are started as processes, not imported).
"""
