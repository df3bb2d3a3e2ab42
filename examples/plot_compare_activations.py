"""
Activations compared
====================

Sigmoid, tanh, ReLU, leaky ReLU and ELU: the activation functions of the
tutorials, first drawn, then compared as the ``activation`` parameter of a
four-layer network. With sigmoid the gradient fades through the layers
(vanishing gradients) and training starts slowly; ReLU and its relatives
do not saturate for positive inputs.
"""

# %%
# The functions
# -------------
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kerasopt import KerasClassifier

OUTPUT = Path(__file__).resolve().parent / "output"
OUTPUT.mkdir(exist_ok=True)

activations = ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]
z = np.linspace(-4, 4, 200).astype("float32")
fig, ax = plt.subplots(figsize=(6, 4))
for name in activations:
    ax.plot(z, keras.ops.convert_to_numpy(keras.activations.get(name)(z)), label=name)
ax.set(xlabel="z", ylabel="activation(z)", ylim=(-1.5, 4))
ax.axhline(0, color="grey", lw=0.5)
ax.legend()
fig.savefig(OUTPUT / "activation_functions.png")

# %%
# Training with each activation
# -----------------------------
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, random_state=0, stratify=y
)
histories = {}
for name in activations:
    clf = KerasClassifier(
        hidden_layer_sizes=(32, 32, 32, 32),
        activation=name,
        optimizer="sgd",
        learning_rate=0.1,
        epochs=10,
        batch_size=64,
        random_state=0,
    ).fit(X_train, y_train)
    histories[name] = clf.history_["loss"]
    print(f"{name:10} test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# Loss curves
# -----------
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, loss in histories.items():
    ax.plot(range(1, len(loss) + 1), loss, label=name)
ax.set(xlabel="epoch", ylabel="training loss",
       title="Four hidden layers, SGD: activations compared")
ax.legend()
fig.savefig(OUTPUT / "activations.png")
