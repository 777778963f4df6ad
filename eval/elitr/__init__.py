"""Question answering on ELITR-Bench's dev split: does the product answer questions about one
meeting, and quote the right person?

python -m eval.elitr [--data ZIP] [--out eval/results] [--backend extractive|llm|both]
                     [--local-llm [smollm2|gemma3]]

The 10 dev transcripts are extracted to a temporary folder (never into the repository) and
go through the product's `ingest()`; every question is asked about its own meeting with
`Assistant.ask(question, document=...)`, beside the plain LangChain baseline. It measures
only: nothing of the product is tuned on these questions (it is judged on a held-out split).

data.py (the zip) -> runner.py (ask every configuration) -> scoring.py (recall,
attribution, refusals) -> writeup.py; benchmark.py is the command.
"""
