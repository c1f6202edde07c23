"""`cadenza eval`: score any model folder (Markov, Transformer) against a dataset's held-out clips
and write the report into the model card. Metrics are pure functions in metrics.py, the style
classifier in classifier.py, the copy detector in originality.py, the run in runner.py."""
