"""``make test-portable``: the unit tests and strict nbval under other numerical code paths.

Stored notebook outputs and reference tests must not depend on which SIMD kernel a machine
picks: users run these notebooks in CI on hosted runners whose CPUs change from run to run.
Each code path below is one any x86-64 machine with AVX2 can take, chosen for one command
through environment variables (never in ``make test`` or CI, which leave them alone):

- OpenBLAS's kernel (``OPENBLAS_CORETYPE``) for numpy's and scipy's linear algebra;
- numpy's own SIMD loops (``NPY_DISABLE_CPU_FEATURES`` turns off its AVX2/AVX-512 dispatch
  targets, leaving the SSE4.2 baseline).

Before running the tests, each path is checked to be the one actually running (threadpoolctl
for OpenBLAS, numpy's dispatch table), so a machine that cannot take it fails loudly instead
of testing the default twice.

Usage: ``python tests/run_portable.py [pytest arguments]``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

NUMPY_SIMD = "X86_V3,X86_V4,AVX512_ICL,AVX512_SPR"  # numpy 2.x dispatch targets above SSE4.2
PATHS = [
    {"OPENBLAS_CORETYPE": "Haswell"},
    {"OPENBLAS_CORETYPE": "Sandybridge"},
    {"OPENBLAS_CORETYPE": "Nehalem", "NPY_DISABLE_CPU_FEATURES": NUMPY_SIMD},
]
PROBE = """
import json, os, numpy, scipy.linalg, threadpoolctl
from numpy._core._multiarray_umath import __cpu_features__ as f
print(json.dumps({"blas": sorted({i.get("architecture") for i in
                                  threadpoolctl.threadpool_info()
                                  if i["internal_api"] == "openblas"}),
                  "numpy_simd": sorted(k for k in os.environ["SIMD"].split(",") if f.get(k))}))
"""


def _running(env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], env={**env, "SIMD": NUMPY_SIMD},
                         capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if platform.machine() not in ("x86_64", "AMD64"):
        print(f"test-portable switches x86-64 kernels; this machine is {platform.machine()}")
        return 1
    base = {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")}
    print(">> default code path:", _running(base))
    failed = []
    for path in PATHS:
        env = {**base, **path}
        running = _running(env)
        label = " ".join(f"{k}={v}" for k, v in path.items())
        print(f">> {label}: {running}", flush=True)
        if running["blas"] != [path["OPENBLAS_CORETYPE"]]:
            print(f"   OpenBLAS runs {running['blas']}, not {path['OPENBLAS_CORETYPE']}: this "
                  "CPU cannot take that kernel")
            failed.append(label)
            continue
        if "NPY_DISABLE_CPU_FEATURES" in path and running["numpy_simd"]:
            print(f"   numpy still dispatches {running['numpy_simd']}")
            failed.append(label)
            continue
        if subprocess.run([sys.executable, "-m", "pytest", *argv], env=env).returncode:
            failed.append(label)
    if failed:
        print(">> test-portable FAILED under:", "; ".join(failed))
        return 1
    print(f">> test-portable: all {len(PATHS)} code paths give the stored outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
