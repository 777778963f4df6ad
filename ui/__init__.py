"""The web page: the Gradio layout (`ui.layout`) with its tabs' handlers (`ui.chat`,
`ui.search`, `ui.corpus` with `ui.uploads`), what they share (`ui.live`, `ui.filters`,
`ui.examples`), the HTML they show (`ui.render`) and its look (`style.css`). `app.py` serves
it; this package never binds a port itself."""

from ui.layout import CSS, THEME, build_app

__all__ = ["CSS", "THEME", "build_app"]
