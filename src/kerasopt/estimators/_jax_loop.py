"""Compile once: the training loop and prediction of kerasopt's network on JAX.

``keras.Model.fit`` on JAX compiles a training step for each model (``jax.jit``
of the model's bound ``train_step``), compiles it again for the last, partial
batch, and compiles a test step for the validation batches: every fold of a
cross-validation and every trial of a search pays all of it again. On a CPU a
small tabular network's arithmetic costs less than compiling it, so the
network kerasopt builds trains here instead, with programs compiled once per
*structure* and shared by every model of that structure in the process:

* fixed shapes: every batch, the last one included, runs at one padded size.
  Padded rows weigh 0 and each batch's loss is divided by its real row count,
  which is Keras' own ``sum_over_batch_size`` reduction: the results are those
  of ``fit`` (same losses, metrics and weights for the same batches);
* values that change no shape (learning rate, weight decay, L2 penalty, label
  smoothing) are arguments of the compiled step, not constants in it, so
  folds and trials that differ only in them share one compilation;
* validation and prediction run one forward program, at a few padded sizes
  (:data:`BUCKETS`);
* both programs compile with XLA options chosen for small programs
  (:data:`_OPTIONS`): 35-45 % less compile time, steps as fast.
* a network kerasopt built is known by the arguments it was built from, not
  traced to find its structure; and elementwise optimizers (Adam and the
  like) update all weights as one vector, which compiles as one update
  instead of one per weight.

It follows the documented Keras pattern for custom JAX training loops
(``model.stateless_call``, ``optimizer.stateless_apply``), calls the callbacks
``fit`` would call (``History``, early stopping, pruning, the user's) with the
same logs, and leaves the trained weights and optimizer state in the model.
:func:`trains_here` says which models and ``fit`` arguments it takes; all
others train with ``keras.Model.fit``. This is the module of kerasopt that
imports JAX; it is imported only when JAX is Keras' backend.
"""

from __future__ import annotations

import json
import math
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import keras
import numpy as np

from ._network import RECIPES
from ._targets import SmoothedSparseCategoricalCrossentropy

__all__ = ["BUCKETS", "forward", "loss_of", "train", "trains_here"]

#: Rows prediction is padded to: up to the first, to it; more, in pieces of the last.
BUCKETS: tuple[int, ...] = (16, 1024)
_MAX_PROGRAMS = 32  # programs kept (least recently used dropped first)
_programs: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
# Per model, kept as long as it lives: its structures and its variables.
_STRUCTURES: weakref.WeakKeyDictionary[keras.Model, dict[bool, str]] = (
    weakref.WeakKeyDictionary()
)
_VARIABLES: weakref.WeakKeyDictionary[keras.Model, Any] = weakref.WeakKeyDictionary()

# ``fit`` arguments this loop takes; with any other, the model trains with fit.
_FIT_ARGUMENTS = frozenset(
    {"batch_size", "epochs", "shuffle", "verbose", "callbacks", "initial_epoch"}
)
_BATCH_HOOKS = (
    "on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
)  # fmt: skip
_LOSS_NAMES = {
    "mse": "mse",
    "mean_squared_error": "mse",
    "binary_crossentropy": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
}


# -- which models train here ------------------------------------------------------
def loss_of(model: keras.Model) -> tuple[str, float] | None:
    """``(loss name, label smoothing)`` of the loss ``model`` is compiled with.

    None for a loss this loop does not compute (it computes the losses
    kerasopt picks by default: mean squared error and the cross-entropies,
    smoothed or not).
    """
    loss = model.loss
    if isinstance(loss, str):
        return (_LOSS_NAMES[loss], 0.0) if loss in _LOSS_NAMES else None
    if not isinstance(loss, keras.losses.Loss):
        return None
    config = loss.get_config()
    if config.get("from_logits") or config.get("reduction") != "sum_over_batch_size":
        return None
    kinds = {
        keras.losses.BinaryCrossentropy: "binary_crossentropy",
        keras.losses.CategoricalCrossentropy: "categorical_crossentropy",
        SmoothedSparseCategoricalCrossentropy: "sparse_categorical_crossentropy",
        keras.losses.MeanSquaredError: "mse",
    }
    kind = kinds.get(type(loss))
    if kind is None or config.get("axis", -1) != -1:
        return None
    return kind, float(config.get("label_smoothing", 0.0))


def trains_here(model: keras.Model, fit_arguments: dict[str, Any]) -> bool:
    """Whether :func:`train` takes ``model`` (compiled) with these ``fit`` arguments."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not model.compiled or loss_of(model) is None:
        return False
    if _l2(model) is None or any(v.constraint for v in model.trainable_variables):
        return False  # a penalty or a constraint the step would not apply
    config = optimizer.get_config()
    return (
        set(fit_arguments) <= _FIT_ARGUMENTS
        and len(model.inputs) == 1
        and len(model.outputs) == 1
        and isinstance(config.get("learning_rate"), float)
        and not config.get("use_ema")
        and not config.get("gradient_accumulation_steps")
        and model.steps_per_execution == 1
        and not model.run_eagerly
        and model.jit_compile is not False
    )


# -- programs, kept by structure ---------------------------------------------------
#: XLA options of kerasopt's programs. On a CPU, without XLA's fusion emitters
#: (the default code generator of fused operations), a 3 x 256 training step
#: with periodic embeddings compiled in 0.4 s instead of 0.7 s and ran as fast;
#: at optimization level 2 (of 3) on top, a 10-trial default search compiled
#: its 20 programs in 5.3-5.5 s instead of 6.4-7.8 s. Level 1 compiled them in
#: 4.9-5.3 s, but with it a program compiled after another network's in the
#: same process could run 5-10x slower (a 3000 x 20 fit after a 150 x 4 one:
#: 2.2-4.8 s instead of 0.3 s; jaxlib 0.10.2). Other devices keep XLA's
#: defaults.
_OPTIONS = {"xla_cpu_use_fusion_emitters": False, "xla_backend_optimization_level": 2}


def _jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``jax.jit(fn)`` compiled with :data:`_OPTIONS` on a CPU, or without them
    where this XLA no longer knows them (it says so at the first compilation)."""
    options = _OPTIONS if jax.default_backend() == "cpu" else {}
    compiled = jax.jit(fn, compiler_options=options)

    def run(*args: Any) -> Any:
        nonlocal compiled
        try:
            return compiled(*args)
        except jax.errors.JaxRuntimeError as exc:
            if "No such compile option" not in str(exc):
                raise
            compiled = jax.jit(fn)
            return compiled(*args)

    return run


def _structure(model: keras.Model, training: bool) -> str:
    """What ``model`` computes: the recipe kerasopt built it from, or its program.

    Two models with the same key compute the same function of their
    variables, so one compiled program serves both. Kept per model while it
    lives: a model's structure does not change once it is built. A network
    kerasopt built has its recipe (``_network.RECIPES``); any other model is
    traced (:func:`_traced_structure`).
    """
    keys = _STRUCTURES.setdefault(model, {})
    key = keys.get(training)
    if key is None:
        recipe = RECIPES.get(model)
        key = keys[training] = (
            _traced_structure(model, training)
            if recipe is None
            else f"build_mlp {training} {recipe}"
        )
    return key


def _traced_structure(model: keras.Model, training: bool) -> str:
    """The JAX program of ``model``'s forward pass, operations, shapes and
    constants (the names of layers and variables play no part). Traced, not
    compiled. (Not ``model.get_config()``: Keras' serialization imports
    TensorFlow whenever it is installed.)"""

    def call(trainable: Any, non_trainable: Any, x: Any) -> Any:
        return model.stateless_call(trainable, non_trainable, x, training=training)

    specs = (
        [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in model.trainable_variables],
        [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in model.non_trainable_variables],
        jax.ShapeDtypeStruct((1, *model.inputs[0].shape[1:]), model.inputs[0].dtype),
    )
    program = jax.make_jaxpr(call)(*specs)
    constants = "".join(
        f"{np.shape(c)}{np.asarray(c).dtype}{np.asarray(c).tobytes().hex()}"
        for c in program.consts
    )
    return f"{program.jaxpr}|{constants}"


def _program(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    program = _programs.get(key)
    if program is None:
        program = _programs[key] = make()
        if len(_programs) > _MAX_PROGRAMS:
            _programs.popitem(last=False)
    else:
        _programs.move_to_end(key)
    return program


# -- losses and accuracy: on device in the step, on the host for validation --------
def _per_row_loss(xp: Any, loss: str, y: Any, p: Any, smoothing: Any) -> Any:
    """The loss of each row, as Keras' loss functions compute it, smoothed.

    Written once for ``jax.numpy`` (the step) and ``numpy`` (validation).
    """
    eps = keras.config.epsilon()
    if loss == "mse":
        return xp.mean(xp.square(y - p), axis=-1)
    if loss == "binary_crossentropy":
        y = y * (1.0 - smoothing) + 0.5 * smoothing
        p = xp.clip(p, eps, 1.0 - eps)
        return -xp.mean(y * xp.log(p) + (1.0 - y) * xp.log(1.0 - p), axis=-1)
    k = p.shape[-1]
    if loss == "sparse_categorical_crossentropy":
        y = (y[..., :1] == xp.arange(k)).astype(p.dtype)
    y = y * (1.0 - smoothing) + smoothing / k
    p = xp.clip(p / xp.sum(p, axis=-1, keepdims=True), eps, 1.0 - eps)
    return -xp.sum(y * xp.log(p), axis=-1)


def _hits(xp: Any, loss: str, y: Any, p: Any) -> Any:
    """Keras' ``accuracy`` of each row, for the loss's kind of target."""
    if loss == "binary_crossentropy":
        return xp.mean(((p > 0.5) == (y > 0.5)).astype(p.dtype), axis=-1)
    if loss == "sparse_categorical_crossentropy":
        truth = y[..., 0].astype("int32")
    else:
        truth = xp.argmax(y, axis=-1)
    return (xp.argmax(p, axis=-1) == truth).astype(p.dtype)


# -- the programs ----------------------------------------------------------------
class _Forward:
    """The model's outputs at inference: one compiled program per padded size."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model  # its layers run in every call, with other models' values
        self.run = _jit(self.forward)

    def forward(self, trainable: Any, non_trainable: Any, x: Any) -> Any:
        y, _ = self.model.stateless_call(trainable, non_trainable, x, training=False)
        return y


class _Step:
    """One optimizer step on one padded batch, for every model of a structure.

    With ``flat``, the optimizer updates all trainable weights as one vector
    (its state too: one momentum vector, not one per weight). The optimizers
    of :data:`_ELEMENTWISE` compute the same values either way, and the
    update compiles as one operation instead of one per weight: 20-25 % of a
    step's compile time.
    """

    def __init__(
        self, model: keras.Model, loss: str, accuracy: bool, flat: bool
    ) -> None:
        self.model = model  # its layers run in every call, with other models' values
        config = model.optimizer.get_config()
        # The step decays with the factor as an argument (AdamW wants a float
        # here; 0 decays nothing).
        config["weight_decay"] = None if config.get("weight_decay") is None else 0.0
        optimizer_class = type(model.optimizer)
        self._new_optimizer = lambda: optimizer_class.from_config(config)
        self.loss, self.accuracy, self.flat = loss, accuracy, flat
        self.kernels = _kernels(model)
        self.shapes = [tuple(v.shape) for v in model.trainable_variables]
        jax.eval_shape(self._describe)  # traced only: nothing is computed
        self.run = _jit(self.train_step)

    def _built_optimizer(self) -> keras.optimizers.Optimizer:
        # Made while tracing: its variables exist only inside the program.
        optimizer = self._new_optimizer()
        weights = self.model.trainable_variables
        if self.flat:
            size = sum(math.prod(shape) for shape in self.shapes)
            dtype = weights[0].dtype
            weights = [keras.Variable("zeros", shape=(size,), dtype=dtype, name=_FLAT)]
        optimizer.build(weights)
        return optimizer

    def _describe(self) -> None:
        optimizer = self._built_optimizer()
        self.rate_index = _index(optimizer.variables, optimizer.learning_rate)
        # What a model's first step keeps of the state it is given.
        self.kept = {self.rate_index, _index(optimizer.variables, optimizer.iterations)}
        self.names = [v.name for v in optimizer.variables]

    def penalty(self, trainable: Sequence[Any], xp: Any = jnp) -> Any:
        """Sum of the squares of the Dense kernels."""
        return sum((xp.sum(xp.square(trainable[i])) for i in self.kernels), 0.0)

    def train_step(self, state: Any, batch: Any, values: Any) -> Any:
        trainable, non_trainable, optimizer_state, sums = state
        x, y, weight, rows = batch
        smoothing, l2, decay, fresh = values
        optimizer = self._built_optimizer()
        # A model's first step starts its optimizer from the values its
        # variables are created with (zeros, or e.g. Adagrad's 0.1).
        initial = [v.value for v in optimizer.variables]
        optimizer_state = jax.lax.cond(
            fresh,
            lambda s: [s[i] if i in self.kept else v for i, v in enumerate(initial)],
            lambda s: list(s),
            optimizer_state,
        )

        def objective(trainable: Any) -> Any:
            p, non_trainable_after = self.model.stateless_call(
                trainable, non_trainable, x, training=True
            )
            loss = _per_row_loss(jnp, self.loss, y, p, smoothing)
            total = jnp.sum(loss * weight) / rows + l2 * self.penalty(trainable)
            return total, (p, non_trainable_after)

        (total, (p, non_trainable)), grads = jax.value_and_grad(
            objective, has_aux=True
        )(trainable)
        if self.flat:
            trainable, grads = [_ravel(trainable)], [_ravel(grads)]
        # Decoupled weight decay, applied before the update as Keras applies it.
        rate = optimizer_state[self.rate_index]
        trainable = [v - v * (decay * rate) for v in trainable]
        trainable, optimizer_state = optimizer.stateless_apply(
            optimizer_state, grads, trainable
        )
        if self.flat:
            trainable = _unravel(trainable[0], self.shapes)
        # Keras' compiled metrics count every real row, whatever its weight.
        real = jnp.arange(x.shape[0]) < rows
        hits = jnp.sum(jnp.where(real, _hits(jnp, self.loss, y, p), 0.0))
        sums = sums + jnp.stack([total * rows, rows, hits if self.accuracy else 0.0])
        return trainable, non_trainable, optimizer_state, sums


def _ravel(arrays: Sequence[Any], xp: Any = jnp) -> Any:
    return xp.concatenate([xp.ravel(a) for a in arrays])


def _unravel(flat: Any, shapes: Sequence[tuple[int, ...]]) -> list[Any]:
    ends = np.cumsum([math.prod(shape) for shape in shapes])
    return [
        flat[end - math.prod(shape) : end].reshape(shape)
        for end, shape in zip(ends, shapes, strict=True)
    ]


#: Name of the one weight a flat step's optimizer is built on (its slots are
#: named after it, as Keras names a weight's slots after the weight).
_FLAT = "kerasopt_flat"

#: Keras optimizers whose update of a weight is elementwise (without
#: ``clipnorm``, which clips each weight's gradient by its own norm): they
#: update all weights as one vector with the values they compute for each.
_ELEMENTWISE = (
    keras.optimizers.Adam, keras.optimizers.AdamW, keras.optimizers.Nadam,
    keras.optimizers.Adamax, keras.optimizers.SGD, keras.optimizers.RMSprop,
    keras.optimizers.Adagrad, keras.optimizers.Lion,
)  # fmt: skip


def _flat_layout(step: _Step, model: keras.Model) -> list[Any] | None:
    """Where each variable of a flat step's optimizer is in ``model.optimizer``.

    For a slot of the flat weight (a momentum, a velocity), the positions of
    that slot of each trainable weight, in the weights' order; for any other
    variable (the iteration count, the learning rate), its position. Keras
    names a weight's slots ``<weight path>_<slot>``. None where the model's
    optimizer does not hold exactly these variables, of these shapes.
    """
    variables = model.optimizer.variables
    found = {v.name: i for i, v in enumerate(variables)}
    weights = model.trainable_variables
    layout: list[Any] = []
    for name in step.names:
        if name.startswith(f"{_FLAT}_"):
            slot = name[len(_FLAT) :]
            where = [found.get(f"{w.path.replace('/', '_')}{slot}") for w in weights]
            if None in where:
                return None
            layout.append(where)
        elif name in found:
            layout.append(found[name])
        else:
            return None
    positions = [
        i for where in layout for i in (where if isinstance(where, list) else [where])
    ]
    slots_fit = all(
        tuple(variables[i].shape) == tuple(w.shape)
        for where in layout
        if isinstance(where, list)
        for i, w in zip(where, weights, strict=True)
    )
    return (
        layout
        if slots_fit and sorted(positions) == list(range(len(variables)))
        else None
    )


def _kernels(model: keras.Model) -> list[int]:
    """Positions of the Dense kernels among the model's trainable variables."""
    kernels = [
        layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    return [
        i
        for i, v in enumerate(model.trainable_variables)
        if any(v is k for k in kernels)
    ]


def _l2(model: keras.Model) -> float | None:
    """The one L2 factor of the model's Dense kernels (0 for none); None otherwise.

    The step penalizes every Dense kernel with the factor as an argument, so
    that models with another factor, or none, share its program. None when
    some kernels have another penalty (or none) than the others, or when a
    layer has another regularizer: the step would not compute it.
    """
    factors = set()
    for layer in model.layers:
        if any(
            getattr(layer, name, None) is not None
            for name in ("bias_regularizer", "activity_regularizer")
        ):
            return None
        regularizer = getattr(layer, "kernel_regularizer", None)
        if isinstance(layer, keras.layers.Dense) and regularizer is None:
            factors.add(0.0)
        elif (
            isinstance(layer, keras.layers.Dense)
            and type(regularizer) is keras.regularizers.L2
        ):
            factors.add(float(regularizer.get_config()["l2"]))
        elif regularizer is not None:
            return None
    if len(factors) > 1:
        return None
    return factors.pop() if factors else 0.0


def _index(variables: Sequence[Any], variable: Any) -> int:
    return next(i for i, v in enumerate(variables) if v is variable)


def _forward_program(model: keras.Model) -> _Forward:
    return _program(("forward", _structure(model, False)), lambda: _Forward(model))


def _step_program(model: keras.Model, loss: str, accuracy: bool, flat: bool) -> _Step:
    optimizer = model.optimizer
    config = optimizer.get_config()
    for name in ("name", "learning_rate", "weight_decay"):
        config.pop(name, None)
    # Keras' AdamW is its Adam with another default weight decay, which the
    # step takes as a value: AdamW and Adam models share steps.
    kind = type(optimizer)
    kind = keras.optimizers.Adam if kind is keras.optimizers.AdamW else kind
    key = (
        "step", _structure(model, True), kind,
        json.dumps(config, sort_keys=True, default=repr), loss, accuracy, flat,
    )  # fmt: skip
    return _program(key, lambda: _Step(model, loss, accuracy, flat))


def _can_flatten(model: keras.Model) -> bool:
    optimizer = model.optimizer
    return (
        type(optimizer) in _ELEMENTWISE
        and optimizer.clipnorm is None
        and len({v.dtype for v in model.trainable_variables}) == 1
    )


# -- prediction --------------------------------------------------------------------
def _pad(array: np.ndarray, rows: int) -> np.ndarray:
    if len(array) == rows:
        return array
    pad = np.zeros((rows - len(array), *array.shape[1:]), dtype=array.dtype)
    return np.concatenate([array, pad])


def _chunks(n: int) -> list[tuple[int, int, int]]:
    """``(start, stop, padded rows)`` of each piece of ``n`` rows.

    A few rows (serving) run at the smallest size; anything more in pieces of
    the largest, the last one padded to it too, so that validation, scoring
    and prediction of any size share one program.
    """
    if n <= BUCKETS[0]:
        return [(0, n, BUCKETS[0])] if n else []
    size = BUCKETS[-1]
    return [(start, min(start + size, n), size) for start in range(0, n, size)]


def _outputs(
    model: keras.Model, variables: tuple[Any, Any], X: np.ndarray
) -> np.ndarray:
    program = _forward_program(model)
    parts = [
        np.asarray(program.run(*variables, _pad(X[start:stop], rows)))[: stop - start]
        for start, stop, rows in _chunks(len(X))
    ]
    return np.concatenate(parts) if parts else np.zeros((0, model.outputs[0].shape[-1]))


def forward(model: keras.Model, X: np.ndarray) -> np.ndarray:
    """Outputs of a one-input, one-output ``model`` for ``X``, at padded sizes."""
    # Keras walks every layer to list a model's variables (~0.2 ms, more than
    # a row's forward pass): the lists are kept, the values read at each call.
    # (Not on the model: Keras would save variables found in its attributes.)
    found = _VARIABLES.get(model)
    if found is None:
        found = (tuple(model.trainable_variables), tuple(model.non_trainable_variables))
        _VARIABLES[model] = found
    variables = ([v.value for v in found[0]], [v.value for v in found[1]])
    return _outputs(model, variables, X)


# -- training ----------------------------------------------------------------------
def _batch_rows(batch_size: int, n: int) -> int:
    """Rows of the compiled step for batches of ``batch_size`` out of ``n`` rows.

    The batch size itself; when one batch holds every row (a small fold),
    the next power of two, so that folds of slightly different sizes share
    one program.
    """
    return batch_size if batch_size < n else 1 << max(n - 1, 0).bit_length()


def _has_batch_norm(model: keras.Model) -> bool:
    # Padded rows would enter the batch statistics: such models keep Keras'
    # batches exactly (a last, partial batch compiles a second step).
    return any(
        isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers
    )


def _overrides_batch_hooks(callback: keras.callbacks.Callback) -> bool:
    return any(
        getattr(type(callback), hook) is not getattr(keras.callbacks.Callback, hook)
        for hook in _BATCH_HOOKS
    )


def _build_optimizer(model: keras.Model) -> bool:
    """Create the model's optimizer variables, without computing their values.

    ``optimizer.build`` computes each variable's initial value eagerly, one
    small compilation per shape; here the build is only traced
    (``jax.eval_shape``) and the new variables hold zeros until the first step
    sets their initial values. Returns whether it built them.
    """
    optimizer = model.optimizer
    if optimizer.built:
        return False
    existing = {id(v) for v in optimizer.variables}

    def build() -> list[Any]:
        optimizer.build(model.trainable_variables)
        return [v.value for v in optimizer.variables]

    specs = jax.eval_shape(build)
    for variable, spec in zip(optimizer.variables, specs, strict=True):
        if id(variable) not in existing:
            variable.assign(np.zeros(spec.shape, spec.dtype))
    return True


def _validation_logs(
    step: _Step,
    model: keras.Model,
    validation: tuple[Any, ...],
    variables: tuple[Any, Any],
    smoothing: float,
    l2: float,
) -> dict[str, float]:
    """``val_loss`` (and ``val_accuracy``) as ``Model.evaluate`` computes them."""
    floatx = keras.backend.floatx()  # what fit makes of given validation data too
    x = np.asarray(validation[0], dtype=floatx)
    y = np.asarray(validation[1], dtype=floatx).reshape(len(x), -1)
    weight = validation[2] if len(validation) > 2 else None  # (x, y, None) too
    weight = np.ones(len(x), "float32") if weight is None else np.asarray(weight)
    p = _outputs(model, variables, x)
    loss = np.sum(_per_row_loss(np, step.loss, y, p, smoothing) * weight) / len(x)
    if l2:
        loss += l2 * step.penalty([np.asarray(v) for v in variables[0]], np)
    logs = {"val_loss": float(loss)}
    if step.accuracy:
        logs["val_accuracy"] = float(np.mean(_hits(np, step.loss, y, p)))
    return logs


def _flat_state(layout: list[Any] | None, values: list[Any]) -> list[Any]:
    """The values of the model's optimizer variables as a flat step keeps them:
    each slot as one vector (:func:`_flat_layout`); as they are without one."""
    if layout is None:
        return values
    return [
        _ravel([values[i] for i in where], np)
        if isinstance(where, list)
        else values[where]
        for where in layout
    ]


def _keep(
    model: keras.Model, step: _Step, layout: list[Any] | None, state: Any
) -> None:
    """Leave the state of the steps in the model's and its optimizer's variables."""
    optimizer_state = list(state[2])
    if layout is not None:
        by_position: dict[int, Any] = {}
        for where, value in zip(layout, state[2], strict=True):
            if isinstance(where, list):
                value = _unravel(np.asarray(value), step.shapes)
                by_position.update(zip(where, value, strict=True))
            else:
                by_position[where] = value
        optimizer_state = [by_position[i] for i in range(len(by_position))]
    for variables, values in zip(
        (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
        ),
        (state[0], state[1], optimizer_state),
        strict=True,
    ):
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value)


def train(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    sample_weight: np.ndarray | None,
    validation: tuple[Any, ...] | None,
    batch_size: int,
    epochs: int,
    initial_epoch: int,
    shuffle: bool,
    verbose: int,
    callbacks: Sequence[keras.callbacks.Callback],
    accuracy: bool,
) -> keras.callbacks.History:
    """Train ``model`` as ``model.fit`` would, and return its History.

    Parameters
    ----------
    model : keras.Model
        Compiled; :func:`trains_here` must hold.
    x, y : ndarray
        Training rows and the encoded target.
    sample_weight : ndarray or None
        Weight of each row.
    validation : tuple or None
        ``(x, y[, sample_weight])`` evaluated after every epoch.
    batch_size, epochs, initial_epoch, shuffle, verbose, callbacks
        As ``Model.fit`` takes them.
    accuracy : bool
        Log ``accuracy`` (the classifiers' default metric).

    Returns
    -------
    keras.callbacks.History
    """
    loss, smoothing = loss_of(model)  # type: ignore[misc]
    l2 = _l2(model)
    n = len(x)
    y = y.reshape(n, -1)
    weight = np.ones(n, "float32") if sample_weight is None else sample_weight
    weight = np.asarray(weight, "float32")
    batch_size = max(1, min(int(batch_size), n))
    rows = batch_size if _has_batch_norm(model) else _batch_rows(batch_size, n)
    starts = range(0, n, batch_size)
    callbacks = keras.callbacks.CallbackList(
        list(callbacks), add_history=True, add_progbar=verbose != 0, model=model,
        verbose=verbose, epochs=epochs, steps=len(starts),
    )  # fmt: skip
    batch_hooks = verbose != 0 or any(map(_overrides_batch_hooks, callbacks.callbacks))
    optimizer = model.optimizer
    fresh = _build_optimizer(model)
    layout = None
    if _can_flatten(model):
        step = _step_program(model, loss, accuracy, flat=True)
        layout = _flat_layout(step, model)
    if layout is None:
        step = _step_program(model, loss, accuracy, flat=False)
    decay = optimizer.get_config().get("weight_decay") or 0.0
    model.stop_training = False
    callbacks.on_train_begin()
    logs: dict[str, float] = {}
    for epoch in range(initial_epoch, epochs):
        callbacks.on_epoch_begin(epoch)
        # Between epochs the model's variables hold the truth: callbacks may
        # change its weights or its optimizer's learning rate.
        state = (
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            _flat_state(layout, [v.value for v in optimizer.variables]),
            np.zeros(3, "float32"),
        )
        order = np.random.permutation(n) if shuffle else np.arange(n)
        for batch, start in enumerate(starts):
            if batch_hooks:
                callbacks.on_train_batch_begin(batch)
            index = order[start : start + batch_size]
            data = (
                _pad(x[index], rows), _pad(y[index], rows), _pad(weight[index], rows),
                np.float32(len(index)),
            )  # fmt: skip
            values = (np.float32(smoothing), np.float32(l2), np.float32(decay), fresh)
            state = step.run(state, data, values)
            fresh = False
            if batch_hooks:
                sums = np.asarray(state[3])
                callbacks.on_train_batch_end(batch, {"loss": float(sums[0] / sums[1])})
            if model.stop_training:
                break
        _keep(model, step, layout, state)
        sums = np.asarray(state[3], dtype=np.float64)
        logs = {"loss": sums[0] / max(sums[1], 1.0)}
        if accuracy:
            logs["accuracy"] = sums[2] / max(sums[1], 1.0)
        if validation is not None:
            logs.update(
                _validation_logs(step, model, validation, state[:2], smoothing, l2)
            )
        logs = {key: float(value) for key, value in logs.items()}
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callbacks.on_train_end(logs)
    return model.history
