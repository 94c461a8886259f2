#!/usr/bin/python3
"""Reference NRC1/NRC2 (docs/theory.md §4) in numpy, for cross-checking and timing
the Go package ufm/metrics on the same .npy files.

usage: bench_numpy.py FEATURES.npy WEIGHTS.npy [--uncentered] [--repeat K]

Prints one JSON line: nrc1, nrc2, evr (all d ratios), weights_rank, zero,
seconds (best of K runs, file loading excluded).
"""
import json
import sys
import time

import numpy as np


def nrc12(H, W, center=True, zero_rel=1e-12):
    H = np.asarray(H, dtype=np.float64)
    M, d = H.shape
    n = W.shape[0]
    maxnorm = np.sqrt((H * H).sum(axis=1)).max()
    X = H - H.mean(axis=0) if center else H
    C = X.T @ X / M
    lam, V = np.linalg.eigh(C)          # ascending
    lam, V = lam[::-1], V[:, ::-1]
    k = min(n, d)
    U = V[:, :k]
    norms = np.sqrt((X * X).sum(axis=1))
    keep = norms > zero_rel * maxnorm
    Xk = X[keep]
    nk = norms[keep]
    if k < d:
        R1 = Xk - (Xk @ U) @ U.T
        nrc1 = float(np.minimum(1.0, ((R1 * R1).sum(axis=1)) / nk**2).sum() / M)
    else:
        nrc1 = 0.0
    s = np.linalg.svd(W, compute_uv=False)
    tol = max(W.shape) * 2.0**-52
    r = int((s > tol * s[0]).sum()) if s[0] > 0 else 0
    if r == 0:
        nrc2 = float(keep.sum()) / M
    elif r == d:
        nrc2 = 0.0
    else:
        _, _, Vt = np.linalg.svd(W, full_matrices=False)
        Q = Vt[:r].T
        R2 = Xk - (Xk @ Q) @ Q.T
        nrc2 = float(np.minimum(1.0, ((R2 * R2).sum(axis=1)) / nk**2).sum() / M)
    tr = np.trace(C)
    evr = (np.clip(lam, 0, None) / tr).tolist() if tr > 0 else []
    return nrc1, nrc2, evr, r, int(M - keep.sum())


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    center = "--uncentered" not in argv
    repeat = 1
    if "--repeat" in argv:
        repeat = int(argv[argv.index("--repeat") + 1])
        args.remove(argv[argv.index("--repeat") + 1])
    H = np.load(args[0])
    W = np.load(args[1]).astype(np.float64)
    if W.ndim == 1:
        W = W[None, :]
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = nrc12(H, W, center)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    nrc1, nrc2, evr, r, zero = out
    print(json.dumps({"nrc1": nrc1, "nrc2": nrc2, "evr": evr, "weights_rank": r,
                      "zero": zero, "seconds": best}))


if __name__ == "__main__":
    main(sys.argv[1:])
