"""
Logic gates: OR, NAND and XOR
=============================

A single layer (a perceptron) learns OR and NAND, because a straight line
separates their outputs. XOR is not linearly separable: a single layer fails,
and one hidden layer of two sigmoid units solves it (the tutorials' classic
demonstration).

Each gate has only four rows, so they are repeated 100 times: one epoch then
holds 100 SGD updates, which is much faster than 100 epochs of one update.
"""

# %%
# The truth tables
# ----------------
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from kerasopt import KerasClassifier

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
gates = {
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}
X_rep = np.tile(X, (100, 1))


# %%
# One layer versus one hidden layer
# ---------------------------------
# Sigmoid units and the mean squared error, as in the tutorials. Plain SGD at
# a learning rate of 0.1 needs thousands of epochs on XOR; SGD with momentum
# (``optimizer="momentum"``) at the same rate gets there in 20.
def gate_model(hidden):
    return KerasClassifier(
        hidden_layer_sizes=hidden,
        activation="sigmoid",
        optimizer="momentum",
        learning_rate=0.1,
        loss="mse",
        epochs=20,
        batch_size=4,
        random_state=0,
    )


runs = [("OR", ()), ("NAND", ()), ("XOR", ()), ("XOR", (2,))]
models = {}
for gate, hidden in runs:
    clf = gate_model(hidden).fit(X_rep, np.tile(gates[gate], 100))
    models[gate, hidden] = clf
    print(
        f"{gate:4} hidden={hidden!s:5} predictions={clf.predict(X)} truth={gates[gate]}"
    )

# %%
# Decision boundaries
# -------------------
# The probability of output 1 over the unit square: a straight boundary for
# the single layer, a band for the hidden layer.
grid = np.linspace(-0.25, 1.25, 61)
xx, yy = np.meshgrid(grid, grid)
points = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
for ax, (gate, hidden) in zip(axes, runs, strict=True):
    proba = models[gate, hidden].predict_proba(points)[:, 1].reshape(xx.shape)
    ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
    ax.scatter(X[:, 0], X[:, 1], c=gates[gate], cmap="RdBu_r", edgecolor="k", s=80)
    ax.set_title(f"{gate}, hidden={hidden}")
fig.tight_layout()
fig.savefig(OUTPUT / "logic_gates_boundaries.png")

# %%
# Loss curves
# -----------
fig, ax = plt.subplots(figsize=(6, 4))
for (gate, hidden), clf in models.items():
    ax.plot(clf.history_["loss"], label=f"{gate}, hidden={hidden}")
ax.set(xlabel="epoch", ylabel="MSE", title="Training loss")
ax.legend()
fig.savefig(OUTPUT / "logic_gates_loss.png")
