"""
A Functional-API model with ``model__`` parameters
==================================================

Beyond the built-in MLP, ``model=`` takes any function that returns a Keras
model. Its keyword arguments become estimator parameters with a ``model__``
prefix, so ``set_params``, ``GridSearchCV`` and ``OptunaSearchCV`` tune them
like the built-in ones. A ``meta`` argument, if the function has one, receives
what was learned from the data (number of features, of classes, ...).

Here a wide-and-deep network: the inputs go both through a stack of hidden
layers and straight to the output layer.
"""

# %%
# The builder
# -----------
from pathlib import Path

import keras
import matplotlib.pyplot as plt
from sklearn.datasets import load_wine
from sklearn.model_selection import validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kerasopt import KerasClassifier

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)


def wide_and_deep(meta, units=32, depth=2, dropout=0.1):
    """Deep path of ``depth`` Dense layers, concatenated with the raw inputs."""
    inputs = keras.Input(shape=(meta["n_features_in_"],))
    x = inputs
    for _ in range(depth):
        x = keras.layers.Dense(units, activation="relu")(x)
        x = keras.layers.Dropout(dropout)(x)
    both = keras.layers.Concatenate()([inputs, x])
    outputs = keras.layers.Dense(meta["n_classes_"], activation="softmax")(both)
    return keras.Model(inputs, outputs, name="wide_and_deep")


# %%
# The estimator
# -------------
# ``model__units`` and ``model__depth`` are passed to the builder at each fit.
clf = KerasClassifier(
    model=wide_and_deep,
    model__units=16,
    model__depth=2,
    learning_rate=0.01,
    epochs=15,
    batch_size=16,
    random_state=0,
)
X, y = load_wine(return_X_y=True)
pipe = make_pipeline(StandardScaler(), clf)
pipe.fit(X, y)
pipe[-1].model_.summary()
print(pipe.get_params()["kerasclassifier__model__units"])

# %%
# A validation curve over a builder parameter
# -------------------------------------------
# ``model__units`` is an ordinary parameter for scikit-learn's tools.
units = [2, 32]
train_scores, test_scores = validation_curve(
    pipe, X, y, param_name="kerasclassifier__model__units", param_range=units, cv=3
)
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(units, train_scores.mean(axis=1), "o-", label="training")
ax.plot(units, test_scores.mean(axis=1), "o-", label="cross-validation")
ax.set(
    xscale="log",
    xlabel="model__units",
    ylabel="accuracy",
    title="Wide-and-deep network on the wine data",
)
ax.legend()
fig.savefig(OUTPUT / "functional_builder.png")
