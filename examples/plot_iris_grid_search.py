"""
Iris: one-hot target, 3x32 ReLU and a grid search
=================================================

The tutorials' classification workload: the iris flowers, a one-hot encoded
target, three hidden layers of 32 ReLU units, a softmax output and Adam.
The estimator sees the one-hot matrix and picks the softmax output and the
categorical cross-entropy itself. Because it is a scikit-learn estimator,
``GridSearchCV`` tunes it like any other.
"""

# %%
# One-hot target
# --------------
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from kerasopt import KerasClassifier

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

X, labels = load_iris(return_X_y=True)
Y = OneHotEncoder(sparse_output=False).fit_transform(labels.reshape(-1, 1))
print(Y[:3], Y.shape)
X_train, X_test, Y_train, Y_test = train_test_split(
    StandardScaler().fit_transform(X),
    Y,
    test_size=0.2,
    random_state=0,
    stratify=labels,
)

# %%
# The network
# -----------
clf = KerasClassifier(
    hidden_layer_sizes=(32, 32, 32),
    activation="relu",
    optimizer="adam",
    learning_rate=0.01,
    epochs=40,
    batch_size=16,
    validation_fraction=0.2,
    random_state=0,
)
clf.fit(X_train, Y_train)
print("loss:", clf.model_.loss, "| output:", clf.model_.layers[-1].activation.__name__)
print(f"test accuracy: {clf.score(X_test, Y_test):.3f}")

# %%
# Accuracy curves
# ---------------
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(clf.history_["accuracy"], label="training")
ax.plot(clf.history_["val_accuracy"], label="validation")
ax.set(xlabel="epoch", ylabel="accuracy", title="Iris, 3x32 ReLU")
ax.legend()
fig.savefig(OUTPUT / "iris_accuracy.png")

# %%
# Grid search
# -----------
# Every parameter of the estimator can go in the grid (``hidden_layer_sizes``,
# ``activation``, ``epochs`` ...); two learning rates keep this example short.
grid = GridSearchCV(
    clf.set_params(validation_fraction=None, epochs=20),
    {"learning_rate": [0.001, 0.01]},
    cv=3,
)
grid.fit(X_train, Y_train)
results = pd.DataFrame(grid.cv_results_)[
    ["param_learning_rate", "mean_test_score", "std_test_score"]
]
print(results)
print("best:", grid.best_params_, f"test accuracy: {grid.score(X_test, Y_test):.3f}")

# %%
# Mean CV accuracy of each grid point.
fig, ax = plt.subplots(figsize=(6, 2.5))
names = [f"learning_rate={lr}" for lr in results["param_learning_rate"]]
ax.barh(names, results["mean_test_score"], xerr=results["std_test_score"])
ax.set(xlabel="mean CV accuracy", xlim=(0, 1))
fig.tight_layout()
fig.savefig(OUTPUT / "iris_grid.png")
