"""Any Keras 3 backend: no TensorFlow import on JAX, nothing patched in Keras, and a
clear error for TensorFlow operations on another backend."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasopt import KerasClassifier

SCRIPT = """
import pickle, sys, tempfile, os
import keras
before = {cls: dict(vars(cls)) for cls in (keras.Model, keras.layers.Layer, keras.Sequential)}
import numpy as np
from kerasopt import KerasClassifier, KerasRegressor, load, save
X = np.random.RandomState(0).normal(size=(30, 3)).astype("float32")
clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0,
                      validation_fraction=0.2).fit(X, X[:, 0] > 0)
reg = KerasRegressor(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, X[:, 1])
reg.partial_fit(X, X[:, 1]).predict(X)
clf.predict_proba(X)
print(sorted(m for m in ("tensorflow", "scikeras", "torch") if m in sys.modules))
# Keras' own serialization imports TensorFlow when it is installed
# (keras/src/saving/serialization_lib.py), whatever the backend.
path = os.path.join(tempfile.mkdtemp(), "m.kerasopt")
save(clf, path)
load(path).predict(X)
pickle.loads(pickle.dumps(reg)).predict(X)
assert all(dict(vars(cls)) == attrs for cls, attrs in before.items()), "Keras was patched"
"""


@pytest.mark.skipif(
    not __import__("importlib.util").util.find_spec("jax"), reason="needs JAX"
)
def test_training_on_jax_imports_no_tensorflow_and_nothing_is_patched():
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def _tf_builder(meta):
    import tensorflow as tf

    inputs = keras.Input((meta["n_features_in_"],))
    squared = keras.layers.Lambda(lambda x: tf.square(x))(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(squared))


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="off TensorFlow only")
def test_tensorflow_ops_off_tensorflow_name_the_backend_and_the_fix():
    pytest.importorskip("tensorflow")
    X = np.random.RandomState(0).normal(size=(20, 3)).astype("float32")
    with pytest.raises(RuntimeError, match=rf"TensorFlow operations.*'{keras.backend.backend()}'"
                                           r" backend.*KERAS_BACKEND=tensorflow"):  # fmt: skip
        KerasClassifier(_tf_builder, epochs=1).fit(X, X[:, 0] > 0)
