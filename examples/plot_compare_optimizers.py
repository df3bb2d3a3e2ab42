"""
Optimizers compared
===================

The tutorials walk from plain gradient descent to momentum, Nesterov,
AdaGrad, RMSprop and Adam. Each is one value of the ``optimizer`` parameter,
so comparing them is a loop over names with everything else fixed: same data,
same network, same seed, same learning rate.
"""

# %%
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kerasopt import KerasClassifier

OUTPUT = Path(__file__).resolve().parent / "output"
OUTPUT.mkdir(exist_ok=True)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, random_state=0, stratify=y
)

# %%
# One network, six optimizers
# ---------------------------
# ``"momentum"`` and ``"nesterov"`` are SGD with momentum 0.9 (and Nesterov's
# look-ahead); the others are the Keras optimizers of the same names.
optimizers = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
histories = {}
for name in optimizers:
    clf = KerasClassifier(
        hidden_layer_sizes=(32,),
        optimizer=name,
        learning_rate=0.02,
        epochs=10,
        batch_size=128,
        random_state=0,
    ).fit(X_train, y_train)
    histories[name] = clf.history_["loss"]
    print(f"{name:9} test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# Loss curves
# -----------
# At this learning rate plain SGD and AdaGrad are the slowest to start; the
# adaptive methods and momentum reach a low loss within a few epochs.
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, loss in histories.items():
    ax.plot(range(1, len(loss) + 1), loss, label=name)
ax.set(xlabel="epoch", ylabel="training loss", yscale="log",
       title="Optimizers on the digits (learning rate 0.02)")
ax.legend()
fig.savefig(OUTPUT / "optimizers.png")
