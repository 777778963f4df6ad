"""The answer judge's training (`python -m eval.judge.train`): QMSum train meetings, their
queries asked of their own meeting and of others, the candidates' features, two logistic
regressions written to webinar_rag/models/judge.json."""
