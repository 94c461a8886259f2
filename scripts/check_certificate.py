#!/usr/bin/env python3
"""Check a ufm certificate (format ufm-certificate/1) with exact rationals.

Usage: python3 check_certificate.py CERT.json
Exit 0 valid, 1 invalid, 2 unreadable, as `ufm check`.  Standard library only; every number
is a fractions.Fraction, so nothing is rounded.  The mathematics (lemma ids in
the certificate): L(W,H,b) >= f(W H~) with f(Z) = |Z - Y~|^2/(2M) + sqrt(c/M)|Z|_*
(bias-split, factorization-nuclear); f >= <Lam,Y~> - M/2 |Lam|^2 whenever
(c/M)I - Lam Lam^T is positive definite (weak-duality); or, with rank <= k =
min(d,n), f >= tr(Sigma)/2 - sum_{i<=k} phi(sigma_i), phi(s) = (sqrt s - sqrt c)_+^2/2
(mirsky-von-neumann); bias regularized adds - |Lam 1|^2/(2 lambda_b) with Y~ = Y
(bias-regularized-duality).  Eigenvalue counts come from the signs of LDL^T pivots
(sylvester-inertia).  See docs/formats.md, section Certificates.

Reading follows certify/check (Parse: Go's encoding/json into fixed structs, unknown
fields refused): a field name that is not one of SCHEMA's (exact case), a field twice in one
object, a value of the wrong JSON type, NaN/Infinity, trailing data are unreadable; a missing
field or null is its zero value ("", 0, no list, no object), so a missing number is
unreadable and a missing verdict or lemma list is an invalid claim.
"""
import json
import re
import sys
from fractions import Fraction as F

if hasattr(sys, "set_int_max_str_digits"):  # Python >= 3.11 caps int(str) at 4300 digits
    sys.set_int_max_str_digits(0)  # numbers are capped at 60000 characters below instead
RAT = re.compile(r"-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?")  # fullmatch: "$" would let a final "\n" in
FORMAT, MAX_BYTES, MAX_NUMBER, MAX_DIGITS = "ufm-certificate/1", 64 << 20, 60000, 2000
MAX_N, MAX_M, MAX_ENTRIES, MAX_D = 32, 4096, 20000, 1 << 30  # the caps of certify/check
NEED = ["bias-split", "factorization-nuclear", "sylvester-inertia",
        "rational-sqrt-bounds", "closed-form-spectral", "nonnegative"]

class Unreadable(Exception):  # exit 2
    pass

class Invalid(Exception):  # exit 1
    pass

def safe(s):  # one printable line (as ufm's termSafe)
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(s))

def quoted(s):
    return '"%s"' % safe(s[:40])

# --- the JSON document, read as Go's encoding/json reads it into check.File ---
STR, INT = "string", "integer"

class Opt:  # an optional object (a Go pointer): absent or null is None
    def __init__(self, fields):
        self.fields = fields

MATRIX = [[STR]]
SCHEMA = {
    "format": STR,
    "instance": {"name": STR, "targets": MATRIX, "lambda_h": STR, "lambda_w": STR, "d": INT,
                 "bias": STR, "lambda_b": STR},
    "digits": INT, "lower": STR, "upper": STR,
    "lemmas": [{"id": STR, "statement": STR}],
    "point": {"w": MATRIX, "h": MATRIX, "b": [STR]},
    "lower_bound": {"method": STR, "lambda": MATRIX},
    "spectrum": Opt({"upper": [STR], "lower": [STR], "root_c_upper": [STR], "root_c_lower": [STR]}),
    "closed_form": Opt({"lower": STR, "upper": STR}),
    "predictions": Opt({"radius": STR}),
    "train_mse": Opt({"lower": STR, "upper": STR, "norm_lower": STR, "norm_upper": STR}),
    "verdict": STR, "proved_digits": INT, "notes": [STR],
}

class Obj(list):  # a JSON object: its (key, value) pairs in order
    pass

class Lit(str):  # a JSON number that Go cannot store in an int (fraction, exponent, > 64 bits)
    pass

def pairs(kv):
    seen = set()
    for k, _ in kv:
        if k in seen:
            raise Unreadable("JSON: field %s appears twice in one object" % quoted(k))
        seen.add(k)
    return Obj(kv)

def integer(text):
    if len(text) > 20 or not -(1 << 63) <= int(text) < 1 << 63:
        return Lit(text)
    return int(text)

def constant(name):
    raise Unreadable("JSON: %s is not a JSON value" % name)

def kind(v):
    if v is None:
        return "null"
    if isinstance(v, (Lit, int)) and not isinstance(v, bool):
        return "the number %s" % safe(str(v)[:40])
    for t, name in ((bool, "a boolean"), (str, "a string"), (Obj, "an object")):
        if isinstance(v, t):
            return name
    return "an array"

def zero(t):
    if isinstance(t, dict):
        return {k: zero(s) for k, s in t.items()}
    return {STR: "", INT: 0}.get(t) if isinstance(t, str) else None  # no list, no object

def decode(t, v, where):
    if v is None:  # Go leaves the zero value
        return zero(t)
    if t == STR and type(v) is str or t == INT and type(v) is int:
        return v
    if isinstance(t, list) and type(v) is list:
        return [decode(t[0], x, "%s[%d]" % (where, i)) for i, x in enumerate(v)]
    if isinstance(t, (dict, Opt)) and type(v) is Obj:
        fields = t.fields if isinstance(t, Opt) else t
        rec = zero(fields)
        for k, x in v:
            if k not in fields:
                raise Unreadable("JSON: unknown field %s%s" % (quoted(k), " in " + where if where else ""))
            rec[k] = decode(fields[k], x, where + "." + k if where else k)
        return rec
    want = {STR: "a string", INT: "an integer"}.get(t) if isinstance(t, str) else \
        "an array" if isinstance(t, list) else "an object"
    raise Unreadable("JSON: %s is %s, want %s" % (where or "the document", kind(v), want))

def load(data):
    if len(data) > MAX_BYTES:
        raise Unreadable("file has more than %d bytes" % MAX_BYTES)
    try:  # Go reads invalid UTF-8 inside strings as U+FFFD; elsewhere it is a syntax error
        doc = json.loads(data.decode("utf-8", "replace"), object_pairs_hook=pairs, parse_int=integer,
                         parse_float=Lit, parse_constant=constant)
    except (ValueError, RecursionError, MemoryError) as e:
        if getattr(e, "msg", None) == "Extra data":
            raise Unreadable("trailing data after the JSON document")
        raise Unreadable("JSON: %s" % (str(e).splitlines() or [type(e).__name__])[0])
    return decode(SCHEMA, doc, "")

# --- shapes and numbers: the rules of convert in certify/check/format.go ---
def num(field, s):
    if len(s) > MAX_NUMBER:
        raise Unreadable("%s: a number has %d characters (at most %d)" % (field, len(s), MAX_NUMBER))
    if not RAT.fullmatch(s):
        raise Unreadable("%s: %s is not an exact rational \"p/q\"" % (field, quoted(s)))
    return F(s)

def size(v):
    return 0 if v is None else len(v)

def vec(field, v, n):
    if size(v) != n:
        raise Unreadable("%s has %d entries, want %d" % (field, size(v), n))
    return [num("%s[%d]" % (field, i), x) for i, x in enumerate(v)]

def mat(field, m, rows, cols):
    if size(m) != rows:
        raise Unreadable("%s has %d rows, want %d" % (field, size(m), rows))
    return [vec("%s[%d]" % (field, i), row, cols) for i, row in enumerate(m)]

class Cert:
    pass

def read(data):
    f = load(data)
    if f["format"] != FORMAT:
        raise Unreadable("format is %s, want \"%s\"" % (quoted(f["format"]), FORMAT))
    inst, c = f["instance"], Cert()
    t = inst["targets"]
    m = size(t)
    if not 1 <= m <= MAX_M:
        raise Unreadable("instance.targets has %d rows (1 to %d)" % (m, MAX_M))
    n = size(t[0])
    if not 1 <= n <= MAX_N or n * m > MAX_ENTRIES:
        raise Unreadable("instance.targets is %dx%d (n <= %d, n*M <= %d)" % (m, n, MAX_N, MAX_ENTRIES))
    d, bias = inst["d"], inst["bias"]
    if not 1 <= d <= MAX_D:
        raise Unreadable("instance.d = %d is not a feature dimension" % d)
    if bias not in ("free", "none", "regularized"):
        raise Unreadable("instance.bias is %s (free, none or regularized)" % quoted(bias))
    c.reg, c.none = bias == "regularized", bias == "none"
    if c.reg != (inst["lambda_b"] != ""):
        raise Unreadable("instance.lambda_b goes with bias regularized, and only with it")
    if not 1 <= f["digits"] <= MAX_DIGITS:
        raise Unreadable("digits = %d (1 to %d)" % (f["digits"], MAX_DIGITS))
    c.f, c.name, c.d, c.m, c.n, c.k = f, inst["name"], d, m, n, min(n, d)
    c.Y = [list(col) for col in zip(*mat("instance.targets", t, m, n))]  # n x M
    c.lh, c.lw = num("instance.lambda_h", inst["lambda_h"]), num("instance.lambda_w", inst["lambda_w"])
    c.lower, c.upper = num("lower", f["lower"]), num("upper", f["upper"])
    lb = f["lower_bound"]
    c.method = lb["method"]
    if c.lh < 0 or c.lw < 0 or (c.lh == 0) != (c.lw == 0):
        raise Unreadable("instance: a certificate needs lambda_h, lambda_w both > 0 or both 0")
    if c.lh == 0 and (c.reg or c.method != "mirsky"):
        raise Unreadable("instance: lambda_h = lambda_w = 0 is certified with method mirsky, "
                         "bias free or none")
    c.lbias = None
    if c.reg:
        c.lbias = num("instance.lambda_b", inst["lambda_b"])
        if c.lbias <= 0:
            raise Unreadable("instance.lambda_b must be > 0")
        if any(f[x] is not None for x in ("spectrum", "closed_form", "predictions", "train_mse")) \
                or c.method != "dual":
            raise Unreadable("bias regularized: a certificate has a dual lower bound and no spectrum, "
                             "closed_form, predictions or train_mse")
    elif f["spectrum"] is None or f["closed_form"] is None:
        raise Unreadable("spectrum and closed_form are required (bias free or none)")
    pt = f["point"]
    if size(pt["w"]) != n:
        raise Unreadable("point.w has %d rows, want n = %d" % (size(pt["w"]), n))
    kp = size(pt["w"][0])
    if not 1 <= kp <= min(d, MAX_N):
        raise Unreadable("point.w has %d columns (1 to min(d, %d))" % (kp, MAX_N))
    c.W, c.H, c.b = mat("point.w", pt["w"], n, kp), mat("point.h", pt["h"], kp, m), vec("point.b", pt["b"], n)
    c.Lam = None
    if c.method == "dual":
        c.Lam = mat("lower_bound.lambda", lb["lambda"], n, m)
    elif c.method == "mirsky":
        if lb["lambda"] is not None:
            raise Unreadable("lower_bound: method mirsky takes no lambda")
    else:
        raise Unreadable("lower_bound.method is %s (dual or mirsky)" % quoted(c.method))
    if not c.reg:
        sp, cf = f["spectrum"], f["closed_form"]
        c.su, c.sl = vec("spectrum.upper", sp["upper"], c.k), vec("spectrum.lower", sp["lower"], c.k)
        c.ru = vec("spectrum.root_c_upper", sp["root_c_upper"], c.k)
        c.rl = vec("spectrum.root_c_lower", sp["root_c_lower"], c.k)
        c.cfl, c.cfu = num("closed_form.lower", cf["lower"]), num("closed_form.upper", cf["upper"])
    pr, ms = f["predictions"], f["train_mse"]
    c.radius = None if pr is None else num("predictions.radius", pr["radius"])
    c.mse = None if ms is None else [num("train_mse." + k, ms[k])
                                     for k in ("lower", "upper", "norm_lower", "norm_upper")]
    return c

# --- exact arithmetic ---
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

# --- the claims: the rules of Check in certify/check/check.go ---
def check(x):
    f, m, n, k, reg, none, Lam = x.f, x.m, x.n, x.k, x.reg, x.none, x.Lam
    lower, upper, c, lemmas = x.lower, x.upper, x.lh * x.lw, {lem["id"] for lem in f["lemmas"] or []}
    need = NEED + (["weak-duality"] if Lam is not None else ["mirsky-von-neumann"])
    if reg:
        need = ["factorization-nuclear", "bias-regularized-duality", "sylvester-inertia"]
    if x.radius is not None or x.mse is not None:
        need.append("strong-convexity")
    if not reg and c == 0 and k == n:
        need.append("trace-identity")
    for lem in need:
        if lem not in lemmas:
            raise Invalid("lemma \"%s\" is used but not named" % lem)
    if lower > upper:
        raise Invalid("lower > upper")
    if none and any(x.b):
        raise Invalid("point.b must be zero for bias none")
    Y, W, H, b = x.Y, x.W, x.H, x.b
    Yt = Y if none or reg else center(Y, m)
    R = matmul(W, H)
    loss = sum((R[i][j] + b[i] - Y[i][j]) ** 2 for i in range(n) for j in range(m)) / (2 * m)
    loss += x.lh * frob2(H) / (2 * m) + x.lw * frob2(W) / 2 + (x.lbias * frob2([b]) / 2 if reg else 0)
    if loss > upper:
        raise Invalid("upper is below L at the point")
    if Lam is not None:
        K = [[-v for v in row] for row in gram(Lam)]
        for i in range(n):
            K[i][i] += c / m
        if positive_pivots(K) != n:
            raise Invalid("(c/M)I - Lambda Lambda^T is not positive definite")
        bound = sum(u * v for r1, r2 in zip(Lam, Yt) for u, v in zip(r1, r2)) - F(m, 2) * frob2(Lam)
        if reg:
            bound -= sum(sum(row) ** 2 for row in Lam) / (2 * x.lbias)
    pd, verdict = f["proved_digits"], f["verdict"]
    if reg:
        if lower > bound:
            raise Invalid("lower exceeds the recomputed dual bound")
        if not (verdict == "bounds" and pd == 0) and not (0 < pd <= MAX_DIGITS and
                verdict == "enclosed to %d digits" % pd and narrow(lower, upper, pd)):
            raise Invalid("verdict %s (proved_digits %d) is not implied (bias regularized: "
                          "\"enclosed to D digits\" or \"bounds\")" % (quoted(verdict), pd))
        return "%s: VALID (dual, bias regularized); %s" % (x.name, verdict)
    su, sl, ru, rl = x.su, x.sl, x.ru, x.rl
    sig = [[v / m for v in row] for row in gram(Yt)]
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
    cf_lo, cf_hi = mirsky, half_tr - sum(phi(sl[i], rl[i], c) for i in range(k))
    if c == 0 and k == n:  # trace-identity: the closed form is tr/2 - sum sigma_i/2 = 0
        cf_lo = cf_hi = F(0)
    if Lam is None:
        bound = mirsky
    if lower > bound:
        raise Invalid("lower exceeds the recomputed %s bound" % x.method)
    if x.cfl > cf_lo or x.cfu < cf_hi:
        raise Invalid("closed_form interval does not contain the recomputed one")
    implied(x, Yt)
    refuted = cf_lo > upper or cf_hi < lower
    if verdict == "refuted":
        if not refuted:
            raise Invalid("verdict refuted, but the intervals meet")
    elif pd > 0:
        if pd > MAX_DIGITS or refuted or not narrow(lower, upper, pd) or not narrow(cf_lo, cf_hi, pd):
            raise Invalid("proved_digits = %d is not implied by the intervals" % pd)
        if verdict != "proved to %d digits" % pd:
            raise Invalid("verdict %s does not match proved_digits = %d" % (quoted(verdict), pd))
    elif pd < 0:
        raise Invalid("proved_digits is negative")
    elif verdict != "bounds":
        raise Invalid("verdict %s is not one of \"proved to D digits\", \"refuted\", \"bounds\""
                      % quoted(verdict))
    return "%s: VALID (%s); %s" % (x.name, x.method, verdict)

def implied(x, Yt):
    r, ms, m = x.radius, x.mse, x.m
    if x.Lam is None:
        if r is not None or ms is not None:
            raise Invalid("predictions and train_mse need a dual lower bound")
        return
    if r is None:
        if ms is not None:
            raise Invalid("train_mse needs predictions.radius")
        return
    if r < 0 or r * r < 2 * m * (x.upper - x.lower):
        raise Invalid("predictions.radius^2 is below 2M(upper - lower)")
    if ms is None:
        return
    lo, hi, nlo, nhi = ms
    Z = matmul(x.W, x.H if x.none else center(x.H, m))
    a2 = sum((Z[i][j] - Yt[i][j]) ** 2 for i in range(len(Z)) for j in range(m))
    if nlo < 0 or nlo * nlo > a2 or nhi < 0 or nhi * nhi < a2:
        raise Invalid("train_mse: norm bounds do not enclose |Z - Y~|")
    if lo > max(F(0), nlo - 2 * r) ** 2 / m or hi < (nhi + 2 * r) ** 2 / m:
        raise Invalid("train_mse interval does not contain the recomputed enclosure")


def main(argv):
    for stream in (sys.stdout, sys.stderr):  # a name with odd characters never stops the report
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if len(argv) != 2:
        print("usage: check_certificate.py CERT.json", file=sys.stderr)
        return 2
    try:
        try:
            with open(argv[1], "rb") as f:  # at most 64 MiB, as ufm check
                data = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise Unreadable("%s: %s" % (argv[1], e.strerror or type(e).__name__))
        print(safe(check(read(data))))
        return 0
    except Invalid as e:
        print("invalid certificate: %s" % safe(e), file=sys.stderr)
        return 1
    except Unreadable as e:
        print("unreadable certificate: %s" % safe(e), file=sys.stderr)
        return 2
    except Exception as e:  # a bug of this script: never "valid" (ufm check: internal error, exit 1)
        print("internal error of the checker: %s: %s" % (type(e).__name__, safe(str(e)[:200])),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
