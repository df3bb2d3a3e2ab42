"""
Optimizers and activations compared
===================================

The tutorials walk from plain gradient descent to momentum, Nesterov,
AdaGrad, RMSprop and Adam, and from sigmoid to tanh, ReLU, leaky ReLU and
ELU. Each is one value of a parameter (``optimizer``, ``activation``), so a
comparison is a loop over values with everything else fixed: same data,
same network, same seed.
"""

# %%
# Data and a comparison helper
# ----------------------------
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kerasopt import KerasClassifier

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, random_state=0, stratify=y
)


def compare(name, values, title, **params):
    """Train one classifier per value of ``name``; plot their training losses."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for value in values:
        clf = KerasClassifier(**{name: value}, **params, random_state=0)
        clf.fit(X_train, y_train)
        print(f"{name}={value:10} test accuracy {clf.score(X_test, y_test):.3f}")
        loss = clf.history_["loss"]
        ax.plot(range(1, len(loss) + 1), loss, label=value)
    ax.set(xlabel="epoch", ylabel="training loss", yscale="log", title=title)
    ax.legend()
    return fig


# %%
# Optimizers
# ----------
# ``"momentum"`` and ``"nesterov"`` are SGD with momentum 0.9 (and Nesterov's
# look-ahead); the others are the Keras optimizers of the same names. At one
# learning rate for all, plain SGD and AdaGrad are the slowest to start; the
# adaptive methods and momentum reach a low loss within a few epochs.
fig = compare(
    "optimizer",
    ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"],
    "Optimizers on the digits (learning rate 0.02)",
    hidden_layer_sizes=(32,),
    learning_rate=0.02,
    epochs=10,
    batch_size=128,
)
fig.savefig(OUTPUT / "optimizers.png")

# %%
# The activation functions
# ------------------------
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
# Activations in a deep network
# -----------------------------
# Four hidden layers trained by plain SGD: with sigmoid the gradient fades
# through the layers (vanishing gradients) and the loss barely moves; ReLU
# and its relatives do not saturate for positive inputs.
fig = compare(
    "activation",
    activations,
    "Four hidden layers, SGD: activations compared",
    hidden_layer_sizes=(32, 32, 32, 32),
    optimizer="sgd",
    learning_rate=0.1,
    epochs=10,
    batch_size=64,
)
fig.savefig(OUTPUT / "activations.png")
