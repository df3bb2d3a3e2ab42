"""
Blood fat: linear regression with one Dense unit
=================================================

The first tutorial's workload: predict the blood fat of 25 people from their
weight and age with a single ``Dense(1)`` unit trained by RMSprop on the
mean squared error, then ask the model about a person weighing 100 kg, aged 44.

With kerasopt the network is ``hidden_layer_sizes=()`` (no hidden layer: a
linear model), and ``normalize=True`` puts a Keras ``Normalization`` layer in
front so that weight and age are on the same scale.
"""

# %%
# The data
# --------
# The 25-row table ships with the examples as a CSV file.
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.linear_model import LinearRegression

from kerasopt import KerasRegressor

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

blood = pd.read_csv(HERE / "data" / "blood_fat.csv")
X, y = blood[["weight", "age"]], blood["blood_fat"]
print(blood.describe().round(1))

# %%
# One Dense unit, RMSprop, MSE
# ----------------------------
# The regressor standardizes the target by default (``target_scaling=True``),
# so a learning rate of 0.05 converges in a few hundred updates; the tutorial
# trained 5000 epochs on the raw numbers.
reg = KerasRegressor(
    hidden_layer_sizes=(),
    optimizer="rmsprop",
    learning_rate=0.05,
    loss="mse",
    normalize=True,
    epochs=150,
    batch_size=5,
    random_state=0,
)
reg.fit(X, y)
reg.model_.summary()

# %%
# Prediction for weight 100, age 44
# ---------------------------------
# The closed-form least-squares fit is the answer the network should reach.
person = pd.DataFrame({"weight": [100], "age": [44]})
exact = LinearRegression().fit(X, y)
print(f"network:       {reg.predict(person)[0]:.1f}")
print(f"least squares: {exact.predict(person)[0]:.1f}")

# %%
# Training loss and fitted values
# -------------------------------
fig, (ax_loss, ax_fit) = plt.subplots(1, 2, figsize=(10, 4))
ax_loss.plot(reg.history_["loss"])
ax_loss.set(
    xlabel="epoch",
    ylabel="MSE (standardized target)",
    yscale="log",
    title="Training loss",
)
ax_fit.scatter(y, reg.predict(X), label="network")
ax_fit.scatter(y, exact.predict(X), marker="x", label="least squares")
lims = [y.min(), y.max()]
ax_fit.plot(lims, lims, color="grey", lw=1)
ax_fit.set(xlabel="measured blood fat", ylabel="predicted", title="Fit")
ax_fit.legend()
fig.tight_layout()
fig.savefig(OUTPUT / "blood_fat.png")

# %%
# The learned weights
# -------------------
# The Dense layer's kernel and bias act on the normalized inputs.
kernel, bias = reg.model_.layers[-1].get_weights()
print("kernel:", kernel.ravel().round(3), "bias:", bias.round(3))
