"""The read-only web view: change timeline, article versions and diffs, sites, search, Atom feeds.

`create_app(database_url, ...)` builds the ASGI application; `serve(config, host, port)` runs it.
"""
