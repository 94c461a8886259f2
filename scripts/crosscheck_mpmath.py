#!/usr/bin/env python3
"""Independent cross-check of `ufm predict` with mpmath (developer tool).

Usage: scripts/crosscheck_mpmath.py INSTANCE.json [UFM_BINARY]

Recomputes Σ, A*, L* and the training MSE of docs/theory.md §3 with mpmath at 100
digits (its own eigsy, nothing shared with ufm) and prints the number of
decimal digits on which `ufm predict --digits 60 --json` agrees. Needs
python3-mpmath. The project's tests do not depend on this script.
"""
import json, os, shutil, subprocess, sys
from fractions import Fraction
import mpmath as mp

mp.mp.dps = 100

def rat(x):
    s = str(x)
    return Fraction(s) if "/" in s else Fraction(s)

def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: crosscheck_mpmath.py INSTANCE.json [UFM_BINARY]")
    path = sys.argv[1]
    ufm = sys.argv[2] if len(sys.argv) > 2 else shutil.which("ufm") or "./ufm"
    if not os.path.exists(ufm) and not shutil.which(ufm):
        sys.exit("crosscheck_mpmath.py: no ufm binary at %s (make build, then pass bin/ufm)" % ufm)
    doc = json.load(open(path), parse_float=str, parse_int=str)
    Y = [[rat(v) for v in row] for row in doc["targets"]]
    M, n = len(Y), len(Y[0])
    lh, lw = rat(doc["lambda_h"]), rat(doc["lambda_w"])
    d = int(doc["d"])
    bias = doc.get("bias", "free")
    mean = [sum(Y[i][k] for i in range(M)) / M for k in range(n)] if bias != "none" else [Fraction(0)] * n
    Yt = [[Y[i][k] - mean[k] for k in range(n)] for i in range(M)]
    S = [[sum(Yt[i][k] * Yt[i][l] for i in range(M)) / M for l in range(n)] for k in range(n)]
    c = lh * lw
    Sm = mp.matrix(n, n)
    for k in range(n):
        for l in range(n):
            Sm[k, l] = mp.mpf(S[k][l].numerator) / S[k][l].denominator
    E, Q = mp.eigsy(Sm)
    order = sorted(range(n), key=lambda j: -E[j])
    sig = [E[j] for j in order]
    cm = mp.mpf(c.numerator) / c.denominator
    active = sum(1 for s in sig if s > cm)  # floating point: fine away from exact ties
    r = min(d, active)
    scale = mp.sqrt(mp.mpf(lh.numerator) / lh.denominator / (mp.mpf(lw.numerator) / lw.denominator)) if lw else 0
    A = mp.matrix(n, n)
    for jj in range(r):
        j = order[jj]
        w = scale * (mp.sqrt(E[j]) - mp.sqrt(cm))
        v = Q[:, j]
        A += w * (v * v.T)
    L = sum(mp.sqrt(cm * s) - cm / 2 for s in sig[:r]) + sum(sig[r:]) / 2
    mse = r * cm + sum(sig[r:])
    out = json.loads(subprocess.run([ufm, "predict", path, "--digits", "60", "--json"],
                                    capture_output=True, text=True, check=True).stdout)

    def digits(a, b, scale_):
        err = abs(mp.mpf(a) - b)
        if err == 0:
            return 99
        return int(mp.floor(-mp.log10(err / max(abs(b), scale_))))

    print(f"{doc.get('name', path)}: regime {out['regime']} rank {out['rank']} (mpmath r = {r})")
    print("  min_loss digits:", digits(out["min_loss"], L, mp.mpf(1e-300)))
    print("  train_mse digits:", digits(out["train_mse"], mse, mp.mpf(1e-300)))
    if out["ww"]:
        err = max(abs(mp.mpf(out["ww"][i][j]) - A[i, j]) for i in range(n) for j in range(n))
        nrm = max(mp.mpf(1e-300), mp.norm(A))
        print("  ww digits:", 99 if err == 0 else int(mp.floor(-mp.log10(err / nrm))))

main()
