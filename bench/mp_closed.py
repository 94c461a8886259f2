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

With --full (after the arguments) it computes and prints, to DIGITS digits,
every quantity `ufm predict` prints and `ufm verify` compares: the
eigenvalues σ_j, the shrinkages s_j = 1 − √(c/σ_j) (0 for j ≥ r), W*W*ᵀ,
the bias b* = ȳ (free; absent for none), L*, the training MSE
r·c + Σ_{j≥r} σ_j, and the predictions Σ_{j<r} s_j v_j v_jᵀ Ỹ + ȳ1ᵀ
(n×M, docs/theory.md §3): the closed form as one side of verify.
"""
import json
import operator
import sys
from fractions import Fraction
from math import lcm

import mpmath as mp

GUARD = 16


def main():
    args = sys.argv[1:]
    full = "--full" in args
    args = [a for a in args if a != "--full"]
    if len(args) not in (1, 2):
        sys.exit("usage: mp_closed.py INSTANCE.json [DIGITS] [--full]")
    doc = json.load(open(args[0]), parse_float=str, parse_int=str)
    digits = int(args[1]) if len(args) == 2 else int(doc.get("digits", 50))
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
    if full:
        print_full(digits, n, M, L, Z, U, bias, sig, order, Q, c, r, A, Lstar)


def print_full(digits, n, M, L, Z, U, bias, sig, order, Q, c, r, A, Lstar):
    """The rest of predict's quantities (see the module comment)."""
    nstr = mp.nstr
    shrink = [1 - mp.sqrt(c / sig[j]) if j < r else mp.mpf(0) for j in range(n)]
    mse = r * c + sum(sig[r:])
    # Ỹ = U/(M·L) (free) or Z/L (none), exact integers rounded once.
    den = mp.mpf(M) * L if bias == "free" else mp.mpf(L)
    Yt = [[mp.mpf(u) / den for u in U[k]] for k in range(n)]
    ybar = [mp.mpf(sum(Z[k])) / (mp.mpf(M) * L) for k in range(n)] if bias == "free" else [mp.mpf(0)] * n
    # P = Σ_{j<r} s_j v_j v_jᵀ, predictions P·Ỹ + ȳ1ᵀ.
    V = [[Q[a, order[j]] for a in range(n)] for j in range(r)]
    P = [[mp.fsum(shrink[j] * V[j][a] * V[j][b] for j in range(r)) for b in range(n)] for a in range(n)]
    cols = list(zip(*Yt))
    print("sigma_eigenvalues", " ".join(nstr(x, digits) for x in sig))
    print("shrinkage", " ".join(nstr(x, digits) for x in shrink))
    print("ww", " ".join(nstr(A[a, b], digits) for a in range(n) for b in range(n)))
    if bias == "free":
        print("bias", " ".join(nstr(x, digits) for x in ybar))
    print("train_mse", nstr(mse, digits))
    for a in range(n):
        row = [mp.fdot(P[a], col) + ybar[a] for col in cols]
        print("predictions", a, " ".join(nstr(x, digits) for x in row))


if __name__ == "__main__":
    main()
