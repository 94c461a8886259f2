#!/usr/bin/env python3
"""Check a ufm certificate (format ufm-certificate/1) with exact rationals.

Usage: python3 check_certificate.py CERT.json
Exit 0 valid, 1 invalid, 2 unreadable.  Standard library only; every number
is a fractions.Fraction, so nothing is rounded.  The mathematics (lemma ids in
the certificate): L(W,H,b) >= f(W H~) with f(Z) = |Z - Y~|^2/(2M) + sqrt(c/M)|Z|_*
(bias-split, factorization-nuclear); f >= <Lam,Y~> - M/2 |Lam|^2 whenever
(c/M)I - Lam Lam^T is positive definite (weak-duality); or, with rank <= k =
min(d,n), f >= tr(Sigma)/2 - sum_{i<=k} phi(sigma_i), phi(s) = (sqrt s - sqrt c)_+^2/2
(mirsky-von-neumann); bias regularized adds - |Lam 1|^2/(2 lambda_b) with Y~ = Y
(bias-regularized-duality).  Eigenvalue counts come from the signs of LDL^T pivots
(sylvester-inertia).  See docs/formats.md, section Certificates.
"""
import json
import re
import sys
from fractions import Fraction as F

if hasattr(sys, "set_int_max_str_digits"):  # Python >= 3.11 caps int(str) at 4300 digits
    sys.set_int_max_str_digits(0)  # numbers are capped at 60000 characters below instead
RAT = re.compile(r"^-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?$")
NEED = ["bias-split", "factorization-nuclear", "sylvester-inertia",
        "rational-sqrt-bounds", "closed-form-spectral", "nonnegative"]

class Unreadable(Exception):  # exit 2
    pass

class Invalid(Exception):  # exit 1
    pass

def num(s):
    if not isinstance(s, str) or len(s) > 60000 or not RAT.match(s):
        raise Unreadable("not an exact rational \"p/q\": %.40r" % (s,))
    return F(s)

def vec(v, n, what):
    if not isinstance(v, list) or len(v) != n:
        raise Unreadable("%s: want %d entries" % (what, n))
    return [num(x) for x in v]

def mat(m, r, c, what):
    if not isinstance(m, list) or len(m) != r:
        raise Unreadable("%s: want %d rows" % (what, r))
    return [vec(row, c, what) for row in m]

def matmul(a, b):
    return [[sum(x * b[l][j] for l, x in enumerate(row)) for j in range(len(b[0]))] for row in a]

def gram(a):
    return [[sum(x * y for x, y in zip(u, v)) for v in a] for u in a]

frob2 = lambda a: sum(x * x for row in a for x in row)  # noqa: E731

def positive_pivots(a):
    """Number of positive LDL^T pivots of symmetric a; None on a zero pivot."""
    a = [row[:] for row in a]
    n, pos = len(a), 0
    for k in range(n):
        p = a[k][k]
        if p == 0:
            return None
        pos += p > 0
        for i in range(k + 1, n):
            f = a[i][k] / p
            for j in range(k + 1, n):
                a[i][j] -= f * a[k][j]
    return pos

def shift(sig, t):  # Sigma - t I
    return [[x - (t if i == j else 0) for j, x in enumerate(row)] for i, row in enumerate(sig)]

def center(rows, m):
    return [[x - sum(row) / m for x in row] for row in rows]

def phi(t, s, c):  # bound of phi(sigma) = (sqrt(sigma) - sqrt(c))_+^2 / 2 from sigma ~ t, s ~ sqrt(ct)
    return F(0) if t <= c else max(F(0), (t + c) / 2 - s)

def narrow(lo, hi, digits):
    return hi == lo or (lo > 0 and (hi - lo) * 10 ** digits <= lo)

def check(doc):
    if not isinstance(doc, dict) or doc.get("format") != "ufm-certificate/1":
        raise Unreadable("format is not ufm-certificate/1")
    inst = doc["instance"]
    t = inst["targets"]
    if not isinstance(t, list) or not t or not isinstance(t[0], list) or not t[0]:
        raise Unreadable("instance.targets: empty")
    m, n, d, bias = len(t), len(t[0]), inst["d"], inst["bias"]
    if n > 32 or m > 4096 or n * m > 20000 or not isinstance(d, int) or d < 1:
        raise Unreadable("instance: size beyond the caps or bad d")
    reg = bias == "regularized"
    if bias not in ("free", "none", "regularized") or reg != ("lambda_b" in inst):
        raise Unreadable("instance.bias must be free, none or regularized (with lambda_b)")
    digits = doc["digits"]
    if not isinstance(digits, int) or not 1 <= digits <= 2000:
        raise Unreadable("digits out of range")
    Y = [list(col) for col in zip(*mat(t, m, n, "targets"))]  # n x M
    lh, lw = num(inst["lambda_h"]), num(inst["lambda_w"])
    lbias = num(inst["lambda_b"]) if reg else None
    if lh < 0 or lw < 0 or (lh == 0) != (lw == 0) or (reg and (lbias <= 0 or lh == 0)):
        raise Unreadable("a certificate needs lambda_h, lambda_w both > 0 or both 0 (and lambda_b > 0)")
    c, k, none = lh * lw, min(n, d), bias == "none"
    pt, lb = doc["point"], doc["lower_bound"]
    kp = len(pt["w"][0]) if pt["w"] and isinstance(pt["w"][0], list) else 0
    if not 1 <= kp <= min(d, 32):
        raise Unreadable("point.w: bad number of columns")
    W, H, b = mat(pt["w"], n, kp, "point.w"), mat(pt["h"], kp, m, "point.h"), vec(pt["b"], n, "point.b")
    lower, upper = num(doc["lower"]), num(doc["upper"])
    method = lb.get("method")
    if method not in ("dual", "mirsky") or (reg and method != "dual") or (lh == 0 and method != "mirsky"):
        raise Unreadable("lower_bound.method must be dual or mirsky (dual for bias regularized)")
    Lam = mat(lb["lambda"], n, m, "lower_bound.lambda") if method == "dual" else None
    if reg and any(x in doc for x in ("spectrum", "closed_form", "predictions", "train_mse")):
        raise Unreadable("bias regularized: no spectrum, closed_form, predictions or train_mse")
    if not reg:
        sp = doc["spectrum"]
        su, sl = vec(sp["upper"], k, "spectrum.upper"), vec(sp["lower"], k, "spectrum.lower")
        ru, rl = vec(sp["root_c_upper"], k, "root_c_upper"), vec(sp["root_c_lower"], k, "root_c_lower")
        cfl, cfu = num(doc["closed_form"]["lower"]), num(doc["closed_form"]["upper"])
    # --- from here on every number is read: only claims can fail ---
    lemmas = {l.get("id") for l in doc["lemmas"]}
    need = NEED + (["weak-duality"] if Lam else ["mirsky-von-neumann"])
    if reg:
        need = ["factorization-nuclear", "bias-regularized-duality", "sylvester-inertia"]
    if doc.get("predictions") or doc.get("train_mse"):
        need.append("strong-convexity")
    if not reg and c == 0 and k == n:
        need.append("trace-identity")
    for lem in need:
        if lem not in lemmas:
            raise Invalid("lemma %s is used but not named" % lem)
    if lower > upper:
        raise Invalid("lower > upper")
    if none and any(b):
        raise Invalid("point.b must be zero for bias none")
    Yt = Y if none or reg else center(Y, m)
    R = matmul(W, H)
    loss = sum((R[i][j] + b[i] - Y[i][j]) ** 2 for i in range(n) for j in range(m)) / (2 * m)
    loss += lh * frob2(H) / (2 * m) + lw * frob2(W) / 2 + (lbias * frob2([b]) / 2 if reg else 0)
    if loss > upper:
        raise Invalid("upper is below L at the point")
    if Lam:
        K = [[-x for x in row] for row in gram(Lam)]
        for i in range(n):
            K[i][i] += c / m
        if positive_pivots(K) != n:
            raise Invalid("(c/M)I - Lambda Lambda^T is not positive definite")
        bound = sum(x * y for r1, r2 in zip(Lam, Yt) for x, y in zip(r1, r2)) - F(m, 2) * frob2(Lam)
        if reg:
            bound -= sum(sum(row) ** 2 for row in Lam) / (2 * lbias)
    if reg:
        if lower > bound:
            raise Invalid("lower exceeds the recomputed dual bound")
        pd = doc["proved_digits"]
        if not (doc["verdict"] == "bounds" and pd == 0) and not (isinstance(pd, int) and 0 < pd <= 2000 and
                doc["verdict"] == "enclosed to %d digits" % pd and narrow(lower, upper, pd)):
            raise Invalid("verdict is not implied (bias regularized)")
        return "%s: VALID (dual, bias regularized); %s" % (inst.get("name"), doc["verdict"])
    sig = [[x / m for x in row] for row in gram(Yt)]
    for i in range(k):
        p = positive_pivots(shift(sig, su[i]))
        if p is None or p > i:
            raise Invalid("spectrum.upper[%d] is not an upper bound of sigma_%d" % (i, i + 1))
        p = positive_pivots(shift(sig, sl[i]))
        if p is None or p < i + 1:
            raise Invalid("spectrum.lower[%d] is not a lower bound of sigma_%d" % (i, i + 1))
        if ru[i] < 0 or ru[i] ** 2 > c * su[i] or rl[i] < 0 or rl[i] ** 2 < c * sl[i]:
            raise Invalid("square-root bound %d fails" % i)
    half_tr = sum(sig[i][i] for i in range(n)) / 2
    mirsky = max(F(0), half_tr - sum(phi(su[i], ru[i], c) for i in range(k)))  # L >= 0 (nonnegative)
    cf_hi = half_tr - sum(phi(sl[i], rl[i], c) for i in range(k))
    if c == 0 and k == n:  # trace-identity: the closed form is tr/2 - sum sigma_i/2 = 0
        cf_hi = F(0)
    if not Lam:
        bound = mirsky
    if lower > bound:
        raise Invalid("lower exceeds the recomputed %s bound" % method)
    if cfl > (0 if c == 0 and k == n else mirsky) or cfu < cf_hi:
        raise Invalid("closed_form interval does not contain the recomputed one")
    implied(doc, Lam, lower, upper, m, W, H, Yt, none)
    cf_lo = F(0) if c == 0 and k == n else mirsky
    refuted = cf_lo > upper or cf_hi < lower
    pd = doc["proved_digits"]
    if doc["verdict"] == "refuted":
        if not refuted:
            raise Invalid("verdict refuted, but the intervals meet")
    elif pd:
        if not isinstance(pd, int) or pd < 0 or pd > 2000 or refuted or not narrow(lower, upper, pd) \
                or not narrow(cf_lo, cf_hi, pd) or doc["verdict"] != "proved to %d digits" % pd:
            raise Invalid("proved_digits is not implied by the intervals")
    elif doc["verdict"] != "bounds":
        raise Invalid("unknown verdict")
    return "%s: VALID (%s); %s" % (inst.get("name"), method, doc["verdict"])

def implied(doc, Lam, lower, upper, m, W, H, Yt, none):
    pr, ms = doc.get("predictions"), doc.get("train_mse")
    if not Lam:
        if pr or ms:
            raise Invalid("predictions and train_mse need a dual lower bound")
        return
    if not pr:
        return
    r = num(pr["radius"])
    if r < 0 or r * r < 2 * m * (upper - lower):
        raise Invalid("predictions.radius^2 is below 2M(upper - lower)")
    if not ms:
        return
    lo, hi, nlo, nhi = (num(ms[x]) for x in ("lower", "upper", "norm_lower", "norm_upper"))
    Hc = H if none else center(H, m)
    Z = matmul(W, Hc)
    a2 = sum((Z[i][j] - Yt[i][j]) ** 2 for i in range(len(Z)) for j in range(m))
    if nlo < 0 or nlo * nlo > a2 or nhi < 0 or nhi * nhi < a2:
        raise Invalid("train_mse: norm bounds do not enclose |Z - Y~|")
    if lo > max(F(0), nlo - 2 * r) ** 2 / m or hi < (nhi + 2 * r) ** 2 / m:
        raise Invalid("train_mse interval does not contain the recomputed enclosure")

MAX_BYTES = 64 << 20


def main(argv):
    if len(argv) != 2:
        print("usage: check_certificate.py CERT.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:  # at most 64 MiB, as ufm check
            data = f.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise Unreadable("file is larger than %d bytes" % MAX_BYTES)
        doc = json.loads(data.decode("utf-8"))
        print(check(doc))
        return 0
    except Invalid as e:
        print("invalid certificate: %s" % e, file=sys.stderr)
        return 1
    except (Unreadable, OSError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            RecursionError) as e:
        print("unreadable certificate: %s" % (e or type(e).__name__), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
