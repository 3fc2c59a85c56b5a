"""Pure renderers: a :class:`~imageledger.site.model.SiteLedger` in, text or bytes out.

Every ledger string reaches HTML through :func:`imageledger.site.render.html.text`
(escaped, newlines as character references) and pages are raw HTML blocks, so no ledger
string is ever read as Markdown, HTML or a template.
"""
