"""webinar-rag's own layers, under one name that cannot collide with other distributions:

    webinar_rag.core     errors, settings, the value types; imports nothing of ours
    webinar_rag.models   embedders, the question encoder, the reranker, the entity model
    webinar_rag.store    the Store protocol and its Writer: the index folder, PostgreSQL
    webinar_rag.cli      the `webinar-rag` command          (a face)
    webinar_rag.ui       the Gradio chat UI (`app.py`)       (a face)

`ingest` and `retrieval` sit between the store and the faces. Importing this package loads
nothing.
"""
