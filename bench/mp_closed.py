#!/usr/bin/python3
"""The closed form of docs/theory.md §3 with mpmath, one side only (issue 15's
"mpmath closed form" column), for timing side by side with ufm.

Usage: /usr/bin/python3 mp_closed.py INSTANCE.json [DIGITS]

Steps (bias free or none, λ_H, λ_W > 0, as the benchmark instances):
  Σ = Ỹ Ỹᵀ / M exactly (Python integers over one common denominator),
  rounded once to mpf at DIGITS + 16 guard digits (ufm's bigmat.GuardDigits);
  mp.eigsy(Σ) at that precision;
  r = min(d, #{σ_j > c}) (floating comparison: no exact tie decision);
  W*W*ᵀ = Σ_{j<r} √(λ_H/λ_W)(√σ_j − √c) v_j v_jᵀ;
  L* = Σ_{j<r} (√(cσ_j) − c/2) + ½ Σ_{j≥r} σ_j.
Prints L*, σ_1 and ‖W*W*ᵀ‖_F to DIGITS digits (so a run can be eyeballed
against ufm), and nothing about timing: time it from outside.
"""
import json
import operator
import sys
from fractions import Fraction
from math import lcm

import mpmath as mp

GUARD = 16


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: mp_closed.py INSTANCE.json [DIGITS]")
    doc = json.load(open(sys.argv[1]), parse_float=str, parse_int=str)
    digits = int(sys.argv[2]) if len(sys.argv) == 3 else int(doc.get("digits", 50))
    mp.mp.dps = digits + GUARD
    Y = [[Fraction(str(v)) for v in row] for row in doc["targets"]]
    M, n = len(Y), len(Y[0])
    lh, lw = Fraction(str(doc["lambda_h"])), Fraction(str(doc["lambda_w"]))
    d = int(doc["d"])
    bias = doc.get("bias", "free")
    if lh <= 0 or lw <= 0 or bias not in ("free", "none"):
        sys.exit("mp_closed.py: only λ_H, λ_W > 0 with bias free or none")
    # Exact Σ: Z = L·Y integer, U = M·Z − s·1ᵀ (free) or M·Z, Σ = U Uᵀ / (M³ L²).
    L = 1
    for row in Y:
        for y in row:
            L = lcm(L, y.denominator)
    Z = [[int(Y[i][k] * L) for i in range(M)] for k in range(n)]
    U = []
    for k in range(n):
        s = sum(Z[k]) if bias == "free" else 0
        U.append([M * z - s for z in Z[k]])
    den = mp.mpf(M) ** 3 * mp.mpf(L) ** 2
    S = mp.matrix(n, n)
    for k in range(n):
        for l in range(k, n):
            v = mp.mpf(sum(map(operator.mul, U[k], U[l]))) / den
            S[k, l] = v
            S[l, k] = v
    E, Q = mp.eigsy(S)
    order = sorted(range(n), key=lambda j: -E[j])
    sig = [E[j] for j in order]
    c = mp.mpf(lh.numerator) / lh.denominator * mp.mpf(lw.numerator) / lw.denominator
    r = min(d, sum(1 for x in sig if x > c))
    scale = mp.sqrt((mp.mpf(lh.numerator) / lh.denominator) / (mp.mpf(lw.numerator) / lw.denominator))
    A = mp.matrix(n, n)
    for jj in range(r):
        j = order[jj]
        w = scale * (mp.sqrt(E[j]) - mp.sqrt(c))
        for a in range(n):
            wa = w * Q[a, j]
            for b in range(a, n):
                A[a, b] += wa * Q[b, j]
    for a in range(n):
        for b in range(a):
            A[a, b] = A[b, a]
    Lstar = sum(mp.sqrt(c * x) - c / 2 for x in sig[:r]) + sum(sig[r:]) / 2
    print("min_loss", mp.nstr(Lstar, digits))
    print("sigma_1", mp.nstr(sig[0], digits))
    print("ww_frobenius", mp.nstr(mp.mnorm(A, "f"), digits))


if __name__ == "__main__":
    main()
