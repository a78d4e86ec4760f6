"""argmine.reproduce: run published settings over seeds/folds and compare with the papers."""
