"""CPU-portable numerics: the same floats from one thread on every x86-64 CPU.

A model trained with the same seed on an AMD EPYC and on an Intel Xeon (or on two AMD
generations) differs slightly by default: torch picks vector kernels by the CPU's width (AVX2,
AVX-512), oneDNN's LSTM and convolution kernels are compiled for the CPU at hand, and MKL picks
its matrix-product code by CPU. Those sums run in another order, and training amplifies the
difference. ``cpu_portable=true`` switches all three to CPU-independent paths:

* ``ATEN_CPU_CAPABILITY=default``: torch's baseline (non-vectorised) kernels;
* ``MKL_CBWR=COMPATIBLE``: MKL's conditional numerical reproducibility mode that Intel documents
  to give the same results on Intel and compatible (AMD) x86 processors;
* oneDNN off (``torch.backends.mkldnn.enabled = False``): LSTM and convolutions run on torch's
  own kernels and MKL.

The first two must be in the environment before torch starts (:data:`PORTABLE_ENV`); ``argmine``
sets them itself when ``cpu_portable=true`` is on its command line. Limits: one thread
(``OMP_NUM_THREADS=1``; more threads split sums by thread count), CPU only, and slower: the
STagBLCC check took 623 s for 8 epochs under ``bash .ci/run``, where 20 epochs without it had
taken 352 s (about 4x per epoch).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from argmine.errors import ConfigError

PORTABLE_ENV = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}


def wants_portable(argv: Sequence[str]) -> bool:
    """Whether Hydra overrides on a command line ask for ``cpu_portable=true``."""
    return any(arg.lstrip("+").lower() in {"cpu_portable=true", "cpu_portable=1"} for arg in argv)


def set_portable_env() -> None:
    """Set :data:`PORTABLE_ENV` in this process (before torch is imported)."""
    os.environ.update(PORTABLE_ENV)


def check_portable_cpu() -> None:
    """Raise :class:`ConfigError` unless this process runs torch's baseline kernels and MKL's
    compatible mode (i.e. the variables were set before torch started)."""
    # deferred: this module runs before torch starts (set_portable_env); only the check needs torch
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    if capability != "DEFAULT" or os.environ.get("MKL_CBWR") != "COMPATIBLE":
        raise ConfigError(
            f"cpu_portable=true: torch already runs {capability} kernels (MKL_CBWR="
            f"{os.environ.get('MKL_CBWR')!r}); give cpu_portable=true on the argmine command line, or set "
            + " ".join(f"{k}={v}" for k, v in PORTABLE_ENV.items()) + " before Python starts"
        )
