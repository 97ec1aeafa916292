"""Check a hand-derived gradient three ways, then watch the check catch classic mistakes.

`ml.gradients.check` compares the hand-derived `loss.grad` with `jax.grad` of the same cost and
with central differences. `ml.mutations.Mutated` keeps the correct cost but swaps in a gradient
with one classic derivation slip; the check must flag every one of them.

Run:  python examples/gradient_check.py [--out DIR]
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import minilogit as ml
from minilogit.mutations import MUTATIONS, Mutated

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=None, help="folder for the figure (default: temp)")
out = parser.parse_args().out or Path(tempfile.mkdtemp(prefix="minilogit-gradcheck-"))

# A small square batch (m = n = 64 rows of standardized digits): square so that the
# "transpose" slip, X @ r instead of X.T @ r, runs instead of raising a shape error.
rng = np.random.default_rng(0)
data = ml.datasets.load_digits().one_vs_rest(1).standardized()
rows = rng.choice(data.m, size=data.n, replace=False)
X, y = data.X[rows], data.y[rows]

# Random, non-zero parameters. At w = 0, b = 0 some slips hide: every a(1 - a) equals 1/4
# there, and a penalty on b adds l2 * 0 = 0.
params = {"w": rng.normal(0.0, 1 / np.sqrt(data.n), data.n), "b": np.asarray(0.8)}
loss = ml.losses.BinaryCrossEntropy(l2=0.1)  # a penalty, so "penalize-bias" can show

print("The correct gradient (relative errors; < 1e-7 means agreement to rounding):")
correct = ml.gradients.check(loss, params, X, y)
print(correct.to_string(float_format="%.1e"))

# A mutated loss keeps the correct cost, so jax.grad of it is the gradient computed above:
# only the hand-derived side changes. (ml.gradients.check(Mutated(loss, name), ...) gives the
# full table for one of them; `minilogit gradcheck --mutate NAME` prints it.)
reference = ml.gradients.autodiff(loss)(params, X, y)
print("\nEach classic mistake, worst relative error of the hand-derived gradient vs jax.grad:")
worst = {}
for name, line in MUTATIONS.items():
    wrong = Mutated(loss, name).grad(params, X, y)
    worst[name] = max(ml.gradients.relative_error(wrong[k], reference[k]) for k in reference)
    caught = "caught" if worst[name] > 1e-2 else "MISSED"
    print(f"  {name:<24} {worst[name]:.2e}  {caught}   ({line.split(':')[0]})")

# One figure: the errors on a log scale, with the usual bands.
fig = Figure(figsize=(7.5, 3.8), layout="constrained")
ax = fig.add_subplot()
names = ["correct", *worst]
errors = [float(correct["analytic_vs_autodiff"].max()), *worst.values()]
ax.barh(names, np.maximum(errors, 1e-18), color=["#2a9d8f", *["#c0392b"] * len(worst)])
ax.set_xscale("log")
for bound, colour, band, side in (
    (1e-7, "#2a9d8f", "good <", "right"),
    (1e-4, "#e9c46a", "ok <", "right"),
    (1e-2, "#c0392b", "wrong >", "left"),
):
    ax.axvline(bound, color=colour, linestyle="--", linewidth=1)
    ax.text(bound, -0.75, f" {band} {bound:.0e} ", ha=side, fontsize=8, color=colour)
ax.set_xlim(1e-18, 10)
ax.invert_yaxis()
ax.set_xlabel("relative error, hand-derived vs jax.grad (log scale)")
ax.set_title("A gradient check catches every classic slip", pad=14)
path = out / "gradient_check.png"
fig.savefig(path)
print(f"\nfigure written to {path}")
