"""The course as a website, in English and Korean.

``links`` holds the one setting (the GitHub repository) every public address derives from;
``translation`` makes the Korean notebooks from the English ones and their translation files;
``build`` executes the notebooks against the stack and renders the site with Sphinx + MyST-NB
(``conf.py``); ``cli`` is ``python -m corslab site``.
"""
