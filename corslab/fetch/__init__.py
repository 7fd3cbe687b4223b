"""The browser model: the Fetch standard's CORS protocol as Chromium applies it. Pure Python, no
network, no I/O.

  origins   parse, serialise and compare origins and sites (URL and HTML standards)
  headers   which methods and request headers are CORS-safelisted, forbidden, ... (Fetch §2.2)
  reasons   Chromium's console words for each blocked request, byte for byte
  model     the verdict: preflight needed, CORS check, preflight check, cache, exposed headers
  attacks   the attack origins derived from an allowlist: one generator for the graders,
            ``generate`` and ``scan``

May import: the standard library and :mod:`corslab.errors` only. Everything else in the kit
imports from here, never the other way round.
"""
