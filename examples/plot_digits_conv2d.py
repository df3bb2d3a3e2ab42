"""
Images: a small convolutional network
=====================================

The tutorials' Fashion-MNIST workload needs a download, so this example uses
scikit-learn's bundled 8x8 digit images instead, kept as images of shape
``(8, 8, 1)``. The estimators accept n-dimensional inputs, and a Sequential
builder with ``Conv2D`` layers takes the place of the built-in MLP.
"""

# %%
from pathlib import Path

import keras
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kerasopt import KerasClassifier

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)

digits = load_digits()
images = (digits.images / 16.0).reshape(-1, 8, 8, 1)
X_train, X_test, y_train, y_test = train_test_split(
    images, digits.target, test_size=0.25, random_state=0, stratify=digits.target
)


# %%
# A Sequential builder
# --------------------
# ``meta["X_shape_"]`` is the shape of the training data, so the input layer
# follows whatever image size it is given.
def small_cnn(meta, filters=16):
    return keras.Sequential(
        [
            keras.Input(shape=meta["X_shape_"][1:]),
            keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(2 * filters, 3, padding="same", activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


cnn = KerasClassifier(
    model=small_cnn,
    model__filters=8,
    learning_rate=0.01,
    epochs=8,
    batch_size=64,
    validation_fraction=0.15,
    random_state=0,
)
cnn.fit(X_train, y_train)
print(f"test accuracy: {cnn.score(X_test, y_test):.3f}")

# %%
# History and a few predictions
# -----------------------------
fig = plt.figure(figsize=(11, 4))
ax = fig.add_subplot(1, 3, 1)
ax.plot(cnn.history_["accuracy"], label="training")
ax.plot(cnn.history_["val_accuracy"], label="validation")
ax.set(xlabel="epoch", ylabel="accuracy")
ax.legend()
predicted = cnn.predict(X_test[:8])
for i in range(8):
    ax = fig.add_subplot(2, 6, 3 + i + 2 * (i // 4))
    ax.imshow(X_test[i, :, :, 0], cmap="gray_r")
    correct = predicted[i] == y_test[i]
    ax.set_title(f"pred {predicted[i]}", color="k" if correct else "r")
    ax.axis("off")
fig.tight_layout()
fig.savefig(OUTPUT / "digits_cnn.png")
