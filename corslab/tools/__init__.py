"""The tools a learner points at their own setup.

  explain   a browser console's CORS error in plain words, with the fix (explain_cli: the verb)
  generate  a secure CORS config for a product, checked in its emulator (generate_cli)
  scan      an attacker's probe of a live API (scan_cli)

May import: :mod:`corslab.fetch`, :mod:`corslab.stack`, :mod:`corslab.probing`,
:mod:`corslab.emulate`, :mod:`corslab.errors`. The ``*_cli`` modules import only the standard
library at the top, so every verb starts fast.
"""
