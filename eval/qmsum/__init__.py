"""Retrieval benchmark on QMSum's val split: does search find the turns that hold the evidence?

python -m eval.qmsum [--data DIR] [--out eval/results] [--limit-meetings N]

Each meeting's turns go through the project's ingest path (Turn -> Chunk -> embedder -> Index)
and are searched with `retrieval.Searcher` in its bm25, dense and hybrid modes, under two
chunkings (the speaker-turn chunker, and windows of consecutive turns), in two settings: within
one meeting, and pooled over all meetings. Nothing is written outside `--out`.

data.py (meetings, queries, gold turns) -> index.py (chunks, vectors, in-memory Index) ->
runner.py (search every mode) -> metrics.py (scores, paired comparisons) -> report.py;
benchmark.py is the command.
"""
