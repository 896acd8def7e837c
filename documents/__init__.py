"""The document kit: what every PDF Flagpost renders is made with.

Fonts (``documents.fonts``), user text made safe and dates (``documents.text``),
the page, its styles and the numbered canvas (``documents.page``), pictures
checked and made safe to embed (``documents.images``), and producing a stored
document once (``documents.produce``). It imports no Flagpost app: case
summaries, committee packs and letters build on it.
"""
