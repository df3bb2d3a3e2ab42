"""
Wine classification with min-max scaling
========================================

The tutorials classify red and white wines from their chemistry with a
48-24-12 ReLU network on min-max scaled features. scikit-learn bundles a
different offline wine data set (three cultivars, 13 chemical measurements),
which the same recipe handles: ``make_tabular_pipeline(...,
scaler="minmax")`` and ``hidden_layer_sizes=(48, 24, 12)``.
"""

# %%
# Data
# ----
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_wine
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from kerasopt import KerasClassifier, make_tabular_pipeline

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

wine = load_wine(as_frame=True)
X, y = wine.data, wine.target_names[wine.target]  # string labels work as is
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
print(X.describe().T[["min", "max"]].head())

# %%
# 48-24-12 on min-max scaled columns
# ----------------------------------
pipe = make_tabular_pipeline(
    KerasClassifier(
        hidden_layer_sizes=(48, 24, 12),
        optimizer="adam",
        learning_rate=0.005,
        epochs=40,
        batch_size=16,
        validation_fraction=0.2,
        random_state=0,
    ),
    scaler="minmax",
)
pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# Accuracy curves and confusion matrix
# ------------------------------------
history = pipe[-1].history_
fig, (ax_acc, ax_cm) = plt.subplots(1, 2, figsize=(11, 4))
ax_acc.plot(history["accuracy"], label="training")
ax_acc.plot(history["val_accuracy"], label="validation")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
ax_acc.legend()
ConfusionMatrixDisplay.from_estimator(pipe, X_test, y_test, ax=ax_cm, colorbar=False)
ax_cm.set_title("Test set")
fig.tight_layout()
fig.savefig(OUTPUT / "wine.png")
