"""Many runs, one table: resumable Optuna sweeps and their reports, W&B sweeps, cross-validation."""
