"""
Callbacks as parameters
=======================

Early stopping, ReduceLROnPlateau and learning-rate schedules are parameters
of the estimators; any other Keras callback, such as ``ModelCheckpoint``, goes
in ``callbacks``. This example trains the same network on the digits four
ways and plots the learning rate and the validation loss of each run.
"""

# %%
from pathlib import Path
from tempfile import TemporaryDirectory

import keras
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from kerasopt import KerasClassifier

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

X, y = load_digits(return_X_y=True)
X = X / 16.0
common = dict(
    hidden_layer_sizes=(32,),
    learning_rate=0.02,
    epochs=20,
    batch_size=128,
    validation_fraction=0.2,
    random_state=0,
)

# %%
# Four runs
# ---------
# * ``early_stopping=True``: stop after ``patience`` epochs without a better
#   ``val_loss`` and keep the best weights;
# * ``reduce_lr_on_plateau=True``: halve the learning rate when ``val_loss``
#   stalls for ``patience // 2`` epochs;
# * ``lr_schedule="cosine"``: a cosine decay over the epochs (``"exponential"``,
#   ``"step"`` or a ``callable(epoch, lr)`` work too);
# * a ``keras.callbacks.ModelCheckpoint`` writing the best model to a file.
with TemporaryDirectory() as tmp:
    checkpoint = keras.callbacks.ModelCheckpoint(
        Path(tmp) / "best.keras", monitor="val_loss", save_best_only=True
    )
    runs = {
        "early stopping": KerasClassifier(early_stopping=True, patience=2, **common),
        "reduce on plateau": KerasClassifier(
            reduce_lr_on_plateau=True, patience=4, **common
        ),
        "cosine schedule": KerasClassifier(lr_schedule="cosine", **common),
        "checkpoint": KerasClassifier(callbacks=[checkpoint], **common),
    }
    for name, clf in runs.items():
        clf.fit(X, y)
        print(
            f"{name:18} {len(clf.history_['loss'])} epochs, "
            f"best val_loss {min(clf.history_['val_loss']):.3f}"
        )
    best = keras.models.load_model(Path(tmp) / "best.keras")
    print("checkpointed model:", best.name, "with", best.count_params(), "weights")

# %%
# Learning rate and validation loss per epoch
# -------------------------------------------
# Keras records the learning rate in the history when a callback changes it.
fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
for name, clf in runs.items():
    epochs = range(1, len(clf.history_["loss"]) + 1)
    lr = clf.history_.get("learning_rate", [common["learning_rate"]] * len(epochs))
    ax_lr.plot(epochs, lr, label=name)
    ax_loss.plot(epochs, clf.history_["val_loss"], label=name)
ax_lr.set(xlabel="epoch", ylabel="learning rate", title="Learning rate")
ax_loss.set(
    xlabel="epoch", ylabel="validation loss", yscale="log", title="Validation loss"
)
ax_lr.legend()
fig.tight_layout()
fig.savefig(OUTPUT / "callbacks.png")
