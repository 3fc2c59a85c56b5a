"""The public site: a thin MkDocs plugin over pure renderers (DESIGN §7, ADR 0009).

``model`` turns parsed records into a :class:`~imageledger.site.model.SiteLedger` (pure);
``render.*`` turn that into page Markdown, HTML blocks, JSON, feeds and the export (pure:
data in, strings or bytes out); ``load`` reads a ledger checkout and its log (adapter);
``build`` lists every generated file; ``plugin`` hands them to MkDocs. Moving off MkDocs
means replacing ``plugin`` and the page template, nothing else.
"""
