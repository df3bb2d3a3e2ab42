"""
Digits: validation curves, overfitting and early stopping
=========================================================

The MNIST-style workload of the tutorials on scikit-learn's bundled 8x8
digits (1,797 images, offline): a 64-32-10 network, a validation split, the
loss curves that show overfitting, then the same network with early
stopping, which keeps the weights of the best validation epoch.
"""

# %%
# Data
# ----
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kerasopt import KerasClassifier

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixel intensities 0..16 -> 0..1
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, random_state=0, stratify=y
)

# %%
# Training long enough to overfit
# -------------------------------
# 64 inputs, 32 hidden units, 10 softmax outputs; 30 % of the training data
# (half of the digits) is held out as validation data (stratified). A small
# training set and a high learning rate make the overfitting quick to show.
params = dict(
    hidden_layer_sizes=(32,),
    learning_rate=0.02,
    batch_size=64,
    validation_fraction=0.3,
    random_state=0,
)
long_run = KerasClassifier(epochs=50, **params).fit(X_train, y_train)
print(f"50 epochs: test accuracy {long_run.score(X_test, y_test):.3f}")

# %%
# With early stopping
# -------------------
# ``early_stopping=True`` watches ``val_loss`` and restores the best weights
# after ``patience`` epochs without improvement.
stopped = KerasClassifier(epochs=50, early_stopping=True, patience=5, **params)
stopped.fit(X_train, y_train)
n_epochs = len(stopped.history_["loss"])
print(
    f"early stopping after {n_epochs} epochs: "
    f"test accuracy {stopped.score(X_test, y_test):.3f}"
)

# %%
# History plots
# -------------
# The validation loss bottoms out and rises again while the training loss
# keeps falling: overfitting. Early stopping ends the run near the bottom.
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
for name, clf, style in (("50 epochs", long_run, "-"), ("early stop", stopped, "--")):
    ax_loss.plot(clf.history_["loss"], style, label=f"train ({name})")
    ax_loss.plot(clf.history_["val_loss"], style, label=f"validation ({name})")
    ax_acc.plot(clf.history_["val_accuracy"], style, label=f"validation ({name})")
ax_loss.set(xlabel="epoch", ylabel="loss", yscale="log", title="Loss")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy")
ax_loss.legend()
ax_acc.legend()
fig.tight_layout()
fig.savefig(OUTPUT / "digits_history.png")
