"""Retrieval benchmark on QMSum's val split: does the product's search find the turns that hold
the evidence?

python -m eval.qmsum [--data DIR] [--out eval/results] [--index DIR] [--limit-meetings N]

The meeting files go through the product's `ingest()` (its json reader reads QMSum's shape)
into one index, and every specific query is put to `Assistant.search` in its bm25, dense and
hybrid modes, pooled over all meetings and through the document filter (one meeting). Nothing
is written outside `--out` (and `--index`, when given).

data.py (queries, gold turns) -> turnmap.py (QMSum turn -> character span of the indexed text)
-> runner.py (search every mode) -> metrics.py (scores, paired comparisons) -> writeup.py;
benchmark.py is the command.
"""
