"""
Housing prices with a Keras Normalization layer
===============================================

The tutorials' Boston-housing workload: 13 features on very different
scales, a ``Normalization`` layer adapted to the training data inside the
model, a 64-32-1 network trained by Adam, a validation split, and the r2
score on held-out data.

The Boston data set is no longer shipped by scikit-learn (and nothing here
downloads data), so the script generates a Boston-style table with the same
column names and orders of magnitude. ``make_tabular_pipeline(...,
scaler="keras")`` leaves the scaling to the Keras layer.
"""

# %%
# A Boston-style table
# --------------------
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from kerasopt import KerasRegressor, make_tabular_pipeline

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

rng = np.random.default_rng(0)
n = 800
houses = pd.DataFrame(
    {
        "CRIM": rng.lognormal(-1.0, 1.5, n),
        "ZN": rng.choice([0.0, 12.5, 25.0, 80.0], n, p=[0.7, 0.1, 0.1, 0.1]),
        "INDUS": rng.uniform(0.5, 28.0, n),
        "CHAS": rng.binomial(1, 0.07, n).astype(float),
        "NOX": rng.uniform(0.38, 0.87, n),
        "RM": rng.normal(6.3, 0.7, n),
        "AGE": rng.uniform(3.0, 100.0, n),
        "DIS": rng.lognormal(1.2, 0.5, n),
        "RAD": rng.choice([1.0, 4.0, 5.0, 24.0], n),
        "TAX": rng.uniform(190.0, 710.0, n),
        "PTRATIO": rng.uniform(12.6, 22.0, n),
        "B": rng.uniform(300.0, 397.0, n),
        "LSTAT": rng.uniform(1.7, 38.0, n),
    }
)
price = (
    22
    + 6 * (houses.RM - 6.3)
    - 8 * np.log(houses.LSTAT / 10)
    - 0.8 * np.log1p(houses.CRIM)
    - 15 * (houses.NOX - 0.55)
    - 0.4 * houses.DIS
    + 3 * houses.CHAS
    - 0.5 * (houses.PTRATIO - 18)
    + rng.normal(0, 2.0, n)
)
houses["MEDV"] = price.clip(5, 50)
print(houses.describe().T[["mean", "std", "min", "max"]].round(2))

X_train, X_test, y_train, y_test = train_test_split(
    houses.drop(columns="MEDV"), houses["MEDV"], test_size=0.2, random_state=0
)

# %%
# Normalization inside the model
# ------------------------------
# ``scaler="keras"`` sets ``normalize=True`` on the regressor: a Keras
# ``Normalization`` layer is adapted to the training fold and saved with the
# model. ``target_scaling=False`` trains on the prices themselves, as the
# tutorial did.
reg = make_tabular_pipeline(
    KerasRegressor(
        hidden_layer_sizes=(64, 32),
        optimizer="adam",
        learning_rate=0.01,
        epochs=40,
        batch_size=32,
        validation_fraction=0.2,
        target_scaling=False,
        random_state=0,
    ),
    scaler="keras",
)
reg.fit(X_train, y_train)
model = reg[-1].model_
print([layer.__class__.__name__ for layer in model.layers])
print(f"test r2: {r2_score(y_test, reg.predict(X_test)):.3f}")

# %%
# Loss curves and predictions
# ---------------------------
history = reg[-1].history_
fig, (ax_loss, ax_pred) = plt.subplots(1, 2, figsize=(10, 4))
ax_loss.plot(history["loss"], label="training")
ax_loss.plot(history["val_loss"], label="validation")
ax_loss.set(xlabel="epoch", ylabel="MSE", yscale="log", title="Loss")
ax_loss.legend()
ax_pred.scatter(y_test, reg.predict(X_test), s=10)
ax_pred.plot([5, 50], [5, 50], color="grey", lw=1)
ax_pred.set(xlabel="true price", ylabel="predicted price", title="Test set")
fig.tight_layout()
fig.savefig(OUTPUT / "housing.png")
