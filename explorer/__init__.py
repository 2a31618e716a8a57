"""The explorer: a Dash web app for ranking, inspecting and exporting automation candidates.

Facade::

    from explorer import ExplorerConfig, export_process, serve
    serve(Path("work.duckdb"), "127.0.0.1", 8050, ExplorerConfig())
    export_process(Path("work.duckdb"), "3", "pdd").content
"""

from explorer.config import ExplorerConfig
from explorer.export import export as export_process
from explorer.server import check_bind, create_app, serve

__all__ = ["ExplorerConfig", "check_bind", "create_app", "export_process", "serve"]
