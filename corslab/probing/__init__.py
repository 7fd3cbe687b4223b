"""Probing: send what a browser would send, and run the same thing in a real browser.

  wire        one bounded raw HTTP exchange (whole-request deadline, size cap); printable()
  probe       the probe: raw exchanges, redirects, cookies, cache; the model's verdict on them
  display     the CLI's text report and Jupyter's sequence picture
  cli         ``python -m corslab probe``
  chromium    find and launch Chromium; Playwright in a thread of its own
  browser     a scenario run in real Chromium from the lab page of its origin
  playground  the playground page's server side (the kit's prediction next to the browser)

May import: :mod:`corslab.fetch`, :mod:`corslab.stack`, :mod:`corslab.errors`.
"""
