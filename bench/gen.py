#!/usr/bin/python3
"""Writes a benchmark instance to stdout: n targets, d features, M samples,
targets uniform two-decimal numbers in [-10, 10) from a fixed seed,
λ_H = 0.01, λ_W = 0.03, bias free (the instances of README "Scale
(measured)": d = 2n, M = 5n).

Usage: /usr/bin/python3 gen.py n d M digits > instance.json
"""
import json
import random
import sys

if len(sys.argv) != 5:
    sys.exit("usage: gen.py n d M digits")
n, d, M, digits = map(int, sys.argv[1:5])
rng = random.Random(1)
rows = [["%.2f" % (rng.random() * 20 - 10) for _ in range(n)] for _ in range(M)]
print(json.dumps({"targets": rows, "lambda_h": "0.01", "lambda_w": "0.03", "d": d, "bias": "free", "digits": digits}))
