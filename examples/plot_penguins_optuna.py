"""
Penguins: a tabular pipeline tuned with OptunaSearchCV
======================================================

A real table: the Palmer penguins (shipped by the ``palmerpenguins``
package), with categorical columns, missing values and a string target.
``make_tabular_pipeline`` prepares the columns, ``OptunaSearchCV`` tunes the
network with an Optuna study, prunes the trials whose validation loss lags
behind, and Optuna's own plots show how the search went.
"""

# %%
# Data
# ----
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from palmerpenguins import load_penguins
from sklearn.model_selection import train_test_split

from kerasopt import KerasClassifier, OptunaSearchCV, make_tabular_pipeline
from kerasopt.search import LayerSizes

# sphinx-gallery runs each example in its folder, without __file__.
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
OUTPUT = HERE / "output"
OUTPUT.mkdir(exist_ok=True)
# Optuna's matplotlib plots are marked experimental; the warning is noise here.
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
optuna.logging.set_verbosity(optuna.logging.WARNING)

penguins = load_penguins()
print(penguins.isna().sum().to_dict())
X, y = penguins.drop(columns="species"), penguins["species"]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)

# %%
# The search
# ----------
# A small space (layers, activation, learning rate, dropout) and few epochs
# keep this example short; without ``param_distributions`` the default space tunes
# more. Names without a step prefix go to the pipeline's final step.
pipe = make_tabular_pipeline(KerasClassifier(epochs=12, batch_size=32))
search = OptunaSearchCV(
    pipe,
    {
        "hidden_layer_sizes": LayerSizes(max_layers=2, min_units=4, max_units=64),
        "activation": CategoricalDistribution(["relu", "tanh"]),
        "learning_rate": FloatDistribution(1e-3, 1e-1, log=True),
        "dropout": FloatDistribution(0.0, 0.3),
    },
    n_trials=8,
    cv=2,
    pruner="median",
    random_state=0,
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(
    f"CV accuracy {search.best_score_:.3f}, test accuracy "
    f"{search.score(X_test, y_test):.3f}"
)
states = search.study_.trials_dataframe()["state"].value_counts()
print(states.to_dict())

# %%
# Optimization history
# --------------------
# The score of each trial and the best so far.
ax = optuna.visualization.matplotlib.plot_optimization_history(search.study_)
ax.figure.savefig(OUTPUT / "penguins_history.png", bbox_inches="tight")

# %%
# Learning curves of the trials
# -----------------------------
# Each trial reports ``-val_loss`` after every epoch of its first fold; the
# pruned ones stop early.
ax = optuna.visualization.matplotlib.plot_intermediate_values(search.study_)
ax.figure.savefig(OUTPUT / "penguins_intermediate.png", bbox_inches="tight")

# %%
# Which parameters mattered
# -------------------------
ax = optuna.visualization.matplotlib.plot_param_importances(search.study_)
ax.figure.savefig(OUTPUT / "penguins_importances.png", bbox_inches="tight")
plt.show()
