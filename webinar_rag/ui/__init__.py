"""The web page: the Gradio layout (`layout`) with its tabs' handlers (`chat`, `search`,
`documents` with `uploads`), what they share (`live`, `filters`, `examples`), the HTML they
show (`render`) and its look (`style.css`); `serve` binds it to an address (`webinar-rag
serve`, `python app.py`)."""

from webinar_rag.ui.layout import THEME, build_app, stylesheet
from webinar_rag.ui.serve import allows_changes, configure_logging, launch, main, serve

__all__ = [
    "THEME",
    "allows_changes",
    "build_app",
    "configure_logging",
    "launch",
    "main",
    "serve",
    "stylesheet",
]
