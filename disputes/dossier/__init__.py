"""A case dossier anyone can verify: a PDF summary of the case and a ZIP of its evidence with a
``manifest.json`` of every file's SHA-256 and size (issue 16, item 2).

``contents`` gathers what the dossier says for one reader, ``pdf`` renders it with WeasyPrint,
``archive`` packs the ZIP and checks one; ``standalone_verify`` is the check packed inside it.
"""
