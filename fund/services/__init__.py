"""Use cases of the fund, one function each, each one database transaction.

Web views and CLI commands call these; these call the engine (``workflows``) and the models.
Authorization and the four-eyes rule are checked here, not only in pages.
"""
