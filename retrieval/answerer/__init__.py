"""The offline answerer, one room read top to bottom:

answerer.py   score every sentence of the retrieved passages (meaning, passage, words, the
              kind of answer asked for), judge whether the best one answers at all, and
              hand the winners on to be quoted
quotes.py     choose the quotes (the best and close runners-up, or one per speaker), widen
              each to the sentence it leans on, and write them with their citations
expect.py     what kind of answer a question asks for (a person, a date, a number...)
"""

from retrieval.answerer.answerer import REFUSAL, Draft, ExtractiveAnswerer
from retrieval.answerer.expect import Expectation, expect
from retrieval.answerer.quotes import Scored

__all__ = ["REFUSAL", "Draft", "Expectation", "ExtractiveAnswerer", "Scored", "expect"]
