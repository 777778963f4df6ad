"""The chat UI's page: HTML rendering (`ui.render`), the Gradio layout and handlers (`ui.layout`)
and its look (`style.css`). `app.py` serves it; this package never binds a port itself."""

from ui.layout import CSS, THEME, build_app

__all__ = ["CSS", "THEME", "build_app"]
