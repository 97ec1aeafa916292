"""Two features you can see: the decision boundary, and the optimizer's path on the cost surface.

With two features a logistic model is a line through the plane: $P(y=1 \\mid x) = 1/2$ where
$w_1 x_1 + w_2 x_2 + b = 0$. We train it step by step with the optimizer protocol
(`init` / `update`) so we can keep every point the optimizer visits, then draw both pictures.

Run:  python examples/decision_boundary_2d.py [--out DIR]
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np

import minilogit as ml

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=None, help="folder for the figures (default: temp)")
out = parser.parse_args().out or Path(tempfile.mkdtemp(prefix="minilogit-2d-"))

# Two overlapping Gaussian blobs, symmetric about the origin (so the best b is near 0 and the
# contour slice at the final b is the surface the path really walks on). The second feature is
# stretched, which makes the cost surface a long valley: plain gradient descent zig-zags.
rng = np.random.default_rng(0)
m = 200
y = np.repeat([0, 1], m // 2)
X = rng.normal(0.0, 1.0, (m, 2)) * [1.0, 3.0] + np.where(y[:, None] == 1, 1.0, -1.0) * [1.0, 1.5]

loss = ml.losses.BinaryCrossEntropy()
# A bold step, above the always-safe 1/L, so the path zig-zags across the valley's steep walls.
print(f"safe step 1/L = {1 / loss.lipschitz(X):.3f}; we take 2.0")
optimizer = ml.optim.GradientDescent(lr=2.0)
params = {"w": np.array([-2.0, 1.5]), "b": np.asarray(0.0)}  # a deliberately bad start
state = optimizer.init(params)
path = [params]
for _ in range(60):
    params, state = optimizer.update(params, loss.grad(params, X, y), state)
    path.append(params)

model = ml.Logistic(2)
model.params = params
acc = 100 * ml.metrics.accuracy(y, model.predict(X))
print(
    f"after {len(path) - 1} steps: w = {np.round(params['w'], 3).tolist()}, "
    f"b = {float(params['b']):.3f}, cost {loss.value(params, X, y):.4f}, accuracy {acc:.1f} %"
)

boundary = out / "decision_boundary.png"
ml.plots.decision_boundary(
    X, y, params, title=f"Decision boundary ({acc:.1f} % correct)", path=boundary
)
contours = out / "optimizer_path.png"
ml.plots.loss_contours(loss, X, y, path, title="Gradient descent, lr 2.0", path=contours)
print(f"figures written to {boundary} and {contours}")
