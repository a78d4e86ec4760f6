"""The ``argmine train`` / ``argmine eval`` commands: Hydra entry points above the training layer,
and the dispatch of one run, a cross-validation or a fold (:mod:`argmine.runs.dispatch`)."""
